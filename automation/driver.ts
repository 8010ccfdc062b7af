// The deploy driver as a library: deploy a tag by its digest, roll back to a
// deployment found in the stack history, list the history, verify what ECS
// runs. Every function takes explicit inputs and returns a typed result or
// throws a typed `DeployError`; the CLI (cli.ts) only parses and prints.
import * as path from "path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import {
    ConcurrentUpdateError,
    ConfigMap,
    LocalWorkspace,
    Stack,
    StackNotFoundError as PulumiStackNotFoundError,
} from "@pulumi/pulumi/automation";
import { digestReference, isSha256Digest } from "../components/imageReference";
import { PROJECT_NAME, qualifiedKey } from "../components/stackConfig";
import { createEcrClient, describeDigest, ResolvedImage, resolveTag } from "./ecr";
import { engineTools, PROJECT_ROOT } from "./engine";
import {
    DeployError,
    DriftError,
    InterruptedError,
    InvalidInputError,
    NoRollbackTargetError,
    RollbackTargetGoneError,
    StackBusyError,
    StackNotFoundError,
    UpdateFailedError,
    ImageArchivedError,
    ImageNotFoundError,
} from "./errors";
import { ciIdentity, EvidenceRecord, requester, writeEvidence } from "./evidence";
import { chooseRollbackTarget, currentDeployment, Deployment, readDeployments, RollbackTarget } from "./history";
import { acquireLock, describeEngineLock, describeHolder, engineLocks } from "./lock";
import { validateTag, TagPolicy } from "./tags";
import { compareRunningImage, createEcsClient, VerifyResult } from "./verify";

export interface StackContext {
    readonly stackName: string;
    /** Directory with Pulumi.yaml and Pulumi.<stack>.yaml. @default the project root */
    readonly workDir?: string;
    /** Extra environment for the engine (backend URL, passphrase, AWS endpoints). */
    readonly envVars?: Record<string, string>;
    readonly ecr?: ECRClient;
    readonly ecs?: ECSClient;
    /** Engine output, line by line, as it happens. */
    readonly onOutput?: (text: string) => void;
    /** Aborting cancels the running update cleanly (SIGINT to the engine). */
    readonly signal?: AbortSignal;
    /** Who asked. @default the GitHub actor in CI, else $USER */
    readonly requestedBy?: string;
    /** Where CI identity is read from. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
}

export interface DeployOptions extends StackContext {
    readonly tag: string;
    readonly tagPolicy?: TagPolicy;
    /** Preview only: nothing is changed, config included. */
    readonly preview?: boolean;
    /** Compare with what ECS runs after `up`. @default true */
    readonly verify?: boolean;
    /** Write the evidence record to this file. */
    readonly evidenceFile?: string;
}

export interface RollbackOptions extends StackContext {
    readonly target?: RollbackTarget;
    readonly verify?: boolean;
    readonly evidenceFile?: string;
}

export interface DeployResult {
    readonly kind: "deploy" | "rollback" | "infra" | "preview";
    readonly stack: string;
    readonly image: string;
    readonly resolved: ResolvedImage;
    readonly previousImage?: string;
    readonly evidence?: EvidenceRecord;
    readonly verify?: VerifyResult;
    /** What was done to recover from an earlier interrupted deploy, if anything. */
    readonly recovered: readonly string[];
    readonly changeSummary?: Record<string, number>;
}

const DRIVER_KEYS = ["image", "imageTag", "deployedBy", "deployKind"] as const;

