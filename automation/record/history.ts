// Deployments as the stack history records them. Every update the driver
// runs carries the driver keys of the config schema (`DRIVER_KEYS`:
// `<project>:image`, `<project>:imageTag`, `<project>:deployedBy`, `<project>:deployKind`,
// and `<project>:promotedFrom` or `<project>:reconcileOf`) in its config, so history
// alone says which digest each update asked for, when, who asked and where a
// promoted digest came from: no side database. Which of them runs
// now is the stack's state's to say (`markRunning`), not the newest success's.
import type { UpdateSummary } from "@pulumi/pulumi/automation";
import { digestOf, isSha256Digest } from "../../components/imageReference";
import { DriverKey, qualifiedKey } from "../../components/configSchema";
import type { PromotedFrom } from "./evidence";
import { RECORDED_KIND_NAMES, updateKindOf, UpdateKind } from "./updateKinds";
import { ReleaseVerdict, releaseVerdict, VerdictRecord, verdictRecords } from "./verdict";
import { decisionsByVersion, HookDecision } from "./decisions";
import { EcsSummary, ecsSummaries } from "./ecsRecord";

/**
 * `deploy`, `rollback`, `up`, `promote`, `reconcile` (UPDATE_KINDS): run by the driver. `manual`: a `pulumi up` by hand (its config,
 * and so its image, is whatever that checkout held; its `deployedBy` is not trusted). `other`:
 * anything else (another Automation API program, refresh, destroy).
 */
export type DeploymentKind = UpdateKind | "manual" | "other";

/** How the update was run, from its own metadata (`environment["exec.kind"]`). */
export type UpdateRunner = "driver" | "cli" | "automation" | "unknown";

export interface Deployment {
    /**
     * Update number, 1 for the stack's first update. Pulumi Cloud reports it; the
     * file:// and S3 backends report 0 for every update, so it is counted from history's order.
     */
    readonly version: number;
    /** `update`, `refresh`, `destroy`, … as Pulumi reports it. */
    readonly operation: string;
    readonly kind: DeploymentKind;
    readonly result: string;
    readonly startTime: Date;
    readonly endTime?: Date;
    readonly image?: string;
    readonly digest?: string;
    readonly tag?: string;
    readonly requestedBy?: string;
    /** For a promote: the source stack's deployment the digest came from (`<project>:promotedFrom`). */
    readonly promotedFrom?: Pick<PromotedFrom, "stack" | "version" | "digest" | "tag">;
    /** For a reconcile: the update whose digest ECS rolled back (`<project>:reconcileOf`). */
    readonly reconcileOf?: { readonly version?: number; readonly digest?: string };
    /** What the engine changed, by operation (`update: 2, same: 3`). */
    readonly resourceChanges?: Record<string, number>;
    readonly message?: string;
    readonly runner: UpdateRunner;
    /** True for the deployment whose digest the stack's state runs now (see `markRunning`). */
    readonly running?: boolean;
    /** What the engine recorded and what ECS did with it (verdict.ts): the only thing a gate reads. */
    readonly release: ReleaseVerdict;
    /** ECS's own record of the update's deployment, as the driver summarized it (ecsRecord.ts). */
    readonly ecs?: EcsSummary;
    /** Who continued or rolled back its deployment at a PAUSE hook, or aborted it, and why (decisions.ts). */
    readonly decisions?: readonly HookDecision[];
}

/**
 * Page size for reading history. On file and S3 backends every page request
 * makes the CLI read every update record, so few large pages beat many small
 * ones (docs/BENCHMARKS.md, P3); Pulumi Cloud serves pages natively.
 */
export const HISTORY_PAGE_SIZE = 500;

/** What history is read through: the driver's `EngineStack` (the history, and the stack's tags that hold the release verdicts). */
export interface HistorySource {
    /** The project's name: the namespace of the driver's keys in each update's recorded config. */
    readonly project: string;
    history(pageSize?: number, page?: number, showSecrets?: boolean): Promise<UpdateSummary[]>;
    /** Absent (the Automation API's `Stack`): no verdicts are read, so every update's is `unknown`. */
    tags?(): Promise<Record<string, string>>;
}

