// The fixture's `papyrus:fixtureDeploymentConfiguration` (testkit/fixture.ts's `fixtureDeploymentConfig`,
// the rollout harness's `deploymentConfiguration()`): the stand-in service sends it as ECS's
// `deploymentConfiguration` on CreateService and UpdateService, so the lifecycle proxy plays that
// strategy and its PAUSE hooks for a deploy the real engine made. Plain `up`s, no driver.
import * as assert from "assert";
import {
    ContinueServiceDeploymentCommand,
    DeploymentConfiguration,
    DescribeServiceDeploymentsCommand,
    DescribeServicesCommand,
    ListServiceDeploymentsCommand,
} from "@aws-sdk/client-ecs";
import { fixtureStack } from "../../testkit/fixture";
import { rolloutHarness } from "../../testkit/rolloutHarness";

const CANARY_WITH_PAUSE: DeploymentConfiguration = {
    strategy: "CANARY",
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
    lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 60, action: "ROLLBACK" } }],
};

describe("the fixture's deploymentConfiguration reaches ECS (real engine + moto + lifecycle proxy)", function () {
    this.timeout(300_000);
    const h = rolloutHarness(["v1.0.0", "v2.0.0"]);

    it("an `up` with a canary and a PAUSE hook configured: UpdateService carries it, and the proxy pauses the deployment at POST_TEST_TRAFFIC_SHIFT until CONTINUE", async () => {
        const stack = await fixtureStack(h.backend, "dev", h.engineEnv(), h.workDir);
        const up = async (tag: string) => {
            await stack.setAllConfig({ "papyrus:image": { value: h.image(h.pushed[tag]) }, "papyrus:imageTag": { value: tag } });
            await stack.up();
        };
        const service = async () => (await h.ecs.send(new DescribeServicesCommand({ cluster: "papyrus", services: ["api"] }))).services![0];
        await up("v1.0.0");
        await service(); // v1's rolling deployment completes
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        await up("v2.0.0");

        const configured = await service();
        assert.deepStrictEqual(configured.deploymentConfiguration?.canaryConfiguration, CANARY_WITH_PAUSE.canaryConfiguration);
        const [v1, v2] = h.proxy.serviceDeployments();
        assert.deepStrictEqual([v1.strategy, v1.status, v2.strategy], ["ROLLING", "SUCCESSFUL", "CANARY"]);
        const [latest] = (await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: "papyrus", service: "api" }))).serviceDeployments!;
        assert.strictEqual(latest.serviceDeploymentArn, v2.arn);
        for (let i = 0; i < 8; i++) await service();
        const [paused] = (await h.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [v2.arn] }))).serviceDeployments!;
        assert.deepStrictEqual([paused.lifecycleStage, paused.lifecycleHookDetails?.[0].status], ["POST_TEST_TRAFFIC_SHIFT", "AWAITING_ACTION"]);
        await h.ecs.send(
            new ContinueServiceDeploymentCommand({ serviceDeploymentArn: v2.arn, hookId: paused.lifecycleHookDetails![0].hookId, action: "CONTINUE" }),
        );
        for (let i = 0; i < 8; i++) await service();
        assert.strictEqual(h.proxy.serviceDeployments()[1].status, "SUCCESSFUL");
        assert.strictEqual((await service()).deployments![0].rolloutState, "COMPLETED");
    });
});