/** Resolves `tag` to its digest and runs `up` with `<repositoryUrl>@sha256:<digest>`. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
    validateTag(options.tag, options.tagPolicy);
    const session = await openStack(options);
    const lock = acquireLock(session.workDir, options.stackName, session.requestedBy);
    try {
        const recovered = await recoverFromInterruptedDeploy(session, lock.staleHolder);
        const config = await session.stack.getAllConfig();
        const repositoryName = requireConfig(config, "repositoryName", options.stackName);
        const resolved = await resolveTag(ecrClient(session, config), repositoryName, options.tag);
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "--tag" });
        if (options.preview) {
            await withTemporaryConfig(session, config, { image, imageTag: options.tag, deployKind: "deploy" }, () =>
                session.stack.preview({ onOutput: options.onOutput, signal: options.signal })
                    .catch((err) => {
                        throw options.signal?.aborted ? new InterruptedError(options.stackName)
                            : err instanceof ConcurrentUpdateError ? new StackBusyError(options.stackName, lockHolderFrom(String(err.message)))
                                : new UpdateFailedError(options.stackName, image, `Preview failed: ${engineErrorSummary(err)}`);
                    }));
            return { kind: "preview", stack: options.stackName, image, resolved, recovered };
        }
        return await runUpdate(session, config, {
            kind: "deploy", image, resolved, tag: options.tag,
            verify: options.verify ?? true, evidenceFile: options.evidenceFile, recovered,
        });
    } finally {
        lock.release();
    }
}

/** Puts an earlier deployment's digest back by running `up` with it (never by rewriting state). */
export async function rollback(options: RollbackOptions): Promise<DeployResult> {
    const target = options.target ?? {};
    if ("toDigest" in target && !isSha256Digest(target.toDigest)) {
        throw new InvalidInputError("--to-digest", target.toDigest, "must be `sha256:<64 lowercase hex>`");
    }
    const session = await openStack(options);
    const lock = acquireLock(session.workDir, options.stackName, session.requestedBy);
    try {
        const recovered = await recoverFromInterruptedDeploy(session, lock.staleHolder);
        const deployments = await readDeployments(session.stack);
        const choice = chooseRollbackTarget(deployments, target);
        if (!choice.target) {
            throw new NoRollbackTargetError(options.stackName, choice.reason ?? "no earlier deployment");
        }
        const config = await session.stack.getAllConfig();
        const repositoryName = requireConfig(config, "repositoryName", options.stackName);
        const chosen = choice.target;
        let resolved: ResolvedImage;
        try {
            resolved = await describeDigest(ecrClient(session, config), repositoryName, chosen.digest!);
        } catch (err) {
            if (err instanceof ImageNotFoundError) {
                throw new RollbackTargetGoneError(repositoryName, chosen.digest!, chosen.version, "no longer exists (deleted or expired)");
            }
            if (err instanceof ImageArchivedError) {
                throw new RollbackTargetGoneError(repositoryName, chosen.digest!, chosen.version, "is archived and cannot be pulled");
            }
            throw err;
        }
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "rollback target" });
        return await runUpdate(session, config, {
            kind: "rollback", image, resolved, tag: chosen.tag,
            verify: options.verify ?? true, evidenceFile: options.evidenceFile, recovered,
            rollbackOf: { version: chosen.version, digest: choice.current?.digest },
        });
    } finally {
        lock.release();
    }
}

/**
 * Re-runs `up` with the digest that runs now, as the history records it: the way to apply an
 * infrastructure change (a new health check, more tasks) without touching the image, whatever
 * this checkout's `Pulumi.<stack>.yaml` holds.
 */
export async function reapply(options: StackContext & { readonly verify?: boolean; readonly evidenceFile?: string }): Promise<DeployResult> {
    const session = await openStack(options);
    const lock = acquireLock(session.workDir, options.stackName, session.requestedBy);
    try {
        const recovered = await recoverFromInterruptedDeploy(session, lock.staleHolder);
        const current = currentDeployment(await readDeployments(session.stack));
        if (!current?.digest) {
            throw new NoRollbackTargetError(options.stackName,
                "no deployment with an image is recorded, so there is no running digest to keep; deploy a tag first (or run the bootstrap `pulumi up`)");
        }
        const config = await session.stack.getAllConfig();
        const repositoryName = requireConfig(config, "repositoryName", options.stackName);
        let resolved: ResolvedImage;
        try {
            resolved = await describeDigest(ecrClient(session, config), repositoryName, current.digest);
        } catch (err) {
            if (err instanceof ImageNotFoundError) {
                throw new RollbackTargetGoneError(repositoryName, current.digest, current.version, "(the running image) no longer exists");
            }
            throw err;
        }
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "running image" });
        return await runUpdate(session, config, {
            kind: "infra", image, resolved, tag: current.tag,
            verify: options.verify ?? true, evidenceFile: options.evidenceFile, recovered,
        });
    } finally {
        lock.release();
    }
}

/** The stack's deployments, newest first. */
export async function history(options: StackContext): Promise<Deployment[]> {
    const session = await openStack(options);
    return readDeployments(session.stack);
}

