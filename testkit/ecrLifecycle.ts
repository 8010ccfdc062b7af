// ECR's lifecycle policy evaluation as its documentation states it (ECR user guide, "Lifecycle policy
// evaluation rules", quoted in components/repositoryLifecycle.ts), so a test can check a policy
// document against a table of images. Neither moto (which stores a policy and never applies it) nor
// this machine (no AWS account) can run ECR's own evaluator; this model is what the tests hold the
// project's policy to. What it models:
// - a policy is refused unless rule priorities are unique, at most one rule selects `untagged`, a rule
//   with `tagStatus: any` comes last, and a `tagged` rule names a tag list;
// - rules apply by `rulePriority`, lowest first; each image is expired by at most one rule;
// - an image that matches the tag selection of a higher-priority rule cannot be expired by a lower one;
// - a rule still counts ("identifies") images a higher rule selected or expired;
// - `tagPatternList`: an image is selected when, for every pattern, one of its tags matches it (`*` is any
//   run of characters); `tagPrefixList` likewise with prefixes;
// - `imageCountMoreThan` keeps the newest `countNumber` selected images by push time and expires the rest;
//   `sinceImagePushed` expires selected images pushed more than `countNumber` days ago.
import type { LifecyclePolicy, LifecycleRule } from "../components/repositoryLifecycle";

export interface RepositoryImage {
    readonly name: string;
    readonly tags: readonly string[];
    /** Days since the image was pushed. */
    readonly pushedDaysAgo: number;
}

/** Image name → the priority of the rule that expires it; images that stay are absent. */
export function evaluateLifecyclePolicy(policy: LifecyclePolicy, images: readonly RepositoryImage[]): Map<string, number> {
    const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
    checkPolicy(rules);
    const expired = new Map<string, number>();
    const selectedAbove = new Set<string>();
    for (const rule of rules) {
        const selected = images.filter((image) => selects(rule, image));
        const newestFirst = [...selected].sort((a, b) => a.pushedDaysAgo - b.pushedDaysAgo);
        const marked =
            rule.selection.countType === "imageCountMoreThan"
                ? newestFirst.slice(rule.selection.countNumber)
                : selected.filter((image) => image.pushedDaysAgo > rule.selection.countNumber);
        for (const image of marked) {
            if (!selectedAbove.has(image.name) && !expired.has(image.name)) expired.set(image.name, rule.rulePriority);
        }
        for (const image of selected) selectedAbove.add(image.name);
    }
    return expired;
}

function checkPolicy(rules: readonly LifecycleRule[]): void {
    const priorities = rules.map((r) => r.rulePriority);
    if (new Set(priorities).size !== priorities.length) throw new Error(`rule priorities must be unique, got ${priorities.join(", ")}`);
    if (rules.filter((r) => r.selection.tagStatus === "untagged").length > 1) throw new Error("only one rule may select untagged images");
    const any = rules.findIndex((r) => r.selection.tagStatus === "any");
    if (any !== -1 && any !== rules.length - 1) throw new Error("a rule with tagStatus `any` must have the highest rulePriority");
    for (const rule of rules) {
        const lists = rule.selection as { tagPatternList?: readonly string[]; tagPrefixList?: readonly string[] };
        if (rule.selection.tagStatus === "tagged" && !(lists.tagPatternList?.length || lists.tagPrefixList?.length)) {
            throw new Error(`rule ${rule.rulePriority}: a tagged rule needs tagPatternList or tagPrefixList`);
        }
        for (const pattern of lists.tagPatternList ?? []) {
            if ((pattern.match(/\*/g) ?? []).length > 4) throw new Error(`rule ${rule.rulePriority}: at most four wildcards per pattern, got \`${pattern}\``);
        }
    }
}

function selects(rule: LifecycleRule, image: RepositoryImage): boolean {
    const { tagStatus } = rule.selection;
    if (tagStatus === "any") return true;
    if (tagStatus === "untagged") return image.tags.length === 0;
    if (image.tags.length === 0) return false;
    const lists = rule.selection as { tagPatternList?: readonly string[]; tagPrefixList?: readonly string[] };
    const patterns = lists.tagPatternList ?? [];
    const prefixes = lists.tagPrefixList ?? [];
    return patterns.every((p) => image.tags.some((tag) => wildcard(p).test(tag))) && prefixes.every((p) => image.tags.some((tag) => tag.startsWith(p)));
}

function wildcard(pattern: string): RegExp {
    return new RegExp(
        `^${pattern
            .split("*")
            .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    );
}
