// The session every command works in: open (the stack's identity, state and
// config, read once) → lock (the driver's lock in this checkout) → recover (what
// an interrupted update left behind) → work → release. `withLockedSession` runs
// that sequence for the commands that update a stack; `openSession` alone is the
// read-only part for `history`, `verify` and `status`.
import * as fs from "fs";
import * as path from "path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ConfigKey, qualifiedKey } from "../../components/configSchema";
import { createEcrClient } from "../aws/ecr";
import { createEcsClient } from "../aws/verify";
import { fileBackendRoot } from "../engine/checkpointFile";
import { engineCall } from "../engine/errors";
import { withEngineInterrupt } from "../engine/interrupt";
import { acquireLock, describeEngineLock, describeHolder, engineLocks } from "../engine/lock";
import type { EngineStack } from "../engine/engineStack";
import { StackIdentity } from "../engine/stackName";
import { Checkpoint, pendingOperations, recordedImage, RecordedImage } from "../engine/state";
import { nearestProjectDirectory } from "../engine/project";
import { backendFor, createBackendDirectory, engineStack, identityOf, isMissingOwnBackend } from "../engine/workspace";
import { InterruptedError, InvalidInputError, StackNotFoundError } from "../record/errors";
import { checkEvidencePath } from "../record/evidenceFile";
import { requestedByOf } from "../record/requester";
import { isSecureStackConfigValue, readStackConfigValues, StackConfigValues } from "../record/updateConfig";

