// Which update replaced the one a deploy follows (automation/aws/supersede.ts): pure, a history stand-in.
import * as assert from "assert";
import { UpdateSummary } from "@pulumi/pulumi/automation";
import { Deployment } from "../../automation/record/history";
import { replacingUpdate } from "../../automation/aws/supersede";

const OLD_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/papyrus-dev:1";
const OTHER_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/papyrus-dev:3";
const digest = `sha256:${"b".repeat(64)}`;

/** History of `count` driver deploys, newest first, as `stack history --json` gives them (file backend: version 0). */
const historyOf = (count: number) => ({
    project: "papyrus",
    history: async (): Promise<UpdateSummary[]> =>
        Array.from(
            { length: count },
            (_, i) =>
                ({
                    version: 0,
                    kind: "update",
                    result: "succeeded",
                    startTime: new Date(Date.UTC(2026, 10, 23, 10, i)),
                    endTime: new Date(Date.UTC(2026, 10, 23, 10, i, 30)),
                    message: `deploy v${i + 1}.0.0 ${digest} by bob`,
                    environment: { "exec.kind": "auto.local" },
                    config: {
                        "papyrus:image": { value: `repo@${digest}`, secret: false },
                        "papyrus:imageTag": { value: `v${i + 1}.0.0`, secret: false },
                        "papyrus:deployKind": { value: "deploy", secret: false },
                        "papyrus:deployedBy": { value: "bob", secret: false },
                    },
                }) as unknown as UpdateSummary,
        ).reverse(),
});
const ours = { version: 2 } as Deployment;
const before = new Map([["ecs-svc/1", OLD_TD]]);

describe("the update that replaced ours during the rollout wait", () => {
    it("is the newer update in the history when there is one", async () => {
        assert.strictEqual(await replacingUpdate(historyOf(3), ours, before, OTHER_TD), "update 3 (deploy v3.0.0 by bob, succeeded)");
    });

    it("is told by ECS's task definition while the other update has not ended (no history record yet)", async () => {
        // kills: a history-only check, which misses it for as long as the other engine waits for a steady service
        assert.strictEqual(
            await replacingUpdate(historyOf(2), ours, before, OTHER_TD),
            `another update (ECS's primary deployment runs \`${OTHER_TD}\`, which the service did not run before this update started; it is not in the stack's history yet)`,
        );
    });

    it("is none when ECS's primary runs a task definition the service ran before (ECS's rollback), or when that cannot be told", async () => {
        assert.strictEqual(await replacingUpdate(historyOf(2), ours, before, OLD_TD), undefined);
        assert.strictEqual(await replacingUpdate(historyOf(2), ours, undefined, OTHER_TD), undefined);
        assert.strictEqual(await replacingUpdate(historyOf(2), ours, new Map(), OTHER_TD), undefined);
        assert.strictEqual(await replacingUpdate(historyOf(2), ours, before, undefined), undefined);
    });
});
