// The release verdict of an update: what the engine recorded (history's result) and what ECS did
// with the deployment the update started. The engine's "succeeded" is not the truth about a
// release: ECS can roll the deployment back afterwards, or still be rolling it out when the driver
// stops waiting. Every gate (`promote`, `<project>:promoteFrom`, rollback's default target) reads
// this one verdict, and only `completed` passes.
//
// Where it is kept: one stack tag per update, `papyrus:release:<version>`, in the stack's own state
// backend (file, S3 or Pulumi Cloud: `pulumi stack tag set`), so a later command on any machine
// that can read the stack reads it too (a CI runner promotes what another runner deployed). The
// driver writes it after each update it runs, once ECS's outcome is known; `verify` settles an
// update's `in-progress` or `unknown` ECS outcome when it sees ECS finish. An update with no tag
// (made before verdicts were recorded, by hand, or whose tag write failed) has verdict `unknown`:
// no gate passes it until `verify` records what ECS did with it.
import { isSha256Digest } from "../../components/imageReference";

/** What ECS did with the update's deployment, as the driver (or a later `verify`) saw it. */
export type EcsOutcome =
    /** ECS finished the deployment and its primary runs the recorded digest. */
    | "completed"
    /** ECS rolled the deployment back (circuit breaker or alarm), or runs another digest after it. */
    | "rolled-back"
    /** ECS marked the deployment FAILED without rolling back. */
    | "failed"
    /** Still rolling out when the driver stopped waiting. */
    | "in-progress"
    /** Another update replaced the deployment while ECS rolled it out. */
    | "superseded"
    /** The update did not put its image in the state (failed or cancelled before that step, or a no-op). */
    | "not-applied"
    /** The stack has no ECS service (no `clusterName`/`serviceName` outputs): the engine's result stands alone. */
    | "no-service"
    /** Not known: `--no-verify`, ECS unreachable, the command cancelled before ECS was followed. */
    | "unknown";

const ECS_OUTCOMES: readonly EcsOutcome[] = ["completed", "rolled-back", "failed", "in-progress", "superseded", "not-applied", "no-service", "unknown"];

/** What is kept per update (the tag's value, as JSON). */
export interface VerdictRecord {
    readonly ecs: EcsOutcome;
    /** The digest the update recorded in the state (or asked for, when it did not get that far). */
    readonly digest: string;
    /** The update changed what the state's service runs (another task definition than before). */
    readonly applied: boolean;
    /** The ECS deployment the update started, when one was followed. */
    readonly deployment?: string;
    /** The update's start as history has it (second precision): a tag is read only for the update it was written for. */
    readonly started: string;
    /** When ECS's outcome was seen. */
    readonly seen: string;
}

/** The release verdict, as every gate and every report reads it. */
export type Verdict = "completed" | "rolled-back" | "failed" | "in-progress" | "superseded" | "not-applied" | "unknown";

export interface ReleaseVerdict {
    readonly verdict: Verdict;
    /** What ECS did, as recorded; unset when nothing was recorded. */
    readonly ecs?: EcsOutcome;
    readonly deployment?: string;
    readonly seen?: string;
    /** Whether the update changed what the service runs; unset when nothing was recorded. */
    readonly applied?: boolean;
    /** One sentence on why, for messages and `history --json`. */
    readonly reason: string;
}

/**
 * The tool's own tag namespace, whatever the project is called (as `pulumi:` is the engine's): a verdict
 * is `papyrus:release:<n>` on a stack of `orders` too, and records written before projects were free to
 * name themselves read the same.
 */
export const RELEASE_TAG_NAMESPACE = "papyrus";

export const VERDICT_TAG_PREFIX = `${RELEASE_TAG_NAMESPACE}:release:`;

export function verdictTagName(version: number): string {
    return `${VERDICT_TAG_PREFIX}${version}`;
}

/** Pulumi Cloud takes stack tag values up to 256 characters; a record that would be longer drops its deployment ID. */
const TAG_VALUE_LIMIT = 256;

export function formatVerdictRecord(record: VerdictRecord): string {
    const full = JSON.stringify(record);
    return full.length <= TAG_VALUE_LIMIT ? full : JSON.stringify({ ...record, deployment: undefined });
}

/** A tag's value read back; undefined when it is not a record of this shape (a hand-edited tag counts as none). */
export function parseVerdictRecord(text: string | undefined): VerdictRecord | undefined {
    if (text === undefined) return undefined;
    let value: Record<string, unknown>;
    try {
        value = JSON.parse(text) as Record<string, unknown>;
    } catch {
        return undefined;
    }
    if (typeof value !== "object" || value === null) return undefined;
    const { ecs, digest, applied, deployment, started, seen } = value;
    if (!ECS_OUTCOMES.includes(ecs as EcsOutcome) || typeof digest !== "string" || !isSha256Digest(digest) || typeof applied !== "boolean") return undefined;
    if (typeof started !== "string" || Number.isNaN(Date.parse(started)) || typeof seen !== "string" || Number.isNaN(Date.parse(seen))) return undefined;
    if (deployment !== undefined && typeof deployment !== "string") return undefined;
    return { ecs: ecs as EcsOutcome, digest, applied, deployment: deployment as string | undefined, started, seen };
}

