// How the driver reaches the engine: the backend it uses, the stack's identity on it, and one
// Automation API `LocalWorkspace` per session (`whoAmI`, `listStacks`, and the stack's `Stack`),
// built with one environment (the CLI's own PATH, the caller's extra variables, the backend URL).
import * as fs from "fs";
import * as path from "path";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { fileBackendRoot } from "./checkpointFile";
import { EngineStack } from "./engineStack";
import { missingBackendDirectory } from "./errors";
import { readProject } from "./project";
import { isSelfManagedBackend, stackIdentity, StackIdentity } from "./stackName";
import { engineTools, readTools } from "./tools";

/** What the engine needs from the caller's options: the stack's name and extra environment. */
export interface EngineOptions {
    /** `dev`, or fully qualified `organization/<project>/dev`. */
    readonly stackName: string;
    /** Extra environment for the engine (backend URL, passphrase, AWS endpoints). */
    readonly envVars?: Record<string, string>;
}

/**
 * The stack of the project in `workDir` (its Pulumi.yaml `name`). Self-managed backends need no CLI
 * call; on Pulumi Cloud a bare name belongs to `pulumi whoami`'s user.
 */
export async function identityOf(options: EngineOptions, workDir: string, backendUrl: string): Promise<StackIdentity> {
    const project = readProject(workDir).name;
    if (isSelfManagedBackend(backendUrl) || options.stackName.includes("/")) return stackIdentity(options.stackName, project, backendUrl);
    const workspace = await createWorkspace(options, workDir, backendUrl);
    return stackIdentity(
        options.stackName,
        project,
        backendUrl,
        await workspace.whoAmI().then(
            (w) => w.user,
            () => undefined,
        ),
    );
}

// A session's calls share its options object: `identityOf`, `engineStack` and `listStacks` get one workspace.
const workspaces = new WeakMap<EngineOptions, Map<string, Promise<LocalWorkspace>>>();

/** The environment every engine command of a session gets: the CLI's own PATH, the caller's extra variables, the backend URL. */
function engineEnv(options: EngineOptions, backendUrl: string, toolsEnv: Record<string, string>): Record<string, string> {
    return {
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // Tells the stack program that the image config was set from ECR or history just now.
        PAPYRUS_DRIVER: "1",
        ...toolsEnv,
        ...options.envVars,
        PULUMI_BACKEND_URL: backendUrl,
    };
}

/**
 * The session's Automation API workspace: the CLI found by tools.ts (version check off: setup builds
 * it at the SDK's version), with the engine's environment built here, once. Its module is loaded
 * here, not at the top: it loads the whole Pulumi runtime (0.5–1.1 s), which reads do not need.
 */
export function createWorkspace(options: EngineOptions, workDir: string, backendUrl: string): Promise<LocalWorkspace> {
    const byPlace = workspaces.get(options) ?? new Map<string, Promise<LocalWorkspace>>();
    workspaces.set(options, byPlace);
    const key = `${workDir}\n${backendUrl}`;
    let workspace = byPlace.get(key);
    if (workspace === undefined) {
        workspace = engineTools().then(async ({ command, env }) => {
            const { LocalWorkspace } = await import("@pulumi/pulumi/automation/localWorkspace");
            return LocalWorkspace.create({ workDir, pulumiCommand: command, envVars: engineEnv(options, backendUrl, env) });
        });
        byPlace.set(key, workspace);
    }
    return workspace;
}

/** The stack's engine adapter: reads run through the CLI alone; the workspace is made on its first engine operation. */
export function engineStack(options: EngineOptions, workDir: string, backendUrl: string, identity: StackIdentity): EngineStack {
    const { command, env } = readTools();
    const cli = Promise.resolve({ command, env: engineEnv(options, backendUrl, env) });
    return new EngineStack({ workDir, cli, workspace: () => createWorkspace(options, workDir, backendUrl) }, identity.qualified, backendUrl);
}

/** PULUMI_BACKEND_URL, else `.pulumi-state/` inside the project: works with no account. Nothing is created here. */
export function backendFor(workDir: string, envVars: Record<string, string> | undefined): string {
    const chosen = envVars?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL;
    if (chosen) {
        // The engine would stop with "unable to open state directory" only once a command runs.
        const dir = fileBackendRoot(chosen);
        if (dir !== undefined && !fs.existsSync(dir)) throw missingBackendDirectory(chosen, dir);
        return chosen;
    }
    return `file://${path.join(workDir, ".pulumi-state")}`;
}

/**
 * True for the project's own `.pulumi-state` before anything was written to it: it is made by the
 * first update (`createBackendDirectory`), never by a read, so a command run in the wrong place leaves nothing behind.
 */
export function isMissingOwnBackend(backendUrl: string): boolean {
    const dir = fileBackendRoot(backendUrl);
    return dir !== undefined && path.basename(dir) === ".pulumi-state" && !fs.existsSync(dir);
}

/** Makes a `file://` backend's directory, for the update about to write to it. */
export function createBackendDirectory(backendUrl: string): void {
    const dir = fileBackendRoot(backendUrl);
    if (dir !== undefined) fs.mkdirSync(dir, { recursive: true });
}
