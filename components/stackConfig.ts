// Config keys shared by the stack program (index.ts), the deploy driver and
// the driver's test fixture. The driver passes `image`, `imageTag`,
// `deployedBy` and `deployKind` (and `promotedFrom`) with every `up`, for that
// update only (automation/updateConfig.ts), so each update in the stack history
// carries the digest it deployed and who asked for it.

/** Project name, and so the config namespace: keys are `papyrus:<key>`. */
export const PROJECT_NAME = "papyrus";

export const CONFIG_KEYS = {
    /** ECR repository name (not URL) the service's images come from. */
    repositoryName: "repositoryName",
    /** The digest-pinned reference `<repositoryUrl>@sha256:<hex>` the service runs. */
    image: "image",
    /** The human tag the digest was resolved from (a label; never used to pull). */
    imageTag: "imageTag",
    /** Who asked for the update (CI actor or local user). */
    deployedBy: "deployedBy",
    /** `deploy`, `rollback`, `infra` or `promote`. */
    deployKind: "deployKind",
    /** For a promote: the source stack's deployment the digest came from, as JSON (`{ stack, version, digest, tag }`). */
    promotedFrom: "promotedFrom",
    /** The stack whose succeeded digests are the only ones `deploy` may put on this one (e.g. `dev` on prod). */
    promoteFrom: "promoteFrom",
} as const;

/** Fully qualified key, e.g. `papyrus:image`. */
export function qualifiedKey(key: keyof typeof CONFIG_KEYS): string {
    return `${PROJECT_NAME}:${CONFIG_KEYS[key]}`;
}

/** The part of `pulumi.Config` this module needs, so it stays free of Pulumi imports. */
export interface ConfigReader {
    get(key: string): string | undefined;
    require(key: string): string;
}

export interface ImageSettings {
    readonly repositoryName: string;
    /** Unset until the first deploy: the stack then creates the repository and roles only. */
    readonly image?: string;
    readonly imageTag?: string;
}

export function readStackSettings(config: ConfigReader): ImageSettings {
    return {
        repositoryName: config.require(CONFIG_KEYS.repositoryName),
        image: config.get(CONFIG_KEYS.image),
        imageTag: config.get(CONFIG_KEYS.imageTag),
    };
}
