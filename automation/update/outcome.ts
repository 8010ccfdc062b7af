// How an update ends, decided once: from what the engine recorded (run.ts) and what ECS did
// (ecs.ts), the failure that wins is a value; the evidence record is built once from it, and the
// error that ends the command is built once from the same value and carries that record.
import { ResolvedImage } from "../aws/ecr";
import { describeUpdate } from "../aws/supersede";
import { formatDuration } from "../../components/duration";
import { VerifyResult } from "../aws/verify";
import { shortId } from "../aws/serviceDeployments";
import { engineErrorSummary } from "../engine/errors";
import {
    DeployError,
    DriftError,
    InterruptedError,
    NotVerifiedError,
    RolledBackError,
    RolledBackOnRequestError,
    RolloutTimeoutError,
    SupersededError,
    UpdateFailedError,
} from "../record/errors";
import { buildEvidence, ciIdentity, EvidenceRecord, PromotedFrom, ProtectionNote, ReleaseNote, RolloutNote } from "../record/evidence";
import { writeEvidence } from "../record/evidenceFile";
import type { UpdateKind } from "../record/updateKinds";
import type { EcsCheck, ReconciledBy } from "./ecs";
import type { UpEnding, UpdatePlan, UpdateRecord } from "./run";
import { Session } from "./session";

export interface DeployResult {
    readonly kind: UpdateKind | "preview";
    readonly stack: string;
    /** What the stack's state runs after the update (for a preview: what it would run). */
    readonly image: string;
    readonly resolved: ResolvedImage;
    /** What the stack's state ran before the update. */
    readonly previousImage?: string;
    readonly evidence?: EvidenceRecord;
    /** Set when `--evidence` was given and the record could not be written after the update. */
    readonly evidenceWriteError?: string;
    readonly verify?: VerifyResult;
    /** Why verify did not run, when it did not (e.g. the stack has no service outputs). */
    readonly verifySkipped?: string;
    /** What was done to recover from an earlier interrupted deploy, if anything. */
    readonly recovered: readonly string[];
    readonly changeSummary?: Record<string, number>;
    /** Things the caller should look at although the update succeeded (e.g. another update ran in between). */
    readonly warnings?: readonly string[];
    /** For a promote: the source stack's deployment the digest came from. */
    readonly promotedFrom?: PromotedFrom;
    /** The ECS deployment the update started, as followed. */
    readonly rollout?: RolloutNote;
    /** For a `reconcile` that found nothing to do: why (state and ECS already agree). */
    readonly unchanged?: string;
}

/** Why an update failed, as a value: which error ends the command, with what it says. */
export type Failure =
    | { readonly error: "interrupted"; readonly outcome: string }
    | { readonly error: "updateFailed"; readonly outcome: string; readonly detail: string }
    | { readonly error: "notVerified"; readonly reason: string }
    | { readonly error: "rolloutTimeout"; readonly deployment: string; readonly waited: string; readonly awaiting?: string }
    | {
          readonly error: "rolledBackOnRequest";
          readonly recorded: string;
          readonly running: readonly string[];
          readonly decision: string;
          readonly aftermath: string;
      }
    | { readonly error: "drift"; readonly recorded: string; readonly running: readonly string[] }
    | { readonly error: "rolledBack"; readonly recorded: string; readonly running: readonly string[]; readonly what: string; readonly aftermath: string }
    | { readonly error: "superseded"; readonly recorded: string; readonly running: readonly string[]; readonly by: string };

/** Everything an update's ending is decided from. */
export interface UpdateFacts {
    readonly session: Session;
    readonly plan: UpdatePlan;
    readonly up: UpEnding;
    readonly record: UpdateRecord;
    /** How the engine's part alone fails the update, if it does (`engineFailure`). */
    readonly engine?: Failure;
    /** Unset when ECS was not looked at (the engine failed before the image was applied). */
    readonly ecs?: EcsCheck;
    /** Another update that replaced ours in ECS, described. */
    readonly replacedBy?: string;
    /** The reconcile run after ECS rolled the update back (`onRollback: reconcile`). */
    readonly reconciledBy?: ReconciledBy;
}

