// How the driver reaches the engine for one stack: the backend it uses, the stack's identity on it,
// the Automation API workspace (`whoami`, `stack ls`) and the stack's CLI commands, all with one
// environment (the CLI's own PATH, the caller's extra variables, the backend URL).
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { fileBackendRoot } from "./checkpointFile";
import { missingBackendDirectory } from "./errors";
import { StackCli } from "./stackCli";
import { isSelfManagedBackend, stackIdentity, StackIdentity } from "./stackName";
import { engineTools, pulumiExecutable } from "./tools";

/** What the engine needs from the caller's options: the stack's name and extra environment. */
export interface EngineOptions {
    /** `dev`, or fully qualified `organization/papyrus/dev`. */
    readonly stackName: string;
    /** Extra environment for the engine (backend URL, passphrase, AWS endpoints). */
    readonly envVars?: Record<string, string>;
}

/** Self-managed backends need no CLI call; on Pulumi Cloud a bare name belongs to `pulumi whoami`'s user. */
export async function identityOf(options: EngineOptions, workDir: string, backendUrl: string): Promise<StackIdentity> {
    if (isSelfManagedBackend(backendUrl) || options.stackName.includes("/")) return stackIdentity(options.stackName, backendUrl);
    const workspace = await createWorkspace(options, workDir, backendUrl);
    return stackIdentity(
        options.stackName,
        backendUrl,
        await workspace.whoAmI().then(
            (w) => w.user,
            () => undefined,
        ),
    );
}

export async function createWorkspace(options: EngineOptions, workDir: string, backendUrl: string): Promise<LocalWorkspace> {
    const { command, env } = await engineTools();
    return LocalWorkspace.create({
        workDir,
        pulumiCommand: command,
        envVars: {
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // Tells the stack program that the image config was set from ECR or history just now.
            PAPYRUS_DRIVER: "1",
            ...env,
            ...options.envVars,
            PULUMI_BACKEND_URL: backendUrl,
        },
    });
}

/** The stack's CLI commands, each naming the stack (no `stack select`: nothing of the workspace changes). */
export function stackCli(options: EngineOptions, workDir: string, backendUrl: string, identity: StackIdentity): StackCli {
    const { command, env } = pulumiExecutable();
    return new StackCli({
        command,
        workDir,
        stack: identity.qualified,
        backendUrl,
        env: {
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // Tells the stack program that the image config was set from ECR or history just now.
            PAPYRUS_DRIVER: "1",
            ...env,
            ...options.envVars,
            PULUMI_BACKEND_URL: backendUrl,
        },
    });
}

/** PULUMI_BACKEND_URL, else `.pulumi-state/` inside the project (made if missing): works with no account. */
export function backendFor(workDir: string, envVars: Record<string, string> | undefined): string {
    const chosen = envVars?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL;
    if (chosen) {
        // The engine would stop with "unable to open state directory" only once a command runs.
        const dir = fileBackendRoot(chosen);
        if (dir !== undefined && !fs.existsSync(dir)) throw missingBackendDirectory(chosen, dir);
        return chosen;
    }
    const dir = path.join(workDir, ".pulumi-state");
    fs.mkdirSync(dir, { recursive: true });
    return `file://${dir}`;
}
