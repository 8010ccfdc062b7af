// Choosing a rollback target from history: pure, no engine.
import * as assert from "assert";
import { UpdateSummary } from "@pulumi/pulumi/automation";
import { chooseRollbackTarget, Deployment, formatPromotedFrom, markRunning, parsePromotedFrom, toDeployments, updateRunner } from "../automation/history";

const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api";
const digest = (c: string) => `sha256:${c.repeat(64)}`;

type Row = [kind: "deploy" | "rollback" | "refresh" | "manual", result: string, hex?: string, tag?: string];

/**
 * Engine history records (oldest first in the arguments, newest first in the result, as the CLI
 * gives them), run by the driver (`auto.local` and the driver's message) or, for `manual`, by a
 * hand-run CLI. The state runs the newest update's digest unless `runs` names another.
 */
function updates(...rows: Row[]): Deployment[] {
    return markRunning(records(rows), { digest: digest([...rows].reverse().find((r) => r[0] !== "refresh" && r[2])?.[2] ?? "0") });
}

function records(rows: Row[]): Deployment[] {
    const summaries: UpdateSummary[] = rows.map(([kind, result, hex, tag], i) => ({
        version: 0,
        kind: kind === "refresh" ? "refresh" : "update",
        result,
        startTime: new Date(Date.UTC(2026, 10, 23, 10, i)).toISOString(),
        endTime: new Date(Date.UTC(2026, 10, 23, 10, i, 30)).toISOString(),
        message: kind === "manual" || hex === undefined ? "" : `${kind} ${tag ?? `v${i}.0.0`} ${digest(hex)} by alice`,
        environment: { "exec.kind": kind === "manual" ? "cli" : "auto.local" },
        // A refresh carries the checkout's config of its moment too (kills reading an image from it).
        config: hex === undefined ? {} : {
            "papyrus:image": { value: `${REPO}@${digest(hex)}`, secret: false },
            "papyrus:imageTag": { value: tag ?? `v${i}.0.0`, secret: false },
            "papyrus:deployKind": { value: kind === "manual" ? "deploy" : kind, secret: false },
            "papyrus:deployedBy": { value: "alice", secret: false },
            "papyrus:secretThing": { value: "[secret]", secret: true },
        },
    }) as unknown as UpdateSummary).reverse();
    return toDeployments(summaries);
}

