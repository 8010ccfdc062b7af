// ImmutableRepository's arguments, the lifecycle policy and the argument
// checks. Pure (no resource is created here), so the stack program runs the
// same checks on its config, naming the config keys, before anything is
// registered.
import type * as pulumi from "@pulumi/pulumi";
import { LifecyclePolicy, PROTECTIVE_TAG_PATTERN, repositoryLifecyclePolicy, TaggedImageRetention, taggedRetentionProblems } from "./repositoryLifecycle";
import { got } from "./inputMessage";

export { TaggedImageRetention } from "./repositoryLifecycle";

/** @default 14 */
export const DEFAULT_UNTAGGED_EXPIRY_DAYS = 14;

/** Encryption at rest. Fixed at creation: changing it replaces the repository and deletes its images. */
export type RepositoryEncryption = { readonly type: "AES256" } | { readonly type: "KMS"; readonly kmsKeyArn: pulumi.Input<string> };

export interface ImmutableRepositoryArgs {
    /**
     * The repository name (not URL). Images are referenced as `<registry>/<name>@sha256:<hex>`.
     * @example "papyrus-api"
     */
    readonly repositoryName: pulumi.Input<string>;
    /**
     * Tag patterns that stay mutable besides the protective `deployed-*` tags (ECR exclusion filters of
     * `IMMUTABLE_WITH_EXCLUSION`), e.g. a `cache-*` tag for build caches. Never a release pattern: a release
     * tag that can move no longer names one image. At most 4 filters (ECR allows 5; `deployed-*` is one),
     * letters, digits and `._*-`, at most 2 `*` each.
     * @default [] (every tag but the protective ones is immutable)
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
     * cache, an image whose protective tag moved on) is expired.
     * @default 14
     */
    readonly untaggedExpiryDays?: number;
    /**
     * How tagged images that no stack protects (branch and commit builds, old releases) expire: the newest
     * `keepNewest` by push time are kept, or those pushed within `olderThanDays`. Images carrying a
     * protective `deployed-*` tag (what a stack runs or ran in its last deployments) are never expired.
     * @default undefined (tagged images are never expired)
     * @example { keepNewest: 100 }
     */
    readonly taggedRetention?: TaggedImageRetention;
    /** Tags for the repository. @default {} */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The exclusion filters of the repository's tag mutability: the protective tags first (they must move), then `extra`. */
export function mutableTagFilters(extra: readonly string[] = []): string[] {
    return [PROTECTIVE_TAG_PATTERN, ...extra];
}

/**
 * The lifecycle policy (components/repositoryLifecycle.ts): protected images kept first, untagged images
 * expired by age, other tagged images by `taggedRetention` when given.
 *
 * Why protected images come first: a rollback target may be months old, and a count rule on tagged images
 * ("keep the last 30") alone would expire exactly the image a rollback needs; ECS then fails with
 * `CannotPullContainerError ... manifest unknown` in the middle of an incident. The driver tags what each
 * stack runs and ran in its last deployments with a protective tag, and the keep rule's priority puts those
 * images out of reach of every other rule.
 */
export function lifecyclePolicyOf(args: Pick<ImmutableRepositoryArgs, "untaggedExpiryDays" | "taggedRetention">): LifecyclePolicy {
    return repositoryLifecyclePolicy(args.untaggedExpiryDays ?? DEFAULT_UNTAGGED_EXPIRY_DAYS, args.taggedRetention);
}

/**
 * Every problem with the arguments, as sentences naming the argument (through `name`: the component names
 * `untaggedExpiryDays`, the stack program `<project>:untaggedImageExpiryDays`); empty when they are fine.
 */
export function immutableRepositoryProblems(args: ImmutableRepositoryArgs, name: (argument: string) => string = (argument) => argument): string[] {
    const n = (argument: string) => `\`${name(argument)}\``;
    const problems: string[] = [];
    const days = args.untaggedExpiryDays;
    if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
        problems.push(`${n("untaggedExpiryDays")} must be a whole number of days, at least 1, got \`${days}\``);
    }
    const exclusions = args.mutableTagExclusions ?? [];
    if (exclusions.length > 4) {
        problems.push(
            `${n("mutableTagExclusions")} may hold at most 4 filters (ECR allows 5, and \`${PROTECTIVE_TAG_PATTERN}\` is one), got ${exclusions.length}`,
        );
    }
    exclusions.forEach((filter, i) => {
        if (typeof filter !== "string" || !/^[A-Za-z0-9._*-]{1,128}$/.test(filter) || (filter.match(/\*/g) ?? []).length > 2) {
            problems.push(`${n(`mutableTagExclusions[${i}]`)} must be 1-128 letters, digits or \`._*-\` with at most two \`*\`${got(filter)}`);
        } else if (/^\**$/.test(filter)) {
            problems.push(
                `${n(`mutableTagExclusions[${i}]`)} is \`${filter}\`, which would make every tag mutable; name the tags that may move, e.g. \`cache-*\``,
            );
        } else if (filter === PROTECTIVE_TAG_PATTERN) {
            problems.push(`${n(`mutableTagExclusions[${i}]`)} is \`${filter}\`, which the repository always excludes (protective tags move); remove it`);
        }
    });
    problems.push(...taggedRetentionProblems(args.taggedRetention, name("taggedRetention")));
    if (args.encryption !== undefined && args.encryption.type !== "AES256" && args.encryption.type !== "KMS") {
        problems.push(`${n("encryption.type")} must be \`AES256\` or \`KMS\`${got((args.encryption as { type: unknown }).type)}`);
    }
    if (args.encryption?.type === "KMS" && !args.encryption.kmsKeyArn) {
        problems.push(`${n("encryption.kmsKeyArn")} is required when ${n("encryption.type")} is \`KMS\``);
    }
    return problems;
}
