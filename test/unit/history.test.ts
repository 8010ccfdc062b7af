// Choosing a rollback target from history: pure, no engine.
import * as assert from "assert";
import { UpdateSummary } from "@pulumi/pulumi/automation";
import {
    chooseRollbackTarget,
    Deployment,
    formatPromotedFrom,
    formatReconcileOf,
    HistorySource,
    isSucceededDeployment,
    markRunning,
    parsePromotedFrom,
    parseReconcileOf,
    readDeployments,
    toDeployments,
    updateRunner,
} from "../../automation/record/history";
import { VerdictRecord } from "../../automation/record/verdict";

const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api";
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/**
 * `deploy`, `rollback`, `up`: the driver's updates. `manual`: a hand-run `pulumi up`. `automation`: another
 * Automation API program's update. `refresh`: a refresh, which records the stack's config (so its image) too.
 */
type Row = [kind: "deploy" | "rollback" | "up" | "refresh" | "manual" | "automation", result: string, hex?: string, tag?: string];

/**
 * Engine history records (oldest first in the arguments, newest first in the result, as the CLI
 * gives them), run by the driver (`auto.local` and the driver's message) or, for `manual`, by a
 * hand-run CLI. The state runs the newest update's digest unless `runs` names another.
 */
function updates(...rows: Row[]): Deployment[] {
    return markRunning(records(rows), { digest: digest([...rows].reverse().find((r) => r[0] !== "refresh" && r[2])?.[2] ?? "0") });
}

function records(rows: Row[]): Deployment[] {
    const summaries: UpdateSummary[] = rows
        .map(
            ([kind, result, hex, tag], i) =>
                ({
                    version: 0,
                    kind: kind === "refresh" ? "refresh" : "update",
                    result,
                    startTime: new Date(Date.UTC(2026, 10, 23, 10, i)).toISOString(),
                    endTime: new Date(Date.UTC(2026, 10, 23, 10, i, 30)).toISOString(),
                    message:
                        kind === "manual" || kind === "refresh" || hex === undefined
                            ? ""
                            : kind === "automation"
                              ? "nightly re-apply"
                              : `${kind} ${tag ?? `v${i}.0.0`} ${digest(hex)} by alice`,
                    environment: { "exec.kind": kind === "manual" ? "cli" : "auto.local" },
                    // A refresh carries the checkout's config of its moment too (kills reading an image from it).
                    config:
                        hex === undefined
                            ? {}
                            : {
                                  "papyrus:image": { value: `${REPO}@${digest(hex)}`, secret: false },
                                  "papyrus:imageTag": { value: tag ?? `v${i}.0.0`, secret: false },
                                  // What the checkout last held: a hand-run or foreign update, or a refresh, carries it unchanged.
                                  "papyrus:deployKind": {
                                      value: kind === "deploy" || kind === "rollback" || kind === "up" ? kind : "deploy",
                                      secret: false,
                                  },
                                  "papyrus:deployedBy": { value: "alice", secret: false },
                                  "papyrus:secretThing": { value: "[secret]", secret: true },
                              },
                }) as unknown as UpdateSummary,
        )
        .reverse();
    return toDeployments("papyrus", summaries, completedVerdicts(summaries));
}

/**
 * The verdict records the driver would have written: ECS completed every succeeded update with an image
 * (the verdict rules themselves are unit/verdict.test.ts's; these tests choose targets among released updates).
 */
function completedVerdicts(summaries: readonly UpdateSummary[], outcome: (version: number) => VerdictRecord["ecs"] = () => "completed") {
    const versions = new Map<number, VerdictRecord>();
    summaries.forEach((u, index) => {
        const image = u.config?.["papyrus:image"]?.value;
        if (image === undefined || u.kind !== "update") return;
        const version = u.version > 0 ? u.version : summaries.length - index;
        const started = new Date(u.startTime as unknown as string).toISOString();
        versions.set(version, { ecs: outcome(version), digest: image.slice(image.indexOf("@") + 1), applied: true, started, seen: started });
    });
    return versions;
}

