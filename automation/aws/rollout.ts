// Following the ECS deployment an update started, by its deployment ID, until
// ECS says COMPLETED or FAILED or the wait runs out. A deploy whose engine
// succeeded can still be rolled back by ECS (the circuit breaker, or a
// deployment alarm): the engine's "steady state" is then the old task
// definition running again. Only ECS's own deployment record says which.
import { DescribeServicesCommand, ECSClient, Deployment as EcsDeployment, Service } from "@aws-sdk/client-ecs";
import { awsUnavailable } from "./awsErrors";
import { UnreachableError } from "../record/errors";
import { sleep } from "./wait";
import {
    AwaitingHook,
    awaitingHook,
    describeServiceDeployment,
    describeStanding,
    factsOf,
    findServiceDeployment,
    isFinished,
    ServiceDeploymentFacts,
    ServiceDeploymentsUnsupported,
    withStage,
} from "./serviceDeployments";

// Stryker disable all: following a rollout calls ECS and waits (tested by test/unit/rollout.test.ts with a fake client and
// by the engine suites); only `judge` below, the pure decision, is under `npm run mutate` (docs/TESTING.md).
export type RolloutState =
    /** ECS finished moving the service to the update's task definition. */
    | "COMPLETED"
    /** ECS gave up on it (circuit breaker or alarm); with rollback on, the old task definition runs again. */
    | "FAILED"
    /** Still rolling out when the wait ran out (or was interrupted). */
    | "IN_PROGRESS"
    /** The update started no ECS deployment: the service already ran this task definition. */
    | "UNCHANGED";

export interface RolloutOutcome {
    readonly state: RolloutState;
    /** The ECS deployment the update started (`ecs-svc/…`); unset when it started none. */
    readonly deploymentId?: string;
    /** ECS's own words for the state (`rolloutStateReason`). */
    readonly reason?: string;
    /** The service's events since the update started, oldest first. */
    readonly events: readonly string[];
    /** ECS's own record of the deployment (service-deployments API); unset where that API answered nothing. */
    readonly serviceDeployment?: ServiceDeploymentFacts;
    /** The PAUSE hook the deployment still waited at when the wait ended. */
    readonly awaiting?: AwaitingHook;
}

/**
 * ECS stopped answering while the driver followed the deployment (after retries), or refused to:
 * `lastSeen` is how far the driver got, so the record can still name the deployment `up` started.
 */
export class RolloutLostError extends Error {
    constructor(
        readonly cause: Error,
        readonly lastSeen: RolloutOutcome,
    ) {
        super(cause.message);
        this.name = "RolloutLostError";
    }
}

/** How many DescribeServices calls in a row may go unanswered (network, throttling, a server error) before the wait gives up. */
export const ROLLOUT_UNANSWERED_LIMIT = 3;

export interface FollowOptions {
    readonly ecs: ECSClient;
    readonly cluster: string;
    readonly service: string;
    /** The task definition the stack's state says the service runs after the update. */
    readonly taskDefinitionArn: string;
    /** Deployment IDs the service had before the update; unset when they could not be read. */
    readonly before?: ReadonlySet<string>;
    /** When the update started: events and deployments older than this are not the update's. */
    readonly startedAt: Date;
    /** How long to wait for COMPLETED or FAILED; 0 looks once. */
    readonly waitMs: number;
    /** @default 5 s */
    readonly pollMs?: number;
    /** At most one status line this often. @default 10 s */
    readonly progressMs?: number;
    /** Status and event lines, one line each. */
    readonly onProgress?: (line: string) => void;
    readonly signal?: AbortSignal;
    /** Also follow ECS's service-deployments API (the deployment by ARN); it is left alone once it answers that it does not exist. @default true */
    readonly serviceDeployments?: boolean;
    /** Called at each poll while the deployment waits at a PAUSE hook: it may act (a smoke test, ContinueServiceDeployment) or let the wait go on. */
    readonly onHook?: (hook: AwaitingHook, arn: string) => Promise<void>;
}

/** The service deployment `up` started, followed by ARN alongside DescribeServices (serviceDeployments.ts). */
class ServiceDeploymentTracker {
    private arn?: string;
    private off: boolean;
    private stages: { stage: string; seenAt: string }[] = [];
    facts?: ServiceDeploymentFacts;
    awaiting?: AwaitingHook;
    private lastStanding = "";
    private failures = 0;

    constructor(private readonly options: FollowOptions) {
        this.off = options.serviceDeployments === false;
    }

