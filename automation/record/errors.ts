// Typed errors of the deploy driver. Each says what happened, names the input
// and the bad value, says what to do, and carries the CLI's exit code. Errors
// that end an update that ran carry its evidence record.
import type { EvidenceRecord } from "./evidence";

export const EXIT_CODES = {
    ok: 0,
    unexpected: 1,
    usage: 2,
    imageUnavailable: 3,
    stackBusy: 4,
    updateFailed: 5,
    drift: 6,
    nothingToRollBackTo: 7,
    notVerified: 8,
    unreachable: 9,
    rolloutTimeout: 10,
    /** The digest's scan findings reach the stack's threshold, or its scan is unfinished or missing where required (automation/aws/scanGate.ts). */
    scanFindings: 11,
    /** The stack's state (its checkpoint) is truncated or misshaped: named with its stack and file, nothing was changed. */
    stateUnreadable: 12,
    /** A release gate refused: the digest's release verdict on the source stack is not `completed` (automation/record/verdict.ts). */
    notReleased: 13,
    interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/**
 * What each exit code means, in one line, keyed like EXIT_CODES so a new code cannot go
 * unexplained. The job summary (scripts/job-summary.ts) prints it; the exit-code tables of
 * README.md and docs/CI.md, and the codes the CLI's help lists, are checked against it
 * (test/unit/exitCodes.test.ts). No `|`: the docs put these in markdown tables.
 */
export const EXIT_CODE_MEANINGS: Record<keyof typeof EXIT_CODES, string> = {
    ok: "done",
    unexpected: "unexpected error: a bug (the log has the stack trace; please report it)",
    usage: "bad input: a flag, tag, stack name or stack configuration that can never work, a digest the stack's `papyrus:promoteFrom` never ran, or a Node.js older than `engines.node`; nothing changed",
    imageUnavailable:
        "the image, its repository or the rollback target is missing or archived in ECR, or a restore or replication did not finish within `--wait`; nothing changed",
    stackBusy:
        "the stack is being deployed by someone else, or its driver lock's holder cannot be proven alive (the message gives the `unlock` command); nothing changed",
    updateFailed: "`pulumi up` failed; the message says what the stack runs now",
    drift: "ECS rolled the deployment back or failed it, or runs another image than the stack recorded",
    nothingToRollBackTo: "nothing to roll back to or to promote (for `up`: no running digest recorded yet); nothing changed",
    notVerified:
        "what ECS runs could not be checked: the cluster or service is missing, the state does not say what runs, or ECS stopped answering after the update ran; run `verify` again",
    unreachable: "AWS, its credentials or the state backend could not be reached, or AWS throttled or failed the request; nothing changed",
    rolloutTimeout:
        "the stack was updated, but ECS was still rolling it out when `--wait-timeout` ended (for `verify`: ECS is still rolling it out); `verify` answers later",
    scanFindings:
        "the scan gate refused the digest: findings at or above `papyrus:scanThreshold`, or its scan unfinished (or missing where `papyrus:scanRequired`); nothing changed",
    stateUnreadable:
        "the stack's state cannot be read: its checkpoint, a history file or its tags file is truncated or misshaped (the message names the file and how to restore it); nothing changed",
    notReleased: "a release gate refused: the digest's release verdict on the source stack is not `completed`; nothing changed",
    interrupted: "interrupted (SIGINT, SIGTERM or SIGHUP); the message says whether the image was applied",
};

export abstract class DeployError extends Error {
    abstract readonly exitCode: ExitCode;
    /** The evidence record of the update this error ends, with this message as its `error`; unset when no update ran. */
    readonly evidence?: EvidenceRecord;
    constructor(message: string, evidence?: EvidenceRecord) {
        super(message);
        this.name = new.target.name;
        this.evidence = evidence && { ...evidence, error: message };
    }
}

/** A flag or value that can never work: fix the command line. */
export class InvalidInputError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(
        readonly input: string,
        readonly value: string,
        readonly problem: string,
    ) {
        super(`\`${input}\` ${problem}, got \`${value}\``);
    }

    /** The same error naming `name` instead: the CLI's flag for a library input (`tag` → `--tag`). */
    withInput(name: string): InvalidInputError {
        return new InvalidInputError(name, this.value, this.problem);
    }
}

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

