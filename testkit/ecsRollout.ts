// moto 5.2.5's ECS runs no deployments: a service keeps the one deployment it was created with
// (its rolloutState set then and never moved), UpdateService only changes the service's `taskDefinition`, and
// `events` stays empty (the first test of test/engine/rollout.test.ts, "moto's ECS runs no
// deployments", records that). ECS itself starts a new deployment (`ecs-svc/…`, IN_PROGRESS,
// PRIMARY) for every new task definition, marks it COMPLETED or FAILED, and on FAILED with the
// circuit breaker's rollback on starts another deployment with the previous task definition and
// points the service back at it.
//
// This loopback proxy plays that lifecycle on top of moto's real answers: UpdateService goes to
// moto unchanged (the task definition must exist there); the proxy then starts a deployment in its
// own model, and rewrites only `deployments`, `events` and `taskDefinition` of moto's
// DescribeServices answers, advancing each rollout by one step per DescribeServices call.
//
// It also plays ECS's service-deployments API, which moto 5.2.5 lacks (it answers the five
// operations with HTTP 500 and an HTML page: `serviceDeploymentsApi(false)` lets them through to
// moto again). Written from the AWS API reference — API_ListServiceDeployments,
// API_DescribeServiceDeployments, API_DescribeServiceRevisions, API_ContinueServiceDeployment,
// API_StopServiceDeployment, ServiceDeployment, DeploymentLifecycleHookDetail, ServiceRevision
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_<name>.html) — and the developer
// guide's deployment lifecycle, linear, canary, continue- and stop-service-deployment pages
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html,
// linear-deployment.html, canary-deployment.html, continue-service-deployment.html,
// stop-service-deployment.html):
// - every deployment the proxy starts has a service deployment
//   (`…:service-deployment/<cluster>/<service>/<id>`) and a service revision of its task definition
//   (`…:service-revision/<cluster>/<service>/<n>`); the revision it replaces is its source. Deployments
//   moto already had get a revision. The strategy, hooks and bakes come from the `deploymentConfiguration`
//   CreateService or UpdateService carried (moto 5.2.5 drops it on CreateService and stores it on
//   UpdateService), see ./serviceDeploymentPlan.ts for the stages;
// - a stage or traffic step per DescribeServices call; DescribeServiceDeployments, ListServiceDeployments
//   and DescribeServiceRevisions are pure reads. A bake is one poll (emulated time);
// - a PAUSE hook stops the deployment at its stage (hook AWAITING_ACTION) until
//   ContinueServiceDeployment; `expireHooks()` makes the timeouts fire at the next poll;
// - StopServiceDeployment ROLLBACK (ROLLBACK_REQUESTED → ROLLBACK_IN_PROGRESS → ROLLBACK_SUCCESSFUL)
//   and ABORT (STOP_REQUESTED → STOPPED).
//
// Assumptions where the reference is silent (docs/TESTING.md lists them too):
// - a hook answered ROLLBACK ends FAILED (as a Lambda hook that returns FAILED rolls back); CONTINUE: SUCCEEDED;
// - ContinueServiceDeployment on an unknown hook, a hook not AWAITING_ACTION or a deployment not
//   IN_PROGRESS answers InvalidParameterException (the operation lists no ConflictException);
//   StopServiceDeployment on a finished deployment answers ConflictException; on one already
//   stopping or rolling back it succeeds and changes nothing (the stop page: "continues");
//   StopServiceDeployment without `stopType` is ROLLBACK (the only value the reference calls valid);
// - `lifecycleStage` keeps the stage where the deployment was when it rolled back or stopped;
//   after SUCCESSFUL it is CLEAN_UP;
// - the circuit breaker without rollback (script outcome "fail") ends the service deployment
//   STOPPED; with rollback ROLLBACK_SUCCESSFUL at once (the DescribeServices view as before);
//   its threshold is 50 % of the desired count clamped to 3…200 (ThresholdType BOUNDED_PERCENT);
// - a deployment superseded by a newer one is STOPPED, and its rollout goes on as before in the
//   DescribeServices view;
// - the circuit breaker's status is MONITORING while enabled (DISABLED otherwise) and
//   MONITORING_COMPLETE when the deployment succeeds with `earlySuccessCriteria.enable`;
// - a first deployment (no source revision) that must roll back ends ROLLBACK_FAILED.
// - AWS_LAMBDA hooks are not played: the deployment passes their stages.
import * as crypto from "crypto";
import * as http from "http";
import { MotoProxy, ProxyAnswer, startMotoProxy } from "./motoProxy";
import { deploymentPlan, PlanStep, strategyOf, walksPlan } from "./serviceDeploymentPlan";

/**
 * What ECS does with a new deployment: after `polls` DescribeServices calls it completes, fails and
 * rolls back (circuit breaker), fails, never ends, or an alarm fires during the production traffic
 * shift (rolled back). With stages to walk (a traffic-shifting strategy, PAUSE hooks), "complete"
 * also waits until the stages are walked, and `atStage` replaces `polls`: the outcome comes at the
 * poll after the deployment reached that stage. Polls while a PAUSE hook waits do not count.
 */
export type RolloutScript = {
    readonly outcome: "complete" | "rollback" | "fail" | "hang" | "alarm";
    readonly polls?: number;
    readonly atStage?: string;
};

