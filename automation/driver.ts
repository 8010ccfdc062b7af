// The deploy driver as a library: deploy a tag by its digest, roll back to a
// deployment found in the stack history, promote the digest one stack runs to
// another, list the history, verify what ECS runs. Every function takes
// explicit inputs and returns a typed result or throws a typed `DeployError`;
// the CLI (cli/main.ts) only parses and prints.
//
// Two rules throughout: what the driver reports is read from what the engine
// recorded (the stack's state after the update), never from what it planned;
// and the checkout holds no driver keys after a run: each update gets its
// image and who asked as a config file of its own (updateConfig.ts).
import * as fs from "fs";
import * as path from "path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { digestReference, isSha256Digest } from "../components/imageReference";
import { PROJECT_NAME, qualifiedKey } from "../components/stackConfig";
import { fileBackendRoot } from "./engine/checkpointFile";
import { createEcrClient, describeDigest, ResolvedImage, resolveTag } from "./aws/ecr";
import { classifyEngineError, engineCall, engineErrorSummary, lockHolderFrom } from "./engine/errors";
import { withEngineInterrupt } from "./engine/interrupt";
import { PROJECT_ROOT } from "./engine/tools";
import { backendFor, createWorkspace, engineStack, identityOf } from "./engine/workspace";
import {
    DeployError,
    DriftError,
    ImageArchivedError,
    ImageNotFoundError,
    InterruptedError,
    InvalidInputError,
    NoRollbackTargetError,
    NotPromotedError,
    NotReleasedError,
    NothingToPromoteError,
    NotVerifiedError,
    ReconcileTargetGoneError,
    RollbackTargetGoneError,
    RolledBackError,
    RolloutTimeoutError,
    SourceDriftError,
    SourceNotVerifiedError,
    StackBusyError,
    StateUnreadableError,
    SupersededError,
    UnreachableError,
    UpdateFailedError,
} from "./record/errors";
import {
    buildEvidence,
    checkEvidencePath,
    ciIdentity,
    EvidenceRecord,
    PromotedFrom,
    ReleaseNote,
    requestedByOf,
    RolloutNote,
    UpdateKind,
    VerifyNote,
    writeEvidence,
} from "./record/evidence";
import {
    chooseRollbackTarget,
    currentDeployment,
    Deployment,
    formatPromotedFrom,
    formatReconcileOf,
    markRunning,
    readDeployments,
    RollbackTarget,
} from "./record/history";
import { acquireLock, describeEngineLock, describeHolder, engineLocks, removeLock, UnlockResult } from "./engine/lock";
import {
    isProtectedDeployment,
    protectAfterUpdate,
    protectedDeploymentCount,
    PROTECT_DEPLOYMENTS_KEY,
    unprotectedSourceWarning,
    unprotectedTargetWarning,
} from "./aws/protect";
import { awaitReplica, formatDuration } from "./aws/replica";
import { RestoreNote, restoreRollbackTarget } from "./aws/restore";
import { deploymentTaskDefinitions, followRollout, RolloutLostError, RolloutOutcome } from "./aws/rollout";
import { acceptFindingsReason, gateDigest, ScanNote } from "./aws/scanGate";
import type { EngineStack } from "./engine/engineStack";
import { escapeUnprintable } from "./record/printable";
import { replacingUpdate } from "./aws/supersede";
import { Checkpoint, pendingOperations, recordedImage, RecordedImage } from "./engine/state";
import { StackIdentity } from "./engine/stackName";
import { validateTag, TagPolicy } from "./record/tags";
import { DriverConfig, isSecureStackConfigValue, readStackConfigValues, StackConfigValues, writeUpdateConfig } from "./record/updateConfig";
import { isUnsettled, ReleaseVerdict, releaseVerdict, VerdictRecord, verdictTagName, writeVerdict } from "./record/verdict";
import { compareRunningImage, createEcsClient, VerifyResult } from "./aws/verify";

export interface StackContext {
    /** `dev`, or fully qualified `organization/papyrus/dev`: every spelling names one stack. */
    readonly stackName: string;
    /** Directory with Pulumi.yaml and Pulumi.<stack>.yaml. @default the project root */
    readonly workDir?: string;
    /** Extra environment for the engine (backend URL, passphrase, AWS endpoints). */
    readonly envVars?: Record<string, string>;
    readonly ecr?: ECRClient;
    readonly ecs?: ECSClient;
    /** Engine output, line by line, as it happens. */
    readonly onOutput?: (text: string) => void;
    /**
     * Aborting stops the driver: before `up` nothing changes; during `up` the engine cancels at a
     * safe point. The engine gets exactly one interrupt (see `engineInterrupt`).
     */
    readonly signal?: AbortSignal;
    /** Who asked. @default the GitHub actor in CI, else $USER */
    readonly requestedBy?: string;
    /** Where CI identity is read from. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
}

export interface UpdateOptions extends StackContext {
    /** Follow the ECS deployment `up` started and compare what ECS runs with the record afterwards. @default true */
    readonly verify?: boolean;
    /** Write the evidence record to this file (checked before anything runs). */
    readonly evidenceFile?: string;
    /** How long to wait for ECS to finish the rollout (COMPLETED or FAILED); 0 looks once. @default 15 minutes */
    readonly waitTimeoutMs?: number;
    /** @default 5 s */
    readonly rolloutPollMs?: number;
    /** At most one rollout status line this often. @default 10 s */
    readonly progressMs?: number;
    /** Rollout progress, one line each. @default `onOutput` */
    readonly onProgress?: (line: string) => void;
    /**
     * When ECS rolls the update back: `fail` (exit 6, printing the reconcile command) or `reconcile`
     * (also run `up` with the digest ECS runs, so state, history and ECS agree; still exit 6). @default "fail"
     */
    readonly onRollback?: "fail" | "reconcile";
}

export const DEFAULT_ROLLOUT_WAIT_MS = 15 * 60_000;

export interface DeployOptions extends UpdateOptions {
    readonly tag: string;
    readonly tagPolicy?: TagPolicy;
    /** Preview only: nothing is changed, config included. */
    readonly preview?: boolean;
    /** Why scan findings at or above the stack's threshold are accepted (`--accept-findings`); recorded in the evidence. */
    readonly acceptFindings?: string;
}

export interface RollbackOptions extends UpdateOptions {
    readonly target?: RollbackTarget;
    /** Restore an archived target (ECR UpdateImageStorageClass), wait for it, then deploy it (`--restore`). */
    readonly restore?: boolean;
    /** How long to wait for the restore. @default 30 minutes */
    readonly restoreWaitMs?: number;
    /** @default 15 s */
    readonly restorePollMs?: number;
}

/** `stackName` is the target; `from` the stack whose digest it takes. */
export interface PromoteOptions extends UpdateOptions {
    /** The source stack: read (history, state, and what its ECS service runs), never locked or changed. */
    readonly from: string;
    /** The source's update to promote (`history --stack <from>`); unset: the one its state runs now, checked against ECS. */
    readonly version?: number;
    /** How long to wait for replication to bring the digest into the target's repository. @default 10 minutes */
    readonly waitMs?: number;
    /** @default 5 s */
    readonly pollIntervalMs?: number;
    /** The source's ECS client (the source may be in another region). @default from the source's `aws:region` */
    readonly sourceEcs?: ECSClient;
    /** Progress lines while waiting (at most one per 15 s). @default `onOutput` */
    readonly onProgress?: (line: string) => void;
    /** Why scan findings at or above the target's threshold are accepted (`--accept-findings`). */
    readonly acceptFindings?: string;
}

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

