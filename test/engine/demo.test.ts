// `npm run demo`, the README's main-job command, run as a newcomer runs it: it must finish with
// the history and verify printed, stop moto and everything else it started, and do the same
// when interrupted with Ctrl-C half way; with `--keep` leave a demo the CLI can drive with the
// environment it prints, until `--stop`.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../automation/engine/tools";
import { assertNoProcessLeft, runCli, waitFor } from "../../testkit/cliProcess";

function startDemo(args: string[] = []) {
    const child = spawn("npm", ["run", "--silent", "demo", "--", ...args], { cwd: PROJECT_ROOT, env: process.env, detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    // npm ends itself with the signal its script got, so a Ctrl-C'd run closes with signal SIGINT
    // (a shell shows 130); the demo script's own exit code is 130 too.
    const exited = new Promise<number | string | null>((resolve) => child.on("close", (code, signal) => resolve(code ?? signal)));
    return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** moto servers still listening on the demo's port (its line `moto (AWS API emulator): http://127.0.0.1:<port>`). */
function motoLeft(stdout: string): string[] {
    const port = /moto \(AWS API emulator\): http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
    assert.ok(port, `no moto line in:\n${stdout}`);
    return fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .flatMap((p) => {
            try {
                const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
                return cmdline.some((a) => a.endsWith("moto_server")) && cmdline.includes(port) ? [cmdline.join(" ")] : [];
            } catch {
                return [];
            }
        });
}

/** The demo's temporary directory, from the line that names its state backend. */
function demoDir(stdout: string): string {
    const match = /state: file:\/\/(\S+)\/state/.exec(stdout);
    assert.ok(match, `no state line in:\n${stdout}`);
    return match[1];
}

describe("npm run demo", function () {
    this.timeout(300_000);

    it("deploys, deploys, rolls back, pauses a canary for a passing and a failing smoke test, prints history and verify, and leaves nothing running or on disk", async () => {
        const demo = startDemo();
        const code = await demo.exited;
        const out = demo.stdout();
        assert.strictEqual(code, 0, `${out}\n${demo.stderr()}`);
        const table = out.slice(out.indexOf("VERSION")).split("\n").slice(0, 11);
        assert.match(table[0], /^VERSION\s+STARTED\s+FINISHED\s+RESULT\s+RELEASE\s+KIND\s+TAG\s+DIGEST\s+WHO\s+RUNS$/);
        // The failing smoke test's release is rolled back and reconciled (#6 records what ECS returned to, v25.10.31).
        assert.match(table[1], /^6\s.*succeeded\s+completed\s+reconcile \(of #5\)\s+v25\.10\.31\s+sha256:\S+\s+\S+\s+\*$/);
        assert.match(table[2], /^5\s.*succeeded\s+rolled-back\s+deploy\s+v25\.10\.29\s+sha256:\S+\s+\S+$/);
        assert.match(table[3], /^4\s.*succeeded\s+completed\s+deploy\s+v25\.10\.31\s+sha256:\S+\s+\S+$/);
        assert.match(table[4], /^3\s.*succeeded\s+completed\s+rollback\s+v25\.10\.30\s+sha256:\S+\s+\S+$/);
        assert.match(table[5], /^2\s.*succeeded\s+completed\s+deploy\s+v25\.10\.31\s+sha256:\S+\s+\S+$/);
        assert.match(table[6], /^1\s.*succeeded\s+completed\s+deploy\s+v25\.10\.30\s+sha256:\S+\s+\S+$/);
        // Under the table, ECS's reasons and the decisions at the PAUSE hooks.
        assert.match(table[8], /^#6: ECS SUCCESSFUL; continued by \S+ via reconcile at .*: "a reconcile restores the revision ECS rolled back to"$/);
        assert.match(
            table[9],
            /^#5: ECS ROLLBACK_SUCCESSFUL: Service deployment rolled back by ContinueServiceDeployment \(ROLLBACK\) .*; rolled back by \S+ via the smoke test at .* \(stage POST_TEST_TRAFFIC_SHIFT\): "smoke test exit 1 after/,
        );
        assert.match(table[10], /^#4: ECS SUCCESSFUL; continued by \S+ via the smoke test at .* \(stage POST_TEST_TRAFFIC_SHIFT\): "smoke test exit 0 after/);
        // The paused canary said where it stood (on stderr, with the rollout's progress), and the failing step ended 14.
        assert.match(
            demo.stderr(),
            /^ECS paused deployment \S+ at its PAUSE hook at POST_TEST_TRAFFIC_SHIFT \(0% of production traffic and 100% of test traffic on the new revision\)/m,
        );
        assert.match(demo.stderr(), /^smoke test: GET dev \/health at POST_TEST_TRAFFIC_SHIFT: 503$/m);
        assert.match(out, /^\(exit 14, as this step shows\)$/m);
        assert.match(out, /in sync: api runs 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/papyrus-api@sha256:[0-9a-f]{64}, rollout completed\n/);
        assert.match(out, /\(against AWS: npm run rollback -- --stack dev\)/);
        // A preview before the first deploy, and the engine's work live, one line per resource operation (`--progress steps`).
        assert.match(
            out,
            /^--- 1\/9: preview the first deploy: what the update would create, with nothing changed\n\$ papyrus-deploy deploy --stack dev --tag v25\.10\.30 --preview --progress steps --poll-interval 1s$/m,
        );
        assert.match(out, /^would deploy dev: 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/papyrus-api@sha256:[0-9a-f]{64}$/m);
        const err = demo.stderr();
        const created = ["  + create pulumi-nodejs:dynamic:Resource service-task", "  + create pulumi-nodejs:dynamic:Resource service"].join("\n");
        assert.strictEqual(err.split(created).length - 1, 2, `the preview and the first deploy each create the task definition and the service:\n${err}`);
        assert.strictEqual((err.match(/^ {2}= 3 create \(\d+s\)$/gm) ?? []).length, 2, err);
        const replaced = ["  +- replace pulumi-nodejs:dynamic:Resource service-task", "  ~ update pulumi-nodejs:dynamic:Resource service"].join("\n");
        assert.strictEqual(err.split(replaced).length - 1, 5, `every update after the first replaces the task definition:\n${err}`);
        assert.doesNotMatch(err, /Updating \(|Previewing update|pulumi:providers/, "the engine's own output is left out");
        // The gate read moto's one HIGH finding (below CRITICAL); the rollback's digest kept its slot; status shows the stack.
        assert.match(out, /^scan: passed \(COMPLETE; findings: 1 HIGH, threshold CRITICAL\)$/m);
        assert.match(out, /^protected: 2 digest\(s\) \(deployed-dev-slot1…10\)$/m);
        assert.match(out, /^dev\s+6\s+sha256:\S+\s+v25\.10\.31\s+\S+\s+\S+\s+in sync\s+completed\s+yes \(deployed-dev-slot\d+\)$/m);
        const dir = demoDir(out);
        assert.ok(!fs.existsSync(dir), `${dir} is removed without --keep`);
        await assertNoProcessLeft(dir);
        assert.deepStrictEqual(motoLeft(out), []);
    });

    it("--keep leaves it running for the CLI with the printed environment, and --stop ends it and leaves no process", async () => {
        const demo = startDemo(["--keep"]);
        const code = await demo.exited;
        const out = demo.stdout();
        assert.strictEqual(code, 0, `${out}\n${demo.stderr()}`);
        const dir = demoDir(out);
        const kept = out.slice(out.indexOf("\nkept: "));
        const port = /moto \(AWS API emulator\) on port (\d+) and the ECS rollout proxy run on \(pids in (\S+)\);/.exec(kept);
        assert.ok(port, kept);
        assert.strictEqual(port[2], path.join(dir, "servers.json"));
        const servers = JSON.parse(fs.readFileSync(port[2], "utf8")) as { pid: number; motoPid: number; motoPort: number };
        assert.strictEqual(String(servers.motoPort), port[1]);
        assert.strictEqual(motoLeft(out).length, 1, "moto runs on");

        // The environment exactly as printed: `export KEY='value'` lines, PATH, the alias and the project directory.
        const env: Record<string, string> = {};
        for (const [, key, value] of kept.matchAll(/^ {2}export (\w+)='([^']*)'$/gm)) env[key] = value;
        assert.deepStrictEqual(Object.keys(env).sort(), [
            "AWS_ACCESS_KEY_ID",
            "AWS_DEFAULT_REGION",
            "AWS_EC2_METADATA_DISABLED",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_ECS",
            "AWS_REGION",
            "AWS_SECRET_ACCESS_KEY",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK",
            "PULUMI_BACKEND_URL",
            "PULUMI_CONFIG_PASSPHRASE",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
            "PULUMI_HOME",
            "PULUMI_SKIP_UPDATE_CHECK",
        ]);
        const tools = /^ {2}export PATH='([^']+)':"\$PATH"$/m.exec(kept)?.[1];
        assert.strictEqual(tools, path.join(PROJECT_ROOT, ".tools", "bin"));
        assert.match(kept, new RegExp(`^ {2}alias papyrus-deploy='node ${path.join(PROJECT_ROOT, "automation", "bin", "papyrus-deploy.js")}'$`, "m"));
        const workDir = /^ {2}cd '([^']+)'$/m.exec(kept)?.[1];
        assert.ok(workDir && workDir.startsWith(dir), kept);
        assert.match(kept, /^ {2}papyrus-deploy status\n {2}papyrus-deploy history --stack dev\n {2}papyrus-deploy verify --stack dev$/m);
        assert.match(kept, /^stop moto and remove the demo \(state included\): npm run demo -- --stop {3}\(from .+\)$/m);

        // A shell with only that environment (no AWS or Pulumi variables of its own): the CLI reads the kept demo.
        const shell: Record<string, string> = { PATH: `${tools}:/usr/bin:/bin`, HOME: process.env.HOME ?? "/root", USER: "newcomer", ...env };
        const status = await runCli(["status"], shell, workDir);
        assert.strictEqual(status.code, 0, status.stderr);
        assert.match(status.stdout, /^dev\s+6\s+sha256:\S+\s+v25\.10\.31\s+\S+\s+\S+\s+in sync\s+completed\s+yes \(deployed-dev-slot\d+\)$/m);
        const history = await runCli(["history", "--stack", "dev"], shell, workDir);
        assert.strictEqual(history.code, 0, history.stderr);
        assert.strictEqual(history.stdout.trimEnd().split("\n").length, 11, history.stdout);
        // Without the credentials lines: the ECS and PROTECTED cells say so in one clause each, the details follow the table.
        const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutCredentials } = shell;
        const noCredentials = await runCli(
            ["status"],
            { ...withoutCredentials, AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_CONFIG_FILE: "/nonexistent" },
            workDir,
        );
        assert.strictEqual(noCredentials.code, 0, noCredentials.stderr);
        const [table, details] = noCredentials.stdout.split("\n\n");
        assert.match(table.split("\n")[1], /^dev\s+6\s.*\s+no credentials \[1\]\s+completed\s+no credentials \[2\]$/);
        assert.match(details, /^\[1\] dev ECS: ECS at http:\/\/127\.0\.0\.1:\d+ could not be reached: CredentialsProviderError: .*\n\[2\] dev PROTECTED: /);
        const verify = await runCli(["verify", "--stack", "dev"], shell, workDir);
        assert.strictEqual(verify.code, 0, verify.stderr);
        assert.match(verify.stdout, /^in sync: api runs .*, rollout completed$/m);

        const stop = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
            const child = spawn("npm", ["run", "--silent", "demo", "--", "--stop", dir], { cwd: PROJECT_ROOT, env: process.env });
            let stdout = "";
            child.stdout.on("data", (c) => (stdout += c));
            child.on("close", (c) => resolve({ code: c, stdout }));
        });
        assert.strictEqual(stop.code, 0, stop.stdout);
        assert.strictEqual(stop.stdout, `stopped moto (port ${servers.motoPort}) and the rollout proxy, and removed ${dir}\n`);
        assert.ok(!fs.existsSync(dir), `${dir} is removed`);
        assert.deepStrictEqual(motoLeft(out), []);
        assert.deepStrictEqual(
            [servers.pid, servers.motoPid].filter((pid) => fs.existsSync(`/proc/${pid}`)),
            [],
            "the servers process and moto are gone",
        );
        await assertNoProcessLeft(dir);
    });

    it("stops moto and removes its state on Ctrl-C, half way", async () => {
        const demo = startDemo();
        await waitFor("the second step", () => /--- 2\/\d+/.test(demo.stdout()), 240_000);
        process.kill(-demo.child.pid!, "SIGINT"); // a terminal's Ctrl-C: the whole foreground group
        const code = await demo.exited;
        assert.ok(code === 130 || code === "SIGINT", `${code}\n${demo.stdout()}\n${demo.stderr()}`);
        assert.match(demo.stderr(), /demo: interrupted; stopping moto/);
        const dir = demoDir(demo.stdout());
        await assertNoProcessLeft(dir);
        assert.deepStrictEqual(motoLeft(demo.stdout()), []);
        assert.ok(!fs.existsSync(path.join(dir, "state")), "the state is removed");
    });

    it("removes its directory on Ctrl-C right after moto started, before the first step (the engine's signal-exit used to re-raise it)", async () => {
        // kills: `process.once("SIGINT")`: the Automation API's execa (signal-exit) saw no other listener and
        // killed the demo with the signal while it stopped moto, leaving its directory behind
        const demo = startDemo();
        await waitFor("the moto line", () => /moto \(AWS API emulator\)/.test(demo.stdout()), 240_000);
        process.kill(-demo.child.pid!, "SIGINT");
        const code = await demo.exited;
        assert.ok(code === 130 || code === "SIGINT", `${code}\n${demo.stdout()}\n${demo.stderr()}`);
        const dir = demoDir(demo.stdout());
        await assertNoProcessLeft(dir);
        assert.deepStrictEqual(motoLeft(demo.stdout()), []);
        assert.ok(!fs.existsSync(dir), `${dir} is removed:\n${demo.stdout()}\n${demo.stderr()}`);
        // The step that Ctrl-C cut short is no failure of the demo: no "demo failed" and no stack trace.
        assert.doesNotMatch(demo.stderr(), /demo failed|\n\s+at /);
    });
});
