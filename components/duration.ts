// Durations as the driver's flags (`--wait`) and the stack config (`papyrus:scanWait`) take
// them, and as messages write them. Pure: the stack config schema and the driver both use it.

/** The longest wait anything takes: longer than any replication, restore or scan. */
export const MAX_DURATION_MS = 60 * 60_000;

/**
 * A duration as given, in milliseconds: `90s`, `10m`, `1m30s` or plain seconds (`0`: look once, do not
 * wait); undefined when it is none of these or longer than an hour.
 */
export function parseDuration(text: string): number | undefined {
    const match = /^(?:(\d{1,2})m)?(?:(\d{1,4})s?)?$/.exec(text);
    if (!match || text === "" || (match[1] === undefined && match[2] === undefined)) return undefined;
    const ms = (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
    return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** `10m0s`, `45s`: how `--wait` is written. */
export function formatDuration(ms: number): string {
    const seconds = Math.round(ms / 1000);
    return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}
