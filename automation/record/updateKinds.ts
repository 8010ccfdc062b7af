// The kinds of update the driver runs: one list, from which the evidence's `kind`, the
// history's `<project>:deployKind` and the update message's first word all take their names.
// `up` re-applies the running digest; versions before it called that `infra`, and every
// reader of a record takes that name as `up`.

export const UPDATE_KINDS = ["deploy", "rollback", "up", "promote", "reconcile"] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

/** Names earlier versions recorded, and today's name for each. */
const FORMER_NAMES: ReadonlyMap<string, UpdateKind> = new Map([["infra", "up"]]);

/** Every name a record may carry: today's kinds and the former ones (for reading, never for writing). */
export const RECORDED_KIND_NAMES: readonly string[] = [...UPDATE_KINDS, ...FORMER_NAMES.keys()];

/** A kind as a record gives it (history config, an update message, an evidence file), by today's name; undefined for anything else. */
export function updateKindOf(recorded: string | undefined): UpdateKind | undefined {
    if (recorded === undefined) return undefined;
    return (UPDATE_KINDS as readonly string[]).includes(recorded) ? (recorded as UpdateKind) : FORMER_NAMES.get(recorded);
}