/** Compares the digest the stack recorded with what the ECS service's primary deployment runs. */
export async function verify(options: StackContext): Promise<VerifyResult> {
    const session = await openStack(options);
    const outputs = await session.stack.outputs();
    const config = await session.stack.getAllConfig();
    return verifyOutputs(session, config, Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])));
}

// ---- steps -----------------------------------------------------------------

interface Session {
    readonly stack: Stack;
    /** The backend the engine uses: PULUMI_BACKEND_URL, or the project's own `.pulumi-state`. */
    readonly backendUrl: string;
    readonly workDir: string;
    /** Set when the caller brought its own; otherwise made for the stack's `aws:region`. */
    readonly ecr?: ECRClient;
    readonly ecs?: ECSClient;
    readonly requestedBy: string;
    readonly options: StackContext;
}

async function openStack(options: StackContext): Promise<Session> {
    const workDir = path.resolve(options.workDir ?? PROJECT_ROOT);
    const { command, env } = await engineTools();
    const envVars: Record<string, string> = {
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Tells the stack program that the image config was set from ECR or history just now.
        PAPYRUS_DRIVER: "1",
        ...env,
        ...defaultBackend(workDir, options.envVars),
        ...options.envVars,
    };
    let stack: Stack;
    try {
        stack = await LocalWorkspace.selectStack(
            { stackName: options.stackName, workDir },
            { pulumiCommand: command, envVars },
        );
    } catch (err) {
        if (err instanceof PulumiStackNotFoundError) {
            throw new StackNotFoundError(options.stackName, envVars.PULUMI_BACKEND_URL ?? "the selected backend");
        }
        throw err;
    }
    return {
        stack,
        backendUrl: envVars.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL ?? "https://api.pulumi.com",
        workDir,
        ecr: options.ecr,
        ecs: options.ecs,
        requestedBy: options.requestedBy ?? requester(options.env),
        options,
    };
}

/** With no backend chosen, state lives in `.pulumi-state/` inside the project: works with no account. */
function defaultBackend(workDir: string, envVars: Record<string, string> | undefined): Record<string, string> {
    if (envVars?.PULUMI_BACKEND_URL || process.env.PULUMI_BACKEND_URL) return {};
    return { PULUMI_BACKEND_URL: `file://${path.join(workDir, ".pulumi-state")}` };
}

/**
 * A driver that died without cleaning up (SIGKILL, lost runner) can leave the
 * backend locked and pending operations in the state. Only when our own lock
 * proves the last driver is dead do we clear them, and we say so.
 */
async function recoverFromInterruptedDeploy(session: Session, staleHolder: ReturnType<typeof acquireLock>["staleHolder"]): Promise<string[]> {
    const done: string[] = [];
    if (staleHolder === undefined) return done;
    done.push(`removed the driver lock left by ${describeHolder(staleHolder)}, which is no longer running`);
    // Break the engine's lock only when it provably belongs to a dead process on this machine.
    // On S3 or Pulumi Cloud the holder may be a live deploy elsewhere: leave it, and let `up`
    // report it (exit 4) with the `pulumi cancel` hint.
    const locks = engineLocks(session.backendUrl, PROJECT_NAME, session.options.stackName);
    if (locks === undefined) {
        done.push(`left the engine's lock (if any) alone: on ${backendKind(session.backendUrl)} a lock cannot be proven stale from here`);
    } else if (locks.length > 0 && locks.every((lock) => lock.stale)) {
        await session.stack.cancel();
        done.push(`cancelled the engine's stale update lock held by ${locks.map(describeEngineLock).join(", ")} (\`pulumi cancel\`)`);
    } else if (locks.length > 0) {
        done.push(`left the engine's lock held by ${locks.filter((l) => !l.stale).map(describeEngineLock).join(", ")} alone: that process is running or on another machine`);
    }
    const state = await session.stack.exportStack();
    const pending = (state.deployment as { pending_operations?: unknown[] } | undefined)?.pending_operations ?? [];
    if (pending.length > 0) {
        await session.stack.refresh({ clearPendingCreates: true, onOutput: session.options.onOutput });
        done.push(`refreshed the stack to clear ${pending.length} pending operation(s) left by the interrupted update`);
    }
    return done;
}

function backendKind(url: string): string {
    return url.startsWith("s3://") ? "an S3 backend" : url.startsWith("file://") ? "a file backend" : "Pulumi Cloud";
}