/** One update summary as the engine reports it, for the cases the row helper does not cover. */
function summary(fields: { [K in keyof UpdateSummary]?: unknown } & { image?: string }): UpdateSummary {
    const { image, ...rest } = fields;
    return {
        version: 0,
        kind: "update",
        result: "succeeded",
        startTime: "2026-11-23T10:00:00.000Z",
        message: "",
        environment: { "exec.kind": "auto.local" },
        config: image === undefined ? {} : { "papyrus:image": { value: image, secret: false } },
        ...rest,
    } as unknown as UpdateSummary;
}

/** A stack whose `history` serves `pages` (page 1 first) and records every call. */
function pagedStack(pages: UpdateSummary[][]): { stack: HistorySource; calls: [pageSize: number, page: number, showSecrets: boolean][] } {
    const calls: [number, number, boolean][] = [];
    const stack = {
        project: "papyrus",
        history: async (pageSize: number, page: number, showSecrets: boolean) => {
            calls.push([pageSize, page, showSecrets]);
            return pages[page - 1] ?? [];
        },
    };
    return { stack, calls };
}

describe("deployments from history", () => {
    it("reads every page, newest first, with secrets hidden, and stops at the first short page", async () => {
        // The paging loop alone, against a stack that records what it is asked; engine/history.test.ts reads
        // real pages from the engine. kills: `page--`, `<=`/`>=` for the last-page test, `showSecrets` true, the
        // pushed batch dropped
        const page = (from: number, count: number) => Array.from({ length: count }, (_, i) => summary({ version: from - i }));
        const short = pagedStack([page(5, 2), page(3, 2), page(1, 1)]);
        assert.deepStrictEqual(
            (await readDeployments(short.stack, 2)).map((d) => d.version),
            [5, 4, 3, 2, 1],
        );
        assert.deepStrictEqual(short.calls, [
            [2, 1, false],
            [2, 2, false],
            [2, 3, false],
        ]);
        // A history that fills its last page exactly needs one more, empty, page to end.
        const exact = pagedStack([page(4, 2), page(2, 2)]);
        assert.deepStrictEqual(
            (await readDeployments(exact.stack, 2)).map((d) => d.version),
            [4, 3, 2, 1],
        );
        assert.deepStrictEqual(exact.calls, [
            [2, 1, false],
            [2, 2, false],
            [2, 3, false],
        ]);
    });

    it("keeps what the engine reports: its version numbers, result, times and message, field by field", () => {
        // Pulumi Cloud numbers its updates; the file backend's 0 is counted from the order (see below).
        // kills: the version taken from the order whenever, `message || undefined` turned into `&&`
        const image = `${REPO}@${digest("a")}`;
        const cloud = summary({
            version: 7,
            result: "succeeded",
            startTime: "2026-11-23T10:00:00.000Z",
            endTime: "2026-11-23T10:02:00.000Z",
            message: `deploy v1.2.3 ${digest("a")} by alice`,
            resourceChanges: { update: 1, same: 3 },
            config: {
                "papyrus:image": { value: image, secret: false },
                "papyrus:imageTag": { value: "v1.2.3", secret: false },
                "papyrus:deployKind": { value: "deploy", secret: false },
                "papyrus:deployedBy": { value: "alice", secret: false },
            },
        });
        const record: VerdictRecord = {
            ecs: "completed",
            digest: digest("a"),
            applied: true,
            deployment: "ecs-svc/7",
            started: "2026-11-23T10:00:00.000Z",
            seen: "2026-11-23T10:03:00.000Z",
        };
        assert.deepStrictEqual(toDeployments("papyrus", [cloud, summary({ version: 6 })], new Map([[7, record]])), [
            {
                version: 7,
                operation: "update",
                kind: "deploy",
                result: "succeeded",
                startTime: new Date("2026-11-23T10:00:00.000Z"),
                endTime: new Date("2026-11-23T10:02:00.000Z"),
                image,
                digest: digest("a"),
                tag: "v1.2.3",
                requestedBy: "alice",
                promotedFrom: undefined,
                reconcileOf: undefined,
                resourceChanges: { update: 1, same: 3 },
                message: `deploy v1.2.3 ${digest("a")} by alice`,
                runner: "driver",
                release: {
                    verdict: "completed",
                    ecs: "completed",
                    deployment: "ecs-svc/7",
                    seen: "2026-11-23T10:03:00.000Z",
                    applied: true,
                    reason: "ECS deployment ecs-svc/7 completed (seen 2026-11-23T10:03:00.000Z)",
                },
            },
            {
                version: 6,
                operation: "update",
                kind: "other",
                result: "succeeded",
                startTime: new Date("2026-11-23T10:00:00.000Z"),
                endTime: undefined,
                image: undefined,
                digest: undefined,
                tag: undefined,
                requestedBy: undefined,
                promotedFrom: undefined,
                reconcileOf: undefined,
                resourceChanges: undefined,
                message: undefined,
                runner: "automation",
                release: { verdict: "unknown", reason: "an update that recorded no image" },
            },
        ]);
        // An update still running (or cut off) has no result yet.
        // kills: the `unknown` default emptied
        assert.strictEqual(toDeployments("papyrus", [summary({ result: undefined })])[0].result, "unknown");
    });

    it("reads the driver's `up` updates as up, and only a hand-run update as manual", () => {
        // kills: `up` dropped from the driver's kinds; `cli && update` turned into `||`, or either side taken as true
        const history = records([
            ["deploy", "succeeded", "a"],
            ["up", "succeeded", "a"],
            ["automation", "succeeded", "a"],
        ]);
        const cliRefresh = summary({ kind: "refresh", environment: { "exec.kind": "cli" } });
        assert.deepStrictEqual(
            [...history, ...toDeployments("papyrus", [cliRefresh])].map((d) => [d.operation, d.runner, d.kind]),
            [
                ["update", "automation", "other"],
                ["update", "driver", "up"],
                ["update", "driver", "deploy"],
                ["refresh", "cli", "other"],
            ],
        );
    });

    it("reads an update an earlier driver recorded as kind `infra` as `up`, its message as the driver's", () => {
        // Before the name `up`, the driver wrote `papyrus:deployKind: infra` and the message `infra <tag> <digest> by <who>`.
        // kills: the former name dropped from the kinds read or from the message pattern
        const recorded = (kind: string) =>
            summary({
                message: `infra v1.0.0 ${digest("a")} by alice`,
                config: {
                    "papyrus:image": { value: `${REPO}@${digest("a")}`, secret: false },
                    "papyrus:deployKind": { value: kind, secret: false },
                    "papyrus:deployedBy": { value: "alice", secret: false },
                },
            });
        const old = recorded("infra");
        assert.deepStrictEqual(
            toDeployments("papyrus", [old]).map((d) => [d.runner, d.kind, d.requestedBy]),
            [["driver", "up", "alice"]],
        );
        // A kind no driver ever wrote is no driver kind, whatever the message says.
        assert.deepStrictEqual(
            toDeployments("papyrus", [recorded("toString")]).map((d) => d.kind),
            ["other"],
        );
    });

    it("finds the digest of an image the validator refuses, when it still ends in `@sha256:<hex>`", () => {
        // A hand-run update from an old checkout may hold an image without a registry; its digest still says what ran.
        // kills: the fallback's `at !== -1` (a bare `sha256:…` has no `@`), and either `slice(at + 1)` changed
        const digests = toDeployments("papyrus", [
            summary({ image: `papyrus-api@${digest("a")}` }),
            summary({ image: digest("b") }),
            summary({ image: "papyrus-api:v1.0.0" }),
        ]).map((d) => d.digest);
        assert.deepStrictEqual(digests, [digest("a"), undefined, undefined]);
    });
});

