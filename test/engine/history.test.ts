// automation/record/history.ts against the real engine: the fixture project
// (testkit/fixtures/digest-app) updated several times on a temporary file://
// backend, then read back the way `rollback` and `history` read it.
import * as assert from "assert";
import { Stack } from "@pulumi/pulumi/automation";
import {
    chooseRollbackTarget,
    currentDeployment,
    Deployment,
    HistorySource,
    markRunning,
    readDeployments,
    toDeployments,
} from "../../automation/record/history";

/** The Automation API's stack as the history reader's source (no tags: every verdict `unknown`). */
const historyOf = (stack: Stack): HistorySource => ({ project: "papyrus", history: stack.history.bind(stack) });
import { Checkpoint, recordedImage } from "../../automation/engine/state";
import { formatVerdictRecord, verdictTagName } from "../../automation/record/verdict";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { fixtureStack } from "../../testkit/fixture";

const REPO_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api";
const digest = (hex: string) => `sha256:${hex.repeat(64)}`;

/** The update message the driver gives its updates, by which history credits them to it. */
const driverMessage = (kind: string, tag: string, hex: string, by: string) => `${kind} ${tag} ${digest(hex)} by ${by}`;

/** One `up` with the config keys and the message the driver gives every update. */
async function update(stack: Stack, release: { hex: string; tag: string; kind?: string; by?: string }): Promise<void> {
    await stack.setAllConfig({
        "papyrus:image": { value: `${REPO_URL}@${digest(release.hex)}` },
        "papyrus:imageTag": { value: release.tag },
        "papyrus:deployKind": { value: release.kind ?? "deploy" },
        "papyrus:deployedBy": { value: release.by ?? "alice" },
    });
    await stack.up({ message: driverMessage(release.kind ?? "deploy", release.tag, release.hex, release.by ?? "alice") });
}

/** The history marked with the deployment whose digest the stack's state runs, as the driver reads it. */
async function withRunning(stack: Stack, deployments: Deployment[]): Promise<Deployment[]> {
    return markRunning(deployments, recordedImage((await stack.exportStack()).deployment as Checkpoint));
}

/** The fields a reader of history acts on, newest first. */
const rows = (deployments: readonly Deployment[]) => deployments.map((d) => [d.version, d.operation, d.kind, d.result, d.digest, d.tag, d.requestedBy]);