/** The stack's verdict records by update version, from its tags; other tags are ignored. */
export function verdictRecords(tags: Readonly<Record<string, string>>): Map<number, VerdictRecord> {
    const records = new Map<number, VerdictRecord>();
    for (const [name, value] of Object.entries(tags)) {
        if (!name.startsWith(VERDICT_TAG_PREFIX)) continue;
        const version = Number(name.slice(VERDICT_TAG_PREFIX.length));
        const record = parseVerdictRecord(value);
        if (Number.isInteger(version) && version > 0 && record) records.set(version, record);
    }
    return records;
}

/** The update a history entry names, as far as a verdict needs it. */
export interface VerdictSubject {
    readonly version: number;
    readonly operation: string;
    readonly result: string;
    readonly digest?: string;
    readonly startTime: Date;
}

/**
 * The release verdict of one update: `completed` only when the engine succeeded and ECS completed
 * the deployment (or the stack has no ECS service to say otherwise). A record written for another
 * update (same number, another digest or start: a rewritten history) is not this one's.
 */
export function releaseVerdict(subject: VerdictSubject, record: VerdictRecord | undefined): ReleaseVerdict {
    if (subject.operation !== "update" || subject.digest === undefined) {
        return { verdict: "unknown", reason: `${subject.operation === "update" ? "an update" : `a ${subject.operation}`} that recorded no image` };
    }
    const matches =
        record !== undefined &&
        record.digest === subject.digest &&
        Math.abs(Date.parse(record.started) - Math.floor(subject.startTime.getTime() / 1000) * 1000) <= 2000;
    if (!matches) {
        const engine = subject.result === "succeeded" ? "" : ` (the engine's result: ${subject.result})`;
        return {
            verdict: subject.result === "succeeded" ? "unknown" : "failed",
            reason:
                `no release verdict was recorded for update ${subject.version}${engine}: it was made before papyrus-deploy recorded verdicts, ` +
                "by hand, or its record could not be written; `papyrus-deploy verify` records ECS's outcome for the update a stack runs",
        };
    }
    const seen = { ecs: record.ecs, deployment: record.deployment, seen: record.seen, applied: record.applied };
    const by = record.deployment ? `ECS deployment ${record.deployment}` : "ECS";
    if (record.ecs === "not-applied") return { ...seen, verdict: "not-applied", reason: "the update did not change what the service runs" };
    if (subject.result !== "succeeded") {
        return { ...seen, verdict: "failed", reason: `the engine's update ${subject.result} (ECS: ${record.ecs})` };
    }
    switch (record.ecs) {
        case "completed":
            return { ...seen, verdict: "completed", reason: `${by} completed (seen ${record.seen})` };
        case "no-service":
            return { ...seen, verdict: "completed", reason: "the engine succeeded and the stack has no ECS service that could roll it back" };
        case "rolled-back":
            return { ...seen, verdict: "rolled-back", reason: `${by} was rolled back (seen ${record.seen})` };
        case "failed":
            return { ...seen, verdict: "failed", reason: `${by} failed (seen ${record.seen})` };
        case "in-progress":
            return { ...seen, verdict: "in-progress", reason: `${by} was still IN_PROGRESS at ${record.seen}; \`papyrus-deploy verify\` records how it ended` };
        case "superseded":
            return { ...seen, verdict: "superseded", reason: `another update replaced ${by} before it finished` };
        default:
            return {
                ...seen,
                verdict: "unknown",
                reason: `ECS's outcome was not seen (ECS not checked or unreachable, or the command was cancelled); \`papyrus-deploy verify\` records it`,
            };
    }
}

/** An ECS outcome a later look may still settle (`verify`): none recorded, the driver stopped before ECS finished, or never saw it. */
export function isUnsettled(ecs: EcsOutcome | undefined): boolean {
    return ecs === undefined || ecs === "in-progress" || ecs === "unknown";
}

/** Writes the update's verdict tag (the driver after an update, `verify` when it settles one); the tag's name. */
export async function writeVerdict(stack: { setTag(name: string, value: string): Promise<void> }, version: number, record: VerdictRecord): Promise<string> {
    const name = verdictTagName(version);
    await stack.setTag(name, formatVerdictRecord(record));
    return name;
}
