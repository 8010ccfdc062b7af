// What ECS did with an update: follow the deployment `up` started to its end, compare
// what the service's primary runs with the record, tell another update replacing it
// from a rollback by ECS, and, when asked, reconcile after an ECS rollback. Each step
// gathers facts; outcome.ts decides from them how the update ends.
import { digestOf } from "../../components/imageReference";
import { engineErrorSummary } from "../engine/errors";
import { SERVICE_OUTPUTS } from "../engine/project";
import { RecordedImage } from "../engine/state";
import { deploymentTaskDefinitions, followRollout, RolloutLostError, RolloutOutcome } from "../aws/rollout";
import { isFinished, shortId, stopWithRollback } from "../aws/serviceDeployments";
import { decisionNow, decisionsOf, describeDecision, HookDecision } from "../record/decisions";
import { decide, hookHandler, PauseLog, recordDecision } from "./pause";
import { replacingUpdate } from "../aws/supersede";
import { compareRunningImage, VerifyResult } from "../aws/verify";
import { DeployError, InterruptedError, UnreachableError } from "../record/errors";
import type { EvidenceRecord, ReleaseNote, RolloutNote, VerifyNote } from "../record/evidence";
import type { Deployment } from "../record/history";
import { releaseVerdict, VerdictRecord, verdictTagName, writeVerdict } from "../record/verdict";
import type { UpdateRecord } from "./run";
import type { UpdateKind } from "../record/updateKinds";
import { ecsClient, progressOf, readRecordedImage, Session } from "./session";

export const DEFAULT_ROLLOUT_WAIT_MS = 15 * 60_000;

