// components/stackConfig.ts's `readStackConfig`, without Pulumi: the stack's
// config read into one typed object, every value checked with its key named.
// The stack program's use of it (nothing registered on a refusal) is proven in
// mocks/stack.test.ts; here are the reading rules themselves, and that the
// module stays light enough for the driver to import.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { qualifiedKey } from "../../components/configSchema";
import { ConfigReader, readStackConfig, readStackSettings, serviceConfigKey, StackConfigError } from "../../components/stackConfig";

const ROOT = path.resolve(__dirname, "..", "..");
const GITHUB = JSON.stringify({ owner: "acme", repository: "papyrus", deploy: { environments: ["dev"] } });

/** A `pulumi.Config("papyrus")` stand-in: values as the CLI hands them over (text; objects as JSON). */
function reader(values: Record<string, string>): ConfigReader {
    return {
        name: "papyrus",
        get: (key) => values[key],
        require: (key) => {
            if (values[key] === undefined) throw new Error(`missing ${key}`);
            return values[key];
        },
    };
}

function read(values: Record<string, string>, region = "eu-west-1") {
    return readStackConfig(reader({ github: GITHUB, ...values }), { stack: "dev", region });
}

describe("readStackConfig", () => {
    it("reads every service key into DigestPinnedService's arguments, typed", () => {
        const config = read({
            cpu: "512",
            memory: "1024",
            containerPort: "3000",
            healthCheckPath: "/healthz",
            logRetentionDays: "14",
            natGateways: "OnePerAz",
            https: JSON.stringify({ domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }),
            autoscaling: JSON.stringify({ minCount: 2, maxCount: 6, requestsPerTarget: false }),
            environment: JSON.stringify({ LOG_LEVEL: "info" }),
            secrets: JSON.stringify({ DATABASE_PASSWORD: "arn:aws:ssm:eu-west-1:123456789012:parameter/db" }),
            containerHealthCheck: JSON.stringify({ retries: 5 }),
            readonlyRootFilesystem: "false",
            enableExecuteCommand: "true",
            user: "node",
            stopTimeoutSeconds: "60",
            deployment: JSON.stringify({ strategy: "BLUE_GREEN", bakeTimeMinutes: 5, testListener: { port: 9443, allowedCidrs: ["203.0.113.0/24"] } }),
            deploymentAlarms: JSON.stringify({ target5xx: { threshold: 20, periodSeconds: 120 }, unhealthyHosts: { evaluationPeriods: 1 } }),
            untaggedImageExpiryDays: "7",
            taggedImageRetention: JSON.stringify({ keepNewest: 100 }),
            stateBucketArn: "arn:aws:s3:::acme-pulumi-state",
        });
        assert.deepStrictEqual(config.service, {
            cpu: 512,
            memory: 1024,
            containerPort: 3000,
            autoscaling: { minCount: 2, maxCount: 6, requestsPerTarget: false },
            https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
            environment: { LOG_LEVEL: "info" },
            secrets: { DATABASE_PASSWORD: "arn:aws:ssm:eu-west-1:123456789012:parameter/db" },
            healthCheck: { path: "/healthz" },
            containerHealthCheck: { retries: 5 },
            readonlyRootFilesystem: false,
            user: "node",
            stopTimeoutSeconds: 60,
            enableExecuteCommand: true,
            deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 5, testListener: { port: 9443, allowedCidrs: ["203.0.113.0/24"] } },
            deploymentAlarms: { target5xx: { threshold: 20, periodSeconds: 120 }, unhealthyHosts: { evaluationPeriods: 1 } },
            logRetentionDays: 14,
            vpc: { natGateways: "OnePerAz" },
        });
        assert.deepStrictEqual(config.repository, { untaggedExpiryDays: 7, kmsKeyArn: undefined, taggedRetention: { keepNewest: 100 } });
        assert.deepStrictEqual(config.access, {
            oidcProviderArn: undefined,
            stateBucketArn: "arn:aws:s3:::acme-pulumi-state",
            stateKeyPrefix: undefined,
            promoteFrom: undefined,
        });
        assert.strictEqual(config.github.owner, "acme");
    });

    it("reads the replication keys: where the build registry copies to, and who may copy into this one", () => {
        assert.deepStrictEqual(read({ httpOnly: "true" }).replication, { destinations: [], sourceAccount: undefined });
        assert.deepStrictEqual(
            read({ httpOnly: "true", replicateTo: JSON.stringify([{ region: "eu-central-1" }, { region: "us-east-1", account: "111122223333" }]) }).replication,
            { destinations: [{ region: "eu-central-1" }, { region: "us-east-1", account: "111122223333" }], sourceAccount: undefined },
        );
        assert.deepStrictEqual(read({ httpOnly: "true", replicationSourceAccount: "111122223333" }).replication, {
            destinations: [],
            sourceAccount: "111122223333",
        });
    });

    it("reports a replication problem with the others, at once", () => {
        // kills: replication checked after (or instead of) the rest, as index.ts did before it read them here.
        assert.throws(
            () => read({ cpu: "one", replicateTo: JSON.stringify([{ region: "eu-west-1" }]), replicationSourceAccount: "acme" }),
            (err: Error) => {
                assert.ok(err instanceof StackConfigError, String(err));
                assert.deepStrictEqual(err.problems, [
                    "`papyrus:cpu` must be a number, got `one`",
                    "`papyrus:replicateTo[0].region` is `eu-west-1`, the stack's own registry (`aws:region`); replicate to another region, or name another `account`",
                    '`papyrus:replicationSourceAccount` must be the 12-digit account id of the build registry that replicates into this one, in quotes (`"111122223333"`), got `acme`',
                ]);
                return true;
            },
        );
    });

    it("takes an existing VPC instead of settings for a new one", () => {
        const config = read({
            httpOnly: "true",
            natGateways: "Single",
            vpcId: "vpc-1",
            publicSubnetIds: JSON.stringify(["subnet-a", "subnet-b"]),
            privateSubnetIds: JSON.stringify(["subnet-c", "subnet-d"]),
        });
        assert.deepStrictEqual(config.service, {
            httpOnly: true,
            network: { vpcId: "vpc-1", publicSubnetIds: ["subnet-a", "subnet-b"], privateSubnetIds: ["subnet-c", "subnet-d"] },
        });
    });

    it("reads a canary with a PAUSE hook and a linear deployment as DigestPinnedService's `deployment`", () => {
        const canary = {
            strategy: "CANARY",
            canary: { percent: 10, bakeTimeMinutes: 15 },
            pause: { stages: ["PRE_PRODUCTION_TRAFFIC_SHIFT"], onTimeout: "ROLLBACK" },
        };
        assert.deepStrictEqual(read({ httpOnly: "true", deployment: JSON.stringify(canary) }).service.deployment, canary);
        const linear = { strategy: "LINEAR", bakeTimeMinutes: 0, linear: { stepPercent: 25, stepBakeTimeMinutes: 2 } };
        assert.deepStrictEqual(read({ httpOnly: "true", deployment: JSON.stringify(linear) }).service.deployment, linear);
    });

    // Each config with the exact message it is refused with (after `stack \`dev\` config: `).
    const refusals: Array<[string, Record<string, string>, string]> = [
        ["a number that is not one", { httpOnly: "true", cpu: "1 vCPU" }, "`papyrus:cpu` must be a number, got `1 vCPU`"],
        [
            "an object where a list goes",
            { httpOnly: "true", vpcId: "vpc-1", publicSubnetIds: '{"a":1}', privateSubnetIds: '["s"]' },
            '`papyrus:publicSubnetIds` must be a list of strings, got an object (`{"a":1}`)',
        ],
        [
            "`papyrus:https` as a plain string",
            { https: "arn:aws:acm:eu-west-1:123456789012:certificate/x" },
            "`papyrus:https` must be an object with `certificateArn`, `domain`, `hostedZoneId`, `sslPolicy`, got the string `arn:aws:acm:eu-west-1:123456789012:certificate/x`",
        ],
        [
            "an unknown key far from any known one",
            { https: JSON.stringify({ tls: "1.3" }) },
            "`papyrus:https.tls`: unknown key; the keys are `certificateArn`, `domain`, `hostedZoneId`, `sslPolicy`",
        ],
        [
            "an empty key (YAML null)",
            { httpOnly: "true", autoscaling: JSON.stringify({ minCount: 1, maxCount: null }) },
            "`papyrus:autoscaling.maxCount` is empty (YAML reads a key with nothing after it as null); give it a value or remove it",
        ],
        [
            "`requestsPerTarget: true`",
            { httpOnly: "true", autoscaling: JSON.stringify({ minCount: 1, maxCount: 2, requestsPerTarget: true }) },
            "`papyrus:autoscaling.requestsPerTarget` must be a number or `false`, got the boolean `true`",
        ],
        [
            "a test listener CIDR written as a string",
            { httpOnly: "true", deployment: JSON.stringify({ strategy: "BLUE_GREEN", testListener: { allowedCidrs: "10.0.0.0/8" } }) },
            "`papyrus:deployment.testListener.allowedCidrs` must be a list of strings, got the string `10.0.0.0/8`",
        ],
        [
            "a canary percent outside 0.1-100",
            { httpOnly: "true", deployment: JSON.stringify({ strategy: "CANARY", canary: { percent: 150 } }) },
            "`papyrus:deployment.canary.percent` must be a percentage from 0.1 to 100 in steps of 0.1, got `150`",
        ],
        [
            "a linear step below ECS's 3 percent",
            { httpOnly: "true", deployment: JSON.stringify({ strategy: "LINEAR", linear: { stepPercent: 1 } }) },
            "`papyrus:deployment.linear.stepPercent` must be a percentage from 3 to 100 in steps of 0.1, got `1`",
        ],
        [
            "a PAUSE hook at a stage ECS keeps for Lambda hooks",
            { httpOnly: "true", deployment: JSON.stringify({ strategy: "BLUE_GREEN", pause: { stages: ["PRODUCTION_TRAFFIC_SHIFT"] } }) },
            "`papyrus:deployment.pause.stages[0]` is `PRODUCTION_TRAFFIC_SHIFT`, where ECS runs Lambda hooks only and refuses a PAUSE hook; pause just before or after it (`PRE_PRODUCTION_TRAFFIC_SHIFT` or `POST_PRODUCTION_TRAFFIC_SHIFT`)",
        ],
        [
            "a pause stage written as a string, not a list",
            { httpOnly: "true", deployment: JSON.stringify({ strategy: "CANARY", pause: { stages: "POST_SCALE_UP" } }) },
            "`papyrus:deployment.pause.stages` must be a list of strings, got the string `POST_SCALE_UP`",
        ],
        [
            "a misspelt pause timeout",
            { httpOnly: "true", deployment: JSON.stringify({ strategy: "CANARY", pause: { stages: ["POST_SCALE_UP"], timeoutMinute: 30 } }) },
            "`papyrus:deployment.pause.timeoutMinute`: unknown key, did you mean `timeoutMinutes`?",
        ],
        [
            "an alarm threshold written as a word",
            { httpOnly: "true", deploymentAlarms: JSON.stringify({ unhealthyHosts: { threshold: "one" } }) },
            "`papyrus:deploymentAlarms.unhealthyHosts.threshold` must be a number, got the string `one`",
        ],
        [
            "an alarm the component does not make",
            { httpOnly: "true", deploymentAlarms: JSON.stringify({ latency: { threshold: 2 } }) },
            "`papyrus:deploymentAlarms.latency`: unknown key; the keys are `target5xx`, `unhealthyHosts`",
        ],
        [
            "an unquoted number in the environment",
            { httpOnly: "true", environment: JSON.stringify({ WORKERS: 4 }) },
            "`papyrus:environment.WORKERS` must be a string (quote it in YAML), got the number `4`",
        ],
        [
            "secrets as a list",
            { httpOnly: "true", secrets: JSON.stringify(["arn:aws:ssm:eu-west-1:123456789012:parameter/db"]) },
            '`papyrus:secrets` must be an object of variable names to strings, got a list (`["arn:aws:ssm:eu-west-1:123456789012:parameter/db"]`)',
        ],
        [
            "a health check path under the old key's rules",
            { httpOnly: "true", healthCheckPath: "health" },
            "`papyrus:healthCheckPath` must start with `/`, got `health`",
        ],
        ["a NAT strategy under its key", { httpOnly: "true", natGateways: "Two" }, "`papyrus:natGateways` must be `Single` or `OnePerAz`, got `Two`"],
        [
            "a repository key that is an alias",
            { httpOnly: "true", repositoryKmsKeyArn: "alias/ecr" },
            "`papyrus:repositoryKmsKeyArn` must be the ARN of a KMS key (`arn:aws:kms:<region>:<account>:key/<key id>`), got `alias/ecr`",
        ],
        [
            "untagged images kept for half a day",
            { httpOnly: "true", untaggedImageExpiryDays: "0.5" },
            "`papyrus:untaggedImageExpiryDays` must be a whole number of days, at least 1, got `0.5`",
        ],
        [
            "a tagged retention with a misspelt key",
            { httpOnly: "true", taggedImageRetention: JSON.stringify({ keepNewst: 10 }) },
            "`papyrus:taggedImageRetention.keepNewst`: unknown key, did you mean `keepNewest`?",
        ],
        [
            "a tagged retention with both keys",
            { httpOnly: "true", taggedImageRetention: JSON.stringify({ keepNewest: 10, olderThanDays: 90 }) },
            '`papyrus:taggedImageRetention` must have exactly one of `keepNewest` or `olderThanDays`, got `{"keepNewest":10,"olderThanDays":90}`',
        ],
        [
            "a tagged retention of no days",
            { httpOnly: "true", taggedImageRetention: JSON.stringify({ olderThanDays: 0 }) },
            "`papyrus:taggedImageRetention.olderThanDays` must be a whole number, at least 1, got `0`",
        ],
        [
            "the stack promoting from itself",
            { httpOnly: "true", promoteFrom: "dev" },
            "`papyrus:promoteFrom` must name another stack of this project (e.g. `dev`), got `dev`",
        ],
    ];
    for (const [title, values, message] of refusals) {
        it(`refuses ${title}`, () => {
            assert.throws(
                () => read(values),
                (err: Error) => {
                    assert.ok(err instanceof StackConfigError, String(err));
                    assert.strictEqual(err.message, `stack \`dev\` config: ${message}`);
                    assert.deepStrictEqual(err.problems, [message]);
                    return true;
                },
            );
        });
    }

    it("names the config key of every service argument: the argument's own name, but two renamed keys", () => {
        assert.deepStrictEqual(
            ["https.domain", "autoscaling.minCount", "secrets.API_TOKEN", "healthCheck.path", "vpc.natGateways"].map((argument) =>
                serviceConfigKey("papyrus", argument),
            ),
            ["papyrus:https.domain", "papyrus:autoscaling.minCount", "papyrus:secrets.API_TOKEN", "papyrus:healthCheckPath", "papyrus:natGateways"],
        );
    });

    it("keeps the driver's exports as they were", () => {
        assert.strictEqual(qualifiedKey("orders", "image"), "orders:image");
        assert.deepStrictEqual(readStackSettings(reader({ repositoryName: "papyrus-api", image: "x", imageTag: "v1" })), {
            repositoryName: "papyrus-api",
            image: "x",
            imageTag: "v1",
        });
    });

    it("loads no Pulumi or AWS SDK module: the driver imports it on every command", () => {
        const loaded = execFileSync(
            process.execPath,
            [
                "-r",
                "ts-node/register/transpile-only",
                "-e",
                "require('./components/stackConfig'); process.stdout.write(JSON.stringify(Object.keys(require.cache)))",
            ],
            { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") }, encoding: "utf8" },
        );
        const heavy = (JSON.parse(loaded) as string[]).filter((file) => /node_modules[\\/](@pulumi|@aws-sdk)[\\/]/.test(file));
        assert.deepStrictEqual(heavy, []);
    });
});