export interface HistoryResult {
    readonly stack: string;
    /** Newest first; the one whose digest the state runs has `running: true`. */
    readonly deployments: Deployment[];
    /** What the stack's state runs now. */
    readonly running?: RecordedImage;
    /** Why the state does not say what runs, when it does not (no RUNS mark then). */
    readonly runningProblem?: string;
}

/** Resolves `tag` to its digest and runs `up` with `<repositoryUrl>@sha256:<digest>`. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
    if (options.preview && options.evidenceFile !== undefined) {
        throw new InvalidInputError(
            "evidenceFile",
            options.evidenceFile,
            "is the record of an update, and `preview: true` runs none (a preview changes nothing and leaves no record); drop one of them",
        );
    }
    validateTag(options.tag, options.tagPolicy);
    const accept = options.acceptFindings === undefined ? undefined : acceptFindingsReason(options.acceptFindings);
    return withLockedSession(options, async (session) => {
        const repositoryName = requireConfig(session, "repositoryName");
        const resolved = await resolveTag(ecrClient(session), repositoryName, options.tag);
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "tag" });
        await checkPromotionGate(session, options.tag, resolved.digest, `deploy to \`${session.displayName}\` (\`papyrus:promoteFrom\`)`);
        const scan = await gateDigest(
            session,
            ecrClient(session),
            resolved,
            accept,
            `papyrus-deploy deploy --stack ${session.displayName} --tag ${options.tag}`,
        );
        throwIfAborted(session);
        if (options.preview) {
            const configFile = writeUpdateConfig(session.workDir, session.identity.name, {
                image,
                imageTag: options.tag,
                deployKind: "deploy",
                deployedBy: session.requestedBy,
            });
            try {
                await withEngineInterrupt(options, (engine) => session.stack.preview({ ...engine, configFile: configFile.path })).catch((err: unknown) => {
                    if (options.signal?.aborted) throw new InterruptedError(session.displayName, "the preview was cancelled; nothing was changed");
                    throw (
                        classifyEngineError(err, session) ??
                        new UpdateFailedError(session.displayName, image, "nothing was changed", `Preview failed: ${engineErrorSummary(err)}`)
                    );
                });
            } finally {
                configFile.remove();
            }
            return { kind: "preview", stack: session.displayName, image, resolved, recovered: session.recovered };
        }
        return runUpdate(session, { kind: "deploy", image, resolved, tag: options.tag, scan });
    });
}

/** Puts an earlier deployment's digest back by running `up` with it (never by rewriting state). */
export async function rollback(options: RollbackOptions): Promise<DeployResult> {
    const target = options.target ?? {};
    if ("toDigest" in target && !isSha256Digest(target.toDigest)) {
        throw new InvalidInputError("target.toDigest", target.toDigest, "must be `sha256:<64 lowercase hex>`");
    }
    return withLockedSession(options, async (session) => {
        const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
        const choice = chooseRollbackTarget(deployments, target);
        if (!choice.target) {
            throw new NoRollbackTargetError(session.displayName, choice.reason ?? "no earlier deployment");
        }
        const repositoryName = requireConfig(session, "repositoryName");
        const chosen = choice.target;
        let resolved: ResolvedImage;
        let restore: RestoreNote | undefined;
        try {
            resolved = await describeDigest(ecrClient(session), repositoryName, chosen.digest!);
        } catch (err) {
            if (err instanceof ImageNotFoundError) {
                throw new RollbackTargetGoneError(repositoryName, chosen.digest!, chosen.version, "no longer exists (deleted or expired)");
            }
            if (!(err instanceof ImageArchivedError)) throw err;
            // Without `--restore`: exit 3 with the command that restores it. With it: restore, wait, go on.
            ({ resolved, note: restore } = await restoreRollbackTarget(err, {
                ecr: ecrClient(session),
                stack: session.displayName,
                version: chosen.version,
                restore: options.restore === true,
                waitMs: options.restoreWaitMs,
                pollMs: options.restorePollMs,
                onProgress: options.onOutput,
                signal: options.signal,
            }));
        }
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "rollback target" });
        const warning = unprotectedTargetWarning(resolved, session.identity.name, `rollback target (update ${chosen.version}, ${chosen.digest})`);
        // Named explicitly, a target ECS never finished goes ahead (an incident may need it), said aloud.
        const unreleased =
            chosen.release.verdict === "completed"
                ? undefined
                : `rollback target update ${chosen.version} has release verdict \`${chosen.release.verdict}\` (${chosen.release.reason}); it was named, so it goes ahead`;
        return runUpdate(session, {
            kind: "rollback",
            image,
            resolved,
            tag: chosen.tag,
            rollbackOf: { version: chosen.version, digest: choice.current?.digest },
            restore,
            warnings: [warning, unreleased].filter((w): w is string => w !== undefined),
        });
    });
}

/**
 * Re-runs `up` with the digest the stack's state runs now: the way to apply an infrastructure
 * change (a new health check, more tasks) without touching the image, whatever this checkout's
 * `Pulumi.<stack>.yaml` holds.
 */
export async function reapply(options: UpdateOptions): Promise<DeployResult> {
    return withLockedSession(options, async (session) => {
        const running = session.running;
        if (!running) {
            throw new NoRollbackTargetError(
                session.displayName,
                "the stack's state runs no service, so there is no running digest to keep; deploy a tag first (or run the bootstrap `pulumi up`)",
            );
        }
        const current = currentDeployment(markRunning(await engineCall(session, () => readDeployments(session.stack)), running));
        const repositoryName = requireConfig(session, "repositoryName");
        let resolved: ResolvedImage;
        try {
            resolved = await describeDigest(ecrClient(session), repositoryName, running.digest);
        } catch (err) {
            if (err instanceof ImageNotFoundError) {
                throw new RollbackTargetGoneError(repositoryName, running.digest, current?.version ?? 0, "(the running image) no longer exists");
            }
            throw err;
        }
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "running image" });
        return runUpdate(session, { kind: "infra", image, resolved, tag: current?.tag });
    });
}

/**
 * Deploys to `stackName` the digest that stack `from` runs: the one its state runs now (checked against
 * what its ECS service runs), or its update `version`. The digest is looked up in the target's own
 * repository (replication brings it there; `waitMs` bounds the wait) and deployed by digest; the evidence
 * and the history name the source's stack, update, digest and tag. The source is only read.
 */
