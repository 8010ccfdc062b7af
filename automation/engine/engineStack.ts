// The one engine adapter: the Automation API's `Stack` on the session's `LocalWorkspace`, for the
// commands the driver runs against one stack. Every CLI process goes through the API, which builds
// the arguments (`--exec-kind auto.local`, `--stack`, `--non-interactive`), sets
// `PULUMI_AUTOMATION_API`, delivers an abort as one SIGINT, streams typed engine events (`onEvent`)
// and classifies the CLI's failures (`ConcurrentUpdateError`, `StackNotFoundError`);
// engine/errors.ts maps those to the driver's errors.
//
// Two things the API does around a command are left out, because the driver never uses them and
// each is a CLI process of its own: `Stack.select` (`pulumi stack select`, before the first
// command: every command names the stack with `--stack` anyway, and a missing stack fails that
// command with the same `StackNotFoundError`), and the reads `Stack.up()` and `Stack.refresh()` make
// after the engine ends, for their `UpResult`/`RefreshResult`: two `stack output` (one
// `--show-secrets`, which derives the passphrase's key to decrypt) and a one-entry `stack history`.
// The driver reads the state and the whole history itself. Measured on 2026-12-07 (bench P1,
// docs/BENCHMARKS.md): those four processes took 0.9–1.5 s per deploy at load 2–4 (driver's own time
// 1.26 s against 0.34 s without them) and 0.2–0.9 s each at load 16–20. The API's own `up`,
// `preview` and `refresh` still run; only the stack handle is made without selecting and its two
// result reads answer nothing (see `engineOnly` below), so an SDK upgrade that adds a read shows in
// test/unit/engineAdapter.test.ts, which asserts every CLI invocation of a deploy. Without them (bench
// P1, 2026-12-07 16:15–16:21, A B B A at load 6–10): 2 CLI processes beyond `up` instead of 6, the
// driver's own time 0.40–0.47 s a deploy against 1.30–2.84 s, P1 1.12–1.19 against 1.59–1.78.
//
// The reads that are no engine operation (`stack history`, `stack export`, `stack tag`) run through
// the API's `PulumiCommand` alone, with the arguments and environment its `Stack` gives them: the
// `Stack` and `LocalWorkspace` modules load the whole Pulumi runtime (`require` of
// `@pulumi/pulumi/automation` took 0.5–1.1 s on 2026-12-07 at load 3–8, `automation/cmd` 0.04 s), so
// a command that only reads (`history`, `status`'s per-stack reads) no longer pays for it; the
// workspace is made, and the runtime loaded, on the first engine operation or `cancel`.
//
// Two reads skip the CLI on a plain `file://` backend, where they are unambiguous: the checkpoint
// (checkpointFile.ts) and the tags (tagsFile.ts). The checkpoint read stays because `exportStack()`
// would be the largest part of the driver's own time: `bench/stateRead.ts`, 20 reads each of the
// fixture's checkpoint (4 resources) on 2026-12-07, 2 cores shared with other suites: the file
// 0.18 ms median (0.15–0.49) against `exportStack()` 524 ms (333–1021) at load 4–6, 607 ms at load
// 10–14 and 1350 ms at load 16–18. A deploy reads the state twice.
// The file read also names what is wrong with a checkpoint the engine cannot read either (exit 12
// naming the file and the fix), where `stack export` only prints the engine's raw error.
import type { EngineEvent, LocalWorkspace, Stack, UpdateSummary } from "@pulumi/pulumi/automation";
import type { PulumiCommand } from "@pulumi/pulumi/automation/cmd";
import { readCheckpointFile } from "./checkpointFile";
import { Checkpoint, checkpointProblem } from "./state";
import { readTagsFile } from "./tagsFile";
import { CommandOutput, runCommand } from "./tools";

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

