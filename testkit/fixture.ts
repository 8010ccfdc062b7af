// The driver's fixture project (testkit/fixtures/digest-app), run by the real engine.
//
// Each test gets its own project directory: stack config lives in
// `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, so sharing one directory would
// let tests see each other's config. The copy holds Pulumi.yaml and
// package.json, and symlinks the program, which Node (and the language host)
// resolve to its real place in the repository.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { engineTools } from "../automation/engine/tools";
import { TempBackend } from "./backend";

export const FIXTURE_DIR = path.resolve(__dirname, "fixtures", "digest-app");

/** The fixture program's config for its stand-in service in the ECS API (moto): cluster `papyrus`, service `api`. */
export const FIXTURE_ECS_CONFIG: Readonly<Record<string, { value: string }>> = {
    "papyrus:fixtureEcs": { value: "true" },
    "papyrus:fixtureClusterName": { value: "papyrus" },
    "papyrus:fixtureServiceName": { value: "api" },
};

/** A fresh project directory for the fixture; removed with the backend's directory when placed inside it. */
export function fixtureProject(parent: string = os.tmpdir()): string {
    const dir = fs.mkdtempSync(path.join(parent, "digest-app-"));
    for (const file of ["Pulumi.yaml", "package.json"]) {
        fs.copyFileSync(path.join(FIXTURE_DIR, file), path.join(dir, file));
    }
    for (const file of ["index.ts", "tsconfig.json"]) {
        fs.symlinkSync(path.join(FIXTURE_DIR, file), path.join(dir, file));
    }
    return dir;
}

/** Creates (or selects) a stack of a fresh fixture copy in `backend`. */
export async function fixtureStack(
    backend: TempBackend,
    stackName: string,
    extraEnv: Record<string, string> = {},
    workDir: string = fixtureProject(backend.dir),
): Promise<Stack> {
    const { command, env } = await engineTools();
    return LocalWorkspace.createOrSelectStack({ stackName, workDir }, { pulumiCommand: command, envVars: { ...env, ...backend.env, ...extraEnv } });
}