/** How the engine's part ended, when that alone fails the update: interrupted, failed, or not running the requested digest. */
export function engineFailure(session: Session, plan: UpdatePlan, up: UpEnding, record: UpdateRecord): Failure | undefined {
    const { pending, runs, runsRequested, applied } = record;
    if (up.interrupted) {
        const outcome =
            pending.length > 0
                ? runs
                : runsRequested && !applied
                  ? `cancelled; ${runs}, as it did before`
                  : applied
                    ? `cancelled after the image was applied: ${runs}${plan.tag ? ` (${plan.tag})` : ""}`
                    : `the update was cancelled before the image was applied; ${runs}`;
        return { error: "interrupted", outcome };
    }
    if (up.error !== undefined) {
        const outcome =
            pending.length > 0 ? runs : applied ? `the image was applied before it failed: ${runs}` : runsRequested ? `${runs}, as it did before` : runs;
        return { error: "updateFailed", outcome, detail: engineErrorSummary(up.error) };
    }
    if (!runsRequested) {
        return {
            error: "updateFailed",
            outcome: `the engine reported success, but ${runs} rather than the requested digest`,
            detail: "Run `history` and `verify` before the next deploy.",
        };
    }
    return undefined;
}

/** How what ECS did ends the update, apart from a rollback: ECS unreadable, the wait interrupted or ended, drift, a failed rollout. */
function ecsFailure(session: Session, image: string, ecs: EcsCheck): Failure | undefined {
    if (ecs.lost !== undefined) return { error: "notVerified", reason: ecs.lost };
    const { followed, verifyResult } = ecs;
    if (followed === undefined || verifyResult === undefined) return undefined; // not checked (`--no-verify`, no service)
    if (ecs.interrupted) {
        const hook = ecs.rollout?.awaiting;
        const outcome =
            `the update was applied (${image}), but the wait for ECS deployment ${followed.deploymentId ?? "(none yet)"} was interrupted while IN_PROGRESS; ` +
            (hook
                ? `it still waits at its PAUSE hook at ${hook.stage}: \`papyrus-deploy approve --stack ${session.displayName}\` lets it go on, ` +
                  `\`papyrus-deploy abort --stack ${session.displayName} --reason "…"\` rolls it back, and ECS will ${hook.timeoutAction ?? "ROLLBACK"} it at ${hook.expiresAt ?? "the hook's timeout"}`
                : `run \`papyrus-deploy verify --stack ${session.displayName}\``);
        return { error: "interrupted", outcome };
    }
    if (followed.state === "IN_PROGRESS" && verifyResult.inSync) {
        const hook = ecs.rollout?.awaiting;
        const awaiting = hook
            ? `it waits at its PAUSE hook at ${hook.stage}: \`papyrus-deploy approve --stack ${session.displayName}\` lets it go on, ` +
              `\`papyrus-deploy abort --stack ${session.displayName} --reason "…"\` rolls it back, and ECS will ${hook.timeoutAction ?? "ROLLBACK"} it at ${hook.expiresAt ?? "the hook's timeout"}`
            : undefined;
        const deployment = followed.deploymentId ?? shortId(followed.serviceDeployment?.arn) ?? "(none yet)";
        const waited = formatDuration(ecs.waitMs ?? 0);
        return { error: "rolloutTimeout", deployment: deployment || "(none yet)", waited, ...(awaiting ? { awaiting } : {}) };
    }
    // ECS runs something else: this update's deployment rolled back, or drift the update did not touch.
    if (!verifyResult.inSync) return { error: "drift", recorded: verifyResult.recorded, running: verifyResult.running };
    if (followed.state === "FAILED") {
        // Failed, but ECS did not roll back (rollback off): the record is what ECS is trying to run.
        return {
            error: "rolledBack",
            recorded: image,
            running: verifyResult.running,
            what: `marked deployment ${followed.deploymentId ?? "(gone)"} FAILED (${followed.reason ?? "no reason given"}) without rolling back`,
            aftermath: "The stack's record is what ECS tries to run; fix the image and deploy another tag, or roll back.",
        };
    }
    return undefined;
}