export class RepositoryNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(readonly repositoryName: string) {
        super(
            `ECR repository \`${repositoryName}\` does not exist (from \`papyrus:repositoryName\`); run \`pulumi up\` once to create it, or fix the stack config`,
        );
    }
}

export class ImageNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly input: string,
        readonly value: string,
    ) {
        super(
            `\`${input}\` names no image in \`${repositoryName}\`, got \`${value}\`; push it first (CI's ecr-push workflow) or check the spelling with \`aws ecr describe-images --repository-name ${repositoryName}\``,
        );
    }

    /** The same error naming `name` instead (see `InvalidInputError.withInput`). */
    withInput(name: string): ImageNotFoundError {
        return new ImageNotFoundError(this.repositoryName, name, this.value);
    }
}

export class ImageArchivedError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly value: string,
        readonly digest: string,
        readonly status: string,
    ) {
        super(
            `image \`${repositoryName}:${value}\` (${digest}) is ${status} and cannot be pulled by ECS; restore it in ECR first (\`aws ecr update-image-storage-class\` / the console) or deploy another tag`,
        );
    }
}

/** The rollback target found in history is no longer in ECR. */
export class RollbackTargetGoneError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        readonly updateVersion: number,
        reason: string,
    ) {
        super(
            `rollback target (update ${updateVersion}, ${digest}) ${reason} in \`${repositoryName}\`; nothing was changed. Pick another target with \`--to-version\` (see \`history\`), or re-push that build`,
        );
    }
}

/** `reconcile`: the image ECS runs is gone from ECR (deleted or archived), so recording it would name an image ECS cannot pull again. */
export class ReconcileTargetGoneError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly stack: string,
        readonly repositoryName: string,
        readonly image: string,
        reason: string,
    ) {
        super(
            `ECS runs \`${image}\` on stack \`${stack}\`, but ${reason} in \`${repositoryName}\`: recording it would name an image ECS cannot pull again (a scale-out or a replaced task would fail); nothing was changed. Deploy a tag or roll back to a digest still in ECR (see \`papyrus-deploy history --stack ${stack}\`)`,
        );
    }
}

export class NoRollbackTargetError extends DeployError {
    readonly exitCode = EXIT_CODES.nothingToRollBackTo;
    constructor(
        readonly stack: string,
        reason: string,
    ) {
        super(`stack \`${stack}\` has nothing to roll back to: ${reason}; see \`papyrus-deploy history --stack ${stack}\``);
    }
}

/** `promote` found nothing on the source stack to take: no deployment, or not the one named. */
export class NothingToPromoteError extends DeployError {
    readonly exitCode = EXIT_CODES.nothingToRollBackTo;
    constructor(
        readonly stack: string,
        reason: string,
    ) {
        super(`stack \`${stack}\` has nothing to promote: ${reason}; nothing was changed. See \`papyrus-deploy history --stack ${stack}\``);
    }
}

/** The stack takes only digests that succeeded on its promotion source (`papyrus:promoteFrom`), and this one never did. */
export class NotPromotedError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(
        readonly stack: string,
        readonly source: string,
        tag: string,
        digest: string,
    ) {
        super(
            `stack \`${stack}\` takes only digests whose release completed on \`${source}\` (\`papyrus:promoteFrom\` in its stack config), ` +
                `and \`${tag}\` (${digest}) never ran there; nothing was changed. Deploy it to ${source} first, then run ` +
                `\`papyrus-deploy promote --from ${source} --to ${stack}\``,
        );
    }
}

/**
 * A release gate refused: the source's update that ran the digest has a release verdict other than
 * `completed` (automation/record/verdict.ts), so it is not known to have run as a finished ECS deployment.
 */
