// Waiting, in one place: how long (durations as `--wait`, `--wait-timeout` and
// `papyrus:scanWait` are written, and as messages say them) and the wait itself,
// a sleep that an abort (Ctrl-C, a CI cancel) cuts short at once. Polls of ECR
// (a replica, a restore, a scan) and of ECS (a rollout) all wait with it.

/** The longest wait a duration may ask for: longer than any replication, restore or scan takes. */
export const MAX_WAIT_MS = 60 * 60_000;

/**
 * A duration as given, in milliseconds: `90s`, `10m`, `1m30s` or plain seconds (`0`: look once, do not
 * wait); undefined when it is none of these or longer than an hour.
 */
export function parseDuration(text: string): number | undefined {
    const match = /^(?:(\d{1,2})m)?(?:(\d{1,4})s?)?$/.exec(text);
    if (!match || text === "" || (match[1] === undefined && match[2] === undefined)) return undefined;
    const ms = (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
    return ms <= MAX_WAIT_MS ? ms : undefined;
}

/** `10m0s`, `45s`: a duration as `parseDuration` takes it. */
export function formatDuration(ms: number): string {
    const seconds = Math.round(ms / 1000);
    return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}

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