export interface StackContext {
    /** `dev`, or fully qualified `organization/papyrus/dev`: every spelling names one stack. */
    readonly stackName: string;
    /** Directory with Pulumi.yaml and Pulumi.<stack>.yaml. @default the nearest one upwards from the working directory */
    readonly workDir?: string;
    /** Extra environment for the engine (backend URL, passphrase, AWS endpoints). */
    readonly envVars?: Record<string, string>;
    readonly ecr?: ECRClient;
    readonly ecs?: ECSClient;
    /** Engine output, line by line, as it happens, and the driver's own progress lines. */
    readonly onOutput?: (text: string) => void;
    /** The engine's own output alone. @default `onOutput` */
    readonly onEngineOutput?: (text: string) => void;
    /** Typed engine events of every engine operation (resource steps, diagnostics, the summary), as they come. */
    readonly onEvent?: (event: EngineEvent) => void;
    /**
     * Aborting stops the driver: before `up` nothing changes; during `up` the engine cancels at a
     * safe point. The engine gets exactly one interrupt (see `engineInterrupt`).
     */
    readonly signal?: AbortSignal;
    /** Who asked. @default the GitHub actor in CI, else $USER */
    readonly requestedBy?: string;
    /** Where CI identity is read from. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
}

/** The options of every command that runs an update (`deploy`, `rollback`, `promote`, `up`, `reconcile`). */
export interface UpdateOptions extends StackContext {
    /** Follow the ECS deployment `up` started and compare what ECS runs with the record afterwards. @default true */
    readonly verify?: boolean;
    /** Write the evidence record to this file (checked before anything runs). */
    readonly evidenceFile?: string;
    /** How long to wait for ECS to finish the rollout (COMPLETED or FAILED); 0 looks once. @default 15 minutes */
    readonly waitTimeoutMs?: number;
    /** @default 5 s */
    readonly rolloutPollMs?: number;
    /** At most one rollout status line this often. @default 10 s */
    readonly progressMs?: number;
    /** Rollout progress, one line each. @default `onOutput` */
    readonly onProgress?: (line: string) => void;
    /**
     * When ECS rolls the update back: `fail` (exit 6, printing the reconcile command) or `reconcile`
     * (also run `up` with the digest ECS runs, so state, history and ECS agree; still exit 6). @default "fail"
     */
    readonly onRollback?: "fail" | "reconcile";
    /** At a PAUSE hook: run this shell command (pause.ts); exit 0 continues the deployment, anything else rolls it back. Unset: wait for `approve` or `abort`. */
    readonly smokeTest?: string;
    /** How long the smoke test may run before it counts as failed. @default 5 minutes */
    readonly smokeTestTimeoutMs?: number;
    /**
     * An interrupt while ECS rolls the update out: `leave` the rollout running (exit 130), `abort` it (roll
     * back and reconcile), or `ask` through `confirmAbort` (without one, as `leave`). @default "ask"
     */
    readonly onInterrupt?: "ask" | "leave" | "abort";
    /** Asks the person at the terminal whether to abort the rollout; the CLI sets it when stdin is a TTY. */
    readonly confirmAbort?: (question: string) => Promise<boolean>;
}

export interface Session {
    /** The stack's engine adapter (the Automation API's `Stack`). */
    readonly stack: EngineStack;
    readonly identity: StackIdentity;
    /** The name as the caller gave it, for messages. */
    readonly displayName: string;
    /** The backend the engine uses: PULUMI_BACKEND_URL, or the project's own `.pulumi-state`. */
    readonly backendUrl: string;
    readonly workDir: string;
    /** The checkout's `Pulumi.<stack>.yaml` config, as the engine will read it. */
    readonly config: StackConfigValues;
    /** The state as the session found it (after recovery). */
    readonly checkpoint: Checkpoint | undefined;
    /** What that state runs. */
    readonly running?: RecordedImage;
    /** Why the state does not say what runs, when it does not. */
    readonly runningProblem?: string;
    readonly stackOutputs: Record<string, unknown>;
    /** When this session read the stack's state. */
    readonly readAt: Date;
    readonly requestedBy: string;
    readonly options: UpdateOptions;
    readonly evidenceFile?: string;
    readonly recovered: string[];
}

/** Where the driver's progress lines go: `onProgress`, else `onOutput` a line at a time. */
export function progressOf(options: UpdateOptions): (line: string) => void {
    return options.onProgress ?? ((line: string) => options.onOutput?.(`${line}\n`));
}

/** Open → lock → recover → `work` → release: the sequence every command that updates a stack runs. */
export async function withLockedSession<T>(options: UpdateOptions, work: (session: Session) => Promise<T>): Promise<T> {
    if (options.onRollback === "reconcile" && options.verify === false) {
        // Reconciling needs the rollout followed; without it a rollback would pass unseen and the option would promise nothing.
        throw new InvalidInputError("onRollback", "reconcile", "needs ECS checked after the update, which `verify: false` turns off: drop one of them");
    }
    if (options.smokeTest !== undefined && options.smokeTest.trim() === "") {
        throw new InvalidInputError("smokeTest", options.smokeTest, "must be a shell command to run at a PAUSE hook; an empty one would pass every release");
    }
    if (options.smokeTestTimeoutMs !== undefined && !(options.smokeTestTimeoutMs >= 1000)) {
        throw new InvalidInputError("smokeTestTimeoutMs", String(options.smokeTestTimeoutMs), "must be at least 1 s: the smoke test needs time to run");
    }
    const requestedBy = requestedByOf(options);
    const workDir = checkedProjectDirectory(options.workDir);
    const evidenceFile = options.evidenceFile === undefined ? undefined : checkEvidencePath(options.evidenceFile, workDir);
    if (options.signal?.aborted) throw new InterruptedError(options.stackName, "interrupted before the update started; nothing was changed");
    const backendUrl = backendFor(workDir, options.envVars);
    createBackendDirectory(backendUrl);
    // The lock is keyed on the canonical name, so `dev` and `organization/papyrus/dev` share it.
    const identity = await identityOf(options, workDir, backendUrl);
    const lock = acquireLock(workDir, identity.qualified, requestedBy, options.stackName);
    try {
        const session = await recover(await openSession(options, { workDir, backendUrl, identity, evidenceFile, requestedBy }), lock.staleHolder);
        throwIfAborted(session);
        return await work(session);
    } finally {
        lock.release();
    }
}

/** Reads the stack's identity, state and config once; no lock, nothing written. */
export async function openSession(
    options: UpdateOptions,
    known: { workDir?: string; backendUrl?: string; identity?: StackIdentity; evidenceFile?: string; requestedBy?: string } = {},
): Promise<Session> {
    const workDir = known.workDir ?? checkedProjectDirectory(options.workDir);
    const backendUrl = known.backendUrl ?? backendFor(workDir, options.envVars);
    const identity = known.identity ?? (await identityOf(options, workDir, backendUrl));
    // Read-only commands before any update: the engine would make the directory to say the stack is not there.
    if (isMissingOwnBackend(backendUrl)) throw new StackNotFoundError(options.stackName, backendUrl);
    const stack = engineStack(options, workDir, backendUrl, identity);
    const session = { displayName: options.stackName, workDir, backendUrl, identity, options, stack };
    const readAt = new Date();
    const checkpoint = await engineCall(session, () => stack.readState());
    // A tags file the engine cannot read fails `up` late and hides every release verdict: say so now (a file read, no process).
    if (fileBackendRoot(backendUrl) !== undefined) await engineCall(session, () => stack.tags());
    const config = readStackConfigValues(workDir, identity.name);
    return {
        ...session,
        config,
        checkpoint,
        ...readRecordedImage(checkpoint),
        stackOutputs: stackOutputsOf(checkpoint),
        readAt,
        // Checked by withLockedSession before the lock (exit 2 for a bad PAPYRUS_DEPLOYER); a read-only session records nobody.
        requestedBy: known.requestedBy ?? "",
        options,
        evidenceFile: known.evidenceFile,
        recovered: [],
    };
}

/** The library's `workDir` (it must be a directory with a Pulumi.yaml), else the nearest directory upwards from the working directory that has one. */
export function checkedProjectDirectory(workDir: string | undefined): string {
    if (workDir === undefined) return nearestProjectDirectory(process.cwd(), "workDir", "give `workDir`");
    const dir = path.resolve(workDir);
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
        throw new InvalidInputError(
            "workDir",
            workDir,
            fs.existsSync(dir) ? "has no Pulumi.yaml; point it at the project directory" : "does not exist; point it at the project directory",
        );
    }
    return dir;
}