interface UpdatePlan {
    readonly kind: "deploy" | "rollback" | "infra";
    readonly image: string;
    readonly resolved: ResolvedImage;
    readonly tag?: string;
    readonly verify: boolean;
    readonly evidenceFile?: string;
    readonly recovered: string[];
    readonly rollbackOf?: { version: number; digest?: string };
}

async function runUpdate(session: Session, config: ConfigMap, plan: UpdatePlan): Promise<DeployResult> {
    const { stack, options } = session;
    const startedAt = new Date();
    const values = { image: plan.image, imageTag: plan.tag, deployedBy: session.requestedBy, deployKind: plan.kind };
    await setDriverConfig(stack, values);

    let outputs: Record<string, unknown> = {};
    let changeSummary: Record<string, number> | undefined;
    let failure: DeployError | undefined;
    try {
        const up = await stack.up({
            onOutput: options.onOutput,
            signal: options.signal,
            message: `${plan.kind} ${plan.tag ?? ""} ${plan.resolved.digest} by ${session.requestedBy}`.replace(/\s+/g, " "),
        });
        outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
        changeSummary = up.summary.resourceChanges;
    } catch (err) {
        const restoreProblem = await restoreDriverConfig(stack, config).then(() => "", (e) =>
            ` Restoring the stack config also failed (${(e as Error).message}): check papyrus:image in Pulumi.${options.stackName}.yaml before the next \`pulumi up\`.`);
        if (options.signal?.aborted) {
            failure = new InterruptedError(options.stackName);
        } else if (err instanceof ConcurrentUpdateError) {
            failure = new StackBusyError(options.stackName, lockHolderFrom(String(err.message)));
        } else {
            failure = new UpdateFailedError(options.stackName, plan.image, engineErrorSummary(err));
        }
        if (restoreProblem) failure.message += restoreProblem;
    }

    // A refused update (busy stack) is not a deployment: no record, nothing changed.
    if (failure instanceof StackBusyError) throw failure;

    // The update has run (or failed) by now: what follows only reports on it, so a failure
    // here must not hide the result or skip the evidence record.
    const deployments = await readDeployments(stack).catch(() => undefined);
    // The checkout's Pulumi.<stack>.yaml may hold anything (a CI checkout holds what git has);
    // what ran before is what the history says.
    // Our update is the newest record, if the engine got as far as recording one (history has 1 s precision).
    const ours = deployments?.[0] && deployments[0].startTime.getTime() >= startedAt.getTime() - 1000 ? deployments[0] : undefined;
    const previous = deployments && currentDeployment(deployments.filter((d) => d !== ours));
    let verifyResult: VerifyResult | undefined;
    let verifyNote: EvidenceRecord["verify"];
    if (!failure && plan.verify) {
        try {
            verifyResult = await verifyOutputs(session, config, outputs, true);
            verifyNote = verifyResult ? { inSync: verifyResult.inSync, running: verifyResult.running } : { skipped: "the stack exports no clusterName/serviceName" };
        } catch (err) {
            verifyNote = { skipped: `verify failed: ${(err as Error).message}; run \`verify --stack ${options.stackName}\` again` };
        }
    } else if (!failure) {
        verifyNote = { skipped: "--no-verify" };
    }

    const evidence: EvidenceRecord = {
        schema: "papyrus.deploy-evidence/v1",
        kind: plan.kind,
        stack: options.stackName,
        repository: plan.resolved.repositoryName,
        repositoryUrl: plan.resolved.repositoryUrl,
        image: plan.image,
        imageTag: plan.tag,
        imageDigest: plan.resolved.digest,
        mediaType: plan.resolved.mediaType,
        isIndex: plan.resolved.isIndex,
        previousDigest: previous?.digest,
        updateVersion: ours?.version,
        result: failure ? (failure instanceof InterruptedError ? "cancelled" : "failed") : "succeeded",
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        requestedBy: session.requestedBy,
        rollbackOf: plan.rollbackOf,
        verify: verifyNote,
        ci: ciIdentity(options.env),
        error: failure?.message,
    };
    if (plan.evidenceFile) writeEvidence(plan.evidenceFile, evidence);
    if (failure) throw Object.assign(failure, { evidence });
    if (verifyResult && !verifyResult.inSync) {
        throw Object.assign(new DriftError(options.stackName, verifyResult.recorded, verifyResult.running), { evidence });
    }
    return {
        kind: plan.kind, stack: options.stackName, image: plan.image, resolved: plan.resolved, previousImage: previous?.image,
        evidence, verify: verifyResult, recovered: plan.recovered, changeSummary,
    };
}

