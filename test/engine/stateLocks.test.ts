// Issue 23, points 6, 7 and 10, against the real engine (fixture project, file:// backend; an
// S3 backend at a closed port) and moto's ECR and ECS: a driver lock whose holder cannot be proven
// alive, state the engine cannot read (a truncated or misshaped checkpoint, a truncated history
// file), and the failures the exit-code table names that used to end in exit 1. Each case asserts
// the exit code, the message, `--json`'s one object, and that nothing changed (state bytes,
// history, `git status`), and that no process of the test is left.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { lockPath } from "../../automation/engine/lock";
import { StatusResult } from "../../automation/commands/status";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, runCli, startCli, waitFor } from "../../testkit/cliProcess";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { pushImage, PushedImage } from "../../testkit/images";
import { freePort, sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const DEV = "organization/papyrus/dev";

describe("stale driver locks, unreadable state, and the exit codes the table names (real engine + moto)", function () {
    this.timeout(300_000);
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
        [v1, v2] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0")];
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "checkout");
    });
    afterEach(async function () {
        const leak = await assertNoProcessLeft(backend.dir).then(
            () => undefined,
            (e: Error) => e,
        );
        backend.cleanup();
        if (leak && this.currentTest?.state === "passed") throw leak;
    });

    const ctx = (extra: Record<string, unknown> = {}) => ({ stackName: "dev", workDir, envVars: backend.env, ecr, ecs, requestedBy: "alice", ...extra });
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
    const cli = (args: string[], extra: Record<string, string> = {}) => runCli([...args, "--cwd", workDir], cliEnv(extra));
    const stateDir = () => path.join(backend.dir, "state", ".pulumi");
    const checkpointFile = (stack = "dev") => path.join(stateDir(), "stacks", "papyrus", `${stack}.json`);
    const setConfig = async (stackName: string, values: Record<string, string>) => {
        const stack = await fixtureStack(backend, stackName, {}, workDir);
        await stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }])));
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", `config of ${stackName}`);
    };

    /** Exit code, message and `--json`'s one `{"error"}` object, with no stack trace. */
    function assertRefused(result: { code: number | null; stdout: string; stderr: string }, code: number, message: RegExp, label: string): string {
        assert.strictEqual(result.code, code, `${label}: ${result.stderr}`);
        const line = errorLine(result.stderr);
        assert.match(line, message, label);
        assert.doesNotMatch(result.stderr, /\n\s+at |TypeError|code: 1\b/, `no stack trace, no raw CLI error: ${label}`);
        assert.deepStrictEqual(JSON.parse(result.stdout), { error: { code, message: line } }, label);
        return line;
    }

    // Point 6. Kills: treating a lock from another host as busy without naming its file, age and the
    // way out; trusting a live pid without comparing its start time; an unlock that removes a live
    // local holder's lock, or breaks one for its age.
    it("a driver lock from another host or a reused pid: exit 4 with file, holder, age and `unlock`; unlock removes it, and never a live holder's", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const file = lockPath(workDir, DEV);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const startedAt = new Date(Date.now() - (2 * 3600 + 5 * 60) * 1000).toISOString();
        const elsewhere = { pid: 77, host: "runner-7f3a", requestedBy: "github-actions", startedAt, processStart: "other-boot:123" };
        fs.writeFileSync(file, JSON.stringify(elsewhere));

        const blocked = await cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"]);
        assertRefused(
            blocked,
            4,
            new RegExp(
                `^stack \`organization/papyrus/dev\` is locked by github-actions \\(pid 77 on runner-7f3a, since ${escape(startedAt)}\\): ` +
                    `driver lock \`${escape(file)}\`, 2h5m old, whose holder cannot be proven alive from here: it was taken on host \`runner-7f3a\` and this is \`${escape(os.hostname())}\`.*` +
                    "nothing was changed\\. If no deploy of this stack runs there any more, clear it with `papyrus-deploy unlock --stack dev`",
            ),
            "lock from another host",
        );
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")), elsewhere, "the lock is left as it was");
        assert.strictEqual((await history(ctx())).deployments.length, 1, "nothing ran");

        const unlocked = await cli(["unlock", "--stack", "dev", "--json"]);
        assert.strictEqual(unlocked.code, 0, unlocked.stderr);
        assert.deepStrictEqual(JSON.parse(unlocked.stdout), {
            stack: DEV,
            lockFile: file,
            removed: elsewhere,
            reason: `it was taken on host \`runner-7f3a\` and this is \`${os.hostname()}\`: no process there can be checked from here (a container gets a new host name each run)`,
            age: "2h5m",
        });
        assert.ok(!fs.existsSync(file));

        // A pid of this host that runs (this test's own), but another process than the one that took the lock.
        const reused = { pid: process.pid, host: os.hostname(), requestedBy: "bob", startedAt, processStart: "boot-before-the-reboot:42" };
        fs.writeFileSync(file, JSON.stringify(reused));
        assertRefused(
            await cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"]),
            4,
            new RegExp(
                `pid ${process.pid} runs, but it is another process than the one that took the lock .*the pid was reused; nothing was changed.*papyrus-deploy unlock --stack dev`,
            ),
            "reused pid",
        );
        const text = await cli(["unlock", "--stack", "dev"]);
        assert.strictEqual(text.code, 0, text.stderr);
        assert.match(
            text.stdout,
            new RegExp(
                `^unlocked ${DEV}: removed driver lock \`${escape(file)}\` held by bob \\(pid ${process.pid} on .*\\), 2h5m old: pid ${process.pid} runs, but it is another process`,
            ),
        );
        const next = await cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"]);
        assert.strictEqual(next.code, 0, next.stderr);
        assert.strictEqual((await history(ctx())).running?.digest, v2.digest);

        // A live deploy of this checkout: unlock refuses, naming it; its lock stays; the deploy ends normally.
        await setConfig("dev", { "papyrus:fixtureDelayMs": "5000" });
        const slow = startCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir], cliEnv({ PAPYRUS_DEPLOYER: "carol" }));
        await waitFor("the update to start", () => /Updating \(/.test(slow.stderr()), 90_000, slow);
        const held = fs.readFileSync(file, "utf8");
        assertRefused(
            await cli(["unlock", "--stack", "dev", "--json"]),
            4,
            new RegExp(
                `^stack \`${DEV}\` is being deployed by carol \\(pid ${slow.child.pid} on ${escape(os.hostname())}, since .*\\); driver lock \`${escape(file)}\`, \\d+s old, ` +
                    `a process of this host that runs; the lock was left in place: wait for it, or stop it \\(\`kill -INT ${slow.child.pid}\` cancels at a safe point\\)`,
            ),
            "unlock of a live holder",
        );
        assertRefused(
            await cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"]),
            4,
            new RegExp(
                `is being deployed by carol \\(pid ${slow.child.pid} .*\\); driver lock \`${escape(file)}\`, \\d+s old; nothing was changed, try again when it finishes$`,
            ),
            "deploy while a live holder runs",
        );
        assert.strictEqual(fs.readFileSync(file, "utf8"), held, "the live holder's lock is untouched");
        const finished = await slow.exited;
        assert.strictEqual(finished.code, 0, finished.stderr);
        assert.ok(!fs.existsSync(file), "released by its holder");
        assert.strictEqual(gitStatus(), "");
    });

    // Point 7. Kills: `status` failing for every stack on one unreadable stack, the raw CLI error
    // ("code: 1 stdout: stderr: …") for history/verify/deploy, and no way back named.
    it("a truncated checkpoint: status shows every stack with a row for it; every command on it exits 12 naming the file; nothing changes; its .bak restores it", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        await setConfig("prod", { "papyrus:repositoryName": REPO });
        await deploy({ ...ctx({ stackName: "prod" }), tag: "v1.0.0" });
        const file = checkpointFile();
        const truncated = fs.readFileSync(file).subarray(0, 300);
        fs.writeFileSync(file, truncated);
        const prodHistory = () => history(ctx({ stackName: "prod" })).then((h) => h.deployments.map((d) => [d.version, d.digest]));
        const prodBefore = await prodHistory();

        const message = new RegExp(
            `^the state of stack \`dev\` cannot be read: \`${escape(file)}\` is not JSON \\(.+; truncated\\?\\); nothing was changed\\. ` +
                `Put a good copy back: copy the engine's previous checkpoint \`${escape(file)}\\.bak\`, or the newest \`${escape(stateDir())}/history/papyrus/dev/\\*\\.checkpoint\\.json\`, over \`${escape(file)}\`; ` +
                `or \`pulumi stack import --stack ${DEV} --file <good export>\`\\. Then check it with \`pulumi stack export --stack ${DEV}\`$`,
        );
        const json = await cli(["status", "--json"]);
        assert.strictEqual(json.code, 0, json.stderr);
        const status = JSON.parse(json.stdout) as StatusResult;
        assert.deepStrictEqual(
            status.stacks.map((s) => [s.stack, s.digest]),
            [
                ["dev", undefined],
                ["prod", v1.digest],
            ],
        );
        assert.match(status.stacks[0].problem!, message);
        assert.match(
            status.note!,
            /^`pulumi stack ls` failed, as one stack's state cannot be read \(.*unexpected end of JSON input.*\); the stacks listed are those with a checkpoint file in `.*\/stacks\/papyrus`$/,
        );
        const table = await cli(["status"]);
        assert.strictEqual(table.code, 0, table.stderr);
        assert.match(table.stdout, /^dev +- +- +- +- +- +- +- +- +state unreadable \[1\]$/m);
        assert.match(table.stdout, /^\[1\] dev NOTE: the state of stack `dev` cannot be read: /m);
        assert.match(table.stdout, /^prod +1 +sha256:/m);
        assert.match(table.stderr, /^warning: `pulumi stack ls` failed/m);

        for (const args of [
            ["history", "--stack", "dev"],
            ["verify", "--stack", "dev"],
            ["deploy", "--stack", "dev", "--tag", "v2.0.0"],
            ["rollback", "--stack", "dev"],
            ["up", "--stack", "dev"],
            ["reconcile", "--stack", "dev"],
            ["promote", "--from", "dev", "--to", "prod"],
        ]) {
            assertRefused(await cli([...args, "--json"]), 12, message, args.join(" "));
        }
        assert.deepStrictEqual(fs.readFileSync(file), truncated, "the checkpoint is as it was");
        assert.deepStrictEqual(await prodHistory(), prodBefore, "prod is unchanged");
        assert.strictEqual(gitStatus(), "");

        // What the message says to do works.
        fs.copyFileSync(`${file}.bak`, file);
        const back = await cli(["history", "--stack", "dev", "--json"]);
        assert.strictEqual(back.code, 0, back.stderr);
        assert.strictEqual(JSON.parse(back.stdout).deployments.length, 2);
    });

    // Point 7. Kills: reading the checkpoint without checking its shape (a TypeError from
    // `stackOutputsOf`/`recordedImage`), in the file read and in `stack export`'s output alike.
    it("a checkpoint of the wrong shape (`resources: {}`, `resources: [null]`) is exit 12 and a status row, never a TypeError", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const file = checkpointFile();
        const good = JSON.parse(fs.readFileSync(file, "utf8"));
        const cases: [unknown, RegExp][] = [
            [{}, /holds an object as `checkpoint\.latest\.resources`, which must be a list; nothing was changed/],
            [[null], /holds `null` as `checkpoint\.latest\.resources\[0\]`, which must be an object; nothing was changed/],
        ];
        for (const [resources, problem] of cases) {
            fs.writeFileSync(file, JSON.stringify({ ...good, checkpoint: { ...good.checkpoint, latest: { ...good.checkpoint.latest, resources } } }));
            const bytes = fs.readFileSync(file);
            const label = JSON.stringify(resources);
            assertRefused(
                await cli(["history", "--stack", "dev", "--json"]),
                12,
                new RegExp(`^the state of stack \`dev\` cannot be read: \`${escape(file)}\` ${problem.source}`),
                label,
            );
            const status = await cli(["status", "--json"]);
            assert.strictEqual(status.code, 0, `${label}: ${status.stderr}`);
            assert.doesNotMatch(status.stderr, /TypeError|\n\s+at /);
            const rows = (JSON.parse(status.stdout) as StatusResult).stacks;
            assert.deepStrictEqual(
                rows.map((r) => r.stack),
                ["dev"],
                label,
            );
            assert.match(rows[0].problem!, problem, label);
            assert.deepStrictEqual(fs.readFileSync(file), bytes, `${label}: unchanged`);
        }
        // Off a file:// backend (or when the file is left to the CLI) `stack export`'s output is checked the same way:
        // for `resources: [null]` the engine prints a resource with no urn and no type.
        const exported = execFileSync(path.join(process.cwd(), ".tools", "bin", "pulumi"), ["stack", "export", "--stack", DEV, "--cwd", workDir], {
            env: { ...process.env, ...backend.env },
            encoding: "utf8",
        });
        assert.deepStrictEqual(JSON.parse(exported).deployment.resources, [{ urn: "", custom: false, type: "" }], "what the engine prints for it");
        assert.strictEqual(gitStatus(), "");
    });

    // Point 10. Kills: a `stack history` failure passed on as exit 1 with the raw CLI error.
    it("a truncated history file: history and rollback exit 12 naming the file; moving it back makes them work", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        const dir = path.join(stateDir(), "history", "papyrus", "dev");
        const newest = fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".history.json"))
            .sort()
            .pop()!;
        const file = path.join(dir, newest);
        const good = fs.readFileSync(file);
        fs.writeFileSync(file, good.subarray(0, 40));
        const message = new RegExp(
            `^the state of stack \`dev\` cannot be read: \`${escape(file)}\` cannot be decoded \\(unexpected end of JSON input; truncated\\?\\); nothing was changed\\. ` +
                "A history file holds one update's record; put back a good copy of it, or move it out of the history directory",
        );
        for (const args of [
            ["history", "--stack", "dev"],
            ["rollback", "--stack", "dev"],
        ]) {
            assertRefused(await cli([...args, "--json"]), 12, message, args.join(" "));
        }
        const status = JSON.parse((await cli(["status", "--json"])).stdout) as StatusResult;
        assert.match(status.stacks[0].problem!, message);
        fs.writeFileSync(file, good);
        assert.strictEqual((await history(ctx())).running?.digest, v2.digest, "nothing ran meanwhile");
        assert.strictEqual(gitStatus(), "");
    });

    // Point 10. Kills: `PULUMI_BACKEND_URL` at a missing directory passed to the engine (exit 1, "unable to open state directory").
    it("PULUMI_BACKEND_URL naming a directory that does not exist: exit 2 naming the variable and the path", async () => {
        const missing = path.join(backend.dir, "no-such-state");
        for (const args of [["deploy", "--stack", "dev", "--tag", "v1.0.0"], ["history", "--stack", "dev"], ["status"], ["unlock", "--stack", "dev"]]) {
            assertRefused(
                await cli([...args, "--json"], { PULUMI_BACKEND_URL: `file://${missing}` }),
                2,
                new RegExp(
                    `^\`PULUMI_BACKEND_URL\` names the state directory \`${escape(missing)}\`, which does not exist; point it at the directory that holds the state .*` +
                        `\`mkdir -p ${escape(missing)}\`, got \`file://${escape(missing)}\`$`,
                ),
                args.join(" "),
            );
        }
        assert.ok(!fs.existsSync(missing), "not created");
        assert.strictEqual(gitStatus(), "");
    });

    // Point 10. Kills: verify's exit 8 for an ECS that cannot be reached where reconcile (and promote's source check) gave 9.
    it("ECS unreachable: verify and reconcile both exit 9 and change nothing; a cluster that is not there stays 8", async () => {
        await setConfig("dev", { "papyrus:fixtureClusterName": "papyrus", "papyrus:fixtureServiceName": "api" }); // no such cluster in moto
        await deploy({ ...ctx(), tag: "v1.0.0", verify: false });
        const closed = `http://127.0.0.1:${await freePort()}`;
        const unreachable = new RegExp(
            `^ECS at ${escape(closed)} could not be reached: ECONNREFUSED.*; nothing was changed\\. Check the network and the endpoint`,
        );
        for (const args of [
            ["verify", "--stack", "dev"],
            ["reconcile", "--stack", "dev"],
        ]) {
            assertRefused(await cli([...args, "--json"], { AWS_ENDPOINT_URL_ECS: closed }), 9, unreachable, args.join(" "));
        }
        assertRefused(
            await cli(["verify", "--stack", "dev", "--json"]),
            8,
            /^what ECS runs for stack `dev` could not be checked: ECS cluster `papyrus` was not found/,
            "no cluster",
        );
        assert.strictEqual((await history(ctx())).deployments.length, 1, "reconcile ran no update");
        assert.strictEqual(gitStatus(), "");
    });

    // Point 10. Kills: `status` exit 1 on an S3 backend that cannot be reached (the Automation API's
    // error was not classified), and a reason that was only "code: 1" (the engine's `error:` line
    // follows ` stderr: ` on the same line of the CLI error).
    it("an S3 state backend that cannot be reached: status, history and deploy exit 9 with the engine's own error line", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        const url = `s3://papyrus-state/papyrus?endpoint=${encodeURIComponent(closed)}&use_path_style=true&disable_https=true&region=us-east-1`;
        const reason = new RegExp(
            `^state backend \`${escape(url)}\` could not be reached: read "\\.pulumi/meta\\.yaml": .*dial tcp 127\\.0\\.0\\.1:\\d+: connect: connection refused; nothing was changed\\. ` +
                "Check PULUMI_BACKEND_URL, the network and the credentials for the state bucket$",
        );
        const results = await Promise.all(
            [["status"], ["history", "--stack", "dev"], ["deploy", "--stack", "dev", "--tag", "v1.0.0"]].map((args) =>
                cli([...args, "--json"], { PULUMI_BACKEND_URL: url, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" }).then((r) => ({
                    args,
                    r,
                })),
            ),
        );
        for (const { args, r } of results) assertRefused(r, 9, reason, args.join(" "));
        assert.strictEqual(gitStatus(), "");
    });
});

/** The CLI's one `error: …` line. */
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
