// Engine failures, classified in one place: every call that catches an engine error maps it here
// to the driver's typed errors (busy, not found, unreadable state, bad config, unreachable backend).
import { CommandError, ConcurrentUpdateError, StackNotFoundError as EngineStackNotFoundError } from "@pulumi/pulumi/automation/errors";
import {
    DeployError,
    EngineError,
    InterruptedError,
    InvalidInputError,
    StackBusyError,
    StackNotFoundError,
    StateAccessDeniedError,
    StateUnreadableError,
    UnreachableError,
} from "../record/errors";
import { stateLocation, stateRemedy } from "./checkpointFile";
import { StateReadError, TagsFileError } from "./engineStack";
import type { StackIdentity } from "./stackName";
import { TAGS_FILE_REMEDY } from "./tagsFile";

/** The stack an engine call was about, for messages. */
export interface EngineContext {
    /** The name as the caller gave it. */
    readonly displayName: string;
    readonly identity: StackIdentity;
    readonly backendUrl: string;
}

/** Runs an engine call outside an update; any failure becomes a typed error. */
export async function engineCall<T>(session: EngineContext & { options?: { readonly signal?: AbortSignal } }, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (err) {
        if (session.options?.signal?.aborted) {
            throw new InterruptedError(
                session.displayName,
                "interrupted before the update started (during recovery or a read of the stack); no image was deployed",
            );
        }
        throw classifyEngineError(err, session) ?? new EngineError(`the Pulumi CLI failed on stack \`${session.displayName}\`: ${engineErrorSummary(err)}`);
    }
}

/** The one mapping from engine failures to the driver's errors; undefined when it is the update's own failure. */
export function classifyEngineError(err: unknown, session: EngineContext): DeployError | undefined {
    if (err instanceof DeployError) return err;
    if (err instanceof StateReadError) return unreadableState(session, err.problem, err.file);
    if (err instanceof TagsFileError) return new StateUnreadableError(session.displayName, err.file, err.problem, TAGS_FILE_REMEDY);
    const stderr = engineStderr(err);
    if (stderr === undefined) return undefined;
    // The Automation API's own classification of the CLI's words ("the stack is currently locked by", "no stack named … found").
    if (err instanceof ConcurrentUpdateError) return new StackBusyError(session.displayName, lockHolderFrom(stderr));
    if (err instanceof EngineStackNotFoundError) return new StackNotFoundError(session.displayName, session.backendUrl);
    // Before the state's own checks: a refused read is not a broken checkpoint (the engine says `failed to load checkpoint` for both).
    const refused = stateAccessRefusal(stderr);
    if (refused !== undefined)
        return new StateAccessDeniedError(
            session.identity.name === "" ? undefined : session.displayName,
            session.backendUrl,
            refused,
            session.identity.project,
        );
    const configFile = `Pulumi.${session.identity.name}.yaml`;
    if (/passphrase/i.test(stderr) && /PULUMI_CONFIG_PASSPHRASE|incorrect passphrase/i.test(stderr)) {
        return new InvalidInputError(
            "PULUMI_CONFIG_PASSPHRASE",
            "(hidden)",
            "is missing or wrong for this stack's secrets; export the passphrase the stack was created with",
        );
    }
    // The engine's own words for state it cannot decode: a history file (named), or the checkpoint.
    const history = /reading history file (\S+?): (.+)/.exec(stderr);
    if (history) return unreadableState(session, `cannot be decoded (${history[2].trim()}; truncated?)`, undefined, history[1]);
    const checkpoint = /failed to load checkpoint: (.+)/.exec(stderr) ?? /^error: (.*(?:unexpected end of JSON input|json: cannot unmarshal).*)$/m.exec(stderr);
    if (checkpoint) return unreadableState(session, `cannot be decoded by the engine (${checkpoint[1].trim()})`);
    const missingDir = /unable to open state directory "([^"]+)": stat ([^:]+): no such file or directory/.exec(stderr);
    if (missingDir) return missingBackendDirectory(missingDir[1], missingDir[2]);
    if (stderr.includes(configFile) || /could not (load|read|decode|unmarshal).*config|yaml: /i.test(stderr)) {
        return new InvalidInputError(configFile, firstErrorLine(stderr), "is not a valid stack config file; fix it (see `git diff`) and try again");
    }
    if (/NoSuchBucket|AccessDenied|no such host|connection refused|dial tcp|could not (open|connect to) (the )?(bucket|backend)/i.test(stderr)) {
        return new UnreachableError(
            `state backend \`${session.backendUrl}\``,
            firstErrorLine(stderr),
            "Check PULUMI_BACKEND_URL, the network and the credentials for the state bucket",
        );
    }
    return undefined;
}