describe("history from the real engine (file:// backend)", function () {
    this.timeout(300_000);
    let backend: TempBackend;
    let stack: Stack;
    const failures: string[] = [];

    // Seven updates, one history: five that succeed (the fifth a rollback to v2), then two
    // that fail. Built once: every `up` costs seconds.
    before(async () => {
        backend = tempBackend();
        stack = await fixtureStack(backend, "dev");
        await stack.setConfig("papyrus:repositoryName", { value: "papyrus-api" });
        await update(stack, { hex: "1", tag: "v1.0.0", by: "alice" });
        await update(stack, { hex: "2", tag: "v2.0.0", by: "bob" });
        await update(stack, { hex: "3", tag: "v3.0.0", by: "carol" });
        await update(stack, { hex: "4", tag: "v4.0.0", by: "dave" });
        await update(stack, { hex: "2", tag: "v2.0.0", kind: "rollback", by: "erin" });
        // A tag where a digest belongs: the program's validator throws, so the update fails.
        await stack.setAllConfig({
            "papyrus:image": { value: `${REPO_URL}:v6.0.0` },
            "papyrus:imageTag": { value: "v6.0.0" },
            "papyrus:deployKind": { value: "deploy" },
            "papyrus:deployedBy": { value: "frank" },
        });
        await stack.up({ message: driverMessage("deploy", "v6.0.0", "6", "frank") }).then(
            () => failures.push("update 6 succeeded"),
            (err: Error) => failures.push(err.message),
        );
        // A valid digest whose update fails anyway (the fixture cannot read its delay): a failed
        // update that still records a digest, as a real `up` that AWS refused would.
        await stack.setAllConfig({
            "papyrus:image": { value: `${REPO_URL}@${digest("7")}` },
            "papyrus:imageTag": { value: "v7.0.0" },
            "papyrus:deployedBy": { value: "grace" },
            "papyrus:fixtureDelayMs": { value: "soon" },
        });
        await stack.up({ message: driverMessage("deploy", "v7.0.0", "7", "grace") }).then(
            () => failures.push("update 7 succeeded"),
            (err: Error) => failures.push(err.message),
        );
    });
    after(() => backend?.cleanup());

    const expected = [
        [7, "update", "deploy", "failed", digest("7"), "v7.0.0", "grace"],
        [6, "update", "deploy", "failed", undefined, "v6.0.0", "frank"],
        [5, "update", "rollback", "succeeded", digest("2"), "v2.0.0", "erin"],
        [4, "update", "deploy", "succeeded", digest("4"), "v4.0.0", "dave"],
        [3, "update", "deploy", "succeeded", digest("3"), "v3.0.0", "carol"],
        [2, "update", "deploy", "succeeded", digest("2"), "v2.0.0", "bob"],
        [1, "update", "deploy", "succeeded", digest("1"), "v1.0.0", "alice"],
    ];

    it("the engine records the last two updates as failed, for the reasons given", () => {
        assert.strictEqual(failures.length, 2);
        assert.match(failures[0], /`papyrus:image` must be pinned by digest/);
        assert.match(failures[1], /fixtureDelayMs/);
    });

    describe("readDeployments", () => {
        it("returns all seven, newest first, read in pages of two (the last page partly full)", async () => {
            // kills: a read that stops after the first page
            assert.deepStrictEqual(rows(await readDeployments(historyOf(stack), 2)), expected);
        });

        it("returns the same when the last page is exactly full (7, then an empty page) and with one per page", async () => {
            // kills: pages counted from 0 (the engine does not answer page 0 with the first page); a full last page is followed by one empty read, not an error
            assert.deepStrictEqual(rows(await readDeployments(historyOf(stack), 7)), expected);
            assert.deepStrictEqual(rows(await readDeployments(historyOf(stack), 1)), expected);
        });
    });

    describe("a history that ends with failed updates", () => {
        it("toDeployments reads them as failed, with a digest only where one was recorded", async () => {
            // kills: failed updates reported as succeeded (`result` not read from the summary)
            const deployments = toDeployments("papyrus", await stack.history(10, 1, false));
            assert.deepStrictEqual(rows(deployments), expected);
            assert.strictEqual(deployments[1].image, `${REPO_URL}:v6.0.0`);
        });

        it("currentDeployment is the update whose digest the state runs, not the failed one that recorded a digest", async () => {
            // kills: taking the newest update with a digest as current (v7 failed before any resource: the state runs v2)
            const current = currentDeployment(await withRunning(stack, await readDeployments(historyOf(stack), 2)));
            assert.deepStrictEqual([current?.version, current?.kind, current?.digest], [5, "rollback", digest("2")]);
        });

        it("a default rollback finds its target on the last page: v1, before v2 that update 5 rolled back to", async () => {
            // kills: a read that stops after the first page ([7, 6, 5, 4]: the rollback would pick v4, the release just rolled back from)
            // The default takes only released updates: ECS completed every succeeded one here, recorded as the driver
            // records it (a stack tag per update, read back through the engine's `stack tag ls`).
            const summaries = await stack.history(10, 1, false);
            for (const [index, summary] of summaries.entries()) {
                const version = summaries.length - index;
                const image = summary.config["papyrus:image"]?.value ?? "";
                if (summary.result !== "succeeded" || !image.includes("@")) continue;
                const started = new Date(summary.startTime).toISOString();
                const record = { ecs: "completed" as const, digest: image.slice(image.indexOf("@") + 1), applied: true, started, seen: started };
                await stack.setTag(verdictTagName(version), formatVerdictRecord(record));
            }
            const source = { project: "papyrus", history: stack.history.bind(stack), tags: stack.listTags.bind(stack) };
            const deployments = await withRunning(stack, await readDeployments(source, 4));
            assert.deepStrictEqual(
                deployments.map((d) => d.release.verdict),
                ["failed", "unknown", "completed", "completed", "completed", "completed", "completed"], // 6 recorded no digest
            );
            const { target, current } = chooseRollbackTarget(deployments, {});
            assert.deepStrictEqual([current?.version, target?.version, target?.tag], [5, 1, "v1.0.0"]);
            assert.strictEqual(chooseRollbackTarget(deployments, { toVersion: 7 }).reason, "update 7 did not succeed (failed)");
        });
    });
});
