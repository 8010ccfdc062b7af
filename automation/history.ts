// Deployments as the stack history records them. Every update the driver
// runs carries `papyrus:image`, `papyrus:imageTag`, `papyrus:deployedBy` and
// `papyrus:deployKind` in its config, so history alone says which digest ran,
// when, and who asked: no side database.
import { Stack, UpdateSummary } from "@pulumi/pulumi/automation";
import { isSha256Digest, parseImageReference } from "../components/imageReference";
import { qualifiedKey } from "../components/stackConfig";

export type DeploymentKind = "deploy" | "rollback" | "infra" | "other";

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
    readonly message?: string;
}

/**
 * Page size for reading history. On file and S3 backends every page request
 * makes the CLI read every update record, so few large pages beat many small
 * ones (docs/BENCHMARKS.md, P3); Pulumi Cloud serves pages natively.
 */
export const HISTORY_PAGE_SIZE = 500;

/** Reads the whole history, newest first, page by page, with secrets hidden. */
export async function readDeployments(stack: Stack, pageSize = HISTORY_PAGE_SIZE): Promise<Deployment[]> {
    const summaries: UpdateSummary[] = [];
    for (let page = 1; ; page++) {
        const batch = await stack.history(pageSize, page, false);
        summaries.push(...batch);
        if (batch.length < pageSize) break;
    }
    return toDeployments(summaries);
}

/** Newest first in, newest first out. */
export function toDeployments(summaries: readonly UpdateSummary[]): Deployment[] {
    return summaries.map((summary, index) => {
        const config = summary.config ?? {};
        const value = (key: Parameters<typeof qualifiedKey>[0]) => {
            const entry = config[qualifiedKey(key)];
            return entry && !entry.secret ? entry.value : undefined;
        };
        const image = value("image");
        const kind = value("deployKind");
        return {
            version: summary.version > 0 ? summary.version : summaries.length - index,
            operation: summary.kind,
            kind: kind === "deploy" || kind === "rollback" || kind === "infra" ? kind : "other",
            result: summary.result ?? "unknown",
            startTime: new Date(summary.startTime),
            endTime: summary.endTime ? new Date(summary.endTime) : undefined,
            image,
            digest: digestOf(image),
            tag: value("imageTag"),
            requestedBy: value("deployedBy"),
            message: summary.message || undefined,
        };
    });
}

function digestOf(image: string | undefined): string | undefined {
    if (image === undefined) return undefined;
    try {
        return parseImageReference(image, { input: "papyrus:image" }).digest;
    } catch {
        const at = image.lastIndexOf("@");
        return at !== -1 && isSha256Digest(image.slice(at + 1)) ? image.slice(at + 1) : undefined;
    }
}

/** The deployment whose image runs now: the newest succeeded update that set an image. */
export function currentDeployment(deployments: readonly Deployment[]): Deployment | undefined {
    return deployments.find((d) => d.operation === "update" && d.result === "succeeded" && d.digest !== undefined);
}

export type RollbackTarget =
    | { readonly toVersion: number }
    | { readonly toTag: string }
    | { readonly toDigest: string }
    | Record<string, never>;

/**
 * Chooses the deployment to roll back to, or says why there is none.
 * Default: the newest succeeded update whose digest differs from the current one.
 */
export function chooseRollbackTarget(
    deployments: readonly Deployment[],
    target: RollbackTarget,
): { target?: Deployment; current?: Deployment; reason?: string } {
    const current = currentDeployment(deployments);
    const candidates = deployments.filter((d) => d.operation === "update" && d.result === "succeeded" && d.digest !== undefined);
    if (current === undefined) {
        return { reason: "no succeeded deployment with an image is recorded" };
    }
    if ("toVersion" in target) {
        const found = deployments.find((d) => d.version === target.toVersion);
        if (!found) return { current, reason: `no update ${target.toVersion} in history` };
        if (!candidates.includes(found)) {
            return { current, reason: `update ${target.toVersion} ${found.result !== "succeeded" ? `did not succeed (${found.result})` : "recorded no image"}` };
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
    // Default: step back from where the current digest came from. When the current update is
    // itself a rollback, its digest was first deployed earlier; the releases between that deploy
    // and now are the ones rolled back from, so they are skipped (deploy v1, deploy v2, rollback
    // to v1: a second rollback must not bring v2 back; `--to-version` still can).
    const origin = originOf(current, candidates);
    const older = candidates.slice(candidates.indexOf(origin) + 1);
    const found = older.find((d) => d.digest !== current.digest);
    if (found) return { target: found, current };
    return {
        current,
        reason: origin === current
            ? `no succeeded deployment before update ${current.version} ran another digest than ${current.digest}`
            : `update ${current.version} rolled back to ${current.digest}, first deployed in update ${origin.version}, and nothing before that ran another digest (\`--to-version\` picks any update)`,
    };
}

/**
 * The deployment that first put `current`'s digest in place, following rollbacks (and `up`
 * re-applies, which keep the digest) back to their source.
 */
function originOf(current: Deployment, candidates: readonly Deployment[]): Deployment {
    let origin = current;
    while (origin.kind === "rollback" || origin.kind === "infra") {
        const earlier = candidates.slice(candidates.indexOf(origin) + 1).find((d) => d.digest === origin.digest);
        if (!earlier) break;
        origin = earlier;
    }
    return origin;
}
