// Which image an update runs. The driver passes `papyrus:image` (and
// `papyrus:imageTag`) for each deploy, rollback and promote, for that update
// only: git's Pulumi.<stack>.yaml holds no digest. Without them (a plain
// `pulumi up` for an infrastructure change, from any checkout) the stack keeps
// the image it runs now, read from its own last outputs through a
// StackReference to itself, which returns the outputs of the stack's last
// update. A new stack has none: it runs no service until its first deploy.
//
// So a plain `pulumi up` never changes or removes the service because a
// checkout lacks an image, and never puts back an image a checkout remembers.
import * as pulumi from "@pulumi/pulumi";
import { ImageDigestRef, parseImageReference } from "./imageReference";

/** The name of the StackReference resource the stack reads its own outputs through. */
export const RUNNING_IMAGE_REFERENCE = "papyrus-running-image";

export interface ImageToRun {
    /** `<repositoryUrl>@sha256:<hex>` */
    readonly image: ImageDigestRef;
    readonly imageTag?: string;
    /** `config`: this update's `papyrus:image`; `stack`: the stack's last outputs. */
    readonly from: "config" | "stack";
}

/** The stack's own fully qualified name, as a StackReference names it (`organization/papyrus/dev` on a file or S3 backend). */
export function ownStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * The image this update runs: `configured.image` when set (already checked by the caller), else the
 * stack's last `image` and `imageTag` outputs, else none (a new stack: no service yet). The outputs
 * are read only when `papyrus:image` is unset, so the driver's updates do not read them.
 */
export async function imageToRun(
    configured: { readonly image?: ImageDigestRef; readonly imageTag?: string },
    opts: pulumi.CustomResourceOptions = {},
): Promise<ImageToRun | undefined> {
    if (configured.image !== undefined) {
        return { image: configured.image, imageTag: configured.imageTag, from: "config" };
    }
    const self = new pulumi.StackReference(RUNNING_IMAGE_REFERENCE, { name: ownStackName() }, opts);
    const [image, imageTag] = await Promise.all([self.getOutputDetails("image"), self.getOutputDetails("imageTag")]);
    if (image.value === undefined || image.value === null) {
        return undefined;
    }
    const reference = parseImageReference(String(image.value), { input: "outputs.image" }).reference;
    return { image: reference, imageTag: typeof imageTag.value === "string" ? imageTag.value : undefined, from: "stack" };
}