/** ECS rolled the update's deployment back (or another update replaced it): what the command says, reconciled or not. */
function rollbackFailure(facts: UpdateFacts, image: string, ecs: EcsCheck): Failure | undefined {
    const { session, plan, up, record, replacedBy, reconciledBy } = facts;
    const stack = session.displayName;
    if (replacedBy !== undefined) return { error: "superseded", recorded: image, running: ecs.running, by: replacedBy };
    // A reconcile's own deployment rolled back: its drift (or the engine's failure) says it.
    if (plan.kind === "reconcile") return undefined;
    const why = ecs.rollout?.serviceDeployment?.rollback?.reason ?? ecs.rollout?.serviceDeployment?.statusReason;
    const what = `rolled back deployment ${ecs.rollout?.deploymentId ?? "(gone)"}${why ? ` (${why})` : ""}`;
    const said = ecs.rollout?.events?.length
        ? ` ECS said: ${ecs.rollout.events
              .slice(-3)
              .map((e) => `"${e}"`)
              .join("; ")}.`
        : "";
    const failedAfterApply = up.error !== undefined && !up.interrupted && record.applied;
    const because = failedAfterApply ? `${said} \`pulumi up\` failed too: ${engineErrorSummary(up.error)}` : said;
    const rolledBack = (aftermath: string): Failure =>
        ecs.rollbackRequested
            ? { error: "rolledBackOnRequest", recorded: image, running: ecs.running, decision: ecs.rollbackRequested, aftermath: aftermath.trim() }
            : { error: "rolledBack", recorded: image, running: ecs.running, what, aftermath: aftermath.trim() };
    if (reconciledBy === undefined) {
        return rolledBack(
            `${because} The stack still claims the digest ECS rolled back, so the next plain update would put it back: ` +
                `run \`papyrus-deploy reconcile --stack ${stack}\` to record what ECS runs (or deploy with \`--on-rollback reconcile\`).`,
        );
    }
    if (reconciledBy.result === "cancelled") {
        // Ctrl-C while reconciling: an interrupt (exit 130) that still says what ECS did and what the stack claims.
        const outcome =
            `ECS ${what} and runs ${ecs.running.map((r) => `\`${r}\``).join(", ")}; the reconcile that would record it was cancelled, ` +
            `so the stack may still claim \`${image}\`: run \`papyrus-deploy reconcile --stack ${stack}\``;
        return { error: "interrupted", outcome };
    }
    return rolledBack(
        reconciledBy.result === "succeeded"
            ? `${because} Reconciled: update ${reconciledBy.updateVersion ?? "?"} records ${reconciledBy.digest}, so the stack, its history and ECS agree again; fix the image before deploying it again.`
            : `${because} The reconcile failed (${reconciledBy.error}); the stack still claims the digest ECS rolled back: run \`papyrus-deploy reconcile --stack ${stack}\`.`,
    );
}

/**
 * The one failure that ends the update, if any. ECS's rollback is the news even when `up` failed too
 * (the state claims a digest ECS does not run); otherwise the engine's failure, then ECS's.
 */
export function decideFailure(facts: UpdateFacts): Failure | undefined {
    const { session, plan, record, ecs } = facts;
    const image = record.after?.image ?? plan.image;
    const rollback = ecs?.rolledBackTo ? rollbackFailure(facts, image, ecs) : undefined;
    return rollback ?? facts.engine ?? (ecs && ecsFailure(session, image, ecs));
}

/** What the command says besides its result: the plan's warnings, updates that ran in between, a verdict not recorded. */
export function updateWarnings(plan: UpdatePlan, record: UpdateRecord, release: { problem?: string } | undefined): string[] {
    return [
        ...(plan.warnings ?? []),
        ...record.intervening.map(
            (d) =>
                `${describeUpdate(d)} ran between this command's read of the stack and its own update; ` +
                "the previous digest below is that update's, and a rollback target was chosen before it ran: check `history`",
        ),
        ...(release?.problem ? [release.problem] : []),
    ];
}

/** The evidence record of the update, built once; `result` is how the command ended (the history keeps the engine's). */
export function updateEvidence(
    facts: UpdateFacts,
    failure: Failure | undefined,
    more: { warnings: readonly string[]; finishedAt: Date; protection?: ProtectionNote; release?: ReleaseNote },
): EvidenceRecord {
    const { session, plan, record, ecs } = facts;
    const evidence = buildEvidence({
        kind: plan.kind,
        stack: session.displayName,
        stackQualified: session.identity.qualified,
        resolved: plan.resolved,
        requestedImage: plan.image,
        tag: plan.tag,
        after: record.after,
        applied: record.applied,
        previousDigest: record.previousDigest,
        updateVersion: record.ours?.version,
        pendingOperations: record.pending.length,
        warnings: more.warnings,
        // Not only the engine: ECS rolling the update back, or a rollout that did not finish, fails it as much.
        result: failure === undefined ? "succeeded" : failure.error === "interrupted" ? "cancelled" : "failed",
        startedAt: record.startedAt,
        finishedAt: more.finishedAt,
        requestedBy: session.requestedBy,
        rollbackOf: plan.rollbackOf,
        promotedFrom: plan.promotedFrom,
        reconcileOf: plan.reconcileOf,
        verify: ecs?.verifyNote,
        rollout: ecs?.rollout,
        loadBalancerUrl: typeof record.stackOutputs.loadBalancerUrl === "string" ? record.stackOutputs.loadBalancerUrl : undefined,
        scan: plan.scan,
        protection: more.protection,
        restore: plan.restore,
        release: more.release,
        ci: ciIdentity(session.options.env),
    });
    return facts.reconciledBy === undefined ? evidence : { ...evidence, reconciledBy: facts.reconciledBy };
}

