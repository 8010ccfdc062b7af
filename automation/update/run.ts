// One update's `up`, then what the engine recorded. The image and who asked go to
// the engine as a config file of this update's own (updateConfig.ts); afterwards the
// stack's state and history are read, and from them alone the driver says what
// runs: never from what it asked for.
import { classifyEngineError, lockHolderFrom } from "../engine/errors";
import { withEngineInterrupt } from "../engine/interrupt";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation/errors";
import { Checkpoint, PendingOperation, pendingOperations, recordedImage, RecordedImage } from "../engine/state";
import type { ResolvedImage } from "../aws/ecr";
import { StackBusyError } from "../record/errors";
import type { PromotedFrom, RestoreNote, ScanNote } from "../record/evidence";
import type { UpdateKind } from "../record/updateKinds";
import { Deployment, formatPromotedFrom, formatReconcileOf, readDeployments } from "../record/history";
import { DriverConfig, writeUpdateConfig } from "../record/updateConfig";
import { describePending, Session, stackOutputsOf } from "./session";

/** What an update asks for: the image, and what the history and the evidence say about why. */
export interface UpdatePlan {
    readonly kind: UpdateKind;
    readonly image: string;
    readonly resolved: ResolvedImage;
    readonly tag?: string;
    readonly rollbackOf?: { version: number; digest?: string };
    readonly promotedFrom?: PromotedFrom;
    readonly reconcileOf?: { version?: number; digest?: string };
    readonly scan?: ScanNote;
    readonly restore?: RestoreNote;
    /** Said before the update ran (e.g. a target outside the protected set); they go into the evidence. */
    readonly warnings?: readonly string[];
}

/** How `up` itself ended: its error, if any, and whether the caller aborted while it ran. */
export interface UpEnding {
    readonly error?: unknown;
    readonly interrupted: boolean;
}

/**
 * `up`'s ending as the outcome reads it. An abort counts whether or not the engine then failed: an
 * engine that got the interrupt late finishes its step and succeeds, and the caller who pressed
 * Ctrl-C still gets 130 ("cancelled after the image was applied"), not a rollout followed on.
 */
export function upEnding(error: unknown, signal: AbortSignal | undefined): UpEnding {
    return { error, interrupted: signal?.aborted === true };
}

/** What the engine recorded, read from the state and the history after `up`, whatever `up` did. */
export interface UpdateRecord {
    readonly startedAt: Date;
    /** The state afterwards; unset when it could not be read. */
    readonly checkpoint?: Checkpoint;
    /** What that state runs. */
    readonly after?: RecordedImage;
    readonly stackOutputs: Record<string, unknown>;
    /** Operations an engine stopped mid-step left: what runs is then uncertain. */
    readonly pending: readonly PendingOperation[];
    /** The history afterwards, newest first; unset when it could not be read. */
    readonly deployments?: readonly Deployment[];
    /** This update's own entry in it, once the engine got as far as recording one. */
    readonly ours?: Deployment;
    /** The state runs the requested digest, with no step left pending. */
    readonly runsRequested: boolean;
    /** …on another digest or task definition than before: the update changed what the service runs. */
    readonly applied: boolean;
    /** Updates another checkout ran between this command's read of the stack and its own update. */
    readonly intervening: readonly Deployment[];
    /** What the state ran before: the intervening update's digest, else the session's. */
    readonly previousDigest?: string;
    /** What the state runs, as a phrase for messages (`the stack runs \`…\``, or why that is uncertain). */
    readonly runs: string;
}

/**
 * Runs `up` with the plan's image and reads what the engine recorded. Throws when the engine refused
 * before it recorded an update (another checkout's lock, a wrong passphrase, the backend gone): then
 * nothing changed, and the error names what to fix.
 */
export async function runUp(session: Session, plan: UpdatePlan, startedAt: Date): Promise<{ up: UpEnding; record: UpdateRecord }> {
    const { stack, options } = session;
    const configFile = writeUpdateConfig(session.workDir, session.identity.name, driverConfig(plan, session.requestedBy));
    let error: unknown;
    try {
        await withEngineInterrupt(options, (engine) => stack.up({ ...engine, message: updateMessage(plan, session.requestedBy), configFile: configFile.path }));
    } catch (err) {
        error = err;
    } finally {
        configFile.remove();
    }
    const up = upEnding(error, options.signal);
    if (error instanceof ConcurrentUpdateError && !up.interrupted) {
        // Refused before it started (another checkout holds the engine's lock): nothing changed.
        throw new StackBusyError(session.displayName, lockHolderFrom(error.message));
    }
    const record = await readRecord(session, plan, startedAt);
    // Refused before the engine recorded an update (a wrong passphrase, a broken config file, the
    // backend gone): nothing changed, and the error names what to fix (exit 2 or 9, not 5).
    const refused = error !== undefined && !up.interrupted && record.deployments !== undefined && record.ours === undefined;
    const refusal = refused ? classifyEngineError(error, session) : undefined;
    if (refusal) throw refusal;
    return { up, record };
}