/** Reads the whole history, newest first, page by page, with secrets hidden, and each update's release verdict. */
export async function readDeployments(stack: HistorySource, pageSize = HISTORY_PAGE_SIZE): Promise<Deployment[]> {
    const readHistory = async () => {
        const summaries: UpdateSummary[] = [];
        for (let page = 1; ; page++) {
            const batch = await stack.history(pageSize, page, false);
            summaries.push(...batch);
            if (batch.length < pageSize) break;
        }
        return summaries;
    };
    const [summaries, tags] = await Promise.all([readHistory(), stack.tags?.() ?? {}]);
    return toDeployments(stack.project, summaries, verdictRecords(tags), { ecs: ecsSummaries(tags), decisions: decisionsByVersion(tags) });
}

// The driver's update message (update/run.ts `updateMessage`): `<kind> [<tag>] sha256:<hex> by <who>`.
const DRIVER_MESSAGE = new RegExp(`^(${RECORDED_KIND_NAMES.join("|")}) (\\S+ )?sha256:[0-9a-f]{64} by `);

/**
 * Who ran an update, from its own metadata: the Automation API records `exec.kind` `auto.local`
 * (or `auto.inline`), a hand-run CLI `cli`. An Automation API update counts as the driver's only
 * when it also carries the driver's message, so another program's update is not credited to it.
 */
export function updateRunner(summary: Pick<UpdateSummary, "environment" | "message">): UpdateRunner {
    const execKind = summary.environment?.["exec.kind"];
    if (execKind === "cli") return "cli";
    if (execKind?.startsWith("auto")) return DRIVER_MESSAGE.test(summary.message ?? "") ? "driver" : "automation";
    return "unknown";
}

/**
 * Newest first in, newest first out; `project` is the stack's (its driver keys are `<project>:image`, …),
 * `verdicts` are the stack's release verdict records by version.
 */
export function toDeployments(
    project: string,
    summaries: readonly UpdateSummary[],
    verdicts: ReadonlyMap<number, VerdictRecord> = new Map(),
    kept: { ecs?: ReadonlyMap<number, EcsSummary>; decisions?: ReadonlyMap<number, HookDecision[]> } = {},
): Deployment[] {
    return summaries.map((summary, index) => {
        const config = summary.config ?? {};
        const value = (key: DriverKey) => {
            const entry = config[qualifiedKey(project, key)];
            return entry && !entry.secret ? entry.value : undefined;
        };
        // Only an update ran a program with this config; a refresh or destroy merely carries the
        // checkout's config of that moment, which names no image that ran.
        const image = summary.kind === "update" ? value("image") : undefined;
        const runner = updateRunner(summary);
        const kind = updateKindOf(value("deployKind"));
        const byDriver = runner === "driver";
        const version = summary.version > 0 ? summary.version : summaries.length - index;
        const digest = image === undefined ? undefined : digestOf(image);
        const result = summary.result ?? "unknown";
        const startTime = new Date(summary.startTime);
        return {
            version,
            operation: summary.kind,
            kind: byDriver && kind !== undefined ? kind : runner === "cli" && summary.kind === "update" ? "manual" : "other",
            result,
            startTime,
            endTime: summary.endTime ? new Date(summary.endTime) : undefined,
            // The config an update ran with is what its program read: its image, whoever ran it.
            image,
            digest,
            tag: image === undefined ? undefined : value("imageTag"),
            // A hand-run `up` carries whatever `deployedBy` the checkout last held: not who ran it.
            requestedBy: byDriver ? value("deployedBy") : undefined,
            promotedFrom: byDriver && kind === "promote" ? parsePromotedFrom(value("promotedFrom")) : undefined,
            reconcileOf: byDriver && kind === "reconcile" ? parseReconcileOf(value("reconcileOf")) : undefined,
            resourceChanges: summary.resourceChanges,
            message: summary.message || undefined,
            runner,
            release: releaseVerdict({ version, operation: summary.kind, result, digest, startTime }, verdicts.get(version)),
            ...(kept.ecs?.has(version) ? { ecs: kept.ecs.get(version) } : {}),
            ...(kept.decisions?.get(version)?.length ? { decisions: kept.decisions.get(version) } : {}),
        };
    });
}

