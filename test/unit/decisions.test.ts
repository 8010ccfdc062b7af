// The records a paused rollout leaves: decisions (who, why, via what) and ECS's facts, each a stack
// tag within Pulumi's 256-character limit (automation/record/decisions.ts, ecsRecord.ts).
import * as assert from "assert";
import {
    decisionsByVersion,
    decisionsOf,
    decisionTagName,
    describeDecision,
    formatDecision,
    HookDecision,
    parseDecision,
    writeDecision,
} from "../../automation/record/decisions";
import { ecsSummaries, ecsTagName, formatEcsSummary, summarize } from "../../automation/record/ecsRecord";

const decision: HookDecision = {
    action: "continue",
    via: "approve",
    by: "alice",
    reason: "canary looks good",
    at: "2026-12-07T10:00:00.000Z",
    stage: "POST_TEST_TRAFFIC_SHIFT",
    deployment: "abc123",
};

describe("decisions at a PAUSE hook, as stack tags", () => {
    it("names a tag per update and decision within Pulumi's 40 characters", () => {
        assert.strictEqual(decisionTagName(12, 1), "papyrus:decision:12:1");
        assert.ok(decisionTagName(999999, Date.parse("2286-11-20T17:46:39.999Z")).length <= 40);
    });

    it("shortens a long reason so the value fits 256 characters, and reads it back", () => {
        const long = { ...decision, reason: "x".repeat(400) };
        const text = formatDecision(long);
        assert.ok(text.length <= 256, `${text.length}`);
        const back = parseDecision(text)!;
        assert.ok(back.reason!.endsWith("…") && back.reason!.length > 100);
        assert.deepStrictEqual(parseDecision(formatDecision(decision)), decision);
    });

    it("ignores tags that are not decisions", () => {
        assert.strictEqual(parseDecision("{"), undefined);
        assert.strictEqual(parseDecision(JSON.stringify({ ...decision, action: "maybe" })), undefined);
        assert.strictEqual(parseDecision(JSON.stringify({ ...decision, by: 3 })), undefined);
    });

    it("reads an update's decisions in the order they were made, and every update's", () => {
        const tags = {
            "papyrus:decision:7:2": JSON.stringify({ ...decision, action: "rollback", via: "abort" }),
            "papyrus:decision:7:1": JSON.stringify(decision),
            "papyrus:decision:8:1": JSON.stringify(decision),
            "papyrus:decision:7:x": JSON.stringify(decision),
            "papyrus:release:7": "{}",
        };
        assert.deepStrictEqual(
            decisionsOf(tags, 7).map((d) => d.via),
            ["approve", "abort"],
        );
        assert.deepStrictEqual([...decisionsByVersion(tags).keys()].sort(), [7, 8]);
    });

    it("writes each decision under its own time, so two writers never pick the same tag, and reads them in order", async () => {
        const tags: Record<string, string> = { "papyrus:decision:7:1": JSON.stringify(decision) };
        const stack = { setTag: async (name: string, value: string) => void (tags[name] = value) };
        const later = { ...decision, via: "abort" as const, action: "rollback" as const, at: "2026-12-07T10:00:01.500Z" };
        const other = { ...decision, by: "carol", at: "2026-12-07T10:00:01.501Z" };
        assert.strictEqual(await writeDecision(stack, 7, later), `papyrus:decision:7:${Date.parse(later.at)}`);
        assert.strictEqual(await writeDecision(stack, 7, other), `papyrus:decision:7:${Date.parse(other.at)}`);
        assert.ok(Object.keys(tags).every((name) => name.length <= 40));
        assert.deepStrictEqual(
            decisionsOf(tags, 7).map((d) => [d.action, d.by]),
            [
                ["continue", "alice"],
                ["rollback", "alice"],
                ["continue", "carol"],
            ],
        );
    });

    it("says a decision in one phrase: what, who, how, when, where and why", () => {
        assert.strictEqual(
            describeDecision(decision),
            'continued by alice via approve at 2026-12-07T10:00:00.000Z (stage POST_TEST_TRAFFIC_SHIFT): "canary looks good"',
        );
        assert.strictEqual(
            describeDecision({ ...decision, action: "rollback", via: "smoke-test", stage: undefined, reason: undefined }),
            "rolled back by alice via the smoke test at 2026-12-07T10:00:00.000Z",
        );
    });
});

describe("ECS's facts about a deployment, as a stack tag", () => {
    const facts = {
        arn: "arn:aws:ecs:us-east-1:123456789012:service-deployment/papyrus/api/abc123",
        status: "ROLLBACK_SUCCESSFUL",
        statusReason: "r".repeat(300),
        lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT",
        stages: [],
        sourceRevisions: [],
        rollback: { reason: "alarm papyrus-5xx fired", toRevision: "arn:aws:ecs:us-east-1:123456789012:service-revision/papyrus/api/1" },
        alarms: { status: "TRIGGERED", triggered: ["papyrus-5xx"] },
        circuitBreaker: { status: "MONITORING", failureCount: 2, threshold: 3 },
    };

    it("summarizes with short IDs, and shortens the reason until the value fits 256 characters", () => {
        const text = formatEcsSummary(summarize(facts));
        assert.ok(text.length <= 256, `${text.length}`);
        const back = ecsSummaries({ [ecsTagName(4)]: text, "papyrus:ecs:x": "{}", "papyrus:ecs:5": "nope" });
        assert.deepStrictEqual([...back.keys()], [4]);
        const summary = back.get(4)!;
        assert.deepStrictEqual(
            [summary.deployment, summary.status, summary.rolledBackTo, summary.alarms, summary.failures, summary.rollback],
            ["abc123", "ROLLBACK_SUCCESSFUL", "1", ["papyrus-5xx"], 2, "alarm papyrus-5xx fired"],
        );
        assert.ok(summary.reason!.endsWith("…"));
    });
});
