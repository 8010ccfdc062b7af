// automation/update/outcome.ts without the engine: from what the engine recorded and what ECS did,
// the one failure that ends an update, the evidence built from it, and the one error built from both.
import * as assert from "assert";
import type { EcsCheck, ReconciledBy } from "../../automation/update/ecs";
import { decideFailure, engineFailure, errorOf, Failure, finishUpdate, updateEvidence, UpdateFacts, updateWarnings } from "../../automation/update/outcome";
import type { Deployment } from "../../automation/record/history";
import { upEnding, type UpEnding, type UpdatePlan, type UpdateRecord } from "../../automation/update/run";
import type { Session } from "../../automation/update/session";
import {
    DeployError,
    DriftError,
    EXIT_CODES,
    InterruptedError,
    NotVerifiedError,
    RolledBackError,
    RolledBackOnRequestError,
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
    it("an abort during `up` is an interruption also when the engine, interrupted late, succeeded: 130 after the image was applied, no rollout followed", () => {
        // kills: an interruption counted only when `up` also threw (a Ctrl-C to the driver alone whose engine finished its
        // step in the grace period then followed ECS and exited 0)
        const aborted = new AbortController();
        aborted.abort();
        assert.deepStrictEqual(upEnding(undefined, aborted.signal), { error: undefined, interrupted: true });
        assert.deepStrictEqual(upEnding(undefined, new AbortController().signal), { error: undefined, interrupted: false });
        assert.deepStrictEqual(upEnding(undefined, undefined), { error: undefined, interrupted: false });
        const failure = engineFailure(session, plan, upEnding(undefined, aborted.signal), record());
        assert.deepStrictEqual(failure, { error: "interrupted", outcome: `cancelled after the image was applied: the stack runs \`${image("b")}\` (v2)` });
    });

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

    it("a rollback someone asked for (a failed smoke test, abort) is exit 14 and says who, and whether it was reconciled", () => {
        const ecs = { ...followed("FAILED", [image("a")]), rollbackRequested: "rolled back by ci via the smoke test at T: smoke test exit 1 after 0.1 s" };
        const reconciled = decideFailure(facts({ ecs, reconciledBy: { updateVersion: 9, digest: digest("a"), result: "succeeded" } }));
        assert.strictEqual(reconciled?.error, "rolledBackOnRequest");
        const error = errorOf(reconciled!, "dev", image("b"), updateEvidence(facts(), reconciled, more));
        assert.strictEqual(error.exitCode, EXIT_CODES.rolledBackOnRequest);
        assert.match(
            error.message,
            /was rolled back by ci via the smoke test at T: smoke test exit 1 after 0\.1 s; ECS rolled it back and runs `[^`]+`\. ECS said: .*\. Reconciled: update 9 records/,
        );
        // Without the ask it stays ECS's own rollback (exit 6).
        assert.strictEqual(decideFailure(facts({ ecs: followed("FAILED", [image("a")]) }))?.error, "rolledBack");
    });

    it("a rollout that waits at a PAUSE hook when the wait ends says who can let it go on, and what ECS does at the hook's timeout", () => {
        const ecs = followed("IN_PROGRESS", [image("b")]);
        const waiting = {
            ...ecs,
            rollout: {
                ...ecs.rollout!,
                awaiting: { hookId: "h", stage: "POST_TEST_TRAFFIC_SHIFT", expiresAt: "2026-12-08T10:00:00.000Z", timeoutAction: "ROLLBACK" },
            },
        };
        const failure = decideFailure(facts({ ecs: waiting }));
        assert.strictEqual(failure?.error, "rolloutTimeout");
        const message = errorOf(failure!, "dev", image("b"), updateEvidence(facts(), failure, more)).message;
        assert.match(
            message,
            /\(it waits at its PAUSE hook at POST_TEST_TRAFFIC_SHIFT: `papyrus-deploy approve --stack dev` lets it go on, `papyrus-deploy abort --stack dev --reason "…"` rolls it back, and ECS will ROLLBACK it at 2026-12-08T10:00:00.000Z\)/,
        );
    });

    it("an interrupt while the deployment waits at a PAUSE hook says it still waits there, and who can act on it", () => {
        const ecs = followed("IN_PROGRESS", [image("b")]);
        const waiting = {
            ...ecs,
            interrupted: true,
            rollout: {
                ...ecs.rollout!,
                awaiting: { hookId: "h", stage: "POST_TEST_TRAFFIC_SHIFT", expiresAt: "2026-12-08T10:00:00.000Z", timeoutAction: "ROLLBACK" },
            },
        };
        const failure = decideFailure(facts({ ecs: waiting }));
        assert.strictEqual(failure?.error, "interrupted");
        assert.match(
            (failure as Extract<Failure, { error: "interrupted" }>).outcome,
            /was interrupted while IN_PROGRESS; it still waits at its PAUSE hook at POST_TEST_TRAFFIC_SHIFT: `papyrus-deploy approve --stack dev` lets it go on, .* and ECS will ROLLBACK it at 2026-12-08T10:00:00\.000Z$/,
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
            [
                { error: "rolledBackOnRequest", recorded: "x", running: ["y"], decision: "d", aftermath: "a" },
                RolledBackOnRequestError,
                EXIT_CODES.rolledBackOnRequest,
            ],
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

// The exact texts and the less common branches, one case each (from `npm run mutate` survivors).
describe("update outcome: every branch's exact words", () => {
    const rolledBack = (failure: Failure | undefined) => failure as Extract<Failure, { error: "rolledBack" }>;
    const pending = [{ type: "updating", resource: { urn: "urn:svc", type: "aws:ecs/service:Service" } }] as unknown as UpdateRecord["pending"];
    const failedUp: UpEnding = { error: new Error("error: boom"), interrupted: false };

    it("an interrupt with an operation left pending says only what the state (uncertainly) runs", () => {
        // kills: `pending.length > 0` → false in the interrupted branch
        const cancelled = { error: new Error("cancelled"), interrupted: true };
        assert.deepStrictEqual(engineFailure(session, plan, cancelled, record({ pending, runs: "what runs is uncertain" })), {
            error: "interrupted",
            outcome: "what runs is uncertain",
        });
    });

    it("a cancel after the image was applied names no tag when none was asked for", () => {
        // kills: the `""` when the plan has no tag
        const cancelled = { error: new Error("cancelled"), interrupted: true };
        assert.deepStrictEqual(engineFailure(session, { ...plan, tag: undefined }, cancelled, record()), {
            error: "interrupted",
            outcome: `cancelled after the image was applied: the stack runs \`${image("b")}\``,
        });
    });

    it("a failed `up` says whether the image was applied, and carries the engine's error", () => {
        // kills: the `up.error !== undefined` branch and each of its outcome texts
        const runsB = `the stack runs \`${image("b")}\``;
        assert.deepStrictEqual(engineFailure(session, plan, failedUp, record({ pending, runs: "uncertain" })), {
            error: "updateFailed",
            outcome: "uncertain",
            detail: "error: boom",
        });
        assert.deepStrictEqual(engineFailure(session, plan, failedUp, record()), {
            error: "updateFailed",
            outcome: `the image was applied before it failed: ${runsB}`,
            detail: "error: boom",
        });
        assert.deepStrictEqual(engineFailure(session, plan, failedUp, record({ applied: false })), {
            error: "updateFailed",
            outcome: `${runsB}, as it did before`,
            detail: "error: boom",
        });
        assert.deepStrictEqual(engineFailure(session, plan, failedUp, record({ applied: false, runsRequested: false, runs: "the stack runs `a`" })), {
            error: "updateFailed",
            outcome: "the stack runs `a`",
            detail: "error: boom",
        });
        assert.strictEqual(engineFailure(session, plan, FINE, record()), undefined);
    });

    it("an interrupted wait for ECS names the deployment (or none yet) and the verify to run", () => {
        // kills: the interrupted-wait message and its `?? "(none yet)"`
        const ecs = { ...followed("IN_PROGRESS", [image("b")]), interrupted: true };
        assert.deepStrictEqual(decideFailure(facts({ ecs })), {
            error: "interrupted",
            outcome:
                `the update was applied (${image("b")}), but the wait for ECS deployment ecs-svc/2 was interrupted while IN_PROGRESS; ` +
                "run `papyrus-deploy verify --stack dev`",
        });
        const noDeployment = { ...ecs, followed: { ...ecs.followed!, deploymentId: undefined } };
        assert.match((decideFailure(facts({ ecs: noDeployment })) as { outcome: string }).outcome, /wait for ECS deployment \(none yet\) was interrupted/);
    });

    it("a rollout without a deployment ID or reason still says what timed out or failed", () => {
        // kills: the `"(none yet)"`, `"(gone)"` and `"no reason given"` placeholders, and the rollback-off aftermath
        const inProgress = followed("IN_PROGRESS", [image("b")]);
        assert.deepStrictEqual(decideFailure(facts({ ecs: { ...inProgress, followed: { state: "IN_PROGRESS", events: [] } } })), {
            error: "rolloutTimeout",
            deployment: "(none yet)",
            waited: "1m30s",
        });
        const failedInPlace = followed("FAILED", [image("b")]);
        assert.deepStrictEqual(decideFailure(facts({ ecs: { ...failedInPlace, followed: { state: "FAILED", events: [] } } })), {
            error: "rolledBack",
            recorded: image("b"),
            running: [image("b")],
            what: "marked deployment (gone) FAILED (no reason given) without rolling back",
            aftermath: "The stack's record is what ECS tries to run; fix the image and deploy another tag, or roll back.",
        });
    });

    it("a rollback names its deployment (or `(gone)`) and at most ECS's last three events", () => {
        // kills: `what`, its `?? "(gone)"`, `.slice(-3)`, and the `""` when ECS said nothing
        const ecs = followed("FAILED", [image("a")]);
        const four = { ...ecs, rollout: { ...ecs.rollout!, events: ["one", "two", "three", "four"] } };
        const failure = rolledBack(decideFailure(facts({ ecs: four })));
        assert.strictEqual(failure.what, "rolled back deployment ecs-svc/2");
        assert.match(
            failure.aftermath,
            /^ECS said: "two"; "three"; "four"\. The stack still claims the digest ECS rolled back, so the next plain update would put it back: /,
        );
        const silent = rolledBack(decideFailure(facts({ ecs: { ...ecs, rollout: undefined } })));
        assert.strictEqual(silent.what, "rolled back deployment (gone)");
        assert.match(silent.aftermath, /^The stack still claims the digest ECS rolled back/);
    });

    it("adds `up`'s failure to a rollback only when `up` failed (not cancelled) after applying the image", () => {
        // kills: each part of `up.error !== undefined && !up.interrupted && record.applied`
        const ecs = followed("FAILED", [image("a")]);
        const aftermath = (up: UpEnding, applied: boolean) => rolledBack(decideFailure(facts({ up, record: record({ applied }), ecs }))).aftermath;
        assert.match(aftermath(failedUp, true), /`pulumi up` failed too: error: boom The stack still claims/);
        for (const [up, applied] of [
            [failedUp, false],
            [{ error: new Error("error: cancelled"), interrupted: true }, true],
            [FINE, true],
        ] as [UpEnding, boolean][]) {
            assert.doesNotMatch(aftermath(up, applied), /failed too/);
        }
    });

    it("a cancelled reconcile says what ECS did, what it runs and what the stack may still claim", () => {
        // kills: the cancelled reconcile's outcome text and its list of what runs
        const ecs = followed("FAILED", [image("a"), image("c")]);
        assert.deepStrictEqual(decideFailure(facts({ ecs, reconciledBy: { digest: null, result: "cancelled", error: "interrupted" } })), {
            error: "interrupted",
            outcome:
                `ECS rolled back deployment ecs-svc/2 and runs \`${image("a")}\`, \`${image("c")}\`; the reconcile that would record it was cancelled, ` +
                `so the stack may still claim \`${image("b")}\`: run \`papyrus-deploy reconcile --stack dev\``,
        });
        // kills: the `?? "?"` for a reconcile whose update number is not known
        const unknownVersion = rolledBack(decideFailure(facts({ ecs, reconciledBy: { digest: digest("a"), result: "succeeded" } })));
        assert.match(unknownVersion.aftermath, new RegExp(`Reconciled: update \\? records ${digest("a")},`));
    });

    it("warns of the plan's warnings, each update that ran in between, and a verdict not recorded, in that order", () => {
        // kills: `updateWarnings`'s lists and texts (no coverage before)
        const between = { version: 5, kind: "deploy", tag: "v3", requestedBy: "bob", result: "succeeded" } as Deployment;
        assert.deepStrictEqual(updateWarnings({ ...plan, warnings: ["plan says"] }, record({ intervening: [between] }), { problem: "no verdict" }), [
            "plan says",
            "update 5 (deploy v3 by bob, succeeded) ran between this command's read of the stack and its own update; " +
                "the previous digest below is that update's, and a rollback target was chosen before it ran: check `history`",
            "no verdict",
        ]);
        assert.deepStrictEqual(updateWarnings(plan, record(), undefined), []);
        assert.deepStrictEqual(updateWarnings(plan, record(), {}), []);
    });

    it("adds the reconcile to the evidence only when one ran", () => {
        // kills: `facts.reconciledBy === undefined ? …` (each way)
        const more = { warnings: [], finishedAt: new Date("2026-11-23T10:05:00Z") };
        const reconciledBy: ReconciledBy = { updateVersion: 8, digest: digest("a"), result: "succeeded" };
        assert.deepStrictEqual(updateEvidence(facts({ reconciledBy }), undefined, more).reconciledBy, reconciledBy);
        assert.ok(!("reconciledBy" in updateEvidence(facts(), undefined, more)));
    });

    it("returns the previous image as the state ran it, else from the previous digest, else none", () => {
        // kills: `previousDigest === before?.digest ? …` (each way) and `previousDigest && …`
        const more = { warnings: ["w"], finishedAt: new Date("2026-11-23T10:05:00Z") };
        const elsewhere = { ...session, running: { ...recorded("a"), image: `replica.example/papyrus-api@${digest("a")}` } } as unknown as Session;
        const evidence = updateEvidence(facts(), undefined, more);
        const previous = (s: Session, fields: Partial<UpdateRecord>) =>
            finishUpdate(facts({ session: s, record: record(fields) }), undefined, evidence).previousImage;
        assert.strictEqual(previous(elsewhere, {}), `replica.example/papyrus-api@${digest("a")}`);
        assert.strictEqual(previous(elsewhere, { previousDigest: digest("c") }), image("c"));
        assert.strictEqual(previous(elsewhere, { previousDigest: undefined }), undefined);
    });

    it("returns the evidence's warnings, or none", () => {
        // kills: `evidence.warnings ?? []` → `&& []` or a made-up warning
        const evidence = updateEvidence(facts(), undefined, { warnings: ["w"], finishedAt: new Date("2026-11-23T10:05:00Z") });
        assert.deepStrictEqual(finishUpdate(facts(), undefined, evidence).warnings, ["w"]);
        assert.deepStrictEqual(finishUpdate(facts(), undefined, { ...evidence, warnings: undefined }).warnings, []);
    });

    it("adds to the error that the evidence file could not be written", () => {
        // kills: the `. Also: …` appended to the error (a path under /dev/null cannot be created)
        const evidence = updateEvidence(facts(), undefined, { warnings: [], finishedAt: new Date("2026-11-23T10:05:00Z") });
        const unwritable = { ...session, evidenceFile: "/dev/null/evidence.json" } as unknown as Session;
        assert.throws(
            () => finishUpdate(facts({ session: unwritable }), { error: "drift", recorded: image("b"), running: [image("a")] }, evidence),
            (err: unknown) =>
                err instanceof DriftError &&
                /\. Also: the evidence record could not be written to `\/dev\/null\/evidence\.json` \(.+\); the record is only in the command's result$/.test(
                    err.message,
                ),
        );
    });
});
