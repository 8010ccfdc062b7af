// ECS's own facts about an update's deployment, kept past ECS's 90 days: one stack tag per update,
// `papyrus:ecs:<update>`, beside its release verdict (verdict.ts), written by the driver once it
// has followed the deployment through the service-deployments API. A tag value holds 256
// characters (Pulumi's limit), so this is the summary `history --json` shows; the evidence keeps
// the whole record (stages with times, revisions, decisions, smoke tests).
import { shortId, type ServiceDeploymentFacts } from "./ecsFacts";
import { RELEASE_TAG_NAMESPACE } from "./verdict";

export const ECS_TAG_PREFIX = `${RELEASE_TAG_NAMESPACE}:ecs:`;
const TAG_VALUE_LIMIT = 256;

export interface EcsSummary {
    /** The service deployment's ID (the last part of its ARN). */
    readonly deployment: string;
    readonly status: string;
    readonly reason?: string;
    /** The last lifecycle stage seen. */
    readonly stage?: string;
    /** Why ECS rolled back, and the revision it went back to. */
    readonly rollback?: string;
    readonly rolledBackTo?: string;
    /** The deployment alarms that fired. */
    readonly alarms?: readonly string[];
    /** The circuit breaker's failed-task count. */
    readonly failures?: number;
    /** ECS ended it early (its circuit breaker and alarms stopped watching then). */
    readonly early?: boolean;
}

export function ecsTagName(version: number): string {
    return `${ECS_TAG_PREFIX}${version}`;
}

export function summarize(facts: ServiceDeploymentFacts): EcsSummary {
    return {
        deployment: shortId(facts.arn),
        status: facts.status,
        reason: facts.statusReason,
        stage: facts.lifecycleStage,
        rollback: facts.rollback?.reason,
        rolledBackTo: facts.rollback?.toRevision ? shortId(facts.rollback.toRevision) : undefined,
        alarms: facts.alarms?.triggered.length ? facts.alarms.triggered : undefined,
        failures: facts.circuitBreaker?.failureCount || undefined,
        early: facts.earlySuccess,
    };
}

/** The summary as a tag value: the longest texts shortened until it fits. */
export function formatEcsSummary(summary: EcsSummary): string {
    let value = { ...summary };
    for (const key of ["reason", "rollback"] as const) {
        const text = JSON.stringify(value);
        if (text.length <= TAG_VALUE_LIMIT) return text;
        const own = value[key];
        if (own !== undefined) {
            const keep = Math.max(0, own.length - (text.length - TAG_VALUE_LIMIT) - 1);
            value = { ...value, [key]: keep > 0 ? `${own.slice(0, keep)}…` : undefined };
        }
    }
    const text = JSON.stringify(value);
    return text.length <= TAG_VALUE_LIMIT ? text : JSON.stringify({ deployment: value.deployment, status: value.status });
}

/** Every update's summary, by version; a tag that is not one is ignored. */
export function ecsSummaries(tags: Readonly<Record<string, string>>): Map<number, EcsSummary> {
    const found = new Map<number, EcsSummary>();
    for (const [name, value] of Object.entries(tags)) {
        if (!name.startsWith(ECS_TAG_PREFIX)) continue;
        const version = Number(name.slice(ECS_TAG_PREFIX.length));
        try {
            const parsed = JSON.parse(value) as EcsSummary;
            if (Number.isInteger(version) && typeof parsed?.deployment === "string" && typeof parsed.status === "string") found.set(version, parsed);
        } catch {
            // a hand-edited tag counts as none
        }
    }
    return found;
}