/** The error that ends the command, built once; it carries the evidence (with its own message as `error`). */
export function errorOf(failure: Failure, stack: string, image: string, evidence: EvidenceRecord): DeployError {
    switch (failure.error) {
        case "interrupted":
            return new InterruptedError(stack, failure.outcome, evidence);
        case "updateFailed":
            return new UpdateFailedError(stack, image, failure.outcome, failure.detail, evidence);
        case "notVerified":
            return new NotVerifiedError(stack, failure.reason, evidence);
        case "rolloutTimeout":
            return new RolloutTimeoutError(stack, failure.deployment, failure.waited, evidence, failure.awaiting);
        case "rolledBackOnRequest":
            return new RolledBackOnRequestError(stack, failure.recorded, failure.running, failure.decision, failure.aftermath, evidence);
        case "drift":
            return new DriftError(stack, failure.recorded, failure.running, evidence);
        case "rolledBack":
            return new RolledBackError(stack, failure.recorded, failure.running, failure.what, failure.aftermath, evidence);
        case "superseded":
            return new SupersededError(stack, failure.recorded, failure.running, failure.by, evidence);
    }
}

/** Records the evidence (`--evidence`), then throws the failure's error or returns the result. */
export function finishUpdate(facts: UpdateFacts, failure: Failure | undefined, evidence: EvidenceRecord): DeployResult {
    const { session, plan, record, ecs } = facts;
    const error = failure && errorOf(failure, session.displayName, plan.image, evidence);
    const evidenceWriteError = writeEvidenceFile(session, error?.evidence ?? evidence);
    if (error) {
        if (evidenceWriteError) error.message = `${error.message}. Also: ${evidenceWriteError}`;
        throw error;
    }
    const before = session.running;
    const previousDigest = record.previousDigest;
    return {
        kind: plan.kind,
        stack: session.displayName,
        image: record.after!.image,
        resolved: plan.resolved,
        previousImage: previousDigest === before?.digest ? before?.image : previousDigest && `${plan.resolved.repositoryUrl}@${previousDigest}`,
        warnings: evidence.warnings ?? [],
        evidence,
        evidenceWriteError,
        verify: ecs?.verifyResult,
        verifySkipped: ecs?.verifyNote && "skipped" in ecs.verifyNote ? ecs.verifyNote.skipped : undefined,
        recovered: session.recovered,
        changeSummary: record.ours?.resourceChanges,
        promotedFrom: plan.promotedFrom,
        rollout: ecs?.rollout,
    };
}

// Stryker disable all: writes a file (tested by the engine suites' `--evidence` cases), left out of `npm run mutate` (docs/TESTING.md).
/** Writes the record to `--evidence`'s file, if one was asked for; the problem, if it could not be. */
export function writeEvidenceFile(session: Session, record: EvidenceRecord): string | undefined {
    if (!session.evidenceFile) return undefined;
    try {
        writeEvidence(session.evidenceFile, record);
        return undefined;
    } catch (err) {
        // Nothing of the record may be lost: the job log keeps what the file could not.
        const output = session.options.onOutput;
        output?.(`evidence record, not written to ${session.evidenceFile}:\n${JSON.stringify(record, null, 2)}\n`);
        const where = output
            ? "the whole record was printed to stderr instead (after `evidence record, not written to …:`), so the job log keeps it"
            : "the record is only in the command's result";
        return `the evidence record could not be written to \`${session.evidenceFile}\` (${(err as Error).message}); ${where}`;
    }
}
// Stryker restore all
