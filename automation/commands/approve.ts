// `papyrus-deploy approve`: let a deployment that waits at a PAUSE hook go on. Describe (the
// stack's deployment in flight and its hook) → decide (one waits: nothing else is approved) →
// do (record who and why as a stack tag, then ContinueServiceDeployment CONTINUE) → record
// (`--evidence`). The deploy that waits, in any checkout, sees ECS go on and keeps the decision.
import { decideHook, describeStanding, factsOf, revisionTaskDefinitions, shortId } from "../aws/serviceDeployments";
import { decisionNow, describeDecision } from "../record/decisions";
import { NothingToDecideError } from "../record/errors";
import { DecisionEvidence } from "../record/evidence";
import { alreadyDecided, decideRecorded, InFlight, inFlight } from "../update/inFlight";
import { decisionRecord, DecisionOptions, DecisionResult, finishDecision, openDecisionSession } from "../update/decisionSession";
import { ecsClient, Session } from "../update/session";

export async function approve(options: DecisionOptions): Promise<DecisionResult> {
    const session = await openDecisionSession(options);
    const found = await inFlight(session, "approve");
    if (!found.awaiting) {
        throw new NothingToDecideError(
            session.displayName,
            `ECS ${describeStanding(found.deployment)} waits at no PAUSE hook, so there is nothing to approve${alreadyDecided(found.decisions)}`,
        );
    }
    if (options.tag !== undefined) await requireTag(session, found, options.tag);
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

/** The deployment waiting is the one the stack's newest update of `tag` started: that update's tag, and its task definition as target. */
async function requireTag(session: Session, found: InFlight, tag: string): Promise<void> {
    const target = found.deployment.targetServiceRevision?.arn;
    const runs = target ? (await revisionTaskDefinitions(ecsClient(session), [target])).get(target) : undefined;
    const recorded = session.running?.taskDefinitionArn;
    if (found.updateTag === tag && runs !== undefined && runs === recorded) return;
    const why =
        found.updateTag !== tag
            ? `the stack's newest update (${found.updateVersion ?? "none"}) is of tag \`${found.updateTag ?? "none"}\`, not \`${tag}\``
            : `it targets \`${runs ?? "an unknown task definition"}\`, not the stack's \`${recorded ?? "none"}\` of tag \`${tag}\``;
    throw new NothingToDecideError(
        session.displayName,
        `ECS deployment ${shortId(found.arn)} waits at ${found.awaiting?.stage ?? "its hook"}, but ${why}; nothing was approved`,
    );
}
