// The release verdict (automation/record/verdict.ts): what is kept per update, how it is read back, and how the
// engine's result and ECS's outcome combine into the one word every gate reads. Pure, table-driven.
import * as assert from "assert";
import { chooseRollbackTarget, Deployment, markRunning, toDeployments } from "../../automation/record/history";
import {
    EcsOutcome,
    formatVerdictRecord,
    isUnsettled,
    parseVerdictRecord,
    releaseVerdict,
    Verdict,
    VerdictRecord,
    verdictRecords,
    verdictTagName,
} from "../../automation/record/verdict";
import type { UpdateSummary } from "@pulumi/pulumi/automation";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api";
const STARTED = "2026-12-07T04:00:00.000Z";
const record = (fields: Partial<VerdictRecord> = {}): VerdictRecord => ({
    ecs: "completed",
    digest: digest("a"),
    applied: true,
    deployment: "ecs-svc/1234567890123456789",
    started: STARTED,
    seen: "2026-12-07T04:01:00.000Z",
    ...fields,
});
const subject = (fields: Partial<Parameters<typeof releaseVerdict>[0]> = {}) => ({
    version: 7,
    operation: "update",
    result: "succeeded",
    digest: digest("a"),
    startTime: new Date(STARTED),
    ...fields,
});

describe("release verdict: the record kept per update", () => {
    it("round-trips through the tag value and stays within Pulumi Cloud's 256 characters", () => {
        const r = record({ ecs: "rolled-back" });
        const text = formatVerdictRecord(r);
        assert.ok(text.length <= 256, `${text.length} characters`);
        assert.deepStrictEqual(parseVerdictRecord(text), r);
        assert.strictEqual(verdictTagName(12), "papyrus:release:12");
    });

    it("drops the deployment ID rather than write a value longer than 256 characters", () => {
        const long = record({ deployment: `ecs-svc/${"9".repeat(200)}` });
        const text = formatVerdictRecord(long);
        assert.ok(text.length <= 256);
        assert.deepStrictEqual(parseVerdictRecord(text), { ...long, deployment: undefined });
    });

    it("reads a hand-edited or foreign tag as no record at all", () => {
        const bad: Array<[string, string | undefined]> = [
            ["absent", undefined],
            ["not JSON", "completed"],
            ["JSON null", "null"],
            ["unknown outcome", JSON.stringify({ ...record(), ecs: "great" })],
            ["digest not sha256", JSON.stringify({ ...record(), digest: "sha256:abc" })],
            ["applied not boolean", JSON.stringify({ ...record(), applied: "yes" })],
            ["started not a time", JSON.stringify({ ...record(), started: "yesterday" })],
            ["seen missing", JSON.stringify({ ...record(), seen: undefined })],
            ["deployment not a string", JSON.stringify({ ...record(), deployment: 5 })],
        ];
        for (const [why, text] of bad) assert.strictEqual(parseVerdictRecord(text), undefined, why);
    });

    it("takes only `papyrus:release:<positive integer>` tags from the stack's tags", () => {
        const good = formatVerdictRecord(record());
        const records = verdictRecords({
            "papyrus:release:3": good,
            "papyrus:release:0": good,
            "papyrus:release:x": good,
            "papyrus:release:4": "garbage",
            "pulumi:project": "papyrus",
            "vcs:owner": good,
        });
        assert.deepStrictEqual([...records.keys()], [3]);
    });

    it("counts an update as settled only when ECS's outcome was seen", () => {
        assert.strictEqual(isUnsettled(undefined), true);
        assert.strictEqual(isUnsettled("in-progress"), true);
        assert.strictEqual(isUnsettled("unknown"), true);
        for (const ecs of ["completed", "rolled-back", "failed", "superseded", "not-applied", "no-service"] as EcsOutcome[]) {
            assert.strictEqual(isUnsettled(ecs), false, ecs);
        }
    });
});

