// Typed errors that end an update that ran (or was interrupted): each carries the update's evidence
// record, as update/outcome.ts built it.
import { DeployError, EXIT_CODES } from "./deployError";
import type { EvidenceRecord } from "./evidence";

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

/** Ctrl-C (or SIGTERM/SIGHUP) during a command that only reads: it stops with nothing printed, and nothing changed. */
export class ReadInterruptedError extends DeployError {
    readonly exitCode = EXIT_CODES.interrupted;
    constructor(
        readonly command: string,
        signal: string,
    ) {
        super(`\`${command}\` was interrupted (${signal}); it only reads, so nothing was changed`);
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

/** ECS rolled the update's deployment back because it was asked to (a failed smoke test, `abort`, an interrupt answered with abort). */
export class RolledBackOnRequestError extends DeployError {
    readonly exitCode = EXIT_CODES.rolledBackOnRequest;
    constructor(
        readonly stack: string,
        readonly recorded: string,
        readonly running: readonly string[],
        decision: string,
        aftermath: string,
        evidence?: EvidenceRecord,
    ) {
        super(
            `the rollout of \`${recorded}\` on stack \`${stack}\` was ${decision}; ECS rolled it back and runs ` +
                `${running.map((r) => `\`${r}\``).join(", ") || "nothing"}. ${aftermath}`,
            evidence,
        );
    }
}

/** `approve` or `abort` found nothing to act on. */
export class NothingToDecideError extends DeployError {
    readonly exitCode = EXIT_CODES.nothingToDecide;
    constructor(
        readonly stack: string,
        what: string,
    ) {
        super(`nothing was changed on stack \`${stack}\`: ${what}`);
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
        /** The PAUSE hook it waits at, when it does: who can let it go on, and what ECS does at the hook's timeout. */
        awaiting?: string,
    ) {
        super(
            `stack \`${stack}\` was updated, but ECS deployment ${deployment} was still IN_PROGRESS after ${waited}` +
                (awaiting ? ` (${awaiting})` : "") +
                "; " +
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
