// "The record never lies" (issue 9): interrupts, races and faults against the real engine and
// moto, each asserting exit code, message, evidence, history, state and `git status` together,
// and that no process of the test is left. Each case was reproduced against the old driver first;
// the comment on each test names the mutation of the driver it kills.
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { rollback } from "../../automation/commands/rollback";
import { engineTools } from "../../automation/engine/tools";
import { StackBusyError } from "../../automation/record/errors";
import { EvidenceRecord } from "../../automation/record/evidence";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, childProcesses, CLI, CliRun, runCli, serviceStepStarted, startCli, waitFor } from "../../testkit/cliProcess";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { startHoldingProxy } from "../../testkit/holdingProxy";
import { pushImage, PushedImage } from "../../testkit/images";
import { freePort, sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";
const REPO_URL = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("the record never lies (real engine + moto)", function () {
    this.timeout(300_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let ecs: ECSClient;
    let backend: TempBackend;
    let workDir: string;
    let markerDir: string;
    let v1: PushedImage;
    let v2: PushedImage;
    let v3: PushedImage;

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
        markerDir = fs.mkdtempSync(path.join(backend.dir, "markers-"));
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        [v1, v2, v3] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0"), await pushImage(ecr, REPO, "v3.0.0")];
        // The checkout is a git work tree, so `git status` shows exactly what a run left in it.
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "checkout");
    });
    afterEach(async function () {
        // Every test, passing or not, must leave no engine, language host, program or provider running.
        const leak = await assertNoProcessLeft(backend.dir).then(
            () => undefined,
            (e: Error) => e,
        );
        backend.cleanup();
        if (leak && this.currentTest?.state === "passed") throw leak;
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
    const image = (p: PushedImage) => `${REPO_URL}@${p.digest}`;
    const stackConfig = () => fs.readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8");
    const committedConfig = () => git("show", "HEAD:Pulumi.dev.yaml");
    const setConfig = async (values: Record<string, string>) => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [`papyrus:${k}`, { value }])));
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "test knobs");
    };
    function git(...args: string[]): string {
        return execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
    }
    const gitStatus = () => git("status", "--porcelain", "--untracked-files=all").trimEnd();
    const cliEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
        ...process.env,
        ...backend.env,
        ...moto.env,
        PAPYRUS_DEPLOYER: "ci-test",
        ...extra,
    });
    const cli = (args: string[], extra: Record<string, string> = {}) => startCli([...args, "--cwd", workDir], cliEnv(extra));
    const readEvidence = (file: string): EvidenceRecord => JSON.parse(fs.readFileSync(file, "utf8"));

    // Kills: restoring the config and reporting a clean cancel without reading the state (the old
    // driver), and taking "current" from the newest succeeded update (rollback then picked v1).
    it("late Ctrl-C: a cancel that waited for the service step reports the image it applied, and rollback starts from it", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        await setConfig({ fixtureServiceDelayMs: "4000", fixtureMarkerDir: markerDir });
        const evidenceFile = path.join(backend.dir, "evidence", "v3.json");

        const run = cli(["deploy", "--stack", "dev", "--tag", "v3.0.0", "--evidence", evidenceFile, "--json"]);
        await serviceStepStarted(markerDir, run);
        run.child.kill("SIGINT"); // the engine lets the in-flight service step finish
        const { code, stdout, stderr } = await run.exited;

        assert.strictEqual(code, 130, stderr);
        assert.match(stderr, new RegExp(`was interrupted: cancelled after the image was applied: the stack runs \`${escape(image(v3))}\` \\(v3\\.0\\.0\\)`));
        const evidence = readEvidence(evidenceFile);
        assert.deepStrictEqual(JSON.parse(stdout), evidence, "--json prints the record that was written");
        assert.deepStrictEqual(
            [evidence.result, evidence.applied, evidence.imageDigest, evidence.requestedDigest, evidence.previousDigest, evidence.updateVersion],
            ["cancelled", true, v3.digest, v3.digest, v2.digest, 3],
        );
        assert.strictEqual(stackConfig(), committedConfig(), "the checkout holds no driver keys: what runs is the state's to say");
        // Issue 23, point 4: the service runs v3 now, so v3 carries a protective tag like any deployed digest.
        const [v3Detail] = (await ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: v3.digest }] }))).imageDetails!;
        assert.ok(
            v3Detail.imageTags?.some((t) => /^deployed-dev-slot\d+$/.test(t)),
            `v3 runs after the cancel and must be protected: ${v3Detail.imageTags}`,
        );
        assert.ok(Object.values(evidence.protection?.protected ?? {}).includes(v3.digest), JSON.stringify(evidence.protection));
        // The engine's update ended cancelled (history: failed) and ECS was not followed: not a release.
        assert.deepStrictEqual([evidence.release?.verdict, evidence.release?.ecs], ["failed", "unknown"]);

        const after = await history(ctx());
        assert.strictEqual(after.running?.digest, v3.digest);
        assert.deepStrictEqual(
            after.deployments.map((d) => [d.version, d.result, d.digest, d.running]),
            [
                [3, "failed", v3.digest, true],
                [2, "succeeded", v2.digest, false],
                [1, "succeeded", v1.digest, false],
            ],
        );
        assert.strictEqual(gitStatus(), "");

        await setConfig({ fixtureServiceDelayMs: "0" });
        const back = await rollback(ctx());
        assert.strictEqual(back.image, image(v2), "rollback steps back from v3, which runs, to v2");
        assert.strictEqual(back.previousImage, image(v3));
        assert.deepStrictEqual(back.evidence?.rollbackOf, { version: 2, digest: v3.digest });
    });

    // Kills: forwarding our own SIGINT when the terminal already sent the engine one (a second
    // SIGINT makes the Pulumi CLI terminate at once, leaving pending operations).
    it("Ctrl-C typed in a terminal: the engine gets one interrupt, finishes the service step, and the record says so", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await setConfig({ fixtureServiceDelayMs: "4000", fixtureMarkerDir: markerDir });
        // `script` gives the CLI a pseudo-terminal; a 0x03 written to it is turned into SIGINT for
        // the terminal's foreground process group by the kernel's line discipline, as a keyboard's is.
        const command = [process.execPath, CLI, "deploy", "--stack", "dev", "--tag", "v2.0.0", "--cwd", workDir]
            .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
            .join(" ");
        const terminal = spawn("script", ["-qfec", `exec ${command}`, "/dev/null"], { env: cliEnv(), detached: true });
        let screen = "";
        terminal.stdout!.on("data", (c) => (screen += c));
        const exited = new Promise<number | null>((resolve) => terminal.on("close", (code) => resolve(code)));
        await serviceStepStarted(markerDir);
        terminal.stdin!.write("\x03");
        const code = await exited;

        assert.strictEqual(code, 130, screen);
        assert.match(screen, /received SIGINT: cancelling the update \(the engine stops at a safe point\)/);
        assert.strictEqual((screen.match(/\^C received; cancelling/g) ?? []).length, 1, screen);
        assert.doesNotMatch(screen, /received; terminating/);
        assert.match(screen, new RegExp(`cancelled after the image was applied: the stack runs \`${escape(image(v2))}\``));
        const after = await history(ctx());
        assert.strictEqual(after.running?.digest, v2.digest);
        assert.deepStrictEqual(
            after.deployments.map((d) => [d.result, d.digest, d.running]),
            [
                ["failed", v2.digest, true],
                ["succeeded", v1.digest, false],
            ],
        );
    });

    // Kills: forwarding the driver's abort although the engine got the same signal (a CI runner's
    // cancel reaches the whole process group, with no terminal; the engine then terminated at once).
    it("SIGTERM to the whole process group (a CI runner's cancel): one interrupt reaches the engine, and the record says what runs", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await setConfig({ fixtureServiceDelayMs: "4000", fixtureMarkerDir: markerDir });
        const run = cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"]);
        await serviceStepStarted(markerDir, run);
        process.kill(-run.child.pid!, "SIGTERM");
        const { code, stdout, stderr } = await run.exited;
        assert.strictEqual(code, 130, stderr);
        assert.strictEqual((stderr.match(/received; cancelling/g) ?? []).length, 1, stderr);
        assert.doesNotMatch(stderr, /received; terminating/);
        const record = JSON.parse(stdout) as EvidenceRecord;
        const after = await history(ctx());
        // The provider plugin shares the group and may die of the signal mid-step: then the record
        // must say what runs is uncertain; otherwise the engine finished the step and v2 runs.
        if (record.pendingOperations) {
            assert.match(stderr, /the engine stopped mid-step, leaving 1 pending operation\(s\) \(updating service\)/);
            assert.strictEqual(record.applied, false);
        } else {
            assert.deepStrictEqual([record.applied, record.imageDigest, after.running?.digest], [true, v2.digest, v2.digest]);
        }
    });

    // Kills: a previous digest (and rollback) taken from a read of the stack that another checkout's
    // update made stale before ours ran.
    it("a rollback that raced a deploy from another checkout says so and records the real previous digest", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        const other = fixtureProject(backend.dir);
        fs.copyFileSync(path.join(workDir, "Pulumi.dev.yaml"), path.join(other, "Pulumi.dev.yaml"));
        const proxy = await startHoldingProxy(moto.endpoint, "DescribeImages");
        try {
            const rollbackRun = cli(["rollback", "--stack", "dev", "--json"], { AWS_ENDPOINT_URL_ECR: proxy.endpoint });
            await proxy.reached; // the rollback has read the stack (v2 runs) and chosen v1
            await deploy({ ...ctx({ workDir: other, requestedBy: "bob" }), tag: "v3.0.0" });
            proxy.release();
            const { code, stdout, stderr } = await rollbackRun.exited;
            assert.strictEqual(code, 0, stderr);
            assert.match(stderr, /warning: update 3 \(deploy v3\.0\.0 by bob, succeeded\) ran between this command's read of the stack and its own update/);
            const record = JSON.parse(stdout) as EvidenceRecord;
            assert.deepStrictEqual([record.imageDigest, record.previousDigest], [v1.digest, v3.digest]);
            assert.strictEqual(record.warnings?.length, 1);
        } finally {
            await proxy.close();
        }
    });

    // Kills: an `up` started although the abort came first (the Automation API ignores earlier aborts).
    it("Ctrl-C before `up` starts: exit 130 and nothing changes", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const configBefore = stackConfig();
        const proxy = await startHoldingProxy(moto.endpoint, "DescribeImages");
        try {
            const run = cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"], { AWS_ENDPOINT_URL_ECR: proxy.endpoint });
            await proxy.reached; // the driver is resolving the tag
            run.child.kill("SIGINT");
            await waitFor("the driver to take the signal", () => /received SIGINT/.test(run.stderr()), 30_000);
            proxy.release();
            const { code, stdout, stderr } = await run.exited;
            assert.strictEqual(code, 130, stderr);
            assert.match(stderr, /update of stack `dev` was interrupted: interrupted before the update started; nothing was changed/);
            assert.deepStrictEqual(JSON.parse(stdout).error.code, 130);
        } finally {
            await proxy.close();
        }
        assert.strictEqual(stackConfig(), configBefore);
        const after = await history(ctx());
        assert.deepStrictEqual(
            after.deployments.map((d) => d.digest),
            [v1.digest],
        );
        assert.strictEqual(after.running?.digest, v1.digest);
        assert.strictEqual(gitStatus(), "");
    });

    // Kills: the temporary copy of Pulumi.dev.yaml that `up` reads (updateConfig.ts `writeUpdateConfig`, a
    // `papyrus-update-config-*` directory in the OS's temporary directory) left behind by an interrupted
    // update: its removal skipped when `up` throws, or the copy written before the update is sure to run.
    it("Ctrl-C before `up`, during `up` before the image is applied, and during the service step: no temporary config copy is left, git status is clean", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const tmp = fs.mkdtempSync(path.join(backend.dir, "tmp-"));
        const copies = () => fs.readdirSync(tmp).filter((name) => name.startsWith("papyrus-update-config-"));
        const copyHolds = (digest: string) =>
            copies().some((dir) => {
                const file = path.join(tmp, dir, "Pulumi.dev.yaml");
                return fs.existsSync(file) && fs.readFileSync(file, "utf8").includes(`papyrus:image: ${REPO_URL}@${digest}`);
            });
        const assertClean = (label: string, stderr: string) => {
            assert.deepStrictEqual(copies(), [], `${label}: no temporary config copy left in ${tmp}\n${stderr}`);
            assert.strictEqual(gitStatus(), "", label);
            assert.strictEqual(stackConfig(), committedConfig(), label);
        };

        // Before `up`: Ctrl-C while the tag is resolved. Nothing is written, nothing is left.
        const proxy = await startHoldingProxy(moto.endpoint, "DescribeImages");
        try {
            const run = cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"], { TMPDIR: tmp, AWS_ENDPOINT_URL_ECR: proxy.endpoint });
            await proxy.reached;
            run.child.kill("SIGINT");
            await waitFor("the driver to take the signal", () => /received SIGINT/.test(run.stderr()), 30_000);
            proxy.release();
            const { code, stdout, stderr } = await run.exited;
            assert.strictEqual(code, 130, stderr);
            assert.match(JSON.parse(stdout).error.message, /interrupted before the update started; nothing was changed/);
            assertClean("before up", stderr);
        } finally {
            await proxy.close();
        }

        // During `up`, before the image is applied: the program waits before it registers anything.
        await setConfig({ fixtureDelayMs: "8000" });
        const early = cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"], { TMPDIR: tmp });
        await waitFor("the engine to start `up`", () => /Updating \(/.test(early.stderr()), 90_000, early);
        assert.ok(copyHolds(v2.digest), "the copy `up` reads is where the test looks, and holds the image");
        early.child.kill("SIGINT");
        const cancelled = await early.exited;
        assert.strictEqual(cancelled.code, 130, cancelled.stderr);
        assert.deepStrictEqual([JSON.parse(cancelled.stdout).result, JSON.parse(cancelled.stdout).applied], ["cancelled", false]);
        assertClean("during up, before the image", cancelled.stderr);

        // During the service step: the engine lets it finish, so the image is applied, then the update ends cancelled.
        await setConfig({ fixtureDelayMs: "0", fixtureServiceDelayMs: "4000", fixtureMarkerDir: markerDir });
        const late = cli(["deploy", "--stack", "dev", "--tag", "v3.0.0", "--json"], { TMPDIR: tmp });
        await serviceStepStarted(markerDir, late);
        assert.ok(copyHolds(v3.digest), "the copy exists while `up` runs");
        late.child.kill("SIGINT");
        const applied = await late.exited;
        assert.strictEqual(applied.code, 130, applied.stderr);
        assert.deepStrictEqual([JSON.parse(applied.stdout).result, JSON.parse(applied.stdout).applied], ["cancelled", true]);
        assertClean("during the service step", applied.stderr);
    });

    // Kills: a lock keyed on the raw `--stack` text (each spelling got its own lock file).
    it("two spellings of one stack share one lock, and stale-lock recovery matches any spelling", async () => {
        await setConfig({ fixtureDelayMs: "3000" });
        const results = await Promise.allSettled([
            deploy({ ...ctx({ requestedBy: "alice" }), tag: "v1.0.0" }),
            deploy({ ...ctx({ requestedBy: "bob", stackName: "organization/papyrus/dev" }), tag: "v2.0.0" }),
        ]);
        const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof deploy>>> => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.deepStrictEqual([won.length, lost.length], [1, 1], JSON.stringify(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))));
        assert.ok(lost[0].reason instanceof StackBusyError, String(lost[0].reason));
        assert.match(
            lost[0].reason.message,
            /stack `organization\/papyrus\/dev` is being deployed by (alice|bob) \(pid \d+ on .*\); driver lock `.*\/driver-locks\/organization\+papyrus\+dev\.json`, \d+s old; nothing was changed/,
        );
        const after = await history(ctx());
        assert.strictEqual(after.deployments.length, 1);
        assert.strictEqual(won[0].value.evidence?.imageDigest, after.running?.digest, "the winner's evidence names what the state runs");
        assert.strictEqual(gitStatus(), "", "neither the winner nor the loser left config in the checkout");

        // A driver killed outright under one spelling leaves a lock that another spelling recovers.
        const killed = cli(["deploy", "--stack", "papyrus/dev", "--tag", "v3.0.0"]);
        await waitFor("the update to start", () => /Updating \(/.test(killed.stderr()), 90_000, killed);
        process.kill(-killed.child.pid!, "SIGKILL");
        await killed.exited;
        await setConfig({ fixtureDelayMs: "0" });
        const next = await deploy({ ...ctx(), stackName: "dev", tag: "v2.0.0" });
        assert.ok(
            next.recovered.some((l) => /removed the driver lock left by ci-test \(pid \d+.*no longer running/.test(l)),
            next.recovered.join("\n"),
        );
        assert.strictEqual((await history(ctx())).running?.digest, v2.digest);
    });

    // Kills: writing evidence without checking the path first (it overwrote Pulumi.dev.yaml), a
    // non-atomic write that leaves `.tmp-PID`, and a late write failure that hid the real exit code.
    it("checks the evidence path before anything runs; a write that fails afterwards keeps the real exit code", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const configBefore = stackConfig();
        const aFile = path.join(backend.dir, "a-file");
        fs.writeFileSync(aFile, "not a directory");
        const refused: [string, RegExp][] = [
            [markerDir, /`--evidence` is a directory; name a file inside it/],
            [path.join(workDir, "Pulumi.dev.yaml"), /`--evidence` is one of the project's own files/],
            [aFile, /`--evidence` exists and is not an evidence record; it would be overwritten/],
            [path.join(aFile, "e.json"), /`--evidence` cannot be written \((ENOTDIR|EEXIST)/],
        ];
        for (const [file, message] of refused) {
            const { code, stdout, stderr } = await runCli(
                ["deploy", "--stack", "dev", "--tag", "v2.0.0", "--evidence", file, "--json", "--cwd", workDir],
                cliEnv(),
            );
            assert.strictEqual(code, 2, `${file}: ${stderr}`);
            assert.match(stderr, message);
            assert.deepStrictEqual(JSON.parse(stdout), { error: { code: 2, message: errorLine(stderr) } });
        }
        assert.strictEqual(stackConfig(), configBefore, "Pulumi.dev.yaml (and its encryptionsalt) is untouched");
        assert.strictEqual((await history(ctx())).deployments.length, 1, "nothing ran");

        // The directory is replaced by a file while the update runs: the write fails afterwards.
        await setConfig({ fixtureServiceDelayMs: "1500", fixtureMarkerDir: markerDir });
        const evidenceDir = path.join(backend.dir, "late");
        // Without --json (issue 23, point 9): the record must still reach the job log, and the warning must say where.
        const run = cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--evidence", path.join(evidenceDir, "e.json")]);
        await serviceStepStarted(markerDir, run);
        fs.rmSync(evidenceDir, { recursive: true, force: true });
        fs.writeFileSync(evidenceDir, "in the way");
        const { code, stdout, stderr } = await run.exited;
        assert.strictEqual(code, 0, stderr);
        assert.match(
            stderr,
            /warning: the evidence record could not be written to `.*late\/e\.json` \(ENOTDIR.*\); the whole record was printed to stderr instead .*so the job log keeps it/,
        );
        assert.doesNotMatch(stderr, /--json/);
        const logged = /^evidence record, not written to \S+:\n(\{\n[\s\S]*?\n\})$/m.exec(stderr);
        assert.ok(logged, stderr);
        const printed = JSON.parse(logged[1]) as EvidenceRecord;
        assert.deepStrictEqual([printed.result, printed.imageDigest, printed.release?.verdict], ["succeeded", v2.digest, "completed"]);
        assert.match(stdout, /^deployed dev: the stack runs /m);
        assert.deepStrictEqual(
            fs.readdirSync(backend.dir).filter((f) => /tmp-\d+/.test(f)),
            [],
        );
        assert.strictEqual(gitStatus(), "");
    });

    // Kills: verify failures recorded only inside the evidence while the CLI exits 0.
    it("verify that cannot run exits 8 and says why; only --no-verify skips it silently", async () => {
        await setConfig({ fixtureClusterName: "papyrus", fixtureServiceName: "api" }); // no such cluster in moto
        const noCluster = await runCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir], cliEnv());
        assert.strictEqual(noCluster.code, 8, noCluster.stderr);
        assert.match(noCluster.stderr, /what ECS runs could not be checked: ECS cluster `papyrus` was not found/);
        await ecs.send(new CreateClusterCommand({ clusterName: "papyrus" })); // a cluster, but no such service
        const missing = await runCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--json", "--cwd", workDir], cliEnv());
        assert.strictEqual(missing.code, 8, missing.stderr);
        assert.match(missing.stderr, /stack `dev` was updated, but what ECS runs could not be checked: ECS service `api` in cluster `papyrus` was not found/);
        const record = JSON.parse(missing.stdout) as EvidenceRecord;
        // `failed`: the command failed (exit 8) though the engine's update succeeded; the history below keeps the engine's `succeeded`
        assert.deepStrictEqual([record.result, record.imageDigest], ["failed", v1.digest]);
        assert.strictEqual((await history(ctx())).deployments.length, 2, "both updates ran; only the check could not");
        assert.match((record.verify as { failed: string }).failed, /was not found/);

        const closed = `http://127.0.0.1:${await freePort()}`;
        const unreachable = await runCli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--cwd", workDir], cliEnv({ AWS_ENDPOINT_URL_ECS: closed }));
        assert.strictEqual(unreachable.code, 8, unreachable.stderr);
        assert.match(unreachable.stderr, new RegExp(`could not be checked: ECS at ${escape(closed)} could not be reached: ECONNREFUSED`));

        const skipped = await runCli(["deploy", "--stack", "dev", "--tag", "v3.0.0", "--no-verify", "--json", "--cwd", workDir], cliEnv());
        assert.strictEqual(skipped.code, 0, skipped.stderr);
        assert.deepStrictEqual((JSON.parse(skipped.stdout) as EvidenceRecord).verify, { skipped: "--no-verify" });
        assert.deepStrictEqual(
            (await history(ctx())).deployments.map((d) => [d.result, d.digest, d.running]),
            [
                ["succeeded", v3.digest, true],
                ["succeeded", v2.digest, false],
                ["succeeded", v1.digest, false],
                ["succeeded", v1.digest, false],
            ],
        );
    });

    // Kills: crediting every update to the `deployedBy` its config carries (a hand-run `up` from a
    // stale checkout showed as "deploy v2.0.0 by alice").
    it("a hand-run `pulumi up` from a stale checkout shows as such, with the image its state recorded", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        await deploy({ ...ctx(), tag: "v3.0.0" });
        // A checkout that still holds v2 as `papyrus:image` (an older driver wrote its keys there): a plain
        // `up` from it runs that image, as the program warns; one without the key keeps v3 (plainUp.integration).
        const stale = fixtureProject(backend.dir);
        fs.writeFileSync(
            path.join(stale, "Pulumi.dev.yaml"),
            `${stackConfig().trimEnd()}\n  papyrus:image: ${image(v2)}\n  papyrus:imageTag: v2.0.0\n` +
                "  papyrus:deployedBy: alice\n  papyrus:deployKind: deploy\n",
        );
        const { command, env } = await engineTools();
        execFileSync(command.command, ["up", "--yes", "--skip-preview", "--non-interactive", "-s", "dev", "--cwd", stale], {
            env: { ...process.env, ...env, ...backend.env },
            stdio: "pipe",
        });

        const after = await history(ctx());
        assert.deepStrictEqual(after.deployments[0], {
            ...after.deployments[0],
            kind: "manual",
            runner: "cli",
            requestedBy: undefined,
            digest: v2.digest,
            tag: "v2.0.0",
            running: true,
        });
        assert.deepStrictEqual(
            after.deployments.slice(1).map((d) => [d.kind, d.runner, d.requestedBy]),
            [
                ["deploy", "driver", "alice"],
                ["deploy", "driver", "alice"],
                ["deploy", "driver", "alice"],
            ],
        );
        const table = (await runCli(["history", "--stack", "dev", "--cwd", workDir], cliEnv())).stdout;
        assert.match(table.split("\n")[1], /^4 .* succeeded\s+unknown\s+manual\s+v2\.0\.0\s+sha256:\S+\s+\(pulumi up by hand\)\s+\*$/);
        const back = await rollback(ctx());
        assert.strictEqual(back.image, image(v1), "v2 came back by hand from update 2; the step back from there is v1");
    });

    // Kills: recovery that runs only when the driver's own lock is stale (every later deploy exited
    // 4 "being deployed by pid N" with N dead), a recovery that never refreshes pending operations,
    // and a language host that outlives its engine (caught by afterEach's process check).
    it("engine killed alone: exit 5 naming what runs, then the next deploy clears the dead lock and the pending operation", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await setConfig({ fixtureServiceDelayMs: "20000", fixtureMarkerDir: markerDir });
        const run: CliRun = cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"]);
        await serviceStepStarted(markerDir, run);
        const engine = childProcesses(run.child.pid!).find((p) => path.basename(p.cmdline[0]) === "pulumi" && p.cmdline.includes("up"));
        assert.ok(engine, "the driver runs `pulumi up`");
        process.kill(engine.pid, "SIGKILL");
        const { code, stdout, stderr } = await run.exited;
        assert.strictEqual(code, 5, stderr);
        // Killed mid-step: the state still names v1, but the step may have reached ECS. Kills: claiming "not applied".
        assert.match(
            stderr,
            new RegExp(
                `update of stack \`dev\` to \`${escape(image(v2))}\` failed; the engine stopped mid-step, leaving 1 pending operation\\(s\\) \\(updating service\\): ` +
                    `the state says \`${escape(image(v1))}\` runs, but the interrupted step may have changed the service; the next deploy refreshes before it acts`,
            ),
        );
        assert.deepStrictEqual(
            [JSON.parse(stdout).result, JSON.parse(stdout).applied, JSON.parse(stdout).imageDigest, JSON.parse(stdout).pendingOperations],
            ["failed", false, v1.digest, 1],
        );
        await assertNoProcessLeft(backend.dir);

        await setConfig({ fixtureServiceDelayMs: "0" });
        const next = await deploy({ ...ctx(), tag: "v3.0.0" });
        assert.ok(
            next.recovered.some((l) => /cancelled the engine's stale update lock held by .*\(pid \d+.*no longer running/.test(l)),
            next.recovered.join("\n"),
        );
        assert.ok(
            next.recovered.some((l) => /refreshed the stack to clear 1 pending operation\(s\) left by the interrupted update \(updating service\)/.test(l)),
            next.recovered.join("\n"),
        );
        assert.ok(!next.recovered.some((l) => /driver lock/.test(l)), "the driver's own lock was released normally");
        const after = await history(ctx());
        assert.strictEqual(after.running?.digest, v3.digest);
        // The killed update never reached the history (the engine writes it when an update ends);
        // its evidence above is the record of it.
        assert.deepStrictEqual(
            after.deployments.filter((d) => d.operation === "update").map((d) => [d.result, d.digest]),
            [
                ["succeeded", v3.digest],
                ["succeeded", v1.digest],
            ],
        );
    });

    // Kills: an engine-error summary that drops the cause, and "failed" claims that ignore the state.
    it("a failure after the image was applied says so, with the engine's cause, and history ends with that failed update", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await setConfig({ fixtureFailAfterService: "true" });
        const { code, stdout, stderr } = await runCli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json", "--cwd", workDir], cliEnv());
        assert.strictEqual(code, 5, stderr);
        assert.match(
            stderr,
            new RegExp(
                `failed; the image was applied before it failed: the stack runs \`${escape(image(v2))}\`\\..*fixtureFailAfterService: a resource after the service failed`,
            ),
        );
        assert.deepStrictEqual([JSON.parse(stdout).result, JSON.parse(stdout).applied], ["failed", true]);
        const after = await history(ctx());
        assert.deepStrictEqual(
            after.deployments.map((d) => [d.result, d.digest, d.running]),
            [
                ["failed", v2.digest, true],
                ["succeeded", v1.digest, false],
            ],
        );
        assert.strictEqual(gitStatus(), "");
    });

    // Issue 23, point 5: `applied` and RUNS come from the state before and after, not from the digest alone.
    it("a redeploy of the running digest that fails before changing it applied nothing and credits nobody new", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await setConfig({ fixtureFailAfterService: "true" });
        const { code, stdout, stderr } = await runCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--json", "--cwd", workDir], cliEnv());
        assert.strictEqual(code, 5, stderr);
        assert.match(stderr, new RegExp(`failed; the stack runs \`${escape(image(v1))}\`, as it did before\\.`));
        assert.doesNotMatch(stderr, /applied before it failed/);
        const evidence = JSON.parse(stdout) as EvidenceRecord;
        assert.deepStrictEqual([evidence.result, evidence.applied, evidence.imageDigest, evidence.release?.verdict], ["failed", false, v1.digest, "failed"]);
        const after = await history(ctx());
        assert.deepStrictEqual(
            after.deployments.map((d) => [d.version, d.result, d.requestedBy, d.digest, d.running]),
            [
                [2, "failed", "ci-test", v1.digest, false],
                [1, "succeeded", "alice", v1.digest, true],
            ],
        );
        const status = await runCli(["status", "--json", "--cwd", workDir], cliEnv());
        assert.strictEqual(status.code, 0, status.stderr);
        const dev = JSON.parse(status.stdout).stacks.find((s: { stack: string }) => s.stack === "dev");
        assert.deepStrictEqual([dev.version, dev.who, dev.kind], [1, "alice", "deploy"], "status credits the update that deployed it");
        assert.strictEqual(gitStatus(), "");
    });

    it("every failure has its documented exit code and, with --json, one JSON object", async () => {
        const fresh = fixtureProject(backend.dir); // a new checkout: no .pulumi-state, no stacks
        const corrupt = fixtureProject(backend.dir);
        fs.writeFileSync(path.join(corrupt, "Pulumi.dev.yaml"), "config:\n  papyrus:repositoryName: [unclosed\n");
        const closed = `http://127.0.0.1:${await freePort()}`;
        // The cases run at once; those that reach the lock get a checkout each (the lock is per checkout).
        const checkout = () => {
            const dir = fixtureProject(backend.dir);
            fs.copyFileSync(path.join(workDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
            return dir;
        };
        const noBackend = { ...cliEnv(), PULUMI_BACKEND_URL: "" };
        const noCredentials = {
            ...cliEnv(),
            AWS_ACCESS_KEY_ID: "",
            AWS_SECRET_ACCESS_KEY: "",
            AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
            AWS_CONFIG_FILE: "/nonexistent",
            AWS_PROFILE: "",
        };
        const cases: { args: string[]; env?: NodeJS.ProcessEnv; cwd?: string; code: number; message: RegExp }[] = [
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", fresh],
                env: noBackend,
                code: 2,
                message: new RegExp(`stack \`dev\` does not exist in file://${escape(fresh)}/\\.pulumi-state`),
            },
            {
                args: ["deploy", "--stack", "../x", "--tag", "v1.0.0", "--cwd", workDir],
                code: 2,
                message: /`--stack` must not contain `\.` or `\.\.` as a part.*got `\.\.\/x`/,
            },
            { args: ["deploy", "--stack", "de v", "--tag", "v1.0.0", "--cwd", workDir], code: 2, message: /`--stack` must be a stack name .*got `de v`/ },
            { args: ["history", "--stack", "other/dev", "--cwd", workDir], code: 2, message: /names project `other`, but this is project `papyrus`/ },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", "/nonexistent/dir"],
                code: 2,
                message: /`--cwd` does not exist; point it at the project directory, got `\/nonexistent\/dir`/,
            },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", corrupt],
                code: 2,
                message: /`Pulumi\.dev\.yaml` is not a valid stack config file/,
            },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--tag-pattern", "(", "--cwd", workDir],
                code: 2,
                message: /`--tag-pattern` is not a valid regular expression .*got `\(`/,
            },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--tag-pattern", "", "--cwd", workDir],
                code: 2,
                message: /`--tag-pattern` must be a regular expression .* and is empty/,
            },
            {
                args: ["rollback", "--stack", "dev", "--to-version", "0x2", "--cwd", workDir],
                code: 2,
                message: /`--to-version` must be an update number .*got `0x2`/,
            },
            { args: ["rollback", "--stack", "dev", "--to-version", "1e0", "--cwd", workDir], code: 2, message: /got `1e0`/ },
            { args: ["rollback", "--stack", "dev", "--to-version", " 2 ", "--cwd", workDir], code: 2, message: /got ` 2 `/ },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0"],
                cwd: os.tmpdir(),
                code: 2,
                message: /`--cwd` is needed: neither .* nor a directory above it holds a Pulumi\.yaml, so there is no project \(and no stack\) here/,
            },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", checkout()],
                env: { ...cliEnv(), AWS_ENDPOINT_URL: closed },
                code: 9,
                message: new RegExp(`ECR at ${escape(closed)} could not be reached: ECONNREFUSED.*nothing was changed`),
            },
            {
                args: ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", checkout()],
                env: noCredentials,
                code: 9,
                message: /ECR at .* could not be reached: CredentialsProviderError.*Provide AWS credentials/,
            },
        ];
        const results = await Promise.all(cases.map((c) => runCli([...c.args, "--json"], c.env ?? cliEnv(), c.cwd)));
        results.forEach((result, i) => {
            const c = cases[i];
            const label = `${c.args.join(" ")}: ${result.stderr}`;
            assert.strictEqual(result.code, c.code, label);
            assert.match(result.stderr, c.message, label);
            assert.doesNotMatch(result.stderr, /\n\s+at /, `no stack trace: ${label}`);
            const json = JSON.parse(result.stdout);
            assert.deepStrictEqual(json, { error: { code: c.code, message: errorLine(result.stderr) } }, label);
        });
        assert.ok(fs.existsSync(path.join(fresh, ".pulumi-state")), "the default backend directory is made");
        assert.strictEqual((await history(ctx())).deployments.length, 0, "none of them ran an update");
        assert.strictEqual(gitStatus(), "");
    });
});

/** The CLI's one `error: …` line (Node 20's AWS SDK also prints a support warning to stderr). */
function errorLine(stderr: string): string {
    return (
        stderr
            .split("\n")
            .filter((l) => l.startsWith("error: "))
            .pop()
            ?.slice("error: ".length) ?? ""
    );
}

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
