// Where the driver finds the Pulumi CLI and its nodejs language host.
//
// Order: `PULUMI_CLI_ROOT` (a directory with `bin/pulumi`), then the binaries
// `npm run setup` linked into `.tools/bin`, then whatever `pulumi` is on PATH.
// The chosen bin directory is also put first on the engine's PATH so the CLI
// finds `pulumi-language-nodejs` beside it.
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { packageRoot } from "../packageRoot";
import { PulumiCommand } from "@pulumi/pulumi/automation/cmd";

/** The repository root (also when run from dist/), or the installed package's directory. */
export const PROJECT_ROOT = packageRoot(__dirname);

export interface EngineTools {
    readonly command: PulumiCommand;
    /** Environment for the engine process: PATH with the CLI's own directory first. */
    readonly env: Record<string, string>;
}

export function pulumiBinDirectory(): string | undefined {
    const fromEnv = process.env.PULUMI_CLI_ROOT;
    if (fromEnv) {
        return path.join(fromEnv, "bin");
    }
    const local = path.join(PROJECT_ROOT, ".tools", "bin");
    return fs.existsSync(path.join(local, "pulumi")) ? local : undefined;
}

/** The `pulumi` the driver runs and the environment it needs (PATH with its own directory first); no process started. */
export function pulumiExecutable(): { readonly command: string; readonly env: Record<string, string> } {
    const bin = pulumiBinDirectory();
    return bin ? { command: path.join(bin, "pulumi"), env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` } } : { command: "pulumi", env: {} };
}

/**
 * Every Pulumi CLI process the Automation API starts for the driver, and how long it ran (start to
 * exit, once it has): what `npm run bench` subtracts to get the driver's own time, and what tests
 * count to prove a read started no process.
 */
export const engineCalls: { readonly args: readonly string[]; readonly startedAt: number; ms?: number }[] = [];

let cached: Promise<EngineTools> | undefined;

/** The CLI as the Automation API runs it, found once per process (`PulumiCommand.get` starts one `pulumi version`). */
export function engineTools(): Promise<EngineTools> {
    cached ??= (async () => {
        const bin = pulumiBinDirectory();
        // The CLI is built at the SDK's own version by setup; the check would only repeat that.
        const command = await PulumiCommand.get(bin ? { root: path.dirname(bin), skipVersionCheck: true } : {});
        const env: Record<string, string> = bin ? { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` } : {};
        return { command: recordingCalls(command), env };
    })();
    return cached;
}

let forReads: EngineTools | undefined;

/**
 * The same CLI for commands that only read or tag (`stack history`, `stack export`, `stack tag`):
 * a `PulumiCommand` made without `PulumiCommand.get`'s `pulumi version` probe (0.2–0.35 s a
 * process at load 7, 2026-12-07), which only the workspace needs (the event stream's form and
 * remote support depend on the version). Its constructor just keeps the path and the version; the
 * SDK marks it private.
 */
export function readTools(): EngineTools {
    forReads ??= (() => {
        const { command: executable, env } = pulumiExecutable();
        const unprobed = new (PulumiCommand as unknown as new (command: string, version: null) => PulumiCommand)(executable, null);
        return { command: recordingCalls(unprobed), env };
    })();
    return forReads;
}

/** What `PulumiCommand.run` answers (the SDK's `CommandResult`, not in its public types). */
export interface CommandOutput {
    readonly stdout: string;
    readonly stderr: string;
    readonly code: number;
}

/**
 * `PulumiCommand.run(args, cwd, env)`: the SDK marks it internal (absent from its .d.ts), yet every
 * CLI process of its `Workspace` and `Stack` goes through it: it adds `--non-interactive`, sets
 * `PULUMI_AUTOMATION_API`, and throws the API's classified `CommandError` on a failure.
 */
export function runCommand(command: PulumiCommand, args: string[], cwd: string, env: Record<string, string>): Promise<CommandOutput> {
    return (command as unknown as { run: (args: string[], cwd: string, env: Record<string, string>) => Promise<CommandOutput> }).run(args, cwd, env);
}

/**
 * `PulumiCommand.run` is the one place where the Automation API starts a CLI process (the
 * workspace's commands and the stack's alike): each call is recorded in `engineCalls`.
 */
function recordingCalls(command: PulumiCommand): PulumiCommand {
    const target = command as unknown as { run: (args: string[], ...rest: unknown[]) => Promise<unknown> };
    const run = target.run.bind(command);
    target.run = async (args, ...rest) => {
        const call: (typeof engineCalls)[number] = { args: [...args], startedAt: performance.now() };
        engineCalls.push(call);
        try {
            return await run(args, ...rest);
        } finally {
            call.ms = performance.now() - call.startedAt;
        }
    };
    return command;
}