/**
 * A driver or engine that died without cleaning up (SIGKILL, lost runner) can leave the backend
 * locked and pending operations in the state. The engine's lock is broken only when its holder is
 * provably dead (a process of this machine that no longer runs), whether or not our own lock was
 * stale; pending operations are refreshed away. Each step is reported.
 */
async function recover(session: Session, staleHolder: ReturnType<typeof acquireLock>["staleHolder"]): Promise<Session> {
    // Said as it happens too, so a command that fails afterwards still shows what it did.
    const done = (line: string) => {
        session.recovered.push(line);
        session.options.onOutput?.(`recovered: ${line}\n`);
    };
    if (staleHolder !== undefined) {
        done(`removed the driver lock left by ${describeHolder(staleHolder)}, which is no longer running`);
    }
    const locks = engineLocks(session.backendUrl, session.identity.project, session.identity.name);
    if (locks === undefined) {
        if (staleHolder !== undefined) {
            done(`left the engine's lock (if any) alone: on ${backendKind(session.backendUrl)} a lock cannot be proven stale from here`);
        }
    } else if (locks.length > 0 && locks.every((lock) => lock.stale)) {
        await engineCall(session, () => session.stack.cancel());
        done(`cancelled the engine's stale update lock held by ${locks.map(describeEngineLock).join(", ")}, which is no longer running (\`pulumi cancel\`)`);
    }
    const pending = pendingOperations(session.checkpoint);
    if (pending.length === 0) return session;
    if (locks !== undefined && locks.some((lock) => !lock.stale)) return session; // a live update owns them: `up` will say busy
    await engineCall(session, () => withEngineInterrupt(session.options, (engine) => session.stack.refreshClearingPending(engine)));
    done(`refreshed the stack to clear ${pending.length} pending operation(s) left by the interrupted update (${describePending(pending)})`);
    const checkpoint = await engineCall(session, () => session.stack.readState());
    return { ...session, checkpoint, ...readRecordedImage(checkpoint), stackOutputs: stackOutputsOf(checkpoint) };
}

/** `update papyrus:…$aws:ecs/service:Service::web`, … as a step of an interrupted update left them. */
export function describePending(pending: readonly { type: string; resource: { urn: string } }[]): string {
    return pending.map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`).join(", ");
}

function backendKind(url: string): string {
    return url.startsWith("s3://") ? "an S3 backend" : url.startsWith("file://") ? "a file backend" : "Pulumi Cloud";
}

/** Before `up` an abort changes nothing: say so (the engine's own interrupt is wired only once `up` runs). */
export function throwIfAborted(session: Session): void {
    if (session.options.signal?.aborted) {
        throw new InterruptedError(session.displayName, "interrupted before the update started; nothing was changed");
    }
}

/**
 * What the state runs, or why that cannot be read from it (e.g. a refresh after an ECS rollback
 * recorded the service on a task definition the state no longer holds). Not fatal: a deploy or
 * an explicit rollback replaces it, and `history` and `verify` say so.
 */
export function readRecordedImage(checkpoint: Checkpoint | undefined): { running?: RecordedImage; runningProblem?: string } {
    try {
        return { running: recordedImage(checkpoint) };
    } catch (err) {
        return { runningProblem: (err as Error).message };
    }
}

/** The root stack resource's outputs, from the same export (no extra CLI call). */
export function stackOutputsOf(checkpoint: Checkpoint | undefined): Record<string, unknown> {
    const root = checkpoint?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
    return root?.outputs ?? {};
}

// ---- the stack's AWS: its region, clients and the plain config values the driver needs ----

/**
 * The stack's own region (`aws:region`), so a prod deploy asks prod's registry even when the
 * shell's AWS_REGION points elsewhere; the SDK's default chain when the stack sets none.
 */
export function stackRegion(config: StackConfigValues): string | undefined {
    return config.values["aws:region"] || undefined;
}

export function ecrClient(session: Session): ECRClient {
    return session.options.ecr ?? createEcrClient(stackRegion(session.config));
}

export function ecsClient(session: Session): ECSClient {
    return session.options.ecs ?? createEcsClient(stackRegion(session.config));
}

export function requireConfig(session: Session, key: ConfigKey): string {
    const qualified = qualifiedKey(session.config.project, key);
    const value = session.config.values[qualified];
    if (!value) {
        const name = session.identity.name;
        if (isSecureStackConfigValue(session.workDir, name, qualified)) {
            throw new InvalidInputError(
                qualified,
                "(secret)",
                `in Pulumi.${name}.yaml is a secret, which the driver does not decrypt; it names what the driver asks AWS for, so it must be a plain value: ` +
                    `\`pulumi config set ${qualified} <value> -s ${name}\` (without --secret)`,
            );
        }
        throw new InvalidInputError(`${qualified}`, undefined, `must be set in Pulumi.${name}.yaml (\`pulumi config set ${key} <value> -s ${name}\`)`);
    }
    return value;
}
