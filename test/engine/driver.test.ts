// The deploy driver against the real Pulumi engine (fixture project, file://
// backend) and moto's ECR and ECS on loopback.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BatchDeleteImageCommand, CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { up } from "../../automation/commands/up";
import { rollback } from "../../automation/commands/rollback";
import { verify } from "../../automation/commands/verify";
import {
    DriftError,
    ImageNotFoundError,
    ImageArchivedError,
    InvalidInputError,
    RollbackTargetGoneError,
    StackBusyError,
    NoRollbackTargetError,
} from "../../automation/record/errors";
import { EvidenceRecord } from "../../automation/record/evidence";
import { startArchivingProxy } from "../../testkit/archivingProxy";
import { startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { startMotoProxy } from "../../testkit/motoProxy";
import { assertNoProcessLeft, runCli as runCliProcess, startCli, waitFor } from "../../testkit/cliProcess";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { pushImage, imageIndex, OCI_INDEX, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";
const REPO_URL = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("deploy driver (real engine + moto)", function () {
    this.timeout(240_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let ecs: ECSClient;
    let backend: TempBackend;
    let workDir: string;
    let v1: PushedImage;
    let v2: PushedImage;

    before(async () => {
        moto = await sharedMoto();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
        ecs = new ECSClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
    });
    after(async () => {
        ecr?.destroy();
        ecs?.destroy();
        await moto?.release();
    });

    beforeEach(async () => {
        await moto.reset();
        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        v1 = await pushImage(ecr, REPO, "v1.0.0");
        v2 = await pushImage(ecr, REPO, "v2.0.0");
    });
    afterEach(async () => {
        try {
            await assertNoProcessLeft(backend.dir); // the SIGKILL test once left a language host behind
        } finally {
            backend.cleanup();
        }
    });

    const ctx = (extra: Record<string, unknown> = {}) => ({
        stackName: "dev",
        workDir,
        envVars: backend.env,
        ecr,
        ecs,
        requestedBy: "alice",
        ...extra,
    });
    const evidenceOf = (name: string): EvidenceRecord => JSON.parse(fs.readFileSync(path.join(backend.dir, name), "utf8"));
    const stackConfigFile = () => fs.readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8");

    it("deploys v1, deploys v2, rolls back, and history and evidence say which digest ran", async () => {
        const configBefore = stackConfigFile();
        const first = await deploy({ ...ctx(), tag: "v1.0.0", evidenceFile: path.join(backend.dir, "e1.json") });
        assert.strictEqual(first.image, `${REPO_URL}@${v1.digest}`);
        const second = await deploy({ ...ctx({ requestedBy: "bob" }), tag: "v2.0.0", evidenceFile: path.join(backend.dir, "e2.json") });
        assert.strictEqual(second.previousImage, first.image);
        const back = await rollback({ ...ctx({ requestedBy: "carol" }), evidenceFile: path.join(backend.dir, "e3.json") });
        assert.strictEqual(back.image, first.image);

        const { deployments } = await history(ctx());
        assert.deepStrictEqual(
            deployments.map((d) => [d.version, d.kind, d.result, d.tag, d.digest, d.requestedBy]),
            [
                [3, "rollback", "succeeded", "v1.0.0", v1.digest, "carol"],
                [2, "deploy", "succeeded", "v2.0.0", v2.digest, "bob"],
                [1, "deploy", "succeeded", "v1.0.0", v1.digest, "alice"],
            ],
        );

        const e1 = evidenceOf("e1.json");
        const e2 = evidenceOf("e2.json");
        const e3 = evidenceOf("e3.json");
        assert.deepStrictEqual(
            [e1.kind, e1.imageTag, e1.imageDigest, e1.updateVersion, e1.result, e1.previousDigest],
            ["deploy", "v1.0.0", v1.digest, 1, "succeeded", undefined],
        );
        assert.deepStrictEqual([e2.imageDigest, e2.previousDigest, e2.updateVersion, e2.requestedBy], [v2.digest, v1.digest, 2, "bob"]);
        assert.deepStrictEqual([e3.kind, e3.imageDigest, e3.previousDigest, e3.updateVersion], ["rollback", v1.digest, v2.digest, 3]);
        assert.deepStrictEqual(e3.rollbackOf, { version: 1, digest: v2.digest });
        assert.strictEqual(e1.repository, REPO);
        assert.strictEqual(e1.mediaType, "application/vnd.oci.image.manifest.v1+json");
        assert.ok(Date.parse(e1.startedAt) <= Date.parse(e1.finishedAt));
        // kills: driver keys written to the checkout (the next plain `pulumi up` would deploy them)
        assert.strictEqual(stackConfigFile(), configBefore, "the checkout's Pulumi.dev.yaml is as it was: each update got its config as a file of its own");
    });

    it("rolls back to an explicit version, tag or digest from history", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        const v3 = await pushImage(ecr, REPO, "v3.0.0");
        await deploy({ ...ctx(), tag: "v3.0.0" });

        assert.strictEqual((await rollback({ ...ctx(), target: { toVersion: 1 } })).resolved.digest, v1.digest);
        assert.strictEqual((await rollback({ ...ctx(), target: { toTag: "v3.0.0" } })).resolved.digest, v3.digest);
        assert.strictEqual((await rollback({ ...ctx(), target: { toDigest: v2.digest } })).resolved.digest, v2.digest);
        await assert.rejects(
            rollback({ ...ctx(), target: { toVersion: 42 } }),
            (err: unknown) => err instanceof NoRollbackTargetError && /no update 42 in history/.test(err.message),
        );
        assert.strictEqual((await history(ctx())).deployments.length, 6);
    });

    it("takes the previous digest from history and `up` keeps the running digest, whatever a stale checkout's config says", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        // A second checkout that still holds v1 as `papyrus:image` (written by an older driver, or by hand) when v2 runs.
        const stale = fixtureProject(backend.dir);
        const afterV1 = `${stackConfigFile().trimEnd()}\n  papyrus:image: ${REPO_URL}@${v1.digest}\n  papyrus:imageTag: v1.0.0\n`;
        fs.writeFileSync(path.join(stale, "Pulumi.dev.yaml"), afterV1);
        await deploy({ ...ctx(), tag: "v2.0.0" });

        const kept = await up({ ...ctx({ workDir: stale, requestedBy: "ops" }), evidenceFile: path.join(backend.dir, "up.json") });
        assert.strictEqual(kept.image, `${REPO_URL}@${v2.digest}`, "the running digest, not the checkout's v1");
        const record = evidenceOf("up.json");
        assert.deepStrictEqual(
            [record.kind, record.imageDigest, record.imageTag, record.previousDigest, record.updateVersion],
            ["up", v2.digest, "v2.0.0", v2.digest, 3],
        );

        // Stale again (v1 in the file while v2 runs): the evidence still names v2 as the previous digest.
        fs.writeFileSync(path.join(stale, "Pulumi.dev.yaml"), afterV1);
        const v3 = await pushImage(ecr, REPO, "v3.0.0");
        const next = await deploy({ ...ctx({ workDir: stale }), tag: "v3.0.0", evidenceFile: path.join(backend.dir, "v3.json") });
        assert.strictEqual(next.resolved.digest, v3.digest);
        assert.strictEqual(evidenceOf("v3.json").previousDigest, v2.digest);
        assert.deepStrictEqual(
            (await history(ctx())).deployments.map((d) => d.kind),
            ["deploy", "up", "deploy", "deploy"],
        );
        assert.strictEqual(fs.readFileSync(path.join(stale, "Pulumi.dev.yaml"), "utf8"), afterV1, "the driver never writes a checkout's config");
    });

    it("accepts an image index (multi-arch) digest and reports it as such", async () => {
        const multi = await pushImage(ecr, REPO, "v4.0.0", imageIndex("v4"), OCI_INDEX);
        const result = await deploy({ ...ctx(), tag: "v4.0.0" });
        assert.strictEqual(result.resolved.digest, multi.digest);
        assert.strictEqual(result.resolved.isIndex, true);
        assert.strictEqual(result.evidence?.mediaType, OCI_INDEX);
    });

    it("refuses `latest`, an empty tag, a tag outside the pattern and a missing tag, before anything runs", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const configBefore = stackConfigFile();
        await assert.rejects(
            deploy({ ...ctx(), tag: "latest" }),
            (err: unknown) => err instanceof InvalidInputError && err.exitCode === 2 && /`tag` must not be `latest`.*got `latest`/s.test(err.message),
        );
        await assert.rejects(deploy({ ...ctx(), tag: "" }), (err: unknown) => err instanceof InvalidInputError && /empty/.test(err.message));
        await assert.rejects(
            deploy({ ...ctx(), tag: "release-candidate" }),
            (err: unknown) => err instanceof InvalidInputError && /got `release-candidate`/.test(err.message),
        );
        await assert.rejects(
            deploy({ ...ctx(), tag: "v9.9.9" }),
            (err: unknown) =>
                err instanceof ImageNotFoundError && err.exitCode === 3 && /`tag` names no image in `papyrus-api`, got `v9\.9\.9`/.test(err.message),
        );
        assert.strictEqual((await history(ctx())).deployments.length, 1, "no update was recorded");
        assert.strictEqual(stackConfigFile(), configBefore, "the stack config is unchanged");
    });

    it("refuses an archived image and a deleted rollback target with no update recorded", async () => {
        const proxy = await startArchivingProxy(moto.endpoint);
        const proxied = new ECRClient({ region: TEST_REGION, endpoint: proxy.endpoint, credentials });
        try {
            await deploy({ ...ctx(), tag: "v1.0.0" });
            await deploy({ ...ctx(), tag: "v2.0.0" });
            const v3 = await pushImage(ecr, REPO, "v3.0.0");
            proxy.archived.add(v3.digest);
            await assert.rejects(
                deploy({ ...ctx({ ecr: proxied }), tag: "v3.0.0" }),
                (err: unknown) => err instanceof ImageArchivedError && err.exitCode === 3 && /is ARCHIVED and cannot be pulled/.test(err.message),
            );

            await ecr.send(new BatchDeleteImageCommand({ repositoryName: REPO, imageIds: [{ imageDigest: v1.digest }] }));
            await assert.rejects(
                rollback(ctx()),
                (err: unknown) =>
                    err instanceof RollbackTargetGoneError &&
                    err.exitCode === 3 &&
                    err.message.includes(`rollback target (update 1, ${v1.digest}) no longer exists`),
            );
            assert.strictEqual((await history(ctx())).deployments.length, 2);
        } finally {
            proxied.destroy();
            await proxy.close();
        }
    });

    it("lets one of two concurrent deploys win; the other is told the stack is busy and changes nothing", async () => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "4000" });
        const results = await Promise.allSettled([
            deploy({ ...ctx({ requestedBy: "alice" }), tag: "v1.0.0" }),
            deploy({ ...ctx({ requestedBy: "bob" }), tag: "v2.0.0" }),
        ]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.strictEqual(won.length, 1);
        assert.strictEqual(lost.length, 1);
        assert.ok(lost[0].reason instanceof StackBusyError, String(lost[0].reason));
        assert.match(
            lost[0].reason.message,
            /stack `organization\/papyrus\/dev` is being deployed by (alice|bob) \(pid \d+.*\); driver lock `.*\/driver-locks\/organization\+papyrus\+dev\.json`, \d+s old; nothing was changed, try again/,
        );
        const { deployments } = await history(ctx());
        assert.strictEqual(deployments.length, 1);
        assert.strictEqual(deployments[0].result, "succeeded");
    });

    it("reports the engine's lock when another checkout deploys the same stack", async () => {
        const otherCheckout = fixtureProject(backend.dir);
        fs.copyFileSync(path.join(workDir, "Pulumi.dev.yaml"), path.join(otherCheckout, "Pulumi.dev.yaml"));
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "6000" });
        const slow = deploy({ ...ctx(), tag: "v1.0.0" });
        await new Promise((r) => setTimeout(r, 3000));
        await assert.rejects(
            deploy({ ...ctx({ workDir: otherCheckout }), tag: "v2.0.0" }),
            (err: unknown) => err instanceof StackBusyError && /engine lock/.test(err.message),
        );
        await slow;
        assert.match(fs.readFileSync(path.join(otherCheckout, "Pulumi.dev.yaml"), "utf8"), /^((?!image:).)*$/s, "the loser's checkout holds no image");
        assert.strictEqual((await history(ctx())).deployments.length, 1);
    });

    it("cancels cleanly on SIGINT, and the next deploy succeeds", async () => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "8000" });
        const { code, stderr } = await runCliUntil(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir], "SIGINT");
        assert.strictEqual(code, 130, stderr);
        assert.match(stderr, /was interrupted: the update was cancelled before the image was applied; the stack's state runs no service\n/);
        // Kills a driver that leaves its keys in the checkout: the checkout's config has no image.
        assert.doesNotMatch(stackConfigFile(), /papyrus:image/);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "0" });
        const result = await deploy({ ...ctx(), tag: "v2.0.0" });
        assert.strictEqual(result.resolved.digest, v2.digest);
        assert.strictEqual((await history(ctx())).deployments[0].result, "succeeded");
    });

    it("recovers after a deploy was killed outright (stale locks, pending operations) and says what it did", async () => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "8000" });
        const { code } = await runCliUntil(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir], "SIGKILL");
        assert.strictEqual(code, null);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "0" });
        const result = await deploy({ ...ctx(), tag: "v2.0.0" });
        assert.ok(
            result.recovered.some((line) => /removed the driver lock left by .* no longer running/.test(line)),
            result.recovered.join("\n"),
        );
        assert.ok(
            result.recovered.some((line) => /cancelled the engine's stale update lock/.test(line)),
            result.recovered.join("\n"),
        );
        assert.strictEqual((await history(ctx())).deployments[0].result, "succeeded");
    });

    it("verify compares the recorded digest with what moto's ECS runs, and detects drift", async () => {
        // The stand-in registers the task definition and creates the service in moto's ECS itself
        // (deploy → task definition → service → verify is one path); only the drift is made by hand.
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setAllConfig({
            "papyrus:fixtureEcs": { value: "true" },
            "papyrus:fixtureClusterName": { value: "papyrus" },
            "papyrus:fixtureServiceName": { value: "api" },
        });
        // moto runs no ECS deployments: a proxy plays their lifecycle for the engine and the driver (testkit/ecsRollout.ts).
        const lifecycle = await startEcsRolloutProxy(moto.endpoint);
        const lifecycleEcs = new ECSClient({ region: TEST_REGION, endpoint: lifecycle.endpoint, credentials });
        const engineToMoto = { envVars: { ...backend.env, ...moto.env, AWS_ENDPOINT_URL_ECS: lifecycle.endpoint } };

        const deployed = await deploy({ ...ctx({ ...engineToMoto, ecs: lifecycleEcs }), tag: "v1.0.0" }).finally(() => {
            lifecycleEcs.destroy();
            return lifecycle.close();
        });
        const [service] = (await ecs.send(new DescribeServicesCommand({ cluster: "papyrus", services: ["api"] }))).services ?? [];
        const recorded = (await history(ctx())).running;
        assert.strictEqual(deployed.rollout?.state, "COMPLETED");
        assert.match(recorded?.taskDefinitionArn ?? "", /^arn:aws:ecs:us-east-1:123456789012:task-definition\/papyrus-dev:1$/, "moto numbered the revision");
        assert.strictEqual(
            service?.taskDefinition,
            recorded?.taskDefinitionArn,
            "the engine created the service in moto with the task definition the state records",
        );
        assert.strictEqual(deployed.verify?.inSync, true, JSON.stringify(deployed.verify));
        assert.deepStrictEqual(deployed.verify?.running, [`${REPO_URL}@${v1.digest}`]);

        // What a circuit-breaker rollback looks like from outside: the service's PRIMARY
        // deployment runs another task definition than the one the stack recorded. moto's
        // UpdateService runs no rollout (it keeps the old PRIMARY), so a proxy rewrites moto's real
        // DescribeServices answer: PRIMARY runs v2's task definition while the service's own
        // `taskDefinition` field still names v1's. Only a verify that follows PRIMARY sees the drift.
        // kills: comparing `service.taskDefinition` instead of the PRIMARY deployment's.
        const other = await ecs.send(
            new RegisterTaskDefinitionCommand({
                family: "papyrus-api",
                containerDefinitions: [{ name: "app", image: `${REPO_URL}@${v2.digest}`, essential: true }],
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: "256",
                memory: "512",
            }),
        );
        const rolledBack = other.taskDefinition!.taskDefinitionArn!;
        const proxy = await startMotoProxy(moto.endpoint, {
            rewrite(operation, answer) {
                if (operation !== "DescribeServices") return answer;
                for (const service of answer.services ?? []) {
                    const recorded = service.taskDefinition;
                    service.deployments = [
                        { id: "ecs-svc/2", status: "PRIMARY", taskDefinition: rolledBack, rolloutState: "COMPLETED" },
                        { id: "ecs-svc/1", status: "ACTIVE", taskDefinition: recorded, rolloutState: "FAILED" },
                    ];
                }
                return answer;
            },
        });
        const proxiedEcs = new ECSClient({ region: TEST_REGION, endpoint: proxy.endpoint, credentials });
        try {
            await assert.rejects(
                deploy({
                    ...ctx({ ecs: proxiedEcs, envVars: { ...backend.env, ...moto.env } }),
                    tag: "v1.0.0",
                    evidenceFile: path.join(backend.dir, "drift.json"),
                }),
                (err: unknown) =>
                    err instanceof DriftError &&
                    err.exitCode === 6 &&
                    err.message.startsWith(`stack \`dev\` recorded \`${REPO_URL}@${v1.digest}\` but ECS runs \`${REPO_URL}@${v2.digest}\``),
            );
            assert.deepStrictEqual(evidenceOf("drift.json").verify, { inSync: false, running: [`${REPO_URL}@${v2.digest}`] });

            const drift = await verify(ctx({ ecs: proxiedEcs }));
            assert.deepStrictEqual(
                [drift.inSync, drift.recorded, drift.running, drift.taskDefinitionArn, drift.rolloutState],
                [false, `${REPO_URL}@${v1.digest}`, [`${REPO_URL}@${v2.digest}`], rolledBack, "COMPLETED"],
            );

            const { code, stdout } = await runCli(["verify", "--stack", "dev", "--cwd", workDir], { AWS_ENDPOINT_URL_ECS: proxy.endpoint });
            assert.strictEqual(code, 6);
            assert.match(stdout, /DRIFT: stack recorded .*@sha256:/);
        } finally {
            proxiedEcs.destroy();
            await proxy.close();
        }
    });

    it("asks the registry of the stack's own `aws:region`, whatever AWS_REGION the shell has", async () => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("aws:region", { value: TEST_REGION });
        const { code, stdout, stderr } = await runCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir, "--json"], {
            AWS_REGION: "eu-west-1",
            AWS_DEFAULT_REGION: "eu-west-1",
        });
        assert.strictEqual(code, 0, stderr);
        const evidence = JSON.parse(stdout) as EvidenceRecord;
        assert.strictEqual(evidence.image, `${REPO_URL}@${v1.digest}`);
        assert.strictEqual(evidence.requestedBy, "ci-test");
    });

    // ---- helpers: the CLI as a child process, as CI runs it ----

    function cliEnv(): NodeJS.ProcessEnv {
        return { ...process.env, ...backend.env, ...moto.env, PAPYRUS_DEPLOYER: "ci-test" };
    }

    function runCli(args: string[], env: Record<string, string> = {}) {
        return runCliProcess(args, { ...cliEnv(), ...env });
    }

    /** Starts the CLI, waits until the engine is running the update, then sends `signal` (SIGKILL: to the whole tree). */
    async function runCliUntil(args: string[], signal: "SIGINT" | "SIGKILL"): Promise<{ code: number | null; stderr: string }> {
        const run = startCli(args, cliEnv());
        await waitFor("the update to start", () => /Updating \(/.test(run.stderr()), 90_000, run);
        if (signal === "SIGKILL")
            process.kill(-run.child.pid!, "SIGKILL"); // like a lost CI runner
        else run.child.kill("SIGINT");
        return run.exited;
    }
});
