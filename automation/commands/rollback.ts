// `papyrus-deploy rollback`: put an earlier deployment's digest back by running
// `up` with it, never by rewriting state. Describe (the history) → decide (the
// target, and whether its image is still in ECR) → restore it when archived and
// asked to → do and wait (`up`, then ECS) → record.
import { digestReference, isSha256Digest } from "../../components/imageReference";
import { describeDigest, ResolvedImage } from "../aws/ecr";
import { unprotectedTargetWarning } from "../aws/protect";
import { restoreRollbackTarget } from "../aws/restore";
import { engineCall } from "../engine/errors";
import { ImageArchivedError, ImageNotFoundError, InvalidInputError, NoRollbackTargetError, RollbackTargetGoneError } from "../record/errors";
import type { RestoreNote } from "../record/evidence";
import { chooseRollbackTarget, markRunning, readDeployments, RollbackTarget } from "../record/history";
import { DeployResult } from "../update/outcome";
import { runUpdate } from "../update/runUpdate";
import { ecrClient, requireConfig, UpdateOptions, withLockedSession } from "../update/session";

export interface RollbackOptions extends UpdateOptions {
    readonly target?: RollbackTarget;
    /** Restore an archived target (ECR UpdateImageStorageClass), wait for it, then deploy it (`--restore`). */
    readonly restore?: boolean;
    /** How long to wait for the restore. @default 30 minutes */
    readonly restoreWaitMs?: number;
    /** @default 15 s */
    readonly restorePollMs?: number;
}

/** Puts an earlier deployment's digest back by running `up` with it (never by rewriting state). */
export async function rollback(options: RollbackOptions): Promise<DeployResult> {
    const target = options.target ?? {};
    if ("toDigest" in target && !isSha256Digest(target.toDigest)) {
        throw new InvalidInputError("target.toDigest", target.toDigest, "must be `sha256:<64 lowercase hex>`");
    }
    if ("toTag" in target && target.toTag === "") {
        throw new InvalidInputError("target.toTag", target.toTag, "must name the tag of an earlier deployment (`history` lists them)");
    }
    return withLockedSession(options, async (session) => {
        // Describe and decide: the target from the history, as the state says what runs now.
        const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
        const choice = chooseRollbackTarget(deployments, target);
        if (!choice.target) {
            throw new NoRollbackTargetError(session.displayName, choice.reason ?? "no earlier deployment");
        }
        const repositoryName = requireConfig(session, "repositoryName");
        const chosen = choice.target;
        let resolved: ResolvedImage;
        let restore: RestoreNote | undefined;
        try {
            resolved = await describeDigest(ecrClient(session), repositoryName, chosen.digest!);
        } catch (err) {
            if (err instanceof ImageNotFoundError) {
                throw new RollbackTargetGoneError(repositoryName, chosen.digest!, chosen.version, "no longer exists (deleted or expired)");
            }
            if (!(err instanceof ImageArchivedError)) throw err;
            // Without `--restore`: exit 3 with the command that restores it. With it: restore, wait, go on.
            ({ resolved, note: restore } = await restoreRollbackTarget(err, {
                ecr: ecrClient(session),
                stack: session.displayName,
                version: chosen.version,
                restore: options.restore === true,
                waitMs: options.restoreWaitMs,
                pollMs: options.restorePollMs,
                onProgress: options.onOutput,
                signal: options.signal,
            }));
        }
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "rollback target" });
        const warning = unprotectedTargetWarning(resolved, session.identity.name, `rollback target (update ${chosen.version}, ${chosen.digest})`);
        // Named explicitly, a target ECS never finished goes ahead (an incident may need it), said aloud.
        const unreleased =
            chosen.release.verdict === "completed"
                ? undefined
                : `rollback target update ${chosen.version} has release verdict \`${chosen.release.verdict}\` (${chosen.release.reason}); it was named, so it goes ahead`;
        // Do, wait and record.
        return runUpdate(session, {
            kind: "rollback",
            image,
            resolved,
            tag: chosen.tag,
            rollbackOf: { version: chosen.version, digest: choice.current?.digest },
            restore,
            warnings: [warning, unreleased].filter((w): w is string => w !== undefined),
        });
    });
}