/** Why ECS is not followed: a stack before its first deploy, or a program that breaks the contract (docs/CONTRACT.md). */
const NO_SERVICE = `the stack has no ECS service to compare with (outputs ${SERVICE_OUTPUTS.map((o) => `\`${o}\``).join(" and ")} are unset; docs/CONTRACT.md)`;

/** The service's ECS deployments (ID → task definition) before `up`; unset when there is no service yet or ECS does not answer (then creation times decide). */
export async function ecsDeploymentsBefore(session: Session): Promise<ReadonlyMap<string, string> | undefined> {
    const { clusterName, serviceName } = session.stackOutputs;
    if (session.options.verify === false || typeof clusterName !== "string" || typeof serviceName !== "string") return undefined;
    return deploymentTaskDefinitions(ecsClient(session), clusterName, serviceName).catch(() => undefined);
}

/** What ECS did with the update's deployment, as far as this command saw it. */
export interface EcsCheck {
    readonly verifyNote?: VerifyNote;
    readonly verifyResult?: VerifyResult;
    readonly rollout?: RolloutNote;
    /** The rollout as followed (state, deployment, ECS's reason); unset when it was not followed. */
    readonly followed?: RolloutOutcome;
    /** How long the rollout was waited for. */
    readonly waitMs?: number;
    /** What ECS runs, when it is not what the state records after ECS failed the update's deployment. */
    readonly rolledBackTo?: readonly string[];
    readonly running: readonly string[];
    /** Why ECS could not be followed or read, after `up` changed something. */
    readonly lost?: string;
    /** The wait was interrupted (an abort) while the rollout was IN_PROGRESS. */
    readonly interrupted?: boolean;
    /** Someone asked for the rollback ECS did: a failed smoke test, `abort`, or Ctrl-C answered with abort (decisions.ts). */
    readonly rollbackRequested?: string;
    /** Things said about the hooks: a decision that could not be recorded or sent. */
    readonly problems?: readonly string[];
}

/** Follows the ECS deployment `up` started to COMPLETED or FAILED (bounded), then compares what the primary runs with the record. */
export async function checkEcs(
    session: Session,
    after: RecordedImage,
    record: UpdateRecord,
    before: ReadonlySet<string> | undefined,
    kind?: UpdateKind,
): Promise<EcsCheck> {
    const { options } = session;
    if (options.verify === false) return { verifyNote: { skipped: "--no-verify" }, running: [] };
    const cluster = record.stackOutputs.clusterName;
    const service = record.stackOutputs.serviceName;
    if (typeof cluster !== "string" || typeof service !== "string") return { verifyNote: { skipped: NO_SERVICE }, running: [] };
    const ecs = ecsClient(session);
    const waitMs = options.waitTimeoutMs ?? DEFAULT_ROLLOUT_WAIT_MS;
    let followed: RolloutOutcome;
    let verifyResult: VerifyResult;
    const log: PauseLog = { smokeTests: [], decisions: [], problems: [] };
    const onProgress = progressOf(options);
    const follow = (signal: AbortSignal | undefined) =>
        followRollout({
            ecs,
            cluster,
            service,
            taskDefinitionArn: after.taskDefinitionArn,
            before,
            startedAt: record.startedAt,
            waitMs,
            pollMs: options.rolloutPollMs,
            progressMs: options.progressMs,
            onProgress,
            signal,
            onHook: hookHandler(session, record, after, log, kind),
        });
    try {
        followed = await follow(options.signal);
        if (followed.state === "IN_PROGRESS" && options.signal?.aborted && (await wantsAbort(session, followed))) {
            // Ctrl-C answered with abort: roll back, then follow the rollback to its end (a second interrupt is the CLI's to handle).
            await abortOnInterrupt(session, record, followed, log);
            followed = await follow(undefined);
        }
        verifyResult = await compareRunningImage(ecs, cluster, service, after.image);
    } catch (err) {
        // After `up` something did change: not UnreachableError's "nothing was changed, run it again".
        const lost = err instanceof RolloutLostError ? err : undefined;
        const cause = lost?.cause ?? (err as Error);
        const reason = cause instanceof UnreachableError ? `${cause.what} could not be reached: ${cause.reason}` : cause.message;
        const deploymentId = lost?.lastSeen.deploymentId;
        const message = deploymentId ? `${reason}, while ECS deployment ${deploymentId} was ${lost!.lastSeen.state}` : reason;
        return {
            verifyNote: { failed: message },
            // How far the wait got: the deployment `up` started is still named in the record.
            rollout: lost && { deploymentId, state: lost.lastSeen.state, events: lost.lastSeen.events.length > 0 ? lost.lastSeen.events : undefined },
            running: [],
            lost: message,
        };
    }
    const runningDigest = verifyResult.inSync ? undefined : verifyResult.running.map(digestOf).find((d) => d !== undefined);
    // Every decision on this deployment, this process's and those of `approve`/`abort` from any checkout.
    const deployment = shortId(followed.serviceDeployment?.arn);
    const decisions = record.ours ? await recordedDecisions(session, record.ours.version, log) : log.decisions;
    const ours = decisions.filter((d) => d.deployment === deployment);
    const rollbackBy = ours.find((d) => d.action === "rollback");
    return {
        verifyNote: { inSync: verifyResult.inSync, running: verifyResult.running },
        verifyResult,
        rollout: {
            deploymentId: followed.deploymentId,
            state: followed.state,
            runningDigest,
            events: followed.events.length > 0 ? followed.events : undefined,
            serviceDeployment: followed.serviceDeployment,
            decisions: ours.length > 0 ? ours : undefined,
            smokeTests: log.smokeTests.length > 0 ? log.smokeTests : undefined,
            awaiting: followed.state === "IN_PROGRESS" ? followed.awaiting : undefined,
        },
        rollbackRequested: rollbackBy && followed.state === "FAILED" ? describeDecision(rollbackBy) : undefined,
        problems: log.problems.length > 0 ? log.problems : undefined,
        followed,
        waitMs,
        running: verifyResult.running,
        // ECS runs something else after failing this update's deployment: it rolled back (or another update replaced it).
        rolledBackTo: !verifyResult.inSync && followed.state === "FAILED" ? verifyResult.running : undefined,
        interrupted: options.signal?.aborted === true && (followed.state === "IN_PROGRESS" || rollbackBy?.via === "interrupt"),
    };
}

/** Whether an interrupt during the rollout should roll it back: `--on-interrupt`, or the answer to one question at a TTY. */
async function wantsAbort(session: Session, followed: RolloutOutcome): Promise<boolean> {
    const { onInterrupt = "ask", confirmAbort } = session.options;
    if (!followed.serviceDeployment || isFinished(followed.serviceDeployment.status)) return false;
    if (onInterrupt === "abort") return true;
    if (onInterrupt === "leave" || !confirmAbort) return false;
    return confirmAbort(
        `Abort ECS deployment ${shortId(followed.serviceDeployment.arn)} and roll ${session.displayName} back to the revision it replaced? [y/N] `,
    ).catch(() => false);
}

/** Rolls the deployment back after an interrupt, recording the decision first. */
async function abortOnInterrupt(session: Session, record: UpdateRecord, followed: RolloutOutcome, log: PauseLog): Promise<void> {
    const facts = followed.serviceDeployment!;
    const decision = decisionNow(
        "rollback",
        "interrupt",
        session.requestedBy,
        facts.arn,
        followed.awaiting?.stage,
        "interrupted while ECS rolled the update out",
    );
    progressOf(session.options)(`aborting ECS deployment ${shortId(facts.arn)}: rolling back, then following the rollback`);
    if (followed.awaiting) return decide(session, record, facts.arn, followed.awaiting.hookId, decision, log);
    try {
        await stopWithRollback(ecsClient(session), facts.arn);
    } catch (err) {
        log.problems.push(`ECS refused to stop deployment ${shortId(facts.arn)}: ${(err as Error).message.split("\n")[0]}`);
        return;
    }
    await recordDecision(session, record, decision, log);
}

/** The update's decisions as recorded in the stack's tags, with this process's (whose tag write may have failed). */
async function recordedDecisions(session: Session, version: number, log: PauseLog): Promise<HookDecision[]> {
    const recorded = await session.stack.tags().then(
        (tags) => decisionsOf(tags, version),
        () => [] as HookDecision[],
    );
    const missing = log.decisions.filter((d) => !recorded.some((r) => r.at === d.at && r.via === d.via));
    return [...recorded, ...missing];
}

/** A newer update that replaced ours in ECS (supersede.ts), described; undefined when ECS itself rolled ours back. */
export function supersededBy(
    session: Session,
    record: UpdateRecord,
    before: ReadonlyMap<string, string> | undefined,
    ecs: EcsCheck,
): Promise<string | undefined> {
    return replacingUpdate(session.stack, record.ours, before, ecs.verifyResult?.taskDefinitionArn);
}

/** What ECS did with the update's deployment, for its release verdict (verdict.ts). */
export function ecsOutcomeOf(runsRequested: boolean, ecs: EcsCheck | undefined, replaced: boolean, verified: boolean): VerdictRecord["ecs"] {
    if (!runsRequested) return "not-applied";
    const note = ecs?.verifyNote;
    if (ecs === undefined || note === undefined || "failed" in note) return "unknown";
    if ("skipped" in note) return verified ? "no-service" : "unknown";
    if (ecs.rollout?.state === "IN_PROGRESS") return "in-progress";
    if (ecs.rolledBackTo) return replaced ? "superseded" : "rolled-back";
    if (!note.inSync) return "unknown"; // ECS runs something else, and not after a rollback this command saw
    if (ecs.rollout?.state === "FAILED") return "failed";
    return ecs.verifyResult?.rollingOut ? "in-progress" : ecs.verifyResult?.rolloutFailed ? "failed" : "completed";
}

/** Writes the update's verdict tag; a write that fails is said (the verdict then reads `unknown`), never fatal. */
export async function recordVerdict(session: Session, ours: Deployment, record: VerdictRecord): Promise<{ note: ReleaseNote; problem?: string }> {
    const verdict = releaseVerdict(ours, record);
    const note: ReleaseNote = { verdict: verdict.verdict, ecs: record.ecs, reason: verdict.reason, tag: verdictTagName(ours.version), recorded: true };
    try {
        await writeVerdict(session.stack, ours.version, record);
        return { note };
    } catch (err) {
        const problem =
            `the release verdict of update ${ours.version} (\`${verdict.verdict}\`) could not be recorded as stack tag \`${verdictTagName(ours.version)}\` ` +
            `(${engineErrorSummary(err)}); until \`papyrus-deploy verify --stack ${session.displayName}\` records it, gates read this update as \`unknown\``;
        return { note: { ...note, recorded: false }, problem };
    }
}

