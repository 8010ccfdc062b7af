// papyrus-deploy: a thin CLI over the driver. It parses flags, calls one
// command (automation/commands/), prints the result (print.ts: a table, or JSON
// with --json) and picks the exit code from the typed error. Engine output goes to stderr so that
// stdout stays machine-readable.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_NAME } from "../../components/stackConfig";
import { CommandLineError, CommandName, commandUsage, parseCommandLine, ParsedCommandLine, usage } from "./commandTable";
import { deploy } from "../commands/deploy";
import { history } from "../commands/history";
import { promote } from "../commands/promote";
import { up } from "../commands/up";
import { reconcile } from "../commands/reconcile";
import { rollback } from "../commands/rollback";
import { unlock } from "../commands/unlock";
import { verify } from "../commands/verify";
import { DeployError, EXIT_CODES, ImageNotFoundError, InvalidInputError } from "../record/errors";
import { RollbackTarget } from "../record/history";
import { describeHolder } from "../engine/lock";
import { parseDuration } from "../aws/wait";
import { status } from "../commands/status";
import { formatHistory, formatStatus, printResult } from "./print";

const EPILOGUE = `Environment:
  PULUMI_BACKEND_URL     state backend (default: file://<project>/.pulumi-state)
  PULUMI_CONFIG_PASSPHRASE  secrets passphrase for file/S3 backends
  AWS_REGION, AWS_PROFILE / credentials, AWS_ENDPOINT_URL[_ECR|_ECS]  AWS access

Exit codes (what the stack runs afterwards is always read from its state):
  0  success                        5  pulumi up failed (the message says what the stack runs)
  1  unexpected error (a bug)       6  ECS rolled the deployment back, or drift: ECS runs
  2  bad input or usage                another image than the stack recorded
     (deploy: a digest the stack's     (promote: on the source; nothing changed)
     promoteFrom never ran)         7  nothing to roll back to or to promote
  3  image/repository missing or    8  updated, but what ECS runs could not be checked
     archived, or not replicated       (promote: the source's; nothing changed)
     in time (nothing changed)      9  AWS, credentials or the state backend unreachable
  4  stack is being deployed by        (nothing changed; also verify, and
     someone else (nothing changed;    reconcile before its update, when ECS
     a driver lock whose holder        cannot be reached)
     cannot be proven alive: the   10  updated, but ECS's rollout still IN_PROGRESS
     message gives the unlock          at --wait-timeout (verify: ECS still rolls
     command)                          it out); verify answers later
                                   11  scan findings of the digest reach the
                                       stack's papyrus:scanThreshold, or its
                                       scan is unfinished (nothing changed;
                                       --accept-findings says why to go on)
                                   12  the stack's state (checkpoint or a
                                       history file) is truncated or misshaped;
                                       the message names the file and how to
                                       restore a good copy (nothing changed)
                                   13  a release gate refused: the digest's
                                       release verdict on the source is not
                                       completed (promote, promoteFrom;
                                       nothing changed)
                                   130  interrupted (the message says whether
                                         the image was applied)
`;

/** The general usage, generated from the command table (commandTable.ts). */
export const USAGE = usage(EPILOGUE);

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
        err.write(`\nreceived ${signal}: cancelling the update (the engine stops at a safe point)…\n`);
        controller.abort();
    };
    // SIGHUP too: a closed terminal or a lost SSH session must cancel like Ctrl-C, not kill mid-step.
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const s of signals) process.on(s, onSignal);
    const json = argv.includes("--json");
    try {
        return await run(argv, out, err, controller.signal);
    } catch (e) {
        const known = e instanceof DeployError;
        const message = known ? e.message : String((e as Error)?.message ?? e);
        // A bug gets its stack trace; everything the driver knows about gets a sentence.
        err.write(`error: ${known ? message : ((e as Error)?.stack ?? message)}\n`);
        if (e instanceof CommandLineError) err.write(`\n${e.usageText}`);
        const code = known ? e.exitCode : EXIT_CODES.unexpected;
        if (json) {
            const payload = known && e.evidence ? e.evidence : { error: { code, message } };
            out.write(JSON.stringify(payload, null, 2) + "\n");
        }
        return code;
    } finally {
        for (const s of signals) process.off(s, onSignal);
    }
}

async function run(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
    const parsed = parseCommandLine(argv);
    try {
        return await runParsed(parsed, out, err, signal);
    } catch (e) {
        throw parsed.kind === "run" ? namingFlags(e, parsed.command) : e;
    }
}

/**
 * The library names its inputs (`tag`, `stackName`); a user of the CLI typed flags. An error that
 * names an input is told again with the flag that gave it (`stackName` is `--to` for promote).
 */