export async function promote(options: PromoteOptions): Promise<DeployResult> {
    const workDir = projectDirectory(options.workDir);
    if (options.evidenceFile !== undefined) checkEvidencePath(options.evidenceFile, workDir);
    const backendUrl = backendFor(workDir, options.envVars);
    const sourceOptions: UpdateOptions = { ...options, stackName: options.from, ecs: options.sourceEcs, ecr: undefined, evidenceFile: undefined };
    const source = await identityOf(sourceOptions, workDir, backendUrl).catch((err: unknown) => {
        throw err instanceof InvalidInputError && err.input === "stackName" ? err.withInput("from") : err;
    });
    const target = await identityOf(options, workDir, backendUrl);
    if (source.qualified === target.qualified) {
        throw new InvalidInputError(
            "stackName",
            options.stackName,
            `names the same stack as the source (\`${source.qualified}\`); promote takes the digest one stack runs to another stack`,
        );
    }
    // Everything about the source is settled before the target is locked (or recovered): a refusal changes nothing.
    const accept = options.acceptFindings === undefined ? undefined : acceptFindingsReason(options.acceptFindings);
    const sourceSession = await openSession(sourceOptions, { workDir, backendUrl, identity: source });
    const promotedFrom = await promotionSource(sourceSession, options.version, `promote from \`${options.from}\``);
    return withLockedSession(options, async (session) => {
        // The target's `papyrus:promoteFrom`, exactly as `deploy` honours it (from another stack than
        // that one, the digest must still have completed there). From that stack itself, the source's
        // own verdict was just checked.
        const promoteFrom = session.config[qualifiedKey("promoteFrom")];
        if (promoteFrom && (await identityOf({ ...options, stackName: promoteFrom }, session.workDir, session.backendUrl)).qualified !== source.qualified) {
            await checkPromotionGate(
                session,
                `${options.from}'s ${promotedFrom.tag ?? `update ${promotedFrom.version}`}`,
                promotedFrom.digest,
                `promote to \`${session.displayName}\` (\`papyrus:promoteFrom\`)`,
            );
        }
        const repositoryName = requireConfig(session, "repositoryName");
        const resolved = await awaitReplica({
            ecr: ecrClient(session),
            repositoryName,
            digest: promotedFrom.digest,
            target: session.displayName,
            region: stackRegion(session.config) ?? "the default region",
            source: promotedFrom.stack,
            waitMs: options.waitMs,
            pollMs: options.pollIntervalMs,
            onProgress: options.onProgress ?? options.onOutput,
            signal: options.signal,
        });
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "promoted digest" });
        const scan = await gateDigest(
            session,
            ecrClient(session),
            resolved,
            accept,
            `papyrus-deploy promote --from ${options.from} --to ${session.displayName}`,
        );
        const warning = unprotectedSourceWarning(promotedFrom, options.from);
        throwIfAborted(session);
        return runUpdate(session, {
            kind: "promote",
            image,
            resolved,
            tag: promotedFrom.tag,
            promotedFrom,
            scan,
            warnings: warning === undefined ? [] : [warning],
        });
    });
}

/**
 * The source's deployment to promote: update `version`, or the one whose digest its state runs (checked
 * against ECS). Either way its release verdict must be `completed`: the engine succeeded and ECS finished
 * the deployment (verdict.ts), so prod never takes a digest ECS refused or has not finished on the source.
 */
async function promotionSource(source: Session, version: number | undefined, gate: string): Promise<PromotedFrom> {
    const deployments = markRunning(await engineCall(source, () => readDeployments(source.stack)), source.running);
    const released = (d: Deployment & { digest: string }) => {
        if (d.release.verdict !== "completed") throw new NotReleasedError(source.displayName, d.version, d.digest, d.release.verdict, d.release.reason, gate);
    };
    if (version !== undefined) {
        const found = deployments.find((d) => d.version === version);
        if (!found) throw new NothingToPromoteError(source.displayName, `no update ${version} in its history`);
        if (found.operation !== "update" || found.digest === undefined) {
            throw new NothingToPromoteError(
                source.displayName,
                `update ${version} ${found.operation !== "update" ? `is a ${found.operation}, which deploys no image` : "recorded no image"}`,
            );
        }
        released({ ...found, digest: found.digest });
        const keep = protectedDeploymentCount(source.config[PROTECT_DEPLOYMENTS_KEY]);
        return {
            stack: source.displayName,
            version: found.version,
            digest: found.digest,
            tag: found.tag,
            image: found.image,
            protected: isProtectedDeployment(deployments, source.running?.digest, found, keep),
            release: found.release.verdict,
        };
    }
    const running = source.running;
    if (!running) throw new NothingToPromoteError(source.displayName, "its state runs no service (nothing was deployed to it yet)");
    const deployed = currentDeployment(deployments);
    if (!deployed) {
        throw new NothingToPromoteError(
            source.displayName,
            `its state runs ${running.digest}, which no update in its history deployed; deploy a tag to it, or name an update with \`--version\``,
        );
    }
    // The update that put the digest in place, or a later redeploy of it that ECS completed (a cancelled
    // update that applied the image, then the same tag deployed again): the newest released one counts.
    const since = deployments.slice(0, deployments.indexOf(deployed) + 1);
    const releasedOne = since.find((d) => d.operation === "update" && d.digest === running.digest && d.release.verdict === "completed") ?? deployed;
    released({ ...releasedOne, digest: running.digest });
    const outcome = await verifyRunning(source, running, source.stackOutputs);
    if ("error" in outcome) {
        if (outcome.cause instanceof DeployError) throw outcome.cause; // AWS unreachable: exit 9, nothing changed
        throw new SourceNotVerifiedError(source.displayName, outcome.error);
    }
    if ("result" in outcome && !outcome.result.inSync) {
        throw new SourceDriftError(source.displayName, outcome.result.recorded, outcome.result.running);
    }
    const sourceVerify: VerifyNote = "result" in outcome ? { inSync: true, running: outcome.result.running } : { skipped: outcome.skipped };
    return {
        stack: source.displayName,
        version: releasedOne.version,
        digest: running.digest,
        tag: releasedOne.tag ?? deployed.tag,
        image: running.image,
        sourceVerify,
        release: releasedOne.release.verdict,
    };
}

/**
 * `papyrus:promoteFrom` on the stack: a digest may go to it (by `deploy` or by `promote` from any stack)
 * only when an update of that stack ran it with release verdict `completed`. Only the source's history
 * and tags are read (no lock, no state, nothing of the source changes).
 */
async function checkPromotionGate(session: Session, what: string, digest: string, gate: string): Promise<void> {
    const source = session.config[qualifiedKey("promoteFrom")];
    if (!source) return;
    const sourceIdentity = await identityOf({ ...session.options, stackName: source }, session.workDir, session.backendUrl);
    const sourceStack = engineStack(session.options, session.workDir, session.backendUrl, sourceIdentity);
    const context = { displayName: source, identity: sourceIdentity, backendUrl: session.backendUrl };
    const ran = (await engineCall(context, () => readDeployments(sourceStack))).filter((d) => d.operation === "update" && d.digest === digest);
    if (ran.some((d) => d.release.verdict === "completed")) return;
    if (ran.length === 0) throw new NotPromotedError(session.displayName, source, what, digest);
    // It ran there, but ECS did not finish it (or it was never seen finishing): name the newest such update.
    throw new NotReleasedError(source, ran[0].version, digest, ran[0].release.verdict, ran[0].release.reason, gate);
}

/** The stack's deployments, newest first, with the one the state runs marked. */
export async function history(options: StackContext): Promise<HistoryResult> {
    const session = await openSession(options);
    const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
    return { stack: session.displayName, deployments, running: session.running, runningProblem: session.runningProblem };
}

/** One stack as `status` reads it: no lock, nothing written. */
export interface StackSnapshot extends HistoryResult {
    /** The stack's name without organization or project (`dev`): the part protective tags carry. */
    readonly name: string;
    readonly qualified: string;
    /** The stack's config values (secrets left out). */
    readonly config: Readonly<Record<string, string>>;
    /** The root stack's outputs (`clusterName`, `serviceName`, …). */
    readonly outputs: Readonly<Record<string, unknown>>;
}

/** Reads a stack's config, state and history, as `history` does, for `status`. */
export async function inspectStack(options: StackContext): Promise<StackSnapshot> {
    const session = await openSession(options);
    const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
    const config = session.config;
    return {
        stack: session.displayName,
        name: session.identity.name,
        qualified: session.identity.qualified,
        config,
        outputs: session.stackOutputs,
        deployments,
        running: session.running,
        runningProblem: session.runningProblem,
    };
}

