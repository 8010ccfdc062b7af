// The one place that decides what a valid image reference is.
//
// Production task definitions name their image as
// `<registry>/<repository>@sha256:<64 lowercase hex>` and nothing else: a tag
// can be moved or deleted, a digest names exactly one manifest forever. This
// module is pure (no Pulumi, no AWS SDK) so the service component, the deploy
// driver and the policy pack all apply the same rule with the same messages.

/** A reference pinned by digest, as the type system can see it. The runtime check is `parseImageReference`. */
export type ImageDigestRef = `${string}@sha256:${string}`;

/** A content digest as ECR reports it. */
export type Sha256Digest = `sha256:${string}`;

export const EXPECTED_FORM = "`<registry>/<repository>@sha256:<64 lowercase hex>`";

export interface ParsedImageReference {
    /** Registry host, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
    readonly registry: string;
    /** Repository path inside the registry, e.g. `papyrus/api`. */
    readonly repository: string;
    /** `registry/repository`, as ECR's `repositoryUri`. */
    readonly repositoryUrl: string;
    readonly digest: Sha256Digest;
    /** The whole reference, unchanged. */
    readonly reference: ImageDigestRef;
}

export interface ImageReferenceOptions {
    /** The name of the input being checked, used in messages. @default "image" */
    readonly input?: string;
    /**
     * The repository URL (`registry/repository`) the reference must point into. When set, any other
     * repository is refused unless `allowOtherRepositories` is true.
     */
    readonly approvedRepositoryUrl?: string;
    /** @default false */
    readonly allowOtherRepositories?: boolean;
}

/** Thrown for every refused reference; `input`, `value` and `reason` are there for callers that render their own message. */
export class ImageReferenceError extends Error {
    constructor(
        readonly input: string,
        readonly value: string,
        readonly reason: string,
    ) {
        super(`\`${input}\` must be pinned by digest (${EXPECTED_FORM}), got ${quote(value)}: ${reason}`);
        this.name = "ImageReferenceError";
    }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
// One path component of a repository name (the OCI distribution spec's grammar).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
// A registry host: DNS labels with at least one dot, or localhost, with an optional port.
const REGISTRY = /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+)(?::[0-9]{1,5})?$/;

/** True when `value` is `sha256:` followed by 64 lowercase hex characters. */
export function isSha256Digest(value: string): value is Sha256Digest {
    return value.startsWith("sha256:") && SHA256_HEX.test(value.slice("sha256:".length));
}

/**
 * The digest an image reference ends in (`…@sha256:<64 hex>`), or undefined when it ends in none. Only
 * the digest is checked, so it also reads images this module would refuse (no registry, a tag as well):
 * what ECS or an old record says ran, which is reported, never deployed.
 */
export function digestOf(image: string): Sha256Digest | undefined {
    const at = image.lastIndexOf("@");
    const digest = image.slice(at + 1);
    return at !== -1 && isSha256Digest(digest) ? digest : undefined;
}

/**
 * Parses a digest-pinned reference, or throws `ImageReferenceError` naming the first thing wrong with it.
 * The checked reference is returned unchanged in `reference`, so callers pass on exactly what was checked.
 */
