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
import { ECSClient } from "@aws-sdk/client-ecs";
import { digestReference, isSha256Digest } from "../components/imageReference";
import { PROJECT_NAME, qualifiedKey } from "../components/stackConfig";
import { fileBackendRoot } from "./engine/checkpointFile";
import { describeDigest, ResolvedImage, resolveTag } from "./aws/ecr";
import { classifyEngineError, engineCall, engineErrorSummary } from "./engine/errors";
import { withEngineInterrupt } from "./engine/interrupt";
import { backendFor, createWorkspace, identityOf, stackCli } from "./engine/workspace";
import {
    DeployError,
    ImageArchivedError,
    ImageNotFoundError,
    InterruptedError,
    InvalidInputError,
    NoRollbackTargetError,
    NotPromotedError,
    NotReleasedError,
    NothingToPromoteError,
    NotVerifiedError,
    RollbackTargetGoneError,
    SourceDriftError,
    SourceNotVerifiedError,
    StateUnreadableError,
    UnreachableError,
    UpdateFailedError,
} from "./record/errors";
import { buildEvidence, checkEvidencePath, ciIdentity, EvidenceRecord, PromotedFrom, VerifyNote } from "./record/evidence";
import { chooseRollbackTarget, currentDeployment, Deployment, markRunning, readDeployments, RollbackTarget } from "./record/history";
import { removeLock, UnlockResult } from "./engine/lock";
import { isProtectedDeployment, protectedDeploymentCount, PROTECT_DEPLOYMENTS_KEY, unprotectedSourceWarning, unprotectedTargetWarning } from "./aws/protect";
import { awaitReplica } from "./aws/replica";
import { RestoreNote, restoreRollbackTarget } from "./aws/restore";
import { acceptFindingsReason, gateDigest } from "./aws/scanGate";
import { RecordedImage } from "./engine/state";
import { validateTag, TagPolicy } from "./record/tags";
import { writeUpdateConfig } from "./record/updateConfig";
import { isUnsettled, ReleaseVerdict, releaseVerdict, VerdictRecord, writeVerdict } from "./record/verdict";
import { VerifyResult } from "./aws/verify";
import { DeployResult, writeEvidenceFile } from "./update/outcome";
import { verifyRunning } from "./update/ecs";
import { reconcileTo, runUpdate } from "./update/runUpdate";
import {
    checkedProjectDirectory,
    ecrClient,
    openSession,
    requireConfig,
    Session,
    StackContext,
    stackRegion,
    throwIfAborted,
    UpdateOptions,
    withLockedSession,
} from "./update/session";

export type { DeployResult, StackContext, UpdateOptions };
export { DEFAULT_ROLLOUT_WAIT_MS } from "./update/ecs";

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
    const workDir = checkedProjectDirectory(options.workDir);
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
    const sourceStack = stackCli(session.options, session.workDir, session.backendUrl, sourceIdentity);
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
    const workDir = checkedProjectDirectory(options.workDir);
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
    const workDir = checkedProjectDirectory(options.workDir);
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
