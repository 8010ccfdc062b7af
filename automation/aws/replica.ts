// Waiting for a promoted digest to arrive in the target stack's repository.
// ECR replication copies an image within minutes of its push, so a promote
// that follows a fresh dev deploy may find it missing: it asks again (one
// DescribeImages by digest each time) until `waitMs` has passed, says what it
// waits for at most every `progressMs`, and then gives up naming what is
// missing. An image that is there is found with exactly one call.
import { ECRClient } from "@aws-sdk/client-ecr";
import { describeDigest, ResolvedImage } from "./ecr";
import { ImageNotFoundError, InterruptedError, ReplicaMissingError } from "../record/errors";
import { formatDuration, MAX_DURATION_MS } from "../../components/duration";
import { DEFAULT_REPLICA_WAIT_MS, sleep } from "./wait";

// Beside the wait (./wait.ts), so that the CLI's help reads it without loading the AWS SDK.
export { DEFAULT_REPLICA_WAIT_MS } from "./wait";
/** One DescribeImages per poll. */
export const REPLICA_POLL_MS = 5_000;
/** A progress line at most this often. */
export const REPLICA_PROGRESS_MS = 15_000;

export interface ReplicaWait {
    readonly ecr: ECRClient;
    readonly repositoryName: string;
    readonly digest: string;
    /** For messages: the target stack, its region, and where the digest comes from. */
    readonly target: string;
    readonly region: string;
    readonly source: string;
    readonly waitMs?: number;
    readonly pollMs?: number;
    readonly progressMs?: number;
    readonly onProgress?: (line: string) => void;
    readonly signal?: AbortSignal;
}

/** The digest in the target's repository, once it is there; `ReplicaMissingError` after `waitMs`. */
export async function awaitReplica(wait: ReplicaWait): Promise<ResolvedImage> {
    const waitMs = wait.waitMs ?? DEFAULT_REPLICA_WAIT_MS;
    const pollMs = wait.pollMs ?? REPLICA_POLL_MS;
    const progressMs = wait.progressMs ?? REPLICA_PROGRESS_MS;
    const started = Date.now();
    let lastProgress: number | undefined;
    for (;;) {
        try {
            return await describeDigest(wait.ecr, wait.repositoryName, wait.digest);
        } catch (err) {
            if (!(err instanceof ImageNotFoundError)) throw err;
        }
        const waited = Date.now() - started;
        if (waited >= waitMs) {
            throw new ReplicaMissingError(wait.repositoryName, wait.digest, wait.target, wait.region, wait.source, formatDuration(waitMs));
        }
        if (lastProgress === undefined || Date.now() - lastProgress >= progressMs) {
            lastProgress = Date.now();
            wait.onProgress?.(
                `waiting for ${wait.digest} from \`${wait.source}\` to reach \`${wait.repositoryName}\` of \`${wait.target}\` (${wait.region}): ` +
                    `${formatDuration(waited)} of ${formatDuration(waitMs)}\n`,
            );
        }
        if (await sleep(Math.min(pollMs, waitMs - waited), wait.signal)) {
            throw new InterruptedError(wait.target, "interrupted while waiting for the promoted image to arrive; nothing was changed");
        }
    }
}

/** The longest `--wait`: longer than any replication takes. */
export const MAX_REPLICA_WAIT_MS = MAX_DURATION_MS;