    /** Reads the deployment once; its state when ECS's record says more than DescribeServices (undefined: no say). */
    async poll(): Promise<RolloutState | undefined> {
        if (this.off) return undefined;
        const { ecs, cluster, service, startedAt, taskDefinitionArn } = this.options;
        try {
            this.arn ??= await findServiceDeployment(ecs, cluster, service, startedAt, taskDefinitionArn);
            if (!this.arn) return undefined;
            const sd = await describeServiceDeployment(ecs, this.arn);
            this.failures = 0;
            this.stages = withStage(this.stages, sd.lifecycleStage, new Date());
            this.facts = factsOf(sd, this.stages);
            const standing = describeStanding(sd);
            if (standing !== this.lastStanding) this.options.onProgress?.(standing);
            this.lastStanding = standing;
            this.awaiting = awaitingHook(sd);
            if (this.awaiting && this.options.onHook) await this.options.onHook(this.awaiting, this.arn);
            if (isFinished(sd.status)) return sd.status === "SUCCESSFUL" ? "COMPLETED" : "FAILED";
            return "IN_PROGRESS";
        } catch (err) {
            if (err instanceof ServiceDeploymentsUnsupported) {
                this.off = true;
                this.options.onProgress?.(`ECS's service-deployments API answered nothing (${err.message}); following by DescribeServices alone`);
                return undefined;
            }
            // DescribeServices still answers for the rollout; this read is tried again at the next poll, a few times in a row
            // (an endpoint without the API answers a server error each time: then it is left alone).
            const reason = (err as Error).message.split("\n")[0];
            if (++this.failures >= ROLLOUT_UNANSWERED_LIMIT) {
                this.off = true;
                this.options.onProgress?.(
                    `ECS's service-deployments API did not answer ${this.failures} times (${reason}); following by DescribeServices alone`,
                );
            } else if (this.failures === 1) {
                this.options.onProgress?.(`ECS's service deployment could not be read (${reason}); asking again`);
            }
            return undefined;
        }
    }
}

/** The service's deployment IDs now: what exists before an update is not the update's. */
export async function deploymentIds(ecs: ECSClient, cluster: string, service: string): Promise<Set<string>> {
    return new Set((await deploymentTaskDefinitions(ecs, cluster, service)).keys());
}

/** The service's deployments now, by ID, with the task definition each runs (ECS's rollback returns to one of them). */
export async function deploymentTaskDefinitions(ecs: ECSClient, cluster: string, service: string): Promise<Map<string, string>> {
    const svc = await describeService(ecs, cluster, service);
    return new Map((svc.deployments ?? []).filter((d) => d.id !== undefined).map((d) => [d.id!, d.taskDefinition ?? ""]));
}

/** Waits for the update's ECS deployment to finish, printing progress; never throws on a FAILED rollout (that is an outcome). */
export async function followRollout(options: FollowOptions): Promise<RolloutOutcome> {
    const pollMs = options.pollMs ?? 5000;
    const progressMs = options.progressMs ?? 10_000;
    const deadline = Date.now() + options.waitMs;
    const seenEvents = new Set<string>();
    const events: string[] = [];
    let lastStatus = -Infinity;
    let ours: EcsDeployment | undefined;
    let unanswered = 0;
    const tracker = new ServiceDeploymentTracker(options);
    const withFacts = (outcome: RolloutOutcome): RolloutOutcome => ({ ...outcome, serviceDeployment: tracker.facts, awaiting: tracker.awaiting });
    for (;;) {
        let svc: Service;
        try {
            svc = await describeService(options.ecs, options.cluster, options.service);
            unanswered = 0;
        } catch (err) {
            const lastSeen = withFacts({ state: "IN_PROGRESS", deploymentId: ours?.id, reason: ours?.rolloutStateReason, events });
            // A blip (the SDK has retried already) should not cost the rollout's outcome: ask again, a few times.
            const transient = err instanceof UnreachableError && err.transient;
            if (!transient || ++unanswered >= ROLLOUT_UNANSWERED_LIMIT || Date.now() + pollMs > deadline || options.signal?.aborted) {
                throw new RolloutLostError(err as Error, lastSeen);
            }
            options.onProgress?.(`ECS did not answer (${err.reason}); asking again (${unanswered}/${ROLLOUT_UNANSWERED_LIMIT - 1})`);
            await sleep(pollMs, options.signal);
            continue;
        }
        for (const event of newEvents(svc, options.startedAt, seenEvents)) {
            events.push(event);
            options.onProgress?.(`ECS: ${event}`);
        }
        const judged = judge(svc, options);
        ours = judged.deployment ?? ours;
        // ECS's own record, where it answers, decides: DescribeServices shows a rollback before it has finished.
        const recorded = judged.state === "UNCHANGED" ? undefined : await tracker.poll();
        const verdict = recorded === undefined ? judged : { ...judged, state: recorded, reason: tracker.facts?.statusReason ?? judged.reason };
        if (verdict.state !== "IN_PROGRESS") {
            // UNCHANGED: the update started no deployment, so none is named (the primary is an older one's).
            return withFacts({ state: verdict.state, deploymentId: verdict.state === "UNCHANGED" ? undefined : ours?.id, reason: verdict.reason, events });
        }
        if (Date.now() - lastStatus >= progressMs) {
            options.onProgress?.(statusLine(ours, svc));
            lastStatus = Date.now();
        }
        if (Date.now() + pollMs > deadline || options.signal?.aborted) {
            return withFacts({ state: "IN_PROGRESS", deploymentId: ours?.id, reason: ours?.rolloutStateReason, events });
        }
        await sleep(pollMs, options.signal);
    }
}

