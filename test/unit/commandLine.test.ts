// The command line's habits (issue 26): a mistyped command or flag gets one line with "did you
// mean" and the `--help` to run, never a help dump; `--version`; `--json` gets one object on every
// usage error. The parser alone, then main, then the CLI as a process (as a terminal runs it).
import * as assert from "assert";
import { EventEmitter } from "events";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCommandLine } from "../../automation/cli/parseCommandLine";
import { packageVersion } from "../../automation/cli/version";
import { runMain } from "../../testkit/cliInProcess";
import { runCli as runCliProcess } from "../../testkit/cliProcess";

const VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).version;
const COMMANDS_HINT = "(run `papyrus-deploy --help` for the commands)";

function refusal(argv: string[]): string {
    try {
        parseCommandLine(argv);
    } catch (e) {
        assert.strictEqual((e as { exitCode?: number }).exitCode, 2, argv.join(" "));
        return (e as Error).message;
    }
    assert.fail(`${argv.join(" ")} was accepted`);
}

describe("the command line: mistakes, --version, --json", () => {
    it("a mistyped command: did you mean, and `papyrus-deploy --help`; anything else lists the commands", () => {
        // kills: no near miss looked for, the hint dropped, or `help <command>` checked another way
        const table: [string[], string][] = [
            [["deplyo", "--stack", "dev"], `\`deplyo\` is not a command; did you mean \`deploy\`? ${COMMANDS_HINT}`],
            [["rolback"], `\`rolback\` is not a command; did you mean \`rollback\`? ${COMMANDS_HINT}`],
            [["stauts"], `\`stauts\` is not a command; did you mean \`status\`? ${COMMANDS_HINT}`],
            [["Verify"], `\`Verify\` is not a command; did you mean \`verify\`? ${COMMANDS_HINT}`],
            [["help", "histroy"], `\`histroy\` is not a command; did you mean \`history\`? ${COMMANDS_HINT}`],
            [
                ["frobnicate"],
                "`frobnicate` is not a command; the commands are `deploy`, `rollback`, `promote`, `up`, `reconcile`, `approve`, `abort`, `history`, `status`, `verify`, `unlock` " +
                    "(run `papyrus-deploy --help` for what each does)",
            ],
        ];
        for (const [argv, message] of table) assert.strictEqual(refusal(argv), message);
        // What was typed is shown escaped: a line break cannot forge a second line of output.
        assert.match(refusal(["dep\nloy"]), /^`dep\\nloy` is not a command; did you mean `deploy`\? /);
        assert.match(refusal(["deploy", "--st\nack"]), /^`--st\\nack` is not a flag of `deploy`; did you mean `--stack`\? /);
        assert.match(refusal(["history", "a\rb"]), /^`a\\rb` is an argument, /);
    });

    it("a mistyped flag: did you mean one of that command's own flags, and `papyrus-deploy <command> --help`", () => {
        // kills: near misses looked for among every command's flags (`history --to` is not `--tag`'s), or the hint naming no command
        const table: [string[], string][] = [
            [["deploy", "--stak", "dev", "--tag", "v1.0.0"], "`--stak` is not a flag of `deploy`; did you mean `--stack`?"],
            [["deploy", "--stack", "dev", "--tga", "v1.0.0"], "`--tga` is not a flag of `deploy`; did you mean `--tag`?"],
            [["deploy", "--stack=dev", "--tga=v1.0.0"], "`--tga` is not a flag of `deploy`; did you mean `--tag`?"],
            [["rollback", "--stack", "dev", "--to-verison", "3"], "`--to-verison` is not a flag of `rollback`; did you mean `--to-version`?"],
            [["promote", "--form", "dev", "--to", "prod"], "`--form` is not a flag of `promote`; did you mean `--from`?"],
            [["history", "--stack", "dev", "--jsn"], "`--jsn` is not a flag of `history`; did you mean `--json`?"],
            [["up", "--stack", "dev", "--no-verfy"], "`--no-verfy` is not a flag of `up`; did you mean `--no-verify`?"],
        ];
        for (const [argv, message] of table) {
            assert.strictEqual(refusal(argv), `${message} (run \`papyrus-deploy ${argv[0]} --help\` for its flags)`);
        }
        // No near miss among its own flags: the flags it takes. `--tag` is not `--to` (two edits of a two-letter name).
        assert.strictEqual(
            refusal(["promote", "--from", "dev", "--tag", "v1"]),
            "`--tag` is not a flag of `promote`; its flags are `--from`, `--to`, `--version`, `--wait`, `--accept-findings`, `--no-verify`, " +
                "`--progress`, `--wait-timeout`, `--poll-interval`, `--on-rollback`, `--smoke-test`, `--smoke-test-timeout`, `--on-interrupt`, `--evidence`, `--cwd`, `--json`, `--help` (run `papyrus-deploy promote --help` for what each does)",
        );
        assert.strictEqual(
            refusal(["status", "-x"]),
            "`-x` is not a flag of `status`; its flags are `--cwd`, `--json`, `--help` (run `papyrus-deploy status --help` for what each does)",
        );
    });

    it("a flag without its value, a switch with one, a stray argument: one line each, saying what to type", () => {
        const table: [string[], string][] = [
            [["deploy", "--tag", "v1.0.0", "--stack"], "`--stack` needs a value, e.g. `--stack dev`"],
            [
                ["deploy", "--stack", "--tag", "v1.0.0"],
                "`--stack` needs a value, and is followed by the flag `--tag`; give one, e.g. `--stack dev` (a value that starts with `-` is written `--stack=-…`)",
            ],
            [
                ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--preview=yes"],
                "`--preview` is a switch and takes no value (`--preview=yes`); give it alone, as `--preview`",
            ],
            [
                ["deploy", "dev", "v1.0.0"],
                "`dev v1.0.0` are arguments, and `deploy` takes flags only: give each value with its flag, e.g. `--stack dev` (run `papyrus-deploy deploy --help` for its flags)",
            ],
            [
                ["history", "dev"],
                "`dev` is an argument, and `history` takes flags only: give each value with its flag, e.g. `--stack dev` (run `papyrus-deploy history --help` for its flags)",
            ],
        ];
        for (const [argv, message] of table) assert.strictEqual(refusal(argv), message);
        assert.match(refusal(["deploy", "--preview=a\nb"]), /^`--preview` is a switch and takes no value \(`--preview=a\\nb`\)/);
        assert.match(refusal(["deploy", "--stack", "-x\ny"]), /^`--stack` needs a value, and is followed by the flag `-x\\ny`;/);
        // kills: the first `--stack` taken for the one without a value
        assert.strictEqual(refusal(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--stack"]), "`--stack` needs a value, e.g. `--stack dev`");
    });

    it("without a command: `--version`/`-V`, `--help`/`-h`, the usage (exit 2); a mistyped or a command's flag refused", () => {
        // kills: `--version` read as promote's `--version N`, `--json` swallowed as its value, or `--verison` ignored
        assert.deepStrictEqual(parseCommandLine(["--version"]), { kind: "version", json: false });
        assert.deepStrictEqual(parseCommandLine(["-V"]), { kind: "version", json: false });
        assert.deepStrictEqual(parseCommandLine(["--version", "--json"]), { kind: "version", json: true });
        assert.deepStrictEqual(parseCommandLine(["--json", "-V"]), { kind: "version", json: true });
        assert.deepStrictEqual(parseCommandLine(["--help"]), { kind: "usage", exitCode: 0 });
        assert.deepStrictEqual(parseCommandLine(["-h"]), { kind: "usage", exitCode: 0 });
        assert.deepStrictEqual(parseCommandLine([]), { kind: "usage", exitCode: 2 });
        // promote's own `--version N` is untouched.
        assert.strictEqual(
            (parseCommandLine(["promote", "--from", "dev", "--to", "prod", "--version", "3"]) as { values: Record<string, unknown> }).values.version,
            "3",
        );
        assert.strictEqual(refusal(["--verison"]), `\`--verison\` is not a flag of \`papyrus-deploy\`; did you mean \`--version\`? ${COMMANDS_HINT}`);
        assert.strictEqual(
            refusal(["--frob"]),
            `\`--frob\` is not a flag of \`papyrus-deploy\`, which takes \`--help\`, \`--version\` and \`--json\` before a command ${COMMANDS_HINT}`,
        );
        const commandRequired =
            "`command` is required, one of `deploy`, `rollback`, `promote`, `up`, `reconcile`, `approve`, `abort`, `history`, `status`, `verify`, `unlock`, " +
            `e.g. \`papyrus-deploy history --stack dev\` ${COMMANDS_HINT}`;
        assert.strictEqual(refusal(["--stack", "dev"]), commandRequired);
        assert.strictEqual(refusal(["--json"]), commandRequired);
    });

    it("main: `--version` prints `papyrus-deploy <version>` from package.json, or one JSON object, and exits 0", async () => {
        assert.strictEqual(packageVersion(), VERSION);
        assert.deepStrictEqual(await runMain(["--version"]), { code: 0, stdout: `papyrus-deploy ${VERSION}\n`, stderr: "" });
        assert.deepStrictEqual(await runMain(["-V"]), { code: 0, stdout: `papyrus-deploy ${VERSION}\n`, stderr: "" });
        const json = await runMain(["--version", "--json"]);
        assert.deepStrictEqual([json.code, json.stderr, JSON.parse(json.stdout)], [0, "", { name: "papyrus-deploy", version: VERSION }]);
    });

    it("--version reads the package's own package.json, not a nearer one of another name", () => {
        // kills: the version taken from the first package.json upwards (dist/policy has one of its own)
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-version-"));
        try {
            const cli = path.join(root, "dist", "automation", "cli");
            fs.mkdirSync(cli, { recursive: true });
            fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "papyrus-deploy", version: "9.8.7" }));
            fs.writeFileSync(path.join(root, "dist", "package.json"), JSON.stringify({ name: "papyrus-deploy-build", version: "0.0.1" }));
            assert.strictEqual(packageVersion(cli), "9.8.7");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("main: each usage error is one line on stderr (no usage), and with --json one object on stdout; exit 2", async () => {
        // kills: the usage dumped after a refusal again, or --json printing text (or nothing) for a new refusal
        const cases: string[][] = [
            ["deplyo", "--stack", "dev"],
            ["deploy", "--stak", "dev", "--tag", "v1.0.0"],
            ["deploy", "--stack", "dev", "--tga", "v1.0.0"],
            ["deploy", "--stack", "dev", "--tag"],
            ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--preview=1"],
            ["history", "dev"],
            ["--verison"],
            ["--stack", "dev"],
            ["help", "deplyo"],
            ["deploy", "--stack", "dev", "--stack", "prod", "--tag", "v1.0.0"],
            ["deploy", "--stack", "dev"],
            ["deploy", "--stack", "dev", "--tag="],
            ["rollback", "--stack", "dev", "--to-tag="],
            ["up", "--stack", "dev", "--cwd="],
        ];
        for (const args of cases) {
            const plain = await runMain(args);
            assert.strictEqual(plain.code, 2, args.join(" "));
            assert.strictEqual(plain.stdout, "", args.join(" "));
            assert.match(plain.stderr, /^error: [^\n]+\n$/, args.join(" "));
            assert.ok(!plain.stderr.includes("got ``"), plain.stderr);
            const message = plain.stderr.slice("error: ".length, -1);
            const json = await runMain(["--json", ...args]);
            assert.strictEqual(json.code, 2, args.join(" "));
            assert.strictEqual(json.stderr, plain.stderr, args.join(" "));
            assert.deepStrictEqual(JSON.parse(json.stdout), { error: { code: 2, message } }, args.join(" "));
        }
        // `--json` alone: a JSON object too, never the usage text.
        const alone = await runMain(["--json"]);
        assert.strictEqual(alone.code, 2);
        assert.strictEqual(JSON.parse(alone.stdout).error.code, 2);
    });

    describe("as a process", function () {
        this.timeout(120_000);
        const env = { ...process.env, PULUMI_BACKEND_URL: "file:///nonexistent-papyrus-state" };

        it("`papyrus-deploy --version` exits 0 with one line; `--json` one object", async () => {
            assert.deepStrictEqual(await runCliProcess(["--version"], env), {
                code: 0,
                signal: null,
                stdout: `papyrus-deploy ${VERSION}\n`,
                stderr: "",
            });
            const json = await runCliProcess(["-V", "--json"], env);
            assert.deepStrictEqual([json.code, json.stderr, JSON.parse(json.stdout)], [0, "", { name: "papyrus-deploy", version: VERSION }]);
        });

        it("`papyrus-deploy deplyo` and `deploy --stak dev`: one line on stderr with the hint, exit 2; with --json one object", async () => {
            const command = await runCliProcess(["deplyo", "--stack", "dev"], env);
            assert.deepStrictEqual(command, {
                code: 2,
                signal: null,
                stdout: "",
                stderr: `error: \`deplyo\` is not a command; did you mean \`deploy\`? ${COMMANDS_HINT}\n`,
            });
            const flag = await runCliProcess(["deploy", "--stak", "dev", "--tag", "v1.0.0", "--json"], env);
            const message = "`--stak` is not a flag of `deploy`; did you mean `--stack`? (run `papyrus-deploy deploy --help` for its flags)";
            assert.deepStrictEqual([flag.code, flag.stderr, JSON.parse(flag.stdout)], [2, `error: ${message}\n`, { error: { code: 2, message } }]);
        });
    });
});

describe("the command line: a signal during a command that only reads", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-read-signal-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: orders\nruntime: nodejs\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const json of [false, true]) {
        it(`status${json ? " --json" : ""}: says it is stopping a read, prints no result, exit 130${json ? ", one JSON object" : ""}`, async () => {
            // kills: "cancelling the update" for a read, and its full output with exit 0 after the Ctrl-C
            const signals = new EventEmitter();
            const running = runMain(["status", "--cwd", dir, ...(json ? ["--json"] : [])], signals);
            signals.emit("SIGINT", "SIGINT");
            const { code, stdout, stderr } = await running;
            assert.strictEqual(code, 130);
            const message = "`status` was interrupted (SIGINT); it only reads, so nothing was changed";
            assert.strictEqual(stderr, `\nreceived SIGINT: stopping \`status\` (it only reads; nothing is changed)…\nerror: ${message}\n`);
            if (json) assert.deepStrictEqual(JSON.parse(stdout), { error: { code: 130, message } });
            else assert.strictEqual(stdout, "");
        });
    }

    it("an updating command still says it cancels the update", async () => {
        const signals = new EventEmitter();
        const running = runMain(["up", "--stack", "dev", "--cwd", dir, "--json"], signals);
        signals.emit("SIGINT", "SIGINT");
        const { code, stderr } = await running;
        assert.match(stderr, /^\nreceived SIGINT: cancelling the update \(the engine stops at a safe point\)…\n/);
        assert.notStrictEqual(code, 0);
    });
});
