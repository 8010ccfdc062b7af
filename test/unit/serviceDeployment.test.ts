// How the service replaces tasks and rolls back (components/serviceDeployment.ts),
// without mocks.
import * as assert from "assert";
import { deploymentSettings, ignoredServiceChanges, waitsForSteadyState } from "../../components/serviceDeployment";

const SCALING = { minCount: 2, maxCount: 4, cpuTargetPercent: 60, requestsPerTarget: false as const, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 };

describe("deploymentSettings", () => {
    it("rolling: new tasks first, the circuit breaker and the alarms both roll back", () => {
        assert.deepStrictEqual(deploymentSettings({ deployment: { strategy: "ROLLING" } }, ["a-5xx", "a-hosts"]), {
            deploymentController: { type: "ECS" },
            deploymentConfiguration: { strategy: "ROLLING" },
            deploymentMinimumHealthyPercent: 100,
            deploymentMaximumPercent: 200,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            alarms: { enable: true, rollback: true, alarmNames: ["a-5xx", "a-hosts"] },
        });
    });

    it("blue/green: ECS's native strategy with its bake time, no circuit breaker (rolling only), the alarms roll back", () => {
        const settings = deploymentSettings({ deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 15 } }, ["a-5xx"]);
        assert.deepStrictEqual(settings.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "15" });
        assert.strictEqual(settings.deploymentCircuitBreaker, undefined);
        assert.deepStrictEqual(settings.alarms, { enable: true, rollback: true, alarmNames: ["a-5xx"] });
        assert.deepStrictEqual(settings.deploymentController, { type: "ECS" });
    });

    it("linear: the step and its wait in `linearConfiguration`, minutes as the provider's strings, no circuit breaker", () => {
        const settings = deploymentSettings({ deployment: { strategy: "LINEAR", bakeTimeMinutes: 5, linear: { stepPercent: 12.5, stepBakeTimeMinutes: 3 } } }, [
            "a-5xx",
        ]);
        assert.deepStrictEqual(settings.deploymentConfiguration, {
            strategy: "LINEAR",
            bakeTimeInMinutes: "5",
            linearConfiguration: { stepPercent: 12.5, stepBakeTimeInMinutes: "3" },
        });
        assert.strictEqual(settings.deploymentCircuitBreaker, undefined);
        assert.deepStrictEqual(settings.alarms, { enable: true, rollback: true, alarmNames: ["a-5xx"] });
    });

    it("canary: the share and its wait in `canaryConfiguration`, no circuit breaker", () => {
        const settings = deploymentSettings({ deployment: { strategy: "CANARY", bakeTimeMinutes: 0, canary: { percent: 0.5, bakeTimeMinutes: 30 } } }, []);
        assert.deepStrictEqual(settings.deploymentConfiguration, {
            strategy: "CANARY",
            bakeTimeInMinutes: "0",
            canaryConfiguration: { canaryPercent: 0.5, canaryBakeTimeInMinutes: "30" },
        });
        assert.strictEqual(settings.deploymentCircuitBreaker, undefined);
    });

    it("a pause: one PAUSE lifecycle hook at the stages, with its timeout and action, beside any strategy's settings", () => {
        const pause = { stages: ["PRE_SCALE_UP" as const, "POST_SCALE_UP" as const], timeoutMinutes: 90, onTimeout: "CONTINUE" as const };
        const hook = {
            targetType: "PAUSE",
            lifecycleStages: ["PRE_SCALE_UP", "POST_SCALE_UP"],
            timeoutConfiguration: { timeoutInMinutes: "90", action: "CONTINUE" },
        };
        const rolling = deploymentSettings({ deployment: { strategy: "ROLLING", pause } }, []);
        assert.deepStrictEqual(rolling.deploymentConfiguration, { strategy: "ROLLING", lifecycleHooks: [hook] });
        assert.deepStrictEqual(rolling.deploymentCircuitBreaker, { enable: true, rollback: true });
        const canary = deploymentSettings({ deployment: { strategy: "CANARY", bakeTimeMinutes: 10, canary: { percent: 5, bakeTimeMinutes: 10 }, pause } }, []);
        assert.deepStrictEqual(canary.deploymentConfiguration, {
            strategy: "CANARY",
            bakeTimeInMinutes: "10",
            canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: "10" },
            lifecycleHooks: [hook],
        });
    });
});

describe("waitsForSteadyState", () => {
    it("waits unless a PAUSE hook would hold the deployment until someone answers it", () => {
        assert.strictEqual(waitsForSteadyState({ deployment: { strategy: "ROLLING" } }), true);
        assert.strictEqual(
            waitsForSteadyState({ deployment: { strategy: "LINEAR", bakeTimeMinutes: 10, linear: { stepPercent: 10, stepBakeTimeMinutes: 6 } } }),
            true,
        );
        const pause = { stages: ["POST_SCALE_UP" as const], timeoutMinutes: 1440, onTimeout: "ROLLBACK" as const };
        assert.strictEqual(waitsForSteadyState({ deployment: { strategy: "ROLLING", pause } }), false);
        assert.strictEqual(waitsForSteadyState({ deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10, pause } }), false);
    });
});

describe("ignoredServiceChanges", () => {
    it("leaves the task count to the scaler and the target groups to blue/green, linear and canary, and nothing else", () => {
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "ROLLING" } }), []);
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "ROLLING" }, autoscaling: SCALING }), ["desiredCount"]);
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10 } }), ["loadBalancers"]);
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10 }, autoscaling: SCALING }), [
            "desiredCount",
            "loadBalancers",
        ]);
        assert.deepStrictEqual(
            ignoredServiceChanges({ deployment: { strategy: "LINEAR", bakeTimeMinutes: 10, linear: { stepPercent: 10, stepBakeTimeMinutes: 6 } } }),
            ["loadBalancers"],
        );
        assert.deepStrictEqual(
            ignoredServiceChanges({ deployment: { strategy: "CANARY", bakeTimeMinutes: 10, canary: { percent: 5, bakeTimeMinutes: 10 } } }),
            ["loadBalancers"],
        );
    });
});
