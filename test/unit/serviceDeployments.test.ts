// ECS's own record of a deployment (automation/aws/serviceDeployments.ts) and following it by ARN
// beside DescribeServices (automation/aws/rollout.ts), against a fake ECS client answering each
// command by name with the shapes of the ECS API reference.
import * as assert from "assert";
import { ECSClient, ServiceDeployment } from "@aws-sdk/client-ecs";
import { followRollout } from "../../automation/aws/rollout";
import { awaitingHook, describeStanding, factsOf, isFinished, withStage } from "../../automation/aws/serviceDeployments";

const OURS = "arn:aws:ecs:us-east-1:123456789012:task-definition/papyrus-dev:2";
const SD = "arn:aws:ecs:us-east-1:123456789012:service-deployment/papyrus/api/abc123";
const REV = "arn:aws:ecs:us-east-1:123456789012:service-revision/papyrus/api/2";
const OLD_REV = "arn:aws:ecs:us-east-1:123456789012:service-revision/papyrus/api/1";
const started = new Date("2026-12-07T10:00:00Z");

const hook = (status: string, targetType = "PAUSE") => ({
    hookId: "ecs-pause-1",
    targetType,
    status,
    expiresAt: new Date("2026-12-07T11:00:00Z"),
    timeoutAction: "ROLLBACK",
});
const sd = (extra: Partial<ServiceDeployment>): ServiceDeployment =>
    ({
        serviceDeploymentArn: SD,
        status: "IN_PROGRESS",
        lifecycleStage: "SCALE_UP",
        targetServiceRevision: { arn: REV, requestedTaskCount: 2, runningTaskCount: 1, requestedProductionTrafficWeight: 5, requestedTestTrafficWeight: 100 },
        sourceServiceRevisions: [{ arn: OLD_REV }],
        ...extra,
    }) as ServiceDeployment;

