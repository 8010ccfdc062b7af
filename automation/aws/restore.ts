// Rolling back to an archived image. ECR's archive storage class keeps an
// image (it can still be described and listed) but ECS cannot pull it until it
// is restored, which ECR does "typically within 20 minutes" (ECR user guide,
// "Restoring an image"); meanwhile DescribeImages reports it ACTIVATING.
// `rollback` to an archived target says so and exits 3 with the command that
// restores it; with `--restore` it asks ECR (UpdateImageStorageClass to
// STANDARD), waits with progress lines, and then deploys. A target already
// ACTIVATING (an earlier `--restore` that ran out of time) is waited for
// without asking again.
import { ECRClient, ImageStorageClassUpdateNotSupportedException, UpdateImageStorageClassCommand } from "@aws-sdk/client-ecr";
import { awsUnavailable } from "./awsErrors";
import { describeDigest, ResolvedImage } from "./ecr";
import { DeployError, EXIT_CODES, ImageArchivedError, ImageNotFoundError, InterruptedError, RollbackTargetGoneError } from "../record/errors";
import type { RestoreNote } from "../record/evidence";
import { formatDuration } from "../../components/duration";
import { DEFAULT_RESTORE_WAIT_MS, sleep } from "./wait";

/** How long ECR takes, as its documentation says, for messages. */
export const ECR_RESTORE_TIME = "typically within 20 minutes";
// Beside the wait (./wait.ts), so that the CLI's help reads it without loading the AWS SDK.
export { DEFAULT_RESTORE_WAIT_MS } from "./wait";
/** One DescribeImages per poll. */
export const RESTORE_POLL_MS = 15_000;

/** The rollback target is archived, and `--restore` was not given: nothing was changed. */
export class ArchivedTargetError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        readonly updateVersion: number,
        readonly status: string,
        readonly command: string,
    ) {
        super(
            `rollback target (update ${updateVersion}, ${digest}) is ${status} in \`${repositoryName}\` and cannot be pulled by ECS; nothing was changed. ` +
                (status === "ACTIVATING"
                    ? `Its restore is under way (ECR restores ${ECR_RESTORE_TIME}); wait for it and roll back with: \`${command}\``
                    : `ECR restores an archived image ${ECR_RESTORE_TIME}; restore it and roll back in one step with: \`${command}\``),
        );
    }
}

/** The restore was asked for but did not finish within the wait: nothing was deployed. */
export class RestoreTimeoutError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        status: string,
        waited: string,
        command: string,
    ) {
        super(
            `${digest} in \`${repositoryName}\` is still ${status} after waiting ${waited}; nothing was deployed. The restore goes on in ECR ` +
                `(${ECR_RESTORE_TIME}): run \`${command}\` again later, which waits for it without asking again`,
        );
    }
}

/** ECR refused to restore the image. */
export class RestoreRefusedError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        reason: string,
    ) {
        super(
            `ECR refused to restore ${digest} in \`${repositoryName}\`: ${reason}; nothing was changed. Roll back to another target (\`--to-version\`, see \`history\`)`,
        );
    }
}

export interface RestoreArgs {
    readonly ecr: ECRClient;
    readonly repositoryName: string;
    readonly digest: string;
    /** `ARCHIVED` or `ACTIVATING`, as the rollback found it. */
    readonly status: string;
    readonly stack: string;
    /** The command to run again after a timeout. */
    readonly command: string;
    readonly waitMs?: number;
    readonly pollMs?: number;
    readonly progressMs?: number;
    readonly onProgress?: (line: string) => void;
    readonly signal?: AbortSignal;
}

