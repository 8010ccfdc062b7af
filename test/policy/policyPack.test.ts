// The policy pack as the engine runs it: started the way `pulumi --policy-pack policy`
// starts it and asked over its gRPC interface what it enforces. The rules themselves
// are tested one by one in policy/policyRules.test.ts.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { POLICY_NAMES, RESOURCE_TYPES } from "../../policy/rules";
import { AUD_OK, FORM, PINNED, SUB, containers, githubTrust } from "../../testkit/policyInputs";

const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");
const AnalyzerClient = grpc.makeGenericClientConstructor(analyzerRpc.AnalyzerService as any, "Analyzer") as any;

function unary<Req, Res>(client: any, method: string, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => client[method](request, (err: Error | null, res: Res) => (err ? reject(err) : resolve(res))));
}

describe("policy pack `papyrus-digest-pinning` (served over gRPC, as `pulumi --policy-pack policy` starts it)", function () {
    this.timeout(60_000);
    let child: ChildProcess | undefined;
    let client: any;
    let stderr = "";

    before(async () => {
        // The engine runs the pack from its own directory (PolicyPack reads ./package.json for its
        // version); ts-node compiles index.ts and the shared validator it imports.
        child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
            cwd: POLICY_DIR,
            env: { ...process.env, TS_NODE_PROJECT: path.resolve(__dirname, "..", "..", "tsconfig.json") },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stderr!.on("data", (chunk) => (stderr += chunk));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child!.stdout!.on("data", (chunk) => {
                out += chunk;
                const line = out.split("\n")[0];
                if (out.includes("\n") && /^\d+$/.test(line.trim())) {
                    resolve(Number(line.trim()));
                }
            });
            child!.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving: ${stderr}`)));
        });
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    async function analyze(type: string, properties: Record<string, unknown>): Promise<{ policyName: string; message: string; enforcementLevel: number }[]> {
        const request = new analyzerProto.AnalyzeRequest()
            .setType(type)
            .setName("subject")
            .setUrn(`urn:pulumi:dev::papyrus::${type}::subject`)
            .setProperties(Struct.fromJavaScript(properties as any))
            .setOptions(new analyzerProto.AnalyzerResourceOptions());
        const response = await unary<analyzerProto.AnalyzeRequest, analyzerProto.AnalyzeResponse>(client, "analyze", request);
        return response.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            message: d.getMessage(),
            enforcementLevel: d.getEnforcementlevel(),
        }));
    }

    it("registers exactly the six policies, all mandatory", async () => {
        const info = await unary<Empty, analyzerProto.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
        assert.strictEqual(info.getName(), "papyrus-digest-pinning");
        assert.strictEqual(info.getVersion(), "0.1.0");
        const policies = info.getPoliciesList().map((p) => ({ name: p.getName(), level: p.getEnforcementlevel() }));
        const mandatory = analyzerProto.EnforcementLevel.MANDATORY;
        assert.deepStrictEqual(policies, [
            { name: POLICY_NAMES.taskDefinitionImagesPinned, level: mandatory },
            { name: POLICY_NAMES.repositoryTagsImmutable, level: mandatory },
            { name: POLICY_NAMES.githubOidcTrustScoped, level: mandatory },
            { name: POLICY_NAMES.taskDefinitionNoPlainSecrets, level: mandatory },
            { name: POLICY_NAMES.serviceRollsBack, level: mandatory },
            { name: POLICY_NAMES.servicePauseRollsBack, level: mandatory },
        ]);
    });

    it("blocks an ECS service that would keep a failing deployment, and passes one with alarms that roll back", async () => {
        assert.deepStrictEqual(await analyze(RESOURCE_TYPES.service, { name: "papyrus", deploymentCircuitBreaker: { enable: true, rollback: false } }), [
            {
                policyName: POLICY_NAMES.serviceRollsBack,
                message:
                    "Every ECS service rolls a failing deployment back by itself: the deployment circuit breaker with rollback, or deployment alarms with rollback.\n" +
                    "ECS must roll a failing deployment back: set `deploymentCircuitBreaker` to `{ enable: true, rollback: true }` (rolling deployments) " +
                    'or `alarms` to `{ enable: true, rollback: true, alarmNames: [<alarm>, …] }`, got `deploymentCircuitBreaker` `{"enable":true,"rollback":false}` and `alarms` unset',
                enforcementLevel: analyzerProto.EnforcementLevel.MANDATORY,
            },
        ]);
        assert.deepStrictEqual(
            await analyze(RESOURCE_TYPES.service, { name: "papyrus", alarms: { enable: true, rollback: true, alarmNames: ["papyrus-target-5xx"] } }),
            [],
        );
    });

    it("blocks an ECS service whose PAUSE hook continues when nobody answers it, and passes one that rolls back", async () => {
        const service = (action: string) => ({
            name: "papyrus",
            alarms: { enable: true, rollback: true, alarmNames: ["papyrus-target-5xx"] },
            deploymentConfiguration: {
                strategy: "CANARY",
                lifecycleHooks: [
                    { targetType: "PAUSE", lifecycleStages: ["PRE_PRODUCTION_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: "60", action } },
                ],
            },
        });
        assert.deepStrictEqual(await analyze(RESOURCE_TYPES.service, service("CONTINUE")), [
            {
                policyName: POLICY_NAMES.servicePauseRollsBack,
                message:
                    "Every ECS PAUSE lifecycle hook rolls the deployment back when nobody answers it in time (`timeoutConfiguration.action` `ROLLBACK`, ECS's default), never `CONTINUE`.\n" +
                    "`deploymentConfiguration.lifecycleHooks[0]` is a PAUSE hook (at `PRE_PRODUCTION_TRAFFIC_SHIFT`) whose `timeoutConfiguration.action` is `CONTINUE`: " +
                    "when nobody answers it, a release nobody checked would go on to all traffic; set it to `ROLLBACK` (DigestPinnedService: `deployment.pause.onTimeout: ROLLBACK`, the default)",
                enforcementLevel: analyzerProto.EnforcementLevel.MANDATORY,
            },
        ]);
        assert.deepStrictEqual(await analyze(RESOURCE_TYPES.service, service("ROLLBACK")), []);
    });

    it("blocks a tagged task definition image with the validator's message", async () => {
        const diagnostics = await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions: containers("nginx:latest") });
        assert.deepStrictEqual(diagnostics, [
            {
                policyName: POLICY_NAMES.taskDefinitionImagesPinned,
                // @pulumi/policy puts the policy's description before each violation.
                message:
                    "Every ECS task definition container image is `<registry>/<repository>@sha256:<64 hex>`: no tags, never `latest`.\n" +
                    `container \`app\`: \`containerDefinitions[0].image\` must be pinned by digest (${FORM}), got \`nginx:latest\`: \`latest\` is a moving tag and is never deployed; deploy a release tag by its digest`,
                enforcementLevel: analyzerProto.EnforcementLevel.MANDATORY,
            },
        ]);
        assert.deepStrictEqual(await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions: containers(PINNED) }), []);
    });

    it("blocks a task definition with a secret in its plain environment, with the rule's message", async () => {
        const containerDefinitions = JSON.stringify([{ name: "app", image: PINNED, environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }]);
        assert.deepStrictEqual(await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions }), [
            {
                policyName: POLICY_NAMES.taskDefinitionNoPlainSecrets,
                message:
                    "No ECS container's plain `environment` holds a secret (a name with PASSWORD, TOKEN, SECRET, KEY…, or a URL with a password): " +
                    "secrets go in `secrets`, `valueFrom` SSM Parameter Store or Secrets Manager.\n" +
                    "container `app`: `containerDefinitions[0].environment` variable `DB_PASSWORD` looks like a secret (its name has `PASSWORD`); " +
                    "pass it in `secrets` (`valueFrom` an SSM parameter or a Secrets Manager secret), never as plain text",
                enforcementLevel: analyzerProto.EnforcementLevel.MANDATORY,
            },
        ]);
    });

    it("blocks a mutable repository and a wildcard GitHub role; ignores other types", async () => {
        const repo = await analyze(RESOURCE_TYPES.repository, { imageTagMutability: "MUTABLE" });
        assert.deepStrictEqual(
            repo.map((d) => [d.policyName, d.enforcementLevel]),
            [[POLICY_NAMES.repositoryTagsImmutable, analyzerProto.EnforcementLevel.MANDATORY]],
        );
        const role = await analyze(RESOURCE_TYPES.role, { assumeRolePolicy: githubTrust({ StringEquals: AUD_OK, StringLike: { [SUB]: "repo:acme/*" } }) });
        assert.deepStrictEqual(
            role.map((d) => d.policyName),
            [POLICY_NAMES.githubOidcTrustScoped],
        );
        // A bucket named like a task definition is not one.
        assert.deepStrictEqual(await analyze("aws:s3/bucket:Bucket", { containerDefinitions: containers("nginx:latest"), imageTagMutability: "MUTABLE" }), []);
    });

    it("turns containerDefinitions unknown during preview into an advisory note from each task definition policy, not a pass or a block", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's marker for a value not known yet
        const diagnostics = await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions: unknown });
        assert.strictEqual(diagnostics.length, 2);
        for (const [diagnostic, policy] of diagnostics.map(
            (d, i) => [d, [POLICY_NAMES.taskDefinitionImagesPinned, POLICY_NAMES.taskDefinitionNoPlainSecrets][i]] as const,
        )) {
            assert.strictEqual(diagnostic.enforcementLevel, analyzerProto.EnforcementLevel.ADVISORY);
            assert.match(diagnostic.message, new RegExp(`can't run policy '${policy}' .* during preview`));
        }
    });
});
