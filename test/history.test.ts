// Choosing a rollback target from history: pure, no engine.
import * as assert from "assert";
import { UpdateSummary } from "@pulumi/pulumi/automation";
import { chooseRollbackTarget, Deployment, toDeployments } from "../automation/history";

const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api";
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** One engine history record (oldest first in the arguments, newest first in the result, as the CLI gives them). */
function updates(...rows: [kind: "deploy" | "rollback" | "refresh", result: string, hex?: string, tag?: string][]): Deployment[] {
    const summaries: UpdateSummary[] = rows.map(([kind, result, hex, tag], i) => ({
        version: 0,
        kind: kind === "refresh" ? "refresh" : "update",
        result,
        startTime: new Date(Date.UTC(2026, 10, 23, 10, i)).toISOString(),
        endTime: new Date(Date.UTC(2026, 10, 23, 10, i, 30)).toISOString(),
        message: "",
        environment: {},
        config: kind === "refresh" || hex === undefined ? {} : {
            "papyrus:image": { value: `${REPO}@${digest(hex)}`, secret: false },
            "papyrus:imageTag": { value: tag ?? `v${i}.0.0`, secret: false },
            "papyrus:deployKind": { value: kind, secret: false },
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

    it("defaults to the newest earlier succeeded deployment with another digest, skipping failures", () => {
        const history = updates(["deploy", "succeeded", "a"], ["deploy", "succeeded", "b"], ["deploy", "failed", "c"], ["deploy", "succeeded", "b"]);
        const choice = chooseRollbackTarget(history, {});
        assert.strictEqual(choice.current?.version, 4);
        assert.strictEqual(choice.target?.version, 1);
        assert.strictEqual(choice.target?.digest, digest("a"));
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

    it("explains why an explicit target cannot be used", () => {
        const history = updates(["deploy", "succeeded", "a", "v1.0.0"], ["deploy", "failed", "b", "v2.0.0"], ["deploy", "succeeded", "c", "v3.0.0"]);
        assert.match(chooseRollbackTarget(history, { toVersion: 2 }).reason!, /update 2 did not succeed \(failed\)/);
        assert.match(chooseRollbackTarget(history, { toVersion: 9 }).reason!, /no update 9 in history/);
        assert.match(chooseRollbackTarget(history, { toTag: "v2.0.0" }).reason!, /no succeeded deployment of tag `v2\.0\.0`/);
        assert.strictEqual(chooseRollbackTarget(history, { toTag: "v1.0.0" }).target?.version, 1);
        assert.strictEqual(chooseRollbackTarget(history, { toDigest: digest("a") }).target?.version, 1);
        assert.match(chooseRollbackTarget([], {}).reason!, /no succeeded deployment with an image/);
    });
});
