// `<project>:promoteFrom`: the release gate of a stack that takes only digests another stack finished.
import { readSetting } from "../record/updateConfig";
import { engineCall } from "../engine/errors";
import { engineStack, identityOf } from "../engine/workspace";
import { NotPromotedError, NotReleasedError } from "../record/errors";
import { readDeployments } from "../record/history";
import { Session } from "./session";

/**
 * `<project>:promoteFrom` on the stack: a digest may go to it (by `deploy` or by `promote` from any stack)
 * only when an update of that stack ran it with release verdict `completed`. Only the source's history
 * and tags are read (no lock, no state, nothing of the source changes).
 */
export async function checkPromotionGate(session: Session, what: string, digest: string, gate: string): Promise<void> {
    const source = readSetting(session.config, "promoteFrom");
    if (!source) return;
    const sourceIdentity = await identityOf({ ...session.options, stackName: source }, session.workDir, session.backendUrl);
    const sourceStack = engineStack(session.options, session.workDir, session.backendUrl, sourceIdentity);
    const context = { displayName: source, identity: sourceIdentity, backendUrl: session.backendUrl };
    const ran = (await engineCall(context, () => readDeployments(sourceStack))).filter((d) => d.operation === "update" && d.digest === digest);
    if (ran.some((d) => d.release.verdict === "completed")) return;
    if (ran.length === 0) throw new NotPromotedError(session.displayName, source, what, digest, session.config.project);
    // It ran there, but ECS did not finish it (or it was never seen finishing): name the newest such update.
    throw new NotReleasedError(source, ran[0].version, digest, ran[0].release.verdict, ran[0].release.reason, gate);
}