function namingFlags(e: unknown, command: CommandName): unknown {
    const flags: Record<string, string> = {
        tag: "--tag",
        stackName: command === "promote" ? "--to" : "--stack",
        from: "--from",
        "target.toDigest": "--to-digest",
        workDir: "--cwd",
        evidenceFile: "--evidence",
    };
    if ((e instanceof InvalidInputError && !(e instanceof CommandLineError)) || e instanceof ImageNotFoundError) {
        const flag = flags[e.input];
        if (flag === undefined) return e;
        return e.withInput(flag);
    }
    return e;
}

async function runParsed(parsed: ParsedCommandLine, out: NodeJS.WritableStream, err: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
    if (parsed.kind === "usage") {
        out.write(USAGE);
        return parsed.exitCode;
    }
    if (parsed.kind === "commandHelp") {
        out.write(commandUsage(parsed.command));
        return EXIT_CODES.ok;
    }
    const { command } = parsed;
    const values = parsed.values as Record<string, string | undefined> & Record<string, boolean | undefined>;
    const string = (flag: string) => values[flag] as string | undefined;
    if (command === "status") {
        // Every stack of the project: no --stack, no lock.
        const result = await status({ workDir: findProjectDirectory(string("cwd")) });
        if (result.note !== undefined) err.write(`warning: ${result.note}\n`);
        out.write(values.json === true ? JSON.stringify(result, null, 2) + "\n" : formatStatus(result));
        return EXIT_CODES.ok;
    }
    const required = (flag: string, example: string) => {
        const value = string(flag);
        if (value === undefined) throw new InvalidInputError(`--${flag}`, "", `is required (e.g. \`--${flag} ${example}\`)`);
        return value;
    };
    const context = {
        stackName: command === "promote" ? required("to", "prod") : required("stack", "dev"),
        workDir: findProjectDirectory(string("cwd")),
        onOutput: (text: string) => err.write(text),
        signal,
    };
    const json = values.json === true;
    const update = {
        verify: values["no-verify"] !== true,
        evidenceFile: string("evidence"),
        waitTimeoutMs: string("wait-timeout") === undefined ? undefined : waitDuration("--wait-timeout", string("wait-timeout")!),
        onRollback: onRollback(string("on-rollback")),
    };
    if (update.onRollback === "reconcile" && !update.verify) {
        throw new InvalidInputError("--on-rollback", "reconcile", "needs ECS checked after the update, which `--no-verify` turns off: drop one of them");
    }

    switch (command) {
        case "deploy": {
            if (values.preview === true && update.evidenceFile !== undefined) {
                throw new InvalidInputError(
                    "--evidence",
                    update.evidenceFile,
                    "is the record of an update, and `--preview` runs none (a preview changes nothing and leaves no record); " +
                        "drop `--evidence` to preview, or drop `--preview` to deploy and record the update",
                );
            }
            const tag = required("tag", "v25.10.31");
            const pattern = string("tag-pattern");
            const result = await deploy({
                ...context,
                ...update,
                tag,
                tagPolicy: pattern === undefined ? undefined : { pattern: tagPattern(pattern) },
                preview: values.preview === true,
                acceptFindings: string("accept-findings"),
            });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "rollback": {
            const wait = string("wait");
            if (wait !== undefined && values.restore !== true) {
                throw new InvalidInputError("--wait", wait, "is how long to wait for a restore, so it goes with `--restore`");
            }
            const result = await rollback({
                ...context,
                ...update,
                target: rollbackTarget(values),
                restore: values.restore === true,
                restoreWaitMs: wait === undefined ? undefined : waitDuration("--wait", wait),
            });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "promote": {
            const from = required("from", "dev");
            const version = string("version");
            const wait = string("wait");
            const result = await promote({
                ...context,
                ...update,
                from,
                version: version === undefined ? undefined : updateNumber("--version", version),
                waitMs: wait === undefined ? undefined : waitDuration("--wait", wait),
                acceptFindings: string("accept-findings"),
            });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "up": {
            const result = await up({ ...context, ...update });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "reconcile": {
            const result = await reconcile({ ...context, ...update });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "history": {
            const result = await history(context);
            if (result.runningProblem) err.write(`warning: no RUNS mark: the stack's state does not say what runs: ${result.runningProblem}\n`);
            out.write(json ? JSON.stringify(result, null, 2) + "\n" : formatHistory(result.deployments));
            return EXIT_CODES.ok;
        }
        case "unlock": {
            const result = await unlock(context);
            if (json) out.write(JSON.stringify(result, null, 2) + "\n");
            else
                out.write(
                    result.removed === null && result.reason === undefined
                        ? `${result.stack}: no driver lock in this checkout (\`${result.lockFile}\`); nothing was removed\n`
                        : `unlocked ${result.stack}: removed driver lock \`${result.lockFile}\`` +
                              `${result.removed ? ` held by ${describeHolder(result.removed)}, ${result.age} old` : ""}: ${result.reason}\n`,
                );
            return EXIT_CODES.ok;
        }
        case "verify": {
            const result = await verify(context);
            if (json) out.write(JSON.stringify(result, null, 2) + "\n");
            else {
                out.write(
                    !result.inSync
                        ? `DRIFT: stack recorded ${result.recorded}; ${result.service} runs ${result.running.join(", ")}\n`
                        : result.rolloutFailed
                          ? `FAILED: ${result.service} runs ${result.recorded}, but ECS marked its primary deployment FAILED (without rolling back); deploy a fixed tag or roll back\n`
                          : result.rollingOut
                            ? `rolling out: ${result.service} runs ${result.recorded}, but ECS's primary deployment is still IN_PROGRESS; run verify again later\n`
                            : `in sync: ${result.service} runs ${result.recorded}, rollout completed\n`,
                );
                if (result.release) {
                    const settled = result.verdictTag ? ` (recorded now as stack tag ${result.verdictTag})` : "";
                    out.write(`release: update ${result.version} is ${result.release.verdict}${settled}\n`);
                }
            }
            return !result.inSync || result.rolloutFailed ? EXIT_CODES.drift : result.rollingOut ? EXIT_CODES.rolloutTimeout : EXIT_CODES.ok;
        }
    }
}

function rollbackTarget(values: { "to-version"?: string; "to-tag"?: string; "to-digest"?: string }): RollbackTarget {
    const given = (["to-version", "to-tag", "to-digest"] as const).filter((k) => values[k] !== undefined);
    if (given.length > 1) {
        throw new InvalidInputError(`--${given[0]}`, given.map((k) => `--${k}`).join(" "), "can be given with none of the other target flags");
    }
    if (values["to-version"] !== undefined) return { toVersion: updateNumber("--to-version", values["to-version"]) };
    if (values["to-tag"] !== undefined) return { toTag: values["to-tag"] };
    if (values["to-digest"] !== undefined) return { toDigest: values["to-digest"] };
    return {};
}

/** Plain decimal only: Number() would also take `0x2`, `1e0` and ` 2 `. */
function updateNumber(flag: string, text: string): number {
    if (!/^[1-9][0-9]{0,8}$/.test(text)) {
        throw new InvalidInputError(flag, text, "must be an update number from `history` (1, 2, …)");
    }
    return Number(text);
}

function onRollback(text: string | undefined): "fail" | "reconcile" | undefined {
    if (text === undefined || text === "fail" || text === "reconcile") return text;
    throw new InvalidInputError("--on-rollback", text, "must be `fail` (exit 6 when ECS rolls the deployment back) or `reconcile` (also record what ECS runs)");
}

function waitDuration(flag: string, text: string): number {
    const ms = parseDuration(text);
    if (ms === undefined) {
        throw new InvalidInputError(flag, text, "must be a duration of at most 60 minutes such as `90s`, `10m`, `1m30s` or `0` (look once, do not wait)");
    }
    return ms;
}

function tagPattern(source: string): RegExp {
    if (source === "") throw new InvalidInputError("--tag-pattern", source, "must be a regular expression such as `^v\\d+\\.\\d+\\.\\d+$`, and is empty");
    try {
        return new RegExp(source);
    } catch (e) {
        throw new InvalidInputError("--tag-pattern", source, `is not a valid regular expression (${(e as Error).message})`);
    }
}

/**
 * `--cwd` as given; else the nearest directory upwards from the working directory whose
 * Pulumi.yaml is this project's, so the CLI never silently acts on another checkout's stacks.
 */
function findProjectDirectory(cwd: string | undefined, from: string = process.cwd()): string {
    if (cwd !== undefined) return cwd;
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        const file = path.join(dir, "Pulumi.yaml");
        if (fs.existsSync(file) && new RegExp(`^name:\\s*${PROJECT_NAME}\\s*$`, "m").test(fs.readFileSync(file, "utf8"))) return dir;
        if (path.dirname(dir) === dir) break;
    }
    throw new InvalidInputError(
        "--cwd",
        "",
        `is needed: neither ${from} nor a directory above it holds this project's Pulumi.yaml (name: ${PROJECT_NAME}); run from the project or pass \`--cwd <project>\``,
    );
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
