// The one option table: each flag's library option, type and parser come from
// cli/commandTable.ts, and the CLI converts and renames nothing by hand. Table
// driven over every flag of every command, plus compile-time checks of the
// derived option types.
import * as assert from "assert";
import { commandOptions, CommandOptions, flagForInput } from "../../automation/cli/commandOptions";
import { COMMAND_NAMES, flagsOf } from "../../automation/cli/commandTable";
import type { DeployOptions } from "../../automation/commands/deploy";
import type { PromoteOptions } from "../../automation/commands/promote";
import type { RollbackOptions } from "../../automation/commands/rollback";
import { EXIT_CODE_MEANINGS, EXIT_CODES, InvalidInputError } from "../../automation/record/errors";
import {
    findProjectDirectory,
    onInterrupt,
    onRollback,
    tagPolicy,
    toDigest,
    toTag,
    toVersion,
    updateNumber,
    waitDuration,
} from "../../automation/cli/flagValues";
import { exitCodeHelp } from "../../automation/cli/usage";

/** A value each string flag accepts, by its placeholder. */
const GOOD: Record<string, string> = {
    "<env>": "dev",
    "<tag>": "v1.2.3",
    "<re>": "^v\\d+$",
    "<reason>": "CVE-2026-1 has no fix yet",
    "<duration>": "90s",
    "fail|reconcile": "fail",
    "ask|leave|abort": "abort",
    "<command>": "./smoke-test.sh",
    "<why>": "errors up in the canary",
    "<file>": "evidence.json",
    "<dir>": "/tmp",
    N: "3",
    T: "v1.2.2",
    "sha256:…": `sha256:${"a".repeat(64)}`,
};

