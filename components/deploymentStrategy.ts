// The four ECS deployment strategies and the stages a PAUSE lifecycle hook may
// wait at, once, as ECS spells them: the argument types, the checks, the
// service inputs and the docs derive from these tables. Pure.
//
// Sources: the ECS API reference (DeploymentConfiguration, LinearConfiguration,
// CanaryConfiguration, DeploymentLifecycleHook, DeploymentLifecycleHookTimeoutConfiguration)
// and the developer guide's "Pause hooks for Amazon ECS service deployments".

/** `ROLLING` replaces tasks in place; the other three start a new set behind a second target group and move traffic to it. */
export const DEPLOYMENT_STRATEGIES = ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/** The strategies that move traffic between two target groups (the load balancer's rules, a second group, ECS's role). */
export type TrafficShiftingStrategy = Exclude<DeploymentStrategy, "ROLLING">;

/** True for `BLUE_GREEN`, `LINEAR` and `CANARY`: they need the second target group, the weighted rules and the role. */
export function shiftsTraffic(strategy: DeploymentStrategy): strategy is TrafficShiftingStrategy {
    return strategy !== "ROLLING";
}

/** `BLUE_GREEN`, `LINEAR` and `CANARY`, in the table's order. */
export const TRAFFIC_SHIFTING_STRATEGIES: readonly TrafficShiftingStrategy[] = DEPLOYMENT_STRATEGIES.filter(shiftsTraffic);

/** The strategies each of `deployment`'s own settings applies to; with any other strategy the setting is refused. */
export const SETTING_STRATEGIES: Readonly<Record<"bakeTimeMinutes" | "testListener" | "linear" | "canary", readonly DeploymentStrategy[]>> = {
    bakeTimeMinutes: TRAFFIC_SHIFTING_STRATEGIES,
    testListener: TRAFFIC_SHIFTING_STRATEGIES,
    linear: ["LINEAR"],
    canary: ["CANARY"],
};

/**
 * The stages a PAUSE hook may wait at, in the order a deployment passes them. ECS also has `TEST_TRAFFIC_SHIFT`
 * and `PRODUCTION_TRAFFIC_SHIFT`, which take Lambda hooks only (API reference, DeploymentLifecycleHook:
 * "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages").
 * `trafficShift`: the stage belongs to a traffic shift, which a rolling deployment does not have.
 */
export const PAUSE_STAGES = [
    { stage: "RECONCILE_SERVICE", trafficShift: false },
    { stage: "PRE_SCALE_UP", trafficShift: false },
    { stage: "POST_SCALE_UP", trafficShift: false },
    { stage: "POST_TEST_TRAFFIC_SHIFT", trafficShift: true },
    // Before every traffic step of LINEAR and CANARY (and the one of BLUE_GREEN): where a canary waits for a person.
    { stage: "PRE_PRODUCTION_TRAFFIC_SHIFT", trafficShift: true },
    { stage: "POST_PRODUCTION_TRAFFIC_SHIFT", trafficShift: true },
] as const;
export type PauseStage = (typeof PAUSE_STAGES)[number]["stage"];

/** Stages ECS has whose hooks may only be Lambda functions. */
export const LAMBDA_ONLY_STAGES = ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"] as const;

/** What ECS does when a PAUSE hook is neither continued nor rolled back in time. */
export const PAUSE_TIMEOUT_ACTIONS = ["ROLLBACK", "CONTINUE"] as const;
export type PauseTimeoutAction = (typeof PAUSE_TIMEOUT_ACTIONS)[number];

/** ECS's ranges (API reference). Percentages are multiples of 0.1. */
export const DEPLOYMENT_LIMITS = {
    bakeTimeMinutes: { min: 0, max: 1440 },
    linearStepPercent: { min: 3, max: 100 },
    canaryPercent: { min: 0.1, max: 100 },
    pauseTimeoutMinutes: { min: 1, max: 20160 },
} as const;
