// Typed errors: the stack or AWS cannot be used now (missing, busy, locked, unreadable, unreachable, refused).
// Nothing was changed.
import { qualifiedKey } from "../../components/configSchema";
import { DeployError, EXIT_CODES } from "./deployError";

/** The stack does not exist in the selected backend. */
export class StackNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(
        readonly stack: string,
        backend: string,
    ) {
        super(
            `stack \`${stack}\` does not exist in ${backend}; create it once with \`pulumi stack init ${stack}\` (and \`pulumi up -s ${stack}\` to create the repository) before deploying images to it`,
        );
    }
}

/** Another deploy holds the stack: ours changed nothing. */
export class StackBusyError extends DeployError {
    readonly exitCode = EXIT_CODES.stackBusy;
    constructor(
        readonly stack: string,
        readonly holder: string,
    ) {
        super(`stack \`${stack}\` is being deployed by ${holder}; nothing was changed, try again when it finishes`);
    }
}

/**
 * The stack's driver lock names a holder that cannot be proven alive from this host (another host,
 * or a pid now reused by another process): nothing was changed, and the message gives the file,
 * the holder, its age and the command that clears it. Never broken by age alone.
 */
export class UnprovenLockError extends DeployError {
    readonly exitCode = EXIT_CODES.stackBusy;
    constructor(
        readonly stack: string,
        readonly holder: string,
        readonly lockFile: string,
        readonly age: string,
        reason: string,
        readonly unlockCommand: string,
    ) {
        super(
            `stack \`${stack}\` is locked by ${holder}: driver lock \`${lockFile}\`, ${age} old, whose holder cannot be proven alive from here: ${reason}; ` +
                `nothing was changed. If no deploy of this stack runs there any more, clear it with \`${unlockCommand}\` ` +
                "(it refuses while a process of this host holds the lock; no lock is broken for its age alone)",
        );
    }
}

/**
 * The stack's state cannot be read: its checkpoint (or a history file) is truncated or not what
 * the engine writes. Named with the stack and the file (or, off a `file://` backend, the backend);
 * nothing was changed, and the message says how to put a good copy back.
 */
export class StateUnreadableError extends DeployError {
    readonly exitCode = EXIT_CODES.stateUnreadable;
    constructor(
        readonly stack: string,
        /** The file (a `file://` backend), else the backend URL. */
        readonly location: string,
        readonly problem: string,
        remedy: string,
    ) {
        super(`the state of stack \`${stack}\` cannot be read: \`${location}\` ${problem}; nothing was changed. ${remedy}`);
    }
}

/** AWS, its credentials or the state backend could not be reached: nothing was changed. */
export class UnreachableError extends DeployError {
    readonly exitCode = EXIT_CODES.unreachable;
    constructor(
        readonly what: string,
        readonly reason: string,
        hint: string,
        /** The network, throttling or a server error: asking again may work. Not for refused credentials. */
        readonly transient = false,
    ) {
        super(`${what} could not be reached: ${reason}; nothing was changed. ${hint}`);
    }
}

/**
 * The state backend refused the credentials (S3 answered 403): they may not read or write that stack's
 * state, or list the backend's stacks. A stack's deploy role reaches only its own state and its promotion
 * source's history (docs/COMPONENTS.md, "The roles, evaluated"). Nothing was changed.
 */
export class StateAccessDeniedError extends DeployError {
    readonly exitCode = EXIT_CODES.unreachable;
    constructor(
        /** The stack whose state was asked for; undefined for the list of every stack (`status`). */
        readonly stack: string | undefined,
        readonly backendUrl: string,
        /** What was refused, e.g. "S3 HeadObject of `.pulumi/stacks/papyrus/prod.json` answered 403 Forbidden". */
        readonly refused: string,
        project: string,
    ) {
        super(
            `the state backend \`${backendUrl}\` refused these credentials ${stack === undefined ? "while listing every stack" : `access to stack \`${stack}\``}: ` +
                `${refused}; nothing was changed. A stack's deploy role may read and write only that stack's state (and read the history ` +
                `of its \`${qualifiedKey(project, "promoteFrom")}\` stack): ` +
                (stack === undefined
                    ? "`status` lists and reads every stack, so run it with read access to the whole backend, not with a stack's deploy role"
                    : `run this with the credentials for stack \`${stack}\``) +
                ' (docs/COMPONENTS.md, "The roles, evaluated")',
        );
    }
}