/** Restores the image (unless a restore is under way) and waits until it is ACTIVE; then it can be deployed. */
export async function restoreArchivedImage(args: RestoreArgs): Promise<{ resolved: ResolvedImage; note: RestoreNote }> {
    const waitMs = args.waitMs ?? DEFAULT_RESTORE_WAIT_MS;
    const pollMs = args.pollMs ?? RESTORE_POLL_MS;
    // A line every fourth poll: once a minute at the default poll.
    const progressMs = args.progressMs ?? 4 * pollMs;
    const started = Date.now();
    let requestedAt: string | undefined;
    if (args.status !== "ACTIVATING") {
        try {
            const out = await args.ecr.send(
                new UpdateImageStorageClassCommand({
                    repositoryName: args.repositoryName,
                    imageId: { imageDigest: args.digest },
                    targetStorageClass: "STANDARD",
                }),
            );
            requestedAt = new Date().toISOString();
            args.onProgress?.(
                `asked ECR to restore ${args.digest} in \`${args.repositoryName}\` (now ${out.imageStatus ?? "ACTIVATING"}); ` +
                    `ECR restores ${ECR_RESTORE_TIME}; waiting up to ${formatDuration(waitMs)}\n`,
            );
        } catch (err) {
            if (err instanceof ImageStorageClassUpdateNotSupportedException) throw new RestoreRefusedError(args.repositoryName, args.digest, err.message);
            throw awsUnavailable(err, "ECR") ?? err;
        }
    } else {
        args.onProgress?.(`${args.digest} in \`${args.repositoryName}\` is already being restored (ACTIVATING); waiting up to ${formatDuration(waitMs)}\n`);
    }
    let lastProgress = Date.now();
    for (;;) {
        const waited = Date.now() - started;
        let status: string;
        try {
            const resolved = await describeDigest(args.ecr, args.repositoryName, args.digest);
            return {
                resolved,
                note: { found: args.status, requested: requestedAt !== undefined, requestedAt, waitedMs: waited, activeAt: new Date().toISOString() },
            };
        } catch (err) {
            if (!(err instanceof ImageArchivedError)) throw err;
            status = err.status;
        }
        if (waited >= waitMs) throw new RestoreTimeoutError(args.repositoryName, args.digest, status, formatDuration(waitMs), args.command);
        if (Date.now() - lastProgress >= progressMs) {
            lastProgress = Date.now();
            args.onProgress?.(`restoring ${args.digest} in \`${args.repositoryName}\`: ${status}, ${formatDuration(waited)} of ${formatDuration(waitMs)}\n`);
        }
        if (await sleep(Math.min(pollMs, waitMs - waited), args.signal)) {
            throw new InterruptedError(
                args.stack,
                "interrupted while waiting for the restore of the rollback target; nothing was deployed (the restore goes on in ECR)",
            );
        }
    }
}

/** What `rollback` knows when its target turns out to be archived. */
export interface RollbackRestore {
    readonly ecr: ECRClient;
    /** The stack as the caller named it, for the command in messages. */
    readonly stack: string;
    /** The target's update number: the command names it, so it restores and deploys that same target. */
    readonly version: number;
    /** `--restore` was given. */
    readonly restore: boolean;
    readonly waitMs?: number;
    readonly pollMs?: number;
    readonly onProgress?: (line: string) => void;
    readonly signal?: AbortSignal;
}

/** Without `--restore`: `ArchivedTargetError` (exit 3) with the exact command. With it: the restored image, once ECR has it ACTIVE. */
export async function restoreRollbackTarget(archived: ImageArchivedError, rollback: RollbackRestore): Promise<{ resolved: ResolvedImage; note: RestoreNote }> {
    const command = `papyrus-deploy rollback --stack ${rollback.stack} --to-version ${rollback.version} --restore`;
    if (!rollback.restore) {
        throw new ArchivedTargetError(archived.repositoryName, archived.digest, rollback.version, archived.status, command);
    }
    return restoreArchivedImage({
        ecr: rollback.ecr,
        repositoryName: archived.repositoryName,
        digest: archived.digest,
        status: archived.status,
        stack: rollback.stack,
        command,
        waitMs: rollback.waitMs,
        pollMs: rollback.pollMs,
        onProgress: rollback.onProgress,
        signal: rollback.signal,
    }).catch((err: unknown) => {
        // Deleted while ECR restored it: the rollback target is what vanished, not an input to fix.
        if (err instanceof ImageNotFoundError) {
            throw new RollbackTargetGoneError(
                archived.repositoryName,
                archived.digest,
                rollback.version,
                "vanished during its restore (it was deleted while ECR restored it)",
            );
        }
        throw err;
    });
}