export function parseImageReference(value: unknown, options: ImageReferenceOptions = {}): ParsedImageReference {
    const input = options.input ?? "image";
    const refuse = (reason: string): never => {
        throw new ImageReferenceError(input, printable(value), reason);
    };

    if (typeof value !== "string") {
        return refuse(`expected a string, got a value of type ${value === null ? "null" : typeof value}`);
    }
    if (value.length === 0) {
        return refuse("it is empty");
    }
    if (/[\s\u0000-\u001f\u007f]/.test(value)) {
        return refuse("it contains whitespace or a control character");
    }

    const at = value.indexOf("@");
    if (at === -1) {
        const tag = tagOf(value);
        if (tag === "latest") {
            return refuse("`latest` is a moving tag and is never deployed; deploy a release tag by its digest");
        }
        if (tag !== undefined) {
            return refuse(
                `it names the tag \`${tag}\`; resolve the tag to its digest and use \`${value.slice(0, value.length - tag.length - 1)}@sha256:<digest>\``,
            );
        }
        return refuse("it has no digest");
    }
    if (value.indexOf("@", at + 1) !== -1) {
        return refuse("it contains more than one `@`");
    }

    const name = value.slice(0, at);
    const digest = value.slice(at + 1);

    const algorithm = digest.includes(":") ? digest.slice(0, digest.indexOf(":")) : "";
    if (algorithm !== "sha256") {
        return refuse(
            algorithm === ""
                ? "the digest has no algorithm; expected `sha256:<64 lowercase hex>`"
                : `the digest algorithm is \`${algorithm}\`; only \`sha256\` is accepted`,
        );
    }
    const hex = digest.slice("sha256:".length);
    if (/[A-F]/.test(hex) && /^[0-9a-fA-F]+$/.test(hex)) {
        return refuse("the digest has upper-case hex; digests are lower-case");
    }
    if (!/^[0-9a-f]*$/.test(hex)) {
        return refuse("the digest has characters other than lower-case hex");
    }
    if (hex.length !== 64) {
        return refuse(`the digest has ${hex.length} hex characters; sha256 has 64`);
    }

    const tag = tagOf(name);
    if (tag !== undefined) {
        return refuse(`it names the tag \`${tag}\` as well as a digest; drop \`:${tag}\` so the digest alone decides`);
    }

    const slash = name.indexOf("/");
    if (slash === -1) {
        return refuse("it has no registry; use the full repository URL, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app`");
    }
    const registry = name.slice(0, slash);
    const repository = name.slice(slash + 1);
    if (!REGISTRY.test(registry)) {
        return refuse(`\`${registry}\` is not a registry host; use the full repository URL`);
    }
    if (repository.length === 0 || !repository.split("/").every((part) => PATH_COMPONENT.test(part))) {
        return refuse(`\`${repository}\` is not a valid repository name (lower-case letters, digits, and . _ - / between them)`);
    }

    const repositoryUrl = `${registry}/${repository}`;
    if (options.approvedRepositoryUrl !== undefined && !options.allowOtherRepositories && repositoryUrl !== options.approvedRepositoryUrl) {
        return refuse(`it points into \`${repositoryUrl}\`, not the approved repository \`${options.approvedRepositoryUrl}\``);
    }

    return {
        registry,
        repository,
        repositoryUrl,
        digest: `sha256:${hex}`,
        reference: value as ImageDigestRef,
    };
}

/** The problem with `value` as a sentence, or undefined when it is valid. For callers that collect errors. */
export function imageReferenceProblem(value: unknown, options: ImageReferenceOptions = {}): string | undefined {
    try {
        parseImageReference(value, options);
        return undefined;
    } catch (err) {
        if (err instanceof ImageReferenceError) {
            return err.message;
        }
        throw err;
    }
}

/** Builds `<repositoryUrl>@<digest>` and checks the result, so a bad digest from any source is caught here. */
export function digestReference(repositoryUrl: string, digest: string, options: ImageReferenceOptions = {}): ImageDigestRef {
    return parseImageReference(`${repositoryUrl}@${digest}`, options).reference;
}

/** The tag in `name` (`repo:tag`), if it has one. A `:` before the first `/` is a registry port, not a tag. */
function tagOf(name: string): string | undefined {
    const lastSlash = name.lastIndexOf("/");
    const colon = name.indexOf(":", lastSlash + 1);
    return colon === -1 ? undefined : name.slice(colon + 1);
}

/** `String(value)`, except for objects that cannot be converted (`Object.create(null)`), which would throw a TypeError. */
function printable(value: unknown): string {
    try {
        return String(value);
    } catch {
        return Object.prototype.toString.call(value);
    }
}

function quote(value: string): string {
    return "`" + JSON.stringify(value).slice(1, -1) + "`";
}
