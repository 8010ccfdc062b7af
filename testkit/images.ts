// Puts image manifests into moto's ECR the way `docker push` ends: PutImage
// with a manifest under a tag. moto computes the digest from the manifest.
import { createHash } from "crypto";
import { ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

function sha256(text: string): string {
    return "sha256:" + createHash("sha256").update(text).digest("hex");
}

/** A syntactically real single-platform manifest; `seed` makes each build's layers differ. */
export function imageManifest(seed: string): string {
    const config = `{"architecture":"amd64","os":"linux","seed":${JSON.stringify(seed)}}`;
    const layer = `layer-${seed}`;
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(layer), size: layer.length }],
    });
}

/** A multi-arch image index pointing at two platform manifests. */
export function imageIndex(seed: string): string {
    const amd = imageManifest(`${seed}-amd64`);
    const arm = imageManifest(`${seed}-arm64`);
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
            { mediaType: OCI_MANIFEST, digest: sha256(amd), size: amd.length, platform: { architecture: "amd64", os: "linux" } },
            { mediaType: OCI_MANIFEST, digest: sha256(arm), size: arm.length, platform: { architecture: "arm64", os: "linux" } },
        ],
    });
}

export interface PushedImage {
    readonly tag: string;
    readonly digest: string;
    readonly mediaType: string;
}

export async function pushImage(
    ecr: ECRClient,
    repositoryName: string,
    tag: string,
    manifest = imageManifest(tag),
    mediaType = OCI_MANIFEST,
): Promise<PushedImage> {
    const out = await ecr.send(
        new PutImageCommand({
            repositoryName,
            imageTag: tag,
            imageManifest: manifest,
            imageManifestMediaType: mediaType,
        }),
    );
    const digest = out.image?.imageId?.imageDigest;
    if (!digest) throw new Error(`moto returned no digest for ${repositoryName}:${tag}`);
    return { tag, digest, mediaType };
}