/**
 * The names of the project's stacks in the backend. `pulumi stack ls` reads every stack's checkpoint
 * and fails on the first it cannot read, without naming it; then the names come from the backend's
 * stack files (`file://`) or the checkout's `Pulumi.<stack>.yaml` files, and `note` says so and why.
 */
export async function listStacks(options: Omit<StackContext, "stackName">): Promise<{ names: string[]; note?: string }> {
    const workDir = projectDirectory(options.workDir);
    const backendUrl = backendFor(workDir, options.envVars);
    const context = { displayName: "(every stack)", identity: { qualified: "", organization: "", project: PROJECT_NAME, name: "" }, backendUrl };
    const workspace = await createWorkspace({ ...options, stackName: "" }, workDir, backendUrl);
    try {
        return { names: (await engineCall(context, () => workspace.listStacks())).map((s) => s.name) };
    } catch (err) {
        if (!(err instanceof StateUnreadableError)) throw err;
        const found = stackNamesWithoutEngine(workDir, backendUrl, PROJECT_NAME);
        return { names: found.names, note: `\`pulumi stack ls\` failed, as one stack's state cannot be read (${err.problem}); ${found.from}` };
    }
}

/** The stacks a `file://` backend keeps checkpoints for, else those the checkout has config files for. */
function stackNamesWithoutEngine(workDir: string, backendUrl: string, project: string): { names: string[]; from: string } {
    const root = fileBackendRoot(backendUrl);
    if (root !== undefined) {
        const dir = path.join(root, ".pulumi", "stacks", project);
        const names = new Set<string>();
        for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
            const match = /^(.+)\.json(\.gz)?$/.exec(file);
            if (match) names.add(match[1]);
        }
        return { names: [...names], from: `the stacks listed are those with a checkpoint file in \`${dir}\`` };
    }
    const names = fs
        .readdirSync(workDir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined);
    return { names, from: `the stacks listed are those with a \`Pulumi.<stack>.yaml\` in ${workDir}` };
}

export interface VerifyReport extends VerifyResult {
    /** The update the state runs (`history`'s RUNS row), and its release verdict after this look. */
    readonly version?: number;
    readonly release?: ReleaseVerdict;
    /** Set when this look settled the update's verdict (it was `in-progress` or `unknown`): the verdict tag written. */
    readonly verdictTag?: string;
}

/**
 * Compares the digest the stack's state runs with what the ECS service's primary deployment runs, and
 * whether ECS has finished rolling it out. What it sees settles the release verdict of the update the
 * state runs when that was still open (`in-progress`, `unknown`, or none recorded): the one place,
 * besides the update itself, that writes a verdict.
 */
export async function verify(options: StackContext): Promise<VerifyReport> {
    const session = await openSession(options);
    if (session.runningProblem) throw new NotVerifiedError(session.displayName, `the stack's state does not say what runs: ${session.runningProblem}`);
    const [outcome, deployments] = await Promise.all([
        verifyRunning(session, session.running, session.stackOutputs),
        engineCall(session, () => readDeployments(session.stack)),
    ]);
    // ECS unreachable changes nothing here: exit 9, as for reconcile and promote before their update (8 is for after one).
    if ("error" in outcome) throw outcome.cause instanceof UnreachableError ? outcome.cause : new NotVerifiedError(session.displayName, outcome.error);
    if ("skipped" in outcome) throw new NotVerifiedError(session.displayName, outcome.skipped);
    const result = outcome.result;
    const current = currentDeployment(markRunning(deployments, session.running));
    if (!current?.digest) return result;
    const open = isUnsettled(current.release.ecs);
    // ECS runs another digest than an update whose outcome was never seen: it did not keep it (rolled back, or
    // changed by hand); either way not a release.
    // A FAILED primary (its rollback off) runs the recorded image, but not as a finished release.
    const seen: VerdictRecord["ecs"] = !result.inSync ? "rolled-back" : result.rolloutFailed ? "failed" : result.rollingOut ? "in-progress" : "completed";
    const report = { ...result, version: current.version };
    if (!open || seen === current.release.ecs) return { ...report, release: current.release };
    const record: VerdictRecord = {
        ecs: seen,
        digest: current.digest,
        applied: current.release.applied ?? true,
        deployment: current.release.deployment,
        started: current.startTime.toISOString(),
        seen: new Date().toISOString(),
    };
    const verdictTag = await engineCall(session, () => writeVerdict(session.stack, current.version, record));
    return { ...report, release: releaseVerdict(current, record), verdictTag };
}

/**
 * Removes the stack's driver lock in this checkout (`papyrus-deploy unlock`), unless a live process
 * of this host holds it: then exit 4 naming it. The engine's lock and the state are not touched.
 */
export async function unlock(options: StackContext): Promise<UnlockResult> {
    const workDir = projectDirectory(options.workDir);
    const backendUrl = backendFor(workDir, options.envVars);
    const identity = await identityOf(options, workDir, backendUrl);
    return removeLock(workDir, identity.qualified);
}

/**
 * Makes the stack record what ECS runs: after ECS rolled a deployment back (circuit breaker or a
 * deployment alarm), runs `up` with the digest the service's primary deployment runs, as kind
 * `reconcile` linked to the update ECS rolled back, so state, history and ECS agree again and the
 * next plain update keeps that digest instead of putting the failing one back.
 */
export async function reconcile(options: UpdateOptions): Promise<DeployResult> {
    return withLockedSession(options, async (session) => {
        const outcome = await verifyRunning(session, session.running, session.stackOutputs);
        if ("error" in outcome) {
            if (outcome.cause instanceof DeployError) throw outcome.cause;
            throw new NotVerifiedError(session.displayName, `${outcome.error}; nothing was changed`);
        }
        if ("skipped" in outcome) throw new NotVerifiedError(session.displayName, `${outcome.skipped}; nothing was changed`);
        const deployments = markRunning(await engineCall(session, () => readDeployments(session.stack)), session.running);
        const current = currentDeployment(deployments);
        if (outcome.result.inSync) {
            const startedAt = new Date();
            const running = session.running!;
            const resolved = await describeDigest(ecrClient(session), requireConfig(session, "repositoryName"), running.digest);
            const unchanged = `the stack's state and ECS agree (${running.image}); nothing was changed`;
            // No update ran, but the command was asked and answered: CI's `--evidence` still gets its record.
            const evidence: EvidenceRecord = {
                ...buildEvidence({
                    kind: "reconcile",
                    stack: session.displayName,
                    stackQualified: session.identity.qualified,
                    resolved,
                    requestedImage: running.image,
                    after: running,
                    applied: true,
                    previousDigest: running.digest,
                    pendingOperations: 0,
                    warnings: [],
                    result: "succeeded",
                    startedAt,
                    finishedAt: new Date(),
                    requestedBy: session.requestedBy,
                    // No `reconcileOf`: ECS rolled nothing back, so no update is named as the one it refused.
                    verify: { inSync: true, running: outcome.result.running },
                    ci: ciIdentity(options.env),
                }),
                unchanged,
            };
            const evidenceWriteError = writeEvidenceFile(session, evidence);
            return {
                kind: "reconcile",
                stack: session.displayName,
                image: running.image,
                resolved,
                recovered: session.recovered,
                unchanged,
                evidence,
                evidenceWriteError,
            };
        }
        return reconcileTo(session, outcome.result.running, { version: current?.version, digest: session.running?.digest }, deployments);
    });
}

