// automation/update/outcome.ts without the engine: from what the engine recorded and what ECS did,
// the one failure that ends an update, the evidence built from it, and the one error built from both.
import * as assert from "assert";
import type { EcsCheck, ReconciledBy } from "../../automation/update/ecs";
import { decideFailure, engineFailure, errorOf, Failure, finishUpdate, updateEvidence, UpdateFacts } from "../../automation/update/outcome";
import type { UpEnding, UpdatePlan, UpdateRecord } from "../../automation/update/run";
import type { Session } from "../../automation/update/session";
import {
    DeployError,
    DriftError,
    EXIT_CODES,
    InterruptedError,
    NotVerifiedError,
    RolledBackError,
    RolloutTimeoutError,
    SupersededError,
    UpdateFailedError,
} from "../../automation/record/errors";

const REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const digest = (c: string) => `sha256:${c.repeat(64)}` as const;
const image = (c: string) => `${REPO}@${digest(c)}`;
const recorded = (c: string, td = c) => ({ image: image(c), digest: digest(c), taskDefinitionArn: `arn:td/${td}`, serviceUrn: "urn:svc" });

const session = {
    displayName: "dev",
    identity: { qualified: "organization/papyrus/dev", organization: "organization", project: "papyrus", name: "dev" },
    requestedBy: "alice",
    running: recorded("a"),
    options: { stackName: "dev", env: {} },
    recovered: [],
} as unknown as Session;

const plan: UpdatePlan = {
    kind: "deploy",
    image: image("b"),
    resolved: { repositoryName: "papyrus-api", repositoryUrl: REPO, digest: digest("b"), mediaType: "m", isIndex: false, status: "ACTIVE", tags: ["v2"] },
    tag: "v2",
};

/** The record after an update that took the image (or, with `runs: "a"`, did not). */
function record(fields: Partial<UpdateRecord> = {}): UpdateRecord {
    return {
        startedAt: new Date("2026-11-23T10:00:00Z"),
        after: recorded("b"),
        stackOutputs: {},
        pending: [],
        intervening: [],
        runsRequested: true,
        applied: true,
        previousDigest: digest("a"),
        runs: `the stack runs \`${image("b")}\``,
        ...fields,
    };
}

const FINE: UpEnding = { interrupted: false };
const followed = (state: "COMPLETED" | "FAILED" | "IN_PROGRESS", running: string[], deploymentId = "ecs-svc/2"): EcsCheck => ({
    verifyNote: { inSync: running.includes(image("b")), running },
    verifyResult: {
        inSync: running.includes(image("b")),
        recorded: image("b"),
        running,
        cluster: "c",
        service: "s",
        taskDefinitionArn: "arn:td/x",
        rollingOut: false,
        rolloutFailed: false,
    },
    rollout: { deploymentId, state, events: ["ECS said one", "ECS said two"] },
    followed: { state, deploymentId, reason: "tasks failed", events: ["ECS said one", "ECS said two"] },
    waitMs: 90_000,
    running,
    rolledBackTo: state === "FAILED" && !running.includes(image("b")) ? running : undefined,
});

function facts(fields: Partial<UpdateFacts> = {}): UpdateFacts {
    const base = { session, plan, up: FINE, record: record(), ...fields };
    return { ...base, engine: fields.engine ?? engineFailure(base.session, base.plan, base.up, base.record) };
}