interface Revision {
    arn: string;
    serviceArn: string;
    clusterArn: string;
    taskDefinition: string;
    createdAt: number;
}

interface Deployment {
    id: string;
    status: "PRIMARY" | "ACTIVE";
    taskDefinition: string;
    rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
    rolloutStateReason: string;
    desiredCount: number;
    runningCount: number;
    pendingCount: number;
    failedTasks: number;
    createdAt: number;
    updatedAt: number;
    /** DescribeServices calls left before the script's outcome. */
    left: number;
    outcome: RolloutScript["outcome"];
    revision?: Revision;
    /** The service deployment that plays this deployment (none: seeded from moto, or a rollback's). */
    service?: ServiceDeploymentState;
    /** A rollback's deployment, moved by its service deployment, not by the script. */
    managed?: boolean;
}

interface Hook {
    hookId: string;
    index: number;
    stage: string;
    status: "AWAITING_ACTION" | "SUCCEEDED" | "FAILED" | "TIMED_OUT";
    expiresAt: number;
    timeoutAction: "CONTINUE" | "ROLLBACK";
    actions: string[];
    expire: boolean;
}

type ServiceDeploymentStatus =
    | "PENDING"
    | "IN_PROGRESS"
    | "SUCCESSFUL"
    | "STOPPED"
    | "STOP_REQUESTED"
    | "ROLLBACK_REQUESTED"
    | "ROLLBACK_IN_PROGRESS"
    | "ROLLBACK_SUCCESSFUL"
    | "ROLLBACK_FAILED";

interface ServiceDeploymentState {
    arn: string;
    serviceArn: string;
    clusterArn: string;
    serviceName: string;
    clusterName: string;
    sequence: number;
    deployment: Deployment;
    target: Revision;
    sources: Revision[];
    configuration: any;
    plan: PlanStep[];
    walks: boolean;
    index: number;
    atStage?: string;
    /** Whether the script's outcome is due (after its polls, or at its stage). */
    due: boolean;
    status: ServiceDeploymentStatus;
    statusReason: string;
    hooks: Hook[];
    stopTypes: string[];
    rollback?: { reason: string; startedAt: number; serviceRevisionArn?: string };
    rolledBack: boolean;
    circuitBreaker: { status: string; failureCount: number; threshold: number };
    alarms: { status: string; alarmNames: string[]; triggeredAlarmNames: string[] };
    createdAt: number;
    startedAt: number;
    updatedAt: number;
    finishedAt?: number;
    stoppedAt?: number;
}

interface ServiceModel {
    deployments: Deployment[];
    events: { id: string; createdAt: number; message: string }[];
    /** The `deploymentConfiguration` CreateService/UpdateService carried last. */
    configuration?: any;
    revisions: number;
}

/** A plain snapshot of one service deployment, for assertions. */
export interface ServiceDeploymentSnapshot {
    readonly arn: string;
    readonly service: string;
    readonly strategy: string;
    readonly status: string;
    readonly statusReason: string;
    readonly lifecycleStage: string;
    readonly targetTaskDefinition: string;
    readonly sourceTaskDefinitions: string[];
    readonly productionWeight: number;
    readonly testWeight: number;
    readonly hooks: { hookId: string; stage: string; status: string; actions: string[]; timeoutAction: string }[];
    readonly stopTypes: string[];
    readonly rollback?: { reason: string; serviceRevisionArn?: string };
    readonly circuitBreaker: { status: string; failureCount: number; threshold: number };
    readonly alarms: { status: string; alarmNames: string[]; triggeredAlarmNames: string[] };
}

/** A ContinueServiceDeployment call the proxy received, and whether it was refused (the error's type). */
export interface ContinueCall {
    readonly serviceDeploymentArn: string;
    readonly hookId: string;
    readonly action?: string;
    readonly refused?: string;
}

export interface EcsRolloutProxy extends MotoProxy {
    /** The script for the next deployments, in order; when it runs out, deployments complete at once. */
    script(...steps: RolloutScript[]): void;
    /** The DescribeServices calls answered so far. */
    readonly describes: number;
    /** Drops the connection of the next `requests` DescribeServices requests (SDK retries count), as a network blip would. */
    unavailable(requests: number): void;
    /** Ends every hanging deployment at the next DescribeServices call: ECS finishes a rollout the driver stopped waiting for. */
    finish(outcome: "complete" | "rollback"): void;
    /** Whether the proxy answers the service-deployments API (default true); false: moto answers it (HTTP 500, HTML). */
    serviceDeploymentsApi(on: boolean): void;
    /** Makes every PAUSE hook awaiting action time out at the next DescribeServices call (TIMED_OUT, then its timeout action). */
    expireHooks(): void;
    /** Every service deployment so far, oldest first. */
    serviceDeployments(): ServiceDeploymentSnapshot[];
    /** The ContinueServiceDeployment calls received, in order. */
    readonly continues: readonly ContinueCall[];
}

