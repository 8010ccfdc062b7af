// The driver's tag policy (automation/record/tags.ts): which tags `deploy` accepts
// before any AWS call. Every refusal is pinned to its exact message and exit
// code; the good cases say what the default pattern must keep accepting.
import * as assert from "assert";
import { EXIT_CODES, InvalidInputError } from "../../automation/record/errors";
import { DEFAULT_TAG_PATTERN, TagPolicy, validateTag } from "../../automation/record/tags";

const SHA = "0123456789abcdef0123456789abcdef01234567";
// Written out, not built from DEFAULT_TAG_PATTERN, so a changed default shows up here.
const DEFAULT_SHOWN = "/^v\\d+\\.\\d+\\.\\d+$|^[0-9a-f]{40}$/";
const EMPTY = "must name a release tag such as `v25.10.31` or a full commit SHA, and is empty";
const LATEST = "must not be `latest`: it moves with every push, so a deploy of it cannot say what ran. Deploy a release tag such as `v25.10.31`";
const outside = (shown: string) => `must match ${shown} (a release tag such as \`v25.10.31\` or a full 40-character commit SHA)`;

interface BadTag {
    readonly title: string;
    readonly tag: string;
    readonly policy?: TagPolicy;
    readonly problem: string;
    /** The mutation of automation/record/tags.ts this case kills. */
    readonly kills: string;
}

const bad: BadTag[] = [
    { title: "empty", tag: "", problem: EMPTY, kills: "dropping the empty check (the pattern message would be shown)" },
    { title: "only spaces", tag: "   ", problem: EMPTY, kills: '`tag === ""` instead of `tag.trim() === ""`' },
    { title: "empty, even with a pattern that accepts it", tag: "", policy: { pattern: /.*/ }, problem: EMPTY, kills: "checking the pattern before emptiness" },
    { title: "`latest`", tag: "latest", problem: LATEST, kills: "dropping the `latest` check (the pattern message would be shown)" },
    {
        title: "`latest`, even with a pattern that accepts it",
        tag: "latest",
        policy: { pattern: /^[a-z]+$/ },
        problem: LATEST,
        kills: "applying the `latest` rule only to the default pattern",
    },
    { title: "a release tag without a patch number", tag: "v1.2", problem: outside(DEFAULT_SHOWN), kills: "a default pattern with an optional patch part" },
    { title: "a pre-release", tag: "v1.2.3-rc1", problem: outside(DEFAULT_SHOWN), kills: "dropping the `$` anchor of the release alternative" },
    { title: "a trailing newline", tag: "v1.2.3\n", problem: outside(DEFAULT_SHOWN), kills: "a multi-line (`m`) default pattern" },
    { title: "a prefix before a release tag", tag: "x-v1.2.3", problem: outside(DEFAULT_SHOWN), kills: "dropping the `^` anchor of the release alternative" },
    { title: "an upper-case V", tag: "V1.2.3", problem: outside(DEFAULT_SHOWN), kills: "a case-insensitive (`i`) default pattern" },
    { title: "no v", tag: "1.2.3", problem: outside(DEFAULT_SHOWN), kills: "an optional `v`" },
    { title: "a short commit SHA", tag: SHA.slice(0, 7), problem: outside(DEFAULT_SHOWN), kills: "accepting abbreviated SHAs (`{7,40}`)" },
    { title: "39 hex characters", tag: SHA.slice(1), problem: outside(DEFAULT_SHOWN), kills: "`{39,40}` or a missing `^`/`$` on the SHA alternative" },
    { title: "41 hex characters", tag: `${SHA}0`, problem: outside(DEFAULT_SHOWN), kills: "dropping the `$` anchor of the SHA alternative" },
    { title: "an upper-case SHA", tag: SHA.toUpperCase(), problem: outside(DEFAULT_SHOWN), kills: "`[0-9a-fA-F]` in the SHA alternative" },
    { title: "a branch name", tag: "master", problem: outside(DEFAULT_SHOWN), kills: "a catch-all default pattern" },
    { title: "a shell injection attempt", tag: "v1.2.3;rm -rf /", problem: outside(DEFAULT_SHOWN), kills: "an unanchored default pattern" },
    {
        title: "a release tag under a custom pattern that does not accept it",
        tag: "v1.2.3",
        policy: { pattern: /^release-\d+$/ },
        problem: outside("/^release-\\d+$/"),
        kills: "ignoring `policy.pattern`, or showing the default pattern in the message",
    },
];

const good: { readonly tag: string; readonly policy?: TagPolicy }[] = [
    { tag: "v25.10.31" },
    { tag: "v0.0.0" },
    { tag: "v1.20.300" },
    { tag: SHA },
    { tag: "release-7", policy: { pattern: /^release-\d+$/ } },
];

describe("validateTag", () => {
    describe("refuses", () => {
        for (const c of bad) {
            it(`${c.title} (kills: ${c.kills})`, () => {
                assert.throws(
                    () => validateTag(c.tag, c.policy),
                    (err: unknown) => {
                        assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
                        // An empty tag is said to be empty, not quoted (no "got ``").
                        assert.strictEqual(err.message, `\`tag\` ${c.problem}${c.tag === "" ? "" : `, got \`${c.tag}\``}`);
                        assert.strictEqual(err.input, "tag");
                        assert.strictEqual(err.value, c.tag);
                        assert.strictEqual(err.exitCode, EXIT_CODES.usage);
                        assert.strictEqual(err.exitCode, 2);
                        return true;
                    },
                );
            });
        }
    });

    describe("accepts", () => {
        for (const c of good) {
            // kills: a default pattern that refuses a release tag or a full SHA
            it(`\`${c.tag}\`${c.policy ? ` under ${c.policy.pattern}` : ""}`, () => {
                assert.doesNotThrow(() => validateTag(c.tag, c.policy));
            });
        }
    });
});

describe("DEFAULT_TAG_PATTERN", () => {
    it("is what validateTag applies when no pattern is given", () => {
        // kills: validateTag falling back to another pattern than the exported one (the CLI's `--tag-pattern` default)
        for (const tag of ["v25.10.31", SHA, "v1.2", "latest-ish", "V1.2.3", SHA.toUpperCase()]) {
            let accepted = true;
            try {
                validateTag(tag);
            } catch {
                accepted = false;
            }
            assert.strictEqual(accepted, DEFAULT_TAG_PATTERN.test(tag), tag);
        }
    });

    it("has no `g` or `y` flag (a stateful RegExp would accept a tag on one call and refuse it on the next)", () => {
        // kills: `/…/g` as the default (test() then advances lastIndex between calls)
        for (let i = 0; i < 3; i++) {
            assert.doesNotThrow(() => validateTag("v25.10.31"));
        }
        assert.doesNotMatch(DEFAULT_TAG_PATTERN.flags, /[gy]/);
    });
});