async function verifyOutputs(session: Session, config: ConfigMap, outputs: Record<string, unknown>): Promise<VerifyResult>;
async function verifyOutputs(session: Session, config: ConfigMap, outputs: Record<string, unknown>, optional: true): Promise<VerifyResult | undefined>;
async function verifyOutputs(session: Session, config: ConfigMap, outputs: Record<string, unknown>, optional = false): Promise<VerifyResult | undefined> {
    const cluster = outputs.clusterName;
    const service = outputs.serviceName;
    const image = outputs.image;
    if (typeof cluster !== "string" || typeof service !== "string" || typeof image !== "string") {
        if (optional) return undefined;
        throw new InvalidInputError("--stack", session.options.stackName,
            "has no deployed service to verify (outputs `clusterName`, `serviceName` and `image` are missing); deploy an image first");
    }
    return compareRunningImage(session.ecs ?? createEcsClient(stackRegion(config)), cluster, service, image);
}

async function setDriverConfig(stack: Stack, values: Record<(typeof DRIVER_KEYS)[number], string | undefined>): Promise<void> {
    const set: ConfigMap = {};
    for (const key of DRIVER_KEYS) {
        const value = values[key];
        if (value !== undefined) set[qualifiedKey(key)] = { value };
    }
    await stack.setAllConfig(set);
    const unset = DRIVER_KEYS.filter((key) => values[key] === undefined).map((key) => qualifiedKey(key));
    if (unset.length > 0) await stack.removeAllConfig(unset);
}

/** Puts the driver's keys back as they were before this update. */
async function restoreDriverConfig(stack: Stack, before: ConfigMap): Promise<void> {
    const restore: ConfigMap = {};
    const remove: string[] = [];
    for (const key of DRIVER_KEYS) {
        const name = qualifiedKey(key);
        if (before[name]) restore[name] = before[name];
        else remove.push(name);
    }
    if (Object.keys(restore).length > 0) await stack.setAllConfig(restore);
    if (remove.length > 0) await stack.removeAllConfig(remove);
}

async function withTemporaryConfig<T>(
    session: Session,
    before: ConfigMap,
    values: { image: string; imageTag?: string; deployKind: string },
    run: () => Promise<T>,
): Promise<T> {
    await setDriverConfig(session.stack, { imageTag: undefined, ...values, deployedBy: session.requestedBy });
    try {
        return await run();
    } finally {
        await restoreDriverConfig(session.stack, before);
    }
}

/**
 * The stack's own region (`aws:region`), so a prod deploy asks prod's registry even when the
 * shell's AWS_REGION points elsewhere; the SDK's default chain when the stack sets none.
 */
function stackRegion(config: ConfigMap): string | undefined {
    return config["aws:region"]?.value || undefined;
}

function ecrClient(session: Session, config: ConfigMap): ECRClient {
    return session.ecr ?? createEcrClient(stackRegion(config));
}

function configValue(config: ConfigMap, key: Parameters<typeof qualifiedKey>[0]): string | undefined {
    return config[qualifiedKey(key)]?.value;
}

function requireConfig(config: ConfigMap, key: Parameters<typeof qualifiedKey>[0], stackName: string): string {
    const value = configValue(config, key);
    if (!value) {
        throw new InvalidInputError(`${qualifiedKey(key)}`, "", `must be set in Pulumi.${stackName}.yaml (\`pulumi config set ${key} <value> -s ${stackName}\`)`);
    }
    return value;
}

function lockHolderFrom(message: string): string {
    const match = /created by ([^\n]+)/.exec(message);
    return match ? `${match[1].trim()} (engine lock; if no deploy is running, clear it with \`pulumi cancel\`)` : "another update (engine lock)";
}

function engineErrorSummary(err: unknown): string {
    const text = String((err as Error)?.message ?? err);
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => /^error:|Error:/.test(l));
    return lines.length > 0 ? lines.slice(0, 3).join(" ") : text.split("\n").slice(-5).join(" ");
}