// Stryker restore all
/**
 * Where the update's deployment stands, from one DescribeServices answer. The update's deployment
 * is the one running the state's task definition that did not exist before the update; ECS drops a
 * failed deployment once its rollback is done, so a new PRIMARY on another task definition with
 * ours gone means ECS rolled it back.
 */
export function judge(
    svc: Service,
    options: Pick<FollowOptions, "taskDefinitionArn" | "before" | "startedAt">,
): { state: RolloutState; deployment?: EcsDeployment; reason?: string } {
    const deployments = svc.deployments ?? [];
    const isNew = (d: EcsDeployment) =>
        options.before ? !options.before.has(d.id ?? "") : d.createdAt !== undefined && d.createdAt.getTime() >= options.startedAt.getTime() - 1000;
    const ours = deployments.find((d) => d.taskDefinition === options.taskDefinitionArn && isNew(d));
    const primary = deployments.find((d) => d.status === "PRIMARY");
    if (ours) {
        if (ours.rolloutState === "FAILED") return { state: "FAILED", deployment: ours, reason: ours.rolloutStateReason };
        if (ours.rolloutState === "COMPLETED") return { state: "COMPLETED", deployment: ours, reason: ours.rolloutStateReason };
        // The circuit breaker's rollback replaces ours as PRIMARY before ours is marked FAILED.
        if (primary && primary !== ours)
            return { state: "FAILED", deployment: ours, reason: `ECS made deployment ${primary.id} (${primary.taskDefinition}) primary` };
        // A deployment without a rollout state (an old ECS API answer): done when it alone runs every task.
        if (ours.rolloutState === undefined && deployments.length === 1 && ours.runningCount === ours.desiredCount) {
            return { state: "COMPLETED", deployment: ours };
        }
        return { state: "IN_PROGRESS", deployment: ours, reason: ours.rolloutStateReason };
    }
    if (primary?.taskDefinition === options.taskDefinitionArn) return { state: "UNCHANGED", deployment: primary };
    if (primary && isNew(primary)) {
        return { state: "FAILED", reason: `ECS replaced the update's deployment with ${primary.id} (${primary.taskDefinition})` };
    }
    // ECS shows nothing of the update at all (no deployment for its task definition): what runs is
    // the primary's, which verify then compares with the record.
    return { state: "UNCHANGED", deployment: primary };
}

// Stryker disable all: progress lines, events and the DescribeServices call (see above).
function statusLine(ours: EcsDeployment | undefined, svc: Service): string {
    const d = ours ?? svc.deployments?.find((x) => x.status === "PRIMARY");
    return (
        `rollout ${d?.id ?? "(no deployment yet)"}: ${d?.rolloutState ?? "IN_PROGRESS"}, ` +
        `running ${d?.runningCount ?? svc.runningCount ?? 0}/${d?.desiredCount ?? svc.desiredCount ?? 0}, pending ${d?.pendingCount ?? svc.pendingCount ?? 0}` +
        (d?.failedTasks ? `, failed ${d.failedTasks}` : "")
    );
}

/** The service's events since `since` not in `seen` (which they are added to), oldest first: one DescribeServices call. */
export async function serviceEvents(ecs: ECSClient, cluster: string, service: string, since: Date, seen: Set<string>): Promise<string[]> {
    return newEvents(await describeService(ecs, cluster, service), since, seen);
}

function newEvents(svc: Service, since: Date, seen: Set<string>): string[] {
    const fresh = (svc.events ?? [])
        .filter((e) => e.message && (e.createdAt === undefined || e.createdAt.getTime() >= since.getTime() - 1000))
        .filter((e) => !seen.has(e.id ?? e.message!));
    for (const e of fresh) seen.add(e.id ?? e.message!);
    // ECS lists events newest first.
    return fresh.reverse().map((e) => e.message!);
}

async function describeService(ecs: ECSClient, cluster: string, service: string): Promise<Service> {
    let described;
    try {
        described = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    } catch (err) {
        if ((err as Error).name === "ClusterNotFoundException") {
            throw new Error(`ECS cluster \`${cluster}\` was not found; was the stack deployed to this account and region?`);
        }
        throw awsUnavailable(err, "ECS") ?? err;
    }
    const svc = described.services?.[0];
    if (!svc) {
        throw new Error(`ECS service \`${service}\` in cluster \`${cluster}\` was not found (${described.failures?.[0]?.reason ?? "no such service"})`);
    }
    return svc;
}
// Stryker restore all
