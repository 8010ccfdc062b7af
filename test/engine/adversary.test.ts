// Adversarial pass on the release chain (issue 23): deploy → reconcile → promote → rollback across dev
// (us-east-1) and prod (eu-central-1), both with an ECS service played by the lifecycle proxy, and qa
// (no service), interrupted at each step, raced, with a hand-edited tags file and the emulator stopped.
// The tests run in order on one set of stacks; each asserts what a user would expect from the README.
// A2b, A5, B1 and C4 reproduced defects this pass found (fixed in the same change).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { deploy, DeployOptions } from "../../automation/commands/deploy";
import { history, HistoryResult } from "../../automation/commands/history";
import { EvidenceRecord } from "../../automation/record/evidence";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, CliRun, runCli, serviceStepStarted, startCli, waitFor } from "../../testkit/cliProcess";
import { EcsRolloutProxy, startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { startHoldingProxy } from "../../testkit/holdingProxy";
import { imageManifest, pushImage, PushedImage } from "../../testkit/images";
import { startMoto, MotoServer } from "../../testkit/moto";

const REPO = "papyrus-api";
const DEV_REGION = "us-east-1";
const PROD_REGION = "eu-central-1";
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const TRACE = /\n\s+at |TypeError|ReferenceError|code: 1\b/;

describe("adversary: the release chain, interrupted, raced and forged (real engine + moto, two regions)", function () {
    this.timeout(900_000);
    let moto: MotoServer;
    let devEcr: ECRClient;
    let prodEcr: ECRClient;
    let devEcs: ECSClient;
    let lifecycle: EcsRolloutProxy;
    let backend: TempBackend;
    let workDir: string;
    let markerDir: string;
    const img: Record<string, PushedImage> = {};

    const push = async (tag: string) => {
        img[tag] = await pushImage(devEcr, REPO, tag);
        const replica = await pushImage(prodEcr, REPO, tag, imageManifest(tag));
        assert.strictEqual(replica.digest, img[tag].digest);
    };
    const engineEnv = () => ({ ...backend.env, ...moto.env, AWS_ENDPOINT_URL_ECS: lifecycle.endpoint });
    const ctx = (stackName: string) => ({ stackName, workDir, envVars: engineEnv(), requestedBy: "alice" });
    const deployDev = (tag: string, extra: Partial<DeployOptions> = {}) =>
        deploy({ ...ctx("dev"), ecr: devEcr, ecs: devEcs, tag, rolloutPollMs: 50, progressMs: 0, ...extra });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
    const gitStatus = () => git("status", "--porcelain", "--untracked-files=all").trimEnd();
    const cliEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, ...engineEnv(), PAPYRUS_DEPLOYER: "mallory", ...extra });
    const cli = (...args: string[]) => runCli([...args, "--cwd", workDir], cliEnv());
    const start = (args: string[], extra: Record<string, string> = {}): CliRun => startCli([...args, "--cwd", workDir], cliEnv(extra));
    const hist = (stack: string) => history(ctx(stack));
    const verdictOf = async (stack: string, digest: string) =>
        (await hist(stack)).deployments.filter((d) => d.digest === digest).map((d) => [d.version, d.kind, d.result, d.release.verdict]);
    const newest = async (stack: string) => (await hist(stack)).deployments[0];
    const tagsFile = (stack: string) => path.join(backend.dir, "state", ".pulumi", "stacks", "papyrus", `${stack}.pulumi-tags`);
    const evidenceFile = (name: string) => path.join(backend.dir, "evidence", name);
    const readEvidence = (name: string): EvidenceRecord => JSON.parse(fs.readFileSync(evidenceFile(name), "utf8"));
    const setDevKnobs = async (values: Record<string, string>) => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [`papyrus:${k}`, { value }])));
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "knobs");
    };
    const clearMarker = () => fs.rmSync(path.join(markerDir, "service-step-started"), { force: true });
    /** What a refusal must leave as it was. */
    async function snapshot() {
        const rows = (h: HistoryResult) => h.deployments.map((d) => [d.version, d.kind, d.result, d.release.verdict, d.digest, d.running]);
        const [d, p] = await Promise.all([hist("dev"), hist("prod")]);
        return { dev: rows(d), prod: rows(p), git: gitStatus() };
    }
    const refused = (r: { code: number | null; stderr: string }, code: number, label: string) => {
        assert.strictEqual(r.code, code, `${label}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, TRACE, `${label}: no stack trace`);
    };

    before(async () => {
        // A moto of its own, not the process's shared one: E stops it for good.
        moto = await startMoto();
        devEcr = new ECRClient({ region: DEV_REGION, endpoint: moto.endpoint, credentials });
        prodEcr = new ECRClient({ region: PROD_REGION, endpoint: moto.endpoint, credentials });
        lifecycle = await startEcsRolloutProxy(moto.endpoint);
        devEcs = new ECSClient({ region: DEV_REGION, endpoint: lifecycle.endpoint, credentials });
        for (const ecr of [devEcr, prodEcr]) await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        for (const tag of ["v1.0.0", "v2.0.0", "v3.0.0", "v4.0.0", "v5.0.0", "v6.0.0", "v7.0.0", "v8.0.0", "v9.0.0", "v10.0.0", "v11.0.0"]) await push(tag);

        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        markerDir = fs.mkdtempSync(path.join(backend.dir, "markers-"));
        const ecsConfig = (region: string) => ({
            "aws:region": { value: region },
            "papyrus:repositoryName": { value: REPO },
            "papyrus:fixtureEcs": { value: "true" },
            "papyrus:fixtureClusterName": { value: "papyrus" },
            "papyrus:fixtureServiceName": { value: "api" },
        });
        await (await fixtureStack(backend, "dev", {}, workDir)).setAllConfig(ecsConfig(DEV_REGION));
        await (await fixtureStack(backend, "prod", {}, workDir)).setAllConfig({ ...ecsConfig(PROD_REGION), "papyrus:promoteFrom": { value: "dev" } });
        await (await fixtureStack(backend, "qa", {}, workDir)).setAllConfig({ "aws:region": { value: DEV_REGION }, "papyrus:repositoryName": { value: REPO } });
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "checkout");

        await deployDev("v1.0.0"); // dev 1
        await deployDev("v2.0.0"); // dev 2
    });
    after(async () => {
        try {
            if (backend) await assertNoProcessLeft(backend.dir);
        } finally {
            backend?.cleanup();
            [devEcr, prodEcr, devEcs].forEach((c) => c?.destroy());
            await lifecycle?.close();
            await moto?.stop();
        }
    });

    it("A1 Ctrl-C before `up` (while the tag is resolved): 130, nothing changed, no history row, clean checkout", async () => {
        const holding = await startHoldingProxy(moto.endpoint, "DescribeImages");
        try {
            const before = await snapshot();
            const run = start(["deploy", "--stack", "dev", "--tag", "v3.0.0", "--json"], { AWS_ENDPOINT_URL_ECR: holding.endpoint });
            await holding.reached;
            run.child.kill("SIGINT");
            await waitFor("the driver to take the signal", () => /received SIGINT/.test(run.stderr()), 30_000);
            holding.release();
            const r = await run.exited;
            refused(r, 130, "Ctrl-C before up");
            assert.match(r.stderr, /nothing was changed/);
            assert.strictEqual(JSON.parse(r.stdout).error.code, 130);
            assert.deepStrictEqual(await snapshot(), before);
        } finally {
            await holding.close();
        }
    });

    it("A2 Ctrl-C during up's service step: 130 'cancelled after the image was applied', RELEASE failed, every gate refuses (13)", async () => {
        await setDevKnobs({ fixtureServiceDelayMs: "4000", fixtureMarkerDir: markerDir });
        clearMarker();
        const run = start(["deploy", "--stack", "dev", "--tag", "v3.0.0", "--json", "--evidence", evidenceFile("a2.json")]);
        await serviceStepStarted(markerDir, run);
        run.child.kill("SIGINT");
        const r = await run.exited;
        refused(r, 130, "Ctrl-C during the service step");
        assert.match(r.stderr, /cancelled after the image was applied: the stack runs `\S+@sha256:[0-9a-f]{64}` \(v3\.0\.0\)/);
        const ev = readEvidence("a2.json");
        assert.deepStrictEqual([ev.result, ev.applied, ev.release?.verdict], ["cancelled", true, "failed"]);
        await setDevKnobs({ fixtureServiceDelayMs: "0" });
        const top = await newest("dev");
        assert.deepStrictEqual([top.tag, top.result, top.release.verdict, top.running], ["v3.0.0", "failed", "failed", true]);
        const table = (await cli("history", "--stack", "dev")).stdout.split("\n");
        assert.match(table[1], /^3\s+\S+\s+\S+\s+failed\s+failed\s+deploy\s+v3\.0\.0\s/);
        const before = await snapshot();
        refused(await cli("promote", "--from", "dev", "--to", "prod"), 13, "promote of a cancelled update");
        refused(await cli("deploy", "--stack", "prod", "--tag", "v3.0.0"), 13, "promoteFrom gate on a cancelled update");
        refused(await cli("promote", "--from", "dev", "--to", "prod", "--version", String(top.version)), 13, "promote --version of a cancelled update");
        assert.deepStrictEqual(await snapshot(), before);
        // verify: ECS runs it and completed, but the engine's update was cancelled: it stays `failed` (docs/DRIVER.md's verdict table: cancelled → failed).
        const v = await cli("verify", "--stack", "dev", "--json");
        assert.strictEqual(v.code, 0, v.stderr);
        assert.strictEqual(JSON.parse(v.stdout).release.verdict, "failed");
    });

    it("A2b after the cancelled deploy, the same tag redeployed to dev completes: the default promote and prod's promoteFrom gate both take it", async () => {
        const again = await cli("deploy", "--stack", "dev", "--tag", "v3.0.0", "--json");
        assert.strictEqual(again.code, 0, again.stderr);
        const redeploy = JSON.parse(again.stdout) as EvidenceRecord;
        assert.deepStrictEqual([redeploy.result, redeploy.release?.verdict], ["succeeded", "completed"]);
        const h = await hist("dev");
        const runs = h.deployments.find((d) => d.running);
        // The gates must agree: `status`/history credit the cancelled update, promote follows it.
        const byDefault = await cli("promote", "--from", "dev", "--to", "prod", "--json");
        const gateAccepts = await cli("deploy", "--stack", "prod", "--tag", "v3.0.0", "--preview");
        assert.strictEqual(gateAccepts.code, 0, `promoteFrom gate: ${gateAccepts.stderr}`);
        assert.strictEqual(
            byDefault.code,
            0,
            `dev runs v3 and ECS completed its redeploy (update ${redeploy.updateVersion}, RELEASE completed), yet RUNS is update ${runs?.version} ` +
                `(${runs?.release.verdict}) and the default promote refuses: ${byDefault.stderr.split("\n").find((l) => l.startsWith("error:"))}`,
        );
    });

    it("A3 Ctrl-C during the rollout wait: 130, RELEASE in-progress, gates refuse; verify 10 while it rolls out, then 6 and rolled-back once ECS rolls it back; reconcile does not make it good", async () => {
        lifecycle.script({ outcome: "hang" });
        const run = start(["deploy", "--stack", "dev", "--tag", "v4.0.0", "--wait-timeout", "10m"]);
        await waitFor("the rollout wait", () => /^rollout ecs-svc\/\d+: IN_PROGRESS/m.test(run.stderr()), 120_000, run);
        run.child.kill("SIGINT");
        const r = await run.exited;
        refused(r, 130, "Ctrl-C during the rollout wait");
        assert.match(r.stderr, /the wait for ECS deployment ecs-svc\/\d+ was interrupted while IN_PROGRESS; run `papyrus-deploy verify --stack dev`/);
        const v4 = img["v4.0.0"].digest;
        const [[n4, , , verdict]] = await verdictOf("dev", v4);
        assert.strictEqual(verdict, "in-progress");
        refused(await cli("promote", "--from", "dev", "--to", "prod"), 13, "promote in-progress");
        refused(await cli("deploy", "--stack", "prod", "--tag", "v4.0.0"), 13, "gate in-progress");
        refused(await cli("verify", "--stack", "dev"), 10, "verify while rolling out");
        lifecycle.finish("rollback");
        const settled = await cli("verify", "--stack", "dev", "--json");
        refused(settled, 6, "verify after ECS rolled back");
        assert.strictEqual(JSON.parse(settled.stdout).release.verdict, "rolled-back");
        assert.deepStrictEqual(await verdictOf("dev", v4), [[n4, "deploy", "succeeded", "rolled-back"]]);
        const reconciled = await cli("reconcile", "--stack", "dev");
        assert.strictEqual(reconciled.code, 0, reconciled.stderr);
        const before = await snapshot();
        for (const args of [
            ["promote", "--from", "dev", "--to", "prod", "--version", String(n4)],
            ["deploy", "--stack", "prod", "--tag", "v4.0.0"],
        ]) {
            const x = await cli(...args);
            refused(x, 13, args.join(" "));
            assert.match(x.stderr, /has release verdict `rolled-back`/);
        }
        // qa ran it too (qa has no service: completed there); promote from qa is still gated by prod's promoteFrom: dev.
        await deploy({ ...ctx("qa"), ecr: devEcr, tag: "v4.0.0" });
        refused(await cli("promote", "--from", "qa", "--to", "prod"), 13, "promote --from qa of a digest dev rolled back");
        assert.deepStrictEqual((await snapshot()).prod, before.prod);
    });

    it("A4 SIGKILL of the driver while it follows the rollout: RELEASE unknown, promote refuses (13, says verify); verify 10 then 0 records completed; promote then ships it to prod", async () => {
        lifecycle.script({ outcome: "hang" });
        const run = start(["deploy", "--stack", "dev", "--tag", "v5.0.0", "--wait-timeout", "10m"]);
        await waitFor("the rollout wait", () => /^rollout ecs-svc\/\d+: IN_PROGRESS/m.test(run.stderr()), 120_000, run);
        run.child.kill("SIGKILL");
        await run.exited;
        const v5 = img["v5.0.0"].digest;
        const [[n5, , result, verdict]] = await verdictOf("dev", v5);
        assert.deepStrictEqual([result, verdict], ["succeeded", "unknown"]);
        const p = await cli("promote", "--from", "dev", "--to", "prod");
        refused(p, 13, "promote after SIGKILL");
        assert.match(p.stderr, /has release verdict `unknown`.*Run `papyrus-deploy verify --stack dev` once ECS has finished/);
        refused(await cli("verify", "--stack", "dev"), 10, "verify while rolling out");
        assert.deepStrictEqual(await verdictOf("dev", v5), [[n5, "deploy", "succeeded", "in-progress"]]);
        lifecycle.finish("complete");
        const done = await cli("verify", "--stack", "dev", "--json");
        assert.strictEqual(done.code, 0, done.stderr);
        assert.deepStrictEqual(await verdictOf("dev", v5), [[n5, "deploy", "succeeded", "completed"]]);
        const promoted = await cli("promote", "--from", "dev", "--to", "prod", "--json");
        assert.strictEqual(promoted.code, 0, promoted.stderr);
        assert.deepStrictEqual([JSON.parse(promoted.stdout).imageDigest, JSON.parse(promoted.stdout).release.verdict], [v5, "completed"]);
        assert.strictEqual(gitStatus(), "");
    });

    it("A5 SIGKILL while following the rollout, then ECS rolls it back before anyone looks: verify exits 6 and records `rolled-back`", async () => {
        lifecycle.script({ outcome: "hang" });
        const run = start(["deploy", "--stack", "dev", "--tag", "v6.0.0", "--wait-timeout", "10m"]);
        await waitFor("the rollout wait", () => /^rollout ecs-svc\/\d+: IN_PROGRESS/m.test(run.stderr()), 120_000, run);
        run.child.kill("SIGKILL");
        await run.exited;
        lifecycle.finish("rollback");
        const v = await cli("verify", "--stack", "dev", "--json");
        refused(v, 6, "verify after ECS rolled back a rollout nobody saw");
        const v6 = img["v6.0.0"].digest;
        const seen = await verdictOf("dev", v6);
        // Gates refuse either way (unknown is not completed): check that, then clean up, then assert the record.
        refused(await cli("deploy", "--stack", "prod", "--tag", "v6.0.0"), 13, "gate after the unseen rollback");
        const reconciled = await cli("reconcile", "--stack", "dev");
        assert.strictEqual(reconciled.code, 0, reconciled.stderr);
        assert.deepStrictEqual(seen, [[seen[0][0], "deploy", "succeeded", "rolled-back"]], "verify saw ECS roll it back and should record it");
    });

    it("A6 Ctrl-C while --on-rollback reconcile runs: 130 naming the cancelled reconcile; the rolled-back digest stays refused by every gate, also after a reconcile", async () => {
        await setDevKnobs({ fixtureServiceDelayMs: "3000", fixtureMarkerDir: markerDir });
        lifecycle.script({ outcome: "rollback", polls: 1 });
        clearMarker();
        const run = start(["deploy", "--stack", "dev", "--tag", "v7.0.0", "--on-rollback", "reconcile", "--json", "--evidence", evidenceFile("a6.json")]);
        await waitFor("the reconcile to start", () => /ECS rolled the update back: reconciling/.test(run.stderr()), 180_000, run);
        clearMarker();
        await serviceStepStarted(markerDir, run);
        run.child.kill("SIGINT");
        const r = await run.exited;
        refused(r, 130, "Ctrl-C during the reconcile");
        assert.match(r.stderr, /the reconcile that would record it was cancelled, so the stack may still claim/);
        await setDevKnobs({ fixtureServiceDelayMs: "0" });
        const v7 = img["v7.0.0"].digest;
        const rows = await verdictOf("dev", v7);
        assert.deepStrictEqual(
            rows.map((x) => x.slice(1)),
            [["deploy", "succeeded", "rolled-back"]],
        );
        const gates = async () => {
            refused(await cli("promote", "--from", "dev", "--to", "prod", "--version", String(rows[0][0])), 13, "promote --version of v7");
            refused(await cli("deploy", "--stack", "prod", "--tag", "v7.0.0"), 13, "gate on v7");
        };
        await gates();
        const rec = await cli("reconcile", "--stack", "dev");
        assert.strictEqual(rec.code, 0, rec.stderr);
        await gates();
        const back = await cli("rollback", "--stack", "dev", "--json");
        if (back.code === 0) assert.notStrictEqual(JSON.parse(back.stdout).imageDigest, v7, "rollback's default never puts back what ECS rolled back");
        else refused(back, 7, "rollback default");
        assert.strictEqual(gitStatus(), "");
    });

    it("B1 ECS fails a deployment without rolling back after the driver stopped waiting: verify exits 6 and records `failed`; promote refuses it", async () => {
        lifecycle.script({ outcome: "fail", polls: 3 });
        const timedOut = await cli("deploy", "--stack", "dev", "--tag", "v8.0.0", "--wait-timeout", "0");
        refused(timedOut, 10, "deploy looked once");
        let v = await cli("verify", "--stack", "dev", "--json");
        for (let i = 0; i < 4 && v.code === 10; i++) v = await cli("verify", "--stack", "dev", "--json");
        const v8 = img["v8.0.0"].digest;
        const recorded = await verdictOf("dev", v8);
        const promoted = await cli("promote", "--from", "dev", "--to", "prod", "--json");
        const prodRuns = (await hist("prod")).running?.digest;
        assert.notStrictEqual(
            prodRuns,
            v8,
            `prod runs a digest whose ECS deployment FAILED on dev: verify exit ${v.code} (${JSON.stringify(JSON.parse(v.stdout).release)}, rolloutState ${JSON.parse(v.stdout).rolloutState}), ` +
                `dev RELEASE ${JSON.stringify(recorded)}, promote exit ${promoted.code}`,
        );
        assert.notStrictEqual(v.code, 0, `verify of a FAILED deployment: ${v.stdout}`);
        assert.notDeepStrictEqual(recorded[0][3], "completed", "the verdict of a FAILED deployment");
    });

    it("B2 verify racing a deploy of dev (both write dev's tags): neither crashes; a later verify settles the verdict to completed", async () => {
        lifecycle.script({ outcome: "complete", polls: 3 });
        const run = start(["deploy", "--stack", "dev", "--tag", "v9.0.0", "--json"]);
        await waitFor("the rollout wait", () => /^rollout ecs-svc\/\d+: IN_PROGRESS/m.test(run.stderr()), 120_000, run);
        const [v, unlocked] = await Promise.all([cli("verify", "--stack", "dev", "--json"), cli("unlock", "--stack", "dev", "--json")]);
        assert.ok([0, 10].includes(v.code!), v.stderr);
        // unlock while a live deploy of this checkout holds the lock: 4, naming it; the lock stays.
        refused(unlocked, 4, "unlock while a deploy runs");
        assert.match(unlocked.stderr, /is being deployed by mallory \(pid \d+/);
        const r = await run.exited;
        assert.strictEqual(r.code, 0, r.stderr);
        const v9 = img["v9.0.0"].digest;
        const verdict = String((await verdictOf("dev", v9))[0][3]);
        assert.ok(["completed", "in-progress", "unknown"].includes(verdict), verdict);
        const again = await cli("verify", "--stack", "dev", "--json");
        assert.strictEqual(again.code, 0, again.stderr);
        assert.deepStrictEqual(
            (await verdictOf("dev", v9)).map((x) => x[3]),
            ["completed"],
        );
    });

    it("B3 two promotes to prod at once: one deploys, the other is refused (4); prod gets one update", async () => {
        const before = (await hist("prod")).deployments.length;
        const [a, b] = await Promise.all([
            cli("promote", "--from", "dev", "--to", "prod", "--json"),
            cli("promote", "--from", "dev", "--to", "prod", "--json"),
        ]);
        const codes = [a.code, b.code].sort();
        assert.deepStrictEqual(codes, [0, 4], `${a.stderr}\n----\n${b.stderr}`);
        for (const x of [a, b]) assert.doesNotMatch(x.stderr, TRACE);
        const after = await hist("prod");
        assert.strictEqual(after.deployments.length, before + 1);
        assert.strictEqual(after.running?.digest, img["v9.0.0"].digest);
    });

    it("B4 a deploy of dev while prod's promote reads dev: promote never ships the digest still rolling out", async () => {
        lifecycle.script({ outcome: "hang" });
        const run = start(["deploy", "--stack", "dev", "--tag", "v10.0.0", "--wait-timeout", "10m"]);
        const v10 = img["v10.0.0"].digest;
        const seen: (number | null)[] = [];
        while (!/^rollout ecs-svc\/\d+: IN_PROGRESS/m.test(run.stderr()) && run.child.exitCode === null) {
            const p = await cli("promote", "--from", "dev", "--to", "prod", "--json");
            seen.push(p.code);
            assert.ok([0, 6, 13].includes(p.code!), p.stderr);
            assert.doesNotMatch(p.stderr, TRACE);
            if (p.code === 0) assert.notStrictEqual(JSON.parse(p.stdout).imageDigest, v10);
        }
        const late = await cli("promote", "--from", "dev", "--to", "prod");
        refused(late, 13, "promote while dev's rollout runs");
        lifecycle.finish("complete");
        const r = await run.exited;
        assert.strictEqual(r.code, 0, r.stderr);
        assert.ok(!(await hist("prod")).deployments.some((d) => d.digest === v10), `prod got v10 (promote codes ${seen})`);
    });

    describe("C a hand-edited tags file of dev", () => {
        let saved: string;
        let rolledBack: { version: number; digest: string; started: Date };
        let good: string;
        before(async () => {
            saved = fs.readFileSync(tagsFile("dev"), "utf8");
            const d = (await hist("dev")).deployments.find((x) => x.digest === img["v7.0.0"].digest && x.release.verdict === "rolled-back")!;
            rolledBack = { version: d.version, digest: d.digest!, started: d.startTime };
            good = JSON.parse(saved).tags[`papyrus:release:1`];
        });
        afterEach(() => fs.writeFileSync(tagsFile("dev"), saved));
        const forge = (value: string) => {
            const file = JSON.parse(saved);
            file.tags[`papyrus:release:${rolledBack.version}`] = value;
            fs.writeFileSync(tagsFile("dev"), JSON.stringify(file));
        };
        /** `code`: 13 (the verdict is not `completed`), or 12 (dev's tags file cannot be read at all). */
        const gatesRefuse = async (label: string, code = 13) => {
            const p = await cli("promote", "--from", "dev", "--to", "prod", "--version", String(rolledBack.version));
            refused(p, code, `${label}: promote --version`);
            refused(await cli("deploy", "--stack", "prod", "--tag", "v7.0.0"), code, `${label}: promoteFrom gate`);
        };

        it("C1 another update's completed verdict copied onto the rolled-back one: refused (13)", async () => {
            forge(good);
            await gatesRefuse("copied verdict");
        });
        it("C2 a forged `completed` with the right digest and a wrong start time: refused (13)", async () => {
            const started = new Date(rolledBack.started.getTime() - 3600_000).toISOString();
            forge(JSON.stringify({ ecs: "completed", digest: rolledBack.digest, applied: true, started, seen: new Date().toISOString() }));
            await gatesRefuse("forged start");
        });
        it("C3 a forged `completed` for another digest at the right start: refused (13)", async () => {
            forge(
                JSON.stringify({
                    ecs: "completed",
                    digest: img["v1.0.0"].digest,
                    applied: true,
                    started: rolledBack.started.toISOString(),
                    seen: new Date().toISOString(),
                }),
            );
            await gatesRefuse("forged digest");
        });
        for (const [label, text] of [
            ["invalid JSON", "{not json"],
            ["version 2", JSON.stringify({ version: 2, tags: {} })],
        ] as const) {
            it(`C4 a tags file that is ${label}: history, deploy and verify exit 12 naming it, status shows why, gates refuse, nothing rewrites it`, async () => {
                fs.writeFileSync(tagsFile("dev"), text);
                // Found by this pass: history showed every verdict `unknown`, deploy failed late (5), and verify rewrote the
                // file with its one tag, erasing every other verdict. Now: exit 12 naming the file, before anything runs.
                const named = new RegExp(`the state of stack \`dev\` cannot be read: \`[^\`]*dev\\.pulumi-tags\` (is not JSON|is not a version 1 tags file)`);
                const h = await cli("history", "--stack", "dev", "--json");
                assert.strictEqual(h.code, 12, h.stderr);
                assert.match(JSON.parse(h.stdout).error.message, named);
                assert.doesNotMatch(h.stderr, TRACE);
                const s = await cli("status", "--json");
                assert.strictEqual(s.code, 0, s.stderr);
                assert.match(JSON.parse(s.stdout).stacks.find((r: { stack: string }) => r.stack === "dev").problem, named);
                await gatesRefuse(label, 12);
                const dep = await cli("deploy", "--stack", "dev", "--tag", "v9.0.0", "--json");
                assert.strictEqual(dep.code, 12, `deploy with a ${label} tags file: ${dep.stderr}`);
                assert.doesNotMatch(dep.stderr, TRACE);
                const v = await cli("verify", "--stack", "dev", "--json");
                assert.strictEqual(v.code, 12, v.stderr);
                assert.strictEqual(fs.readFileSync(tagsFile("dev"), "utf8"), text, "nothing rewrote the tags file");
            });
        }
    });

    describe("D reading every stack after all that", () => {
        it("D status and history --json on every stack: exit 0, one object, a RELEASE for each", async () => {
            const s = await cli("status", "--json");
            assert.strictEqual(s.code, 0, s.stderr);
            const rows = JSON.parse(s.stdout).stacks as { stack: string; release?: { verdict: string }; problem?: string }[];
            assert.deepStrictEqual(rows.map((r) => r.stack).sort(), ["dev", "prod", "qa"]);
            for (const r of rows) assert.ok(r.release?.verdict, JSON.stringify(r));
            for (const stack of ["dev", "prod", "qa"]) {
                const h = await cli("history", "--stack", stack, "--json");
                assert.strictEqual(h.code, 0, h.stderr);
                const parsed = JSON.parse(h.stdout);
                for (const d of parsed.deployments) assert.ok(typeof d.release?.verdict === "string", JSON.stringify(d));
            }
        });
    });

    describe("E the emulator stopped (last: moto does not come back)", () => {
        it("E the emulator stopped during the rollout wait: 8, naming the deployment, RELEASE unknown; then with it stopped at the start: 9 and nothing recorded; status still 0", async () => {
            lifecycle.script({ outcome: "hang" });
            const run = start(["deploy", "--stack", "dev", "--tag", "v11.0.0", "--wait-timeout", "10m", "--json"]);
            await waitFor("the rollout wait", () => /^rollout ecs-svc\/\d+: IN_PROGRESS/m.test(run.stderr()), 120_000, run);
            await moto.stop();
            const r = await run.exited;
            refused(r, 8, "moto stopped mid-wait");
            assert.match(r.stderr, /ECS deployment ecs-svc\/\d+/);
            const ev = JSON.parse(r.stdout) as EvidenceRecord;
            assert.deepStrictEqual([ev.result, ev.release?.verdict], ["failed", "unknown"]);
            const v11 = img["v11.0.0"].digest;
            assert.deepStrictEqual(
                (await verdictOf("dev", v11)).map((x) => x[3]),
                ["unknown"],
            );
            const before = await snapshot();
            const again = await cli("deploy", "--stack", "dev", "--tag", "v9.0.0", "--json");
            refused(again, 9, "moto stopped at the start");
            assert.deepStrictEqual(await snapshot(), before);
            refused(await cli("verify", "--stack", "dev"), 9, "verify with moto stopped");
            refused(await cli("promote", "--from", "dev", "--to", "prod"), 13, "promote of an unknown verdict with moto stopped");
            const s = await cli("status", "--json");
            assert.strictEqual(s.code, 0, s.stderr);
            assert.strictEqual(JSON.parse(s.stdout).stacks.length, 3);
        });
    });
});