describe("release verdict: the engine's result and ECS's outcome, combined", () => {
    const table: Array<[string, Parameters<typeof releaseVerdict>[0], VerdictRecord | undefined, Verdict, RegExp]> = [
        ["engine succeeded, ECS completed", subject(), record(), "completed", /^ECS deployment ecs-svc\/1234567890123456789 completed/],
        ["no ECS service to roll it back", subject(), record({ ecs: "no-service", deployment: undefined }), "completed", /no ECS service/],
        ["ECS rolled it back", subject(), record({ ecs: "rolled-back" }), "rolled-back", /was rolled back/],
        ["ECS failed it without rollback", subject(), record({ ecs: "failed" }), "failed", /failed/],
        ["still rolling out", subject(), record({ ecs: "in-progress" }), "in-progress", /still IN_PROGRESS.*verify/],
        ["replaced by another update", subject(), record({ ecs: "superseded" }), "superseded", /another update replaced/],
        ["ECS not seen", subject(), record({ ecs: "unknown" }), "unknown", /not seen.*verify/],
        ["not applied", subject({ result: "failed" }), record({ ecs: "not-applied", applied: false }), "not-applied", /did not change/],
        ["engine failed although ECS completed", subject({ result: "failed" }), record(), "failed", /the engine's update failed \(ECS: completed\)/],
        ["no record, engine succeeded", subject(), undefined, "unknown", /no release verdict was recorded for update 7/],
        ["no record, engine failed", subject({ result: "failed" }), undefined, "failed", /engine's result: failed/],
        ["a record of another digest (history rewritten)", subject(), record({ digest: digest("b") }), "unknown", /no release verdict/],
        ["a record of another start (history rewritten)", subject(), record({ started: "2026-12-07T05:00:00.000Z" }), "unknown", /no release verdict/],
        ["a refresh", subject({ operation: "refresh", digest: undefined }), record(), "unknown", /a refresh that recorded no image/],
    ];
    for (const [name, s, r, verdict, reason] of table) {
        it(`${name} → ${verdict}`, () => {
            const got = releaseVerdict(s, r);
            assert.strictEqual(got.verdict, verdict);
            assert.match(got.reason, reason);
        });
    }

    it("matches a record to history's start time at second precision (history drops the milliseconds)", () => {
        assert.strictEqual(releaseVerdict(subject({ startTime: new Date("2026-12-07T04:00:00.999Z") }), record()).verdict, "completed");
        assert.strictEqual(releaseVerdict(subject({ startTime: new Date("2026-12-07T04:00:04.000Z") }), record()).verdict, "unknown");
    });
});

/** Driver updates, oldest first in the arguments; `verdicts` by version (1 = oldest). */
function history(rows: Array<[hex: string, result?: string]>, verdicts: Record<number, Partial<VerdictRecord>>): Deployment[] {
    const summaries = rows
        .map(([hex, result], i) => {
            const image = `${REPO}@${digest(hex)}`;
            return {
                version: 0,
                kind: "update",
                result: result ?? "succeeded",
                startTime: new Date(Date.UTC(2026, 11, 7, 4, i)).toISOString(),
                message: `deploy v${i}.0.0 ${digest(hex)} by alice`,
                environment: { "exec.kind": "auto.local" },
                config: {
                    "papyrus:image": { value: image, secret: false },
                    "papyrus:imageTag": { value: `v${i}.0.0`, secret: false },
                    "papyrus:deployKind": { value: "deploy", secret: false },
                },
            } as unknown as UpdateSummary;
        })
        .reverse();
    const records = new Map<number, VerdictRecord>();
    for (const [version, fields] of Object.entries(verdicts)) {
        const row = rows[Number(version) - 1];
        records.set(
            Number(version),
            record({ digest: digest(row[0]), started: new Date(Date.UTC(2026, 11, 7, 4, Number(version) - 1)).toISOString(), ...fields }),
        );
    }
    return toDeployments(summaries, records);
}

describe("release verdict in history: RUNS and rollback's default target", () => {
    it("a redeploy of the running digest that changed nothing does not take RUNS from the update that deployed it", () => {
        // v1 (a), v2 (b), then b again, failing before any step: the state still runs b from update 2.
        const deployments = markRunning(history([["a"], ["b"], ["b", "failed"]], { 1: {}, 2: {}, 3: { ecs: "not-applied", applied: false } }), {
            digest: digest("b"),
        });
        assert.deepStrictEqual(
            deployments.map((d) => [d.version, d.running]),
            [
                [3, false],
                [2, true],
                [1, false],
            ],
        );
    });

    it("without verdict records (updates made before them), RUNS is the newest update of the running digest, as before", () => {
        const deployments = markRunning(history([["a"], ["b"], ["b", "failed"]], {}), { digest: digest("b") });
        assert.strictEqual(deployments.find((d) => d.running)?.version, 3);
    });

    it("the default rollback target is the newest earlier digest whose release completed, skipping rolled-back, unfinished and unknown ones", () => {
        // a completed, b rolled back by ECS, c still in progress when the driver stopped, d unknown (--no-verify), e runs now.
        const deployments = markRunning(
            history([["a"], ["b"], ["c"], ["d"], ["e"]], { 1: {}, 2: { ecs: "rolled-back" }, 3: { ecs: "in-progress" }, 4: { ecs: "unknown" }, 5: {} }),
            { digest: digest("e") },
        );
        const choice = chooseRollbackTarget(deployments, {});
        assert.strictEqual(choice.target?.version, 1);
        // Named, an unreleased one is still a target (the driver warns).
        assert.strictEqual(chooseRollbackTarget(deployments, { toVersion: 2 }).target?.version, 2);
    });

    it("says which verdicts stood in the way when no earlier release completed", () => {
        const deployments = markRunning(history([["a"], ["b"], ["c"]], { 2: { ecs: "rolled-back" }, 3: {} }), { digest: digest("c") });
        const choice = chooseRollbackTarget(deployments, {});
        assert.strictEqual(choice.target, undefined);
        assert.match(choice.reason!, /^no earlier update whose release verdict is `completed` \(update 2 is `rolled-back`, update 1 is `unknown`\)/);
        assert.match(choice.reason!, /--to-version N/);
    });
});
