// What the driver keeps of ECS's record of a deployment (the service-deployments API, read by
// automation/aws/serviceDeployments.ts): types only, shared by the evidence and the history.

/** A PAUSE hook waiting for ContinueServiceDeployment. */
export interface AwaitingHook {
    readonly hookId: string;
    readonly stage: string;
    /** When ECS applies `timeoutAction` by itself. */
    readonly expiresAt?: string;
    readonly timeoutAction?: string;
    /** Percent of production traffic on the new revision (blue/green, linear, canary). */
    readonly productionPercent?: number;
    /** Percent of test traffic on the new revision. */
    readonly testPercent?: number;
}

/** What the driver keeps of ECS's record of a deployment: the evidence's `serviceDeployment`. */
export interface ServiceDeploymentFacts {
    readonly arn: string;
    readonly status: string;
    readonly statusReason?: string;
    readonly strategy?: string;
    /** The stage it was last seen in. */
    readonly lifecycleStage?: string;
    /** The stages it was seen passing, with when each was first seen (polling: at most as precise as the poll). */
    readonly stages: readonly { readonly stage: string; readonly seenAt: string }[];
    readonly targetRevision?: string;
    readonly sourceRevisions: readonly string[];
    readonly rollback?: { readonly reason?: string; readonly startedAt?: string; readonly toRevision?: string };
    readonly circuitBreaker?: { readonly status?: string; readonly failureCount?: number; readonly threshold?: number };
    readonly alarms?: { readonly status?: string; readonly triggered: readonly string[] };
    /**
     * ECS ended it early (`earlySuccessCriteria`): a successful deployment whose circuit breaker and
     * alarms stopped watching when it did, so a fault after it is not rolled back by ECS.
     */
    readonly earlySuccess?: boolean;
    readonly startedAt?: string;
    readonly finishedAt?: string;
}

/** The last part of a service deployment's or revision's ARN: what messages and tags name. */
export function shortId(arn: string | undefined): string {
    return arn?.split("/").pop() ?? "";
}
