// The repository's lifecycle policy (components/repositoryLifecycle.ts): the exact document, and what
// ECR's documented evaluation (testkit/ecrLifecycle.ts) does with it on a table of images:
// protected images stay whatever the other rules say, the rest go by the rules.
import * as assert from "assert";
import { protectiveSlot, protectiveTag, repositoryLifecyclePolicy, taggedRetentionProblems } from "../../components/repositoryLifecycle";
import { evaluateLifecyclePolicy, RepositoryImage } from "../../testkit/ecrLifecycle";

describe("repositoryLifecyclePolicy", () => {
    it("is a keep rule for `deployed-*` first, then untagged expiry, with no tagged expiry by default", () => {
        assert.deepStrictEqual(repositoryLifecyclePolicy(14), {
            rules: [
                {
                    rulePriority: 1,
                    description:
                        "Keep images a stack runs or ran in its last deployments (tags deployed-*, set by papyrus-deploy); no lower rule can expire an image this rule selects",
                    selection: { tagStatus: "tagged", tagPatternList: ["deployed-*"], countType: "imageCountMoreThan", countNumber: 9999 },
                    action: { type: "expire" },
                },
                {
                    rulePriority: 2,
                    description: "Expire untagged images after 14 days",
                    selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
                    action: { type: "expire" },
                },
            ],
        });
    });

    it("adds one tagged rule, by count or by age, after the other two", () => {
        assert.deepStrictEqual(repositoryLifecyclePolicy(7, { keepNewest: 50 }).rules[2], {
            rulePriority: 3,
            description: "Keep the newest 50 tagged images; older unprotected ones expire",
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 50 },
            action: { type: "expire" },
        });
        assert.deepStrictEqual(repositoryLifecyclePolicy(7, { olderThanDays: 180 }).rules[2], {
            rulePriority: 3,
            description: "Expire unprotected tagged images pushed more than 180 days ago",
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "sinceImagePushed", countUnit: "days", countNumber: 180 },
            action: { type: "expire" },
        });
    });
});

describe("the policy under ECR's documented evaluation", () => {
    const images: RepositoryImage[] = [
        { name: "v1 (dev runs it)", tags: ["v1.0.0", "deployed-dev-slot1"], pushedDaysAgo: 400 },
        { name: "v1.1", tags: ["v1.1.0"], pushedDaysAgo: 300 },
        { name: "v1.2", tags: ["v1.2.0"], pushedDaysAgo: 200 },
        { name: "v2 (prod ran it)", tags: ["v2.0.0", "deployed-prod-slot4"], pushedDaysAgo: 100 },
        { name: "v2.1", tags: ["v2.1.0"], pushedDaysAgo: 10 },
        { name: "commit build", tags: ["0123456789abcdef0123456789abcdef01234567"], pushedDaysAgo: 5 },
        { name: "old untagged", tags: [], pushedDaysAgo: 20 },
        { name: "new untagged", tags: [], pushedDaysAgo: 3 },
        { name: "cache", tags: ["cache-main"], pushedDaysAgo: 1 },
    ];
    const table: Array<[string, Parameters<typeof repositoryLifecyclePolicy>[1], Record<string, number>]> = [
        ["no tagged retention: only the old untagged image goes", undefined, { "old untagged": 2 }],
        [
            // Protected images count among the newest 3 (ECR still "identifies" them) but are never expired.
            "keep the newest 3 tagged: the old unprotected releases go, the protected ones stay",
            { keepNewest: 3 },
            { "old untagged": 2, "v1.2": 3, "v1.1": 3 },
        ],
        ["older than 90 days: the same two go", { olderThanDays: 90 }, { "old untagged": 2, "v1.2": 3, "v1.1": 3 }],
        [
            "keep the newest 1: everything tagged and unprotected but the newest goes",
            { keepNewest: 1 },
            { "old untagged": 2, "v1.2": 3, "v1.1": 3, "v2.1": 3, "commit build": 3 },
        ],
    ];
    for (const [title, retention, expired] of table) {
        it(title, () => {
            assert.deepStrictEqual(Object.fromEntries(evaluateLifecyclePolicy(repositoryLifecyclePolicy(14, retention), images)), expired);
        });
    }

    it("a digest whose slot moved on is released: it goes by the tagged rule, or by the untagged rule when that was its only tag", () => {
        const released: RepositoryImage[] = [
            { name: "released release", tags: ["v1.0.0"], pushedDaysAgo: 400 },
            { name: "released, slot was its only tag", tags: [], pushedDaysAgo: 400 },
            { name: "still protected", tags: ["v0.9.0", "deployed-dev-slot2"], pushedDaysAgo: 500 },
        ];
        assert.deepStrictEqual(Object.fromEntries(evaluateLifecyclePolicy(repositoryLifecyclePolicy(14, { olderThanDays: 90 }), released)), {
            "released release": 3,
            "released, slot was its only tag": 2,
        });
    });

    it("depends on the keep rule's priority: after the tagged rule, it would protect nothing", () => {
        const policy = repositoryLifecyclePolicy(14, { keepNewest: 1 });
        const [keep, untagged, tagged] = policy.rules;
        const reordered = {
            rules: [
                { ...tagged, rulePriority: 1 },
                { ...untagged, rulePriority: 2 },
                { ...keep, rulePriority: 3 },
            ],
        };
        const expired = evaluateLifecyclePolicy(reordered, images);
        assert.strictEqual(expired.get("v1 (dev runs it)"), 1);
        assert.strictEqual(expired.get("v2 (prod ran it)"), 1);
    });

    it("never fires the keep rule while a stack has fewer protected images than its count", () => {
        const many = Array.from({ length: 60 }, (_, i): RepositoryImage => ({ name: `p${i}`, tags: [`deployed-dev-slot${i + 1}`], pushedDaysAgo: i }));
        assert.deepStrictEqual([...evaluateLifecyclePolicy(repositoryLifecyclePolicy(14, { keepNewest: 1 }), many)], []);
    });
});