/** How the caller follows one engine operation. */
export interface EngineRun {
    /** Engine output (stdout), as it comes. */
    readonly onOutput?: (text: string) => void;
    /** Typed engine events, as they come: resource steps, diagnostics, the engine's own notices. */
    readonly onEvent?: (event: EngineEvent) => void;
    /** Aborting sends the engine one SIGINT (the Automation API's own handling): it then cancels at a safe point. */
    readonly signal?: AbortSignal;
}

export interface UpArgs extends EngineRun {
    readonly message: string;
    /** The stack config the update runs with (updateConfig.ts writes it; the checkout's file is left alone). */
    readonly configFile: string;
}

/** Where the stack's commands run: the session's CLI and engine environment, and its Automation API workspace. */
export interface EnginePlace {
    readonly workDir: string;
    /** The CLI for reads (tools.ts `readTools`: no version probe) and the environment the workspace gives every command. */
    readonly cli: Promise<{ readonly command: PulumiCommand; readonly env: Record<string, string> }>;
    /** The session's workspace (workspace.ts `createWorkspace`), made on first call: it loads the Pulumi runtime. */
    readonly workspace: () => Promise<LocalWorkspace>;
}

export class EngineStack {
    private selected?: Promise<Stack>;

    /**
     * @param place where the commands run (workspace.ts `engineStack`)
     * @param name the stack as the engine names it (`organization/papyrus/dev`)
     * @param backendUrl the state backend: a `file://` one's checkpoint and tags are read without the CLI
     */
    constructor(
        private readonly place: EnginePlace,
        readonly name: string,
        private readonly backendUrl: string,
    ) {}

    /**
     * The API's `Stack` for this stack, made once without `pulumi stack select` (see the top of the
     * file): a stack the backend does not have fails its first command with `StackNotFoundError`.
     */
    /** The project's name (Pulumi.yaml), the namespace of the config keys its history records. */
    get project(): string {
        return this.name.split("/")[1] ?? "";
    }

    private stack(): Promise<Stack> {
        this.selected ??= this.place.workspace().then(async (workspace) => {
            const { Stack } = await import("@pulumi/pulumi/automation/stack");
            return Stack.select(this.name, withoutSelecting(workspace));
        });
        return this.selected;
    }

    /**
     * A read as the API's `Stack` runs it (`runPulumiCmd`): the stack named, `PULUMI_DEBUG_COMMANDS`
     * and the workspace's environment; `PulumiCommand.run` adds `--non-interactive` and
     * `PULUMI_AUTOMATION_API`, and throws the API's classified `CommandError` on failure.
     */
    private async read(args: string[]): Promise<CommandOutput> {
        const { command, env } = await this.place.cli;
        return runCommand(command, [...args, "--stack", this.name], this.place.workDir, { PULUMI_DEBUG_COMMANDS: "true", ...env });
    }

    /**
     * The stack's last checkpoint (the record): read from a `file://` backend's stack file when it
     * is unambiguous (checkpointFile.ts), else exported through the Automation API.
     */
    async readState(): Promise<Checkpoint | undefined> {
        const [, project, stack] = this.name.split("/");
        if (project !== undefined && stack !== undefined) {
            const read = readCheckpointFile(this.backendUrl, project, stack);
            if ("checkpoint" in read) return read.checkpoint;
            if ("corrupt" in read) throw new StateReadError(read.corrupt, read.file);
        }
        return this.exportState();
    }

