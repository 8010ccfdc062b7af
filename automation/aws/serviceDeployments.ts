// ECS's own record of a deployment: the service-deployments API (ListServiceDeployments,
// DescribeServiceDeployments, DescribeServiceRevisions) says what DescribeServices does not: the
// deployment's status and reason, the lifecycle stage it is in, the PAUSE hooks waiting for an
// action, the rollback's reason and target revision, the alarms that fired, the circuit breaker's
// count. ECS keeps these for 90 days; the driver copies what matters into the evidence and history.
// Acting on a deployment: ContinueServiceDeployment (a PAUSE hook: CONTINUE or ROLLBACK) and
// StopServiceDeployment (ROLLBACK at any time).
//
// Sources: the ECS API reference pages API_ListServiceDeployments, API_DescribeServiceDeployments,
// API_DescribeServiceRevisions, API_ContinueServiceDeployment, API_StopServiceDeployment and the
// data types ServiceDeployment, DeploymentLifecycleHookDetail, ServiceRevision.
import {
    ContinueServiceDeploymentCommand,
    DescribeServiceDeploymentsCommand,
    DescribeServiceRevisionsCommand,
    ECSClient,
    ListServiceDeploymentsCommand,
    ServiceDeployment,
    StopServiceDeploymentCommand,
} from "@aws-sdk/client-ecs";
import { awsUnavailable } from "./awsErrors";
import { shortId, type AwaitingHook, type ServiceDeploymentFacts } from "../record/ecsFacts";

export { shortId };
export type { AwaitingHook, ServiceDeploymentFacts };

/** The statuses after which ECS does nothing more with a deployment. */
export const FINISHED_STATUSES = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"] as const;

/** The API answered that it does not exist here (an emulator without it, an old endpoint): follow by DescribeServices alone. */
export class ServiceDeploymentsUnsupported extends Error {}

function iso(date: Date | undefined): string | undefined {
    return date?.toISOString();
}

async function call<T>(what: () => Promise<T>): Promise<T> {
    try {
        return await what();
    } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === "UnknownOperationException" || e.name === "UnsupportedFeatureException" || e.$metadata?.httpStatusCode === 404) {
            throw new ServiceDeploymentsUnsupported(`${e.name ?? "error"}: ${(err as Error).message}`);
        }
        throw awsUnavailable(err, "ECS") ?? err;
    }
}

/** The service's deployments created since `since` (newest first), as ListServiceDeployments briefs them. */
export async function listServiceDeployments(ecs: ECSClient, cluster: string, service: string, since?: Date, status?: string[]) {
    const answer = await call(() =>
        ecs.send(
            new ListServiceDeploymentsCommand({
                cluster,
                service,
                createdAt: since && { after: new Date(since.getTime() - 1000) },
                status: status as never,
            }),
        ),
    );
    return [...(answer.serviceDeployments ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

export async function describeServiceDeployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
    const answer = await call(() => ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })));
    const found = answer.serviceDeployments?.[0];
    if (!found) throw new Error(`ECS has no service deployment \`${arn}\` (${answer.failures?.[0]?.reason ?? "not found"})`);
    return found;
}

/** The task definition each revision runs, by revision ARN. */
export async function revisionTaskDefinitions(ecs: ECSClient, arns: readonly string[]): Promise<Map<string, string>> {
    if (arns.length === 0) return new Map();
    const answer = await call(() => ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...arns] })));
    return new Map((answer.serviceRevisions ?? []).map((r) => [r.serviceRevisionArn ?? "", r.taskDefinition ?? ""]));
}

/**
 * The service deployment `up` started: created since it started, targeting a revision that runs
 * `taskDefinitionArn`; undefined while ECS lists none yet.
 */
export async function findServiceDeployment(
    ecs: ECSClient,
    cluster: string,
    service: string,
    startedAt: Date,
    taskDefinitionArn: string,
): Promise<string | undefined> {
    const briefs = await listServiceDeployments(ecs, cluster, service, startedAt);
    const targets = await revisionTaskDefinitions(ecs, briefs.map((b) => b.targetServiceRevisionArn ?? "").filter(Boolean));
    return briefs.find((b) => targets.get(b.targetServiceRevisionArn ?? "") === taskDefinitionArn)?.serviceDeploymentArn;
}

/** The deployment of the service ECS is still working on (newest first), if any. */
export async function inFlightServiceDeployment(ecs: ECSClient, cluster: string, service: string): Promise<ServiceDeployment | undefined> {
    const briefs = await listServiceDeployments(ecs, cluster, service, undefined, [
        "PENDING",
        "IN_PROGRESS",
        "STOP_REQUESTED",
        "ROLLBACK_REQUESTED",
        "ROLLBACK_IN_PROGRESS",
    ]);
    const arn = briefs[0]?.serviceDeploymentArn;
    return arn ? describeServiceDeployment(ecs, arn) : undefined;
}