describe("protective tags", () => {
    it("names a slot of a stack", () => {
        assert.strictEqual(protectiveTag("dev", 3), "deployed-dev-slot3");
        assert.strictEqual(protectiveTag("prod-eu", 10), "deployed-prod-eu-slot10");
    });
    const cases: Array<[string, string, number | undefined]> = [
        ["dev", "deployed-dev-slot3", 3],
        ["dev", "deployed-dev-slot10", 10],
        ["dev", "deployed-prod-slot3", undefined],
        ["dev", "deployed-dev-slot", undefined],
        ["dev", "deployed-dev-slot0", undefined],
        ["dev", "deployed-dev-slot03", undefined],
        ["dev", "deployed-dev-slot1-x", undefined],
        ["dev", "v1.0.0", undefined],
        // A stack whose name starts like another's and its slots stay apart.
        ["dev", "deployed-dev-eu-slot1", undefined],
        ["dev-eu", "deployed-dev-eu-slot1", 1],
    ];
    for (const [stack, tag, slot] of cases) {
        it(`${tag} is ${slot === undefined ? "not a slot" : `slot ${slot}`} of ${stack}`, () => assert.strictEqual(protectiveSlot(stack, tag), slot));
    }
});

describe("taggedRetentionProblems", () => {
    const cases: Array<[unknown, string[]]> = [
        [undefined, []],
        [{ keepNewest: 100 }, []],
        [{ olderThanDays: 1 }, []],
        [30, ["`papyrus:taggedImageRetention` must be `{ keepNewest: N }` or `{ olderThanDays: N }`, got `30`"]],
        [{}, ["`papyrus:taggedImageRetention` must have exactly one of `keepNewest` or `olderThanDays`, got `{}`"]],
        [{ keepLast: 3 }, ['`papyrus:taggedImageRetention` must have exactly one of `keepNewest` or `olderThanDays`, got `{"keepLast":3}`']],
        [{ olderThanDays: 1.5 }, ["`papyrus:taggedImageRetention.olderThanDays` must be a whole number, at least 1, got `1.5`"]],
        [{ keepNewest: "50" }, ['`papyrus:taggedImageRetention.keepNewest` must be a whole number, at least 1, got `"50"`']],
    ];
    for (const [value, problems] of cases) {
        it(JSON.stringify(value) ?? "undefined", () => assert.deepStrictEqual(taggedRetentionProblems(value, "papyrus:taggedImageRetention"), problems));
    }
});