    /** `stack export --show-secrets`, as `Stack.exportStack()` runs it: the stack's last checkpoint, checked for its shape. */
    async exportState(): Promise<Checkpoint | undefined> {
        // A CLI failure is the API's `CommandError`, passed on.
        const { stdout } = await this.read(["stack", "export", "--show-secrets"]);
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

    /**
     * `stack history --json` as `Stack.history` runs and parses it (times as `Date`s), newest first,
     * secrets hidden unless asked for (the API's own default shows them).
     */
    async history(pageSize?: number, page?: number, showSecrets = false): Promise<UpdateSummary[]> {
        const args = ["stack", "history", "--json"];
        if (showSecrets) args.push("--show-secrets");
        if (pageSize) args.push("--page-size", String(Math.floor(pageSize)), "--page", String(Math.max(1, Math.floor(page ?? 1))));
        const { stdout } = await this.read(args);
        const parsed = JSON.parse(stdout, (key, value: unknown) => (key === "startTime" || key === "endTime" ? new Date(value as string) : value)) as
            UpdateSummary[] | null;
        return parsed ?? [];
    }

    /**
     * `Stack.up` with the update's message and config file. The API runs it with `--exec-kind
     * auto.local` (history credits the driver only for such updates); the reads it would make after
     * for its result are skipped (`engineOnly`): the driver reads the state and the whole history itself.
     */
    async up(args: UpArgs): Promise<void> {
        const { message, configFile, onOutput, onEvent, signal } = args;
        await engineOnly(await this.stack()).up({ message, configFile, onOutput, onEvent, signal, showSecrets: false });
    }

    async preview(args: Omit<UpArgs, "message">): Promise<void> {
        const { configFile, onOutput, onEvent, signal } = args;
        await (await this.stack()).preview({ configFile, onOutput, onEvent, signal });
    }

    /** `Stack.refresh` with `clearPendingCreates`: the way out of pending operations an engine left. No read after (`engineOnly`). */
    async refreshClearingPending(run: EngineRun = {}): Promise<void> {
        const { onOutput, onEvent, signal } = run;
        await engineOnly(await this.stack()).refresh({ clearPendingCreates: true, onOutput, onEvent, signal, showSecrets: false });
    }

    /**
     * The stack's tags, where the driver keeps release verdicts (verdict.ts): read from a `file://`
     * backend's tags file when it is unambiguous (tagsFile.ts), else `stack tag ls` as `Stack.listTags` runs it.
     */
    async tags(): Promise<Record<string, string>> {
        const [, project, stack] = this.name.split("/");
        if (project !== undefined && stack !== undefined) {
            const read = readTagsFile(this.backendUrl, project, stack);
            if ("corrupt" in read) throw new TagsFileError(read.corrupt, read.file);
            if ("tags" in read) return { ...read.tags };
        }
        const tags = JSON.parse((await this.read(["stack", "tag", "ls", "--json"])).stdout) as unknown;
        return typeof tags === "object" && tags !== null ? (tags as Record<string, string>) : {};
    }

    /** `stack tag set`, as `Stack.setTag` runs it: kept in the state backend beside the stack's state. */
    async setTag(name: string, value: string): Promise<void> {
        await this.read(["stack", "tag", "set", name, value]);
    }

    /** `stack tag rm`, as `Stack.removeTag` runs it. */
    async removeTag(name: string): Promise<void> {
        await this.read(["stack", "tag", "rm", name]);
    }

    /** `Stack.cancel` (`pulumi cancel`): breaks the engine's update lock. */
    async cancel(): Promise<void> {
        await (await this.stack()).cancel();
    }
}

/**
 * The workspace as `Stack.select` sees it: selecting only runs `pulumi stack select`, which checks
 * that the stack exists and makes it the checkout's current stack. Every command the `Stack` runs
 * names the stack itself (`--stack`), and a missing stack fails it with the same error, so the
 * process is skipped. Everything else is the workspace's own (its prototype).
 */
function withoutSelecting(workspace: LocalWorkspace): LocalWorkspace {
    const selectStack: LocalWorkspace["selectStack"] = async () => undefined;
    return Object.create(workspace, { selectStack: { value: selectStack } }) as LocalWorkspace;
}

/**
 * The stack with the two reads `Stack.up()`/`Stack.refresh()` make after the engine ends answering
 * nothing: `outputs()` (`stack output` twice) and `info()` (a one-entry `stack history`). The
 * operation itself is the API's own code, run on this object (its prototype is the stack).
 */
function engineOnly(stack: Stack): Stack {
    const outputs: Stack["outputs"] = async () => ({});
    const info: Stack["info"] = async () => undefined;
    return Object.create(stack, { outputs: { value: outputs }, info: { value: info } }) as Stack;
}
