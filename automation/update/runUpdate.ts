// The sequence every update runs, whichever command asked for it: `up` → read the
// record (run.ts) → follow ECS (ecs.ts) → protect what runs and record the release
// verdict → reconcile after an ECS rollback, if asked → decide how it ended, build
// the evidence, and throw or return (outcome.ts).
import { digestOf, digestReference } from "../../components/imageReference";
import { describeDigest, ResolvedImage } from "../aws/ecr";
import { protectAfterUpdate } from "../aws/protect";
import { readSetting } from "../record/updateConfig";
import { ecsTagName, formatEcsSummary, summarize } from "../record/ecsRecord";
import { ImageArchivedError, ImageNotFoundError, NotVerifiedError, ReconcileTargetGoneError } from "../record/errors";
import type { Deployment } from "../record/history";
import { checkEcs, ecsDeploymentsBefore, ecsOutcomeOf, reconcileAfterRollback, recordVerdict, supersededBy } from "./ecs";
import { decideFailure, DeployResult, engineFailure, finishUpdate, updateEvidence, updateWarnings } from "./outcome";
import { runUp, UpdatePlan } from "./run";
import { ecrClient, requireConfig, Session, throwIfAborted } from "./session";

export async function runUpdate(session: Session, plan: UpdatePlan): Promise<DeployResult> {
    const { options } = session;
    const startedAt = new Date();
    const keep = readSetting(session.config, "protectDeployments"); // a bad value stops here, before `up`
    // The Automation API only reacts to aborts that come after `up` starts.
    throwIfAborted(session);
    // The ECS deployments that exist before `up`: the one `up` starts is the new one.
    const ecsBefore = await ecsDeploymentsBefore(session);
    // An abort during that read must stop here: the engine's interrupt is wired only for aborts after `up` starts.
    throwIfAborted(session);

    const { up, record } = await runUp(session, plan, startedAt);

    // What ECS did with it: the deployment `up` started, followed to its end, then what the primary runs.
    // Also when `up` failed after the state took the image (e.g. the provider's wait for a steady
    // service gave up because ECS failed the deployment): ECS may run the old image again.
    const engine = engineFailure(session, plan, up, record);
    const failedAfterApply = up.error !== undefined && !up.interrupted && record.applied;
    const ecs =
        engine === undefined || failedAfterApply
            ? await checkEcs(session, record.after!, record, ecsBefore && new Set(ecsBefore.keys()), plan.kind)
            : undefined;
    // A newer update in the history replaced ours in ECS (supersede.ts): no rollback, no reconcile.
    const replacedBy = ecs?.rolledBackTo ? await supersededBy(session, record, ecsBefore, ecs) : undefined;

    const [protection, release] = await Promise.all([
        // Keep what runs and ran recently out of the lifecycle policy's reach; never fails the update.
        // Also after a cancel that applied its image: the service runs it, so it must not expire.
        up.interrupted && !record.applied
            ? undefined
            : protectAfterUpdate({
                  ecr: ecrClient(session),
                  repositoryName: plan.resolved.repositoryName,
                  stack: session.identity.name,
                  keep,
                  deployments: record.deployments,
                  running: record.after?.digest,
              }),
        // The release verdict: the engine's result and what ECS did with it, kept where every later command
        // reads it (a CLI process, so written while protection talks to ECR).
        record.ours === undefined
            ? undefined
            : recordVerdict(session, record.ours, {
                  ecs: ecsOutcomeOf(record.runsRequested, ecs, replacedBy !== undefined, options.verify !== false),
                  digest: record.after?.digest ?? plan.resolved.digest,
                  applied: record.applied,
                  deployment: ecs?.rollout?.deploymentId,
                  started: record.ours.startTime.toISOString(),
                  seen: new Date().toISOString(),
              }),
    ]);
    // ECS's own facts about the deployment, kept past ECS's 90 days (after the verdict: two tag writes never overlap).
    const facts = ecs?.rollout?.serviceDeployment;
    if (record.ours && facts) await session.stack.setTag(ecsTagName(record.ours.version), formatEcsSummary(summarize(facts))).catch(() => undefined);
    const finishedAt = new Date();

    // ECS rolled it back: with `onRollback: reconcile`, or when the rollback was asked for (a failed smoke test, an
    // abort), make the stack record what ECS runs.
    const reconciledBy =
        ecs?.rolledBackTo && replacedBy === undefined && plan.kind !== "reconcile" && (options.onRollback === "reconcile" || ecs.rollbackRequested)
            ? await reconcileAfterRollback(session, record, ecs.rolledBackTo, reconcileTo, ecs.interrupted === true && ecs.rollbackRequested !== undefined)
            : undefined;

    const all = { session, plan, up, record, engine, ecs, replacedBy, reconciledBy };
    const failure = decideFailure(all);
    const evidence = updateEvidence(all, failure, {
        warnings: [...updateWarnings(plan, record, release), ...(ecs?.problems ?? [])],
        finishedAt,
        protection,
        release: release?.note,
    });
    return finishUpdate(all, failure, evidence);
}

/**
 * Runs `up` with the digest ECS runs (one of `running`, which must be pinned in this stack's repository),
 * as kind `reconcile` linked to `reconcileOf`: the `reconcile` command's update, and the one
 * `onRollback: reconcile` runs after ECS rolled an update back.
 */
export async function reconcileTo(
    session: Session,
    running: readonly string[],
    reconcileOf: { version?: number; digest?: string },
    deployments?: readonly Deployment[],
): Promise<DeployResult> {
    const repositoryName = requireConfig(session, "repositoryName");
    const digest = running.map(digestOf).find((d) => d !== undefined);
    if (!digest) {
        throw new NotVerifiedError(
            session.displayName,
            `ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}, which is no digest-pinned image; nothing was reconciled. Deploy a tag or roll back explicitly`,
        );
    }
    let resolved: ResolvedImage;
    try {
        resolved = await describeDigest(ecrClient(session), repositoryName, digest);
    } catch (err) {
        const runningImage = running.find((image) => image.endsWith(`@${digest}`)) ?? digest;
        if (err instanceof ImageNotFoundError) throw new ReconcileTargetGoneError(session.displayName, repositoryName, runningImage, "its digest is not");
        if (err instanceof ImageArchivedError)
            throw new ReconcileTargetGoneError(session.displayName, repositoryName, runningImage, `its digest is ${err.status}`);
        throw err;
    }
    const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "image ECS runs" });
    const tag = (deployments ?? []).find((d) => d.operation === "update" && d.digest === digest && d.tag !== undefined)?.tag;
    return runUpdate(session, { kind: "reconcile", image, resolved, tag, reconcileOf });
}