describe("rollback target", () => {
    it("numbers file-backend updates (version 0) from the oldest, and reads digest, tag, kind and who from config", () => {
        const history = updates(["deploy", "succeeded", "a", "v1.0.0"], ["refresh", "succeeded"], ["rollback", "failed", "b"]);
        assert.deepStrictEqual(history.map((d) => [d.version, d.operation, d.kind, d.result, d.digest, d.tag, d.requestedBy]), [
            [3, "update", "rollback", "failed", digest("b"), "v2.0.0", "alice"],
            [2, "refresh", "other", "succeeded", undefined, undefined, undefined],
            [1, "update", "deploy", "succeeded", digest("a"), "v1.0.0", "alice"],
        ]);
    });

    it("credits the driver only for updates whose metadata says it ran them", () => {
        // A hand-run `up` carries the checkout's stale `deployedBy`; another Automation API program has no driver message.
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "cli" }, message: "" }), "cli");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.local" }, message: `deploy v1.0.0 ${digest("a")} by alice` }), "driver");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.inline" }, message: `rollback ${digest("a")} by bob` }), "driver");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.local" }, message: "my own program" }), "automation");
        assert.strictEqual(updateRunner({ environment: { "exec.kind": "auto.local" }, message: `deploy v1.0.0 sha256:abc by alice` }), "automation");
        assert.strictEqual(updateRunner({ environment: {}, message: `deploy v1.0.0 ${digest("a")} by alice` }), "unknown");
        const history = updates(["deploy", "succeeded", "a", "v1.0.0"], ["manual", "succeeded", "b", "v2.0.0"]);
        assert.deepStrictEqual(history.map((d) => [d.kind, d.runner, d.requestedBy, d.digest, d.running]), [
            ["manual", "cli", undefined, digest("b"), true],
            ["deploy", "driver", "alice", digest("a"), false],
        ]);
    });

    it("takes the current deployment from what the state runs, whatever the update's result", () => {
        // A cancelled update (result `failed`) that applied its image is current; one that did not is not.
        const rows: Row[] = [["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["deploy", "failed", "c"]];
        const applied = markRunning(records(rows), { digest: digest("c") });
        assert.deepStrictEqual([chooseRollbackTarget(applied, {}).current?.version, chooseRollbackTarget(applied, {}).target?.digest], [3, digest("b")]);
        const notApplied = markRunning(records(rows), { digest: digest("b") });
        assert.deepStrictEqual([chooseRollbackTarget(notApplied, {}).current?.version, chooseRollbackTarget(notApplied, {}).target?.digest], [2, digest("a")]);
        assert.deepStrictEqual(markRunning(records(rows), undefined).map((d) => d.running), [false, false, false]);
        assert.match(chooseRollbackTarget(markRunning(records(rows), undefined), {}).reason!, /the stack's state runs no image that a recorded update deployed/);
        // The newest update with that digest is the current one (a rollback to a, not the first deploy of a).
        const back = markRunning(records([["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["rollback", "succeeded", "a"]]), { digest: digest("a") });
        assert.deepStrictEqual(back.map((d) => d.running), [true, false, false]);
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
        const rows = records([["deploy", "succeeded", "a"], ["deploy", "succeeded", "c"], ["deploy", "succeeded", "b"], ["deploy", "succeeded", "c"], ["rollback", "succeeded", "b"]]);
        const reconciled = rows.map((d) => d.version === 5 ? { ...d, kind: "reconcile" as const, reconcileOf: { version: 4, digest: digest("c") } } : d);
        const choice = chooseRollbackTarget(markRunning(reconciled, { digest: digest("b") }), {});
        assert.deepStrictEqual([choice.current?.version, choice.target?.version, choice.target?.digest], [5, 1, digest("a")]);
        // Explicitly, it still can.
        assert.strictEqual(chooseRollbackTarget(markRunning(reconciled, { digest: digest("b") }), { toVersion: 2 }).target?.digest, digest("c"));
        // A reconcile older than the deployment does not count against it: c ran again after ECS refused it once.
        const earlier = records([["deploy", "succeeded", "a"], ["deploy", "succeeded", "c"], ["rollback", "succeeded", "a"], ["deploy", "succeeded", "c"], ["deploy", "succeeded", "b"]]);
        const fixed = earlier.map((d) => d.version === 3 ? { ...d, kind: "reconcile" as const, reconcileOf: { version: 2, digest: digest("c") } } : d);
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
        const history = records([["deploy", "succeeded", "a", "v1.0.0"], ["refresh", "succeeded", "b"]]);
        assert.deepStrictEqual(history.map((d) => [d.operation, d.digest, d.tag]), [["refresh", undefined, undefined], ["update", digest("a"), "v1.0.0"]]);
    });

    it("takes an explicit target when the state runs nothing a recorded update deployed (after a destroy), but not the default", () => {
        const nothingRuns = markRunning(records([["deploy", "succeeded", "a", "v1.0.0"], ["deploy", "succeeded", "b", "v2.0.0"]]), undefined);
        assert.strictEqual(chooseRollbackTarget(nothingRuns, { toVersion: 1 }).target?.digest, digest("a"));
        assert.strictEqual(chooseRollbackTarget(nothingRuns, { toTag: "v2.0.0" }).target?.version, 2);
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
});

describe("promoted deployments in history", () => {
    const from = { stack: "dev", version: 7, digest: digest("a"), tag: "v1.0.0" };
    const summary = (runner: "auto.local" | "cli", promotedFrom: string | undefined): UpdateSummary => ({
        version: 0, kind: "update", result: "succeeded",
        startTime: "2026-11-23T10:00:00.000Z", endTime: "2026-11-23T10:00:30.000Z",
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
        const [deployment] = toDeployments([summary("auto.local", formatPromotedFrom(from))]);
        assert.deepStrictEqual([deployment.kind, deployment.runner, deployment.digest, deployment.promotedFrom], ["promote", "driver", digest("a"), from]);
    });

    it("credits no source to a hand-run update, and ignores a value that is not the driver's shape", () => {
        assert.deepStrictEqual(toDeployments([summary("cli", formatPromotedFrom(from))]).map((d) => [d.kind, d.promotedFrom]), [["manual", undefined]]);
        for (const bad of ["dev@7", "{}", JSON.stringify({ ...from, version: "7" }), JSON.stringify({ ...from, digest: "sha256:short" })]) {
            assert.strictEqual(parsePromotedFrom(bad), undefined, bad);
        }
        assert.deepStrictEqual(parsePromotedFrom(JSON.stringify({ stack: "dev", version: 2, digest: digest("b") })), { stack: "dev", version: 2, digest: digest("b"), tag: undefined });
    });

    it("a promote is where a digest came from: a default rollback steps back past it", () => {
        const history = markRunning(toDeployments([
            { ...summary("auto.local", formatPromotedFrom(from)), startTime: "2026-11-23T10:02:00.000Z" } as unknown as UpdateSummary,
            { ...summary("auto.local", formatPromotedFrom({ ...from, version: 3, digest: digest("b") })), message: `promote v0.9.0 ${digest("b")} by alice`,
                config: { ...summary("auto.local", undefined).config, "papyrus:image": { value: `${REPO}@${digest("b")}`, secret: false } } } as unknown as UpdateSummary,
        ]), { digest: digest("a") });
        assert.deepStrictEqual(chooseRollbackTarget(history, {}).target?.digest, digest("b"));
    });
});
