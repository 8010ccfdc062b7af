// `papyrus-deploy status`: what runs in each stack of the project, in one
// table. For every stack in the backend: the update whose digest its state
// runs (version, digest, tag, when, who), whether ECS runs that image, and
// whether the repository protects it (one of the stack's `deployed-<stack>-slot<n>`
// tags). Read-only: no lock, nothing written; a stack that cannot be read
// gets a row that says why, and the others are still shown.
import * as fs from "fs";
import * as path from "path";
import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { qualifiedKey } from "../../components/configSchema";
import { readProject, SERVICE_OUTPUTS } from "../engine/project";
import { createEcrClient } from "../aws/ecr";
import { fileBackendRoot } from "../engine/checkpointFile";
import { engineCall } from "../engine/errors";
import { backendFor, createWorkspace, isMissingOwnBackend } from "../engine/workspace";
import { DeployError, StateAccessDeniedError, StateUnreadableError, UnreachableError } from "../record/errors";
import { awsUnavailable } from "../aws/awsErrors";
import { currentDeployment, markRunning, readDeployments } from "../record/history";
import { readSetting, StackConfigValues } from "../record/updateConfig";
import type { ReleaseVerdict } from "../record/verdict";
import { protectiveTagsOf } from "../aws/protect";
import { compareRunningImage, createEcsClient } from "../aws/verify";
import { checkedProjectDirectory, openSession, StackContext } from "../update/session";
import type { HistoryResult } from "./history";

export interface StatusOptions {
    /** Directory with Pulumi.yaml. @default the nearest one upwards from the working directory */
    readonly workDir?: string;
    readonly envVars?: Record<string, string>;
    /** The AWS clients for a stack's region (`aws:region`). @default clients from the SDK's chain for that region */
    readonly clientsFor?: (region: string | undefined) => { readonly ecr: ECRClient; readonly ecs: ECSClient };
}

/** `reason`, beside a full message: one clause for a table cell (`no credentials`); the message is printed under the table. */
export type EcsState =
    | { readonly inSync: boolean; readonly running: readonly string[]; readonly rollingOut?: boolean; readonly rolloutFailed?: boolean }
    | { readonly notChecked: string; readonly reason: string };

export type ProtectionState =
    { readonly protected: boolean; readonly tags: readonly string[]; readonly imageStatus: string } | { readonly unknown: string; readonly reason: string };

export interface StackStatus {
    readonly stack: string;
    /** The update whose digest the state runs (`history`'s RUNS row). */
    readonly version?: number;
    readonly image?: string;
    readonly digest?: string;
    readonly tag?: string;
    /** When that update finished (or started, if it has no end). */
    readonly when?: string;
    readonly who?: string;
    readonly kind?: string;
    readonly ecs?: EcsState;
    /** That update's release verdict as recorded (verdict.ts); `status` only reads it (`verify` settles an open one). */
    readonly release?: ReleaseVerdict;
    readonly protection?: ProtectionState;
    /** Why the row is incomplete: the stack could not be read, or its state runs no service. */
    readonly problem?: string;
    /** `problem` in one clause, when it is an error (unset for a stack with nothing deployed yet). */
    readonly reason?: string;
}

export interface StatusResult {
    readonly stacks: readonly StackStatus[];
    /** The project (Pulumi.yaml `name`) and the backend whose stacks these are. */
    readonly project: string;
    readonly backendUrl: string;
    /** Set when the backend's list of stacks could not be read and the stacks came from elsewhere: why, and from where. */
    readonly note?: string;
}

/** Every stack of the project, read one after another. */
export async function status(options: StatusOptions = {}): Promise<StatusResult> {
    const { names, note, project, backendUrl } = await listStacks(options);
    names.sort();
    const clients = new Map<string, { ecr: ECRClient; ecs: ECSClient }>();
    const clientsFor = (region: string | undefined) => {
        const key = region ?? "";
        if (!clients.has(key)) clients.set(key, options.clientsFor?.(region) ?? { ecr: createEcrClient(region), ecs: createEcsClient(region) });
        return clients.get(key)!;
    };
    const stacks: StackStatus[] = [];
    try {
        for (const name of names) {
            let snapshot: StackSnapshot;
            try {
                snapshot = await inspectStack({ stackName: name, workDir: options.workDir, envVars: options.envVars });
            } catch (err) {
                if (!(err instanceof DeployError)) throw err;
                stacks.push({ stack: name, problem: err.message, reason: failureClause(err) });
                continue;
            }
            stacks.push(await stackStatus(snapshot, clientsFor(snapshot.config.values["aws:region"])));
        }
    } finally {
        if (!options.clientsFor)
            for (const c of clients.values()) {
                c.ecr.destroy();
                c.ecs.destroy();
            }
    }
    return note === undefined ? { stacks, project, backendUrl } : { stacks, project, backendUrl, note };
}

