// `papyrus-deploy abort`: stop the stack's deployment in flight and roll the service back to the
// revision it replaced. Describe (the deployment in flight, its hook) → decide (something is in
// flight; a reason is given) → do (record who and why, then ContinueServiceDeployment ROLLBACK at a
// hook, else StopServiceDeployment ROLLBACK) → wait (ECS's rollback, to its end) → record (reconcile,
// so state, history and ECS agree; `--evidence`).
import { describeServiceDeployment, decideHook, factsOf, isFinished, shortId, stopWithRollback, withStage } from "../aws/serviceDeployments";
import { sleep } from "../aws/wait";
import { formatDuration } from "../../components/duration";
import { decisionNow, describeDecision } from "../record/decisions";
import { NotVerifiedError, RolloutTimeoutError, StackBusyError, UnreachableError } from "../record/errors";
import type { DecisionEvidence } from "../record/evidence";
import { DEFAULT_ROLLOUT_WAIT_MS } from "../update/ecs";
import { decisionRecord, DecisionOptions, DecisionResult, finishDecision, openDecisionSession } from "../update/decisionSession";
import { decideRecorded, InFlight, inFlight } from "../update/inFlight";
import { serviceEvents } from "../aws/rollout";
import { ecsClient, progressOf, Session } from "../update/session";
import { reconcile } from "./reconcile";

export async function abort(options: DecisionOptions): Promise<DecisionResult> {
    const session = await openDecisionSession(options, true);
    const found = await inFlight(session, "abort");
    const decision = decisionNow("rollback", "abort", session.requestedBy, found.arn, found.awaiting?.stage, options.reason);
    const ecs = ecsClient(session);
    const tag = await decideRecorded(session, found, decision, () =>
        found.awaiting ? decideHook(ecs, found.arn, found.awaiting.hookId, "ROLLBACK") : stopWithRollback(ecs, found.arn),
    );
    say(session, `aborting ECS deployment ${shortId(found.arn)} (${describeDecision(decision)}); following the rollback`);

    let facts;
    try {
        facts = await followToEnd(session, found);
    } catch (err) {
        // The rollback was asked for and ECS took it: that is not "nothing changed".
        const reason = err instanceof UnreachableError ? `${err.what} could not be reached: ${err.reason}` : (err as Error).message;
        const lost = new NotVerifiedError(
            session.displayName,
            `ECS took the rollback of deployment ${shortId(found.arn)} (${describeDecision(decision)}), but stopped answering while it rolled back: ${reason}. ` +
                `Run \`papyrus-deploy verify --stack ${session.displayName}\` once ECS answers, then \`papyrus-deploy reconcile --stack ${session.displayName}\``,
        );
        const evidence = { ...decisionRecord(session, "abort", found, decision, tag, factsOf(found.deployment, [])), error: lost.message };
        finishDecision(session, { kind: "abort", stack: session.displayName, message: lost.message, evidence });
        throw lost;
    }
    if (!isFinished(facts.status)) {
        const evidence = decisionRecord(session, "abort", found, decision, tag, facts);
        finishDecision(session, { kind: "abort", stack: session.displayName, message: "", evidence });
        throw new RolloutTimeoutError(session.displayName, shortId(found.arn), formatDuration(options.waitTimeoutMs ?? DEFAULT_ROLLOUT_WAIT_MS));
    }
    const reconciled = await reconcileAfterAbort(session, options);
    const evidence = decisionRecord(session, "abort", found, decision, tag, facts, reconciled);
    return finishDecision(session, {
        kind: "abort",
        stack: session.displayName,
        message: `aborted: ECS deployment ${shortId(found.arn)} ended ${facts.status}${facts.rollback?.reason ? ` (${facts.rollback.reason})` : ""}; ${reconciled.note}`,
        evidence,
    });
}

/** Polls ECS's record of the deployment until it ends or `--wait-timeout` runs out, printing the service's events as they come. */
async function followToEnd(session: Session, found: InFlight) {
    const { options } = session;
    const deadline = Date.now() + (options.waitTimeoutMs ?? DEFAULT_ROLLOUT_WAIT_MS);
    let stages: { stage: string; seenAt: string }[] = [];
    const seen = new Set<string>();
    const since = new Date();
    for (;;) {
        for (const event of await serviceEvents(ecsClient(session), found.cluster, found.service, since, seen)) say(session, `ECS: ${event}`);
        const sd = await describeServiceDeployment(ecsClient(session), found.arn);
        stages = withStage(stages, sd.lifecycleStage, new Date());
        const facts = factsOf(sd, stages);
        if (isFinished(sd.status) || Date.now() >= deadline || options.signal?.aborted) return facts;
        await sleep(options.rolloutPollMs ?? 5000, options.signal);
    }
}

/** Makes the stack record what ECS runs again; when a deploy still holds the stack (the one that waited), that deploy does it. */
async function reconcileAfterAbort(session: Session, options: DecisionOptions): Promise<NonNullable<DecisionEvidence["reconcile"]>> {
    try {
        const result = await reconcile({ ...options, evidenceFile: undefined, reason: undefined } as DecisionOptions);
        return result.unchanged
            ? { result: "unchanged", note: `the stack already records what ECS runs (${result.image})` }
            : {
                  result: "succeeded",
                  updateVersion: result.evidence?.updateVersion,
                  note: `reconciled: update ${result.evidence?.updateVersion ?? "?"} records ${result.image}`,
              };
    } catch (err) {
        if (err instanceof StackBusyError) {
            return {
                result: "left",
                note: "the deploy that started the deployment still holds the stack and records what ECS runs when it sees the rollback (otherwise run `papyrus-deploy reconcile`)",
            };
        }
        return { result: "failed", note: `the reconcile failed: ${(err as Error).message}; run \`papyrus-deploy reconcile --stack ${session.displayName}\`` };
    }
}

function say(session: Session, line: string): void {
    progressOf(session.options)(line);
}