describe("update outcome: the failure, decided once", () => {
    it("is none when the state took the digest and ECS completed it", () => {
        assert.strictEqual(decideFailure(facts({ ecs: followed("COMPLETED", [image("b")]) })), undefined);
    });

    it("says how far a cancel got: before the image was applied, after it, or not at all", () => {
        const cancelled = { error: new Error("cancelled"), interrupted: true };
        assert.deepStrictEqual(
            engineFailure(session, plan, cancelled, record({ after: recorded("a"), runsRequested: false, applied: false, runs: "the stack runs `a`" })),
            {
                error: "interrupted",
                outcome: "the update was cancelled before the image was applied; the stack runs `a`",
            },
        );
        assert.deepStrictEqual(engineFailure(session, plan, cancelled, record()), {
            error: "interrupted",
            outcome: `cancelled after the image was applied: the stack runs \`${image("b")}\` (v2)`,
        });
        assert.deepStrictEqual(engineFailure(session, plan, cancelled, record({ applied: false })), {
            error: "interrupted",
            outcome: `cancelled; the stack runs \`${image("b")}\`, as it did before`,
        });
    });

    it("fails an update whose engine reported success but whose state runs another digest", () => {
        assert.deepStrictEqual(
            engineFailure(session, plan, FINE, record({ after: recorded("a"), runsRequested: false, applied: false, runs: "the stack runs `a`" })),
            {
                error: "updateFailed",
                outcome: "the engine reported success, but the stack runs `a` rather than the requested digest",
                detail: "Run `history` and `verify` before the next deploy.",
            },
        );
    });

    it("names ECS's rollback, not the engine's failure, when `up` failed after the image was applied", () => {
        const failure = decideFailure(
            facts({ up: { error: new Error("error: timed out waiting for steady state"), interrupted: false }, ecs: followed("FAILED", [image("a")]) }),
        );
        assert.strictEqual(failure?.error, "rolledBack");
        const aftermath = (failure as Extract<Failure, { error: "rolledBack" }>).aftermath;
        assert.match(
            aftermath,
            /^ECS said: "ECS said one"; "ECS said two"\. `pulumi up` failed too: error: timed out waiting for steady state The stack still claims/,
        );
        assert.match(aftermath, /run `papyrus-deploy reconcile --stack dev` to record what ECS runs \(or deploy with `--on-rollback reconcile`\)\.$/);
    });

    it("after a reconcile: says what it recorded, that it failed, or that it was cancelled (an interrupt)", () => {
        const ecs = followed("FAILED", [image("a")]);
        const after = (reconciledBy: ReconciledBy) => decideFailure(facts({ ecs, reconciledBy }));
        const succeeded = after({ updateVersion: 8, digest: digest("a"), result: "succeeded" });
        assert.strictEqual(succeeded?.error, "rolledBack");
        assert.match(
            (succeeded as Extract<Failure, { error: "rolledBack" }>).aftermath,
            new RegExp(`Reconciled: update 8 records ${digest("a")}, so the stack`),
        );
        const failed = after({ digest: null, result: "failed", error: "boom" });
        assert.match((failed as Extract<Failure, { error: "rolledBack" }>).aftermath, /The reconcile failed \(boom\); the stack still claims/);
        const cancelled = after({ digest: null, result: "cancelled", error: "interrupted" });
        assert.strictEqual(cancelled?.error, "interrupted");
    });

    it("tells another update replacing ours from a rollback, and a reconcile's own rollback from the deploy's", () => {
        const ecs = followed("FAILED", [image("c")]);
        assert.deepStrictEqual(decideFailure(facts({ ecs, replacedBy: "update 5 (deploy v3 by bob, succeeded)" })), {
            error: "superseded",
            recorded: image("b"),
            running: [image("c")],
            by: "update 5 (deploy v3 by bob, succeeded)",
        });
        // A reconcile rolled back itself: its drift says it (no second reconcile is suggested).
        assert.deepStrictEqual(decideFailure(facts({ plan: { ...plan, kind: "reconcile" }, ecs })), {
            error: "drift",
            recorded: image("b"),
            running: [image("c")],
        });
    });

    it("ends a rollout that did not finish, one ECS failed without rolling back, and one that could not be followed", () => {
        assert.deepStrictEqual(decideFailure(facts({ ecs: followed("IN_PROGRESS", [image("b")]) })), {
            error: "rolloutTimeout",
            deployment: "ecs-svc/2",
            waited: "1m30s",
        });
        assert.strictEqual(decideFailure(facts({ ecs: { ...followed("IN_PROGRESS", [image("b")]), interrupted: true } }))?.error, "interrupted");
        const failedInPlace = decideFailure(facts({ ecs: followed("FAILED", [image("b")]) }));
        assert.strictEqual(failedInPlace?.error, "rolledBack");
        assert.strictEqual(
            (failedInPlace as Extract<Failure, { error: "rolledBack" }>).what,
            "marked deployment ecs-svc/2 FAILED (tasks failed) without rolling back",
        );
        assert.deepStrictEqual(
            decideFailure(facts({ ecs: { verifyNote: { failed: "ECS could not be reached" }, running: [], lost: "ECS could not be reached" } })),
            {
                error: "notVerified",
                reason: "ECS could not be reached",
            },
        );
        assert.strictEqual(decideFailure(facts({ ecs: { verifyNote: { skipped: "--no-verify" }, running: [] } })), undefined);
    });
});