describe("the one option table", () => {
    for (const command of COMMAND_NAMES) {
        it(`${command}: every flag alone fills its library option, and the error for a bad input names the flag`, () => {
            const flags = Object.entries(flagsOf(command));
            const required = Object.fromEntries(flags.filter(([, s]) => s.required).map(([f, s]) => [f, GOOD[s.value!]]));
            for (const [flag, spec] of flags) {
                if (spec.option === undefined) continue;
                const values = { ...required, cwd: "/tmp", [flag]: spec.type === "string" ? GOOD[spec.value] : true } as Record<string, string | boolean>;
                if (spec.type === "string" && spec.requires) values[spec.requires.flag] = true;
                assert.ok(spec.type === "boolean" || GOOD[spec.value] !== undefined, `no sample value for ${spec.type === "string" && spec.value}`);
                const options = commandOptions(command, values) as Record<string, unknown>;
                assert.notStrictEqual(options[spec.option], undefined, `--${flag} of ${command} did not fill \`${spec.option}\``);
                // An error the library raises for this option is told with this flag (or the one that shares its option).
                const named = flagForInput(command, (spec.type === "string" && spec.input) || spec.option);
                assert.ok(named !== undefined && flagsOf(command)[named.slice(2)]?.option === spec.option, `${spec.option} is not named back as a flag`);
            }
        });
    }

    it("converts values through the flag's parser, and sets switches to their value", () => {
        const options = commandOptions("deploy", {
            stack: "dev",
            tag: "v1",
            "tag-pattern": "^v\\d+$",
            "wait-timeout": "1m30s",
            "no-verify": true,
            preview: true,
            cwd: "/x",
        });
        assert.deepStrictEqual(
            { ...options, tagPolicy: String(options.tagPolicy?.pattern) },
            { stackName: "dev", tag: "v1", tagPolicy: "/^v\\d+$/", waitTimeoutMs: 90_000, verify: false, preview: true, workDir: "/x" },
        );
        assert.deepStrictEqual(commandOptions("rollback", { stack: "dev", "to-version": "4", cwd: "/x" }).target, { toVersion: 4 });
        assert.deepStrictEqual(commandOptions("rollback", { stack: "dev", "to-digest": "sha256:x", cwd: "/x" }).target, { toDigest: "sha256:x" });
        assert.strictEqual(commandOptions("promote", { from: "dev", to: "prod", cwd: "/x" }).stackName, "prod");
        assert.strictEqual(flagForInput("promote", "stackName"), "--to");
        assert.strictEqual(flagForInput("rollback", "target.toDigest"), "--to-digest");
        assert.strictEqual(flagForInput("deploy", "nonsense"), undefined);
    });

    it("refuses, naming the flag and value: a missing required flag, two of a group, a flag without the one it needs, two that exclude each other", () => {
        const refusal = (command: Parameters<typeof commandOptions>[0], values: Record<string, string | boolean>) => {
            try {
                commandOptions(command, { cwd: "/x", ...values });
            } catch (e) {
                assert.ok(e instanceof InvalidInputError);
                return [e.input, e.value, e.message];
            }
            assert.fail(`${command} ${JSON.stringify(values)} was accepted`);
        };
        // Nothing was given: no value, and no "got ``" at the end.
        assert.deepStrictEqual(refusal("deploy", { stack: "dev" }), ["--tag", undefined, "`--tag` is required (e.g. `--tag v25.10.31`)"]);
        assert.deepStrictEqual(refusal("rollback", { stack: "dev", "to-tag": "a", "to-version": "2" }).slice(0, 2), ["--to-version", "--to-version --to-tag"]);
        assert.deepStrictEqual(refusal("rollback", { stack: "dev", wait: "5m" }).slice(0, 2), ["--wait", "5m"]);
        assert.deepStrictEqual(refusal("deploy", { stack: "dev", tag: "v1", preview: true, evidence: "e.json" }).slice(0, 2), ["--evidence", "e.json"]);
        assert.deepStrictEqual(refusal("up", { stack: "dev", "on-rollback": "reconcile", "no-verify": true }).slice(0, 2), ["--on-rollback", "reconcile"]);
        // `fail` with --no-verify is fine: the exclusion holds for `reconcile` only.
        assert.strictEqual(commandOptions("up", { stack: "dev", "on-rollback": "fail", "no-verify": true, cwd: "/x" }).onRollback, "fail");
        assert.deepStrictEqual(refusal("promote", { from: "dev", to: "prod", version: "0x2" }).slice(0, 2), ["--version", "0x2"]);
    });

    it("derives each command's option types from the table, assignable to the library's options", () => {
        // Compile-time: these lines fail `tsc` if the table and the library drift apart.
        const deploy: CommandOptions<"deploy"> = { stackName: "dev", tag: "v1", workDir: "/x" };
        const asLibrary: DeployOptions = deploy;
        const rollback: RollbackOptions = commandOptions("rollback", { stack: "dev", cwd: "/x" }) satisfies CommandOptions<"rollback">;
        const promote: PromoteOptions = commandOptions("promote", { from: "dev", to: "prod", cwd: "/x" });
        // @ts-expect-error a required flag's option is required
        const missingTag: CommandOptions<"deploy"> = { stackName: "dev", workDir: "/x" };
        // @ts-expect-error the parser's type, not text: `--version` is a number
        const textVersion: CommandOptions<"promote"> = { stackName: "prod", from: "dev", workDir: "/x", version: "3" };
        assert.deepStrictEqual([asLibrary.tag, rollback.target, promote.from, missingTag.stackName, textVersion.from], ["v1", undefined, "dev", "dev", "dev"]);
    });

    it("prints every exit code with its one-line meaning from the typed errors, and nothing else", () => {
        const help = exitCodeHelp();
        const codes = [...help.matchAll(/^\s{2}\s*(\d+)\s{2}/gm)].map((m) => Number(m[1]));
        assert.deepStrictEqual(codes, Object.values(EXIT_CODES));
        for (const meaning of Object.values(EXIT_CODE_MEANINGS)) assert.ok(help.replace(/\s+/g, " ").includes(meaning), meaning);
    });
});