describe("rollback target", () => {
    it("counts as a succeeded deployment only an update that succeeded and recorded its digest", () => {
        // The one predicate rollback targets and protection share. kills: any of its three conditions dropped or negated
        const [deployed, refresh] = records([
            ["deploy", "succeeded", "a"],
            ["refresh", "succeeded"],
        ]).reverse();
        const cases: [Deployment, boolean][] = [
            [deployed, true],
            [{ ...deployed, result: "failed" }, false],
            [{ ...deployed, digest: undefined }, false],
            [{ ...refresh, result: "succeeded", digest: digest("a") }, false],
        ];
        assert.deepStrictEqual(
            cases.map(([d]) => isSucceededDeployment(d)),
            cases.map(([, expected]) => expected),
        );
    });

    it("numbers file-backend updates (version 0) from the oldest, and reads digest, tag, kind and who from config", () => {
        const history = updates(["deploy", "succeeded", "a", "v1.0.0"], ["refresh", "succeeded"], ["rollback", "failed", "b"]);
        assert.deepStrictEqual(
            history.map((d) => [d.version, d.operation, d.kind, d.result, d.digest, d.tag, d.requestedBy]),
            [
                [3, "update", "rollback", "failed", digest("b"), "v2.0.0", "alice"],
                [2, "refresh", "other", "succeeded", undefined, undefined, undefined],
                [1, "update", "deploy", "succeeded", digest("a"), "v1.0.0", "alice"],
            ],
        );
    });

    it("credits the driver only for updates whose metadata says it ran them", () => {
        // A hand-run `up` carries the checkout's stale `deployedBy`; another Automation API program has no driver message.
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "cli" }, message: "" }), "cli");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.local" }, message: `deploy v1.0.0 ${digest("a")} by alice` }), "driver");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.inline" }, message: `rollback ${digest("a")} by bob` }), "driver");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.local" }, message: "my own program" }), "automation");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.local" }, message: `deploy v1.0.0 sha256:abc by alice` }), "automation");
        assert.strictEqual(updateRunner({ environment: {}, message: `deploy v1.0.0 ${digest("a")} by alice` }), "unknown");
        // kills: the `^` of the driver's message pattern, `startsWith("auto")` emptied, `environment?.` without `?`
        assert.strictEqual(
            updateRunner({ environment: { "exec.kind": "auto.local" }, message: `re-run of deploy v1.0.0 ${digest("a")} by alice` }),
            "automation",
        );
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "remote.deployment" }, message: `deploy v1.0.0 ${digest("a")} by alice` }), "unknown");
        assert.strictEqual(updateRunner({ message: "an old record without environment" } as Pick<UpdateSummary, "environment" | "message">), "unknown");
        assert.strictEqual(
            updateRunner({ environment: { "exec.kind": "auto.inline" } } as unknown as Pick<UpdateSummary, "environment" | "message">),
            "automation",
        );
        const history = updates(["deploy", "succeeded", "a", "v1.0.0"], ["manual", "succeeded", "b", "v2.0.0"]);
        assert.deepStrictEqual(
            history.map((d) => [d.kind, d.runner, d.requestedBy, d.digest, d.running]),
            [
                ["manual", "cli", undefined, digest("b"), true],
                ["deploy", "driver", "alice", digest("a"), false],
            ],
        );
    });

    it("takes the current deployment from what the state runs, whatever the update's result", () => {
        // A cancelled update (result `failed`) that applied its image is current; one that did not is not.
        const rows: Row[] = [
            ["deploy", "succeeded", "a"],
            ["deploy", "succeeded", "b"],
            ["deploy", "failed", "c"],
        ];
        const applied = markRunning(records(rows), { digest: digest("c") });
        assert.deepStrictEqual([chooseRollbackTarget(applied, {}).current?.version, chooseRollbackTarget(applied, {}).target?.digest], [3, digest("b")]);
        const notApplied = markRunning(records(rows), { digest: digest("b") });
        assert.deepStrictEqual([chooseRollbackTarget(notApplied, {}).current?.version, chooseRollbackTarget(notApplied, {}).target?.digest], [2, digest("a")]);
        assert.deepStrictEqual(
            markRunning(records(rows), undefined).map((d) => d.running),
            [false, false, false],
        );
        assert.match(
            chooseRollbackTarget(markRunning(records(rows), undefined), {}).reason!,
            /the stack's state runs no image that a recorded update deployed/,
        );
        // The newest update with that digest is the current one (a rollback to a, not the first deploy of a).
        const back = markRunning(
            records([
                ["deploy", "succeeded", "a"],
                ["deploy", "succeeded", "b"],
                ["rollback", "succeeded", "a"],
            ]),
            { digest: digest("a") },
        );
        assert.deepStrictEqual(
            back.map((d) => d.running),
            [true, false, false],
        );
        // A refresh records the config too, so its image; it deployed nothing and is never the one that runs.
        // kills: `operation === "update"` dropped from markRunning
        const refreshed = markRunning(
            records([
                ["deploy", "succeeded", "a"],
                ["refresh", "succeeded", "a"],
            ]),
            { digest: digest("a") },
        );
        assert.deepStrictEqual(
            refreshed.map((d) => [d.operation, d.running]),
            [
                ["refresh", false],
                ["update", true],
            ],
        );
    });

    it("steps back from where a hand-run update's digest came from", () => {
        // v1 (a), v2 (b), v3 (c), then `pulumi up` by hand from a checkout holding b: the step back from b is a.
        const history = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["deploy", "succeeded", "c"], ["manual", "succeeded", "b"]);
        assert.deepStrictEqual([chooseRollbackTarget(history, {}).current?.version, chooseRollbackTarget(history, {}).target?.version], [4, 1]);
    });

    it("defaults to the newest earlier succeeded deployment with another digest, skipping failures", () => {
        const history = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["deploy", "failed", "c"], ["deploy", "succeeded", "b"]);
        const choice = chooseRollbackTarget(history, {});
        assert.strictEqual(choice.current?.version, 4);
        assert.strictEqual(choice.target?.version, 1);
        assert.strictEqual(choice.target?.digest, digest("a"));
    });

    it("does not bring back a digest ECS rolled back after it ran (a later reconcile names it)", () => {
        // v1 (a), v3 (c) deployed but its rollout never finished, v2 (b), v3 (c) again: ECS rolled it
        // back and a reconcile recorded b. The step back from b must not be update 2's c.
        const rows = records([
            ["deploy", "succeeded", "a"],
            ["deploy", "succeeded", "c"],
            ["deploy", "succeeded", "b"],
            ["deploy", "succeeded", "c"],
            ["rollback", "succeeded", "b"],
        ]);
        const reconciled = rows.map((d) => (d.version === 5 ? { ...d, kind: "reconcile" as const, reconcileOf: { version: 4, digest: digest("c") } } : d));
        const choice = chooseRollbackTarget(markRunning(reconciled, { digest: digest("b") }), {});
        assert.deepStrictEqual([choice.current?.version, choice.target?.version, choice.target?.digest], [5, 1, digest("a")]);
        // Explicitly, it still can.
        assert.strictEqual(chooseRollbackTarget(markRunning(reconciled, { digest: digest("b") }), { toVersion: 2 }).target?.digest, digest("c"));
        // A reconcile older than the deployment does not count against it: c ran again after ECS refused it once.
        const earlier = records([
            ["deploy", "succeeded", "a"],
            ["deploy", "succeeded", "c"],
            ["rollback", "succeeded", "a"],
            ["deploy", "succeeded", "c"],
            ["deploy", "succeeded", "b"],
        ]);
        const fixed = earlier.map((d) => (d.version === 3 ? { ...d, kind: "reconcile" as const, reconcileOf: { version: 2, digest: digest("c") } } : d));
        assert.strictEqual(chooseRollbackTarget(markRunning(fixed, { digest: digest("b") }), {}).target?.version, 4);
    });

    it("does not bring back the release just rolled back from", () => {
        // v1 (a), v2 (b), rollback to a: the next default rollback goes before v1, not to b.
        const noEarlier = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["rollback", "succeeded", "a"]);
        const none = chooseRollbackTarget(noEarlier, {});
        assert.strictEqual(none.target, undefined);
        assert.match(none.reason!, /update 3 rolled back to sha256:a+, first deployed in update 1, and nothing before that ran another digest/);

        const withEarlier = updates(["deploy", "succeeded", "f"], ["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["rollback", "succeeded", "a"]);
        assert.strictEqual(chooseRollbackTarget(withEarlier, {}).target?.digest, digest("f"));
        // An explicit version still reaches the skipped release.
        assert.strictEqual(chooseRollbackTarget(withEarlier, { toVersion: 3 }).target?.digest, digest("b"));
    });

    it("shows no image for a refresh or destroy, whose config only echoes the checkout's", () => {
        const history = records([
            ["deploy", "succeeded", "a", "v1.0.0"],
            ["refresh", "succeeded", "b"],
        ]);
        assert.deepStrictEqual(
            history.map((d) => [d.operation, d.digest, d.tag]),
            [
                ["refresh", undefined, undefined],
                ["update", digest("a"), "v1.0.0"],
            ],
        );
    });

    it("takes an explicit target when the state runs nothing a recorded update deployed (after a destroy), but not the default", () => {
        const nothingRuns = markRunning(
            records([
                ["deploy", "succeeded", "a", "v1.0.0"],
                ["deploy", "succeeded", "b", "v2.0.0"],
            ]),
            undefined,
        );
        assert.strictEqual(chooseRollbackTarget(nothingRuns, { toVersion: 1 }).target?.digest, digest("a"));
        assert.strictEqual(chooseRollbackTarget(nothingRuns, { toTag: "v2.0.0" }).target?.version, 2);
        // kills: `"toDigest" in target` dropped (emptied) from the explicit targets that need no current deployment
        assert.strictEqual(chooseRollbackTarget(nothingRuns, { toDigest: digest("b") }).target?.version, 2);
        assert.match(chooseRollbackTarget(nothingRuns, {}).reason!, /name a target with `--to-version`, `--to-tag` or `--to-digest`/);
    });

    it("explains why an explicit target cannot be used", () => {
        const history = updates(["deploy", "succeeded", "a", "v1.0.0"], ["deploy", "failed", "b", "v2.0.0"], ["deploy", "succeeded", "c", "v3.0.0"]);
        assert.match(chooseRollbackTarget(history, { toVersion: 2 }).reason!, /update 2 did not succeed \(failed\)/);
        assert.match(chooseRollbackTarget(history, { toVersion: 9 }).reason!, /no update 9 in history/);
        assert.match(chooseRollbackTarget(history, { toTag: "v2.0.0" }).reason!, /no succeeded deployment of tag `v2\.0\.0`/);
        assert.strictEqual(chooseRollbackTarget(history, { toTag: "v1.0.0" }).target?.version, 1);
        assert.strictEqual(chooseRollbackTarget(history, { toDigest: digest("a") }).target?.version, 1);
        assert.match(chooseRollbackTarget([], {}).reason!, /the stack's state runs no image/);
    });

    it("explains exactly why an update cannot be rolled back to", () => {
        // kills: the `recorded no image` and refresh reasons emptied, `operation === "update"` and `digest !== undefined`
        // dropped from the candidates, and the `toDigest` branch skipped for the default
        const summaries = [
            summary({
                version: 4,
                image: `${REPO}@${digest("c")}`,
                message: `deploy v3.0.0 ${digest("c")} by alice`,
                config: {
                    "papyrus:image": { value: `${REPO}@${digest("c")}`, secret: false },
                    "papyrus:deployKind": { value: "deploy", secret: false },
                },
            }),
            summary({ version: 3, kind: "refresh", image: `${REPO}@${digest("b")}` }),
            summary({ version: 2, image: `${REPO}@${digest("b")}`, message: `deploy v2.0.0 ${digest("b")} by alice` }),
            summary({ version: 1, message: "bootstrap" }),
        ];
        const history = markRunning(toDeployments("papyrus", summaries, completedVerdicts(summaries)), { digest: digest("c") });
        assert.deepStrictEqual(chooseRollbackTarget(history, { toVersion: 1 }), { current: history[0], reason: "update 1 recorded no image" });
        assert.deepStrictEqual(chooseRollbackTarget(history, { toVersion: 3 }), {
            current: history[0],
            reason: "update 3 is a refresh, which deploys no image",
        });
        assert.deepStrictEqual(chooseRollbackTarget(history, { toDigest: digest("d") }), {
            current: history[0],
            reason: `no succeeded deployment of digest \`${digest("d")}\``,
        });
        assert.strictEqual(chooseRollbackTarget(history, {}).target?.version, 2, "the default skips the refresh");
        const first = updates(["deploy", "succeeded", "a"]);
        assert.deepStrictEqual(chooseRollbackTarget(first, {}), {
            current: first[0],
            reason: `no succeeded deployment before update 1 ran another digest than ${digest("a")}`,
        });
    });

    it("goes by the digest asked for, not the default, with `toDigest`", () => {
        // kills: the `toDigest` branch skipped (the default would pick b)
        const history = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["deploy", "succeeded", "c"]);
        assert.strictEqual(chooseRollbackTarget(history, { toDigest: digest("a") }).target?.version, 1);
        assert.strictEqual(chooseRollbackTarget(history, {}).target?.version, 2);
    });

    it("follows `up` re-applies and other programs' updates back to where their digest came from", () => {
        // v1 (a), v2 (b), rollback to a, then an `up` that keeps a: the step back must not bring b back.
        // kills: `up` or `other` dropped from the kinds originOf follows
        for (const kind of ["up", "automation"] as const) {
            const history = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["rollback", "succeeded", "a"], [kind, "succeeded", "a"]);
            const choice = chooseRollbackTarget(history, {});
            assert.strictEqual(choice.target, undefined, kind);
            assert.strictEqual(
                choice.reason,
                `update 4 rolled back to ${digest("a")}, first deployed in update 1, and nothing before that ran another digest (\`--to-version\` picks any update)`,
                kind,
            );
        }
    });

    it("follows a reconcile back to where the digest it records came from", () => {
        // v1 (a), v2 (b), v3 (c), then a reconcile recording that ECS runs b (naming no refused digest): the
        // step back is from update 2, to a, not to c. kills: `reconcile` dropped from the kinds originOf follows
        const rows = records([
            ["deploy", "succeeded", "a"],
            ["deploy", "succeeded", "b"],
            ["deploy", "succeeded", "c"],
            ["rollback", "succeeded", "b"],
        ]);
        const reconciled = rows.map((d) => (d.version === 4 ? { ...d, kind: "reconcile" as const, reconcileOf: {} } : d));
        const choice = chooseRollbackTarget(markRunning(reconciled, { digest: digest("b") }), {});
        assert.deepStrictEqual([choice.current?.version, choice.target?.version], [4, 1]);
    });

    it("counts only a succeeded reconcile against a digest", () => {
        // v1 (a), v2 (c), v3 (b), and a reconcile naming c that failed, or a record of another kind that
        // names it: c is still the step back from b.
        // kills: `r.result === "succeeded"` made true, `&&` turned into `||` in the first two conditions, `r.kind === "reconcile"` made true
        const rows = records([
            ["deploy", "succeeded", "a"],
            ["deploy", "succeeded", "c"],
            ["deploy", "succeeded", "b"],
            ["deploy", "succeeded", "d"],
        ]);
        const naming = { version: 2, digest: digest("c") };
        for (const [label, change] of [
            ["failed reconcile", { kind: "reconcile" as const, result: "failed", reconcileOf: naming }],
            ["deploy naming c", { reconcileOf: naming }],
        ] as const) {
            const history = markRunning(
                rows.map((d) => (d.version === 4 ? { ...d, ...change } : d)),
                { digest: digest("b") },
            );
            assert.strictEqual(chooseRollbackTarget(history, {}).target?.version, 2, label);
        }
    });

    it("takes only updates as running or as a target: no other operation deploys an image", () => {
        // Records built by hand: toDeployments gives a refresh or destroy no digest, so these guard the
        // functions themselves. kills: `d.operation === "update"` made true in markRunning and in the candidates
        const [destroy, update] = records([
            ["deploy", "succeeded", "a"],
            ["deploy", "succeeded", "b"],
        ]).map((d) => (d.version === 2 ? { ...d, operation: "destroy", digest: digest("a") } : d));
        assert.deepStrictEqual(
            markRunning([destroy, update], { digest: digest("a") }).map((d) => [d.version, d.running]),
            [
                [2, false],
                [1, true],
            ],
        );
        assert.strictEqual(chooseRollbackTarget(markRunning([destroy, update], undefined), { toDigest: digest("a") }).target?.version, 1);
    });

    it("steps back from a redeploy of an old release to the release before the redeploy", () => {
        // A deploy is where its digest came from, even if that digest ran before: v1 (a), v2 (b), deploy a again: back to b.
        // kills: originOf following deploys too (`origin.kind !== "other"`)
        const history = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["deploy", "succeeded", "a"]);
        assert.strictEqual(chooseRollbackTarget(history, {}).target?.version, 2);
    });
});