/**
 * What the state backend refused, when S3 answered 403 (the engine's words: `operation error S3: HeadObject,
 * https response error StatusCode: 403, … api error Forbidden`, with `blob (key "…")` when it names the object).
 */
export function stateAccessRefusal(stderr: string): string | undefined {
    const denied = /operation error S3: (\w+), https response error StatusCode: 403\b[^\n]*?api error (\w+)/.exec(stderr);
    if (!denied) return undefined;
    const key = /blob \(key "([^"]+)"\)/.exec(stderr)?.[1];
    return `S3 ${denied[1]}${key === undefined ? "" : ` of \`${key}\``} answered 403 ${denied[2]}`;
}

/**
 * What the engine said, from the Automation API's `CommandError` (its result is private; the message
 * is `code: … stdout: … stderr: …`). A failed process's stderr there is execa's message: its first
 * line, `Command failed with exit code 255: <the command line>`, is dropped, as the command line
 * names files (the update's `Pulumi.<stack>.yaml` copy) that the classifier must not take for the
 * engine's words. Undefined for anything but a `CommandError`.
 */
export function engineStderr(err: unknown): string | undefined {
    if (!(err instanceof CommandError)) return undefined;
    const stderr = /\n stderr: ([\s\S]*?)(?:\n err\?: [\s\S]*)?$/.exec(err.message)?.[1] ?? err.message;
    return stderr.replace(/^Command (failed|was killed)[^\n]*(\n|$)/, "");
}

/** The stack's state cannot be read: named with its file (or the backend) and how to put a good copy back. */
function unreadableState(session: EngineContext, problem: string, file?: string, historyFile?: string): StateUnreadableError {
    const { project, name, qualified } = session.identity;
    const location = file ?? stateLocation(session.backendUrl, project, name, historyFile);
    return new StateUnreadableError(session.displayName, location, problem, stateRemedy(session.backendUrl, project, name, qualified, historyFile));
}

export function missingBackendDirectory(url: string, dir: string): InvalidInputError {
    return new InvalidInputError(
        "PULUMI_BACKEND_URL",
        url,
        `names the state directory \`${dir}\`, which does not exist; point it at the directory that holds the state (\`.pulumi/\` inside it), ` +
            `or create an empty one for new stacks with \`mkdir -p ${dir}\``,
    );
}

export function lockHolderFrom(message: string): string {
    const match = /created by ([^\n]+)/.exec(message);
    return match ? `${match[1].trim()} (engine lock; if no deploy is running, clear it with \`pulumi cancel\`)` : "another update (engine lock)";
}

/** The engine's first `error:` line (stderr), else its first non-empty line. */
function firstErrorLine(text: string): string {
    const lines = text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    return lines.find((l) => /^error:/i.test(l))?.replace(/^error:\s*/i, "") ?? lines[0] ?? "(the engine said nothing)";
}

/** The engine's diagnostics, causes included (`2 errors occurred:` is followed by what they were). */
export function engineErrorSummary(err: unknown): string {
    const text = engineStderr(err) ?? String((err as Error)?.message ?? err);
    const lines = text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const picked: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!/^error:|Error:|^\* /.test(line) || /^error: update failed$/.test(line)) continue;
        if (/^error: \d+ errors? occurred:?$/.test(line)) continue; // the causes follow as `* …` lines
        if (!picked.includes(line)) picked.push(line);
    }
    return picked.length > 0 ? picked.slice(0, 6).join(" ") : lines.slice(-5).join(" ");
}