/** Runs `up` with the digest ECS runs (one of `running`, which must be pinned in this stack's repository). */
async function reconcileTo(
    session: Session,
    running: readonly string[],
    reconcileOf: { version?: number; digest?: string },
    deployments?: readonly Deployment[],
): Promise<DeployResult> {
    const repositoryName = requireConfig(session, "repositoryName");
    const digest = running.map((image) => image.slice(image.lastIndexOf("@") + 1)).find(isSha256Digest);
    if (!digest) {
        throw new NotVerifiedError(
            session.displayName,
            `ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}, which is no digest-pinned image; nothing was reconciled. Deploy a tag or roll back explicitly`,
        );
    }
    let resolved: ResolvedImage;
    try {
        resolved = await describeDigest(ecrClient(session), repositoryName, digest);
    } catch (err) {
        const runningImage = running.find((image) => image.endsWith(`@${digest}`)) ?? digest;
        if (err instanceof ImageNotFoundError) throw new ReconcileTargetGoneError(session.displayName, repositoryName, runningImage, "its digest is not");
        if (err instanceof ImageArchivedError)
            throw new ReconcileTargetGoneError(session.displayName, repositoryName, runningImage, `its digest is ${err.status}`);
        throw err;
    }
    const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "image ECS runs" });
    const tag = (deployments ?? []).find((d) => d.operation === "update" && d.digest === digest && d.tag !== undefined)?.tag;
    return runUpdate(session, { kind: "reconcile", image, resolved, tag, reconcileOf });
}

// ---- the session: open → lock → read state → recover → work → release ----

interface Session {
    /** The stack's engine adapter (the Automation API's `Stack`). */
    readonly stack: EngineStack;
    readonly identity: StackIdentity;
    /** The name as the caller gave it, for messages. */
    readonly displayName: string;
    /** The backend the engine uses: PULUMI_BACKEND_URL, or the project's own `.pulumi-state`. */
    readonly backendUrl: string;
    readonly workDir: string;
    /** The checkout's `Pulumi.<stack>.yaml` config, as the engine will read it. */
    readonly config: StackConfigValues;
    /** The state as the session found it (after recovery). */
    readonly checkpoint: Checkpoint | undefined;
    /** What that state runs. */
    readonly running?: RecordedImage;
    /** Why the state does not say what runs, when it does not. */
    readonly runningProblem?: string;
    readonly stackOutputs: Record<string, unknown>;
    /** When this session read the stack's state. */
    readonly readAt: Date;
    readonly requestedBy: string;
    readonly options: UpdateOptions;
    readonly evidenceFile?: string;
    readonly recovered: string[];
}

async function withLockedSession<T>(options: UpdateOptions, work: (session: Session) => Promise<T>): Promise<T> {
    if (options.onRollback === "reconcile" && options.verify === false) {
        // Reconciling needs the rollout followed; without it a rollback would pass unseen and the option would promise nothing.
        throw new InvalidInputError("onRollback", "reconcile", "needs ECS checked after the update, which `verify: false` turns off: drop one of them");
    }
    const requestedBy = requestedByOf(options);
    const workDir = projectDirectory(options.workDir);
    const evidenceFile = options.evidenceFile === undefined ? undefined : checkEvidencePath(options.evidenceFile, workDir);
    if (options.signal?.aborted) throw new InterruptedError(options.stackName, "interrupted before the update started; nothing was changed");
    const backendUrl = backendFor(workDir, options.envVars);
    // The lock is keyed on the canonical name, so `dev` and `organization/papyrus/dev` share it.
    const identity = await identityOf(options, workDir, backendUrl);
    const lock = acquireLock(workDir, identity.qualified, requestedBy, options.stackName);
    try {
        const session = await recover(await openSession(options, { workDir, backendUrl, identity, evidenceFile, requestedBy }), lock.staleHolder);
        throwIfAborted(session);
        return await work(session);
    } finally {
        lock.release();
    }
}

async function openSession(
    options: UpdateOptions,
    known: { workDir?: string; backendUrl?: string; identity?: StackIdentity; evidenceFile?: string; requestedBy?: string } = {},
): Promise<Session> {
    const workDir = known.workDir ?? projectDirectory(options.workDir);
    const backendUrl = known.backendUrl ?? backendFor(workDir, options.envVars);
    const identity = known.identity ?? (await identityOf(options, workDir, backendUrl));
    const stack = engineStack(options, workDir, backendUrl, identity);
    const session = { displayName: options.stackName, workDir, backendUrl, identity, options, stack };
    const readAt = new Date();
    const checkpoint = await engineCall(session, () => stack.readState());
    // A tags file the engine cannot read fails `up` late and hides every release verdict: say so now (a file read, no process).
    if (fileBackendRoot(backendUrl) !== undefined) await engineCall(session, () => stack.tags());
    const config = readStackConfigValues(workDir, identity.name);
    return {
        ...session,
        config,
        checkpoint,
        ...readRecordedImage(checkpoint),
        stackOutputs: stackOutputsOf(checkpoint),
        readAt,
        // Checked by withLockedSession before the lock (exit 2 for a bad PAPYRUS_DEPLOYER); a read-only session records nobody.
        requestedBy: known.requestedBy ?? "",
        options,
        evidenceFile: known.evidenceFile,
        recovered: [],
    };
}

/** `--cwd`, else the project root; it must be a directory with a Pulumi.yaml. */
function projectDirectory(workDir: string | undefined): string {
    const dir = path.resolve(workDir ?? PROJECT_ROOT);
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
        throw new InvalidInputError(
            "workDir",
            workDir ?? dir,
            fs.existsSync(dir) ? "has no Pulumi.yaml; point it at the project directory" : "does not exist; point it at the project directory",
        );
    }
    return dir;
}

/**
 * A driver or engine that died without cleaning up (SIGKILL, lost runner) can leave the backend
 * locked and pending operations in the state. The engine's lock is broken only when its holder is
 * provably dead (a process of this machine that no longer runs), whether or not our own lock was
 * stale; pending operations are refreshed away. Each step is reported.
 */