/**
 * Marks the deployment the stack runs now: the newest update (of any result: a cancelled or
 * failed update may have applied its image) whose digest is the one the state's service runs,
 * passing over those whose verdict record says they changed nothing (a redeploy of the running
 * digest that failed before any step, or a no-op): they credit nobody new.
 */
export function markRunning(deployments: readonly Deployment[], running: { digest: string } | undefined): Deployment[] {
    const ran = (d: Deployment) => d.operation === "update" && d.digest === running?.digest;
    const index = running === undefined ? -1 : (ifFound(deployments.findIndex((d) => ran(d) && d.release.applied !== false)) ?? deployments.findIndex(ran));
    return deployments.map((d, i) => ({ ...d, running: i === index }));
}

function ifFound(index: number): number | undefined {
    return index === -1 ? undefined : index;
}

/** `<project>:promotedFrom` as the driver writes it (one JSON object); undefined when absent or not that shape. */
export function parsePromotedFrom(text: string | undefined): Deployment["promotedFrom"] {
    if (text === undefined) return undefined;
    try {
        const value = JSON.parse(text) as Record<string, unknown>;
        if (typeof value.stack !== "string" || typeof value.version !== "number" || typeof value.digest !== "string" || !isSha256Digest(value.digest))
            return undefined;
        return { stack: value.stack, version: value.version, digest: value.digest, tag: typeof value.tag === "string" ? value.tag : undefined };
    } catch {
        return undefined;
    }
}

/** `<project>:reconcileOf` as the driver writes it; undefined when absent or not that shape. */
export function parseReconcileOf(text: string | undefined): Deployment["reconcileOf"] {
    if (text === undefined) return undefined;
    try {
        const value = JSON.parse(text) as Record<string, unknown>;
        return {
            version: typeof value.version === "number" ? value.version : undefined,
            digest: typeof value.digest === "string" && isSha256Digest(value.digest) ? value.digest : undefined,
        };
    } catch {
        return undefined;
    }
}

/** The value of `<project>:reconcileOf` for an update, read back by `parseReconcileOf`. */
export function formatReconcileOf(of: { version?: number; digest?: string }): string {
    return JSON.stringify({ version: of.version, digest: of.digest });
}

/** The value of `<project>:promotedFrom` for an update, read back by `parsePromotedFrom`. */
export function formatPromotedFrom(from: Pick<PromotedFrom, "stack" | "version" | "digest" | "tag">): string {
    return JSON.stringify({ stack: from.stack, version: from.version, digest: from.digest, tag: from.tag });
}

/** An update the engine finished with success that recorded the digest it deployed: what rollback targets and protection count. */
export function isSucceededDeployment(d: Deployment): d is Deployment & { readonly digest: string } {
    return d.operation === "update" && d.result === "succeeded" && d.digest !== undefined;
}

/** The deployment whose image runs now, as `markRunning` found it from the state. */
export function currentDeployment(deployments: readonly Deployment[]): Deployment | undefined {
    return deployments.find((d) => d.running === true);
}

export type RollbackTarget = { readonly toVersion: number } | { readonly toTag: string } | { readonly toDigest: string } | Record<string, never>;

/**
 * Chooses the deployment to roll back to, or says why there is none.
 * Default: the newest succeeded update whose digest differs from the current one.
 */
