// The Pulumi CLI commands the driver runs against one stack: each is one process
// that names the stack with `--stack`. Run this way rather than through the
// Automation API's `Stack`, a deploy starts no `pulumi version` probe, no
// `stack select` (which also rewrites the workspace's current stack), no config
// read, and `up` is not followed by the three reads the Automation API makes
// after it (two `stack output` and a one-entry `stack history`), none of which
// the driver uses: it reads the state and the history itself, once.
import { spawn } from "child_process";
import { performance } from "perf_hooks";
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { readCheckpointFile } from "./checkpointFile";
import { readTagsFile } from "./tagsFile";
import { Checkpoint, checkpointProblem } from "./state";

/** A CLI command that exited non-zero (or could not start); `kind` says what the driver can do about it. */
export class CliCommandError extends Error {
    constructor(
        readonly args: readonly string[],
        readonly code: number,
        readonly stdout: string,
        readonly stderr: string,
        /** `busy`: another update holds the stack's lock; `notFound`: the backend has no such stack. */
        readonly kind: "busy" | "notFound" | "failed",
    ) {
        // The same shape as the Automation API's `CommandError`, so `engineErrorSummary` reads both.
        super(`code: ${code}\n stdout: ${stdout}\n stderr: ${stderr}\n`);
        this.name = "CliCommandError";
    }
}

/**
 * The stack's state was read but is no checkpoint: truncated, or JSON of another shape. `file` is
 * set when it was read from the backend's file; off it, `stack export` printed it. The driver's
 * engine-error classifier turns it into `StateUnreadableError` (exit 12).
 */
export class StateReadError extends Error {
    constructor(
        readonly problem: string,
        readonly file?: string,
    ) {
        super(`${file ?? "the state `stack export` printed"} ${problem}`);
        this.name = "StateReadError";
    }
}

/** The stack's tags file (its release verdicts) is there but cannot be read: exit 12, like the checkpoint. */
export class TagsFileError extends Error {
    constructor(
        readonly problem: string,
        readonly file: string,
    ) {
        super(`${file} ${problem}`);
        this.name = "TagsFileError";
    }
}

export interface CliRun {
    /** Engine output (stdout), as it comes. */
    readonly onOutput?: (text: string) => void;
    /** Aborting sends the process one SIGINT: the engine then cancels at a safe point. */
    readonly signal?: AbortSignal;
}

export interface UpArgs extends CliRun {
    readonly message: string;
    readonly configFile: string;
}

export interface StackCliOptions {
    /** The `pulumi` executable. */
    readonly command: string;
    readonly workDir: string;
    /** The stack as the engine names it (`organization/papyrus/dev`). */
    readonly stack: string;
    /** The state backend (`PULUMI_BACKEND_URL`): a `file://` one's checkpoint is read without the CLI. */
    readonly backendUrl: string;
    /** Environment added to this process's. */
    readonly env: Record<string, string>;
}

/** Every CLI process the driver starts, and how long it ran (start to exit, once it has), for `npm run bench`. */
export const cliCalls: { readonly args: readonly string[]; ms?: number }[] = [];

export class StackCli {
    constructor(private readonly options: StackCliOptions) {}

    get name(): string {
        return this.options.stack;
    }

    /**
     * The stack's last checkpoint (the record): read from a `file://` backend's stack file when it
     * is unambiguous (checkpointFile.ts), else `pulumi stack export --show-secrets`.
     */
    async readState(): Promise<Checkpoint | undefined> {
        const [, project, stack] = this.options.stack.split("/");
        if (project !== undefined && stack !== undefined) {
            const read = readCheckpointFile(this.options.backendUrl, project, stack);
            if ("checkpoint" in read) return read.checkpoint;
            if ("corrupt" in read) throw new StateReadError(read.corrupt, read.file);
        }
        return this.exportState();
    }

    /** `pulumi stack export --show-secrets`: the stack's last checkpoint, as the CLI prints it. */
    async exportState(): Promise<Checkpoint | undefined> {
        const { stdout } = await this.run(["stack", "export", "--show-secrets"]);
        let exported: { deployment?: unknown };
        try {
            exported = JSON.parse(stdout) as { deployment?: unknown };
        } catch (err) {
            throw new StateReadError(`is not JSON (${(err as Error).message})`);
        }
        const problem = checkpointProblem(exported?.deployment, "deployment.");
        if (problem !== undefined) throw new StateReadError(problem);
        return (exported.deployment ?? undefined) as Checkpoint | undefined;
    }

