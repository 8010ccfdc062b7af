// `npm run demo`, the README's main-job command, run as a newcomer runs it: it must finish with
// the history and verify printed, stop moto and everything else it started, and do the same
// when interrupted with Ctrl-C half way.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../automation/engine/tools";
import { assertNoProcessLeft, waitFor } from "../../testkit/cliProcess";

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

    it("deploys, deploys, rolls back, prints history and verify, and leaves nothing running or on disk", async () => {
        const demo = startDemo();
        const code = await demo.exited;
        const out = demo.stdout();
        assert.strictEqual(code, 0, `${out}\n${demo.stderr()}`);
        const table = out.slice(out.indexOf("VERSION")).split("\n").slice(0, 4);
        assert.match(table[0], /^VERSION\s+STARTED\s+FINISHED\s+RESULT\s+RELEASE\s+KIND\s+TAG\s+DIGEST\s+WHO\s+RUNS$/);
        assert.match(table[1], /^3\s.*succeeded\s+completed\s+rollback\s+v25\.10\.30\s+sha256:\S+\s+\S+\s+\*$/);
        assert.match(table[2], /^2\s.*succeeded\s+completed\s+deploy\s+v25\.10\.31\s+sha256:\S+\s+\S+$/);
        assert.match(table[3], /^1\s.*succeeded\s+completed\s+deploy\s+v25\.10\.30\s+sha256:\S+\s+\S+$/);
        assert.match(out, /in sync: api runs 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/papyrus-api@sha256:[0-9a-f]{64}, rollout completed\n/);
        assert.match(out, /\(against AWS: npm run rollback -- --stack dev\)/);
        // The gate read moto's one HIGH finding (below CRITICAL); the rollback's digest kept its slot; status shows the stack.
        assert.match(out, /^scan: passed \(COMPLETE; findings: 1 HIGH, threshold CRITICAL\)$/m);
        assert.match(out, /^protected: 2 digest\(s\) \(deployed-dev-slot1…10\)$/m);
        assert.match(out, /^dev\s+3\s+sha256:\S+\s+v25\.10\.30\s+\S+\s+\S+\s+in sync\s+completed\s+yes \(deployed-dev-slot1\)$/m);
        const dir = demoDir(out);
        assert.ok(!fs.existsSync(dir), `${dir} is removed without --keep`);
        await assertNoProcessLeft(dir);
        assert.deepStrictEqual(motoLeft(out), []);
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
});
