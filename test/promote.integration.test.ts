// `papyrus-deploy promote` and the promotion gate against the real engine
// (fixture project, file:// backend) and moto, with dev and prod in two
// regions of one moto: dev in us-east-1, prod in eu-central-1, each with its
// own `papyrus-api` repository. moto stores a replication configuration but
// copies nothing (the first test records that), so pushing the same manifest
// into prod's repository stands in for replication: ECR replication copies the
// manifest unchanged, and moto computes the same digest from it.
//
// The tests run in order on one pair of stacks (every update costs seconds);
// each says what it leaves. Every refusal asserts its exit code and that
// nothing changed: both stacks' history and state, the stack files, git status.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutReplicationConfigurationCommand } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { deploy, history, HistoryResult } from "../automation/driver";
import { EvidenceRecord } from "../automation/evidence";
import { tempBackend, TempBackend } from "./support/backend";
import { assertNoProcessLeft, runCli, startCli, waitFor } from "./support/cliProcess";
import { fixtureProject, fixtureStack } from "./support/fixture";
import { imageManifest, pushImage, PushedImage } from "./support/images";
import { startMoto, MotoServer, TEST_ACCOUNT } from "./support/moto";

const REPO = "papyrus-api";
const DEV_REGION = "us-east-1";
const PROD_REGION = "eu-central-1";
const DEV_URL = `${TEST_ACCOUNT}.dkr.ecr.${DEV_REGION}.amazonaws.com/${REPO}`;
const PROD_URL = `${TEST_ACCOUNT}.dkr.ecr.${PROD_REGION}.amazonaws.com/${REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("promote dev → prod, and the promotion gate (real engine + moto, two regions)", function () {
    this.timeout(600_000);
    let moto: MotoServer;
    let devEcr: ECRClient;
    let prodEcr: ECRClient;
    let devEcs: ECSClient;
    let backend: TempBackend;
    let workDir: string;
    const dev: Record<string, PushedImage> = {};

    /** What ecr-push does (dev's registry), and what replication does (prod's): the same manifest. */
    const push = async (tag: string, where: "dev" | "prod" | "both") => {
        if (where !== "prod") dev[tag] = await pushImage(devEcr, REPO, tag);
        if (where !== "dev") {
            const pushed = await pushImage(prodEcr, REPO, tag, imageManifest(tag));
            if (where === "both") assert.strictEqual(pushed.digest, dev[tag].digest, "the same manifest has the same digest in both registries");
            else dev[tag] ??= pushed;
        }
    };
    const ctx = (stackName: string) => ({ stackName, workDir, envVars: backend.env, requestedBy: "alice" });
    const deployDev = (tag: string) => deploy({ ...ctx("dev"), ecr: devEcr, ecs: devEcs, tag, verify: false });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
    const cliEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...backend.env, ...moto.env, PAPYRUS_DEPLOYER: "ci-test" });
    const cli = (...args: string[]) => runCli([...args, "--cwd", workDir], cliEnv());
    const evidenceFile = (name: string) => path.join(backend.dir, "evidence", name);
    const readEvidence = (name: string): EvidenceRecord => JSON.parse(fs.readFileSync(evidenceFile(name), "utf8"));

    /** Everything a refused promote or deploy must leave as it was. */
    async function snapshot() {
        const rows = (h: HistoryResult) => h.deployments.map((d) => [d.version, d.kind, d.result, d.digest, d.running]);
        const [devHistory, prodHistory] = await Promise.all([history(ctx("dev")), history(ctx("prod"))]);
        return {
            dev: rows(devHistory),
            devRuns: devHistory.running?.digest,
            prod: rows(prodHistory),
            prodRuns: prodHistory.running?.digest,
            files: ["Pulumi.dev.yaml", "Pulumi.prod.yaml"].map((f) => fs.readFileSync(path.join(workDir, f), "utf8")),
            git: git("status", "--porcelain", "--untracked-files=all"),
        };
    }

    before(async () => {
        moto = await startMoto();
        devEcr = new ECRClient({ region: DEV_REGION, endpoint: moto.endpoint, credentials });
        prodEcr = new ECRClient({ region: PROD_REGION, endpoint: moto.endpoint, credentials });
        devEcs = new ECSClient({ region: DEV_REGION, endpoint: moto.endpoint, credentials });
        for (const ecr of [devEcr, prodEcr]) {
            await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        }
        await push("v1.0.0", "dev");
        await push("v2.0.0", "dev");

        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        const devStack = await fixtureStack(backend, "dev", {}, workDir);
        const prodStack = await fixtureStack(backend, "prod", {}, workDir);
        const qaStack = await fixtureStack(backend, "qa", {}, workDir);
        // dev's ECS service runs v2, as it will after the second deploy: promote checks that.
        await devEcs.send(new CreateClusterCommand({ clusterName: "papyrus" }));
        const taskDefinition = await devEcs.send(
            new RegisterTaskDefinitionCommand({
                family: "papyrus-dev",
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: "256",
                memory: "512",
                containerDefinitions: [{ name: "app", image: `${DEV_URL}@${dev["v2.0.0"].digest}`, essential: true }],
            }),
        );
        await devEcs.send(
            new CreateServiceCommand({
                cluster: "papyrus",
                serviceName: "api",
                taskDefinition: taskDefinition.taskDefinition?.taskDefinitionArn,
                desiredCount: 1,
            }),
        );
        await devStack.setAllConfig({
            "aws:region": { value: DEV_REGION },
            "papyrus:repositoryName": { value: REPO },
            "papyrus:fixtureClusterName": { value: "papyrus" },
            "papyrus:fixtureServiceName": { value: "api" },
        });
        await prodStack.setAllConfig({
            "aws:region": { value: PROD_REGION },
            "papyrus:repositoryName": { value: REPO },
            "papyrus:promoteFrom": { value: "dev" },
        });
        await qaStack.setAllConfig({ "aws:region": { value: DEV_REGION }, "papyrus:repositoryName": { value: REPO } });
        // The checkout is a git work tree, so `git status` shows exactly what a run left in it.
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "checkout");

        await deployDev("v1.0.0");
        await deployDev("v2.0.0");
    });
    after(async () => {
        try {
            if (backend) await assertNoProcessLeft(backend.dir);
        } finally {
            backend?.cleanup();
            [devEcr, prodEcr, devEcs].forEach((c) => c?.destroy());
            await moto?.stop();
        }
    });

    it("records that moto stores a replication configuration but copies nothing (so the tests push to prod themselves)", async () => {
        await devEcr.send(
            new PutReplicationConfigurationCommand({
                replicationConfiguration: {
                    rules: [
                        {
                            destinations: [{ region: PROD_REGION, registryId: TEST_ACCOUNT }],
                            repositoryFilters: [{ filter: REPO, filterType: "PREFIX_MATCH" }],
                        },
                    ],
                },
            }),
        );
        const probe = await pushImage(devEcr, REPO, "replication-probe");
        await assert.rejects(prodEcr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: probe.digest }] })), {
            name: "ImageNotFoundException",
        });
    });

    it("refuses, changing nothing: the same stack twice (2), a source with no deployment (7), missing stacks (2), an unknown --version (7), a digest that never reached prod (3)", async () => {
        const before = await snapshot();
        const started = Date.now();
        const [same, sameSpelt, none, noTarget, noSource, version, notReplicated] = await Promise.all([
            cli("promote", "--from", "dev", "--to", "dev", "--json"),
            cli("promote", "--from", "dev", "--to", "organization/papyrus/dev"),
            cli("promote", "--from", "qa", "--to", "prod"),
            cli("promote", "--from", "dev", "--to", "staging"),
            cli("promote", "--from", "nope", "--to", "prod"),
            cli("promote", "--from", "dev", "--to", "prod", "--version", "9"),
            cli("promote", "--from", "dev", "--to", "prod", "--wait", "4s"),
        ]);
        const elapsed = Date.now() - started;
        const cases: [typeof same, number, RegExp][] = [
            [
                same,
                2,
                /^error: `--to` names the same stack as the source \(`organization\/papyrus\/dev`\); promote takes the digest one stack runs to another stack, got `dev`$/m,
            ],
            [sameSpelt, 2, /`--to` names the same stack as the source \(`organization\/papyrus\/dev`\).*got `organization\/papyrus\/dev`/],
            [
                none,
                7,
                /^error: stack `qa` has nothing to promote: its state runs no service \(nothing was deployed to it yet\); nothing was changed\. See `papyrus-deploy history --stack qa`$/m,
            ],
            [noTarget, 2, /^error: stack `staging` does not exist in file:\/\//m],
            [noSource, 2, /^error: stack `nope` does not exist in file:\/\//m],
            [version, 7, /^error: stack `dev` has nothing to promote: no update 9 in its history; nothing was changed/m],
            [
                notReplicated,
                3,
                new RegExp(
                    `^error: ${dev["v2.0.0"].digest} from stack \`dev\` is not in \`papyrus-api\` of stack \`prod\` \\(eu-central-1\\) after waiting 4s; nothing was changed\\. ` +
                        "Replication from dev's registry \\(`papyrus:replicateTo` in its stack config\\) has not delivered it",
                    "m",
                ),
            ],
        ];
        for (const [result, code, message] of cases) {
            assert.strictEqual(result.code, code, result.stderr);
            assert.match(result.stderr, message);
        }
        assert.deepStrictEqual(JSON.parse(same.stdout).error.code, 2);
        // The wait is bounded and says what it waits for (a line at most every 15 s: one in 4 s).
        assert.strictEqual(notReplicated.stderr.split("\n").filter((l) => l.startsWith("waiting for ")).length, 1, notReplicated.stderr);
        assert.match(
            notReplicated.stderr,
            new RegExp(`^waiting for ${dev["v2.0.0"].digest} from \`dev\` to reach \`papyrus-api\` of \`prod\` \\(eu-central-1\\): 0s of 4s$`, "m"),
        );
        assert.ok(elapsed < 60_000, `the refusals took ${elapsed} ms`);
        assert.deepStrictEqual(await snapshot(), before);
    });

    it("promotes the digest dev runs (checked against dev's ECS) to prod by digest; evidence and history name dev's update", async () => {
        await push("v2.0.0", "prod"); // replication, by hand
        const configBefore = fs.readFileSync(path.join(workDir, "Pulumi.prod.yaml"), "utf8");
        const { code, stdout, stderr } = await cli("promote", "--from", "dev", "--to", "prod", "--evidence", evidenceFile("promote.json"), "--json");
        assert.strictEqual(code, 0, stderr);
        const evidence = readEvidence("promote.json");
        assert.deepStrictEqual(JSON.parse(stdout), evidence);
        const digest = dev["v2.0.0"].digest;
        assert.deepStrictEqual(
            [evidence.kind, evidence.stack, evidence.imageDigest, evidence.image, evidence.imageTag, evidence.result, evidence.applied, evidence.requestedBy],
            ["promote", "prod", digest, `${PROD_URL}@${digest}`, "v2.0.0", "succeeded", true, "ci-test"],
        );
        assert.deepStrictEqual(evidence.promotedFrom, {
            stack: "dev",
            version: 2,
            digest,
            tag: "v2.0.0",
            image: `${DEV_URL}@${digest}`,
            sourceVerify: { inSync: true, running: [`${DEV_URL}@${digest}`] },
        });

        const prod = await history(ctx("prod"));
        assert.strictEqual(prod.running?.digest, digest, "prod's state runs the digest dev ran");
        assert.deepStrictEqual(
            prod.deployments.map((d) => [d.version, d.kind, d.result, d.digest, d.tag, d.requestedBy, d.promotedFrom]),
            [[1, "promote", "succeeded", digest, "v2.0.0", "ci-test", { stack: "dev", version: 2, digest, tag: "v2.0.0" }]],
        );
        const table = (await cli("history", "--stack", "prod")).stdout.split("\n");
        assert.match(table[1], /^1\s+\S+\s+\S+\s+succeeded\s+promote \(dev #2\)\s+v2\.0\.0\s+sha256:\S+\s+ci-test\s+\*$/);
        assert.strictEqual(fs.readFileSync(path.join(workDir, "Pulumi.prod.yaml"), "utf8"), configBefore);
        assert.strictEqual(git("status", "--porcelain", "--untracked-files=all"), "");
    });

    it("refuses a drifted source (6) and takes a named update with --version, without the ECS check", async () => {
        await push("v3.0.0", "both");
        await deployDev("v3.0.0"); // dev's state runs v3; its ECS service still runs v2: drift
        const before = await snapshot();
        const drifted = await cli("promote", "--from", "dev", "--to", "prod");
        assert.strictEqual(drifted.code, 6, drifted.stderr);
        assert.match(
            drifted.stderr,
            new RegExp(
                `^error: stack \`dev\` recorded \`${escape(`${DEV_URL}@${dev["v3.0.0"].digest}`)}\` but ECS runs \`${escape(`${DEV_URL}@${dev["v2.0.0"].digest}`)}\`, ` +
                    "so it is not known to run as recorded; nothing was changed\\. .*promote a named deployment with `--version N`",
                "m",
            ),
        );
        assert.deepStrictEqual(await snapshot(), before);

        await push("v1.0.0", "prod");
        const named = await cli("promote", "--from", "dev", "--to", "prod", "--version", "1", "--evidence", evidenceFile("v1.json"));
        assert.strictEqual(named.code, 0, named.stderr);
        assert.match(named.stdout, new RegExp(`^from: dev update 1 \\(v1\\.0\\.0\\), ${dev["v1.0.0"].digest}$`, "m"));
        assert.deepStrictEqual(readEvidence("v1.json").promotedFrom, {
            stack: "dev",
            version: 1,
            digest: dev["v1.0.0"].digest,
            tag: "v1.0.0",
            image: `${DEV_URL}@${dev["v1.0.0"].digest}`,
            protected: true,
        });
        assert.strictEqual((await history(ctx("prod"))).running?.digest, dev["v1.0.0"].digest);
    });

    it("gate: prod refuses a tag that never succeeded on dev (2, with the promote command); after dev ran it and it was promoted, the tag is accepted; rollback stays allowed", async () => {
        await push("v9.0.0", "prod"); // in prod's registry, never run on dev
        const before = await snapshot();
        const refused = await cli("deploy", "--stack", "prod", "--tag", "v9.0.0", "--json");
        assert.strictEqual(refused.code, 2, refused.stderr);
        assert.strictEqual(
            JSON.parse(refused.stdout).error.message,
            `stack \`prod\` takes only digests that succeeded on \`dev\` (\`papyrus:promoteFrom\` in its stack config), and \`v9.0.0\` (${dev["v9.0.0"].digest}) never did; ` +
                "nothing was changed. Deploy the tag to dev first, then run `papyrus-deploy promote --from dev --to prod`",
        );
        assert.deepStrictEqual(await snapshot(), before);

        await pushImage(devEcr, REPO, "v9.0.0"); // the same build in dev's registry
        await deployDev("v9.0.0");
        const promoted = await cli("promote", "--from", "dev", "--to", "prod", "--version", "4");
        assert.strictEqual(promoted.code, 0, promoted.stderr);
        const accepted = await cli("deploy", "--stack", "prod", "--tag", "v9.0.0");
        assert.strictEqual(accepted.code, 0, accepted.stderr);

        const back = await cli("rollback", "--stack", "prod", "--to-version", "1", "--json");
        assert.strictEqual(back.code, 0, back.stderr);
        assert.strictEqual(JSON.parse(back.stdout).imageDigest, dev["v2.0.0"].digest);
        assert.deepStrictEqual(
            (await history(ctx("prod"))).deployments.map((d) => [d.version, d.kind, d.digest]),
            [
                [5, "rollback", dev["v2.0.0"].digest],
                [4, "deploy", dev["v9.0.0"].digest],
                [3, "promote", dev["v9.0.0"].digest],
                [2, "promote", dev["v1.0.0"].digest],
                [1, "promote", dev["v2.0.0"].digest],
            ],
        );
        assert.strictEqual(git("status", "--porcelain", "--untracked-files=all"), "");
    });

    it("waits for replication that arrives late, saying what it waits for, then deploys", async () => {
        await push("v4.0.0", "dev");
        await deployDev("v4.0.0");
        const started = Date.now();
        const run = startCli(["promote", "--from", "dev", "--to", "prod", "--version", "5", "--wait", "2m", "--cwd", workDir], cliEnv());
        await waitFor("the first progress line", () => /^waiting for sha256:/m.test(run.stderr()), 120_000, run);
        await pushImage(prodEcr, REPO, "v4.0.0", imageManifest("v4.0.0")); // replication arrives
        const { code, stderr } = await run.exited;
        assert.strictEqual(code, 0, stderr);
        assert.ok(Date.now() - started < 120_000);
        assert.strictEqual((await history(ctx("prod"))).running?.digest, dev["v4.0.0"].digest);
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
