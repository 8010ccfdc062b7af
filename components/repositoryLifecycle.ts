// The repository's lifecycle policy and the protective tags it honours. Pure
// (no Pulumi, no AWS SDK): the component writes the policy, the driver writes
// the tags (automation/aws/protect.ts), and both read the names from here.
//
// How ECR evaluates a lifecycle policy (its documented rules, which the policy
// relies on; testkit/ecrLifecycle.ts models them for the tests):
// - rules are applied by `rulePriority`, lowest first; a rule with `tagStatus: any` must come last;
// - an image that matches the tag selection of a higher-priority rule cannot be expired by a rule
//   with a lower priority, whether or not that higher rule expired it;
// - lower-priority rules still count such images ("identify them as if they haven't been expired");
// - `tagPatternList` selects an image when one of its tags matches each pattern (`*` is a wildcard);
// - `imageCountMoreThan` sorts the selected images newest push first and expires those beyond the
//   count; `sinceImagePushed` expires those pushed more than `countNumber` days ago.
// So a top-priority rule that selects the protective tags and can never fire (a count far above
// the number of such images) keeps every protected image out of reach of every other rule.

/** Every protective tag starts with it: the keep rule's pattern is `deployed-*`, the repository's mutability exclusion too. */
export const PROTECTIVE_TAG_PREFIX = "deployed-";
/** The wildcard form, as lifecycle rules and mutability exclusion filters write it. */
export const PROTECTIVE_TAG_PATTERN = `${PROTECTIVE_TAG_PREFIX}*`;

/**
 * The keep rule's count: far above the number of protected images there can be (at most
 * `MAX_PROTECTED_DEPLOYMENTS` per stack, components/configSchema.ts), so it never expires one.
 * AWS's own "keep" example uses 9999.
 */
export const KEEP_RULE_COUNT = 9999;

/**
 * The protective tag of `slot` (1, 2, …) for `stack`: `deployed-dev-slot3`. A stack has a fixed set of
 * slots, each pointing at one protected digest; a slot is moved to another digest (never deleted), so
 * the deploy role needs no delete permission (docs/COMPONENTS.md, "Protected deployed digests").
 */
export function protectiveTag(stack: string, slot: number): string {
    return `${PROTECTIVE_TAG_PREFIX}${stack}-slot${slot}`;
}

/** The slot number of `tag` when it is one of `stack`'s protective tags; undefined otherwise (another stack's, or any other tag). */
export function protectiveSlot(stack: string, tag: string): number | undefined {
    const prefix = `${PROTECTIVE_TAG_PREFIX}${stack}-slot`;
    if (!tag.startsWith(prefix)) return undefined;
    const rest = tag.slice(prefix.length);
    return /^[1-9][0-9]{0,3}$/.test(rest) ? Number(rest) : undefined;
}

/** How other tagged images (branch and commit builds, old releases) leave the repository. @default kept forever */
export type TaggedImageRetention =
    /** Keep the newest `keepNewest` tagged images by push time (protected ones count among them but are never expired). */
    | { readonly keepNewest: number }
    /** Expire tagged images pushed more than `olderThanDays` days ago, unless protected. */
    | { readonly olderThanDays: number };

export interface LifecycleRule {
    readonly rulePriority: number;
    readonly description: string;
    readonly selection: {
        readonly tagStatus: "tagged" | "untagged" | "any";
        readonly tagPatternList?: readonly string[];
        readonly countType: "imageCountMoreThan" | "sinceImagePushed";
        readonly countUnit?: "days";
        readonly countNumber: number;
    };
    readonly action: { readonly type: "expire" };
}

export interface LifecyclePolicy {
    readonly rules: readonly LifecycleRule[];
}

/**
 * The repository's lifecycle policy:
 * 1. keep every image with a protective tag (`deployed-*`): a count rule that never fires;
 * 2. expire untagged images after `untaggedExpiryDays` (never a release tag's target);
 * 3. with `taggedRetention`, expire other tagged images by count or age; without it they are kept.
 */
export function repositoryLifecyclePolicy(untaggedExpiryDays: number, taggedRetention?: TaggedImageRetention): LifecyclePolicy {
    const rules: LifecycleRule[] = [
        {
            rulePriority: 1,
            description:
                `Keep images a stack runs or ran in its last deployments (tags ${PROTECTIVE_TAG_PATTERN}, set by papyrus-deploy); ` +
                "no lower rule can expire an image this rule selects",
            selection: { tagStatus: "tagged", tagPatternList: [PROTECTIVE_TAG_PATTERN], countType: "imageCountMoreThan", countNumber: KEEP_RULE_COUNT },
            action: { type: "expire" },
        },
        {
            rulePriority: 2,
            description: `Expire untagged images after ${untaggedExpiryDays} days`,
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
            action: { type: "expire" },
        },
    ];
    if (taggedRetention !== undefined) {
        rules.push({
            rulePriority: 3,
            description:
                "keepNewest" in taggedRetention
                    ? `Keep the newest ${taggedRetention.keepNewest} tagged images; older unprotected ones expire`
                    : `Expire unprotected tagged images pushed more than ${taggedRetention.olderThanDays} days ago`,
            selection:
                "keepNewest" in taggedRetention
                    ? { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: taggedRetention.keepNewest }
                    : {
                          tagStatus: "tagged",
                          tagPatternList: ["*"],
                          countType: "sinceImagePushed",
                          countUnit: "days",
                          countNumber: taggedRetention.olderThanDays,
                      },
            action: { type: "expire" },
        });
    }
    return { rules };
}

/** Problems with `taggedRetention`, naming it through `name`; empty when it is fine or unset. */
export function taggedRetentionProblems(retention: unknown, name: string): string[] {
    if (retention === undefined) return [];
    const shown = JSON.stringify(retention);
    if (typeof retention !== "object" || retention === null || Array.isArray(retention)) {
        return [`\`${name}\` must be \`{ keepNewest: N }\` or \`{ olderThanDays: N }\`, got \`${shown}\``];
    }
    const keys = Object.keys(retention);
    if (keys.length !== 1 || !["keepNewest", "olderThanDays"].includes(keys[0])) {
        return [`\`${name}\` must have exactly one of \`keepNewest\` or \`olderThanDays\`, got \`${shown}\``];
    }
    const value = (retention as Record<string, unknown>)[keys[0]];
    if (!(typeof value === "number" && Number.isInteger(value) && value >= 1)) {
        return [`\`${name}.${keys[0]}\` must be a whole number, at least 1, got \`${JSON.stringify(value)}\``];
    }
    return [];
}