export class NotReleasedError extends DeployError {
    readonly exitCode = EXIT_CODES.notReleased;
    constructor(
        readonly stack: string,
        readonly version: number,
        readonly digest: string,
        readonly verdict: string,
        reason: string,
        /** What the gate was asked: `promote`, or `deploy` to a stack with `papyrus:promoteFrom`. */
        gate: string,
    ) {
        const next =
            verdict === "in-progress" || verdict === "unknown"
                ? `Run \`papyrus-deploy verify --stack ${stack}\` once ECS has finished (it records ECS's outcome for the update the stack runs), then try again`
                : `Deploy a fixed build to ${stack} first, or pick an update whose RELEASE is \`completed\` in \`papyrus-deploy history --stack ${stack}\``;
        super(
            `${gate} refused: update ${version} of stack \`${stack}\` (${digest}) has release verdict \`${verdict}\`: ${reason}; nothing was changed. ${next}`,
        );
    }
}

/** What ECS runs on the promotion source is not what its state recorded: promote takes no drifted digest. */
export class SourceDriftError extends DeployError {
    readonly exitCode = EXIT_CODES.drift;
    constructor(
        readonly stack: string,
        readonly recorded: string,
        readonly running: readonly string[],
    ) {
        super(
            `stack \`${stack}\` recorded \`${recorded}\` but ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}, so it is not known to run as recorded; ` +
                `nothing was changed. Check its service events and deploy or roll it back, or promote a named deployment with \`--version N\` (see \`papyrus-deploy history --stack ${stack}\`)`,
        );
    }
}

/** What ECS runs on the promotion source could not be read (no cluster, no service): nothing was changed. */
export class SourceNotVerifiedError extends DeployError {
    readonly exitCode = EXIT_CODES.notVerified;
    constructor(
        readonly stack: string,
        reason: string,
    ) {
        super(
            `what ECS runs for stack \`${stack}\` could not be checked: ${reason}; nothing was changed. ` +
                `Run \`papyrus-deploy verify --stack ${stack}\` once ECS answers, or promote a named deployment with \`--version N\``,
        );
    }
}

