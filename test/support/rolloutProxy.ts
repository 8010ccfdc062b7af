// moto 5.2.5's UpdateService changes the service's `taskDefinition` but runs no rollout: its one
// deployment keeps the old task definition as PRIMARY, so a `verify` that follows PRIMARY (as it
// must, for circuit-breaker rollbacks) would see drift after every update. This proxy answers
// DescribeServices as ECS does once a rollout has completed: the PRIMARY deployment runs the
// service's task definition. Everything else is moto's real answer.
import { MotoProxy, startMotoProxy } from "./motoProxy";

export function startRolloutProxy(upstream: string): Promise<MotoProxy> {
    return startMotoProxy(upstream, {
        rewrite(operation, answer) {
            if (operation !== "DescribeServices") return answer;
            for (const service of answer.services ?? []) {
                const primary = (service.deployments ?? []).find((d: { status?: string }) => d.status === "PRIMARY");
                if (primary && primary.taskDefinition !== service.taskDefinition) {
                    primary.taskDefinition = service.taskDefinition;
                    primary.rolloutState = "COMPLETED";
                }
            }
            return answer;
        },
    });
}
