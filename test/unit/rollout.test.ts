// Where the update's ECS deployment stands, from one DescribeServices answer (automation/aws/rollout.ts `judge`).
import * as assert from "assert";
import { Deployment, Service } from "@aws-sdk/client-ecs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { followRollout, judge } from "../../automation/aws/rollout";

const OURS = "arn:aws:ecs:us-east-1:123456789012:task-definition/papyrus-dev:2";
const OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/papyrus-dev:1";
const started = new Date("2026-11-23T10:00:00Z");
const before = new Set(["ecs-svc/1"]);

const d = (id: string, status: string, taskDefinition: string, rolloutState?: string, extra: Partial<Deployment> = {}): Deployment => ({
    id,
    status,
    taskDefinition,
    rolloutState: rolloutState as Deployment["rolloutState"],
    desiredCount: 2,
    runningCount: 0,
    ...extra,
});
const svc = (...deployments: Deployment[]): Service => ({ deployments });

describe("rollout: judging the update's ECS deployment", () => {
    const cases: [string, Service, ReturnType<typeof judge>["state"], string | undefined][] = [
        ["ours rolling out", svc(d("ecs-svc/2", "PRIMARY", OURS, "IN_PROGRESS"), d("ecs-svc/1", "ACTIVE", OLD, "COMPLETED")), "IN_PROGRESS", "ecs-svc/2"],
        ["ours completed", svc(d("ecs-svc/2", "PRIMARY", OURS, "COMPLETED")), "COMPLETED", "ecs-svc/2"],
        ["ours marked FAILED", svc(d("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS"), d("ecs-svc/2", "ACTIVE", OURS, "FAILED")), "FAILED", "ecs-svc/2"],
        // The circuit breaker's rollback deployment is PRIMARY before ours is marked FAILED.
        [
            "ours replaced as primary, not yet marked",
            svc(d("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS"), d("ecs-svc/2", "ACTIVE", OURS, "IN_PROGRESS")),
            "FAILED",
            "ecs-svc/2",
        ],
        // ECS drops the failed deployment once the rollback is done.
        ["ours gone, a new primary on the old task definition", svc(d("ecs-svc/3", "PRIMARY", OLD, "COMPLETED")), "FAILED", undefined],
        ["no new deployment, primary already ours (nothing to roll out)", svc(d("ecs-svc/1", "PRIMARY", OURS, "COMPLETED")), "UNCHANGED", "ecs-svc/1"],
        [
            "no new deployment at all, primary on another task definition (drift, not ours)",
            svc(d("ecs-svc/1", "PRIMARY", OLD, "COMPLETED")),
            "UNCHANGED",
            "ecs-svc/1",
        ],
        [
            "ours without a rollout state, alone and at full count",
            svc(d("ecs-svc/2", "PRIMARY", OURS, undefined, { runningCount: 2 })),
            "COMPLETED",
            "ecs-svc/2",
        ],
        ["ours without a rollout state, still starting", svc(d("ecs-svc/2", "PRIMARY", OURS, undefined, { runningCount: 1 })), "IN_PROGRESS", "ecs-svc/2"],
    ];
    for (const [name, service, state, id] of cases) {
        it(name, () => {
            const verdict = judge(service, { taskDefinitionArn: OURS, before, startedAt: started });
            assert.deepStrictEqual([verdict.state, verdict.deployment?.id], [state, id]);
        });
    }

    it("without the IDs from before the update, a deployment is the update's when it was created after the update started", () => {
        const old = d("ecs-svc/1", "PRIMARY", OURS, "COMPLETED", { createdAt: new Date("2026-11-23T09:00:00Z") });
        assert.strictEqual(judge(svc(old), { taskDefinitionArn: OURS, startedAt: started }).state, "UNCHANGED");
        const fresh = d("ecs-svc/2", "PRIMARY", OURS, "IN_PROGRESS", { createdAt: new Date("2026-11-23T10:00:05Z") });
        assert.deepStrictEqual(judge(svc(fresh, old), { taskDefinitionArn: OURS, startedAt: started }).deployment?.id, "ecs-svc/2");
    });

    it("names ECS's reason for a FAILED deployment", () => {
        const failed = d("ecs-svc/2", "ACTIVE", OURS, "FAILED", { rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start." });
        assert.strictEqual(
            judge(svc(d("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS"), failed), { taskDefinitionArn: OURS, before, startedAt: started }).reason,
            "ECS deployment circuit breaker: tasks failed to start.",
        );
    });
});

describe("rollout: following the update's deployment", () => {
    const answering = (service: Service) => ({ send: () => Promise.resolve({ services: [{ serviceName: "api", ...service }] }) }) as unknown as ECSClient;
    const follow = (service: Service) =>
        followRollout({ ecs: answering(service), cluster: "papyrus", service: "api", taskDefinitionArn: OURS, before, startedAt: started, waitMs: 0 });

    it("names no deployment when the update started none (UNCHANGED), not the primary an older update started", async () => {
        // kills: the rollout note of an image-unchanged update carrying the previous update's deployment ID
        const outcome = await follow(svc(d("ecs-svc/1", "PRIMARY", OURS, "COMPLETED")));
        assert.deepStrictEqual([outcome.state, outcome.deploymentId], ["UNCHANGED", undefined]);
    });

    it("names the deployment the update started when there is one", async () => {
        const outcome = await follow(svc(d("ecs-svc/2", "PRIMARY", OURS, "COMPLETED"), d("ecs-svc/1", "ACTIVE", OLD, "COMPLETED")));
        assert.deepStrictEqual([outcome.state, outcome.deploymentId], ["COMPLETED", "ecs-svc/2"]);
    });
});

// The less common answers and the exact reasons (from `npm run mutate` survivors).
describe("rollout: judging, edge by edge", () => {
    const judged = (service: Service) => judge(service, { taskDefinitionArn: OURS, before, startedAt: started });

    it("takes the deployment ECS marks PRIMARY, wherever it is listed, and names it", () => {
        // kills: `d.status === "PRIMARY"` → true, and the reason's text
        const got = judged(svc(d("ecs-svc/2", "ACTIVE", OURS, "IN_PROGRESS"), d("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS")));
        assert.deepStrictEqual([got.state, got.deployment?.id, got.reason], ["FAILED", "ecs-svc/2", `ECS made deployment ecs-svc/3 (${OLD}) primary`]);
    });

    it("says which deployment replaced the update's once ECS dropped it", () => {
        // kills: the reason's text
        assert.deepStrictEqual(judged(svc(d("ecs-svc/3", "PRIMARY", OLD, "COMPLETED"))), {
            state: "FAILED",
            reason: `ECS replaced the update's deployment with ecs-svc/3 (${OLD})`,
        });
    });

    it("counts a deployment without a rollout state as done only when it has no rollout state, runs alone, and at full count", () => {
        // kills: each part of `rolloutState === undefined && deployments.length === 1 && runningCount === desiredCount`
        const full = { runningCount: 2 };
        assert.strictEqual(judged(svc(d("ecs-svc/2", "PRIMARY", OURS, undefined, full))).state, "COMPLETED");
        assert.strictEqual(judged(svc(d("ecs-svc/2", "PRIMARY", OURS, "IN_PROGRESS", full))).state, "IN_PROGRESS");
        assert.strictEqual(judged(svc(d("ecs-svc/2", "PRIMARY", OURS, undefined, full), d("ecs-svc/1", "ACTIVE", OLD, undefined, full))).state, "IN_PROGRESS");
        assert.strictEqual(judged(svc(d("ecs-svc/2", "PRIMARY", OURS, undefined, { runningCount: 1 }))).state, "IN_PROGRESS");
    });

    it("without the IDs from before, takes a deployment created up to a second before the update started as the update's", () => {
        // kills: `>=` → `>`, `- 1000` → `+ 1000`, and the `createdAt !== undefined` check
        const at = (createdAt: Date | undefined) =>
            judge(svc(d("ecs-svc/2", "PRIMARY", OURS, "IN_PROGRESS", { createdAt })), { taskDefinitionArn: OURS, startedAt: started }).state;
        assert.strictEqual(at(new Date(started.getTime() - 1000)), "IN_PROGRESS");
        assert.strictEqual(at(new Date(started.getTime() - 500)), "IN_PROGRESS");
        assert.strictEqual(at(new Date(started.getTime() - 1001)), "UNCHANGED");
        assert.strictEqual(at(undefined), "UNCHANGED");
    });
});
