// ImmutableRepository on its own: argument checks (pure) and the inputs it
// gives ECR for the settings index.ts does not use (exclusions, KMS).
import * as assert from "assert";
import {
    ImmutableRepository,
    immutableRepositoryProblems,
    untaggedOnlyLifecyclePolicy,
} from "../components/immutableRepository";
import { Evaluation, RecordedResource, runUnderMocks } from "../scripts/evaluateUnderMocks";

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

describe("untaggedOnlyLifecyclePolicy", () => {
    it("is one rule that expires untagged images by age and nothing else", () => {
        assert.deepStrictEqual(untaggedOnlyLifecyclePolicy(14), {
            rules: [{
                rulePriority: 1,
                description: "Expire untagged images after 14 days; tagged release images are kept as rollback targets",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
                action: { type: "expire" },
            }],
        });
    });
});

describe("immutableRepositoryProblems", () => {
    const base = { repositoryName: "papyrus-api" };
    const cases: Array<[string, Parameters<typeof immutableRepositoryProblems>[0], string[]]> = [
        ["defaults", base, []],
        ["zero days", { ...base, untaggedExpiryDays: 0 }, ["`untaggedExpiryDays` must be a whole number of days, at least 1, got `0`"]],
        ["fractional days", { ...base, untaggedExpiryDays: 1.5 }, ["`untaggedExpiryDays` must be a whole number of days, at least 1, got `1.5`"]],
        [
            "six exclusion filters",
            { ...base, mutableTagExclusions: ["a*", "b*", "c*", "d*", "e*", "f*"] },
            ["`mutableTagExclusions` may hold at most 5 filters (an ECR limit), got 6"],
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
        [
            "KMS without a key",
            { ...base, encryption: { type: "KMS", kmsKeyArn: "" } },
            ["`encryption.kmsKeyArn` is required when `encryption.type` is `KMS`"],
        ],
    ];
    for (const [title, args, problems] of cases) {
        it(title, () => assert.deepStrictEqual(immutableRepositoryProblems(args), problems));
    }
});

describe("ImmutableRepository under mocks", () => {
    it("defaults: IMMUTABLE without exclusions, AES256, scan on push, no force delete, 14-day untagged expiry", async () => {
        const evaluation = await build({ repositoryName: "papyrus-api" });
        const repo = inputsOf(evaluation, "aws:ecr/repository:Repository");
        assert.strictEqual(repo.imageTagMutability, "IMMUTABLE");
        assert.strictEqual(repo.imageTagMutabilityExclusionFilters, undefined);
        assert.deepStrictEqual(repo.encryptionConfigurations, [{ encryptionType: "AES256" }]);
        assert.deepStrictEqual(repo.imageScanningConfiguration, { scanOnPush: true });
        assert.strictEqual(repo.forceDelete, false);
        const lifecycle = inputsOf(evaluation, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
        assert.deepStrictEqual(JSON.parse(lifecycle.policy as string), untaggedOnlyLifecyclePolicy(14));
        assert.deepStrictEqual(evaluation.outputs, {
            repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api",
            repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api",
            repositoryName: "papyrus-api",
        });
    });

    it("uses IMMUTABLE_WITH_EXCLUSION only when exclusions are configured, and KMS with the given key", async () => {
        const kmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const evaluation = await build({
            repositoryName: "papyrus-api",
            mutableTagExclusions: ["cache-*"],
            encryption: { type: "KMS", kmsKeyArn },
            untaggedExpiryDays: 3,
        });
        const repo = inputsOf(evaluation, "aws:ecr/repository:Repository");
        assert.strictEqual(repo.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
        assert.deepStrictEqual(repo.imageTagMutabilityExclusionFilters, [{ filter: "cache-*", filterType: "WILDCARD" }]);
        assert.deepStrictEqual(repo.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: kmsKeyArn }]);
        const lifecycle = inputsOf(evaluation, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
        assert.deepStrictEqual(JSON.parse(lifecycle.policy as string), untaggedOnlyLifecyclePolicy(3));
    });

    it("refuses bad arguments with every problem in one message", async () => {
        await assert.rejects(build({ repositoryName: "papyrus-api", untaggedExpiryDays: -1, mutableTagExclusions: ["*"] }), {
            message: "ImmutableRepository `images`: `untaggedExpiryDays` must be a whole number of days, at least 1, got `-1`; "
                + "`mutableTagExclusions[0]` is `*`, which would make every tag mutable; name the tags that may move, e.g. `cache-*`",
        });
    });
});
