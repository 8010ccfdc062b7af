// papyrus-deploy: a thin CLI over the driver. It parses flags, calls one
// command (automation/commands/), prints the result (print.ts: a table, or JSON
// with --json) and picks the exit code from the typed error. Engine output goes to stderr so that
// stdout stays machine-readable.
import { CommandName, isCommand } from "./commandTable";
import { commandOptions, flagForInput } from "./commandOptions";
import { parseCommandLine, ParsedCommandLine } from "./parseCommandLine";
import { packageVersion } from "./version";
import { commandUsage, usage } from "./usage";
import { DeployError, EXIT_CODES, ImageNotFoundError, InvalidInputError, ReadInterruptedError } from "../record/errors";
import { progressStyle } from "./flagValues";
import { engineStepLine } from "./progress";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { DeployResult } from "../update/outcome";
// The commands, the printer and what they load (the Pulumi SDK, the AWS SDK) are imported when a
// command runs, not at start: `--help`, `--version` and a mistyped flag answer without them.

/** The general usage, generated from the command table (commandTable.ts). */
export const USAGE = usage();

/** The commands that only read: a signal stops them with nothing printed (exit 130). `verify` records a verdict and `unlock` removes a lock, so they are not among them. */
const READS: ReadonlySet<CommandName> = new Set<CommandName>(["history", "status"]);

