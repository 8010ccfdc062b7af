// `papyrus-deploy up`: re-run `up` with the digest the stack's state runs now, to apply an
// infrastructure change (a new health check, more tasks) without touching the image, whatever
// this checkout's `Pulumi.<stack>.yaml` holds. Describe (what the state runs, and the update
// that deployed it) → decide (that digest, still in ECR) → do and wait (`up`, then ECS) → record.
import { digestReference } from "../../components/imageReference";
import { describeDigest, ResolvedImage } from "../aws/ecr";
import { engineCall } from "../engine/errors";
import { ImageNotFoundError, NoRollbackTargetError, RollbackTargetGoneError } from "../record/errors";
import { currentDeployment, markRunning, readDeployments } from "../record/history";
import { DeployResult } from "../update/outcome";
import { runUpdate } from "../update/runUpdate";
import { ecrClient, requireConfig, UpdateOptions, withLockedSession } from "../update/session";

/** Re-runs `up` with the digest the stack's state runs now; the options are every update's. */
export async function up(options: UpdateOptions): Promise<DeployResult> {
    return withLockedSession(options, async (session) => {
        const running = session.running;
        if (!running) {
            throw new NoRollbackTargetError(
                session.displayName,
                "the stack's state runs no service, so there is no running digest to keep; deploy a tag first (or run the bootstrap `pulumi up`)",
            );
        }
        const current = currentDeployment(markRunning(await engineCall(session, () => readDeployments(session.stack)), running));
        const repositoryName = requireConfig(session, "repositoryName");
        let resolved: ResolvedImage;
        try {
            resolved = await describeDigest(ecrClient(session), repositoryName, running.digest);
        } catch (err) {
            if (err instanceof ImageNotFoundError) {
                throw new RollbackTargetGoneError(repositoryName, running.digest, current?.version ?? 0, "(the running image) no longer exists");
            }
            throw err;
        }
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "running image" });
        return runUpdate(session, { kind: "up", image, resolved, tag: current?.tag });
    });
}