export function chooseRollbackTarget(
    deployments: readonly Deployment[],
    target: RollbackTarget,
): { target?: Deployment; current?: Deployment; reason?: string } {
    const current = currentDeployment(deployments);
    const candidates = deployments.filter(isSucceededDeployment);
    // An explicit target needs no current deployment (after a `pulumi destroy`, or when the state
    // does not say what runs); only the default, which steps back from the current one, does.
    if (current === undefined && !("toVersion" in target || "toTag" in target || "toDigest" in target)) {
        return { reason: "the stack's state runs no image that a recorded update deployed; name a target with `--to-version`, `--to-tag` or `--to-digest`" };
    }
    if ("toVersion" in target) {
        const found = deployments.find((d) => d.version === target.toVersion);
        if (!found) return { current, reason: `no update ${target.toVersion} in history` };
        if (!isSucceededDeployment(found)) {
            const why =
                found.operation !== "update"
                    ? `is a ${found.operation}, which deploys no image`
                    : found.result !== "succeeded"
                      ? `did not succeed (${found.result})`
                      : "recorded no image";
            return { current, reason: `update ${target.toVersion} ${why}` };
        }
        return { target: found, current };
    }
    if ("toTag" in target) {
        const found = candidates.find((d) => d.tag === target.toTag);
        return found ? { target: found, current } : { current, reason: `no succeeded deployment of tag \`${target.toTag}\`` };
    }
    if ("toDigest" in target) {
        const found = candidates.find((d) => d.digest === target.toDigest);
        return found ? { target: found, current } : { current, reason: `no succeeded deployment of digest \`${target.toDigest}\`` };
    }
    // Stryker disable next-line ObjectLiteral,StringLiteral: unreachable (checked above); it narrows `current` for the compiler
    if (current === undefined) return { reason: "no current deployment" }; // unreachable: checked above
    // Default: step back from where the current digest came from. When the current update is
    // itself a rollback, its digest was first deployed earlier; the releases between that deploy
    // and now are the ones rolled back from, so they are skipped (deploy v1, deploy v2, rollback
    // to v1: a second rollback must not bring v2 back; `--to-version` still can).
    const origin = originOf(current, deployments, candidates);
    const older = candidates.filter((d) => deployments.indexOf(d) > deployments.indexOf(origin));
    // Nor a digest ECS rolled back after that deployment ran (a later reconcile names it): the
    // default must not put back the image ECS just refused (`--to-version` still can).
    const refusedByEcs = (d: Deployment) =>
        deployments.some(
            (r) => r.kind === "reconcile" && r.result === "succeeded" && r.reconcileOf?.digest === d.digest && deployments.indexOf(r) < deployments.indexOf(d),
        );
    // And only a digest whose release ECS completed (verdict.ts): a failed, rolled-back, unfinished or
    // unknown release is not a known-good place to go back to (`--to-version` still can).
    const eligible = older.filter((d) => d.digest !== current.digest && !refusedByEcs(d));
    const found = eligible.find((d) => d.release.verdict === "completed");
    if (found) return { target: found, current };
    if (eligible.length > 0) {
        const seen = eligible.slice(0, 3).map((d) => `update ${d.version} is \`${d.release.verdict}\``);
        return {
            current,
            reason:
                `no earlier update whose release verdict is \`completed\` (${seen.join(", ")}${eligible.length > 3 ? ", …" : ""}); the default target is only a digest ECS finished rolling out. ` +
                "Name one with `--to-version N` if you mean it (updates made before verdicts were recorded have none)",
        };
    }
    return {
        current,
        reason:
            origin === current
                ? `no succeeded deployment before update ${current.version} ran another digest than ${current.digest}`
                : `update ${current.version} rolled back to ${current.digest}, first deployed in update ${origin.version}, and nothing before that ran another digest (\`--to-version\` picks any update)`,
    };
}

/**
 * The deployment that first put `current`'s digest in place, following rollbacks, `up` re-applies
 * (which keep the digest) and hand-run updates (which put back whatever their checkout held) back
 * to their source. `current` may be a cancelled update that applied its image, so positions are
 * taken in the whole history.
 */
function originOf(current: Deployment, deployments: readonly Deployment[], candidates: readonly Deployment[]): Deployment {
    let origin = current;
    while (origin.kind === "rollback" || origin.kind === "up" || origin.kind === "reconcile" || origin.kind === "manual" || origin.kind === "other") {
        const position = deployments.indexOf(origin);
        const earlier = candidates.find((d) => deployments.indexOf(d) > position && d.digest === origin.digest);
        if (!earlier) break;
        origin = earlier;
    }
    return origin;
}
