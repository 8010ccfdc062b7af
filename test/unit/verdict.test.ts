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
    writeVerdict,
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
    return toDeployments("papyrus", summaries, records);
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

// Each verdict's exact fields and words, and the edges of what is read back (from `npm run mutate` survivors).
describe("release verdict: exact fields and edges", () => {
    const seen = { ecs: "completed", deployment: "ecs-svc/1234567890123456789", seen: "2026-12-07T04:01:00.000Z", applied: true } as const;
    const by = "ECS deployment ecs-svc/1234567890123456789";
    const NO_RECORD = "by hand, or its record could not be written; `papyrus-deploy verify` records ECS's outcome for the update a stack runs";

    it("says each verdict in full, with what ECS did as recorded", () => {
        // kills: every reason text, `by`, and the recorded fields spread into the verdict
        const cases: Array<[Parameters<typeof releaseVerdict>[0], VerdictRecord | undefined, object]> = [
            [subject(), record(), { ...seen, verdict: "completed", reason: `${by} completed (seen 2026-12-07T04:01:00.000Z)` }],
            [
                subject(),
                record({ deployment: undefined }),
                { ...seen, deployment: undefined, verdict: "completed", reason: "ECS completed (seen 2026-12-07T04:01:00.000Z)" },
            ],
            [
                subject(),
                record({ ecs: "no-service" }),
                { ...seen, ecs: "no-service", verdict: "completed", reason: "the engine succeeded and the stack has no ECS service that could roll it back" },
            ],
            [
                subject(),
                record({ ecs: "rolled-back" }),
                { ...seen, ecs: "rolled-back", verdict: "rolled-back", reason: `${by} was rolled back (seen 2026-12-07T04:01:00.000Z)` },
            ],
            [subject(), record({ ecs: "failed" }), { ...seen, ecs: "failed", verdict: "failed", reason: `${by} failed (seen 2026-12-07T04:01:00.000Z)` }],
            [
                subject(),
                record({ ecs: "in-progress" }),
                {
                    ...seen,
                    ecs: "in-progress",
                    verdict: "in-progress",
                    reason: `${by} was still IN_PROGRESS at 2026-12-07T04:01:00.000Z; \`papyrus-deploy verify\` records how it ended`,
                },
            ],
            [
                subject(),
                record({ ecs: "superseded" }),
                { ...seen, ecs: "superseded", verdict: "superseded", reason: `another update replaced ${by} before it finished` },
            ],
            [
                subject(),
                record({ ecs: "unknown" }),
                {
                    ...seen,
                    ecs: "unknown",
                    verdict: "unknown",
                    reason: "ECS's outcome was not seen (ECS not checked or unreachable, or the command was cancelled); `papyrus-deploy verify` records it",
                },
            ],
            [
                subject({ result: "succeeded" }),
                record({ ecs: "not-applied", applied: false }),
                { ...seen, ecs: "not-applied", applied: false, verdict: "not-applied", reason: "the update did not change what the service runs" },
            ],
            [
                subject({ result: "cancelled" }),
                record({ ecs: "failed" }),
                { ...seen, ecs: "failed", verdict: "failed", reason: "the engine's update cancelled (ECS: failed)" },
            ],
            [
                subject(),
                undefined,
                {
                    verdict: "unknown",
                    reason: `no release verdict was recorded for update 7: it was made before papyrus-deploy recorded verdicts, ${NO_RECORD}`,
                },
            ],
            [
                subject({ result: "failed" }),
                undefined,
                {
                    verdict: "failed",
                    reason: `no release verdict was recorded for update 7 (the engine's result: failed): it was made before papyrus-deploy recorded verdicts, ${NO_RECORD}`,
                },
            ],
            [subject({ digest: undefined }), record(), { verdict: "unknown", reason: "an update that recorded no image" }],
            [subject({ operation: "destroy" }), record(), { verdict: "unknown", reason: "a destroy that recorded no image" }],
        ];
        for (const [s, r, expected] of cases) assert.deepStrictEqual(releaseVerdict(s, r), expected, JSON.stringify([s, r?.ecs]));
    });

    it("matches a record started up to two seconds either side of history's second", () => {
        // kills: `<= 2000` → `< 2000`, the `Math.abs`, and the rounding of history's time down to the second
        const at = (iso: string) => releaseVerdict(subject({ startTime: new Date(iso) }), record()).verdict;
        assert.strictEqual(at("2026-12-07T04:00:02.000Z"), "completed");
        assert.strictEqual(at("2026-12-07T04:00:02.999Z"), "completed");
        assert.strictEqual(at("2026-12-07T03:59:58.000Z"), "completed");
        assert.strictEqual(at("2026-12-07T04:00:03.000Z"), "unknown");
        assert.strictEqual(at("2026-12-07T03:59:57.999Z"), "unknown");
    });

    it("keeps a record of exactly 256 characters whole", () => {
        // kills: `full.length <= TAG_VALUE_LIMIT` → `<`
        const base = formatVerdictRecord(record({ deployment: "" })).length;
        const exact = record({ deployment: "x".repeat(256 - base) });
        assert.strictEqual(formatVerdictRecord(exact).length, 256);
        assert.deepStrictEqual(parseVerdictRecord(formatVerdictRecord(exact)), exact);
        const over = record({ deployment: "x".repeat(257 - base) });
        assert.strictEqual(parseVerdictRecord(formatVerdictRecord(over))?.deployment, undefined);
    });

    it("reads a number, a list, a bad `seen` or a missing `started` as no record", () => {
        // kills: `typeof value !== "object"`, and each time check on its own
        for (const text of ["5", '"completed"', JSON.stringify({ ...record(), seen: "later" }), JSON.stringify({ ...record(), started: 5 })]) {
            assert.strictEqual(parseVerdictRecord(text), undefined, text);
        }
        assert.deepStrictEqual(parseVerdictRecord(JSON.stringify({ ...record(), deployment: undefined })), record({ deployment: undefined }));
    });

    it("takes a tag's version from after the prefix, whatever else the stack's tags hold", () => {
        // kills: the prefix test (`pulumi:template:` is as long as the prefix) and the version's `> 0` / integer checks
        const good = formatVerdictRecord(record());
        const records = verdictRecords({ "papyrus:release:12": good, "papyrus:release:-1": good, "papyrus:release:1.5": good, "pulumi:template:7": good });
        assert.deepStrictEqual([...records], [[12, record()]]);
    });

    it("writes the verdict as the update's tag and returns the tag's name", async () => {
        // kills: `writeVerdict` (no coverage before)
        const set: Array<[string, string]> = [];
        const name = await writeVerdict({ setTag: async (n, v) => void set.push([n, v]) }, 9, record());
        assert.strictEqual(name, "papyrus:release:9");
        assert.deepStrictEqual(set, [["papyrus:release:9", formatVerdictRecord(record())]]);
    });
});
