// The CLI layer alone: parsing, exit codes and formatting. No engine needed
// for these paths: every one of them stops before a stack is opened.
import * as assert from "assert";
import { PassThrough } from "stream";
import { main, formatHistory } from "../automation/cli";
import { EXIT_CODES } from "../automation/errors";

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = "";
    let stderr = "";
    out.on("data", (c) => (stdout += c));
    err.on("data", (c) => (stderr += c));
    const code = await main(args, out, err);
    return { code, stdout, stderr };
}

describe("papyrus-deploy CLI", () => {
    it("lists each command, `--stack` and each exit code in --help, and exits 0 (2 without a command)", async () => {
        // kills: a command, `--stack` or an exit code dropped from the help text, or --help exiting non-zero
        const { code, stdout } = await runCli(["--help"]);
        assert.strictEqual(code, 0);
        for (const command of ["deploy", "rollback", "up", "history", "verify"]) {
            assert.match(stdout, new RegExp(`^\\s*(?:papyrus-deploy\\s+)?${command}\\b`, "m"), `--help does not list the command \`${command}\``);
        }
        assert.match(stdout, /--stack\b/);
        const exitCodes = stdout.slice(Math.max(0, stdout.search(/^exit codes/im)));
        for (const exit of [0, 1, 2, 3, 4, 5, 6, 7, 130, ...Object.values(EXIT_CODES)]) {
            assert.match(exitCodes, new RegExp(`(?<![\\w./-])${exit}\\s+\\S`), `exit code ${exit} is not documented under "Exit codes"`);
        }
        assert.strictEqual((await runCli([])).code, 2);
    });

    it("exits 2 with the bad value named for `latest`, a missing --stack and an unknown command", async () => {
        const latest = await runCli(["deploy", "--stack", "dev", "--tag", "latest"]);
        assert.strictEqual(latest.code, 2);
        assert.match(latest.stderr, /^error: `--tag` must not be `latest`.*got `latest`\n$/s);

        const noStack = await runCli(["deploy", "--tag", "v1.0.0"]);
        assert.strictEqual(noStack.code, 2);
        assert.match(noStack.stderr, /`--stack` is required/);

        const unknown = await runCli(["promote", "--stack", "dev"]);
        assert.strictEqual(unknown.code, 2);
        assert.match(unknown.stderr, /`command` must be one of deploy, rollback, up, history, verify, got `promote`/);

        const badFlag = await runCli(["deploy", "--stack", "dev", "--tagg", "v1"]);
        assert.strictEqual(badFlag.code, 2);
        assert.match(badFlag.stderr, /--tagg/);
    });

    it("refuses two rollback targets at once and a version that is not an update number", async () => {
        const two = await runCli(["rollback", "--stack", "dev", "--to-version", "3", "--to-tag", "v1.0.0"]);
        assert.strictEqual(two.code, 2);
        assert.match(two.stderr, /can be given with none of the other target flags, got `--to-version --to-tag`/);
        const zero = await runCli(["rollback", "--stack", "dev", "--to-version", "0"]);
        assert.strictEqual(zero.code, 2);
        assert.match(zero.stderr, /`--to-version` must be an update number.*got `0`/);
        const digest = await runCli(["rollback", "--stack", "dev", "--to-digest", "v1.0.0"]);
        assert.strictEqual(digest.code, 2);
        assert.match(digest.stderr, /`--to-digest` must be `sha256:<64 lowercase hex>`, got `v1\.0\.0`/);
    });

    it("formats history as aligned columns with shortened digests", () => {
        const digest = "sha256:" + "5c".repeat(32);
        const table = formatHistory([
            { version: 2, operation: "update", kind: "rollback", result: "succeeded", startTime: new Date("2026-11-23T14:40:02Z"),
              endTime: new Date("2026-11-23T14:40:07Z"), digest, tag: "v1.0.0", requestedBy: "carol", runner: "driver", running: true },
            { version: 1, operation: "refresh", kind: "other", result: "failed", startTime: new Date("2026-11-23T14:39:48Z"), runner: "cli" },
        ]);
        const lines = table.trimEnd().split("\n");
        assert.strictEqual(lines.length, 3);
        assert.match(lines[0], /^VERSION\s+STARTED\s+FINISHED\s+RESULT\s+KIND\s+TAG\s+DIGEST\s+WHO\s+RUNS$/);
        assert.match(lines[1], /^2\s+2026-11-23T14:40:02Z\s+2026-11-23T14:40:07Z\s+succeeded\s+rollback\s+v1\.0\.0\s+sha256:5c5c5c5c5c5c…\s+carol\s+\*$/);
        assert.match(lines[2], /^1\s+2026-11-23T14:39:48Z\s+-\s+failed\s+refresh\s+-\s+-\s+-$/);
        assert.strictEqual(lines[1].indexOf("succeeded"), lines[0].indexOf("RESULT"));
        assert.strictEqual(formatHistory([]), "no deployments\n");
    });
});