export type VerifyOutcome = { result: VerifyResult } | { skipped: string } | { error: string; cause: unknown };

/** Verify the state's image against ECS; a stack without a service (bootstrap) has nothing to verify. */
export async function verifyRunning(session: Session, recorded: RecordedImage | undefined, outputs: Record<string, unknown>): Promise<VerifyOutcome> {
    const cluster = outputs.clusterName;
    const service = outputs.serviceName;
    if (!recorded || typeof cluster !== "string" || typeof service !== "string") return { skipped: NO_SERVICE };
    try {
        return { result: await compareRunningImage(ecsClient(session), cluster, service, recorded.image) };
    } catch (err) {
        return { error: (err as Error).message, cause: err };
    }
}

export type ReconciledBy = NonNullable<EvidenceRecord["reconciledBy"]>;

/** The update that records the digest ECS runs (`reconcileTo`), as `reconcileAfterRollback` runs it. */
export type ReconcileStep = (
    session: Session,
    running: readonly string[],
    reconcileOf: { version?: number; digest?: string },
    deployments?: readonly Deployment[],
) => Promise<{ readonly evidence?: EvidenceRecord }>;

/** `onRollback: reconcile`: one more update, with the digest ECS runs; its outcome for the deploy's evidence. */
export async function reconcileAfterRollback(
    session: Session,
    record: UpdateRecord,
    running: readonly string[],
    reconcileTo: ReconcileStep,
    /** The rollback was the answer to an interrupt: the reconcile that follows it runs past that interrupt. */
    afterInterrupt = false,
): Promise<ReconciledBy> {
    const options = { ...session.options, onRollback: "fail" as const, evidenceFile: undefined, ...(afterInterrupt ? { signal: undefined } : {}) };
    const checkpoint = record.checkpoint;
    const now = {
        ...session,
        options,
        evidenceFile: undefined,
        checkpoint,
        ...readRecordedImage(checkpoint),
        stackOutputs: record.stackOutputs,
        readAt: new Date(),
    };
    options.onOutput?.(`ECS rolled the update back: reconciling, so the stack records what ECS runs\n`);
    try {
        // The history as read after the update: the tag the digest ECS runs was deployed under.
        const result = await reconcileTo(now, running, { version: record.ours?.version, digest: record.after?.digest }, record.deployments);
        return { updateVersion: result.evidence?.updateVersion, digest: result.evidence?.imageDigest ?? null, result: "succeeded" };
    } catch (err) {
        const evidence = err instanceof DeployError ? err.evidence : undefined;
        return {
            updateVersion: evidence?.updateVersion,
            digest: evidence?.imageDigest ?? null,
            result: err instanceof InterruptedError ? "cancelled" : (evidence?.result ?? "failed"),
            error: (err as Error).message,
        };
    }
}