/** The service's newest deployment, whatever its status (what a second `approve` is told about). */
export async function newestServiceDeployment(ecs: ECSClient, cluster: string, service: string): Promise<ServiceDeployment | undefined> {
    const arn = (await listServiceDeployments(ecs, cluster, service))[0]?.serviceDeploymentArn;
    return arn ? describeServiceDeployment(ecs, arn) : undefined;
}

/** The PAUSE hook the deployment waits at, if any. */
export function awaitingHook(sd: ServiceDeployment): AwaitingHook | undefined {
    const hook = (sd.lifecycleHookDetails ?? []).find((h) => h.targetType === "PAUSE" && h.status === "AWAITING_ACTION");
    if (!hook?.hookId) return undefined;
    return {
        hookId: hook.hookId,
        stage: sd.lifecycleStage ?? "(unknown stage)",
        expiresAt: iso(hook.expiresAt),
        timeoutAction: hook.timeoutAction,
        productionPercent: sd.targetServiceRevision?.requestedProductionTrafficWeight,
        testPercent: sd.targetServiceRevision?.requestedTestTrafficWeight,
    };
}

/** Continues the deployment past its PAUSE hook, or rolls it back there. */
export async function decideHook(ecs: ECSClient, arn: string, hookId: string, action: "CONTINUE" | "ROLLBACK"): Promise<void> {
    await call(() => ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action })));
}

/** Stops the deployment and rolls the service back to its source revision. */
export async function stopWithRollback(ecs: ECSClient, arn: string): Promise<void> {
    await call(() => ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" })));
}

export function isFinished(status: string | undefined): boolean {
    return (FINISHED_STATUSES as readonly (string | undefined)[]).includes(status);
}

/** The stage last in `stages`, as the driver saw them; a new stage is appended with the time it was first seen. */
export function withStage(stages: readonly { stage: string; seenAt: string }[], stage: string | undefined, at: Date): { stage: string; seenAt: string }[] {
    if (!stage || stages[stages.length - 1]?.stage === stage) return [...stages];
    return [...stages, { stage, seenAt: at.toISOString() }];
}

/** ECS's record of the deployment, as the evidence keeps it. */
export function factsOf(sd: ServiceDeployment, stages: readonly { stage: string; seenAt: string }[]): ServiceDeploymentFacts {
    const cb = sd.deploymentCircuitBreaker;
    const early = sd.deploymentConfiguration?.earlySuccessCriteria?.enable === true && sd.status === "SUCCESSFUL";
    return {
        arn: sd.serviceDeploymentArn ?? "",
        status: sd.status ?? "UNKNOWN",
        statusReason: sd.statusReason,
        strategy: sd.deploymentConfiguration?.strategy,
        lifecycleStage: sd.lifecycleStage,
        stages,
        targetRevision: sd.targetServiceRevision?.arn,
        sourceRevisions: (sd.sourceServiceRevisions ?? []).map((r) => r.arn ?? "").filter(Boolean),
        rollback: sd.rollback && { reason: sd.rollback.reason, startedAt: iso(sd.rollback.startedAt), toRevision: sd.rollback.serviceRevisionArn },
        circuitBreaker: cb && cb.status !== "DISABLED" ? { status: cb.status, failureCount: cb.failureCount, threshold: cb.threshold } : undefined,
        alarms: sd.alarms && sd.alarms.status !== "DISABLED" ? { status: sd.alarms.status, triggered: sd.alarms.triggeredAlarmNames ?? [] } : undefined,
        earlySuccess: early || undefined,
        startedAt: iso(sd.startedAt),
        finishedAt: iso(sd.finishedAt ?? sd.stoppedAt),
    };
}

/** One line on where the deployment stands, for progress and for a paused hook. */
export function describeStanding(sd: ServiceDeployment): string {
    const target = sd.targetServiceRevision;
    const weights =
        target?.requestedProductionTrafficWeight !== undefined
            ? `, ${target.requestedProductionTrafficWeight}% of production traffic${
                  target.requestedTestTrafficWeight !== undefined ? ` and ${target.requestedTestTrafficWeight}% of test traffic` : ""
              } on the new revision`
            : "";
    const tasks = target ? `, running ${target.runningTaskCount ?? 0}/${target.requestedTaskCount ?? 0}` : "";
    return `service deployment ${shortId(sd.serviceDeploymentArn)}: ${sd.status ?? "?"} at ${sd.lifecycleStage ?? "?"}${tasks}${weights}`;
}
