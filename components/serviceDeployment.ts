// How DigestPinnedService's ECS service replaces tasks and rolls back, as the
// service's inputs: new tasks start before old ones stop; rolling has the
// circuit breaker, blue/green its bake time; both fail a deployment when a
// deployment alarm fires, and ECS then returns to the last completed one. And
// which inputs Pulumi leaves to ECS after creation. Pure.
import type { ResolvedServiceArgs } from "./serviceDefaults";

/** The arguments the deployment settings come from. */
export type DeploymentSettingsArgs = Pick<ResolvedServiceArgs, "deployment" | "autoscaling">;

/**
 * The service's deployment inputs. Rolling: the circuit breaker (rolling deployments only) returns to the last
 * completed deployment on failure. Blue/green: ECS keeps the old set for the bake time and returns traffic to it
 * when the new one fails. Both: a deployment alarm that fires fails the deployment, and ECS rolls it back.
 */
export function deploymentSettings<T>(a: DeploymentSettingsArgs, alarmNames: T[]) {
    const blueGreen = a.deployment.strategy === "BLUE_GREEN" ? a.deployment : undefined;
    return {
        deploymentController: { type: "ECS" },
        deploymentConfiguration:
            blueGreen === undefined ? { strategy: "ROLLING" } : { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(blueGreen.bakeTimeMinutes) },
        // Start the new tasks before stopping old ones.
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: blueGreen === undefined ? { enable: true, rollback: true } : undefined,
        alarms: { enable: true, rollback: true, alarmNames },
    };
}

/** The service inputs Pulumi must not set back on an update, because something else owns them after creation. */
export function ignoredServiceChanges(a: DeploymentSettingsArgs): string[] {
    return [
        // The scaler owns the task count; Pulumi would otherwise set it back on every update.
        ...(a.autoscaling === undefined ? [] : ["desiredCount"]),
        // ECS swaps the two target groups on every blue/green deployment; sending them back would undo it.
        ...(a.deployment.strategy === "BLUE_GREEN" ? ["loadBalancers"] : []),
    ];
}