describe("ECS's record of a deployment", () => {
    it("finds the PAUSE hook that awaits an action, with the stage and the traffic on the new revision", () => {
        assert.deepStrictEqual(awaitingHook(sd({ lifecycleStage: "POST_TEST_TRAFFIC_SHIFT", lifecycleHookDetails: [hook("AWAITING_ACTION")] as never })), {
            hookId: "ecs-pause-1",
            stage: "POST_TEST_TRAFFIC_SHIFT",
            expiresAt: "2026-12-07T11:00:00.000Z",
            timeoutAction: "ROLLBACK",
            productionPercent: 5,
            testPercent: 100,
        });
        assert.strictEqual(awaitingHook(sd({ lifecycleHookDetails: [hook("SUCCEEDED")] as never })), undefined);
        assert.strictEqual(awaitingHook(sd({ lifecycleHookDetails: [hook("AWAITING_ACTION", "AWS_LAMBDA")] as never })), undefined);
    });

    it("keeps the rollback, the alarms that fired and the circuit breaker's count; a DISABLED watch is left out", () => {
        const facts = factsOf(
            sd({
                status: "ROLLBACK_SUCCESSFUL",
                statusReason: "alarm papyrus-5xx fired",
                rollback: { reason: "alarm papyrus-5xx fired", startedAt: new Date("2026-12-07T10:05:00Z"), serviceRevisionArn: OLD_REV },
                alarms: { status: "TRIGGERED", alarmNames: ["papyrus-5xx"], triggeredAlarmNames: ["papyrus-5xx"] },
                deploymentCircuitBreaker: { status: "DISABLED", failureCount: 0, threshold: 3 },
            }),
            [{ stage: "SCALE_UP", seenAt: "2026-12-07T10:01:00.000Z" }],
        );
        assert.deepStrictEqual(facts.rollback, { reason: "alarm papyrus-5xx fired", startedAt: "2026-12-07T10:05:00.000Z", toRevision: OLD_REV });
        assert.deepStrictEqual(facts.alarms, { status: "TRIGGERED", triggered: ["papyrus-5xx"] });
        assert.strictEqual(facts.circuitBreaker, undefined);
        assert.deepStrictEqual(facts.sourceRevisions, [OLD_REV]);
        assert.strictEqual(facts.earlySuccess, undefined);
    });

    it("says ECS ended a deployment early only when early success was on and it succeeded", () => {
        const config = { earlySuccessCriteria: { enable: true, healthyPercent: 100 } };
        assert.strictEqual(factsOf(sd({ status: "SUCCESSFUL", deploymentConfiguration: config }), []).earlySuccess, true);
        assert.strictEqual(factsOf(sd({ status: "ROLLBACK_SUCCESSFUL", deploymentConfiguration: config }), []).earlySuccess, undefined);
        assert.strictEqual(factsOf(sd({ status: "SUCCESSFUL" }), []).earlySuccess, undefined);
    });

    it("notes a stage once, when first seen", () => {
        const at = new Date("2026-12-07T10:02:00Z");
        const once = withStage([], "SCALE_UP", at);
        assert.deepStrictEqual(withStage(once, "SCALE_UP", new Date()), once);
        assert.deepStrictEqual(
            withStage(once, "BAKE_TIME", at).map((s) => s.stage),
            ["SCALE_UP", "BAKE_TIME"],
        );
        assert.deepStrictEqual(withStage(once, undefined, at), once);
    });

    it("knows which statuses end a deployment", () => {
        assert.deepStrictEqual(
            ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED", undefined].map(
                isFinished,
            ),
            [true, true, true, true, false, false, false, false],
        );
    });

    it("describes where it stands in one line", () => {
        assert.strictEqual(
            describeStanding(sd({ lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" })),
            "service deployment abc123: IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT, running 1/2, 5% of production traffic and 100% of test traffic on the new revision",
        );
    });
});

describe("following a rollout by ECS's record", () => {
    /** A fake ECS: DescribeServices shows ours rolling out; the service deployment goes through `states`, one per poll. */
    const fake = (states: Partial<ServiceDeployment>[], options: { unsupported?: boolean } = {}) => {
        const calls: string[] = [];
        let poll = -1;
        const client = {
            send: (command: { constructor: { name: string }; input: unknown }) => {
                const name = command.constructor.name.replace(/Command$/, "");
                calls.push(name);
                switch (name) {
                    case "DescribeServices": {
                        poll = Math.min(poll + 1, states.length - 1);
                        const done = states[poll].status === "SUCCESSFUL";
                        return Promise.resolve({
                            services: [
                                {
                                    serviceName: "api",
                                    deployments: [
                                        { id: "ecs-svc/2", status: "PRIMARY", taskDefinition: OURS, rolloutState: done ? "COMPLETED" : "IN_PROGRESS" },
                                    ],
                                },
                            ],
                        });
                    }
                    case "ListServiceDeployments":
                        if (options.unsupported) return Promise.reject(Object.assign(new Error("not implemented"), { name: "UnknownOperationException" }));
                        return Promise.resolve({ serviceDeployments: [{ serviceDeploymentArn: SD, targetServiceRevisionArn: REV, createdAt: started }] });
                    case "DescribeServiceRevisions":
                        return Promise.resolve({ serviceRevisions: [{ serviceRevisionArn: REV, taskDefinition: OURS }] });
                    case "DescribeServiceDeployments":
                        return Promise.resolve({ serviceDeployments: [sd(states[poll])] });
                    default:
                        return Promise.reject(new Error(`unexpected ${name}`));
                }
            },
        } as unknown as ECSClient;
        return { client, calls };
    };
    const follow = (client: ECSClient, extra: Partial<Parameters<typeof followRollout>[0]> = {}) => {
        const lines: string[] = [];
        const outcome = followRollout({
            ecs: client,
            cluster: "papyrus",
            service: "api",
            taskDefinitionArn: OURS,
            before: new Set(["ecs-svc/1"]),
            startedAt: started,
            waitMs: 5_000,
            pollMs: 1,
            progressMs: 0,
            onProgress: (l) => lines.push(l),
            ...extra,
        });
        return { outcome, lines };
    };

    it("calls the hook handler once per poll at a PAUSE hook, and ends COMPLETED with the stages ECS passed", async () => {
        const { client } = fake([
            { lifecycleStage: "SCALE_UP" },
            { lifecycleStage: "POST_TEST_TRAFFIC_SHIFT", lifecycleHookDetails: [hook("AWAITING_ACTION")] as never },
            { lifecycleStage: "POST_TEST_TRAFFIC_SHIFT", lifecycleHookDetails: [hook("AWAITING_ACTION")] as never },
            { lifecycleStage: "BAKE_TIME", lifecycleHookDetails: [hook("SUCCEEDED")] as never },
            { status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP" },
        ]);
        const hooks: string[] = [];
        const { outcome, lines } = follow(client, { onHook: async (h, arn) => void hooks.push(`${h.stage} ${arn}`) });
        const result = await outcome;
        assert.strictEqual(result.state, "COMPLETED");
        assert.deepStrictEqual(hooks, [`POST_TEST_TRAFFIC_SHIFT ${SD}`, `POST_TEST_TRAFFIC_SHIFT ${SD}`]);
        assert.deepStrictEqual(
            result.serviceDeployment?.stages.map((s) => s.stage),
            ["SCALE_UP", "POST_TEST_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"],
        );
        assert.strictEqual(result.serviceDeployment?.status, "SUCCESSFUL");
        assert.strictEqual(result.awaiting, undefined);
        // One standing line per change, not per poll.
        assert.strictEqual(lines.filter((l) => l.includes("POST_TEST_TRAFFIC_SHIFT")).length, 1, lines.join("\n"));
    });

    it("ends FAILED with ECS's reason when ECS's record says ROLLBACK_SUCCESSFUL, though DescribeServices still shows ours", async () => {
        const { client } = fake([{ lifecycleStage: "SCALE_UP" }, { status: "ROLLBACK_SUCCESSFUL", statusReason: "circuit breaker: 3 tasks failed" }]);
        const result = await follow(client).outcome;
        assert.deepStrictEqual([result.state, result.reason], ["FAILED", "circuit breaker: 3 tasks failed"]);
    });

    it("ends IN_PROGRESS at the deadline with the hook it still waits at", async () => {
        const { client } = fake([{ lifecycleStage: "POST_TEST_TRAFFIC_SHIFT", lifecycleHookDetails: [hook("AWAITING_ACTION")] as never }]);
        const result = await follow(client, { waitMs: 30, pollMs: 5 }).outcome;
        assert.strictEqual(result.state, "IN_PROGRESS");
        assert.strictEqual(result.awaiting?.hookId, "ecs-pause-1");
    });

    it("falls back to DescribeServices alone when the service-deployments API does not exist, saying so once", async () => {
        const { client, calls } = fake([{ lifecycleStage: "SCALE_UP" }, { status: "SUCCESSFUL" }], { unsupported: true });
        const { outcome, lines } = follow(client);
        const result = await outcome;
        assert.strictEqual(result.state, "COMPLETED");
        assert.strictEqual(result.serviceDeployment, undefined);
        assert.strictEqual(calls.filter((c) => c === "ListServiceDeployments").length, 1);
        assert.strictEqual(lines.filter((l) => l.includes("following by DescribeServices alone")).length, 1);
    });
});