// Each flag parser's exact refusal, and defaults (from `npm run mutate` survivors).
describe("flag values, word for word", () => {
    it("takes a plain update number and nothing after it", () => {
        // kills: the pattern's `$` and `[0-9]`, and the refusal's text
        assert.strictEqual(updateNumber("12", "--version"), 12);
        assert.deepStrictEqual(toVersion("3", "--to-version"), { toVersion: 3 });
        assert.throws(() => updateNumber("12a", "--version"), {
            name: "InvalidInputError",
            message: "`--version` must be an update number from `history` (1, 2, …), got `12a`",
        });
    });

    it("takes `ask`, `leave` or `abort` for --on-interrupt, and refuses anything else naming the three", () => {
        for (const value of ["ask", "leave", "abort"] as const) assert.strictEqual(onInterrupt(value, "--on-interrupt"), value);
        assert.throws(
            () => onInterrupt("stop", "--on-interrupt"),
            (e: InvalidInputError) => /`--on-interrupt`.*`ask`.*`leave`.*`abort`/.test(e.message) && /stop/.test(e.message),
        );
    });

    it("takes --smoke-test-timeout only with --smoke-test, and --reason is required by abort alone", () => {
        assert.throws(
            () => commandOptions("deploy", { stack: "dev", tag: "v1", "smoke-test-timeout": "2m", cwd: "/x" }),
            /`--smoke-test-timeout` is how long the smoke test may run/,
        );
        assert.strictEqual(
            commandOptions("deploy", { stack: "dev", tag: "v1", "smoke-test": "true", "smoke-test-timeout": "2m", cwd: "/x" }).smokeTestTimeoutMs,
            120_000,
        );
        assert.throws(() => commandOptions("abort", { stack: "dev", cwd: "/x" }), /`--reason` is required/);
        assert.strictEqual(commandOptions("approve", { stack: "dev", cwd: "/x" }).reason, undefined);
    });

    it("takes `fail` or `reconcile` for --on-rollback", () => {
        // kills: the accepted values and the refusal's text
        assert.strictEqual(onRollback("fail", "--on-rollback"), "fail");
        assert.strictEqual(onRollback("reconcile", "--on-rollback"), "reconcile");
        assert.throws(() => onRollback("retry", "--on-rollback"), {
            name: "InvalidInputError",
            message: "`--on-rollback` must be `fail` (exit 6 when ECS rolls the deployment back) or `reconcile` (also record what ECS runs), got `retry`",
        });
    });

    it("refuses a wait that is not a duration of at most an hour", () => {
        // kills: the refusal's text
        assert.strictEqual(waitDuration("1m30s", "--wait"), 90_000);
        assert.throws(() => waitDuration("2h", "--wait"), {
            name: "InvalidInputError",
            message: "`--wait` must be a duration of at most 60 minutes such as `90s`, `10m`, `1m30s` or `0` (look once, do not wait), got `2h`",
        });
    });

    it("refuses an empty or invalid tag pattern, saying which", () => {
        // kills: the empty check and both refusals' texts
        assert.throws(() => tagPolicy("", "--allowed-tags"), {
            name: "InvalidInputError",
            message: "`--allowed-tags` must be a regular expression such as `^v\\d+\\.\\d+\\.\\d+$`, and is empty",
        });
        assert.throws(() => tagPolicy("(", "--allowed-tags"), {
            name: "InvalidInputError",
            message: "`--allowed-tags` is not a valid regular expression (Invalid regular expression: /(/: Unterminated group), got `(`",
        });
        assert.strictEqual(tagPolicy("^v1$", "--allowed-tags").pattern?.source, "^v1$");
    });

    it("names each rollback target by its kind", () => {
        // kills: `toTag`'s object
        assert.deepStrictEqual(toTag("v1", "--to-tag"), { toTag: "v1" });
        assert.deepStrictEqual(toDigest("sha256:abc"), { toDigest: "sha256:abc" });
    });

    it("says which flags of a group were given together", () => {
        // kills: the group refusal's text
        assert.throws(() => commandOptions("rollback", { stack: "dev", cwd: "/x", "to-version": "2", "to-tag": "a" }), {
            name: "InvalidInputError",
            message: "`--to-version` can be given with none of the other target flags, got `--to-version --to-tag`",
        });
    });

    it("fills a flag's default only when it was not given", () => {
        // kills: the defaults pass (`--cwd` defaults to the project directory found upwards)
        assert.strictEqual(commandOptions("history", { stack: "dev" }).workDir, findProjectDirectory());
        assert.strictEqual(commandOptions("history", { stack: "dev", cwd: "/x" }).workDir, "/x");
    });
});
