// Waiting, in one place: a sleep that an abort (Ctrl-C, a CI cancel) cuts short
// at once. Polls of ECR (a replica, a restore, a scan) and of ECS (a rollout)
// all wait with it. How long is written in components/duration.ts.

/** How long `promote` waits for a replica to appear. @default 10 minutes */
export const DEFAULT_REPLICA_WAIT_MS = 10 * 60_000;
/** How long `rollback --restore` waits for a restore. @default 30 minutes: above ECR's typical 20. */
export const DEFAULT_RESTORE_WAIT_MS = 30 * 60_000;

/**
 * Resolves after `ms`, or as soon as `signal` aborts (at once if it already has): to `true` when the
 * abort cut it short, so the caller ends its wait with its own words (or, polling, looks once more).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
        if (signal?.aborted) return resolve(true);
        const onAbort = () => {
            clearTimeout(timer);
            resolve(true);
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve(false);
        }, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}