describe("promoted deployments in history", () => {
    const from = { stack: "dev", version: 7, digest: digest("a"), tag: "v1.0.0" };
    const summary = (runner: "auto.local" | "cli", promotedFrom: string | undefined): UpdateSummary =>
        ({
            version: 0,
            kind: "update",
            result: "succeeded",
            startTime: "2026-11-23T10:00:00.000Z",
            endTime: "2026-11-23T10:00:30.000Z",
            message: runner === "cli" ? "" : `promote v1.0.0 ${digest("a")} by alice`,
            environment: { "exec.kind": runner },
            config: {
                "papyrus:image": { value: `${REPO}@${digest("a")}`, secret: false },
                "papyrus:imageTag": { value: "v1.0.0", secret: false },
                "papyrus:deployKind": { value: "promote", secret: false },
                "papyrus:deployedBy": { value: "alice", secret: false },
                ...(promotedFrom === undefined ? {} : { "papyrus:promotedFrom": { value: promotedFrom, secret: false } }),
            },
        }) as unknown as UpdateSummary;

    it("reads a driver's promote with its source, as the driver writes it", () => {
        // kills: promote updates shown as `other`, or `papyrus:promotedFrom` not read back
        const [deployment] = toDeployments("papyrus", [summary("auto.local", formatPromotedFrom(from))]);
        assert.deepStrictEqual([deployment.kind, deployment.runner, deployment.digest, deployment.promotedFrom], ["promote", "driver", digest("a"), from]);
    });

    it("credits no source to a hand-run update, and ignores a value that is not the driver's shape", () => {
        assert.deepStrictEqual(
            toDeployments("papyrus", [summary("cli", formatPromotedFrom(from))]).map((d) => [d.kind, d.promotedFrom]),
            [["manual", undefined]],
        );
        for (const bad of ["dev@7", "{}", JSON.stringify({ ...from, version: "7" }), JSON.stringify({ ...from, digest: "sha256:short" })]) {
            assert.strictEqual(parsePromotedFrom(bad), undefined, bad);
        }
        assert.deepStrictEqual(parsePromotedFrom(JSON.stringify({ stack: "dev", version: 2, digest: digest("b") })), {
            stack: "dev",
            version: 2,
            digest: digest("b"),
            tag: undefined,
        });
    });

    it("reads what a driver's reconcile reconciled, and only a driver's reconcile", () => {
        // kills: the `reconcile` of the driver kinds emptied (static), `kind === "reconcile"` negated, made
        // true or false or emptied, `byDriver &&` turned into `||`, and `kind === "promote"` made true
        const of = { version: 4, digest: digest("c") };
        const update = (runner: "auto.local" | "cli", kind: string) =>
            ({
                ...summary(runner, formatPromotedFrom(from)),
                message: runner === "cli" ? "" : `${kind} v1.0.0 ${digest("a")} by alice`,
                config: {
                    ...summary(runner, formatPromotedFrom(from)).config,
                    "papyrus:deployKind": { value: kind, secret: false },
                    "papyrus:reconcileOf": { value: formatReconcileOf(of), secret: false },
                },
            }) as unknown as UpdateSummary;
        assert.deepStrictEqual(
            toDeployments("papyrus", [update("auto.local", "reconcile"), update("auto.local", "deploy"), update("cli", "reconcile")]).map((d) => [
                d.kind,
                d.reconcileOf,
                d.promotedFrom,
            ]),
            [
                ["reconcile", of, undefined],
                ["deploy", undefined, undefined],
                ["manual", undefined, undefined],
            ],
        );
    });

    it("reads back `papyrus:reconcileOf` as the driver writes it, and only that shape", () => {
        // kills: the written or the parsed object emptied
        assert.strictEqual(formatReconcileOf({ version: 4, digest: digest("c") }), `{"version":4,"digest":"${digest("c")}"}`);
        assert.deepStrictEqual(parseReconcileOf(formatReconcileOf({ version: 4, digest: digest("c") })), { version: 4, digest: digest("c") });
        assert.deepStrictEqual(parseReconcileOf(JSON.stringify({ version: "4", digest: "sha256:short" })), { version: undefined, digest: undefined });
        assert.strictEqual(parseReconcileOf("not json"), undefined);
        assert.strictEqual(parseReconcileOf(undefined), undefined);
    });

    it("a promote is where a digest came from: a default rollback steps back past it", () => {
        const summaries = [
            { ...summary("auto.local", formatPromotedFrom(from)), startTime: "2026-11-23T10:02:00.000Z" } as unknown as UpdateSummary,
            {
                ...summary("auto.local", formatPromotedFrom({ ...from, version: 3, digest: digest("b") })),
                message: `promote v0.9.0 ${digest("b")} by alice`,
                config: { ...summary("auto.local", undefined).config, "papyrus:image": { value: `${REPO}@${digest("b")}`, secret: false } },
            } as unknown as UpdateSummary,
        ];
        const history = markRunning(toDeployments("papyrus", summaries, completedVerdicts(summaries)), { digest: digest("a") });
        assert.deepStrictEqual(chooseRollbackTarget(history, {}).target?.digest, digest("b"));
    });
});
