// Each policy rule as a pure function: good cases pass, each bad case gets its
// exact message. The pack that serves these rules to the engine is tested in
// policy/policyPack.test.ts.
import * as assert from "assert";
import {
    duplicateJsonKeys,
    githubTrustProblems,
    repositoryMutabilityProblems,
    servicePauseTimeoutProblems,
    serviceRollbackProblems,
    taskDefinitionImageProblems,
    taskDefinitionPlainSecretProblems,
} from "../../policy/rules";
import { AUD, AUD_OK, DIGEST, FORM, PINNED, PROVIDER_ARN, REPO_URL, SUB, containers, githubTrust } from "../../testkit/policyInputs";

describe("policy rules", () => {
    describe("taskDefinitionImageProblems", () => {
        const good: [string, unknown][] = [
            ["one pinned image (JSON text, as the provider takes it)", containers(PINNED)],
            ["a pinned app and a pinned sidecar from another registry", containers(PINNED, `public.ecr.aws/aws-observability/aws-otel-collector@${DIGEST}`)],
            ["an already-parsed array", [{ name: "app", image: PINNED }]],
        ];
        for (const [title, containerDefinitions] of good) {
            it(`passes ${title}`, () => {
                assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions }), []);
            });
        }

        it("reports a tag with the validator's message, naming the container", () => {
            assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions: containers(`${REPO_URL}:v1.2.3`) }), [
                `container \`app\`: \`containerDefinitions[0].image\` must be pinned by digest (${FORM}), got \`${REPO_URL}:v1.2.3\`: it names the tag \`v1.2.3\`; resolve the tag to its digest and use \`${REPO_URL}@sha256:<digest>\``,
            ]);
        });

        it("reports every bad container, not just the first", () => {
            assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions: containers("nginx:latest", PINNED, `${REPO_URL}:v1@${DIGEST}`) }), [
                `container \`app\`: \`containerDefinitions[0].image\` must be pinned by digest (${FORM}), got \`nginx:latest\`: \`latest\` is a moving tag and is never deployed; deploy a release tag by its digest`,
                `container \`sidecar2\`: \`containerDefinitions[2].image\` must be pinned by digest (${FORM}), got \`${REPO_URL}:v1@${DIGEST}\`: it names the tag \`v1\` as well as a digest; drop \`:v1\` so the digest alone decides`,
            ]);
        });

        it("reports a container without an image", () => {
            assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions: JSON.stringify([{ name: "app" }]) }), [
                `container \`app\`: \`containerDefinitions[0].image\` must be pinned by digest (${FORM}), got \`undefined\`: expected a string, got a value of type undefined`,
            ]);
        });

        it("reports missing, malformed and empty definitions", () => {
            assert.deepStrictEqual(taskDefinitionImageProblems({}), [
                "`containerDefinitions` is missing; a task definition must name its containers and their images",
            ]);
            const [malformed] = taskDefinitionImageProblems({ containerDefinitions: "[{" });
            assert.match(malformed, /^`containerDefinitions` is not valid JSON \(.+\)$/);
            assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions: "[]" }), [
                "`containerDefinitions` must be a non-empty JSON array of container definitions",
            ]);
        });

        it("reports `containerDefinitions: null` as missing", () => {
            // kills: `raw === undefined ||` dropped (null would read as a non-array)
            assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions: null }), [
                "`containerDefinitions` is missing; a task definition must name its containers and their images",
            ]);
        });

        it("names a container without a string name by its position", () => {
            // kills: the `typeof name === "string"` check dropped, the `#<index>` name emptied
            assert.deepStrictEqual(taskDefinitionImageProblems({ containerDefinitions: JSON.stringify([{ name: 7, image: "nginx:1.27" }]) }), [
                `container \`#0\`: \`containerDefinitions[0].image\` must be pinned by digest (${FORM}), got \`nginx:1.27\`: it names the tag \`1.27\`; resolve the tag to its digest and use \`nginx@sha256:<digest>\``,
            ]);
        });

        it("lets a non-JSON error from reading the props through (the pack makes unknowns advisory)", () => {
            const props = new Proxy(
                {},
                {
                    get: () => {
                        throw new RangeError("unknown during preview");
                    },
                },
            );
            assert.throws(() => taskDefinitionImageProblems(props), RangeError);
        });
    });

    describe("taskDefinitionPlainSecretProblems", () => {
        const withEnvironment = (...containers: Array<Record<string, unknown>>) =>
            JSON.stringify(
                containers.map((environment, i) => ({
                    name: i === 0 ? "app" : `sidecar${i}`,
                    image: PINNED,
                    environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
                })),
            );
        const REMEDY = "pass it in `secrets` (`valueFrom` an SSM parameter or a Secrets Manager secret), never as plain text";
        const secretLooking = (name: string, word: string, container = "app", index = 0) =>
            `container \`${container}\`: \`containerDefinitions[${index}].environment\` variable \`${name}\` looks like a secret (its name has \`${word}\`); ${REMEDY}`;

        // Names that pass: nothing in them names a secret, or the word is only part of another word.
        const plain = [
            "LOG_LEVEL",
            "PORT",
            "NODE_ENV",
            "PUBLIC_URL",
            "KEYCLOAK_URL",
            "MONKEY_MODE",
            "TOKENIZER_MODEL",
            "BYPASS_CACHE",
            "PASSTHROUGH",
            "SECRETARY_EMAIL",
            "CACHE_TTL",
            "KEYSPACE",
            "COMPASS_URL",
            "awsRegion",
        ];
        it(`passes ${plain.length} plain names, secrets kept in \`secrets\`, and URLs without a password`, () => {
            const containerDefinitions = JSON.stringify([
                {
                    name: "app",
                    image: PINNED,
                    environment: [...plain.map((name) => ({ name, value: "x" })), { name: "DATABASE_URL", value: "postgres://db.internal:5432/app" }],
                    secrets: [{ name: "DATABASE_PASSWORD", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db" }],
                },
            ]);
            assert.deepStrictEqual(taskDefinitionPlainSecretProblems({ containerDefinitions }), []);
        });

        // Each name with the word the rule reports for it (exact messages).
        const refused: Array<[string, string]> = [
            ["DB_PASSWORD", "PASSWORD"],
            ["dbPassword", "PASSWORD"],
            ["DBPASSWORD", "PASSWORD"],
            ["SMTP_PASSWD", "PASSWD"],
            ["REDIS_PASS", "PASS"],
            ["MYSQL_PWD", "PWD"],
            ["GPG_PASSPHRASE", "PASSPHRASE"],
            ["CLIENT_SECRET", "SECRET"],
            ["CLIENTSECRET", "SECRET"],
            ["JWT_SECRETS", "SECRET"],
            ["GITHUB_TOKEN", "TOKEN"],
            ["authToken", "TOKEN"],
            ["API_KEY", "KEY"],
            ["STRIPE_APIKEY", "APIKEY"],
            ["SIGNING_KEYS", "KEY"],
            ["TLS_PRIVATEKEY", "PRIVATEKEY"],
            ["AWS_SECRET_ACCESS_KEY", "SECRET"],
            ["session.token", "TOKEN"],
            ["x-api-key", "KEY"],
        ];
        for (const [name, word] of refused) {
            it(`refuses \`${name}\` (its name has \`${word}\`)`, () => {
                assert.deepStrictEqual(taskDefinitionPlainSecretProblems({ containerDefinitions: withEnvironment({ [name]: "value" }) }), [
                    secretLooking(name, word),
                ]);
            });
        }

        it("refuses a URL that carries a password, whatever its name, and reports every container", () => {
            assert.deepStrictEqual(
                taskDefinitionPlainSecretProblems({
                    containerDefinitions: withEnvironment(
                        { DATABASE_URL: "postgres://app:hunter2@db.internal:5432/app", LOG_LEVEL: "info" },
                        { UPSTREAM_TOKEN: "t" },
                    ),
                }),
                [
                    `container \`app\`: \`containerDefinitions[0].environment\` variable \`DATABASE_URL\` carries a password in its URL (\`postgres://app:…@…\`); ${REMEDY}`,
                    secretLooking("UPSTREAM_TOKEN", "TOKEN", "sidecar1", 1),
                ],
            );
        });

        it("leaves missing or malformed definitions to the image rule (no second report)", () => {
            assert.deepStrictEqual(taskDefinitionPlainSecretProblems({}), []);
            assert.deepStrictEqual(taskDefinitionPlainSecretProblems({ containerDefinitions: "[{" }), []);
            assert.deepStrictEqual(
                taskDefinitionPlainSecretProblems({
                    containerDefinitions: JSON.stringify([{ name: "app", image: PINNED, environment: [{ value: "no name" }] }]),
                }),
                [],
            );
        });
    });

    describe("serviceRollbackProblems", () => {
        const ALARMS = ["papyrus-target-5xx-3f2a1b0", "papyrus-unhealthy-hosts-9c8d7e6"];
        const good: [string, Record<string, unknown>][] = [
            ["the circuit breaker with rollback (rolling)", { deploymentCircuitBreaker: { enable: true, rollback: true } }],
            ["deployment alarms with rollback (blue/green)", { alarms: { enable: true, rollback: true, alarmNames: ALARMS } }],
            [
                "both, as DigestPinnedService sets them for a rolling service",
                { deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { enable: true, rollback: true, alarmNames: ALARMS } },
            ],
            [
                "alarms with rollback next to a circuit breaker without it",
                { deploymentCircuitBreaker: { enable: true, rollback: false }, alarms: { enable: true, rollback: true, alarmNames: ALARMS } },
            ],
        ];
        for (const [title, props] of good) {
            it(`passes ${title}`, () => assert.deepStrictEqual(serviceRollbackProblems(props), []));
        }

        const need =
            "ECS must roll a failing deployment back: set `deploymentCircuitBreaker` to `{ enable: true, rollback: true }` (rolling deployments) " +
            "or `alarms` to `{ enable: true, rollback: true, alarmNames: [<alarm>, …] }`, got ";
        const bad: [string, Record<string, unknown>, string][] = [
            ["neither", {}, "`deploymentCircuitBreaker` unset and `alarms` unset"],
            [
                "a circuit breaker that only stops",
                { deploymentCircuitBreaker: { enable: true, rollback: false } },
                '`deploymentCircuitBreaker` `{"enable":true,"rollback":false}` and `alarms` unset',
            ],
            [
                "alarms that only fail the deployment",
                { alarms: { enable: true, rollback: false, alarmNames: ALARMS } },
                `\`deploymentCircuitBreaker\` unset and \`alarms\` \`{"enable":true,"rollback":false,"alarmNames":${JSON.stringify(ALARMS)}}\``,
            ],
            [
                "alarms turned off",
                { alarms: { enable: false, rollback: true, alarmNames: ALARMS } },
                `\`deploymentCircuitBreaker\` unset and \`alarms\` \`{"enable":false,"rollback":true,"alarmNames":${JSON.stringify(ALARMS)}}\``,
            ],
            [
                "alarms with rollback but no alarm",
                { alarms: { enable: true, rollback: true, alarmNames: [] } },
                '`deploymentCircuitBreaker` unset and `alarms` `{"enable":true,"rollback":true,"alarmNames":[]}`',
            ],
            [
                "rollback written as a string",
                { deploymentCircuitBreaker: { enable: true, rollback: "true" } },
                '`deploymentCircuitBreaker` `{"enable":true,"rollback":"true"}` and `alarms` unset',
            ],
            // kills: the breaker's `enable === true` made true
            [
                "a circuit breaker turned off",
                { deploymentCircuitBreaker: { enable: false, rollback: true } },
                '`deploymentCircuitBreaker` `{"enable":false,"rollback":true}` and `alarms` unset',
            ],
            // kills: `value === null` made false in how a setting is shown (`null` instead of unset)
            ["both null", { deploymentCircuitBreaker: null, alarms: null }, "`deploymentCircuitBreaker` unset and `alarms` unset"],
        ];
        for (const [title, props, got] of bad) {
            it(`refuses ${title}`, () => assert.deepStrictEqual(serviceRollbackProblems(props), [need + got]));
        }
    });

    describe("servicePauseTimeoutProblems", () => {
        const pause = (stages: string[], timeoutConfiguration?: Record<string, unknown>) => ({
            targetType: "PAUSE",
            lifecycleStages: stages,
            ...(timeoutConfiguration === undefined ? {} : { timeoutConfiguration }),
        });
        const good: [string, Record<string, unknown>][] = [
            ["a service without a deployment configuration", {}],
            ["a rolling service without hooks, as DigestPinnedService renders it", { deploymentConfiguration: { strategy: "ROLLING" } }],
            [
                "a canary pausing with the component's default action",
                {
                    deploymentConfiguration: {
                        strategy: "CANARY",
                        lifecycleHooks: [pause(["PRE_PRODUCTION_TRAFFIC_SHIFT"], { timeoutInMinutes: "1440", action: "ROLLBACK" })],
                    },
                },
            ],
            ["a PAUSE hook without a timeout configuration (ECS rolls back)", { deploymentConfiguration: { lifecycleHooks: [pause(["POST_SCALE_UP"])] } }],
            [
                "a PAUSE hook with a timeout but no action (ECS rolls back)",
                { deploymentConfiguration: { lifecycleHooks: [pause(["POST_SCALE_UP"], { timeoutInMinutes: "30" })] } },
            ],
            [
                "a Lambda hook whose timeout continues (not a gate a person answers)",
                {
                    deploymentConfiguration: {
                        lifecycleHooks: [
                            {
                                targetType: "AWS_LAMBDA",
                                hookTargetArn: "arn:aws:lambda:eu-west-1:123456789012:function:smoke",
                                lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"],
                                timeoutConfiguration: { action: "CONTINUE" },
                            },
                        ],
                    },
                },
            ],
        ];
        for (const [title, props] of good) {
            it(`passes ${title}`, () => assert.deepStrictEqual(servicePauseTimeoutProblems(props), []));
        }

        const why =
            "`timeoutConfiguration.action` is `CONTINUE`: when nobody answers it, a release nobody checked would go on to all traffic; " +
            "set it to `ROLLBACK` (DigestPinnedService: `deployment.pause.onTimeout: ROLLBACK`, the default)";
        it("refuses a PAUSE hook that continues on timeout, naming the hook and its stages", () => {
            const props = {
                deploymentConfiguration: {
                    strategy: "BLUE_GREEN",
                    lifecycleHooks: [
                        pause(["POST_SCALE_UP"], { action: "ROLLBACK" }),
                        pause(["POST_TEST_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"], { timeoutInMinutes: "60", action: "CONTINUE" }),
                    ],
                },
            };
            assert.deepStrictEqual(servicePauseTimeoutProblems(props), [
                `\`deploymentConfiguration.lifecycleHooks[1]\` is a PAUSE hook (at \`POST_TEST_TRAFFIC_SHIFT\`, \`POST_PRODUCTION_TRAFFIC_SHIFT\`) whose ${why}`,
            ]);
        });

        it("refuses one even without stages, and every such hook", () => {
            const props = { deploymentConfiguration: { lifecycleHooks: [pause([], { action: "CONTINUE" }), pause(["PRE_SCALE_UP"], { action: "CONTINUE" })] } };
            assert.deepStrictEqual(servicePauseTimeoutProblems(props), [
                `\`deploymentConfiguration.lifecycleHooks[0]\` is a PAUSE hook (at no stage) whose ${why}`,
                `\`deploymentConfiguration.lifecycleHooks[1]\` is a PAUSE hook (at \`PRE_SCALE_UP\`) whose ${why}`,
            ]);
        });
    });

    describe("repositoryMutabilityProblems", () => {
        const exclusions = (...filters: unknown[]) => ({
            imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters: filters.map((filter) => ({ filter, filterType: "WILDCARD" })),
        });

        it("passes IMMUTABLE, and exclusions that no deployable tag can match", () => {
            assert.deepStrictEqual(repositoryMutabilityProblems({ imageTagMutability: "IMMUTABLE" }), []);
            assert.deepStrictEqual(repositoryMutabilityProblems(exclusions("cache-*", "build*", "pr-*-preview")), []);
        });

        const bad: [unknown, string][] = [
            ["MUTABLE", "`MUTABLE`"],
            ["MUTABLE_WITH_EXCLUSION", "`MUTABLE_WITH_EXCLUSION`"],
            [undefined, "unset (the provider default is `MUTABLE`)"],
            // kills: `mutability === undefined ||` dropped
            [null, "unset (the provider default is `MUTABLE`)"],
        ];
        for (const [value, got] of bad) {
            it(`refuses ${String(value)}`, () => {
                assert.deepStrictEqual(repositoryMutabilityProblems(value === undefined ? {} : { imageTagMutability: value }), [
                    `\`imageTagMutability\` must be \`IMMUTABLE\` (or \`IMMUTABLE_WITH_EXCLUSION\` for tags that are never deployed) so a pushed tag can never point at another image, got ${got}`,
                ]);
            });
        }

        it("passes IMMUTABLE_WITH_EXCLUSION with no filters given (absent or null): nothing is excluded", () => {
            // kills: `toList` turning undefined or null into a one-entry list
            assert.deepStrictEqual(repositoryMutabilityProblems({ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" }), []);
            assert.deepStrictEqual(
                repositoryMutabilityProblems({ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: null }),
                [],
            );
        });

        it("refuses exclusion filters that could match a release or commit-SHA tag, one message per filter", () => {
            assert.deepStrictEqual(repositoryMutabilityProblems(exclusions("cache-*", "v*", "*", "abc*", 7)), [
                "`imageTagMutabilityExclusionFilters[1].filter` would make release tags (`v1.2.3`) mutable, got `v*`; exclude only tags that are never deployed (e.g. `cache-*`), or use `IMMUTABLE`",
                "`imageTagMutabilityExclusionFilters[2].filter` would make release tags (`v1.2.3`) and commit-SHA tags mutable, got `*`; exclude only tags that are never deployed (e.g. `cache-*`), or use `IMMUTABLE`",
                "`imageTagMutabilityExclusionFilters[3].filter` would make commit-SHA tags mutable, got `abc*`; exclude only tags that are never deployed (e.g. `cache-*`), or use `IMMUTABLE`",
                "`imageTagMutabilityExclusionFilters[4].filter` would make a release tag or a commit-SHA tag mutable, got `7`; exclude only tags that are never deployed (e.g. `cache-*`), or use `IMMUTABLE`",
            ]);
        });
    });

    describe("githubTrustProblems", () => {
        // A trust policy document (text, as the provider takes it, or an object) and what the pack says about it.
        const statement = (condition: Record<string, unknown> | undefined, federated: unknown = PROVIDER_ARN) => ({
            Effect: "Allow",
            Principal: { Federated: federated },
            Action: "sts:AssumeRoleWithWebIdentity",
            ...(condition === undefined ? {} : { Condition: condition }),
        });
        const ENTERPRISE_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/acme-corp";
        const E_SUB = "token.actions.githubusercontent.com/acme-corp:sub";
        const E_AUD = "token.actions.githubusercontent.com/acme-corp:aud";
        const NO_SUB =
            "`Statement[0]` has no `StringEquals`/`StringLike` condition on `token.actions.githubusercontent.com:sub`, so any GitHub repository can assume the role; add `repo:OWNER/REPO:ref:refs/heads/master` (or `:environment:<name>`)";
        const NO_AUD = "`Statement[0]` must have `StringEquals` { `token.actions.githubusercontent.com:aud`: `sts.amazonaws.com` }, got none";

        const cases: { title: string; policy: unknown; problems: string[] }[] = [
            {
                title: "a role scoped to one repository's master branch and tags (what the component writes)",
                policy: githubTrust({
                    StringEquals: AUD_OK,
                    StringLike: { [SUB]: ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"] },
                }),
                problems: [],
            },
            {
                title: "an environment-scoped sub under StringEquals, given as an object",
                policy: { Version: "2012-10-17", Statement: [statement({ StringEquals: { ...AUD_OK, [SUB]: "repo:acme/papyrus:environment:prod" } })] },
                problems: [],
            },
            {
                title: "a narrowing StringNotLike on sub next to the scope (conditions are ANDed)",
                policy: githubTrust({
                    StringEquals: AUD_OK,
                    StringLike: { [SUB]: "repo:acme/papyrus:ref:refs/heads/release/*" },
                    StringNotLike: { [SUB]: "repo:acme/papyrus:ref:refs/heads/release/experimental*" },
                }),
                problems: [],
            },
            {
                title: "an extra ForAnyValue:StringLike on sub next to the scope",
                policy: githubTrust({
                    StringEquals: { ...AUD_OK, [SUB]: "repo:acme/papyrus:environment:prod" },
                    "ForAnyValue:StringLike": { [SUB]: "repo:acme/*" },
                }),
                problems: [],
            },
            {
                title: "GitHub's immutable subjects",
                policy: githubTrust({ StringEquals: { ...AUD_OK, [SUB]: "repo:acme@1234/papyrus@5678:environment:prod" } }),
                problems: [],
            },
            {
                title: "a customised subject with the repository id and workflow",
                policy: githubTrust({
                    StringEquals: AUD_OK,
                    StringLike: { [SUB]: "repo:acme/papyrus:environment:prod:repository_id:42:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@*" },
                }),
                problems: [],
            },
            {
                title: "an enterprise's own issuer, scoped on its own keys",
                policy: {
                    Version: "2012-10-17",
                    Statement: [statement({ StringEquals: { [E_AUD]: "sts.amazonaws.com", [E_SUB]: "repo:acme/papyrus:environment:prod" } }, ENTERPRISE_ARN)],
                },
                problems: [],
            },
            {
                title: "an enterprise's issuer scoped on github.com's keys, which its tokens never carry",
                policy: {
                    Version: "2012-10-17",
                    Statement: [statement({ StringEquals: { ...AUD_OK, [SUB]: "repo:acme/papyrus:environment:prod" } }, ENTERPRISE_ARN)],
                },
                problems: [
                    "`Statement[0]` must have `StringEquals` { `token.actions.githubusercontent.com/acme-corp:aud`: `sts.amazonaws.com` }, got none",
                    "`Statement[0]` has no `StringEquals`/`StringLike` condition on `token.actions.githubusercontent.com/acme-corp:sub`, so any GitHub repository can assume the role; add `repo:OWNER/REPO:ref:refs/heads/master` (or `:environment:<name>`)",
                ],
            },
            {
                title: "an enterprise's issuer with a repository wildcard",
                policy: {
                    Version: "2012-10-17",
                    Statement: [statement({ StringEquals: { [E_AUD]: "sts.amazonaws.com" }, StringLike: { [E_SUB]: "repo:acme/*" } }, ENTERPRISE_ARN)],
                },
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com/acme-corp:sub` value `repo:acme/*`: its repository `*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/REPO:ref:refs/heads/master`",
                ],
            },
            {
                title: "roles that GitHub cannot assume (ECS tasks, another OIDC provider, none at all)",
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
                        statement(undefined, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com.evil.example"),
                    ],
                }),
                problems: [],
            },
            {
                title: "a GitHub role with no conditions at all",
                policy: githubTrust(undefined),
                problems: [NO_AUD, NO_SUB],
            },
            {
                title: "aud checked only with StringLike",
                policy: githubTrust({ StringLike: { ...AUD_OK, [SUB]: "repo:acme/papyrus:ref:refs/heads/master" } }),
                problems: [NO_AUD],
            },
            {
                title: "a second audience",
                policy: githubTrust({ StringEquals: { [AUD]: ["sts.amazonaws.com", "other"], [SUB]: "repo:acme/papyrus:ref:refs/heads/master" } }),
                problems: [
                    '`Statement[0]` must have `StringEquals` { `token.actions.githubusercontent.com:aud`: `sts.amazonaws.com` }, got `["sts.amazonaws.com","other"]`',
                ],
            },
            {
                title: "repo:*, repo:org/* and a name prefix, one message per value",
                policy: githubTrust({
                    StringEquals: AUD_OK,
                    StringLike: { [SUB]: ["repo:*", "repo:acme/*", "repo:acme/api*", "repo:acme/papyrus:ref:refs/heads/master"] },
                }),
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:*`: its owner `*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:OWNER/REPO:ref:refs/heads/master`",
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:acme/*`: its repository `*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/REPO:ref:refs/heads/master`",
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:acme/api*`: its repository `api*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/api:ref:refs/heads/master`",
                ],
            },
            {
                title: "`repo:o/r:*`, which the pack used to pass",
                policy: githubTrust({ StringEquals: AUD_OK, StringLike: { [SUB]: "repo:o/r:*" } }),
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:o/r:*`: its context `*` is a pattern over every branch, tag, environment and pull request of o/r, so anyone who can push a branch there gets the role; name a branch, tag or environment; e.g. `repo:o/r:ref:refs/heads/master`",
                ],
            },
            {
                title: "`repo:o/r:ref:refs/heads/*`, which the pack used to pass",
                policy: githubTrust({ StringEquals: AUD_OK, StringLike: { [SUB]: "repo:o/r:ref:refs/heads/*" } }),
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:o/r:ref:refs/heads/*`: its branch pattern `*` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:o/r:ref:refs/heads/master`",
                ],
            },
            {
                title: "a tag pattern that starts with a wildcard",
                policy: githubTrust({ StringEquals: AUD_OK, StringLike: { [SUB]: "repo:o/r:ref:refs/tags/?*" } }),
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:o/r:ref:refs/tags/?*`: its tag pattern `?*` starts with a wildcard, so it trusts every tag anyone with write access can create; name the tag, or a pattern with a fixed start such as `v*.*.*`; e.g. `repo:o/r:ref:refs/tags/v*.*.*`",
                ],
            },
            {
                title: "`repo:o/r:pull_request`, which the pack used to pass",
                policy: githubTrust({ StringEquals: { ...AUD_OK, [SUB]: "repo:o/r:pull_request" } }),
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:o/r:pull_request`: its context `pull_request` is given to runs for any pull request from a branch of o/r, with that branch's workflow code, so anyone who can push a branch gets the role; trust a protected branch, tag or environment instead; e.g. `repo:o/r:ref:refs/heads/master`",
                ],
            },
            {
                title: "condition keys in another case, as IAM matches them",
                policy: githubTrust({
                    StringEquals: { "Token.Actions.GithubUserContent.com:AUD": "sts.amazonaws.com" },
                    StringLike: { "token.actions.githubusercontent.com:SUB": "repo:acme/*" },
                }),
                problems: [
                    "`Statement[0]`: `token.actions.githubusercontent.com:sub` value `repo:acme/*`: its repository `*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/REPO:ref:refs/heads/master`",
                ],
            },
            {
                title: "sub checked only with a weaker operator: no scope",
                policy: githubTrust({ StringEquals: AUD_OK, "ForAnyValue:StringLike": { [SUB]: "repo:acme/papyrus:*" } }),
                problems: [NO_SUB],
            },
            {
                title: "sub only excluded (StringNotLike) but never scoped",
                policy: githubTrust({ StringEquals: AUD_OK, StringNotLike: { [SUB]: "repo:evil/*" } }),
                problems: [NO_SUB],
            },
            {
                title: "every GitHub statement of a policy, and a Federated list",
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        statement({ StringEquals: { ...AUD_OK, [SUB]: "repo:acme/papyrus:environment:prod" } }),
                        statement({ StringEquals: AUD_OK }, ["arn:aws:iam::123456789012:oidc-provider/example.com", PROVIDER_ARN]),
                        { Effect: "Deny", Principal: { Federated: PROVIDER_ARN }, Action: "sts:AssumeRoleWithWebIdentity" },
                    ],
                }),
                problems: [
                    "`Statement[1]` has no `StringEquals`/`StringLike` condition on `token.actions.githubusercontent.com:sub`, so any GitHub repository can assume the role; add `repo:OWNER/REPO:ref:refs/heads/master` (or `:environment:<name>`)",
                ],
            },
            {
                // kills: `audiences.length === 0` dropped (every() of nothing is true)
                title: "an empty list of audiences",
                policy: githubTrust({ StringEquals: { [AUD]: [], [SUB]: "repo:acme/papyrus:environment:prod" } }),
                problems: ["`Statement[0]` must have `StringEquals` { `token.actions.githubusercontent.com:aud`: `sts.amazonaws.com` }, got `[]`"],
            },
            {
                // kills: the `Statement` (not a list) location emptied
                title: "a single statement given as an object, not a list",
                policy: { Version: "2012-10-17", Statement: statement({ StringEquals: AUD_OK }) },
                problems: [
                    "`Statement` has no `StringEquals`/`StringLike` condition on `token.actions.githubusercontent.com:sub`, so any GitHub repository can assume the role; add `repo:OWNER/REPO:ref:refs/heads/master` (or `:environment:<name>`)",
                ],
            },
            {
                // kills: `isObject` passing null, a principal that is not an object or a Federated entry that is not a string
                // read as an issuer
                title: "a null statement, a `*` principal and a non-string Federated entry next to a GitHub statement",
                policy: {
                    Version: "2012-10-17",
                    Statement: [
                        null,
                        { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
                        statement({ StringEquals: AUD_OK }, [{ "Fn::GetAtt": "provider" }, PROVIDER_ARN]),
                    ],
                },
                problems: [
                    "`Statement[2]` has no `StringEquals`/`StringLike` condition on `token.actions.githubusercontent.com:sub`, so any GitHub repository can assume the role; add `repo:OWNER/REPO:ref:refs/heads/master` (or `:environment:<name>`)",
                ],
            },
            {
                // kills: `includes(":oidc-provider/")` emptied (the bare host would then be cut and missed)
                title: "a Federated principal given as the issuer host rather than the provider's ARN",
                policy: githubTrust({ StringEquals: AUD_OK }, "token.actions.githubusercontent.com"),
                problems: [NO_SUB],
            },
            {
                // kills: duplicate keys checked in policies that do not name GitHub
                title: "repeated keys in a trust policy that has nothing to do with GitHub",
                policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
                problems: [],
            },
            {
                title: "two StringEquals blocks in one Condition (IAM would keep only the last)",
                policy:
                    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"${PROVIDER_ARN}"},` +
                    `"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"${SUB}":"repo:acme/papyrus:environment:prod"},` +
                    `"StringEquals":{"${AUD}":"sts.amazonaws.com"}}}]}`,
                problems: [
                    "`assumeRolePolicy` repeats the key `StringEquals` in `Statement[0].Condition`; IAM keeps only the last one and silently drops the others' conditions — merge them into one object",
                    NO_SUB,
                ],
            },
        ];
        for (const c of cases) {
            it(c.problems.length === 0 ? `passes ${c.title}` : `refuses ${c.title}`, () => {
                assert.deepStrictEqual(githubTrustProblems({ assumeRolePolicy: c.policy }), c.problems);
            });
        }

        it("refuses a trust policy that is not JSON but names GitHub (the parser's words vary by Node version)", () => {
            const [problem, ...rest] = githubTrustProblems({ assumeRolePolicy: `{"Statement": [${PROVIDER_ARN}` });
            assert.match(problem, /^`assumeRolePolicy` is not valid JSON \(.+\)$/);
            assert.deepStrictEqual(rest, []);
        });

        it("passes a trust policy that is not JSON and does not name GitHub (IAM refuses it; it is not this rule's)", () => {
            // kills: the empty answer for foreign non-JSON policies replaced
            assert.deepStrictEqual(githubTrustProblems({ assumeRolePolicy: "{ not json" }), []);
        });

        it("passes a role without a trust policy", () => {
            assert.deepStrictEqual(githubTrustProblems({}), []);
        });
    });

    describe("duplicateJsonKeys", () => {
        it("finds repeats at any depth, with escaped quotes in strings, and nothing in clean JSON", () => {
            assert.deepStrictEqual(duplicateJsonKeys('{"a":1,"a":2,"b":[{"c":"x\\"y","c":3},{"c":4}]}'), [
                { key: "a", path: "(top level)" },
                { key: "c", path: "b[0]" },
            ]);
            assert.deepStrictEqual(duplicateJsonKeys('{"a":{"a":{"a":["a","a"]}}}'), []);
        });

        it("tells keys from string values, and closes objects and arrays where they end", () => {
            // kills: a value read as a key (`expectingKey` left true, any character taken as a comma), and `}` or `]`
            // not closing its frame
            assert.deepStrictEqual(duplicateJsonKeys('{"Sid":"Sid","Effect":"Allow"}'), []);
            assert.deepStrictEqual(duplicateJsonKeys('{"a":{},"a":1}'), [{ key: "a", path: "(top level)" }]);
            assert.deepStrictEqual(duplicateJsonKeys('{"a":[],"a":1}'), [{ key: "a", path: "(top level)" }]);
        });

        it("numbers array elements in the path", () => {
            // kills: the index not counted, or counted down, at a comma in an array
            assert.deepStrictEqual(duplicateJsonKeys('[{"a":1},{"b":1},{"c":1,"c":2}]'), [{ key: "c", path: "[2]" }]);
        });
    });
});
