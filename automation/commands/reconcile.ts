// `papyrus-deploy reconcile`: make the stack record what ECS runs. Describe (what the state
// runs, what ECS runs) → decide (they agree: nothing to do, said in the record; they differ:
// the digest ECS runs, still in ECR) → do and wait (`up`, then ECS) → record.
import { describeDigest } from "../aws/ecr";
import { engineCall } from "../engine/errors";
import { DeployError, NotVerifiedError } from "../record/errors";
import { buildEvidence, ciIdentity, EvidenceRecord } from "../record/evidence";
import { currentDeployment, markRunning, readDeployments } from "../record/history";
import { verifyRunning } from "../update/ecs";
import { DeployResult, writeEvidenceFile } from "../update/outcome";
import { reconcileTo } from "../update/runUpdate";
import { ecrClient, requireConfig, UpdateOptions, withLockedSession } from "../update/session";

/**
 * Makes the stack record what ECS runs: after ECS rolled a deployment back (circuit breaker or a
 * deployment alarm), runs `up` with the digest the service's primary deployment runs, as kind
 * `reconcile` linked to the update ECS rolled back, so state, history and ECS agree again and the
 * next plain update keeps that digest instead of putting the failing one back.
 */
export async function reconcile(options: UpdateOptions): Promise<DeployResult> {
    return withLockedSession(options, async (session) => {
        const outcome = await verifyRunning(session, session.running, session.stackOutputs);
        if ("error" in outcome) {
            if (outcome.cause instanceof DeployError) throw outcome.cause;
            throw new NotVerifiedError(session.displayName, `${outcome.error}; nothing was changed`);
        }
        if ("skipped" in outcome) throw new NotVerifiedError(session.displayName, `${outcome.skipped}; nothing was changed`);
        const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
        const current = currentDeployment(deployments);
        if (outcome.result.inSync) {
            const startedAt = new Date();
            const running = session.running!;
            const resolved = await describeDigest(ecrClient(session), requireConfig(session, "repositoryName"), running.digest);
            const unchanged = `the stack's state and ECS agree (${running.image}); nothing was changed`;
            // No update ran, but the command was asked and answered: CI's `--evidence` still gets its record.
            const evidence: EvidenceRecord = {
                ...buildEvidence({
                    kind: "reconcile",
                    stack: session.displayName,
                    stackQualified: session.identity.qualified,
                    resolved,
                    requestedImage: running.image,
                    after: running,
                    applied: true,
                    previousDigest: running.digest,
                    pendingOperations: 0,
                    warnings: [],
                    result: "succeeded",
                    startedAt,
                    finishedAt: new Date(),
                    requestedBy: session.requestedBy,
                    // No `reconcileOf`: ECS rolled nothing back, so no update is named as the one it refused.
                    verify: { inSync: true, running: outcome.result.running },
                    ci: ciIdentity(options.env),
                }),
                unchanged,
            };
            const evidenceWriteError = writeEvidenceFile(session, evidence);
            return {
                kind: "reconcile",
                stack: session.displayName,
                image: running.image,
                resolved,
                recovered: session.recovered,
                unchanged,
                evidence,
                evidenceWriteError,
            };
        }
        return reconcileTo(session, outcome.result.running, { version: current?.version, digest: session.running?.digest }, deployments);
    });
}
