// `papyrus-deploy history`: the stack's deployments, newest first, with the one its state runs
// marked (RUNS) and each update's release verdict. Read-only: no lock, nothing written.
import { engineCall } from "../engine/errors";
import { RecordedImage } from "../engine/state";
import { Deployment, markRunning, readDeployments } from "../record/history";
import { openSession, StackContext } from "../update/session";

export interface HistoryResult {
    readonly stack: string;
    /** Newest first; the one whose digest the state runs has `running: true`. */
    readonly deployments: Deployment[];
    /** What the stack's state runs now. */
    readonly running?: RecordedImage;
    /** Why the state does not say what runs, when it does not (no RUNS mark then). */
    readonly runningProblem?: string;
}

/** The stack's deployments, newest first, with the one the state runs marked. */
export async function history(options: StackContext): Promise<HistoryResult> {
    const session = await openSession(options);
    const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
    return { stack: session.displayName, deployments, running: session.running, runningProblem: session.runningProblem };
}