/** One stack as `status` reads it: no lock, nothing written. */
export interface StackSnapshot extends HistoryResult {
    /** The stack's name without organization or project (`dev`): the part protective tags carry. */
    readonly name: string;
    readonly qualified: string;
    /** The stack's config values (secrets left out). */
    readonly config: StackConfigValues;
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
export async function listStacks(options: Omit<StackContext, "stackName">): Promise<{ names: string[]; note?: string; project: string; backendUrl: string }> {
    const workDir = checkedProjectDirectory(options.workDir);
    const backendUrl = backendFor(workDir, options.envVars);
    const project = readProject(workDir).name;
    const place = { project, backendUrl };
    // Nothing deployed from this checkout yet: no stacks, and the engine is not asked (it would make the directory).
    if (isMissingOwnBackend(backendUrl)) return { names: [], note: "its directory does not exist yet: the first update makes it", ...place };
    const context = { displayName: "(every stack)", identity: { qualified: "", organization: "", project, name: "" }, backendUrl };
    const workspace = await createWorkspace({ ...options, stackName: "" }, workDir, backendUrl);
    try {
        return { names: (await engineCall(context, () => workspace.listStacks())).map((s) => s.name), ...place };
    } catch (err) {
        if (!(err instanceof StateUnreadableError)) throw err;
        const found = stackNamesWithoutEngine(workDir, backendUrl, project);
        return { names: found.names, note: `\`pulumi stack ls\` failed, as one stack's state cannot be read (${err.problem}); ${found.from}`, ...place };
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

async function stackStatus(snapshot: StackSnapshot, clients: { ecr: ECRClient; ecs: ECSClient }): Promise<StackStatus> {
    const running = snapshot.running;
    if (!running) {
        if (snapshot.runningProblem === undefined) return { stack: snapshot.stack, problem: "its state runs no service (nothing deployed yet)" };
        return { stack: snapshot.stack, problem: snapshot.runningProblem, reason: "image unclear" };
    }
    const current = currentDeployment(snapshot.deployments);
    const time = current?.endTime ?? current?.startTime;
    const [ecs, protection] = await Promise.all([ecsState(snapshot, clients.ecs, running.image), protectionState(snapshot, clients.ecr, running.digest)]);
    return {
        stack: snapshot.stack,
        version: current?.version,
        image: running.image,
        digest: running.digest,
        tag: current?.tag,
        when: time?.toISOString(),
        who: current?.requestedBy ?? (current?.kind === "manual" ? "(pulumi up by hand)" : undefined),
        kind: current?.kind,
        ecs,
        release: current?.release,
        protection,
    };
}

async function ecsState(snapshot: StackSnapshot, ecs: ECSClient, image: string): Promise<EcsState> {
    const cluster = snapshot.outputs.clusterName;
    const service = snapshot.outputs.serviceName;
    if (typeof cluster !== "string" || typeof service !== "string") {
        return { notChecked: `the stack has no ${SERVICE_OUTPUTS.map((o) => `\`${o}\``).join("/")} outputs`, reason: "no service outputs" };
    }
    try {
        const result = await compareRunningImage(ecs, cluster, service, image);
        return {
            inSync: result.inSync,
            running: result.running,
            rollingOut: result.rollingOut,
            ...(result.rolloutFailed ? { rolloutFailed: true } : {}),
        };
    } catch (err) {
        return { notChecked: (err as Error).message, reason: failureClause(err) };
    }
}

async function protectionState(snapshot: StackSnapshot, ecr: ECRClient, digest: string): Promise<ProtectionState> {
    const repositoryName = readSetting(snapshot.config, "repositoryName");
    if (!repositoryName) return { unknown: `\`${qualifiedKey(snapshot.config.project, "repositoryName")}\` is not set`, reason: "no repository set" };
    try {
        const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }));
        const detail = out.imageDetails?.[0];
        if (!detail) return { unknown: `${digest} is not in \`${repositoryName}\``, reason: "image not found" };
        const tags = protectiveTagsOf(detail.imageTags ?? [], snapshot.name);
        return { protected: tags.length > 0, tags, imageStatus: detail.imageStatus ?? "ACTIVE" };
    } catch (err) {
        if (err instanceof ImageNotFoundException)
            return { unknown: `${digest} is not in \`${repositoryName}\` any more (deleted or expired)`, reason: "image deleted" };
        return { unknown: `${(err as Error).name}: ${(err as Error).message.split("\n")[0]}`, reason: failureClause(awsUnavailable(err, "ECR") ?? err) };
    }
}

/**
 * One clause for a table cell, from the error's type (its message goes under the table): what a
 * person checks first. AWS failures arrive as `UnreachableError` (awsErrors.ts), whose reason starts
 * with the SDK error's name or the network code.
 */
export function failureClause(err: unknown): string {
    if (err instanceof StateAccessDeniedError) return "state access denied";
    if (err instanceof StateUnreadableError) return "state unreadable";
    if (err instanceof UnreachableError) {
        if (/^CredentialsProviderError\b/.test(err.reason)) return "no credentials";
        if (/^(ExpiredToken|ExpiredTokenException)\b/.test(err.reason)) return "credentials expired";
        if (/^AccessDeniedException\b/.test(err.reason)) return "access denied";
        if (/^(UnrecognizedClientException|InvalidClientTokenId|InvalidSignatureException|SignatureDoesNotMatch)\b/.test(err.reason))
            return "credentials refused";
        if (err.reason === "no AWS region is configured") return "no region";
        return err.transient ? "AWS unavailable" : "error";
    }
    const name = (err as Error | undefined)?.name ?? "";
    if (name === "ClusterNotFoundException" || name === "ServiceNotFoundException" || /\bwas not found\b/.test((err as Error | undefined)?.message ?? ""))
        return "not found";
    return "error";
}
