// The policy pack as the engine runs it: started the way `pulumi --policy-pack policy`
// starts it and asked over its gRPC interface what it enforces. The rules themselves
// are tested one by one in policyRules.test.ts.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { POLICY_NAMES, RESOURCE_TYPES } from "../policy/rules";
import { AUD_OK, FORM, PINNED, SUB, containers, githubTrust } from "./support/policyInputs";

const POLICY_DIR = path.resolve(__dirname, "..", "policy");
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
            env: { ...process.env, TS_NODE_PROJECT: path.resolve(__dirname, "..", "tsconfig.json") },
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

    it("registers exactly the three policies, all mandatory", async () => {
        const info = await unary<Empty, analyzerProto.AnalyzerInfo>(client, "getAnalyzerInfo", new Empty());
        assert.strictEqual(info.getName(), "papyrus-digest-pinning");
        assert.strictEqual(info.getVersion(), "0.1.0");
        const policies = info.getPoliciesList().map((p) => ({ name: p.getName(), level: p.getEnforcementlevel() }));
        const mandatory = analyzerProto.EnforcementLevel.MANDATORY;
        assert.deepStrictEqual(policies, [
            { name: POLICY_NAMES.taskDefinitionImagesPinned, level: mandatory },
            { name: POLICY_NAMES.repositoryTagsImmutable, level: mandatory },
            { name: POLICY_NAMES.githubOidcTrustScoped, level: mandatory },
        ]);
    });

    it("blocks a tagged task definition image with the validator's message", async () => {
        const diagnostics = await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions: containers("nginx:latest") });
        assert.deepStrictEqual(diagnostics, [{
            policyName: POLICY_NAMES.taskDefinitionImagesPinned,
            // @pulumi/policy puts the policy's description before each violation.
            message: "Every ECS task definition container image is `<registry>/<repository>@sha256:<64 hex>`: no tags, never `latest`.\n"
                + `container \`app\`: \`containerDefinitions[0].image\` must be pinned by digest (${FORM}), got \`nginx:latest\`: \`latest\` is a moving tag and is never deployed; deploy a release tag by its digest`,
            enforcementLevel: analyzerProto.EnforcementLevel.MANDATORY,
        }]);
        assert.deepStrictEqual(await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions: containers(PINNED) }), []);
    });

    it("blocks a mutable repository and a wildcard GitHub role; ignores other types", async () => {
        const repo = await analyze(RESOURCE_TYPES.repository, { imageTagMutability: "MUTABLE" });
        assert.deepStrictEqual(repo.map((d) => [d.policyName, d.enforcementLevel]), [[POLICY_NAMES.repositoryTagsImmutable, analyzerProto.EnforcementLevel.MANDATORY]]);
        const role = await analyze(RESOURCE_TYPES.role, { assumeRolePolicy: githubTrust({ StringEquals: AUD_OK, StringLike: { [SUB]: "repo:acme/*" } }) });
        assert.deepStrictEqual(role.map((d) => d.policyName), [POLICY_NAMES.githubOidcTrustScoped]);
        // A bucket named like a task definition is not one.
        assert.deepStrictEqual(await analyze("aws:s3/bucket:Bucket", { containerDefinitions: containers("nginx:latest"), imageTagMutability: "MUTABLE" }), []);
    });

    it("turns containerDefinitions unknown during preview into an advisory note, not a pass or a block", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's marker for a value not known yet
        const diagnostics = await analyze(RESOURCE_TYPES.taskDefinition, { family: "papyrus", containerDefinitions: unknown });
        assert.strictEqual(diagnostics.length, 1);
        assert.strictEqual(diagnostics[0].enforcementLevel, analyzerProto.EnforcementLevel.ADVISORY);
        assert.match(diagnostics[0].message, /can't run policy 'ecs-task-definition-images-pinned-by-digest' .* during preview/);
    });
});
