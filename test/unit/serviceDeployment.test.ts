// How the service replaces tasks and rolls back (components/serviceDeployment.ts),
// without mocks.
import * as assert from "assert";
import { deploymentSettings, ignoredServiceChanges } from "../../components/serviceDeployment";

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
});

describe("ignoredServiceChanges", () => {
    it("leaves the task count to the scaler and the target groups to blue/green, and nothing else", () => {
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "ROLLING" } }), []);
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "ROLLING" }, autoscaling: SCALING }), ["desiredCount"]);
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10 } }), ["loadBalancers"]);
        assert.deepStrictEqual(ignoredServiceChanges({ deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10 }, autoscaling: SCALING }), [
            "desiredCount",
            "loadBalancers",
        ]);
    });
});
