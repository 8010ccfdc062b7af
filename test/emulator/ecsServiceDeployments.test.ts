// testkit/ecsRollout.ts's service-deployments API, driven with the real @aws-sdk/client-ecs commands
// through the proxy in front of moto: the stages one DescribeServices call at a time, the traffic
// weights, PAUSE hooks and ContinueServiceDeployment, StopServiceDeployment, the alarm and circuit
// breaker outcomes, ListServiceDeployments' filters and DescribeServiceRevisions' digests. What moto
// itself answers for these operations is recorded ("moto records: …").
import * as assert from "assert";
import {
    ContinueServiceDeploymentCommand,
    CreateClusterCommand,
    CreateServiceCommand,
    DeploymentConfiguration,
    DescribeServiceDeploymentsCommand,
    DescribeServiceRevisionsCommand,
    DescribeServicesCommand,
    ECSClient,
    ListServiceDeploymentsCommand,
    RegisterTaskDefinitionCommand,
    ServiceDeployment,
    StopServiceDeploymentCommand,
    UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { EcsRolloutProxy, startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { sharedMoto, SharedMoto, TEST_ACCOUNT, TEST_REGION } from "../../testkit/moto";

const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const CLUSTER = "papyrus";
const SERVICE = "api";
const REPO = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/papyrus-api`;
const DIGEST_1 = `sha256:${"1".repeat(64)}`;
const DIGEST_2 = `sha256:${"2".repeat(64)}`;
const PAUSE_AFTER_TEST_TRAFFIC: DeploymentConfiguration = {
    strategy: "CANARY",
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
    lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 60, action: "ROLLBACK" } }],
};

describe("testkit/ecsRollout.ts: ECS's service-deployments API on moto's ECS", function () {
    this.timeout(60_000);
    let moto: SharedMoto;
    let proxy: EcsRolloutProxy;
    let ecs: ECSClient;
    let direct: ECSClient;
    let v1: string;
    let v2: string;

    before(async () => {
        moto = await sharedMoto();
    });
    after(async () => {
        await moto?.release();
    });
    beforeEach(async () => {
        await moto.reset();
        proxy = await startEcsRolloutProxy(moto.endpoint);
        ecs = new ECSClient({ region: TEST_REGION, endpoint: proxy.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
        direct = new ECSClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
        await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
        v1 = await register(`${REPO}@${DIGEST_1}`);
        v2 = await register(`${REPO}@${DIGEST_2}`);
    });
    afterEach(async () => {
        ecs.destroy();
        direct.destroy();
        await proxy.close();
    });

    async function register(image: string): Promise<string> {
        const out = await ecs.send(
            new RegisterTaskDefinitionCommand({
                family: "papyrus-dev",
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: "256",
                memory: "512",
                containerDefinitions: [{ name: "app", image, essential: true }],
            }),
        );
        return out.taskDefinition!.taskDefinitionArn!;
    }
    /** Creates the service on v1 (rolling: its deployment completes at the first poll) and deploys v2 with `configuration`; returns v2's service deployment ARN. */
    async function deployV2(configuration?: DeploymentConfiguration): Promise<string> {
        await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: v1, desiredCount: 1 }));
        await poll();
        await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: v2, deploymentConfiguration: configuration }));
        const list = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }));
        return list.serviceDeployments![0].serviceDeploymentArn!;
    }
    async function poll() {
        return (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services![0];
    }
    async function describe1(arn: string): Promise<ServiceDeployment> {
        return (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0];
    }
    /** Polls until the deployment is at `stage` (at most `limit` polls); returns the polls it took. */
    async function pollUntilStage(arn: string, stage: string, limit = 20): Promise<number> {
        for (let polls = 0; polls <= limit; polls++) {
            if ((await describe1(arn)).lifecycleStage === stage) return polls;
            await poll();
        }
        throw new Error(`never reached ${stage}; at ${(await describe1(arn)).lifecycleStage}`);
    }
    async function refusal(send: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
        try {
            await send;
        } catch (err: any) {
            return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
        }
        throw new Error("expected a refusal");
    }

    it("a rolling deployment: RECONCILE_SERVICE, SCALE_UP, then SUCCESSFUL in CLEAN_UP when DescribeServices says COMPLETED; Describe is a pure read", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete", polls: 2 });
        const arn = await deployV2();
        assert.match(arn, new RegExp(`^arn:aws:ecs:${TEST_REGION}:${TEST_ACCOUNT}:service-deployment/${CLUSTER}/${SERVICE}/[\\w-]+$`));
        const start = await describe1(arn);
        assert.deepStrictEqual([start.status, start.lifecycleStage], ["IN_PROGRESS", "RECONCILE_SERVICE"]);
        // kills: advancing on DescribeServiceDeployments (the driver's reads must not move the rollout)
        await describe1(arn);
        assert.strictEqual((await describe1(arn)).lifecycleStage, "RECONCILE_SERVICE");
        const seen: string[] = [];
        for (let i = 0; i < 3; i++) {
            const svc = await poll();
            const sd = await describe1(arn);
            seen.push(`${sd.status}/${sd.lifecycleStage}/${svc.deployments![0].rolloutState}`);
        }
        assert.deepStrictEqual(seen, ["IN_PROGRESS/SCALE_UP/IN_PROGRESS", "IN_PROGRESS/SCALE_UP/IN_PROGRESS", "SUCCESSFUL/CLEAN_UP/COMPLETED"]);
        const done = await describe1(arn);
        assert.ok(done.finishedAt instanceof Date);
        assert.strictEqual(done.sourceServiceRevisions!.length, 1);
        assert.match(done.targetServiceRevision!.arn!, new RegExp(`:service-revision/${CLUSTER}/${SERVICE}/2$`));
        assert.match(done.sourceServiceRevisions![0].arn!, new RegExp(`:service-revision/${CLUSTER}/${SERVICE}/1$`));
        assert.strictEqual((await poll()).taskDefinition, v2);
    });

    it("a canary deployment passes every stage, one per DescribeServices call, with the target's traffic weights", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2({ strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 }, bakeTimeInMinutes: 2 });
        const seen: string[] = [];
        for (let i = 0; i < 14; i++) {
            const sd = await describe1(arn);
            seen.push(
                `${sd.lifecycleStage} ${sd.targetServiceRevision!.requestedProductionTrafficWeight}/${sd.targetServiceRevision!.requestedTestTrafficWeight} ${sd.status}`,
            );
            if (sd.status !== "IN_PROGRESS") break;
            await poll();
        }
        assert.deepStrictEqual(seen, [
            "RECONCILE_SERVICE 0/0 IN_PROGRESS",
            "PRE_SCALE_UP 0/0 IN_PROGRESS",
            "SCALE_UP 0/0 IN_PROGRESS",
            "POST_SCALE_UP 0/0 IN_PROGRESS",
            "TEST_TRAFFIC_SHIFT 0/100 IN_PROGRESS",
            "POST_TEST_TRAFFIC_SHIFT 0/100 IN_PROGRESS",
            "PRODUCTION_TRAFFIC_SHIFT 10/100 IN_PROGRESS",
            "PRODUCTION_TRAFFIC_SHIFT 10/100 IN_PROGRESS", // the canary's bake: one poll
            "PRODUCTION_TRAFFIC_SHIFT 100/100 IN_PROGRESS",
            "POST_PRODUCTION_TRAFFIC_SHIFT 100/100 IN_PROGRESS",
            "BAKE_TIME 100/100 IN_PROGRESS",
            "CLEAN_UP 100/0 IN_PROGRESS",
            "CLEAN_UP 100/0 SUCCESSFUL",
        ]);
        const source = (await describe1(arn)).sourceServiceRevisions![0];
        assert.strictEqual(source.requestedProductionTrafficWeight, 0);
        assert.strictEqual((await poll()).deployments![0].rolloutState, "COMPLETED");
        assert.strictEqual(proxy.serviceDeployments()[1].strategy, "CANARY");
    });

    it("a linear deployment shifts production traffic in stepPercent increments, each followed by its bake", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2({ strategy: "LINEAR", linearConfiguration: { stepPercent: 40, stepBakeTimeInMinutes: 1 }, bakeTimeInMinutes: 0 });
        const weights: number[] = [];
        for (let i = 0; i < 20; i++) {
            const sd = await describe1(arn);
            if (sd.lifecycleStage === "PRODUCTION_TRAFFIC_SHIFT") weights.push(sd.targetServiceRevision!.requestedProductionTrafficWeight!);
            if (sd.lifecycleStage === "BAKE_TIME") assert.fail("bakeTimeInMinutes: 0 is no BAKE_TIME step");
            if (sd.status !== "IN_PROGRESS") break;
            await poll();
        }
        assert.deepStrictEqual(weights, [40, 40, 80, 80, 100]);
    });

    it("a PAUSE hook holds the deployment AWAITING_ACTION until CONTINUE; a second Continue on the hook is refused", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2(PAUSE_AFTER_TEST_TRAFFIC);
        await pollUntilStage(arn, "POST_TEST_TRAFFIC_SHIFT");
        for (let i = 0; i < 3; i++) await poll();
        const paused = await describe1(arn);
        assert.deepStrictEqual([paused.status, paused.lifecycleStage], ["IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT"]);
        const [hook] = paused.lifecycleHookDetails!;
        assert.match(hook.hookId!, /^ecs-pause-[0-9a-f]+$/);
        assert.deepStrictEqual([hook.targetType, hook.status, hook.timeoutAction], ["PAUSE", "AWAITING_ACTION", "ROLLBACK"]);
        const expiresIn = (hook.expiresAt!.getTime() - Date.now()) / 60_000;
        assert.ok(expiresIn > 59 && expiresIn <= 60, `expires in ${expiresIn} minutes`);

        const out = await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId, action: "CONTINUE" }));
        assert.strictEqual(out.serviceDeploymentArn, arn);
        assert.strictEqual((await describe1(arn)).lifecycleHookDetails![0].status, "SUCCEEDED");
        const again = await refusal(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId, action: "CONTINUE" })));
        assert.deepStrictEqual([again.name, again.status], ["InvalidParameterException", 400]);
        assert.match(again.message, /not awaiting action \(hook SUCCEEDED/);
        await poll();
        assert.strictEqual((await describe1(arn)).lifecycleStage, "PRODUCTION_TRAFFIC_SHIFT");
        for (let i = 0; i < 10; i++) await poll();
        assert.strictEqual((await describe1(arn)).status, "SUCCESSFUL");
        assert.deepStrictEqual(
            proxy.continues.map((c) => [c.action, c.refused]),
            [
                ["CONTINUE", undefined],
                ["CONTINUE", "InvalidParameterException"],
            ],
        );
        assert.deepStrictEqual(
            proxy.serviceDeployments()[1].hooks.map((h) => [h.stage, h.status, h.actions]),
            [["POST_TEST_TRAFFIC_SHIFT", "SUCCEEDED", ["CONTINUE"]]],
        );
    });

    it("ROLLBACK at a PAUSE hook: ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL over the next polls, back on v1 with the reason and the source revision", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2(PAUSE_AFTER_TEST_TRAFFIC);
        await pollUntilStage(arn, "POST_TEST_TRAFFIC_SHIFT");
        const before = await describe1(arn);
        const hookId = before.lifecycleHookDetails![0].hookId!;
        const wrong = await refusal(
            ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: "ecs-pause-nope", action: "CONTINUE" })),
        );
        assert.strictEqual(wrong.name, "InvalidParameterException");
        const unknown = await refusal(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: `${arn}x`, hookId, action: "CONTINUE" })));
        assert.strictEqual(unknown.name, "ServiceDeploymentNotFoundException");
        const odd = await refusal(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: "PROCEED" as "CONTINUE" })));
        assert.strictEqual(odd.name, "InvalidParameterException");
        assert.strictEqual((await describe1(arn)).lifecycleHookDetails![0].status, "AWAITING_ACTION");

        await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: "ROLLBACK" }));
        const requested = await describe1(arn);
        assert.strictEqual(requested.status, "ROLLBACK_REQUESTED");
        assert.strictEqual(requested.lifecycleHookDetails![0].status, "FAILED");
        assert.strictEqual(requested.rollback!.serviceRevisionArn, before.sourceServiceRevisions![0].arn);
        assert.match(requested.rollback!.reason!, /ContinueServiceDeployment \(ROLLBACK\)/);
        assert.strictEqual((await poll()).taskDefinition, v1);
        assert.strictEqual((await describe1(arn)).status, "ROLLBACK_IN_PROGRESS");
        const svc = await poll();
        const done = await describe1(arn);
        assert.strictEqual(done.status, "ROLLBACK_SUCCESSFUL");
        assert.strictEqual(done.targetServiceRevision!.requestedProductionTrafficWeight, 0);
        assert.deepStrictEqual(
            svc.deployments!.map((d) => [d.taskDefinition, d.rolloutState]),
            [[v1, "COMPLETED"]],
        );
        assert.strictEqual(svc.taskDefinition, v1);
    });

    it("expireHooks(): the awaiting hook TIMED_OUT at the next poll, then its timeout action (ROLLBACK)", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2(PAUSE_AFTER_TEST_TRAFFIC);
        await pollUntilStage(arn, "POST_TEST_TRAFFIC_SHIFT");
        proxy.expireHooks();
        assert.strictEqual((await describe1(arn)).lifecycleHookDetails![0].status, "AWAITING_ACTION");
        await poll();
        const expired = await describe1(arn);
        assert.deepStrictEqual([expired.lifecycleHookDetails![0].status, expired.status], ["TIMED_OUT", "ROLLBACK_REQUESTED"]);
        assert.match(expired.rollback!.reason!, /timed out/);
        await poll();
        await poll();
        assert.strictEqual((await describe1(arn)).status, "ROLLBACK_SUCCESSFUL");
    });

    it("expireHooks() on a hook whose timeout action is CONTINUE goes on", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const hooks = [
            {
                targetType: "PAUSE" as const,
                lifecycleStages: ["PRE_SCALE_UP" as const],
                timeoutConfiguration: { timeoutInMinutes: 5, action: "CONTINUE" as const },
            },
        ];
        const arn = await deployV2({ strategy: "ROLLING", lifecycleHooks: hooks });
        await pollUntilStage(arn, "PRE_SCALE_UP");
        await poll();
        assert.strictEqual((await describe1(arn)).lifecycleStage, "PRE_SCALE_UP");
        proxy.expireHooks();
        await poll();
        const sd = await describe1(arn);
        assert.deepStrictEqual([sd.status, sd.lifecycleStage], ["IN_PROGRESS", "SCALE_UP"]);
        assert.strictEqual(proxy.serviceDeployments()[1].hooks[0].status, "TIMED_OUT");
    });

    it("StopServiceDeployment ROLLBACK during the deployment bake rolls back; a Stop after it finished is a ConflictException", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 30 });
        await pollUntilStage(arn, "BAKE_TIME");
        await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" }));
        assert.strictEqual((await describe1(arn)).status, "ROLLBACK_REQUESTED");
        await poll();
        await poll();
        const done = await describe1(arn);
        assert.deepStrictEqual([done.status, done.lifecycleStage], ["ROLLBACK_SUCCESSFUL", "BAKE_TIME"]);
        assert.match(done.rollback!.reason!, /StopServiceDeployment \(ROLLBACK\)/);
        assert.strictEqual((await poll()).taskDefinition, v1);
        const late = await refusal(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" })));
        assert.deepStrictEqual([late.name, late.status], ["ConflictException", 400]);
        assert.deepStrictEqual(proxy.serviceDeployments()[1].stopTypes, ["ROLLBACK", "ROLLBACK"]);
    });

    it("StopServiceDeployment ABORT: STOP_REQUESTED, then STOPPED at the next poll, on the task definition it reached", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "hang" });
        const arn = await deployV2();
        await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ABORT" }));
        assert.strictEqual((await describe1(arn)).status, "STOP_REQUESTED");
        const svc = await poll();
        const sd = await describe1(arn);
        assert.strictEqual(sd.status, "STOPPED");
        assert.ok(sd.stoppedAt instanceof Date);
        assert.strictEqual(sd.rollback, undefined);
        assert.deepStrictEqual([svc.taskDefinition, svc.deployments![0].rolloutState], [v2, "FAILED"]);
    });

    it("the alarm outcome: the alarm fires during the production traffic shift, named from the service's alarms, and rolls back", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "alarm" });
        const arn = await deployV2({ strategy: "BLUE_GREEN", alarms: { alarmNames: ["api-latency"], enable: true, rollback: true } });
        const before = await describe1(arn);
        assert.strictEqual(before.alarms!.status, "MONITORING");
        let stage = "";
        for (let i = 0; i < 12; i++) {
            await poll();
            const sd = await describe1(arn);
            if (sd.status === "ROLLBACK_REQUESTED") {
                stage = sd.lifecycleStage!;
                break;
            }
        }
        assert.strictEqual(stage, "PRODUCTION_TRAFFIC_SHIFT");
        const sd = await describe1(arn);
        assert.deepStrictEqual(sd.alarms, { status: "TRIGGERED", alarmNames: ["api-latency"], triggeredAlarmNames: ["api-latency"] });
        assert.match(sd.rollback!.reason!, /alarm api-latency/);
        await poll();
        await poll();
        assert.strictEqual((await describe1(arn)).status, "ROLLBACK_SUCCESSFUL");
        assert.strictEqual((await poll()).taskDefinition, v1);
    });

    it("the alarm outcome without alarms configured names papyrus-5xx", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "alarm", polls: 1 });
        const arn = await deployV2();
        await poll();
        await poll();
        assert.deepStrictEqual((await describe1(arn)).alarms!.triggeredAlarmNames, ["papyrus-5xx"]);
    });

    it("the circuit breaker's rollback: TRIGGERED at its threshold, ROLLBACK_SUCCESSFUL at the same poll the service goes back to v1", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "rollback", polls: 1 });
        const arn = await deployV2({ deploymentCircuitBreaker: { enable: true, rollback: true } });
        assert.strictEqual((await describe1(arn)).deploymentCircuitBreaker!.status, "MONITORING");
        assert.strictEqual((await poll()).taskDefinition, v2);
        const svc = await poll();
        const sd = await describe1(arn);
        assert.strictEqual(svc.taskDefinition, v1);
        assert.deepStrictEqual(sd.deploymentCircuitBreaker, { status: "TRIGGERED", failureCount: 3, threshold: 3 });
        assert.strictEqual(sd.status, "ROLLBACK_SUCCESSFUL");
        assert.strictEqual(sd.rollback!.serviceRevisionArn, sd.sourceServiceRevisions![0].arn);
        assert.match(sd.rollback!.reason!, /circuit breaker/);
    });

    it("the circuit breaker without rollback ('fail') stops the service deployment; early success completes the circuit breaker's monitoring", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "fail" }, { outcome: "complete" });
        const failed = await deployV2({ deploymentCircuitBreaker: { enable: true, rollback: false } });
        await poll();
        assert.deepStrictEqual([(await describe1(failed)).status, (await describe1(failed)).deploymentCircuitBreaker!.status], ["STOPPED", "TRIGGERED"]);
        const v3 = await register(`${REPO}@sha256:${"3".repeat(64)}`);
        await ecs.send(
            new UpdateServiceCommand({
                cluster: CLUSTER,
                service: SERVICE,
                taskDefinition: v3,
                deploymentConfiguration: {
                    deploymentCircuitBreaker: { enable: true, rollback: true },
                    earlySuccessCriteria: { enable: true },
                } as DeploymentConfiguration,
            }),
        );
        await poll();
        const [latest] = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }))).serviceDeployments!;
        const sd = await describe1(latest.serviceDeploymentArn!);
        assert.deepStrictEqual([sd.status, sd.deploymentCircuitBreaker!.status], ["SUCCESSFUL", "MONITORING_COMPLETE"]);
    });

    it("a script's outcome on a staged strategy: after `polls` polls at whatever stage it reached, or at the poll after `atStage`", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "rollback", polls: 2 });
        const early = await deployV2({ strategy: "BLUE_GREEN" });
        for (let i = 0; i < 2; i++) await poll();
        assert.strictEqual((await describe1(early)).status, "IN_PROGRESS");
        assert.strictEqual((await poll()).taskDefinition, v1);
        const rolledBack = await describe1(early);
        assert.deepStrictEqual([rolledBack.status, rolledBack.lifecycleStage], ["ROLLBACK_SUCCESSFUL", "SCALE_UP"]);

        proxy.script({ outcome: "fail", atStage: "TEST_TRAFFIC_SHIFT" });
        await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: v2 }));
        const [brief] = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }))).serviceDeployments!;
        const polls = await pollUntilStage(brief.serviceDeploymentArn!, "TEST_TRAFFIC_SHIFT");
        assert.strictEqual(polls, 4);
        assert.strictEqual((await describe1(brief.serviceDeploymentArn!)).status, "IN_PROGRESS");
        await poll();
        const failed = await describe1(brief.serviceDeploymentArn!);
        assert.deepStrictEqual([failed.status, failed.lifecycleStage, failed.deploymentCircuitBreaker!.status], ["STOPPED", "TEST_TRAFFIC_SHIFT", "TRIGGERED"]);
    });

    it("ListServiceDeployments: newest first, filtered by createdAt.after and status; DescribeServiceDeployments reports unknown ARNs as failures", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: v1, desiredCount: 1 }));
        await poll();
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const between = new Date();
        await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: v2 }));
        const all = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }))).serviceDeployments!;
        assert.deepStrictEqual(
            all.map((b) => [b.status, b.targetServiceRevisionArn?.split("/").pop()]),
            [
                ["IN_PROGRESS", "2"],
                ["SUCCESSFUL", "1"],
            ],
        );
        const recent = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, createdAt: { after: between } })))
            .serviceDeployments!;
        assert.deepStrictEqual(
            recent.map((b) => b.serviceDeploymentArn),
            [all[0].serviceDeploymentArn],
        );
        const done = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, status: ["SUCCESSFUL"] }))).serviceDeployments!;
        assert.deepStrictEqual(
            done.map((b) => b.serviceDeploymentArn),
            [all[1].serviceDeploymentArn],
        );
        const page = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, maxResults: 1 }));
        assert.strictEqual(page.serviceDeployments!.length, 1);
        const rest = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE, maxResults: 1, nextToken: page.nextToken }));
        assert.deepStrictEqual(
            rest.serviceDeployments!.map((b) => b.serviceDeploymentArn),
            [all[1].serviceDeploymentArn],
        );
        const missing = `${all[0].serviceDeploymentArn}-gone`;
        const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [all[0].serviceDeploymentArn!, missing] }));
        assert.strictEqual(described.serviceDeployments!.length, 1);
        assert.deepStrictEqual(described.failures, [{ arn: missing, reason: "MISSING" }]);
    });

    it("DescribeServiceRevisions gives the task definition and each container's image digest", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2();
        const sd = await describe1(arn);
        const out = await ecs.send(
            new DescribeServiceRevisionsCommand({ serviceRevisionArns: [sd.targetServiceRevision!.arn!, sd.sourceServiceRevisions![0].arn!] }),
        );
        assert.deepStrictEqual(
            out.serviceRevisions!.map((r) => [r.taskDefinition, r.containerImages]),
            [
                [v2, [{ containerName: "app", imageDigest: DIGEST_2, image: `${REPO}@${DIGEST_2}` }]],
                [v1, [{ containerName: "app", imageDigest: DIGEST_1, image: `${REPO}@${DIGEST_1}` }]],
            ],
        );
        assert.ok(out.serviceRevisions![0].createdAt instanceof Date);
    });

    it("DescribeServiceRevisions reads a task definition registered before the proxy saw it from moto", async () => {
        const early = await direct.send(
            new RegisterTaskDefinitionCommand({
                family: "papyrus-dev",
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: "256",
                memory: "512",
                containerDefinitions: [{ name: "web", image: `${REPO}@sha256:${"9".repeat(64)}`, essential: true }],
            }),
        );
        await ecs.send(
            new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: early.taskDefinition!.taskDefinitionArn, desiredCount: 1 }),
        );
        const [brief] = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }))).serviceDeployments!;
        const out = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [brief.targetServiceRevisionArn!] }));
        assert.deepStrictEqual(out.serviceRevisions![0].containerImages, [
            { containerName: "web", imageDigest: `sha256:${"9".repeat(64)}`, image: `${REPO}@sha256:${"9".repeat(64)}` },
        ]);
    });

    it("moto records: moto 5.2.5 answers the service-deployments operations with HTTP 500 (an HTML page); serviceDeploymentsApi(false) lets them through", async () => {
        proxy.script({ outcome: "complete" }, { outcome: "complete" });
        const arn = await deployV2();
        proxy.serviceDeploymentsApi(false);
        for (const command of [
            new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }),
            new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
            new DescribeServiceRevisionsCommand({ serviceRevisionArns: [`${arn}`] }),
            new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: "h" }),
            new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }),
        ]) {
            const viaProxy = await refusal(ecs.send(command as any));
            const viaMoto = await refusal(direct.send(command as any));
            assert.deepStrictEqual([viaProxy.name, viaProxy.status], ["SyntaxError", 500], command.constructor.name);
            assert.deepStrictEqual([viaMoto.name, viaMoto.status], [viaProxy.name, viaProxy.status]);
        }
        proxy.serviceDeploymentsApi(true);
        assert.strictEqual((await describe1(arn)).serviceDeploymentArn, arn);
    });

    it("moto records: moto 5.2.5 drops CreateService's deploymentConfiguration and keeps UpdateService's; the proxy keeps both", async () => {
        const configuration: DeploymentConfiguration = { strategy: "LINEAR", bakeTimeInMinutes: 3 };
        await ecs.send(
            new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: v1, desiredCount: 1, deploymentConfiguration: configuration }),
        );
        const fromMoto = (await direct.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services![0];
        assert.strictEqual(fromMoto.deploymentConfiguration, undefined);
        assert.deepStrictEqual((await poll()).deploymentConfiguration, configuration);
        assert.strictEqual(proxy.serviceDeployments()[0].strategy, "LINEAR");
        await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: v2, deploymentConfiguration: { strategy: "CANARY" } }));
        const updated = (await direct.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }))).services![0];
        assert.strictEqual(updated.deploymentConfiguration?.strategy, "CANARY");
    });
});
