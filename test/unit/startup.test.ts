// The CLI answers `--help`, a command's `--help` and a usage error without loading the Pulumi SDK,
// the AWS SDK or any command's module: they load when a command runs (cli/main.ts). Checked in a
// fresh process, since this one has loaded them for other suites.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** Runs main() with each argv in one new process; returns the exit codes and every file it loaded. */
function loadedBy(argvs: string[][]): { codes: number[]; loaded: string[] } {
    const script = `const { Writable } = require("stream");
const sink = new Writable({ write: (_c, _e, done) => done() });
(async () => {
    const { main } = require("./automation/cli/main");
    const codes = [];
    for (const argv of ${JSON.stringify(argvs)}) codes.push(await main(argv, sink, sink));
    process.stdout.write(JSON.stringify({ codes, loaded: Object.keys(require.cache) }));
})();`;
    const result = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
}

describe("CLI start-up: what --help and usage errors load", function () {
    this.timeout(60_000);

    it("loads no SDK and no command module for --help, `deploy --help` and a mistyped flag", () => {
        const { codes, loaded } = loadedBy([["--help"], ["deploy", "--help"], ["history", "--stak", "dev"], ["deploy", "--stack", "dev"]]);
        assert.deepStrictEqual(codes, [0, 0, 2, 2]);
        const heavy = loaded.filter((file) => /node_modules[\\/](@pulumi|@aws-sdk|@smithy|@grpc)[\\/]/.test(file));
        assert.deepStrictEqual(heavy, [], "SDK files loaded");
        const commands = loaded.filter((file) => file.startsWith(path.join(ROOT, "automation", "commands") + path.sep));
        assert.deepStrictEqual(commands, []);
    });

    it("loads a command's module when the command runs (the check above can see one)", () => {
        // `status` in a directory with no Pulumi.yaml: the command loads, then refuses the directory.
        const { loaded } = loadedBy([["status", "--cwd", path.join(ROOT, "docs")]]);
        assert.ok(loaded.includes(path.join(ROOT, "automation", "commands", "status.ts")), "status.ts not loaded");
        assert.ok(
            loaded.some((file) => /node_modules[\\/]@pulumi[\\/]pulumi[\\/]/.test(file)),
            "the Pulumi SDK not loaded",
        );
    });
});
