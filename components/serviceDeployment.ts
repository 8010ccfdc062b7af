// How DigestPinnedService's ECS service replaces tasks and rolls back, as the
// service's inputs: new tasks start before old ones stop; rolling has the
// circuit breaker, blue/green, linear and canary their traffic steps and bake
// time; all fail a deployment when a deployment alarm fires, and ECS then
// returns to the last completed one. A PAUSE hook stops a deployment at chosen
// stages until someone continues or rolls it back. And which inputs Pulumi
// leaves to ECS after creation. Pure.
import { shiftsTraffic } from "./deploymentStrategy";
import type { ResolvedDeployment, ResolvedServiceArgs } from "./serviceDefaults";

/** The arguments the deployment settings come from. */
export type DeploymentSettingsArgs = Pick<ResolvedServiceArgs, "deployment" | "autoscaling">;

/**
 * The service's deployment inputs. Rolling: the circuit breaker (rolling deployments only) returns to the last
 * completed deployment on failure. Blue/green, linear and canary: ECS keeps the old set for the bake time and returns
 * traffic to it when the new one fails. All: a deployment alarm that fires fails the deployment, and ECS rolls it back.
 */
export function deploymentSettings<T>(a: DeploymentSettingsArgs, alarmNames: T[]) {
    const shifting = shiftsTraffic(a.deployment.strategy);
    return {
        deploymentController: { type: "ECS" },
        deploymentConfiguration: deploymentConfiguration(a.deployment),
        // Start the new tasks before stopping old ones.
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: shifting ? undefined : { enable: true, rollback: true },
        alarms: { enable: true, rollback: true, alarmNames },
    };
}

/** `deploymentConfiguration` as @pulumi/aws 7.48 takes it (minutes as strings, percentages as numbers). */
export function deploymentConfiguration(deployment: ResolvedDeployment) {
    const lifecycleHooks = deployment.pause === undefined ? {} : { lifecycleHooks: [pauseHook(deployment.pause)] };
    switch (deployment.strategy) {
        case "ROLLING":
            return { strategy: "ROLLING", ...lifecycleHooks };
        case "BLUE_GREEN":
            return { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(deployment.bakeTimeMinutes), ...lifecycleHooks };
        case "LINEAR":
            return {
                strategy: "LINEAR",
                bakeTimeInMinutes: String(deployment.bakeTimeMinutes),
                linearConfiguration: {
                    stepPercent: deployment.linear.stepPercent,
                    stepBakeTimeInMinutes: String(deployment.linear.stepBakeTimeMinutes),
                },
                ...lifecycleHooks,
            };
        case "CANARY":
            return {
                strategy: "CANARY",
                bakeTimeInMinutes: String(deployment.bakeTimeMinutes),
                canaryConfiguration: {
                    canaryPercent: deployment.canary.percent,
                    canaryBakeTimeInMinutes: String(deployment.canary.bakeTimeMinutes),
                },
                ...lifecycleHooks,
            };
    }
}

/** The one PAUSE hook: ECS stops at each stage until `ContinueServiceDeployment`, or takes the timeout action. */
function pauseHook(pause: NonNullable<ResolvedDeployment["pause"]>) {
    return {
        targetType: "PAUSE",
        lifecycleStages: [...pause.stages],
        timeoutConfiguration: { timeoutInMinutes: String(pause.timeoutMinutes), action: pause.onTimeout },
    };
}

/**
 * Whether `pulumi up` waits for the service to settle. It does, so a failed rollout fails the update rather than
 * leaving state that names a digest ECS has already rolled back from; except with a PAUSE hook: a deployment stopped
 * at a hook is not steady until someone answers it, and the engine would sit in its wait until the hook timed out
 * (up to 14 days). There the driver follows the deployment itself (automation/aws/rollout.ts, by DescribeServices,
 * until `--wait-timeout` ends, exit 10); answering the hook and following by the service-deployments API are issue #27's
 * driver part, not built yet.
 */
export function waitsForSteadyState(a: DeploymentSettingsArgs): boolean {
    return a.deployment.pause === undefined;
}

/** The service inputs Pulumi must not set back on an update, because something else owns them after creation. */
export function ignoredServiceChanges(a: DeploymentSettingsArgs): string[] {
    return [
        // The scaler owns the task count; Pulumi would otherwise set it back on every update.
        ...(a.autoscaling === undefined ? [] : ["desiredCount"]),
        // ECS swaps the two target groups on every blue/green, linear or canary deployment; sending them back would undo it.
        ...(shiftsTraffic(a.deployment.strategy) ? ["loadBalancers"] : []),
    ];
}
