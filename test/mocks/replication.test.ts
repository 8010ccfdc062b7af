// ECR replication under mocks, for both stacks with their own Pulumi.<stack>.yaml:
// dev (the build registry, `papyrus:replicateTo`) owns the registry's one
// replication configuration; prod creates none, so its updates cannot fight
// dev's. Cross-account replication adds the destination's registry policy, on
// the destination's stack only.
import * as assert from "assert";
import { evaluateUnderMocks, Evaluation, loadStackConfig, MOCK_ACCOUNT_ID, RecordedResource } from "../../testkit/evaluateUnderMocks";

const REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration";
const REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy";

function only(evaluation: Evaluation, type: string): RecordedResource {
    const found = evaluation.resources.filter((r) => r.type === type);
    assert.strictEqual(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
}

const none = (evaluation: Evaluation, type: string) => evaluation.resources.filter((r) => r.type === type);

describe("ECR replication under mocks", () => {
    it("dev, the build registry, replicates its repository to prod's region in the same account, and nothing else", async () => {
        // kills: a rule without the repository filter (every repository of the account would be copied), or the wrong account
        assert.deepStrictEqual(JSON.parse(loadStackConfig("dev")["papyrus:replicateTo"]), [{ region: "eu-central-1" }]);
        const evaluation = await evaluateUnderMocks({ stack: "dev" });
        const replication = only(evaluation, REPLICATION);
        assert.deepStrictEqual(replication.inputs.replicationConfiguration, {
            rules: [
                {
                    destinations: [{ region: "eu-central-1", registryId: MOCK_ACCOUNT_ID }],
                    repositoryFilters: [{ filter: "papyrus-api", filterType: "PREFIX_MATCH" }],
                },
            ],
        });
        assert.strictEqual(replication.name, "papyrus-replication-configuration");
        assert.strictEqual(replication.parent, "papyrus:aws:RegistryReplication::papyrus-replication");
        assert.deepStrictEqual(none(evaluation, REGISTRY_POLICY), [], "same-account replication needs no registry policy");
    });

    it("prod, a destination, owns no replication configuration and no registry policy: its updates cannot overwrite dev's", async () => {
        const evaluation = await evaluateUnderMocks({ stack: "prod" });
        assert.strictEqual(loadStackConfig("prod")["papyrus:replicateTo"], undefined);
        assert.deepStrictEqual(none(evaluation, REPLICATION), []);
        assert.deepStrictEqual(none(evaluation, REGISTRY_POLICY), []);
        assert.deepStrictEqual(none(evaluation, "papyrus:aws:RegistryReplication"), []);
    });

    it("replicates to another account when the destination names one, and the destination's stack allows exactly that copy", async () => {
        const dev = await evaluateUnderMocks({
            stack: "dev",
            overrides: { "papyrus:replicateTo": JSON.stringify([{ region: "eu-central-1", account: "210987654321" }]) },
        });
        assert.deepStrictEqual((only(dev, REPLICATION).inputs.replicationConfiguration as { rules: { destinations: unknown }[] }).rules[0].destinations, [
            { region: "eu-central-1", registryId: "210987654321" },
        ]);
        assert.deepStrictEqual(none(dev, REGISTRY_POLICY), []);

        const prod = await evaluateUnderMocks({ stack: "prod", overrides: { "papyrus:replicationSourceAccount": "111122223333" } });
        const policy = only(prod, REGISTRY_POLICY);
        assert.strictEqual(policy.parent, "papyrus:aws:ReplicationRegistryPolicy::papyrus-replication-source");
        assert.deepStrictEqual(JSON.parse(policy.inputs.policy as string), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ReplicateFromBuildRegistry",
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::111122223333:root" },
                    Action: ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    Resource: `arn:aws:ecr:eu-central-1:${MOCK_ACCOUNT_ID}:repository/papyrus-api`,
                },
            ],
        });
        assert.deepStrictEqual(none(prod, REPLICATION), []);
    });

    const refusals: [string, "dev" | "prod", Record<string, string>, string][] = [
        [
            "its own registry as a destination",
            "dev",
            { "papyrus:replicateTo": JSON.stringify([{ region: "eu-west-1" }]) },
            "stack `dev` config: `papyrus:replicateTo[0].region` is `eu-west-1`, the stack's own registry (`aws:region`); replicate to another region, or name another `account`",
        ],
        [
            "a misspelt destination key",
            "dev",
            { "papyrus:replicateTo": JSON.stringify([{ regoin: "eu-central-1" }]) },
            "stack `dev` config: `papyrus:replicateTo[0].regoin` is not a destination key; did you mean `region`?; " +
                "`papyrus:replicateTo[0].region` must be an AWS region such as `eu-central-1`, got nothing",
        ],
        [
            "a source account that is not one",
            "prod",
            { "papyrus:replicationSourceAccount": "acme" },
            'stack `prod` config: `papyrus:replicationSourceAccount` must be the 12-digit account id of the build registry that replicates into this one, in quotes (`"111122223333"`), got `acme`',
        ],
    ];
    for (const [title, stack, overrides, message] of refusals) {
        it(`refuses ${title} before registering anything`, async () => {
            const registered: string[] = [];
            await assert.rejects(evaluateUnderMocks({ stack, overrides, onResource: (r) => registered.push(r.name) }), { message });
            assert.deepStrictEqual(registered, []);
        });
    }
});
