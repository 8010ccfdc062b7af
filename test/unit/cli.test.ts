// The CLI layer alone: parsing, exit codes and formatting. No engine needed
// for these paths: every one of them stops before a stack is opened.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { USAGE } from "../../automation/cli/main";
import { runMain as runCli } from "../../testkit/cliInProcess";
import { formatHistory } from "../../automation/cli/print";
import { COMMANDS, COMMON_FLAGS } from "../../automation/cli/commandTable";
import { deploy } from "../../automation/commands/deploy";
import { EXIT_CODES } from "../../automation/record/errors";
import { lockPath, processStartOf } from "../../automation/engine/lock";

describe("papyrus-deploy CLI", () => {
    it("lists each command, `--stack` and each exit code in --help, and exits 0 (2 without a command)", async () => {
        // kills: a command, `--stack` or an exit code dropped from the help text, or --help exiting non-zero
        const { code, stdout } = await runCli(["--help"]);
        assert.strictEqual(code, 0);
        for (const command of ["deploy", "rollback", "promote", "up", "history", "verify", "unlock"]) {
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

        const unknown = await runCli(["promot", "--stack", "dev"]);
        assert.strictEqual(unknown.code, 2);
        assert.strictEqual(unknown.stderr, "error: `promot` is not a command; did you mean `promote`? (run `papyrus-deploy --help` for the commands)\n");

        const badFlag = await runCli(["deploy", "--stack", "dev", "--tagg", "v1"]);
        assert.strictEqual(badFlag.code, 2);
        assert.strictEqual(
            badFlag.stderr,
            "error: `--tagg` is not a flag of `deploy`; did you mean `--tag`? (run `papyrus-deploy deploy --help` for its flags)\n",
        );
    });

    it("refuses a flag the command does not take in one line, listing its flags (`history --tag x` used to be accepted)", async () => {
        // kills: one shared flag table again (any command accepting any flag), or the usage dumped after the refusal again
        const cases: [string[], string, string][] = [
            [["history", "--stack", "dev", "--tag", "x"], "--tag", "history"],
            [["verify", "--stack", "dev", "--no-verify"], "--no-verify", "verify"],
            [["promote", "--from", "dev", "--to", "prod", "--stack", "prod"], "--stack", "promote"],
            [["deploy", "--stack", "dev", "--tag", "v1.0.0", "--to-version", "2"], "--to-version", "deploy"],
            [["up", "--stack", "dev", "--restore"], "--restore", "up"],
        ];
        for (const [args, flag, command] of cases) {
            const { code, stdout, stderr } = await runCli(args);
            assert.strictEqual(code, 2, args.join(" "));
            assert.strictEqual(stdout, "");
            const flags = [...Object.keys(COMMANDS[command as keyof typeof COMMANDS].flags), ...Object.keys(COMMON_FLAGS)];
            assert.strictEqual(
                stderr,
                `error: \`${flag}\` is not a flag of \`${command}\`; its flags are ${flags.map((f) => `\`--${f}\``).join(", ")} ` +
                    `(run \`papyrus-deploy ${command} --help\` for what each does)\n`,
            );
        }
        const json = await runCli(["history", "--stack", "dev", "--tag", "x", "--json"]);
        assert.strictEqual(JSON.parse(json.stdout).error.code, 2, "--json still prints one JSON object");
    });

    it("refuses a string flag given twice, for every string flag of every command, naming the flag and both values (`--stack dev --stack prod` took the last)", async () => {
        // kills: parseArgs's last-one-wins let through, for any one flag of any one command
        let checked = 0;
        for (const [command, spec] of Object.entries(COMMANDS)) {
            for (const [flag, f] of Object.entries({ ...spec.flags, ...COMMON_FLAGS })) {
                if ((f as { type: string }).type !== "string") continue;
                const args = [command, `--${flag}`, "first", `--${flag}=second`, "--json"];
                const { code, stdout, stderr } = await runCli(args);
                const message = `\`--${flag}\` is given 2 times (\`first\`, then \`second\`); give it once, with the value you mean, got \`--${flag} first --${flag} second\``;
                assert.strictEqual(code, 2, args.join(" "));
                assert.strictEqual(stderr, `error: ${message}\n`, args.join(" "));
                assert.deepStrictEqual(JSON.parse(stdout), { error: { code: 2, message } }, "--json: one object");
                checked++;
            }
        }
        assert.ok(checked >= 30, `only ${checked} flags checked`);
        // A value with a line break is shown escaped; boolean flags given twice still mean the same.
        const split = await runCli(["deploy", "--stack", "dev", "--stack", "prod\nx", "--tag", "v1.0.0"]);
        assert.strictEqual(split.code, 2);
        assert.strictEqual(
            split.stderr.split("\n")[0],
            "error: `--stack` is given 2 times (`dev`, then `prod\\nx`); give it once, with the value you mean, got `--stack dev --stack prod\\nx`",
        );
        const usage = await runCli(["deploy", "--help", "--help"]);
        assert.strictEqual(usage.code, 0);
    });

    it("describes --cwd's default without naming a project: any project's Pulumi.yaml is found (#26)", async () => {
        // kills: the help still saying the default is the directory "whose Pulumi.yaml is project papyrus"
        const { stdout } = await runCli(["status", "--help"]);
        const line = stdout.split("\n").find((l) => l.startsWith("  --cwd"));
        assert.ok(line, "status --help lacks --cwd");
        assert.doesNotMatch(line!, /papyrus/);
        assert.match(line!, /nearest directory upwards from here that holds a Pulumi\.yaml/);
    });

    it("prints each command's flags with their help for `<command> --help` and `help <command>`, from the same table as the usage", async () => {
        // kills: a flag added to a command's table but missing from its help or from the general usage
        for (const [command, spec] of Object.entries(COMMANDS)) {
            const viaFlag = await runCli([command, "--help"]);
            const viaHelp = await runCli(["help", command]);
            assert.deepStrictEqual([viaFlag.code, viaHelp.code], [0, 0]);
            assert.strictEqual(viaFlag.stdout, viaHelp.stdout);
            assert.match(viaFlag.stdout, new RegExp(`^papyrus-deploy ${command}: `));
            const synopsis = USAGE.split("\n").find((l) => new RegExp(`^  papyrus-deploy ${command}\\s`).test(l));
            assert.ok(synopsis, `the usage has no line for ${command}`);
            for (const [flag, f] of Object.entries(spec.flags)) {
                assert.ok(
                    viaFlag.stdout.split("\n").some((l) => l.startsWith(`  --${flag}`) && l.includes((f as { help: string }).help)),
                    `${command} --help lacks --${flag}`,
                );
                assert.ok(synopsis!.includes(`--${flag}`), `the usage line of ${command} lacks --${flag}`);
            }
        }
        const unknown = await runCli(["help", "promot"]);
        assert.strictEqual(unknown.code, 2);
    });

    it("refuses promote's bad input before anything runs: no --from or --to, a bad --version, a bad --wait", async () => {
        const cases: [string[], RegExp][] = [
            [["promote", "--to", "prod"], /^error: `--from` is required \(e\.g\. `--from dev`\)$/m],
            [["promote", "--from", "dev"], /^error: `--to` is required \(e\.g\. `--to prod`\)$/m],
            [["promote", "--from", "dev", "--to", "prod", "--version", "0"], /`--version` must be an update number from `history` \(1, 2, …\), got `0`/],
            [["promote", "--from", "dev", "--to", "prod", "--version", "1e0"], /`--version` must be an update number .*got `1e0`/],
            [
                ["promote", "--from", "dev", "--to", "prod", "--wait", "2h"],
                /`--wait` must be a duration of at most 60 minutes such as `90s`, `10m`, `1m30s` or `0` \(look once, do not wait\), got `2h`/,
            ],
            [["promote", "--from", "dev", "--to", "prod", "--wait", "61m"], /`--wait` must be a duration .*got `61m`/],
        ];
        for (const [args, message] of cases) {
            const { code, stderr } = await runCli(args);
            assert.strictEqual(code, 2, args.join(" "));
            assert.match(stderr, message);
        }
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

    it("names the flag a bad value came from, where the library names its input (`stackName` is `--to` for promote, `from` is `--from`)", async () => {
        // kills: the CLI passing the library's input names through (`stackName` must not…), or mapping `stackName` to `--stack` for promote
        const fixture = require("path").join(__dirname, "..", "..", "testkit", "fixtures", "digest-app");
        const cases: [string[], RegExp][] = [
            [
                ["deploy", "--stack", "../x", "--tag", "v1.0.0", "--cwd", fixture],
                /^error: `--stack` must not contain `\.` or `\.\.` as a part.*got `\.\.\/x`$/m,
            ],
            [["promote", "--from", "../x", "--to", "prod", "--cwd", fixture], /^error: `--from` must not contain `\.` or `\.\.` as a part.*got `\.\.\/x`$/m],
            [["promote", "--from", "dev", "--to", "../y", "--cwd", fixture], /^error: `--to` must not contain `\.` or `\.\.` as a part.*got `\.\.\/y`$/m],
            [
                ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", "/nonexistent-papyrus"],
                /^error: `--cwd` does not exist; point it at the project directory, got `\/nonexistent-papyrus`$/m,
            ],
        ];
        for (const [args, message] of cases) {
            const { code, stderr } = await runCli(args);
            assert.strictEqual(code, 2, `${args.join(" ")}: ${stderr}`);
            assert.match(stderr, message);
        }
    });

    it("the library refuses `onRollback: reconcile` with `verify: false` in its own words, before it opens the stack", async () => {
        await assert.rejects(deploy({ stackName: "dev", tag: "v1.0.0", workDir: "/nonexistent", verify: false, onRollback: "reconcile" }), {
            name: "InvalidInputError",
            message: "`onRollback` needs ECS checked after the update, which `verify: false` turns off: drop one of them, got `reconcile`",
        });
    });

    it("refuses `deploy --preview --evidence` before anything runs, in the CLI's words and the library's (a preview wrote no record and said nothing)", async () => {
        // kills: a preview that silently leaves `--evidence` unwritten, or a check that comes after the stack is opened
        const args = ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--preview", "--evidence", "out/preview.json", "--cwd", "/nonexistent-papyrus", "--json"];
        const { code, stdout, stderr } = await runCli(args);
        const message =
            "`--evidence` is the record of an update, and `--preview` runs none (a preview changes nothing and leaves no record); " +
            "drop `--evidence` to preview, or drop `--preview` to deploy and record the update, got `out/preview.json`";
        assert.strictEqual(code, 2, stderr);
        assert.strictEqual(stderr, `error: ${message}\n`);
        assert.deepStrictEqual(JSON.parse(stdout), { error: { code: 2, message } });
        await assert.rejects(deploy({ stackName: "dev", tag: "v1.0.0", workDir: "/nonexistent", preview: true, evidenceFile: "out/preview.json" }), {
            name: "InvalidInputError",
            message:
                "`evidenceFile` is the record of an update, and `preview: true` runs none (a preview changes nothing and leaves no record); drop one of them, got `out/preview.json`",
        });
    });

    it("refuses a bad `--progress` before anything runs, one error line and one JSON object; commands that run no engine do not take it", async () => {
        const message = "`--progress` must be `engine` (the engine's own output) or `steps` (one line per resource operation), got `quiet`";
        for (const command of [
            ["deploy", "--stack", "dev", "--tag", "v1.0.0"],
            ["rollback", "--stack", "dev"],
            ["promote", "--from", "dev", "--to", "prod"],
            ["up", "--stack", "dev"],
            ["reconcile", "--stack", "dev"],
        ]) {
            const { code, stdout, stderr } = await runCli([...command, "--progress", "quiet", "--cwd", "/nonexistent-papyrus", "--json"]);
            assert.strictEqual(code, 2, command[0]);
            assert.strictEqual(stderr, `error: ${message}\n`, command[0]);
            assert.deepStrictEqual(JSON.parse(stdout), { error: { code: 2, message } });
        }
        for (const command of [["history", "--stack", "dev"], ["verify", "--stack", "dev"], ["status"]]) {
            const { code, stderr } = await runCli([...command, "--progress", "steps"]);
            assert.strictEqual(code, 2, command[0]);
            assert.match(stderr, new RegExp(`^error: \`--progress\` is not a flag of \`${command[0]}\``), command[0]);
        }
    });

    it("refuses the scan gate's and the restore's bad input before anything runs, and `status --stack`", async () => {
        const cases: [string[], RegExp][] = [
            [
                ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--accept-findings", " "],
                /^error: `--accept-findings` must say why the findings are accepted .*, and is empty, got ` `$/m,
            ],
            [["promote", "--from", "dev", "--to", "prod", "--accept-findings", ""], /^error: `--accept-findings` must say why the findings are accepted/m],
            [["rollback", "--stack", "dev", "--wait", "20m"], /^error: `--wait` is how long to wait for a restore, so it goes with `--restore`, got `20m`$/m],
            [["rollback", "--stack", "dev", "--restore", "--wait", "2h"], /`--wait` must be a duration of at most 60 minutes .*got `2h`/],
            [["rollback", "--stack", "dev", "--accept-findings", "x"], /`--accept-findings` is not a flag of `rollback`/],
            [["status", "--stack", "dev"], /`--stack` is not a flag of `status`/],
            // kills: accepting a reconcile promise that `--no-verify` makes impossible (a rollback would pass unseen)
            [
                ["deploy", "--stack", "dev", "--tag", "v1.0.0", "--no-verify", "--on-rollback", "reconcile"],
                /^error: `--on-rollback` needs ECS checked after the update, which `--no-verify` turns off: drop one of them, got `reconcile`$/m,
            ],
        ];
        for (const [args, message] of cases) {
            const { code, stderr } = await runCli(args);
            assert.strictEqual(code, 2, args.join(" "));
            assert.match(stderr, message, args.join(" "));
        }
    });

    it("puts ECS's record and the decisions at PAUSE hooks under the history table, one line per update that has them", () => {
        const digest = "sha256:" + "5c".repeat(32);
        const text = formatHistory([
            {
                version: 3,
                operation: "update",
                kind: "deploy",
                result: "succeeded",
                startTime: new Date("2026-12-07T10:00:00Z"),
                digest,
                runner: "driver",
                release: { verdict: "rolled-back", ecs: "rolled-back", reason: "r" },
                ecs: { deployment: "abc", status: "ROLLBACK_SUCCESSFUL", rollback: "alarm api-5xx fired", alarms: ["api-5xx"] },
                decisions: [{ action: "rollback", via: "abort", by: "bob", reason: "errors", at: "2026-12-07T10:05:00.000Z", deployment: "abc" }],
            },
            {
                version: 2,
                operation: "update",
                kind: "deploy",
                result: "succeeded",
                startTime: new Date("2026-12-07T09:00:00Z"),
                digest,
                runner: "driver",
                release: { verdict: "completed", ecs: "completed", reason: "r" },
            },
        ]);
        const lines = text.trimEnd().split("\n");
        assert.strictEqual(lines.length, 5, text);
        assert.strictEqual(lines[3], "");
        assert.strictEqual(
            lines[4],
            '#3: ECS ROLLBACK_SUCCESSFUL: alarm api-5xx fired; alarms api-5xx; rolled back by bob via abort at 2026-12-07T10:05:00.000Z: "errors"',
        );
    });

    it("formats history as aligned columns with shortened digests", () => {
        const digest = "sha256:" + "5c".repeat(32);
        const table = formatHistory([
            {
                version: 2,
                operation: "update",
                kind: "rollback",
                result: "succeeded",
                startTime: new Date("2026-11-23T14:40:02Z"),
                endTime: new Date("2026-11-23T14:40:07Z"),
                digest,
                tag: "v1.0.0",
                requestedBy: "carol",
                runner: "driver",
                running: true,
                release: { verdict: "completed", ecs: "completed", reason: "ECS deployment ecs-svc/1 completed" },
            },
            {
                version: 1,
                operation: "refresh",
                kind: "other",
                result: "failed",
                startTime: new Date("2026-11-23T14:39:48Z"),
                runner: "cli",
                release: { verdict: "unknown", reason: "a refresh that recorded no image" },
            },
        ]);
        const lines = table.trimEnd().split("\n");
        assert.strictEqual(lines.length, 3);
        const promoted = formatHistory([
            {
                version: 4,
                operation: "update",
                kind: "promote",
                result: "succeeded",
                startTime: new Date("2026-11-23T14:41:00Z"),
                digest,
                tag: "v1.0.0",
                requestedBy: "dave",
                runner: "driver",
                promotedFrom: { stack: "dev", version: 7, digest, tag: "v1.0.0" },
                release: { verdict: "in-progress", ecs: "in-progress", reason: "ECS deployment ecs-svc/2 was still IN_PROGRESS" },
            },
        ]);
        assert.match(promoted.split("\n")[1], /^4\s+.*succeeded\s+in-progress\s+promote \(dev #7\)\s+v1\.0\.0\s+sha256:5c5c5c5c5c5c…\s+dave$/);
        assert.match(lines[0], /^VERSION\s+STARTED\s+FINISHED\s+RESULT\s+RELEASE\s+KIND\s+TAG\s+DIGEST\s+WHO\s+RUNS$/);
        assert.match(
            lines[1],
            /^2\s+2026-11-23T14:40:02Z\s+2026-11-23T14:40:07Z\s+succeeded\s+completed\s+rollback\s+v1\.0\.0\s+sha256:5c5c5c5c5c5c…\s+carol\s+\*$/,
        );
        assert.match(lines[2], /^1\s+2026-11-23T14:39:48Z\s+-\s+failed\s+-\s+refresh\s+-\s+-\s+-$/);
        assert.strictEqual(lines[1].indexOf("succeeded"), lines[0].indexOf("RESULT"));
        assert.strictEqual(lines[1].indexOf("completed"), lines[0].indexOf("RELEASE"));
        assert.strictEqual(formatHistory([]), "no deployments\n");
    });

    it("unlock: removes a driver lock no process of this host holds, says what it removed, and refuses a live holder with exit 4", async () => {
        // No engine: the lock is a file of the checkout, and a file:// backend's stack names need no CLI call.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-unlock-"));
        const saved = process.env.PULUMI_BACKEND_URL;
        delete process.env.PULUMI_BACKEND_URL;
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: papyrus\nruntime: nodejs\n");
            const file = lockPath(dir, "organization/papyrus/dev");
            const write = (holder: object) => {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, JSON.stringify(holder));
            };
            const none = await runCli(["unlock", "--stack", "dev", "--cwd", dir]);
            assert.deepStrictEqual(
                [none.code, none.stdout],
                [0, `organization/papyrus/dev: no driver lock in this checkout (\`${file}\`); nothing was removed\n`],
            );

            const startedAt = new Date(Date.now() - 5 * 3_600_000).toISOString();
            write({ pid: 4242, host: "runner-abc", requestedBy: "ci", startedAt });
            const removed = await runCli(["unlock", "--stack", "papyrus/dev", "--cwd", dir]);
            assert.strictEqual(removed.code, 0, removed.stderr);
            assert.strictEqual(
                removed.stdout,
                `unlocked organization/papyrus/dev: removed driver lock \`${file}\` held by ci (pid 4242 on runner-abc, since ${startedAt}), 5h old: ` +
                    `it was taken on host \`runner-abc\` and this is \`${os.hostname()}\`: no process there can be checked from here (a container gets a new host name each run)\n`,
            );
            assert.ok(!fs.existsSync(file));

            write({ pid: 4242, host: "runner-abc", requestedBy: "ci", startedAt });
            const json = await runCli(["unlock", "--stack", "dev", "--cwd", dir, "--json"]);
            assert.strictEqual(json.code, 0);
            assert.deepStrictEqual(JSON.parse(json.stdout), {
                stack: "organization/papyrus/dev",
                lockFile: file,
                removed: { pid: 4242, host: "runner-abc", requestedBy: "ci", startedAt },
                reason: `it was taken on host \`runner-abc\` and this is \`${os.hostname()}\`: no process there can be checked from here (a container gets a new host name each run)`,
                age: "5h",
            });

            // This very process holds it: a live holder of this host, never removed.
            const live = { pid: process.pid, host: os.hostname(), requestedBy: "alice", startedAt, processStart: processStartOf(process.pid) };
            write(live);
            const refused = await runCli(["unlock", "--stack", "dev", "--cwd", dir, "--json"]);
            assert.strictEqual(refused.code, EXIT_CODES.stackBusy);
            const message =
                `stack \`organization/papyrus/dev\` is being deployed by alice (pid ${process.pid} on ${os.hostname()}, since ${startedAt}); driver lock \`${file}\`, 5h old, ` +
                `a process of this host that runs; the lock was left in place: wait for it, or stop it (\`kill -INT ${process.pid}\` cancels at a safe point); ` +
                "nothing was changed, try again when it finishes";
            assert.deepStrictEqual(JSON.parse(refused.stdout), { error: { code: 4, message } });
            assert.strictEqual(refused.stderr, `error: ${message}\n`);
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")), live, "the live holder's lock is untouched");

            const usage = await runCli(["unlock", "--help"]);
            assert.match(
                usage.stdout,
                /^papyrus-deploy unlock: remove the stack's driver lock when no process of this host holds it\n\nUsage:\n {2}papyrus-deploy unlock --stack <env> \[--json\]/,
            );
            assert.strictEqual((await runCli(["unlock", "--cwd", dir])).code, 2);
        } finally {
            if (saved !== undefined) process.env.PULUMI_BACKEND_URL = saved;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
