// The lifecycle stages an ECS service deployment passes, as testkit/ecsRollout.ts plays them: one
// step per DescribeServices call. Written from the AWS developer guide's pages on deployment
// lifecycle stages, blue/green, linear and canary deployments, and lifecycle hooks
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html,
// …/canary-deployment.html, …/linear-deployment.html, …/deployment-type-blue-green.html) and the
// API reference's DeploymentConfiguration, CanaryConfiguration and LinearConfiguration.
//
// Emulated time: every bake (the canary's, each linear step's, the deployment's `bakeTimeInMinutes`)
// is one step, however many minutes it was given; a bake of 0 minutes is no step.

/** One step of a deployment: the stage it shows and the traffic weights the target revision has then. */
export interface PlanStep {
    readonly stage: string;
    /** The target revision's `requestedProductionTrafficWeight` (the source revisions have the rest). */
    readonly production: number;
    /** The target revision's `requestedTestTrafficWeight`. */
    readonly test: number;
    /** Set on a bake step (no PAUSE hook fires there): what is baking. */
    readonly bake?: string;
}

export type Strategy = "ROLLING" | "BLUE_GREEN" | "CANARY" | "LINEAR";

/** The stages with a PAUSE hook in a deployment configuration (`lifecycleHooks[]` with `targetType: "PAUSE"`). */
export function pauseStages(configuration: any): Set<string> {
    const hooks: any[] = configuration?.lifecycleHooks ?? [];
    return new Set(hooks.filter((h) => h?.targetType === "PAUSE").flatMap((h) => h.lifecycleStages ?? []));
}

export function strategyOf(configuration: any): Strategy {
    const strategy = configuration?.strategy;
    return strategy === "BLUE_GREEN" || strategy === "CANARY" || strategy === "LINEAR" ? strategy : "ROLLING";
}

/** The production traffic weights a strategy shifts through, each with the bake after it (minutes). */
function shifts(strategy: Strategy, configuration: any): { weight: number; bakeMinutes: number; bake: string }[] {
    if (strategy === "CANARY") {
        // CanaryConfiguration: canaryPercent default 5.0, canaryBakeTimeInMinutes default 10.
        const percent = configuration?.canaryConfiguration?.canaryPercent ?? 5;
        const bake = configuration?.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10;
        return percent >= 100
            ? [{ weight: 100, bakeMinutes: 0, bake: "" }]
            : [
                  { weight: percent, bakeMinutes: bake, bake: "canary bake" },
                  { weight: 100, bakeMinutes: 0, bake: "" },
              ];
    }
    if (strategy === "LINEAR") {
        // LinearConfiguration: stepPercent default 10.0, stepBakeTimeInMinutes default 6, "not applied after reaching 100 percent".
        const step = configuration?.linearConfiguration?.stepPercent ?? 10;
        const bake = configuration?.linearConfiguration?.stepBakeTimeInMinutes ?? 6;
        const out: { weight: number; bakeMinutes: number; bake: string }[] = [];
        for (let weight = step; weight < 100; weight = Math.round((weight + step) * 10) / 10) out.push({ weight, bakeMinutes: bake, bake: "step bake" });
        out.push({ weight: 100, bakeMinutes: 0, bake: "" });
        return out;
    }
    return [{ weight: 100, bakeMinutes: 0, bake: "" }];
}

/**
 * The steps of a deployment with this configuration, the first shown when it starts.
 *
 * ROLLING: RECONCILE_SERVICE → SCALE_UP → CLEAN_UP, with PRE_SCALE_UP / POST_SCALE_UP only when a
 * PAUSE hook names them; no traffic weights (0 and 0 until CLEAN_UP, then 100).
 * BLUE_GREEN / CANARY / LINEAR: RECONCILE_SERVICE → PRE_SCALE_UP → SCALE_UP → POST_SCALE_UP →
 * TEST_TRAFFIC_SHIFT → POST_TEST_TRAFFIC_SHIFT → the PRODUCTION_TRAFFIC_SHIFT steps (blue/green 100;
 * canary canaryPercent, its bake, 100; linear stepPercent increments each followed by its bake) →
 * POST_PRODUCTION_TRAFFIC_SHIFT → BAKE_TIME → CLEAN_UP. PRE_PRODUCTION_TRAFFIC_SHIFT (a hook stage,
 * DeploymentLifecycleHookStage, but no value of ServiceDeploymentLifecycleStage) is a step before
 * each production shift only when a PAUSE hook names it (assumption: the reference lists no such
 * stage for a deployment to report otherwise).
 */
export function deploymentPlan(configuration: any): PlanStep[] {
    const strategy = strategyOf(configuration);
    const paused = pauseStages(configuration);
    if (strategy === "ROLLING") {
        const steps: PlanStep[] = [{ stage: "RECONCILE_SERVICE", production: 0, test: 0 }];
        if (paused.has("PRE_SCALE_UP")) steps.push({ stage: "PRE_SCALE_UP", production: 0, test: 0 });
        steps.push({ stage: "SCALE_UP", production: 0, test: 0 });
        if (paused.has("POST_SCALE_UP")) steps.push({ stage: "POST_SCALE_UP", production: 0, test: 0 });
        steps.push({ stage: "CLEAN_UP", production: 100, test: 0 });
        return steps;
    }
    const steps: PlanStep[] = [
        { stage: "RECONCILE_SERVICE", production: 0, test: 0 },
        { stage: "PRE_SCALE_UP", production: 0, test: 0 },
        { stage: "SCALE_UP", production: 0, test: 0 },
        { stage: "POST_SCALE_UP", production: 0, test: 0 },
        { stage: "TEST_TRAFFIC_SHIFT", production: 0, test: 100 },
        { stage: "POST_TEST_TRAFFIC_SHIFT", production: 0, test: 100 },
    ];
    let production = 0;
    for (const shift of shifts(strategy, configuration)) {
        if (paused.has("PRE_PRODUCTION_TRAFFIC_SHIFT")) steps.push({ stage: "PRE_PRODUCTION_TRAFFIC_SHIFT", production, test: 100 });
        production = shift.weight;
        steps.push({ stage: "PRODUCTION_TRAFFIC_SHIFT", production, test: 100 });
        if (shift.bakeMinutes > 0) steps.push({ stage: "PRODUCTION_TRAFFIC_SHIFT", production, test: 100, bake: shift.bake });
    }
    steps.push({ stage: "POST_PRODUCTION_TRAFFIC_SHIFT", production: 100, test: 100 });
    if ((configuration?.bakeTimeInMinutes ?? 1) > 0) steps.push({ stage: "BAKE_TIME", production: 100, test: 100, bake: "deployment bake" });
    steps.push({ stage: "CLEAN_UP", production: 100, test: 0 });
    return steps;
}

/** Whether the deployment walks its plan one step per poll (a traffic-shifting strategy, or PAUSE hooks to stop at). */
export function walksPlan(configuration: any): boolean {
    return strategyOf(configuration) !== "ROLLING" || pauseStages(configuration).size > 0;
}