/** The state and the history, read at once after `up`; neither read fails the update. */
async function readRecord(session: Session, plan: UpdatePlan, startedAt: Date): Promise<UpdateRecord> {
    const before = session.running;
    const [stateRead, deployments] = await Promise.all([
        session.stack.readState().then(
            (checkpoint) => ({ checkpoint }),
            (err: unknown) => ({ error: err as Error }),
        ),
        readDeployments(session.stack).catch(() => undefined),
    ]);
    const checkpoint = "checkpoint" in stateRead ? stateRead.checkpoint : undefined;
    const pending = pendingOperations(checkpoint);
    let after: RecordedImage | undefined;
    let stateProblem: string | undefined;
    if ("checkpoint" in stateRead) {
        try {
            after = recordedImage(checkpoint);
        } catch (err) {
            stateProblem = `the stack's state does not say what runs (${(err as Error).message})`;
        }
    } else {
        stateProblem = `the stack's state could not be read afterwards (${stateRead.error.message.split("\n")[0]}); run \`papyrus-deploy history --stack ${session.displayName}\``;
    }
    // With pending operations the state cannot say whether the new image went out. "Applied" is
    // read from the state before and after: the service now runs the requested digest on another
    // task definition than before. A redeploy of the running digest that failed before any step,
    // or changed nothing, applied nothing (and history's RUNS does not credit it).
    const runsRequested = pending.length === 0 && after?.digest === plan.resolved.digest;
    const applied = runsRequested && (before === undefined || before.digest !== after?.digest || before.taskDefinitionArn !== after?.taskDefinitionArn);
    // Our update is the newest record, if the engine got as far as recording one (history has 1 s precision).
    const ours = deployments?.[0] && deployments[0].startTime.getTime() >= startedAt.getTime() - 1000 ? deployments[0] : undefined;
    // Updates another checkout ran between this command's read of the stack and its own update:
    // what ran before ours is theirs, not what this command saw (a rollback chosen from a stale view).
    const intervening = (deployments ?? []).filter((d) => d !== ours && d.operation === "update" && d.startTime.getTime() >= session.readAt.getTime() - 1000);
    const stateRuns = stateProblem ?? (after ? `the stack runs \`${after.image}\`` : "the stack's state runs no service");
    // An engine stopped mid-step (killed, or terminated by a second interrupt) leaves pending
    // operations: the state then says what ran before the step, and the step may have changed
    // the service anyway. Say so instead of claiming either outcome.
    const runs =
        pending.length === 0
            ? stateRuns
            : `the engine stopped mid-step, leaving ${pending.length} pending operation(s) (${describePending(pending)}): ` +
              `the state says ${stateRuns.replace(/^the stack runs /, "")} runs, but the interrupted step may have changed the service; ` +
              "the next deploy refreshes before it acts (or run `pulumi refresh`), and `verify` compares with ECS";
    return {
        startedAt,
        checkpoint,
        after,
        stackOutputs: stackOutputsOf(checkpoint),
        pending,
        deployments,
        ours,
        runsRequested,
        applied,
        intervening,
        previousDigest: intervening.length > 0 ? intervening[0].digest : before?.digest,
        runs,
    };
}

/** The config keys this update carries into the history: image, tag, who asked, kind, and a promote's source. */
function driverConfig(plan: UpdatePlan, requestedBy: string): DriverConfig {
    return {
        image: plan.image,
        imageTag: plan.tag,
        deployedBy: requestedBy,
        deployKind: plan.kind,
        promotedFrom: plan.promotedFrom === undefined ? undefined : formatPromotedFrom(plan.promotedFrom),
        reconcileOf: plan.reconcileOf === undefined ? undefined : formatReconcileOf(plan.reconcileOf),
    };
}

/** The update message the history shows; `history.ts` recognises the driver's updates by it. */
export function updateMessage(plan: Pick<UpdatePlan, "kind" | "tag" | "resolved">, requestedBy: string): string {
    return `${plan.kind} ${plan.tag ?? ""} ${plan.resolved.digest} by ${requestedBy}`.replace(/\s+/g, " ");
}
