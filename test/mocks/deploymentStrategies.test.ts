// The four deployment strategies under mocks, each with and without a PAUSE
// hook: what DigestPinnedService gives the ECS service (strategy, its
// configuration block, lifecycle hooks, steady-state wait, circuit breaker)
// and which load-balancing children it has. LINEAR and CANARY move traffic as
// blue/green does, so they must build exactly blue/green's children (second
// target group, weighted rules, ECS's role) with the same inputs, and differ
// only in `deploymentConfiguration`. The checks, which are pure, are in
// test/unit/digestPinnedServiceProblems.test.ts.
import * as assert from "assert";
import { DigestPinnedService, DigestPinnedServiceArgs } from "../../components/digestPinnedService";
import type { DeploymentArgs } from "../../components/digestPinnedServiceArgs";
import { ImageDigestRef } from "../../components/imageReference";
import { Evaluation, RecordedResource, runUnderMocks } from "../../testkit/evaluateUnderMocks";

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:${"d".repeat(64)}` as ImageDigestRef;
const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const LB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012";
const TEST_TRAFFIC = { allowedCidrs: ["203.0.113.0/24"] };

function build(
    deployment: DeploymentArgs | undefined,
    extra: Partial<DigestPinnedServiceArgs> = {},
    onResource?: (resource: RecordedResource) => void,
): Promise<Evaluation> {
    return runUnderMocks({
        stack: "test",
        config: { "aws:region": "eu-west-1" },
        onResource,
        program: () => {
            const service = new DigestPinnedService("svc", { image: IMAGE, repositoryArn: REPO_ARN, httpOnly: true, deployment, ...extra });
            return { loadBalancerRoleArn: service.loadBalancerRoleArn, testListenerUrl: service.testListenerUrl };
        },
    });
}

function named(evaluation: Evaluation, name: string): RecordedResource {
    const found = evaluation.resources.filter((r) => r.name === name);
    assert.strictEqual(found.length, 1, `expected one resource named ${name}, found ${found.length}`);
    return found[0];
}

/** Every resource but the ECS service, by name, with its type, inputs and ignored changes. */
function allButService(evaluation: Evaluation): Record<string, unknown> {
    return Object.fromEntries(
        evaluation.resources.filter((r) => r.name !== "svc-service").map((r) => [r.name, { type: r.type, inputs: r.inputs, ignoreChanges: r.ignoreChanges }]),
    );
}

const PAUSE = { stages: ["PRE_SCALE_UP" as const], timeoutMinutes: 45 };
const PAUSE_HOOK = { targetType: "PAUSE", lifecycleStages: ["PRE_SCALE_UP"], timeoutConfiguration: { timeoutInMinutes: "45", action: "ROLLBACK" } };

describe("deployment strategies under mocks", () => {
    describe("ROLLING, as before", () => {
        it("one target group, no rules, no role; the circuit breaker, no hooks, the steady-state wait", async () => {
            const evaluation = await build(undefined);
            const service = named(evaluation, "svc-service");
            assert.deepStrictEqual(service.inputs.deploymentConfiguration, { strategy: "ROLLING" });
            assert.deepStrictEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.strictEqual(service.inputs.waitForSteadyState, true);
            assert.deepStrictEqual(service.inputs.loadBalancers, [
                { targetGroupArn: `${LB}:targetgroup/svc-tg/0123456789abcdef`, containerName: "app", containerPort: 8080 },
            ]);
            assert.deepStrictEqual(
                evaluation.resources
                    .filter((r) => r.type.startsWith("aws:lb/"))
                    .map((r) => r.name)
                    .sort(),
                ["svc-http", "svc-lb", "svc-tg"],
            );
            assert.strictEqual(
                evaluation.resources.some((r) => r.name === "svc-lb-role"),
                false,
            );
            assert.strictEqual(evaluation.outputs.loadBalancerRoleArn, undefined);
            // No test listener, so nothing for a smoke test to reach before production traffic.
            assert.strictEqual(evaluation.outputs.testListenerUrl, undefined);
        });

        it("an explicit ROLLING renders exactly what the default does", async () => {
            const byDefault = await build(undefined);
            const explicit = await build({ strategy: "ROLLING" });
            assert.deepStrictEqual(explicit.resources, byDefault.resources);
        });

        it("with a pause: the PAUSE hook beside the circuit breaker, and no steady-state wait", async () => {
            const service = named(await build({ pause: PAUSE }), "svc-service");
            assert.deepStrictEqual(service.inputs.deploymentConfiguration, { strategy: "ROLLING", lifecycleHooks: [PAUSE_HOOK] });
            assert.deepStrictEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.strictEqual(service.inputs.waitForSteadyState, false);
        });
    });

    describe("BLUE_GREEN, as before", () => {
        it("its bake time, no hooks, the steady-state wait", async () => {
            const service = named(await build({ strategy: "BLUE_GREEN", bakeTimeMinutes: 15 }), "svc-service");
            assert.deepStrictEqual(service.inputs.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "15" });
            assert.strictEqual(service.inputs.waitForSteadyState, true);
        });

        it("with a pause after test traffic: the hook with ECS's default action, and no steady-state wait", async () => {
            const service = named(
                await build({ strategy: "BLUE_GREEN", testListener: TEST_TRAFFIC, pause: { stages: ["POST_TEST_TRAFFIC_SHIFT"], onTimeout: "CONTINUE" } }),
                "svc-service",
            );
            assert.deepStrictEqual(service.inputs.deploymentConfiguration, {
                strategy: "BLUE_GREEN",
                bakeTimeInMinutes: "10",
                lifecycleHooks: [
                    {
                        targetType: "PAUSE",
                        lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"],
                        timeoutConfiguration: { timeoutInMinutes: "1440", action: "CONTINUE" },
                    },
                ],
            });
            assert.strictEqual(service.inputs.waitForSteadyState, false);
        });
    });

    const shifting: Array<[string, DeploymentArgs, Record<string, unknown>]> = [
        [
            "LINEAR with ECS's default steps",
            { strategy: "LINEAR" },
            { strategy: "LINEAR", bakeTimeInMinutes: "10", linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: "6" } },
        ],
        [
            "LINEAR in quarter steps, no final bake",
            { strategy: "LINEAR", bakeTimeMinutes: 0, linear: { stepPercent: 25, stepBakeTimeMinutes: 2 } },
            { strategy: "LINEAR", bakeTimeInMinutes: "0", linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: "2" } },
        ],
        [
            "CANARY with ECS's defaults",
            { strategy: "CANARY" },
            { strategy: "CANARY", bakeTimeInMinutes: "10", canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: "10" } },
        ],
        [
            "CANARY at 0.5 percent for an hour",
            { strategy: "CANARY", bakeTimeMinutes: 30, canary: { percent: 0.5, bakeTimeMinutes: 60 } },
            { strategy: "CANARY", bakeTimeInMinutes: "30", canaryConfiguration: { canaryPercent: 0.5, canaryBakeTimeInMinutes: "60" } },
        ],
    ];
    for (const [title, deployment, configuration] of shifting) {
        describe(title, () => {
            it("builds blue/green's children with blue/green's inputs (two target groups, weighted rules, test listener, ECS's role)", async () => {
                // One program at a time: the mocks are process-wide.
                const blueGreen = await build({ strategy: "BLUE_GREEN", testListener: TEST_TRAFFIC });
                const evaluation = await build({ ...deployment, testListener: TEST_TRAFFIC });
                assert.deepStrictEqual(allButService(evaluation), allButService(blueGreen));
                for (const name of ["svc-tg-green", "svc-production-rule", "svc-test-rule", "svc-test", "svc-lb-role", "svc-lb-role-policy"]) {
                    named(evaluation, name);
                }
                assert.strictEqual(evaluation.outputs.loadBalancerRoleArn, "arn:aws:iam::123456789012:role/svc-lb-role");
            });

            it("exports the test listener's URL (the load balancer's, on the test port) for a smoke test, and none without a test listener", async () => {
                const withTestListener = await build({ ...deployment, testListener: TEST_TRAFFIC });
                assert.strictEqual(withTestListener.outputs.testListenerUrl, "http://svc-lb-1234567890.eu-west-1.elb.amazonaws.com:8080");
                const onAnotherPort = await build({ ...deployment, testListener: { ...TEST_TRAFFIC, port: 9000 } });
                assert.strictEqual(onAnotherPort.outputs.testListenerUrl, "http://svc-lb-1234567890.eu-west-1.elb.amazonaws.com:9000");
                const without = await build(deployment);
                assert.strictEqual(
                    without.resources.some((r) => r.name === "svc-test"),
                    false,
                );
                assert.strictEqual(without.outputs.testListenerUrl, undefined);
            });

            it("gives the service its strategy and configuration block, the second target group and rules, no circuit breaker, the steady-state wait", async () => {
                const service = named(await build({ ...deployment, testListener: TEST_TRAFFIC }), "svc-service");
                assert.deepStrictEqual(service.inputs.deploymentConfiguration, configuration);
                assert.strictEqual(service.inputs.deploymentCircuitBreaker, undefined);
                assert.deepStrictEqual(service.inputs.alarms, { enable: true, rollback: true, alarmNames: ["svc-target-5xx", "svc-unhealthy-hosts"] });
                assert.strictEqual(service.inputs.waitForSteadyState, true);
                assert.deepStrictEqual(service.inputs.loadBalancers, [
                    {
                        targetGroupArn: `${LB}:targetgroup/svc-tg/0123456789abcdef`,
                        containerName: "app",
                        containerPort: 8080,
                        advancedConfiguration: {
                            alternateTargetGroupArn: `${LB}:targetgroup/svc-tg-green/0123456789abcdef`,
                            productionListenerRule: `${LB}:listener-rule/app/lb/0123456789abcdef/svc-production-rule`,
                            testListenerRule: `${LB}:listener-rule/app/lb/0123456789abcdef/svc-test-rule`,
                            roleArn: "arn:aws:iam::123456789012:role/svc-lb-role",
                        },
                    },
                ]);
                assert.deepStrictEqual(service.ignoreChanges, ["loadBalancers"]);
            });

            it("with a pause before each production step: the PAUSE hook, and no steady-state wait", async () => {
                const pause = { stages: ["PRE_PRODUCTION_TRAFFIC_SHIFT" as const, "POST_PRODUCTION_TRAFFIC_SHIFT" as const], timeoutMinutes: 120 };
                const service = named(await build({ ...deployment, pause }), "svc-service");
                assert.deepStrictEqual(service.inputs.deploymentConfiguration, {
                    ...configuration,
                    lifecycleHooks: [
                        {
                            targetType: "PAUSE",
                            lifecycleStages: ["PRE_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"],
                            timeoutConfiguration: { timeoutInMinutes: "120", action: "ROLLBACK" },
                        },
                    ],
                });
                assert.strictEqual(service.inputs.waitForSteadyState, false);
            });
        });
    }

    it("refuses a canary outside ECS's range and a PAUSE hook at a Lambda-only stage before creating any child", async () => {
        const registered: RecordedResource[] = [];
        await assert.rejects(
            build({ strategy: "CANARY", canary: { percent: 0 }, pause: { stages: ["TEST_TRAFFIC_SHIFT" as "POST_TEST_TRAFFIC_SHIFT"] } }, {}, (r) =>
                registered.push(r),
            ),
            (err: Error) => {
                assert.strictEqual(
                    err.message,
                    "DigestPinnedService `svc`: " +
                        "`deployment.pause.stages[0]` is `TEST_TRAFFIC_SHIFT`, where ECS runs Lambda hooks only and refuses a PAUSE hook; pause just before or after it (`POST_SCALE_UP` or `POST_TEST_TRAFFIC_SHIFT`); " +
                        "`deployment.canary.percent` must be a percentage from 0.1 to 100 in steps of 0.1, got `0`",
                );
                return true;
            },
        );
        // The component itself registers (its `super`), then the checks refuse: no child.
        assert.deepStrictEqual(
            registered.map((r) => [r.type, r.name]),
            [["papyrus:aws:DigestPinnedService", "svc"]],
        );
    });
});
