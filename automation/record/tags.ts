// Which tags may be deployed. Tags are human labels for a digest; `latest`
// and other moving names never are.
import { InvalidInputError } from "./errors";

export interface TagPolicy {
    /** @default /^v\d+\.\d+\.\d+$|^[0-9a-f]{40}$/ (a release tag `v*.*.*` or a full git commit SHA) */
    readonly pattern?: RegExp;
}

export const DEFAULT_TAG_PATTERN = /^v\d+\.\d+\.\d+$|^[0-9a-f]{40}$/;

export function validateTag(tag: string, policy: TagPolicy = {}): void {
    if (tag.trim() === "") {
        throw new InvalidInputError("tag", tag, "must name a release tag such as `v25.10.31` or a full commit SHA, and is empty");
    }
    if (tag === "latest") {
        throw new InvalidInputError(
            "tag",
            tag,
            "must not be `latest`: it moves with every push, so a deploy of it cannot say what ran. Deploy a release tag such as `v25.10.31`",
        );
    }
    const pattern = policy.pattern ?? DEFAULT_TAG_PATTERN;
    if (!pattern.test(tag)) {
        throw new InvalidInputError("tag", tag, `must match ${pattern} (a release tag such as \`v25.10.31\` or a full 40-character commit SHA)`);
    }
}