/** `signals`: where SIGINT, SIGTERM and SIGHUP arrive (the process; a test's own emitter). */
export async function main(
    argv: string[],
    out: NodeJS.WritableStream = process.stdout,
    err: NodeJS.WritableStream = process.stderr,
    signals: NodeJS.EventEmitter = process,
): Promise<number> {
    const controller = new AbortController();
    const command = argv.find(isCommand);
    const reads = command !== undefined && READS.has(command);
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        // A signal while the abort question waits answers it: no (a CI runner's second SIGINT, or the process group's).
        if (received !== undefined && pendingQuestion) return pendingQuestion();
        received ??= signal;
        err.write(
            reads
                ? `\nreceived ${signal}: stopping \`${command}\` (it only reads; nothing is changed)…\n`
                : `\nreceived ${signal}: cancelling the update (the engine stops at a safe point)…\n`,
        );
        controller.abort();
    };
    // SIGHUP too: a closed terminal or a lost SSH session must cancel like Ctrl-C, not kill mid-step.
    const names: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const s of names) signals.on(s, onSignal);
    const json = argv.includes("--json");
    // A read that was interrupted prints nothing of its result: the error below is its one answer.
    const answer = reads ? ({ write: (chunk: string) => received !== undefined || out.write(chunk) } as unknown as NodeJS.WritableStream) : out;
    try {
        const code = await run(argv, answer, err, controller.signal);
        if (reads && received !== undefined) throw new ReadInterruptedError(command, received);
        return code;
    } catch (thrown) {
        // An interrupted read's own failure (its `pulumi` child got the terminal's Ctrl-C too) is the interrupt.
        const e = reads && received !== undefined && !(thrown instanceof ReadInterruptedError) ? new ReadInterruptedError(command, received) : thrown;
        const known = e instanceof DeployError;
        const message = known ? e.message : String((e as Error)?.message ?? e);
        // A bug gets its stack trace; everything the driver knows about gets a sentence.
        err.write(`error: ${known ? message : ((e as Error)?.stack ?? message)}\n`);
        const code = known ? e.exitCode : EXIT_CODES.unexpected;
        if (json) {
            const payload = known && e.evidence ? e.evidence : { error: { code, message } };
            out.write(JSON.stringify(payload, null, 2) + "\n");
        }
        return code;
    } finally {
        for (const s of names) signals.off(s, onSignal);
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
 * names an input is told again with the flag that gave it, found in the command table.
 */
function namingFlags(e: unknown, command: CommandName): unknown {
    if (e instanceof InvalidInputError || e instanceof ImageNotFoundError) {
        const flag = flagForInput(command, e.input);
        return flag === undefined ? e : e.withInput(flag);
    }
    return e;
}

async function runParsed(parsed: ParsedCommandLine, out: NodeJS.WritableStream, err: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
    if (parsed.kind === "usage") {
        out.write(USAGE);
        return parsed.exitCode;
    }
    if (parsed.kind === "version") {
        const version = packageVersion();
        out.write(parsed.json ? JSON.stringify({ name: "papyrus-deploy", version }, null, 2) + "\n" : `papyrus-deploy ${version}\n`);
        return EXIT_CODES.ok;
    }
    if (parsed.kind === "commandHelp") {
        out.write(commandUsage(parsed.command));
        return EXIT_CODES.ok;
    }
    const { command, values } = parsed;
    const json = values.json === true;
    // A command's flags are checked (exit 2) before its module loads.
    const printer = async (result: DeployResult) => {
        const { printResult } = await import("./print");
        printResult(result, json, out, err);
        return EXIT_CODES.ok;
    };
    if (command === "status") {
        // Every stack of the project: no --stack, no lock.
        const options = commandOptions(command, values);
        const [{ status }, { formatStatus }] = await Promise.all([import("../commands/status"), import("./print")]);
        const result = await status(options);
        // With no stacks the table's one line says it already (and `--json` has `note`).
        if (result.note !== undefined && result.stacks.length > 0) err.write(`warning: ${result.note}\n`);
        out.write(json ? JSON.stringify(result, null, 2) + "\n" : formatStatus(result));
        return EXIT_CODES.ok;
    }
    const context = { onOutput: (text: string) => err.write(text), signal, confirmAbort: terminalQuestion(err), ...progressOptions(values.progress, err) };
    switch (command) {
        case "deploy": {
            const options = { ...commandOptions(command, values), ...context };
            return printer(await (await import("../commands/deploy")).deploy(options));
        }
        case "rollback": {
            const options = { ...commandOptions(command, values), ...context };
            return printer(await (await import("../commands/rollback")).rollback(options));
        }
        case "promote": {
            const options = { ...commandOptions(command, values), ...context };
            return printer(await (await import("../commands/promote")).promote(options));
        }
        case "up": {
            const options = { ...commandOptions(command, values), ...context };
            return printer(await (await import("../commands/up")).up(options));
        }
        case "reconcile": {
            const options = { ...commandOptions(command, values), ...context };
            return printer(await (await import("../commands/reconcile")).reconcile(options));
        }
        case "history": {
            const options = { ...commandOptions(command, values), ...context };
            const [{ history }, { formatHistory }] = await Promise.all([import("../commands/history"), import("./print")]);
            const result = await history(options);
            if (result.runningProblem) err.write(`warning: no RUNS mark: the stack's state does not say what runs: ${result.runningProblem}\n`);
            out.write(json ? JSON.stringify(result, null, 2) + "\n" : formatHistory(result.deployments));
            return EXIT_CODES.ok;
        }
        case "unlock": {
            const options = { ...commandOptions(command, values), ...context };
            const [{ unlock }, { describeHolder }] = await Promise.all([import("../commands/unlock"), import("../engine/lock")]);
            const result = await unlock(options);
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
        case "approve":
        case "abort": {
            const options = { ...commandOptions(command, values), ...context };
            const result =
                command === "approve" ? await (await import("../commands/approve")).approve(options) : await (await import("../commands/abort")).abort(options);
            if (result.evidenceWriteError) err.write(`warning: ${result.evidenceWriteError}\n`);
            out.write(json ? JSON.stringify(result.evidence, null, 2) + "\n" : `${result.message}\n`);
            return EXIT_CODES.ok;
        }
        case "verify": {
            const options = { ...commandOptions(command, values), ...context };
            const { verify } = await import("../commands/verify");
            const result = await verify(options);
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

/** Answers the abort question no, while one waits. */
let pendingQuestion: (() => void) | undefined;

/** One y/N question at a terminal (Ctrl-C during a rollout: abort it?); undefined without one, so `--on-interrupt ask` leaves the rollout running. */
function terminalQuestion(err: NodeJS.WritableStream): ((question: string) => Promise<boolean>) | undefined {
    if (!process.stdin.isTTY) return undefined;
    return async (question) => {
        const readline = await import("readline");
        const rl = readline.createInterface({ input: process.stdin, output: err });
        try {
            // A second Ctrl-C at the question answers no: the rollout is left running.
            const answer = await new Promise<string>((resolve) => {
                pendingQuestion = () => resolve("");
                rl.on("SIGINT", () => resolve(""));
                rl.on("close", () => resolve(""));
                rl.question(question, resolve);
            });
            return /^y(es)?$/i.test(answer.trim());
        } finally {
            pendingQuestion = undefined;
            rl.close();
        }
    };
}

/** `--progress steps`: the engine's own output left out, one line per resource operation from its events instead. */
function progressOptions(given: string | boolean | undefined, err: NodeJS.WritableStream) {
    if (typeof given !== "string" || progressStyle(given, "--progress") === "engine") return {};
    return {
        onEngineOutput: () => undefined,
        onEvent: (event: EngineEvent) => {
            const line = engineStepLine(event);
            if (line !== undefined) err.write(`  ${line}\n`);
        },
    };
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
