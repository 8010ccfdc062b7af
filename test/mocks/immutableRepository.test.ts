// ImmutableRepository on its own: argument checks (pure) and the inputs it
// gives ECR for the settings index.ts does not use (exclusions, KMS).
import * as assert from "assert";
import { ImmutableRepository, immutableRepositoryProblems, lifecyclePolicyOf } from "../../components/immutableRepository";
import { repositoryLifecyclePolicy } from "../../components/repositoryLifecycle";
import { Evaluation, RecordedResource, runUnderMocks } from "../../testkit/evaluateUnderMocks";

function inputsOf(evaluation: Evaluation, type: string): Record<string, unknown> {
    const found = evaluation.resources.filter((r: RecordedResource) => r.type === type);
    assert.strictEqual(found.length, 1, type);
    return found[0].inputs;
}

function build(args: ConstructorParameters<typeof ImmutableRepository>[1]): Promise<Evaluation> {
    return runUnderMocks({
        stack: "test",
        config: { "aws:region": "eu-west-1" },
        program: () => {
            const repo = new ImmutableRepository("images", args);
            return { repositoryUrl: repo.repositoryUrl, repositoryArn: repo.repositoryArn, repositoryName: repo.repositoryName };
        },
    });
}

describe("lifecyclePolicyOf", () => {
    it("defaults to 14 days for untagged images and no expiry of tagged ones", () => {
        assert.deepStrictEqual(lifecyclePolicyOf({}), repositoryLifecyclePolicy(14));
        assert.strictEqual(lifecyclePolicyOf({}).rules.length, 2);
    });
    it("passes the untagged days and the tagged retention on", () => {
        assert.deepStrictEqual(
            lifecyclePolicyOf({ untaggedExpiryDays: 3, taggedRetention: { keepNewest: 40 } }),
            repositoryLifecyclePolicy(3, { keepNewest: 40 }),
        );
    });
});

describe("immutableRepositoryProblems", () => {
    const base = { repositoryName: "papyrus-api" };
    const cases: Array<[string, Parameters<typeof immutableRepositoryProblems>[0], string[]]> = [
        ["defaults", base, []],
        ["zero days", { ...base, untaggedExpiryDays: 0 }, ["`untaggedExpiryDays` must be a whole number of days, at least 1, got `0`"]],
        ["fractional days", { ...base, untaggedExpiryDays: 1.5 }, ["`untaggedExpiryDays` must be a whole number of days, at least 1, got `1.5`"]],
        [
            "five exclusion filters",
            { ...base, mutableTagExclusions: ["a*", "b*", "c*", "d*", "e*"] },
            ["`mutableTagExclusions` may hold at most 4 filters (ECR allows 5, and `deployed-*` is one), got 5"],
        ],
        ["four exclusion filters", { ...base, mutableTagExclusions: ["a*", "b*", "c*", "d*"] }, []],
        [
            "the protective pattern, which is always excluded",
            { ...base, mutableTagExclusions: ["deployed-*"] },
            ["`mutableTagExclusions[0]` is `deployed-*`, which the repository always excludes (protective tags move); remove it"],
        ],
        [
            "a tagged retention with both keys",
            { ...base, taggedRetention: { keepNewest: 5, olderThanDays: 30 } as never },
            ['`taggedRetention` must have exactly one of `keepNewest` or `olderThanDays`, got `{"keepNewest":5,"olderThanDays":30}`'],
        ],
        [
            "a tagged retention of zero",
            { ...base, taggedRetention: { keepNewest: 0 } },
            ["`taggedRetention.keepNewest` must be a whole number, at least 1, got `0`"],
        ],
        [
            "a filter with a forbidden character",
            { ...base, mutableTagExclusions: ["cache/*"] },
            ["`mutableTagExclusions[0]` must be 1-128 letters, digits or `._*-` with at most two `*`, got `cache/*`"],
        ],
        [
            "a filter with three wildcards",
            { ...base, mutableTagExclusions: ["*a*b*"] },
            ["`mutableTagExclusions[0]` must be 1-128 letters, digits or `._*-` with at most two `*`, got `*a*b*`"],
        ],
        [
            "a filter that makes every tag mutable",
            { ...base, mutableTagExclusions: ["cache-*", "*"] },
            ["`mutableTagExclusions[1]` is `*`, which would make every tag mutable; name the tags that may move, e.g. `cache-*`"],
        ],
        ["KMS without a key", { ...base, encryption: { type: "KMS", kmsKeyArn: "" } }, ["`encryption.kmsKeyArn` is required when `encryption.type` is `KMS`"]],
    ];
    for (const [title, args, problems] of cases) {
        it(title, () => assert.deepStrictEqual(immutableRepositoryProblems(args), problems));
    }
});

describe("ImmutableRepository under mocks", () => {
    it("defaults: immutable but for the protective tags, AES256, scan on push, no force delete, protected images kept, 14-day untagged expiry", async () => {
        const evaluation = await build({ repositoryName: "papyrus-api" });
        const repo = inputsOf(evaluation, "aws:ecr/repository:Repository");
        assert.strictEqual(repo.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
        assert.deepStrictEqual(repo.imageTagMutabilityExclusionFilters, [{ filter: "deployed-*", filterType: "WILDCARD" }]);
        assert.deepStrictEqual(repo.encryptionConfigurations, [{ encryptionType: "AES256" }]);
        assert.deepStrictEqual(repo.imageScanningConfiguration, { scanOnPush: true });
        assert.strictEqual(repo.forceDelete, false);
        const lifecycle = inputsOf(evaluation, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
        assert.deepStrictEqual(JSON.parse(lifecycle.policy as string), repositoryLifecyclePolicy(14));
        assert.deepStrictEqual(evaluation.outputs, {
            repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api",
            repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api",
            repositoryName: "papyrus-api",
        });
    });

    it("adds configured exclusions after the protective one, KMS with the given key, and the tagged retention", async () => {
        const kmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const evaluation = await build({
            repositoryName: "papyrus-api",
            mutableTagExclusions: ["cache-*"],
            encryption: { type: "KMS", kmsKeyArn },
            untaggedExpiryDays: 3,
            taggedRetention: { olderThanDays: 180 },
        });
        const repo = inputsOf(evaluation, "aws:ecr/repository:Repository");
        assert.strictEqual(repo.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
        assert.deepStrictEqual(repo.imageTagMutabilityExclusionFilters, [
            { filter: "deployed-*", filterType: "WILDCARD" },
            { filter: "cache-*", filterType: "WILDCARD" },
        ]);
        assert.deepStrictEqual(repo.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: kmsKeyArn }]);
        const lifecycle = inputsOf(evaluation, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
        assert.deepStrictEqual(JSON.parse(lifecycle.policy as string), repositoryLifecyclePolicy(3, { olderThanDays: 180 }));
    });

    it("refuses bad arguments with every problem in one message", async () => {
        await assert.rejects(build({ repositoryName: "papyrus-api", untaggedExpiryDays: -1, mutableTagExclusions: ["*"] }), {
            message:
                "ImmutableRepository `images`: `untaggedExpiryDays` must be a whole number of days, at least 1, got `-1`; " +
                "`mutableTagExclusions[0]` is `*`, which would make every tag mutable; name the tags that may move, e.g. `cache-*`",
        });
    });
});
