// Sleeping between polls of ECR (a running scan, a restore) so that an abort
// (Ctrl-C, a CI cancel) ends the wait at once with the caller's own error.

/** Resolves after `ms`; rejects with `interrupted()` as soon as `signal` aborts (or at once if it has). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined, interrupted: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(interrupted());
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(interrupted());
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}