const SERVICE_DEPLOYMENT_OPERATIONS = new Set([
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "DescribeServiceRevisions",
    "ContinueServiceDeployment",
    "StopServiceDeployment",
]);
const FINISHED: ReadonlySet<ServiceDeploymentStatus> = new Set(["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]);
const DEFAULT_ALARM = "papyrus-5xx";

/** A JSON 1.1 error as ECS answers it. */
const refusal = (type: string, message: string) => new ProxyAnswer(400, { __type: type, message });

export async function startEcsRolloutProxy(upstream: string): Promise<EcsRolloutProxy> {
    const services = new Map<string, ServiceModel>();
    const serviceDeployments = new Map<string, ServiceDeploymentState>();
    /** Container definitions by task definition ARN, as RegisterTaskDefinition or DescribeTaskDefinition answered through the proxy. */
    const taskDefinitions = new Map<string, any[]>();
    const revisions = new Map<string, Revision>();
    const continues: ContinueCall[] = [];
    let queue: RolloutScript[] = [];
    let counter = 1000;
    let eventCounter = 0;
    let sequence = 0;
    let describes = 0;
    let dropping = 0;
    let apiOn = true;
    const now = () => Date.now() / 1000;
    const event = (model: ServiceModel, message: string) => model.events.unshift({ id: `event-${++eventCounter}`, createdAt: now(), message });
    const deployment = (taskDefinition: string, desired: number, script: RolloutScript, state: Deployment["rolloutState"] = "IN_PROGRESS"): Deployment => {
        const id = `ecs-svc/${++counter}`;
        return {
            id,
            status: "PRIMARY",
            taskDefinition,
            rolloutState: state,
            rolloutStateReason: state === "COMPLETED" ? `ECS deployment ${id} completed.` : `ECS deployment ${id} in progress.`,
            desiredCount: desired,
            runningCount: state === "COMPLETED" ? desired : 0,
            pendingCount: state === "COMPLETED" ? 0 : desired,
            failedTasks: 0,
            createdAt: now(),
            updatedAt: now(),
            left: script.polls ?? 0,
            outcome: script.outcome,
        };
    };
    const revisionOf = (svc: any, model: ServiceModel, taskDefinition: string): Revision => {
        const clusterName = String(svc.clusterArn ?? "")
            .split("/")
            .pop();
        const base = String(svc.serviceArn).split(":service/")[0];
        const revision: Revision = {
            arn: `${base}:service-revision/${clusterName}/${svc.serviceName}/${++model.revisions}`,
            serviceArn: svc.serviceArn,
            clusterArn: svc.clusterArn,
            taskDefinition,
            createdAt: now(),
        };
        revisions.set(revision.arn, revision);
        return revision;
    };
    /** The model of a service moto knows, seeded from moto's own answer the first time it is seen. */
    const modelOf = (svc: any): ServiceModel => {
        const key = svc.serviceArn as string;
        let model = services.get(key);
        if (!model) {
            const created: ServiceModel = { deployments: [], events: [], configuration: svc.deploymentConfiguration, revisions: 0 };
            created.deployments = (svc.deployments ?? []).map((d: any) => ({
                ...d,
                left: 0,
                outcome: "complete",
                failedTasks: d.failedTasks ?? 0,
                revision: revisionOf(svc, created, d.taskDefinition),
            }));
            model = created;
            services.set(key, model);
        }
        return model;
    };

    // The DescribeServices view's moves, as ECS shows them: a deployment completing (the old ones
    // drained), failing (the circuit breaker), and the circuit breaker's rollback.
    const completeView = (svc: any, model: ServiceModel, d: Deployment) => {
        Object.assign(d, {
            rolloutState: "COMPLETED",
            rolloutStateReason: `ECS deployment ${d.id} completed.`,
            runningCount: d.desiredCount,
            pendingCount: 0,
            updatedAt: now(),
        });
        model.deployments = model.deployments.filter((x) => x === d); // the old ones drained
        event(model, `(service ${svc.serviceName}) (deployment ${d.id}) deployment completed.`);
        event(model, `(service ${svc.serviceName}) has reached a steady state.`);
    };
    /** Marks `d` FAILED; with `rollback`, starts the circuit breaker's rollback to the previous deployment. Returns the rollback's deployment. */
    const failView = (svc: any, model: ServiceModel, d: Deployment, rollback: boolean): Deployment | undefined => {
        Object.assign(d, {
            rolloutState: "FAILED",
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
            failedTasks: 2,
            runningCount: 0,
            pendingCount: 0,
            updatedAt: now(),
        });
        event(model, `(service ${svc.serviceName}) (deployment ${d.id}) deployment failed: tasks failed to start.`);
        if (!rollback) return undefined;
        const previous = model.deployments.find((x) => x !== d);
        if (!previous) return undefined;
        // The circuit breaker's rollback: a new deployment of the previous task definition, and ours drained.
        const back = deployment(previous.taskDefinition, d.desiredCount, { outcome: "complete" }, "COMPLETED");
        back.revision = previous.revision;
        event(model, `(service ${svc.serviceName}) rolling back to deployment ${back.id}.`);
        model.deployments = [back];
        svc.taskDefinition = back.taskDefinition;
        return back;
    };
    /** The rollout of a deployment without a service deployment to play it (seeded, superseded): the script alone. */
    const scriptStep = (svc: any, model: ServiceModel, d: Deployment) => {
        if (d.rolloutState !== "IN_PROGRESS" || d.outcome === "hang" || d.managed) return;
        if (d.left > 0) {
            d.left--;
            return;
        }
        if (d.outcome === "complete") completeView(svc, model, d);
        else failView(svc, model, d, d.outcome !== "fail");
    };

    // The service deployment's moves.
    const touch = (sd: ServiceDeploymentState) => (sd.updatedAt = now());
    const finished = (sd: ServiceDeploymentState, status: ServiceDeploymentStatus, reason: string) => {
        Object.assign(sd, { status, statusReason: reason, finishedAt: now() });
        touch(sd);
    };
    const awaiting = (sd: ServiceDeploymentState) => sd.hooks.filter((h) => h.index === sd.index && h.status === "AWAITING_ACTION");
    /** Moves to `index`; a PAUSE hook on its stage starts waiting there. */
    const enter = (sd: ServiceDeploymentState, index: number) => {
        sd.index = index;
        touch(sd);
        const step = sd.plan[index];
        if (step.bake || sd.hooks.some((h) => h.index === index)) return;
        for (const hook of sd.configuration?.lifecycleHooks ?? []) {
            if (hook?.targetType !== "PAUSE" || !(hook.lifecycleStages ?? []).includes(step.stage)) continue;
            sd.hooks.push({
                hookId: `ecs-pause-${crypto.randomBytes(8).toString("hex")}`,
                index,
                stage: step.stage,
                status: "AWAITING_ACTION",
                expiresAt: now() + 60 * (hook.timeoutConfiguration?.timeoutInMinutes ?? 1440),
                timeoutAction: hook.timeoutConfiguration?.action === "CONTINUE" ? "CONTINUE" : "ROLLBACK",
                actions: [],
                expire: false,
            });
        }
    };
    const moveOn = (sd: ServiceDeploymentState) => {
        // A rolling deployment without hooks only shows its stages: it stays in SCALE_UP until its outcome.
        const last = sd.plan.length - (sd.walks ? 1 : 2);
        if (sd.index < last) enter(sd, sd.index + 1);
    };
    const requestRollback = (sd: ServiceDeploymentState, reason: string) => {
        for (const hook of awaiting(sd)) hook.status = "FAILED";
        Object.assign(sd, {
            status: "ROLLBACK_REQUESTED",
            statusReason: reason,
            rollback: { reason, startedAt: now(), serviceRevisionArn: sd.sources[0]?.arn },
        });
        touch(sd);
    };
    const beginRollback = (svc: any, model: ServiceModel, sd: ServiceDeploymentState) => {
        const d = sd.deployment;
        const source = sd.sources[0];
        Object.assign(d, {
            rolloutState: "FAILED",
            rolloutStateReason: `ECS deployment ${d.id} rolled back: ${sd.statusReason}`,
            runningCount: 0,
            pendingCount: 0,
            updatedAt: now(),
        });
        event(model, `(service ${svc.serviceName}) (deployment ${d.id}) deployment failed: ${sd.statusReason}`);
        if (!source) {
            finished(sd, "ROLLBACK_FAILED", `${sd.statusReason} No previous service revision to roll back to.`);
            return;
        }
        d.status = "ACTIVE";
        const back = deployment(source.taskDefinition, d.desiredCount, { outcome: "complete" });
        Object.assign(back, { revision: source, managed: true });
        model.deployments.unshift(back);
        svc.taskDefinition = back.taskDefinition;
        event(model, `(service ${svc.serviceName}) rolling back to deployment ${back.id}.`);
        sd.status = "ROLLBACK_IN_PROGRESS";
        sd.rolledBack = true;
        touch(sd);
    };
    const endRollback = (svc: any, model: ServiceModel, sd: ServiceDeploymentState) => {
        const back = model.deployments.find((x) => x.managed && x.revision === sd.sources[0] && x.rolloutState === "IN_PROGRESS");
        if (back) {
            back.managed = false;
            completeView(svc, model, back);
        }
        finished(sd, "ROLLBACK_SUCCESSFUL", sd.statusReason);
    };
    const alarmFires = (sd: ServiceDeploymentState) => {
        const names: string[] = sd.configuration?.alarms?.alarmNames?.length ? sd.configuration.alarms.alarmNames : [DEFAULT_ALARM];
        sd.alarms = { status: "TRIGGERED", alarmNames: names, triggeredAlarmNames: [names[0]] };
        requestRollback(sd, `Service deployment rolled back because the alarm ${names[0]} was triggered.`);
    };
    const circuitBreakerFires = (svc: any, model: ServiceModel, sd: ServiceDeploymentState, rollback: boolean) => {
        const back = failView(svc, model, sd.deployment, rollback);
        sd.circuitBreaker = { ...sd.circuitBreaker, status: "TRIGGERED", failureCount: sd.circuitBreaker.threshold };
        if (!rollback) {
            finished(sd, "STOPPED", "Service deployment stopped because the circuit breaker threshold was exceeded.");
            return;
        }
        const reason = "Service deployment rolled back because the circuit breaker threshold was exceeded.";
        sd.rollback = { reason, startedAt: now(), serviceRevisionArn: back?.revision?.arn ?? sd.sources[0]?.arn };
        sd.rolledBack = back !== undefined;
        finished(sd, back ? "ROLLBACK_SUCCESSFUL" : "ROLLBACK_FAILED", reason);
    };
    const succeed = (svc: any, model: ServiceModel, sd: ServiceDeploymentState) => {
        completeView(svc, model, sd.deployment);
        sd.index = sd.plan.length - 1;
        if (sd.configuration?.earlySuccessCriteria?.enable) {
            sd.circuitBreaker = { ...sd.circuitBreaker, status: "MONITORING_COMPLETE" };
        }
        finished(sd, "SUCCESSFUL", `Service deployment ${sd.arn.split("/").pop()} completed.`);
    };
    /** One DescribeServices call's step of a service deployment. */
    const serviceStep = (svc: any, model: ServiceModel, sd: ServiceDeploymentState) => {
        const d = sd.deployment;
        if (sd.status === "ROLLBACK_REQUESTED") return beginRollback(svc, model, sd);
        if (sd.status === "ROLLBACK_IN_PROGRESS") return endRollback(svc, model, sd);
        if (sd.status === "STOP_REQUESTED") {
            Object.assign(d, { rolloutState: "FAILED", rolloutStateReason: `ECS deployment ${d.id} stopped.`, updatedAt: now() });
            event(model, `(service ${svc.serviceName}) (deployment ${d.id}) deployment stopped.`);
            finished(sd, "STOPPED", sd.statusReason);
            sd.stoppedAt = sd.finishedAt;
            return;
        }
        if (sd.status !== "IN_PROGRESS" || d.rolloutState !== "IN_PROGRESS" || d.outcome === "hang") return;
        const waiting = awaiting(sd);
        if (waiting.length > 0) {
            const expiring = waiting.filter((h) => h.expire);
            if (expiring.length === 0) return;
            for (const hook of expiring) hook.status = "TIMED_OUT";
            touch(sd);
            const rollback = expiring.find((h) => h.timeoutAction === "ROLLBACK");
            if (rollback) return requestRollback(sd, `Service deployment rolled back because the lifecycle hook ${rollback.hookId} timed out.`);
            if (awaiting(sd).length > 0) return;
        }
        const stage = sd.plan[sd.index].stage;
        const last = sd.index === sd.plan.length - 1;
        // Once due, the outcome stays due: "complete" and "alarm" may still have stages to walk to.
        sd.due ||= sd.atStage !== undefined ? stage === sd.atStage || last : d.left === 0;
        if (!sd.due) {
            if (sd.atStage === undefined) d.left--;
            return moveOn(sd);
        }
        if (d.outcome === "complete") {
            if (sd.walks && !last) return moveOn(sd);
            return succeed(svc, model, sd);
        }
        if (d.outcome === "alarm") {
            const shiftAhead = sd.plan.slice(sd.index).some((p) => p.stage === "PRODUCTION_TRAFFIC_SHIFT");
            if (stage !== "PRODUCTION_TRAFFIC_SHIFT" && shiftAhead) return moveOn(sd);
            return alarmFires(sd);
        }
        circuitBreakerFires(svc, model, sd, d.outcome === "rollback");
    };
    const advance = (svc: any, model: ServiceModel) => {
        for (const d of [...model.deployments]) {
            if (d.service && !FINISHED.has(d.service.status)) serviceStep(svc, model, d.service);
            else if (!d.service || d.service.status === "STOPPED") scriptStep(svc, model, d);
        }
        // A superseded deployment that completes drains the newer ones (the script's rollout, as before): their service deployments stop.
        for (const sd of serviceDeployments.values()) {
            if (sd.serviceArn !== svc.serviceArn || FINISHED.has(sd.status) || model.deployments.includes(sd.deployment)) continue;
            finished(sd, "STOPPED", "Service deployment stopped because an older deployment completed and replaced it.");
            sd.stoppedAt = sd.finishedAt;
        }
    };
    const render = (svc: any, model: ServiceModel) => {
        const primary = model.deployments.find((d) => d.status === "PRIMARY");
        if (primary) svc.taskDefinition = primary.taskDefinition;
        svc.deployments = model.deployments.map(({ left: _left, outcome: _outcome, revision: _revision, service: _service, managed: _managed, ...d }) => d);
        svc.events = model.events.map((e) => ({ ...e }));
        if (svc.deploymentConfiguration === undefined && model.configuration !== undefined) svc.deploymentConfiguration = model.configuration;
    };
    const startServiceDeployment = (svc: any, model: ServiceModel, d: Deployment, sources: Revision[], script: RolloutScript) => {
        const configuration = model.configuration ?? {};
        const clusterName =
            String(svc.clusterArn ?? "")
                .split("/")
                .pop() ?? "default";
        const base = String(svc.serviceArn).split(":service/")[0];
        const id = crypto.randomBytes(16).toString("base64url").slice(0, 22);
        const desired = d.desiredCount;
        const plan = deploymentPlan(configuration);
        const sd: ServiceDeploymentState = {
            arn: `${base}:service-deployment/${clusterName}/${svc.serviceName}/${id}`,
            serviceArn: svc.serviceArn,
            clusterArn: svc.clusterArn,
            serviceName: svc.serviceName,
            clusterName,
            sequence: ++sequence,
            deployment: d,
            target: d.revision!,
            sources,
            configuration,
            plan,
            walks: walksPlan(configuration),
            index: 0,
            atStage: script.atStage,
            due: false,
            status: "IN_PROGRESS",
            statusReason: "",
            hooks: [],
            stopTypes: [],
            rolledBack: false,
            circuitBreaker: {
                status: configuration.deploymentCircuitBreaker?.enable ? "MONITORING" : "DISABLED",
                failureCount: 0,
                threshold: Math.min(200, Math.max(3, Math.ceil(desired * 0.5))),
            },
            alarms: {
                status: configuration.alarms?.enable ? "MONITORING" : "DISABLED",
                alarmNames: configuration.alarms?.alarmNames ?? [],
                triggeredAlarmNames: [],
            },
            createdAt: now(),
            startedAt: now(),
            updatedAt: now(),
        };
        d.service = sd;
        serviceDeployments.set(sd.arn, sd);
        enter(sd, 0);
    };

    // The service-deployments API's answers.
    const weights = (sd: ServiceDeploymentState) => {
        const step = sd.plan[sd.index];
        if (sd.rolledBack) return { production: 0, test: 0 };
        if (sd.status === "SUCCESSFUL") return { production: 100, test: 0 };
        return { production: step.production, test: step.test };
    };
    const describeOne = (sd: ServiceDeploymentState) => {
        const d = sd.deployment;
        const w = weights(sd);
        const done = sd.status === "SUCCESSFUL";
        const lifecycleHookDetails = sd.hooks
            .filter((h) => h.index === sd.index)
            .map((h) => ({ hookId: h.hookId, targetType: "PAUSE", status: h.status, expiresAt: h.expiresAt, timeoutAction: h.timeoutAction }));
        return {
            serviceDeploymentArn: sd.arn,
            serviceArn: sd.serviceArn,
            clusterArn: sd.clusterArn,
            createdAt: sd.createdAt,
            startedAt: sd.startedAt,
            updatedAt: sd.updatedAt,
            ...(sd.finishedAt === undefined ? {} : { finishedAt: sd.finishedAt }),
            ...(sd.stoppedAt === undefined ? {} : { stoppedAt: sd.stoppedAt }),
            sourceServiceRevisions: sd.sources.map((r) => ({
                arn: r.arn,
                requestedTaskCount: done ? 0 : d.desiredCount,
                runningTaskCount: done ? 0 : d.desiredCount,
                pendingTaskCount: 0,
                requestedProductionTrafficWeight: 100 - w.production,
                requestedTestTrafficWeight: 100 - w.test,
            })),
            targetServiceRevision: {
                arn: sd.target.arn,
                requestedTaskCount: sd.rolledBack ? 0 : d.desiredCount,
                runningTaskCount: d.runningCount,
                pendingTaskCount: d.pendingCount,
                requestedProductionTrafficWeight: w.production,
                requestedTestTrafficWeight: w.test,
            },
            status: sd.status,
            ...(sd.statusReason ? { statusReason: sd.statusReason } : {}),
            lifecycleStage: sd.plan[sd.index].stage,
            ...(lifecycleHookDetails.length ? { lifecycleHookDetails } : {}),
            deploymentConfiguration: sd.configuration,
            ...(sd.rollback ? { rollback: { ...sd.rollback } } : {}),
            deploymentCircuitBreaker: { ...sd.circuitBreaker },
            alarms: { ...sd.alarms, alarmNames: [...sd.alarms.alarmNames], triggeredAlarmNames: [...sd.alarms.triggeredAlarmNames] },
        };
    };
    const containerDefinitionsOf = async (taskDefinition: string): Promise<any[] | undefined> => {
        if (!taskDefinitions.has(taskDefinition)) {
            // Registered before the proxy saw it: ask moto (unsigned; moto checks no signature unless it enforces IAM).
            const answer = await postToUpstream(upstream, "DescribeTaskDefinition", { taskDefinition });
            if (answer?.taskDefinition) taskDefinitions.set(taskDefinition, answer.taskDefinition.containerDefinitions ?? []);
        }
        return taskDefinitions.get(taskDefinition);
    };
    const describeRevision = async (r: Revision) => ({
        serviceRevisionArn: r.arn,
        serviceArn: r.serviceArn,
        clusterArn: r.clusterArn,
        taskDefinition: r.taskDefinition,
        launchType: "FARGATE",
        containerImages: ((await containerDefinitionsOf(r.taskDefinition)) ?? []).map((c) => {
            const digest = /@(sha256:[0-9a-f]{64})$/.exec(String(c.image ?? ""))?.[1];
            return { containerName: c.name, ...(digest ? { imageDigest: digest } : {}), image: c.image };
        }),
        guardDutyEnabled: false,
        createdAt: r.createdAt,
    });
    const nameOf = (value: unknown) =>
        String(value ?? "")
            .split("/")
            .pop();
    const answers: Record<string, (request: any) => object | Promise<object>> = {
        ListServiceDeployments(request) {
            const cluster = nameOf(request.cluster ?? "default");
            const service = nameOf(request.service);
            const statuses: string[] | undefined = request.status;
            const after = request.createdAt?.after;
            const before = request.createdAt?.before;
            const all = [...serviceDeployments.values()]
                .filter((sd) => sd.clusterName === cluster && sd.serviceName === service)
                .filter((sd) => !statuses?.length || statuses.includes(sd.status))
                .filter((sd) => (after === undefined || sd.createdAt >= after) && (before === undefined || sd.createdAt <= before))
                .sort((a, b) => b.sequence - a.sequence);
            const start = Number(request.nextToken ?? 0);
            const size = Math.min(100, Math.max(1, request.maxResults ?? 20));
            const page = all.slice(start, start + size);
            return {
                serviceDeployments: page.map((sd) => ({
                    serviceDeploymentArn: sd.arn,
                    serviceArn: sd.serviceArn,
                    clusterArn: sd.clusterArn,
                    startedAt: sd.startedAt,
                    createdAt: sd.createdAt,
                    ...(sd.finishedAt === undefined ? {} : { finishedAt: sd.finishedAt }),
                    targetServiceRevisionArn: sd.target.arn,
                    status: sd.status,
                    ...(sd.statusReason ? { statusReason: sd.statusReason } : {}),
                })),
                ...(start + size < all.length ? { nextToken: String(start + size) } : {}),
            };
        },
        DescribeServiceDeployments(request) {
            const arns: string[] = request.serviceDeploymentArns ?? [];
            return {
                serviceDeployments: arns.flatMap((arn) => (serviceDeployments.has(arn) ? [describeOne(serviceDeployments.get(arn)!)] : [])),
                failures: arns.filter((arn) => !serviceDeployments.has(arn)).map((arn) => ({ arn, reason: "MISSING" })),
            };
        },
        async DescribeServiceRevisions(request) {
            const arns: string[] = request.serviceRevisionArns ?? [];
            const found = arns.flatMap((arn) => (revisions.has(arn) ? [revisions.get(arn)!] : []));
            return {
                serviceRevisions: await Promise.all(found.map(describeRevision)),
                failures: arns.filter((arn) => !revisions.has(arn)).map((arn) => ({ arn, reason: "MISSING" })),
            };
        },
        ContinueServiceDeployment(request) {
            const call = { serviceDeploymentArn: request.serviceDeploymentArn, hookId: request.hookId, action: request.action };
            const refuse = (type: string, message: string) => {
                continues.push({ ...call, refused: type });
                return refusal(type, message);
            };
            if (request.action !== undefined && request.action !== "CONTINUE" && request.action !== "ROLLBACK") {
                return refuse("InvalidParameterException", `action must be CONTINUE or ROLLBACK, got ${request.action}.`);
            }
            const sd = serviceDeployments.get(request.serviceDeploymentArn);
            if (!sd) return refuse("ServiceDeploymentNotFoundException", `The service deployment ${request.serviceDeploymentArn} does not exist.`);
            const hook = sd.hooks.find((h) => h.hookId === request.hookId);
            if (!hook) return refuse("InvalidParameterException", `The lifecycle hook ${request.hookId} does not belong to service deployment ${sd.arn}.`);
            if (sd.status !== "IN_PROGRESS" || hook.status !== "AWAITING_ACTION") {
                return refuse(
                    "InvalidParameterException",
                    `The lifecycle hook ${hook.hookId} is not awaiting action (hook ${hook.status}, deployment ${sd.status}).`,
                );
            }
            continues.push(call);
            const action = request.action ?? "CONTINUE";
            hook.actions.push(action);
            if (action === "ROLLBACK") {
                hook.status = "FAILED";
                requestRollback(sd, `Service deployment rolled back by ContinueServiceDeployment (ROLLBACK) at lifecycle hook ${hook.hookId}.`);
            } else {
                hook.status = "SUCCEEDED";
                touch(sd);
            }
            return { serviceDeploymentArn: sd.arn };
        },
        StopServiceDeployment(request) {
            const sd = serviceDeployments.get(request.serviceDeploymentArn);
            if (!sd) return refusal("ServiceDeploymentNotFoundException", `The service deployment ${request.serviceDeploymentArn} does not exist.`);
            const stopType = request.stopType ?? "ROLLBACK";
            if (stopType !== "ROLLBACK" && stopType !== "ABORT")
                return refusal("InvalidParameterException", `stopType must be ABORT or ROLLBACK, got ${stopType}.`);
            sd.stopTypes.push(stopType);
            if (FINISHED.has(sd.status))
                return refusal(
                    "ConflictException",
                    `The service deployment ${sd.arn} is ${sd.status}: only a PENDING or IN_PROGRESS deployment can be stopped.`,
                );
            if (sd.status === "IN_PROGRESS" || sd.status === "PENDING") {
                if (stopType === "ABORT") {
                    Object.assign(sd, { status: "STOP_REQUESTED", statusReason: "Service deployment stopped by StopServiceDeployment (ABORT)." });
                    touch(sd);
                } else {
                    requestRollback(sd, "Service deployment rolled back by StopServiceDeployment (ROLLBACK).");
                }
            }
            return { serviceDeploymentArn: sd.arn };
        },
    };

    const proxy = await startMotoProxy(upstream, {
        beforeRequest(operation) {
            if (operation === "DescribeServices" && dropping > 0) {
                dropping--;
                throw new Error("dropped: the test's network blip"); // motoProxy destroys the socket
            }
        },
        answer(operation, request) {
            if (!apiOn || !SERVICE_DEPLOYMENT_OPERATIONS.has(operation)) return undefined;
            return answers[operation](request);
        },
        rewrite(operation, answer, request) {
            if (operation === "DescribeServices") {
                describes++;
                for (const svc of answer.services ?? []) {
                    const model = modelOf(svc);
                    advance(svc, model);
                    render(svc, model);
                }
            } else if ((operation === "RegisterTaskDefinition" || operation === "DescribeTaskDefinition") && answer.taskDefinition) {
                taskDefinitions.set(answer.taskDefinition.taskDefinitionArn, answer.taskDefinition.containerDefinitions ?? []);
            } else if ((operation === "UpdateService" || operation === "CreateService") && answer.service) {
                const svc = answer.service;
                const model = modelOf(operation === "CreateService" ? { ...svc, deployments: [] } : svc);
                // moto 5.2.5 drops CreateService's deploymentConfiguration: the request's is what ECS would keep.
                model.configuration = request?.deploymentConfiguration ?? svc.deploymentConfiguration ?? model.configuration;
                const primary = model.deployments.find((d) => d.status === "PRIMARY");
                if (primary?.taskDefinition !== svc.taskDefinition) {
                    const sources = [...new Set(model.deployments.map((d) => d.revision).filter((r): r is Revision => r !== undefined))];
                    for (const d of model.deployments) {
                        d.status = "ACTIVE";
                        d.managed = false;
                        const old = d.service;
                        if (old && !FINISHED.has(old.status)) {
                            for (const hook of awaiting(old)) hook.status = "FAILED";
                            finished(old, "STOPPED", "Service deployment stopped because a newer service deployment started.");
                            old.stoppedAt = old.finishedAt;
                        }
                    }
                    const script = queue.shift() ?? { outcome: "complete" };
                    const next = deployment(svc.taskDefinition, svc.desiredCount ?? 1, script);
                    next.revision = revisionOf(svc, model, svc.taskDefinition);
                    model.deployments.unshift(next);
                    startServiceDeployment(svc, model, next, sources, script);
                    event(model, `(service ${svc.serviceName}) has started 1 tasks: (task ${next.id.slice(8)}).`);
                }
                render(svc, model);
            }
            return answer;
        },
    });
    const snapshot = (sd: ServiceDeploymentState): ServiceDeploymentSnapshot => {
        const w = weights(sd);
        return {
            arn: sd.arn,
            service: sd.serviceName,
            strategy: strategyOf(sd.configuration),
            status: sd.status,
            statusReason: sd.statusReason,
            lifecycleStage: sd.plan[sd.index].stage,
            targetTaskDefinition: sd.target.taskDefinition,
            sourceTaskDefinitions: sd.sources.map((r) => r.taskDefinition),
            productionWeight: w.production,
            testWeight: w.test,
            hooks: sd.hooks.map((h) => ({ hookId: h.hookId, stage: h.stage, status: h.status, actions: [...h.actions], timeoutAction: h.timeoutAction })),
            stopTypes: [...sd.stopTypes],
            ...(sd.rollback ? { rollback: { reason: sd.rollback.reason, serviceRevisionArn: sd.rollback.serviceRevisionArn } } : {}),
            circuitBreaker: { ...sd.circuitBreaker },
            alarms: { ...sd.alarms, alarmNames: [...sd.alarms.alarmNames], triggeredAlarmNames: [...sd.alarms.triggeredAlarmNames] },
        };
    };
    return {
        ...proxy,
        script(...steps: RolloutScript[]) {
            queue = [...steps];
        },
        get describes() {
            return describes;
        },
        unavailable(requests: number) {
            dropping = requests;
        },
        finish(outcome: "complete" | "rollback") {
            for (const model of services.values()) {
                for (const d of model.deployments) {
                    if (d.rolloutState === "IN_PROGRESS" && d.outcome === "hang" && !d.managed) Object.assign(d, { outcome, left: 0 });
                }
            }
        },
        serviceDeploymentsApi(on: boolean) {
            apiOn = on;
        },
        expireHooks() {
            for (const sd of serviceDeployments.values()) for (const hook of awaiting(sd)) hook.expire = true;
        },
        serviceDeployments: () => [...serviceDeployments.values()].sort((a, b) => a.sequence - b.sequence).map(snapshot),
        get continues() {
            return [...continues];
        },
    };
}

/** A JSON 1.1 ECS request straight to moto, unsigned; undefined when moto refuses it. */
function postToUpstream(upstream: string, operation: string, body: object): Promise<any> {
    const url = new URL(upstream);
    const payload = JSON.stringify(body);
    return new Promise((resolve) => {
        const request = http.request(
            {
                hostname: url.hostname,
                port: url.port,
                path: "/",
                method: "POST",
                headers: {
                    "content-type": "application/x-amz-json-1.1",
                    "x-amz-target": `AmazonEC2ContainerServiceV20141113.${operation}`,
                    authorization: "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0",
                    "content-length": Buffer.byteLength(payload),
                },
            },
            (answer) => {
                const chunks: Buffer[] = [];
                answer.on("data", (c) => chunks.push(c));
                answer.on("end", () => {
                    try {
                        resolve(answer.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined);
                    } catch {
                        resolve(undefined);
                    }
                });
                answer.on("error", () => resolve(undefined));
            },
        );
        request.on("error", () => resolve(undefined));
        request.end(payload);
    });
}