describe("update outcome: the evidence and the error, built once", () => {
    const more = { warnings: [], finishedAt: new Date("2026-11-23T10:05:00Z") };

    it("records how the command ended: succeeded, failed, or cancelled", () => {
        const results = [undefined, { error: "drift", recorded: "x", running: [] }, { error: "interrupted", outcome: "o" }] as (Failure | undefined)[];
        assert.deepStrictEqual(
            results.map((failure) => updateEvidence(facts(), failure, more).result),
            ["succeeded", "failed", "cancelled"],
        );
    });

    it("builds each failure's error, which carries the evidence with its own message as `error`", () => {
        const evidence = updateEvidence(facts(), { error: "drift", recorded: "x", running: [] }, more);
        const cases: [Failure, new (...args: never[]) => DeployError, number][] = [
            [{ error: "interrupted", outcome: "o" }, InterruptedError, EXIT_CODES.interrupted],
            [{ error: "updateFailed", outcome: "o", detail: "d" }, UpdateFailedError, EXIT_CODES.updateFailed],
            [{ error: "notVerified", reason: "r" }, NotVerifiedError, EXIT_CODES.notVerified],
            [{ error: "rolloutTimeout", deployment: "ecs-svc/2", waited: "1m30s" }, RolloutTimeoutError, EXIT_CODES.rolloutTimeout],
            [{ error: "drift", recorded: "x", running: ["y"] }, DriftError, EXIT_CODES.drift],
            [{ error: "rolledBack", recorded: "x", running: ["y"], what: "w", aftermath: "a" }, RolledBackError, EXIT_CODES.drift],
            [{ error: "superseded", recorded: "x", running: ["y"], by: "b" }, SupersededError, EXIT_CODES.drift],
        ];
        for (const [failure, type, code] of cases) {
            const error = errorOf(failure, "dev", image("b"), evidence);
            assert.ok(error instanceof type, failure.error);
            assert.strictEqual(error.exitCode, code, failure.error);
            assert.strictEqual(error.evidence?.error, error.message, failure.error);
            assert.strictEqual(error.evidence?.updateVersion, evidence.updateVersion, failure.error);
        }
        // The record names what was running: a deploy's interrupt says so.
        assert.match(errorOf({ error: "interrupted", outcome: "o" }, "dev", image("b"), evidence).message, /^deploy of stack `dev` was interrupted: o$/);
    });

    it("throws that error, or returns what the state runs now and ran before", () => {
        const evidence = updateEvidence(facts(), undefined, more);
        const result = finishUpdate(facts({ ecs: followed("COMPLETED", [image("b")]) }), undefined, evidence);
        assert.deepStrictEqual([result.image, result.previousImage, result.evidence, result.rollout?.state], [image("b"), image("a"), evidence, "COMPLETED"]);
        assert.throws(
            () => finishUpdate(facts(), { error: "drift", recorded: image("b"), running: [image("a")] }, evidence),
            (err: unknown) => err instanceof DriftError && err.evidence?.error === err.message && err.evidence.kind === "deploy",
        );
    });
});