/** The promoted digest did not reach the target's repository within `--wait`. */
export class ReplicaMissingError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        target: string,
        region: string,
        source: string,
        waited: string,
    ) {
        super(
            `${digest} from stack \`${source}\` is not in \`${repositoryName}\` of stack \`${target}\` (${region}) after waiting ${waited}; nothing was changed. ` +
                `Replication from ${source}'s registry (\`papyrus:replicateTo\` in its stack config) has not delivered it: check it with ` +
                `\`aws ecr describe-image-replication-status --repository-name ${repositoryName} --image-id imageDigest=${digest}\` in ${source}'s region, ` +
                "then run promote again (`--wait` waits longer)",
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

export class UpdateFailedError extends DeployError {
    readonly exitCode = EXIT_CODES.updateFailed;
    /** `outcome` says what the stack's state runs now, e.g. "the stack still runs `…`". */
    constructor(
        readonly stack: string,
        readonly image: string,
        outcome: string,
        detail: string,
        evidence?: EvidenceRecord,
    ) {
        super(`update of stack \`${stack}\` to \`${image}\` failed; ${outcome}. ${detail}`.trimEnd(), evidence);
    }
}

export class InterruptedError extends DeployError {
    readonly exitCode = EXIT_CODES.interrupted;
    /** `outcome` says how far it got: nothing changed, or what the stack's state runs after the cancel. */
    constructor(
        readonly stack: string,
        outcome: string,
        evidence?: EvidenceRecord,
    ) {
        // Named by what was running (a rollback, a promote, a reconcile), once the record says; before the update, an update.
        super(`${evidence?.kind ?? "update"} of stack \`${stack}\` was interrupted: ${outcome}`, evidence);
    }
}

export class DriftError extends DeployError {
    readonly exitCode = EXIT_CODES.drift;
    constructor(
        readonly stack: string,
        readonly recorded: string,
        readonly running: readonly string[],
        evidence?: EvidenceRecord,
    ) {
        super(
            `stack \`${stack}\` recorded \`${recorded}\` but ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}; the deployment circuit breaker may have rolled back. Check the service events, then run \`papyrus-deploy reconcile --stack ${stack}\` to record what ECS runs, or deploy or roll back explicitly`,
            evidence,
        );
    }
}

/**
 * ECS rolled the update's deployment back (circuit breaker or a deployment alarm), or it failed:
 * the stack's state records one digest while ECS runs another, unless it was reconciled.
 */
export class RolledBackError extends DeployError {
    readonly exitCode = EXIT_CODES.drift;
    constructor(
        readonly stack: string,
        readonly recorded: string,
        readonly running: readonly string[],
        what: string,
        aftermath: string,
        evidence?: EvidenceRecord,
    ) {
        // ECS failed it without rolling back: its primary deployment is the recorded image still.
        const runs =
            running.length === 1 && running[0] === recorded
                ? `its primary deployment is still the recorded \`${recorded}\`, whose tasks fail`
                : `the update recorded \`${recorded}\` but ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}`;
        super(`ECS ${what} on stack \`${stack}\`: ${runs}. ${aftermath}`, evidence);
    }
}

/**
 * Another update of the stack (another checkout's deploy, a `pulumi up` by hand) replaced this one's
 * ECS deployment while the driver followed it: not a rollback by ECS, so nothing is reconciled.
 */
export class SupersededError extends DeployError {
    readonly exitCode = EXIT_CODES.drift;
    constructor(
        readonly stack: string,
        readonly recorded: string,
        readonly running: readonly string[],
        by: string,
        evidence?: EvidenceRecord,
    ) {
        super(
            `stack \`${stack}\` was updated to \`${recorded}\`, but ${by} ran while ECS rolled it out and replaced it: ECS runs ` +
                `${running.map((r) => `\`${r}\``).join(", ") || "nothing"}. That is not ECS rolling it back, so nothing was reconciled; ` +
                `see \`papyrus-deploy history --stack ${stack}\` and deploy again if this image should run`,
            evidence,
        );
    }
}

/** The update ran, but ECS had not finished rolling it out when the wait ended. */
export class RolloutTimeoutError extends DeployError {
    readonly exitCode = EXIT_CODES.rolloutTimeout;
    constructor(
        readonly stack: string,
        deployment: string,
        waited: string,
        evidence?: EvidenceRecord,
    ) {
        super(
            `stack \`${stack}\` was updated, but ECS deployment ${deployment} was still IN_PROGRESS after ${waited}; ` +
                `the stack records the new digest while ECS may still roll it back, and its release verdict is \`in-progress\` (promote refuses it). ` +
                `\`papyrus-deploy verify --stack ${stack}\` answers later and records the verdict: exit 0 once ECS completed it, 10 while it still rolls out, ` +
                `6 if ECS rolled it back (then \`papyrus-deploy reconcile --stack ${stack}\`); or give \`--wait-timeout\` more time`,
            evidence,
        );
    }
}

/** The update ran, but what ECS runs could not be read: the result is not verified. */
export class NotVerifiedError extends DeployError {
    readonly exitCode = EXIT_CODES.notVerified;
    /** `evidence` is set when an update ran; a `verify` on its own has none. */
    constructor(
        readonly stack: string,
        reason: string,
        evidence?: EvidenceRecord,
    ) {
        super(
            evidence
                ? `stack \`${stack}\` was updated, but what ECS runs could not be checked: ${reason}. Run \`papyrus-deploy verify --stack ${stack}\` once ECS is reachable (\`--no-verify\` skips the check)`
                : `what ECS runs for stack \`${stack}\` could not be checked: ${reason}`,
            evidence,
        );
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

/** The Pulumi CLI failed outside an update in a way the driver does not recognise. */
export class EngineError extends DeployError {
    readonly exitCode = EXIT_CODES.unexpected;
    constructor(message: string) {
        super(message);
    }
}
