// What `approve` and `abort` share: their options, a read-only session that knows who asks, the
// record each leaves (`--evidence`), and their result. Neither takes the driver's lock: the deploy
// that waits at the hook holds it.
import { ServiceDeploymentFacts } from "../aws/serviceDeployments";
import { HookDecision } from "../record/decisions";
import { InvalidInputError } from "../record/errors";
import { ciIdentity, DECISION_EVIDENCE_SCHEMA, DecisionEvidence } from "../record/evidence";
import { checkEvidencePath, writeEvidence } from "../record/evidenceFile";
import { requestedByOf } from "../record/requester";
import type { InFlight } from "./inFlight";
import { checkedProjectDirectory, openSession, Session, UpdateOptions } from "./session";

export interface DecisionOptions extends UpdateOptions {
    /** Why: recorded with who asked. Required for `abort`. */
    readonly reason?: string;
    /**
     * `approve`: only the deployment of this tag's update (the stack's newest, whose task definition the deployment
     * targets); another one waiting is left alone (exit 15). What a CI job passes, so it never approves another run's.
     */
    readonly tag?: string;
}

export interface DecisionResult {
    readonly kind: "approve" | "abort";
    readonly stack: string;
    /** One line on what was done. */
    readonly message: string;
    readonly evidence: DecisionEvidence;
    /** Set when `--evidence` was given and the record could not be written. */
    readonly evidenceWriteError?: string;
}

export async function openDecisionSession(options: DecisionOptions, reasonRequired = false): Promise<Session> {
    if (options.reason !== undefined && options.reason.trim() === "") {
        throw new InvalidInputError("reason", options.reason, "must say why in words (it is recorded with who asked)");
    }
    if (reasonRequired && options.reason === undefined) {
        throw new InvalidInputError("reason", undefined, "is required: say why the rollout is stopped (it is recorded with who asked)");
    }
    const requestedBy = requestedByOf(options);
    const workDir = checkedProjectDirectory(options.workDir);
    const evidenceFile = options.evidenceFile === undefined ? undefined : checkEvidencePath(options.evidenceFile, workDir);
    return openSession(options, { workDir, requestedBy, evidenceFile });
}

export function decisionRecord(
    session: Session,
    kind: "approve" | "abort",
    found: InFlight,
    decision: HookDecision,
    tag: string | undefined,
    facts: ServiceDeploymentFacts,
    reconcile?: DecisionEvidence["reconcile"],
): DecisionEvidence {
    return {
        schema: DECISION_EVIDENCE_SCHEMA,
        kind,
        stack: session.displayName,
        stackQualified: session.identity.qualified,
        updateVersion: found.updateVersion,
        decision,
        tag,
        serviceDeployment: facts,
        reconcile,
        ci: ciIdentity(session.options.env),
    };
}

/** Writes `--evidence`, if asked; the result, with the problem if the file could not be written. */
export function finishDecision(session: Session, result: DecisionResult): DecisionResult {
    if (!session.evidenceFile) return result;
    try {
        writeEvidence(session.evidenceFile, result.evidence);
        return result;
    } catch (err) {
        return { ...result, evidenceWriteError: `the record could not be written to \`${session.evidenceFile}\` (${(err as Error).message})` };
    }
}