async function recover(session: Session, staleHolder: ReturnType<typeof acquireLock>["staleHolder"]): Promise<Session> {
    // Said as it happens too, so a command that fails afterwards still shows what it did.
    const done = {
        push: (line: string) => {
            session.recovered.push(line);
            session.options.onOutput?.(`recovered: ${line}\n`);
        },
    };
    if (staleHolder !== undefined) {
        done.push(`removed the driver lock left by ${describeHolder(staleHolder)}, which is no longer running`);
    }
    const locks = engineLocks(session.backendUrl, session.identity.project, session.identity.name);
    if (locks === undefined) {
        if (staleHolder !== undefined) {
            done.push(`left the engine's lock (if any) alone: on ${backendKind(session.backendUrl)} a lock cannot be proven stale from here`);
        }
    } else if (locks.length > 0 && locks.every((lock) => lock.stale)) {
        await engineCall(session, () => session.stack.cancel());
        done.push(
            `cancelled the engine's stale update lock held by ${locks.map(describeEngineLock).join(", ")}, which is no longer running (\`pulumi cancel\`)`,
        );
    }
    const pending = pendingOperations(session.checkpoint);
    if (pending.length === 0) return session;
    if (locks !== undefined && locks.some((lock) => !lock.stale)) return session; // a live update owns them: `up` will say busy
    await engineCall(session, () => withEngineInterrupt(session.options, (engine) => session.stack.refreshClearingPending(engine)));
    done.push(
        `refreshed the stack to clear ${pending.length} pending operation(s) left by the interrupted update (${pending.map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`).join(", ")})`,
    );
    const checkpoint = await engineCall(session, () => session.stack.readState());
    return { ...session, checkpoint, ...readRecordedImage(checkpoint), stackOutputs: stackOutputsOf(checkpoint) };
}

function backendKind(url: string): string {
    return url.startsWith("s3://") ? "an S3 backend" : url.startsWith("file://") ? "a file backend" : "Pulumi Cloud";
}

function throwIfAborted(session: Session): void {
    if (session.options.signal?.aborted) {
        throw new InterruptedError(session.displayName, "interrupted before the update started; nothing was changed");
    }
}

// ---- the update ------------------------------------------------------------

interface UpdatePlan {
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

async function runUpdate(session: Session, plan: UpdatePlan): Promise<DeployResult> {
    const { stack, options } = session;
    const startedAt = new Date();
    const before = session.running;
    const keep = protectedDeploymentCount(session.config[PROTECT_DEPLOYMENTS_KEY]); // a bad value stops here, before `up`
    // The Automation API only reacts to aborts that come after `up` starts.
    throwIfAborted(session);
    // The ECS deployments that exist before `up`: the one `up` starts is the new one.
    const ecsBefore = await ecsDeploymentsBefore(session);
    // An abort during that read must stop here: the engine's interrupt is wired only for aborts after `up` starts.
    throwIfAborted(session);
    const configFile = writeUpdateConfig(session.workDir, session.identity.name, driverConfig(plan, session.requestedBy));

    let upError: unknown;
    try {
        await withEngineInterrupt(options, (engine) => stack.up({ ...engine, message: updateMessage(plan, session.requestedBy), configFile: configFile.path }));
    } catch (err) {
        upError = err;
    } finally {
        configFile.remove();
    }
    const interrupted = upError !== undefined && options.signal?.aborted === true;
    if (upError instanceof ConcurrentUpdateError && !interrupted) {
        // Refused before it started (another checkout holds the engine's lock): nothing changed.
        throw new StackBusyError(session.displayName, lockHolderFrom(upError.message));
    }

    // What the engine recorded, whatever happened above: the state and the history, read at once.
    const [stateRead, deployments] = await Promise.all([
        stack.readState().then(
            (checkpoint) => ({ checkpoint }),
            (err: unknown) => ({ error: err as Error }),
        ),
        readDeployments(stack).catch(() => undefined),
    ]);
    let after: RecordedImage | undefined;
    let stateProblem: string | undefined;
    let stackOutputs: Record<string, unknown> = {};
    let pending: readonly { type: string; resource: { urn: string } }[] = [];
    let checkpointAfter: Checkpoint | undefined;
    if ("checkpoint" in stateRead) {
        checkpointAfter = stateRead.checkpoint;
        pending = pendingOperations(checkpointAfter);
        try {
            after = recordedImage(checkpointAfter);
        } catch (err) {
            stateProblem = `the stack's state does not say what runs (${(err as Error).message})`;
        }
        stackOutputs = stackOutputsOf(checkpointAfter);
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

    // Refused before the engine recorded an update (a wrong passphrase, a broken config file, the
    // backend gone): nothing changed, and the error names what to fix (exit 2 or 9, not 5).
    const refused =
        upError !== undefined && !interrupted && deployments !== undefined && ours === undefined ? classifyEngineError(upError, session) : undefined;
    if (refused) throw refused;

    // Updates another checkout ran between this command's read of the stack and its own update:
    // what ran before ours is theirs, not what this command saw (a rollback chosen from a stale view).
    const intervening = (deployments ?? []).filter((d) => d !== ours && d.operation === "update" && d.startTime.getTime() >= session.readAt.getTime() - 1000);
    const warnings: string[] = [
        ...(plan.warnings ?? []),
        ...intervening.map(
            (d) =>
                `update ${d.version} (${d.kind}${d.tag ? ` ${d.tag}` : ""}${d.requestedBy ? ` by ${escapeUnprintable(d.requestedBy)}` : ""}, ${d.result}) ran between this command's read of the stack and its own update; ` +
                "the previous digest below is that update's, and a rollback target was chosen before it ran: check `history`",
        ),
    ];
    const previousDigest = intervening.length > 0 ? intervening[0].digest : before?.digest;

    const stateRuns = stateProblem ?? (after ? `the stack runs \`${after.image}\`` : "the stack's state runs no service");
    // An engine stopped mid-step (killed, or terminated by a second interrupt) leaves pending
    // operations: the state then says what ran before the step, and the step may have changed
    // the service anyway. Say so instead of claiming either outcome.
    const runs =
        pending.length === 0
            ? stateRuns
            : `the engine stopped mid-step, leaving ${pending.length} pending operation(s) (${pending.map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`).join(", ")}): ` +
              `the state says ${stateRuns.replace(/^the stack runs /, "")} runs, but the interrupted step may have changed the service; ` +
              "the next deploy refreshes before it acts (or run `pulumi refresh`), and `verify` compares with ECS";
    // How this update failed, if it did; built once the evidence record exists, which it carries.
    let failureOf: ((evidence: EvidenceRecord) => DeployError) | undefined;
    if (interrupted) {
        const outcome =
            pending.length > 0
                ? runs
                : runsRequested && !applied
                  ? `cancelled; ${runs}, as it did before`
                  : applied
                    ? `cancelled after the image was applied: ${runs}${plan.tag ? ` (${plan.tag})` : ""}`
                    : `the update was cancelled before the image was applied; ${runs}`;
        failureOf = (e) => new InterruptedError(session.displayName, outcome, e);
    } else if (upError !== undefined) {
        const outcome =
            pending.length > 0 ? runs : applied ? `the image was applied before it failed: ${runs}` : runsRequested ? `${runs}, as it did before` : runs;
        failureOf = (e) => new UpdateFailedError(session.displayName, plan.image, outcome, engineErrorSummary(upError), e);
    } else if (!runsRequested) {
        failureOf = (e) =>
            new UpdateFailedError(
                session.displayName,
                plan.image,
                `the engine reported success, but ${runs} rather than the requested digest`,
                "Run `history` and `verify` before the next deploy.",
                e,
            );
    }

    // What ECS did with it: the deployment `up` started, followed to its end, then what the primary runs.
    // Also when `up` failed after the state took the image (e.g. the provider's wait for a steady
    // service gave up because ECS failed the deployment): ECS may run the old image again.
    const failedAfterApply = upError !== undefined && !interrupted && applied;
    const ecs =
        failureOf === undefined || failedAfterApply
            ? await checkEcs(session, after!, stackOutputs, ecsBefore && new Set(ecsBefore.keys()), startedAt)
            : undefined;
    // A newer update in the history replaced ours in ECS (supersede.ts): no rollback, no reconcile.
    const replacedBy = ecs?.rolledBackTo ? await replacingUpdate(stack, ours, ecsBefore, ecs.verifyResult?.taskDefinitionArn) : undefined;
    const [protection, release] = await Promise.all([
        // Keep what runs and ran recently out of the lifecycle policy's reach; never fails the update.
        // Also after a cancel that applied its image: the service runs it, so it must not expire.
        interrupted && !applied
            ? undefined
            : protectAfterUpdate({
                  ecr: ecrClient(session),
                  repositoryName: plan.resolved.repositoryName,
                  stack: session.identity.name,
                  keep,
                  deployments,
                  running: after?.digest,
              }),
        // The release verdict: the engine's result and what ECS did with it, kept where every later command
        // reads it (a CLI process, so written while protection talks to ECR).
        ours === undefined
            ? undefined
            : recordVerdict(session, ours, {
                  ecs: ecsOutcomeOf(runsRequested, ecs, replacedBy !== undefined, options.verify !== false),
                  digest: after?.digest ?? plan.resolved.digest,
                  applied,
                  deployment: ecs?.rollout?.deploymentId,
                  started: ours.startTime.toISOString(),
                  seen: new Date().toISOString(),
              }),
    ]);
    if (release?.problem) warnings.push(release.problem);

    const evidence = buildEvidence({
        kind: plan.kind,
        stack: session.displayName,
        stackQualified: session.identity.qualified,
        resolved: plan.resolved,
        requestedImage: plan.image,
        tag: plan.tag,
        after,
        applied,
        previousDigest,
        updateVersion: ours?.version,
        pendingOperations: pending.length,
        warnings,
        result: interrupted ? "cancelled" : failureOf ? "failed" : "succeeded",
        startedAt,
        finishedAt: new Date(),
        requestedBy: session.requestedBy,
        rollbackOf: plan.rollbackOf,
        promotedFrom: plan.promotedFrom,
        reconcileOf: plan.reconcileOf,
        verify: ecs?.verifyNote,
        rollout: ecs?.rollout,
        loadBalancerUrl: typeof stackOutputs.loadBalancerUrl === "string" ? stackOutputs.loadBalancerUrl : undefined,
        scan: plan.scan,
        protection,
        restore: plan.restore,
        release: release?.note,
        ci: ciIdentity(options.env),
    });

    // ECS rolled it back: say so, and with `onRollback: reconcile` make the stack record what ECS runs.
    let finalEvidence = evidence;
    let ecsFailure: ((evidence: EvidenceRecord) => DeployError) | undefined = ecs?.failure;
    if (ecs?.rolledBackTo && replacedBy !== undefined) {
        ecsFailure = (e) => new SupersededError(session.displayName, after!.image, ecs.running, replacedBy, e);
    } else if (ecs?.rolledBackTo && plan.kind !== "reconcile") {
        const what = `rolled back deployment ${ecs.rollout?.deploymentId ?? "(gone)"}`;
        const said = ecs.rollout?.events?.length
            ? ` ECS said: ${ecs.rollout.events
                  .slice(-3)
                  .map((e) => `"${e}"`)
                  .join("; ")}.`
            : "";
        const because = failedAfterApply ? `${said} \`pulumi up\` failed too: ${engineErrorSummary(upError)}` : said;
        if (options.onRollback === "reconcile") {
            const reconciledBy = await reconcileAfterRollback(
                session,
                checkpointAfter,
                stackOutputs,
                ecs.rolledBackTo,
                { version: ours?.version, digest: after?.digest },
                deployments,
            );
            finalEvidence = { ...evidence, reconciledBy };
            const cancelled = reconciledBy.result === "cancelled";
            if (cancelled) {
                // Ctrl-C while reconciling: an interrupt (exit 130) that still says what ECS did and what the stack claims.
                const outcome =
                    `ECS ${what} and runs ${ecs.running.map((r) => `\`${r}\``).join(", ")}; the reconcile that would record it was cancelled, ` +
                    `so the stack may still claim \`${after!.image}\`: run \`papyrus-deploy reconcile --stack ${session.displayName}\``;
                ecsFailure = (e) => new InterruptedError(session.displayName, outcome, e);
            }
            const aftermath =
                reconciledBy.result === "succeeded"
                    ? `${because} Reconciled: update ${reconciledBy.updateVersion ?? "?"} records ${reconciledBy.digest}, so the stack, its history and ECS agree again; fix the image before deploying it again.`
                    : `${because} The reconcile failed (${reconciledBy.error}); the stack still claims the digest ECS rolled back: run \`papyrus-deploy reconcile --stack ${session.displayName}\`.`;
            if (!cancelled) ecsFailure = (e) => new RolledBackError(session.displayName, after!.image, ecs.running, what, aftermath.trim(), e);
        } else {
            ecsFailure = (e) =>
                new RolledBackError(
                    session.displayName,
                    after!.image,
                    ecs.running,
                    what,
                    `${because} The stack still claims the digest ECS rolled back, so the next plain update would put it back: run \`papyrus-deploy reconcile --stack ${session.displayName}\` to record what ECS runs (or deploy with \`--on-rollback reconcile\`).`.trim(),
                    e,
                );
        }
    }

    // ECS's rollback is the news even when `up` failed too: the state claims a digest ECS does not run.
    const failure = ecs?.rolledBackTo && (plan.kind !== "reconcile" || replacedBy !== undefined) ? ecsFailure : (failureOf ?? ecsFailure);
    // `result` is how the command ended, not only the engine: ECS rolling the update back, or a rollout
    // that did not finish, fails it as much as the engine failing would (the history keeps the engine's result).
    if (failure) {
        const error = failure(finalEvidence);
        finalEvidence = { ...finalEvidence, result: error instanceof InterruptedError ? "cancelled" : "failed", error: error.message };
    }
    const evidenceWriteError = writeEvidenceFile(session, finalEvidence);
    if (failure) {
        const error = failure(finalEvidence);
        if (evidenceWriteError) error.message = `${error.message}. Also: ${evidenceWriteError}`;
        throw error;
    }
    return {
        kind: plan.kind,
        stack: session.displayName,
        image: after!.image,
        resolved: plan.resolved,
        previousImage: previousDigest === before?.digest ? before?.image : previousDigest && `${plan.resolved.repositoryUrl}@${previousDigest}`,
        warnings,
        evidence: finalEvidence,
        evidenceWriteError,
        verify: ecs?.verifyResult,
        verifySkipped: ecs?.verifyNote && "skipped" in ecs.verifyNote ? ecs.verifyNote.skipped : undefined,
        recovered: session.recovered,
        changeSummary: ours?.resourceChanges,
        promotedFrom: plan.promotedFrom,
        rollout: ecs?.rollout,
    };
}

