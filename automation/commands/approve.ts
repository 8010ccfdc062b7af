// `papyrus-deploy approve`: let a deployment that waits at a PAUSE hook go on. Describe (the
// stack's deployment in flight and its hook) → decide (one waits: nothing else is approved) →
// do (record who and why as a stack tag, then ContinueServiceDeployment CONTINUE) → record
// (`--evidence`). The deploy that waits, in any checkout, sees ECS go on and keeps the decision.
import { decideHook, describeStanding, factsOf, shortId } from "../aws/serviceDeployments";
import { decisionNow, describeDecision } from "../record/decisions";
import { NothingToDecideError } from "../record/errors";
import { DecisionEvidence } from "../record/evidence";
import { alreadyDecided, decideRecorded, inFlight } from "../update/inFlight";
import { decisionRecord, DecisionOptions, DecisionResult, finishDecision, openDecisionSession } from "../update/decisionSession";
import { ecsClient } from "../update/session";

export async function approve(options: DecisionOptions): Promise<DecisionResult> {
    const session = await openDecisionSession(options);
    const found = await inFlight(session, "approve");
    if (!found.awaiting) {
        throw new NothingToDecideError(
            session.displayName,
            `ECS ${describeStanding(found.deployment)} waits at no PAUSE hook, so there is nothing to approve${alreadyDecided(found.decisions)}`,
        );
    }
    const decision = decisionNow("continue", "approve", session.requestedBy, found.arn, found.awaiting.stage, options.reason);
    const tag = await decideRecorded(session, found, decision, () => decideHook(ecsClient(session), found.arn, found.awaiting!.hookId, "CONTINUE"));
    const evidence: DecisionEvidence = decisionRecord(session, "approve", found, decision, tag, factsOf(found.deployment, []));
    return finishDecision(session, {
        kind: "approve",
        stack: session.displayName,
        message: `approved: ECS deployment ${shortId(found.arn)} ${describeDecision(decision)}`,
        evidence,
    });
}
