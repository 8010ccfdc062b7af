// The base of the driver's typed errors: the exit codes with one line of meaning each, the
// `DeployError` every typed error extends, and the two any part of the driver throws (a bad
// input, an engine failure it does not recognise). Each error says what happened, names the input
// and the bad value, says what to do, and carries the CLI's exit code; errors that end an update
// that ran carry its evidence record. record/errors.ts lists the families.
import { ANY_PROJECT, qualifiedKey } from "../../components/configSchema";
import { inputMessage } from "../../components/inputMessage";
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
    /** The rollout was rolled back because someone asked: a failed smoke test, `abort`, or an interrupt answered with abort. */
    rolledBackOnRequest: 14,
    /** `approve`/`abort` found nothing to act on: no deployment in flight, or none waiting at a PAUSE hook. */
    nothingToDecide: 15,
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
    usage: `bad input: a flag, tag, stack name or stack configuration that can never work, a digest the stack's \`${qualifiedKey(ANY_PROJECT, "promoteFrom")}\` never ran, or a Node.js older than \`engines.node\`; nothing changed`,
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
    scanFindings: `the scan gate refused the digest: findings at or above \`${qualifiedKey(ANY_PROJECT, "scanThreshold")}\`, or its scan unfinished (or missing where \`${qualifiedKey(ANY_PROJECT, "scanRequired")}\`); nothing changed`,
    stateUnreadable:
        "the stack's state cannot be read: its checkpoint, a history file or its tags file is truncated or misshaped (the message names the file and how to restore it); nothing changed",
    notReleased: "a release gate refused: the digest's release verdict on the source stack is not `completed`; nothing changed",
    rolledBackOnRequest:
        "the rollout was rolled back because it was asked to: the smoke test failed or timed out, `abort` was run, or Ctrl-C was answered with abort; the message says whether the stack was reconciled",
    nothingToDecide:
        "`approve` or `abort` found nothing to act on: no deployment of the stack is in flight, or none waits at a PAUSE hook (the message says what already happened); nothing changed",
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

/**
 * A flag or value that can never work: fix the command line. `value` is what was given (`""`: given
 * empty); undefined when nothing was, and then `problem` says what is required.
 */
export class InvalidInputError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(
        readonly input: string,
        readonly value: string | undefined,
        readonly problem: string,
    ) {
        super(inputMessage(input, problem, value));
    }

    /** The same error naming `name` instead: the CLI's flag for a library input (`tag` → `--tag`). */
    withInput(name: string): InvalidInputError {
        return new InvalidInputError(name, this.value, this.problem);
    }
}

/** The Pulumi CLI failed outside an update in a way the driver does not recognise. */
export class EngineError extends DeployError {
    readonly exitCode = EXIT_CODES.unexpected;
    constructor(message: string) {
        super(message);
    }
}