/** What ECS did with the update's deployment, as far as this command saw it (verdict.ts). */
function ecsOutcomeOf(runsRequested: boolean, ecs: EcsCheck | undefined, replaced: boolean, verified: boolean): VerdictRecord["ecs"] {
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
async function recordVerdict(session: Session, ours: Deployment, record: VerdictRecord): Promise<{ note: ReleaseNote; problem?: string }> {
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

/** The service's ECS deployments (ID → task definition) before `up`; unset when there is no service yet or ECS does not answer (then creation times decide). */
async function ecsDeploymentsBefore(session: Session): Promise<ReadonlyMap<string, string> | undefined> {
    const { clusterName, serviceName } = session.stackOutputs;
    if (session.options.verify === false || typeof clusterName !== "string" || typeof serviceName !== "string") return undefined;
    return deploymentTaskDefinitions(ecsClient(session), clusterName, serviceName).catch(() => undefined);
}

interface EcsCheck {
    readonly verifyNote?: VerifyNote;
    readonly verifyResult?: VerifyResult;
    readonly rollout?: RolloutNote;
    /** What ECS runs, when it is not what the state records. */
    readonly rolledBackTo?: readonly string[];
    readonly running: readonly string[];
    /** How the update ends anyway (ECS unreadable, rollout not finished, drift). */
    readonly failure?: (evidence: EvidenceRecord) => DeployError;
}

/** Follows the ECS deployment `up` started to COMPLETED or FAILED (bounded), then compares what the primary runs with the record. */
async function checkEcs(
    session: Session,
    after: RecordedImage,
    outputs: Record<string, unknown>,
    before: ReadonlySet<string> | undefined,
    startedAt: Date,
): Promise<EcsCheck> {
    const { options } = session;
    if (options.verify === false) return { verifyNote: { skipped: "--no-verify" }, running: [] };
    const cluster = outputs.clusterName;
    const service = outputs.serviceName;
    if (typeof cluster !== "string" || typeof service !== "string") {
        return { verifyNote: { skipped: "the stack has no ECS service to compare with (outputs `clusterName` and `serviceName` are unset)" }, running: [] };
    }
    const ecs = ecsClient(session);
    const waitMs = options.waitTimeoutMs ?? DEFAULT_ROLLOUT_WAIT_MS;
    let followed: RolloutOutcome;
    let verifyResult: VerifyResult;
    try {
        followed = await followRollout({
            ecs,
            cluster,
            service,
            taskDefinitionArn: after.taskDefinitionArn,
            before,
            startedAt,
            waitMs,
            pollMs: options.rolloutPollMs,
            progressMs: options.progressMs,
            onProgress: options.onProgress ?? ((line) => options.onOutput?.(`${line}\n`)),
            signal: options.signal,
        });
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
            failure: (e) => new NotVerifiedError(session.displayName, message, e),
        };
    }
    const runningDigest = verifyResult.inSync ? undefined : verifyResult.running.map((r) => r.slice(r.lastIndexOf("@") + 1)).find(isSha256Digest);
    const rollout: RolloutNote = {
        deploymentId: followed.deploymentId,
        state: followed.state,
        runningDigest,
        events: followed.events.length > 0 ? followed.events : undefined,
    };
    const verifyNote: VerifyNote = { inSync: verifyResult.inSync, running: verifyResult.running };
    const base = { verifyNote, verifyResult, rollout, running: verifyResult.running };
    if (followed.state === "IN_PROGRESS" && options.signal?.aborted) {
        return {
            ...base,
            failure: (e) =>
                new InterruptedError(
                    session.displayName,
                    `the update was applied (${after.image}), but the wait for ECS deployment ${followed.deploymentId ?? "(none yet)"} was interrupted while IN_PROGRESS; run \`papyrus-deploy verify --stack ${session.displayName}\``,
                    e,
                ),
        };
    }
    if (followed.state === "IN_PROGRESS" && verifyResult.inSync) {
        return { ...base, failure: (e) => new RolloutTimeoutError(session.displayName, followed.deploymentId ?? "(none yet)", formatDuration(waitMs), e) };
    }
    if (!verifyResult.inSync) {
        // ECS runs something else: this update's deployment rolled back, or drift the update did not touch.
        return {
            ...base,
            rolledBackTo: followed.state === "FAILED" ? verifyResult.running : undefined,
            failure: (e) => new DriftError(session.displayName, verifyResult.recorded, verifyResult.running, e),
        };
    }
    if (followed.state === "FAILED") {
        // Failed, but ECS did not roll back (rollback off): the record is what ECS is trying to run.
        return {
            ...base,
            failure: (e) =>
                new RolledBackError(
                    session.displayName,
                    after.image,
                    verifyResult.running,
                    `marked deployment ${followed.deploymentId ?? "(gone)"} FAILED (${followed.reason ?? "no reason given"}) without rolling back`,
                    "The stack's record is what ECS tries to run; fix the image and deploy another tag, or roll back.",
                    e,
                ),
        };
    }
    return base;
}

/** Writes the record to `--evidence`'s file, if one was asked for; the problem, if it could not be. */
function writeEvidenceFile(session: Session, record: EvidenceRecord): string | undefined {
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

/** `onRollback: reconcile`: one more update, with the digest ECS runs; its outcome for the deploy's evidence. */
async function reconcileAfterRollback(
    session: Session,
    checkpoint: Checkpoint | undefined,
    stackOutputs: Record<string, unknown>,
    running: readonly string[],
    reconcileOf: { version?: number; digest?: string },
    /** The history as read after the update: the tag the digest ECS runs was deployed under. */
    deployments: readonly Deployment[] | undefined,
): Promise<NonNullable<EvidenceRecord["reconciledBy"]>> {
    const options = { ...session.options, onRollback: "fail" as const, evidenceFile: undefined };
    const now = { ...session, options, evidenceFile: undefined, checkpoint, ...readRecordedImage(checkpoint), stackOutputs, readAt: new Date() };
    options.onOutput?.(`ECS rolled the update back: reconciling, so the stack records what ECS runs\n`);
    try {
        const result = await reconcileTo(now, running, reconcileOf, deployments);
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
function updateMessage(plan: UpdatePlan, requestedBy: string): string {
    return `${plan.kind} ${plan.tag ?? ""} ${plan.resolved.digest} by ${requestedBy}`.replace(/\s+/g, " ");
}

type VerifyOutcome = { result: VerifyResult } | { skipped: string } | { error: string; cause: unknown };

/** Verify the state's image against ECS; a stack without a service (bootstrap) has nothing to verify. */
async function verifyRunning(session: Session, recorded: RecordedImage | undefined, outputs: Record<string, unknown>): Promise<VerifyOutcome> {
    const cluster = outputs.clusterName;
    const service = outputs.serviceName;
    if (!recorded || typeof cluster !== "string" || typeof service !== "string") {
        return { skipped: "the stack has no ECS service to compare with (outputs `clusterName` and `serviceName` are unset)" };
    }
    try {
        return { result: await compareRunningImage(ecsClient(session), cluster, service, recorded.image) };
    } catch (err) {
        return { error: (err as Error).message, cause: err };
    }
}

/**
 * What the state runs, or why that cannot be read from it (e.g. a refresh after an ECS rollback
 * recorded the service on a task definition the state no longer holds). Not fatal: a deploy or
 * an explicit rollback replaces it, and `history` and `verify` say so.
 */
function readRecordedImage(checkpoint: Checkpoint | undefined): { running?: RecordedImage; runningProblem?: string } {
    try {
        return { running: recordedImage(checkpoint) };
    } catch (err) {
        return { runningProblem: (err as Error).message };
    }
}

/** The root stack resource's outputs, from the same export (no extra CLI call). */
function stackOutputsOf(checkpoint: Checkpoint | undefined): Record<string, unknown> {
    const root = checkpoint?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
    return root?.outputs ?? {};
}

// ---- config ----------------------------------------------------------------

/**
 * The stack's own region (`aws:region`), so a prod deploy asks prod's registry even when the
 * shell's AWS_REGION points elsewhere; the SDK's default chain when the stack sets none.
 */
function stackRegion(config: StackConfigValues): string | undefined {
    return config["aws:region"] || undefined;
}

function ecrClient(session: Session): ECRClient {
    return session.options.ecr ?? createEcrClient(stackRegion(session.config));
}

function ecsClient(session: Session): ECSClient {
    return session.options.ecs ?? createEcsClient(stackRegion(session.config));
}

function requireConfig(session: Session, key: Parameters<typeof qualifiedKey>[0]): string {
    const value = session.config[qualifiedKey(key)];
    if (!value) {
        const name = session.identity.name;
        if (isSecureStackConfigValue(session.workDir, name, qualifiedKey(key))) {
            throw new InvalidInputError(
                qualifiedKey(key),
                "(secret)",
                `in Pulumi.${name}.yaml is a secret, which the driver does not decrypt; it names what the driver asks AWS for, so it must be a plain value: ` +
                    `\`pulumi config set ${qualifiedKey(key)} <value> -s ${name}\` (without --secret)`,
            );
        }
        throw new InvalidInputError(`${qualifiedKey(key)}`, "", `must be set in Pulumi.${name}.yaml (\`pulumi config set ${key} <value> -s ${name}\`)`);
    }
    return value;
}
