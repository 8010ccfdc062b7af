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
import { MotoProxy, startMotoProxy } from "./motoProxy";

/** What ECS does with a new deployment: after `polls` DescribeServices calls it completes, fails and rolls back, fails, or never ends. */
export type RolloutScript = { readonly outcome: "complete" | "rollback" | "fail" | "hang"; readonly polls?: number };

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
}

interface ServiceModel {
    deployments: Deployment[];
    events: { id: string; createdAt: number; message: string }[];
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
}

export async function startEcsRolloutProxy(upstream: string): Promise<EcsRolloutProxy> {
    const services = new Map<string, ServiceModel>();
    let queue: RolloutScript[] = [];
    let counter = 1000;
    let eventCounter = 0;
    let describes = 0;
    let dropping = 0;
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
    /** The model of a service moto knows, seeded from moto's own answer the first time it is seen. */
    const modelOf = (svc: any): ServiceModel => {
        const key = svc.serviceArn as string;
        let model = services.get(key);
        if (!model) {
            model = {
                deployments: (svc.deployments ?? []).map((d: any) => ({ ...d, left: 0, outcome: "complete", failedTasks: d.failedTasks ?? 0 })),
                events: [],
            };
            services.set(key, model);
        }
        return model;
    };
    const advance = (svc: any, model: ServiceModel) => {
        for (const d of [...model.deployments]) {
            if (d.rolloutState !== "IN_PROGRESS" || d.outcome === "hang") continue;
            if (d.left > 0) {
                d.left--;
                continue;
            }
            const name = svc.serviceName;
            if (d.outcome === "complete") {
                Object.assign(d, {
                    rolloutState: "COMPLETED",
                    rolloutStateReason: `ECS deployment ${d.id} completed.`,
                    runningCount: d.desiredCount,
                    pendingCount: 0,
                    updatedAt: now(),
                });
                model.deployments = model.deployments.filter((x) => x === d); // the old ones drained
                event(model, `(service ${name}) (deployment ${d.id}) deployment completed.`);
                event(model, `(service ${name}) has reached a steady state.`);
                continue;
            }
            Object.assign(d, {
                rolloutState: "FAILED",
                rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
                failedTasks: 2,
                runningCount: 0,
                pendingCount: 0,
                updatedAt: now(),
            });
            event(model, `(service ${name}) (deployment ${d.id}) deployment failed: tasks failed to start.`);
            if (d.outcome === "fail") continue;
            const previous = model.deployments.find((x) => x !== d);
            if (!previous) continue;
            // The circuit breaker's rollback: a new deployment of the previous task definition, and ours drained.
            const back = deployment(previous.taskDefinition, d.desiredCount, { outcome: "complete" }, "COMPLETED");
            event(model, `(service ${name}) rolling back to deployment ${back.id}.`);
            model.deployments = [back];
            svc.taskDefinition = back.taskDefinition;
        }
    };
    const render = (svc: any, model: ServiceModel) => {
        const primary = model.deployments.find((d) => d.status === "PRIMARY");
        if (primary) svc.taskDefinition = primary.taskDefinition;
        svc.deployments = model.deployments.map(({ left: _left, outcome: _outcome, ...d }) => d);
        svc.events = model.events.map((e) => ({ ...e }));
    };
    const proxy = await startMotoProxy(upstream, {
        beforeRequest(operation) {
            if (operation === "DescribeServices" && dropping > 0) {
                dropping--;
                throw new Error("dropped: the test's network blip"); // motoProxy destroys the socket
            }
        },
        rewrite(operation, answer) {
            if (operation === "DescribeServices") {
                describes++;
                for (const svc of answer.services ?? []) {
                    const model = modelOf(svc);
                    advance(svc, model);
                    render(svc, model);
                }
            } else if ((operation === "UpdateService" || operation === "CreateService") && answer.service) {
                const svc = answer.service;
                const model = modelOf(operation === "CreateService" ? { ...svc, deployments: [] } : svc);
                const primary = model.deployments.find((d) => d.status === "PRIMARY");
                if (primary?.taskDefinition !== svc.taskDefinition) {
                    for (const d of model.deployments) d.status = "ACTIVE";
                    const next = deployment(svc.taskDefinition, svc.desiredCount ?? 1, queue.shift() ?? { outcome: "complete" });
                    model.deployments.unshift(next);
                    event(model, `(service ${svc.serviceName}) has started 1 tasks: (task ${next.id.slice(8)}).`);
                }
                render(svc, model);
            }
            return answer;
        },
    });
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
                    if (d.rolloutState === "IN_PROGRESS" && d.outcome === "hang") Object.assign(d, { outcome, left: 0 });
                }
            }
        },
    };
}
