// `papyrus:replicateTo` and `papyrus:replicationSourceAccount`, checked without
// Pulumi: every refused value with its exact message, and the accepted ones
// with the destinations they yield.
import * as assert from "assert";
import { parseReplicationDestinations, replicationSourceAccountProblem } from "../../components/replicationSettings";
import { accountOfRepositoryArn, registryReplicationProblems } from "../../components/registryReplication";
import { replicationRegistryPolicy } from "../../components/replicationRegistryPolicy";

const KEY = "papyrus:replicateTo";

describe("papyrus:replicateTo", () => {
    const accepted: [string, unknown, { region: string; account?: string }[]][] = [
        ["one region, as the CLI passes it (JSON text)", '[{"region":"eu-central-1"}]', [{ region: "eu-central-1" }]],
        ["one region, already parsed", [{ region: "eu-central-1" }], [{ region: "eu-central-1" }]],
        ["another account", [{ region: "us-east-1", account: "210987654321" }], [{ region: "us-east-1", account: "210987654321" }]],
        ["the own region in another account", [{ region: "eu-west-1", account: "210987654321" }], [{ region: "eu-west-1", account: "210987654321" }]],
        ["a GovCloud region", [{ region: "us-gov-west-1" }], [{ region: "us-gov-west-1" }]],
        ["two regions, in order", [{ region: "eu-central-1" }, { region: "us-east-2" }], [{ region: "eu-central-1" }, { region: "us-east-2" }]],
    ];
    for (const [title, value, destinations] of accepted) {
        it(`accepts ${title}`, () => {
            assert.deepStrictEqual(parseReplicationDestinations(value, KEY, "eu-west-1"), { destinations, problems: [] });
        });
    }

    const refused: [string, unknown, string[]][] = [
        ["a bare region", "eu-central-1", ["`papyrus:replicateTo` must be a list of destinations (`- region: eu-central-1`), got `eu-central-1`"]],
        [
            "an object instead of a list",
            { region: "eu-central-1" },
            ["`papyrus:replicateTo` must be a list of destinations (`- region: eu-central-1`), got an object"],
        ],
        ["an empty list", [], ["`papyrus:replicateTo` is an empty list; name at least one region, or remove the key to replicate nowhere"]],
        ["a list of strings", ["eu-central-1"], ["`papyrus:replicateTo[0]` must be an object with `region` (and optionally `account`), got `eu-central-1`"]],
        ["no region", [{}], ["`papyrus:replicateTo[0].region` must be an AWS region such as `eu-central-1`, got nothing"]],
        ["a misspelt region", [{ region: "eu-centrall" }], ["`papyrus:replicateTo[0].region` must be an AWS region such as `eu-central-1`, got `eu-centrall`"]],
        [
            "a misspelt key",
            [{ regions: "eu-central-1" }],
            [
                "`papyrus:replicateTo[0].regions` is not a destination key; did you mean `region`?",
                "`papyrus:replicateTo[0].region` must be an AWS region such as `eu-central-1`, got nothing",
            ],
        ],
        [
            "an unknown key",
            [{ region: "eu-central-1", filter: "x" }],
            ["`papyrus:replicateTo[0].filter` is not a destination key (allowed: `region`, `account`)"],
        ],
        [
            "an unquoted account (YAML reads a number)",
            [{ region: "eu-central-1", account: 210987654321 }],
            ['`papyrus:replicateTo[0].account` must be a 12-digit AWS account id in quotes (`"210987654321"`), got `210987654321`'],
        ],
        [
            "a short account",
            [{ region: "eu-central-1", account: "2109876" }],
            ['`papyrus:replicateTo[0].account` must be a 12-digit AWS account id in quotes (`"210987654321"`), got `2109876`'],
        ],
        [
            "the stack's own registry",
            [{ region: "eu-west-1" }],
            ["`papyrus:replicateTo[0].region` is `eu-west-1`, the stack's own registry (`aws:region`); replicate to another region, or name another `account`"],
        ],
        [
            "a repeated destination",
            [{ region: "eu-central-1" }, { region: "eu-central-1" }],
            ["`papyrus:replicateTo[1]` repeats the destination `eu-central-1`"],
        ],
        [
            "26 destinations",
            Array.from({ length: 26 }, (_, i) => ({ region: "eu-central-1", account: String(100000000000 + i) })),
            ["`papyrus:replicateTo` may hold at most 25 destinations (an ECR limit), got 26"],
        ],
        ["JSON that does not parse", "[{", ["`papyrus:replicateTo` must be a list of destinations (`- region: eu-central-1`), got `[{`"]],
    ];
    for (const [title, value, problems] of refused) {
        it(`refuses ${title}, with no destinations`, () => {
            // kills: a problem dropped, reworded, or a half-valid list passed on
            assert.deepStrictEqual(parseReplicationDestinations(value, KEY, "eu-west-1"), { destinations: [], problems });
        });
    }
});

describe("papyrus:replicationSourceAccount", () => {
    it("accepts a 12-digit account id and refuses anything else with the key named", () => {
        assert.strictEqual(replicationSourceAccountProblem("111122223333", "papyrus:replicationSourceAccount"), undefined);
        for (const [value, shown] of [
            [111122223333, "`111122223333`"],
            ["1111-2222-3333", "`1111-2222-3333`"],
            ["*", "`*`"],
            [undefined, "nothing"],
        ] as const) {
            assert.strictEqual(
                replicationSourceAccountProblem(value, "papyrus:replicationSourceAccount"),
                "`papyrus:replicationSourceAccount` must be the 12-digit account id of the build registry that replicates into this one, " +
                    `in quotes (\`"111122223333"\`), got ${shown}`,
            );
        }
    });
});

describe("replication components' pure parts", () => {
    it("reads the account from a repository ARN and refuses anything else", () => {
        assert.strictEqual(accountOfRepositoryArn("arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api"), "123456789012");
        assert.throws(() => accountOfRepositoryArn("papyrus-api"), {
            message: "`repositoryArn` must be an ECR repository ARN (`arn:aws:ecr:<region>:<account>:repository/<name>`), got `papyrus-api`",
        });
    });

    it("refuses no destinations and more than ECR allows", () => {
        assert.deepStrictEqual(registryReplicationProblems({ destinations: [] }), ["`destinations` is empty; name at least one region"]);
        assert.deepStrictEqual(registryReplicationProblems({ destinations: Array.from({ length: 26 }, () => ({ region: "eu-central-1" })) }), [
            "`destinations` may hold at most 25 registries (an ECR limit), got 26",
        ]);
        assert.deepStrictEqual(registryReplicationProblems({ destinations: [{ region: "eu-central-1" }] }), []);
    });

    it("lets one account replicate into one repository, nothing else", () => {
        const repositoryArn = "arn:aws:ecr:eu-central-1:210987654321:repository/papyrus-api";
        assert.deepStrictEqual(replicationRegistryPolicy("111122223333", repositoryArn), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ReplicateFromBuildRegistry",
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::111122223333:root" },
                    Action: ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    Resource: repositoryArn,
                },
            ],
        });
    });
});
