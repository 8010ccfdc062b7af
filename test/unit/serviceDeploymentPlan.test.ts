// testkit/serviceDeploymentPlan.ts: the steps the lifecycle proxy walks for each strategy, without moto.
import * as assert from "assert";
import { deploymentPlan, walksPlan } from "../../testkit/serviceDeploymentPlan";

const stages = (configuration: any) => deploymentPlan(configuration).map((s) => (s.bake ? `${s.stage}(${s.bake})` : s.stage));
const production = (configuration: any) =>
    deploymentPlan(configuration)
        .filter((s) => s.stage === "PRODUCTION_TRAFFIC_SHIFT")
        .map((s) => s.production);
const pause = (stage: string) => ({ lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: [stage] }] });

describe("testkit/serviceDeploymentPlan.ts", () => {
    it("rolling: RECONCILE_SERVICE, SCALE_UP, CLEAN_UP; PRE/POST_SCALE_UP only when a PAUSE hook names them", () => {
        assert.deepStrictEqual(stages(undefined), ["RECONCILE_SERVICE", "SCALE_UP", "CLEAN_UP"]);
        assert.deepStrictEqual(stages({ strategy: "ROLLING", ...pause("POST_SCALE_UP") }), ["RECONCILE_SERVICE", "SCALE_UP", "POST_SCALE_UP", "CLEAN_UP"]);
        assert.deepStrictEqual(stages(pause("PRE_SCALE_UP")), ["RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "CLEAN_UP"]);
        // a Lambda hook is not played
        assert.deepStrictEqual(stages({ lifecycleHooks: [{ targetType: "AWS_LAMBDA", lifecycleStages: ["PRE_SCALE_UP"] }] }), [
            "RECONCILE_SERVICE",
            "SCALE_UP",
            "CLEAN_UP",
        ]);
    });

    it("blue/green: every stage, one production shift to 100, the deployment bake", () => {
        assert.deepStrictEqual(stages({ strategy: "BLUE_GREEN" }), [
            "RECONCILE_SERVICE",
            "PRE_SCALE_UP",
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME(deployment bake)",
            "CLEAN_UP",
        ]);
        assert.ok(!stages({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 0 }).includes("BAKE_TIME(deployment bake)"));
    });

    it("canary: canaryPercent (default 5), its bake unless 0 minutes, then 100", () => {
        assert.deepStrictEqual(production({ strategy: "CANARY" }), [5, 5, 100]);
        assert.deepStrictEqual(production({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 0 } }), [20, 100]);
        assert.deepStrictEqual(production({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 100 } }), [100]);
    });

    it("linear: stepPercent increments (default 10), each with its bake, no bake after 100", () => {
        assert.deepStrictEqual(production({ strategy: "LINEAR", linearConfiguration: { stepPercent: 33, stepBakeTimeInMinutes: 0 } }), [33, 66, 99, 100]);
        assert.deepStrictEqual(production({ strategy: "LINEAR" }).length, 9 * 2 + 1);
        assert.deepStrictEqual(production({ strategy: "LINEAR", linearConfiguration: { stepPercent: 50 } }), [50, 50, 100]);
    });

    it("PRE_PRODUCTION_TRAFFIC_SHIFT before each production shift only when a PAUSE hook names it, with the weight before the shift", () => {
        const plan = deploymentPlan({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10 }, ...pause("PRE_PRODUCTION_TRAFFIC_SHIFT") });
        assert.deepStrictEqual(
            plan.filter((s) => s.stage === "PRE_PRODUCTION_TRAFFIC_SHIFT").map((s) => s.production),
            [0, 10],
        );
        assert.ok(!stages({ strategy: "CANARY" }).includes("PRE_PRODUCTION_TRAFFIC_SHIFT"));
    });

    it("the test traffic weight is 100 from TEST_TRAFFIC_SHIFT until CLEAN_UP", () => {
        const plan = deploymentPlan({ strategy: "BLUE_GREEN" });
        assert.deepStrictEqual(
            plan.map((s) => s.test),
            [0, 0, 0, 0, 100, 100, 100, 100, 100, 0],
        );
    });

    it("walks its plan step by step with a traffic-shifting strategy or a PAUSE hook; a plain rolling deployment does not", () => {
        assert.deepStrictEqual(
            [walksPlan(undefined), walksPlan({ strategy: "ROLLING" }), walksPlan(pause("PRE_SCALE_UP")), walksPlan({ strategy: "LINEAR" })],
            [false, false, true, true],
        );
    });
});
