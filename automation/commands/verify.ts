// `papyrus-deploy verify`: does ECS run what the stack's state records, and has it finished
// rolling it out? Describe (the state and the history) → compare with ECS → record the release
// verdict of the update the state runs, when this look settles it.
import { VerifyResult } from "../aws/verify";
import { engineCall } from "../engine/errors";
import { NotVerifiedError, UnreachableError } from "../record/errors";
import { currentDeployment, markRunning, readDeployments } from "../record/history";
import { isUnsettled, ReleaseVerdict, releaseVerdict, VerdictRecord, writeVerdict } from "../record/verdict";
import { verifyRunning } from "../update/ecs";
import { openSession, StackContext } from "../update/session";

export interface VerifyReport extends VerifyResult {
    /** The update the state runs (`history`'s RUNS row), and its release verdict after this look. */
    readonly version?: number;
    readonly release?: ReleaseVerdict;
    /** Set when this look settled the update's verdict (it was `in-progress` or `unknown`): the verdict tag written. */
    readonly verdictTag?: string;
}

/**
 * Compares the digest the stack's state runs with what the ECS service's primary deployment runs, and
 * whether ECS has finished rolling it out. What it sees settles the release verdict of the update the
 * state runs when that was still open (`in-progress`, `unknown`, or none recorded): the one place,
 * besides the update itself, that writes a verdict.
 */
export async function verify(options: StackContext): Promise<VerifyReport> {
    const session = await openSession(options);
    if (session.runningProblem) throw new NotVerifiedError(session.displayName, `the stack's state does not say what runs: ${session.runningProblem}`);
    const [outcome, deployments] = await Promise.all([
        verifyRunning(session, session.running, session.stackOutputs),
        engineCall(session, () => readDeployments(session.stack)),
    ]);
    // ECS unreachable changes nothing here: exit 9, as for reconcile and promote before their update (8 is for after one).
    if ("error" in outcome) throw outcome.cause instanceof UnreachableError ? outcome.cause : new NotVerifiedError(session.displayName, outcome.error);
    if ("skipped" in outcome) throw new NotVerifiedError(session.displayName, outcome.skipped);
    const result = outcome.result;
    const current = currentDeployment(markRunning(deployments, session.running));
    if (!current?.digest) return result;
    const open = isUnsettled(current.release.ecs);
    // ECS runs another digest than an update whose outcome was never seen: it did not keep it (rolled back, or
    // changed by hand); either way not a release.
    // A FAILED primary (its rollback off) runs the recorded image, but not as a finished release.
    const seen: VerdictRecord["ecs"] = !result.inSync ? "rolled-back" : result.rolloutFailed ? "failed" : result.rollingOut ? "in-progress" : "completed";
    const report = { ...result, version: current.version };
    if (!open || seen === current.release.ecs) return { ...report, release: current.release };
    const record: VerdictRecord = {
        ecs: seen,
        digest: current.digest,
        applied: current.release.applied ?? true,
        deployment: current.release.deployment,
        started: current.startTime.toISOString(),
        seen: new Date().toISOString(),
    };
    const verdictTag = await engineCall(session, () => writeVerdict(session.stack, current.version, record));
    return { ...report, release: releaseVerdict(current, record), verdictTag };
}
