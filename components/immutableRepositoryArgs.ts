// ImmutableRepository's arguments, the lifecycle policy and the argument
// checks. Pure (no resource is created here), so the stack program runs the
// same checks on its config, naming the config keys, before anything is
// registered.
import type * as pulumi from "@pulumi/pulumi";

/** @default 14 */
export const DEFAULT_UNTAGGED_EXPIRY_DAYS = 14;

/** Encryption at rest. Fixed at creation: changing it replaces the repository and deletes its images. */
export type RepositoryEncryption =
    | { readonly type: "AES256" }
    | { readonly type: "KMS"; readonly kmsKeyArn: pulumi.Input<string> };

export interface ImmutableRepositoryArgs {
    /**
     * The repository name (not URL). Images are referenced as `<registry>/<name>@sha256:<hex>`.
     * @example "papyrus-api"
     */
    readonly repositoryName: pulumi.Input<string>;
    /**
     * Tag patterns that stay mutable (ECR exclusion filters, `IMMUTABLE_WITH_EXCLUSION`), e.g. a `cache-*`
     * tag for build caches. Never a release pattern: a release tag that can move no longer names one image.
     * At most 5 filters, letters, digits and `._*-`, at most 2 `*` each.
     * @default [] (every tag is immutable)
     * @example ["cache-*"]
     */
    readonly mutableTagExclusions?: readonly string[];
    /**
     * Encryption at rest. A KMS key needs the key's ARN; the choice cannot be changed later without
     * replacing the repository.
     * @default { type: "AES256" }
     * @example { type: "KMS", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/…" }
     */
    readonly encryption?: RepositoryEncryption;
    /**
     * Days after which an untagged image (a layer of a multi-arch index, an interrupted push, a build
     * cache) is expired. Tagged images are never expired.
     * @default 14
     */
    readonly untaggedExpiryDays?: number;
    /** Tags for the repository. @default {} */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The lifecycle policy: one rule, untagged images only, by age.
 *
 * Why nothing else: every deploy and every rollback names an image by the digest of a tagged release,
 * and a rollback target may be months old. A count-based rule on tagged images ("keep the last 30")
 * silently expires exactly the image a rollback needs, and ECS then fails with
 * `CannotPullContainerError ... manifest unknown` in the middle of an incident. Untagged images are
 * never referenced by a release tag, so age is a safe criterion for them.
 */
export function untaggedOnlyLifecyclePolicy(days: number): { rules: object[] } {
    return {
        rules: [{
            rulePriority: 1,
            description: `Expire untagged images after ${days} days; tagged release images are kept as rollback targets`,
            selection: {
                tagStatus: "untagged",
                countType: "sinceImagePushed",
                countUnit: "days",
                countNumber: days,
            },
            action: { type: "expire" },
        }],
    };
}

/**
 * Every problem with the arguments, as sentences naming the argument (through `name`: the component names
 * `untaggedExpiryDays`, the stack program `papyrus:untaggedImageExpiryDays`); empty when they are fine.
 */
export function immutableRepositoryProblems(args: ImmutableRepositoryArgs, name: (argument: string) => string = (argument) => argument): string[] {
    const n = (argument: string) => `\`${name(argument)}\``;
    const problems: string[] = [];
    const days = args.untaggedExpiryDays;
    if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
        problems.push(`${n("untaggedExpiryDays")} must be a whole number of days, at least 1, got \`${days}\``);
    }
    const exclusions = args.mutableTagExclusions ?? [];
    if (exclusions.length > 5) {
        problems.push(`${n("mutableTagExclusions")} may hold at most 5 filters (an ECR limit), got ${exclusions.length}`);
    }
    exclusions.forEach((filter, i) => {
        if (typeof filter !== "string" || !/^[A-Za-z0-9._*-]{1,128}$/.test(filter) || (filter.match(/\*/g) ?? []).length > 2) {
            problems.push(`${n(`mutableTagExclusions[${i}]`)} must be 1-128 letters, digits or \`._*-\` with at most two \`*\`, got \`${String(filter)}\``);
        } else if (/^\**$/.test(filter)) {
            problems.push(`${n(`mutableTagExclusions[${i}]`)} is \`${filter}\`, which would make every tag mutable; name the tags that may move, e.g. \`cache-*\``);
        }
    });
    if (args.encryption !== undefined && args.encryption.type !== "AES256" && args.encryption.type !== "KMS") {
        problems.push(`${n("encryption.type")} must be \`AES256\` or \`KMS\`, got \`${String((args.encryption as { type: unknown }).type)}\``);
    }
    if (args.encryption?.type === "KMS" && !args.encryption.kmsKeyArn) {
        problems.push(`${n("encryption.kmsKeyArn")} is required when ${n("encryption.type")} is \`KMS\``);
    }
    return problems;
}