    /** `pulumi stack history --json`, newest first; the same records as the Automation API's `Stack.history`. */
    async history(pageSize?: number, page?: number, showSecrets = false): Promise<UpdateSummary[]> {
        const args = ["stack", "history", "--json", ...(showSecrets ? ["--show-secrets"] : [])];
        if (pageSize) args.push("--page-size", String(Math.floor(pageSize)), "--page", String(Math.max(1, Math.floor(page ?? 1))));
        const { stdout } = await this.run(args);
        return JSON.parse(stdout, (key, value) => (key === "startTime" || key === "endTime" ? new Date(value) : value)) ?? [];
    }

    /**
     * `pulumi up`, marked as run by automation (`--exec-kind auto.local`: history credits the driver
     * only for such updates).
     */
    async up(args: UpArgs): Promise<void> {
        await this.run(["up", "--yes", "--skip-preview", "--message", args.message, "--config-file", args.configFile, "--exec-kind", "auto.local"], args);
    }

    async preview(args: Omit<UpArgs, "message">): Promise<void> {
        await this.run(["preview", "--config-file", args.configFile, "--exec-kind", "auto.local"], args);
    }

    /** `pulumi refresh --clear-pending-creates`: the way out of pending operations an engine left. */
    async refreshClearingPending(run: CliRun = {}): Promise<void> {
        await this.run(["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--exec-kind", "auto.local"], run);
    }

    /**
     * The stack's tags, where the driver keeps release verdicts (verdict.ts): read from a `file://`
     * backend's tags file when it is unambiguous (tagsFile.ts), else `pulumi stack tag ls --json`.
     */
    async tags(): Promise<Record<string, string>> {
        const [, project, stack] = this.options.stack.split("/");
        if (project !== undefined && stack !== undefined) {
            const read = readTagsFile(this.options.backendUrl, project, stack);
            if ("corrupt" in read) throw new TagsFileError(read.corrupt, read.file);
            if ("tags" in read) return { ...read.tags };
        }
        const { stdout } = await this.run(["stack", "tag", "ls", "--json"]);
        const parsed = JSON.parse(stdout || "{}") as unknown;
        return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string>) : {};
    }

    /** `pulumi stack tag set <name> <value>`: kept in the state backend beside the stack's state. */
    async setTag(name: string, value: string): Promise<void> {
        await this.run(["stack", "tag", "set", name, value]);
    }

    /** `pulumi cancel`: breaks the engine's update lock. */
    async cancel(): Promise<void> {
        await this.run(["cancel", "--yes"]);
    }

    private run(args: string[], run: CliRun = {}): Promise<{ stdout: string; stderr: string }> {
        const full = [...args, "--stack", this.options.stack, "--non-interactive"];
        const call: (typeof cliCalls)[number] = { args: full };
        cliCalls.push(call);
        const started = performance.now();
        return new Promise((resolve, reject) => {
            const child = spawn(this.options.command, full, {
                cwd: this.options.workDir,
                env: { ...process.env, PULUMI_AUTOMATION_API: "true", ...this.options.env },
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.setEncoding("utf8").on("data", (text: string) => {
                stdout += text;
                run.onOutput?.(text);
            });
            child.stderr.setEncoding("utf8").on("data", (text: string) => {
                stderr += text;
            });
            const interrupt = () => child.kill("SIGINT");
            run.signal?.addEventListener("abort", interrupt, { once: true });
            const done = () => run.signal?.removeEventListener("abort", interrupt);
            child.on("error", (err) => {
                done();
                reject(new CliCommandError(full, -2, stdout, `${stderr}${err.message}`, "failed"));
            });
            child.on("close", (code, signal) => {
                done();
                call.ms = performance.now() - started;
                if (code === 0) return resolve({ stdout, stderr });
                reject(new CliCommandError(full, code ?? -1, stdout, signal ? `${stderr}(killed by ${signal})` : stderr, failureKind(stderr)));
            });
        });
    }
}

/** The engine's own words for "locked" and "no such stack", as the Automation API recognises them. */
function failureKind(stderr: string): CliCommandError["kind"] {
    if (/no stack named.*found/.test(stderr)) return "notFound";
    if (stderr.includes("[409] Conflict: Another update is currently in progress.") || stderr.includes("the stack is currently locked by")) return "busy";
    return "failed";
}
