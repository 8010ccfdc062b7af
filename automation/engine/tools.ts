// Where the driver finds the Pulumi CLI and its nodejs language host.
//
// Order: `PULUMI_CLI_ROOT` (a directory with `bin/pulumi`), then the binaries
// `npm run setup` linked into `.tools/bin`, then whatever `pulumi` is on PATH.
// The chosen bin directory is also put first on the engine's PATH so the CLI
// finds `pulumi-language-nodejs` beside it.
import * as fs from "fs";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface EngineTools {
    readonly command: PulumiCommand;
    /** Environment for the engine process: PATH with the CLI's own directory first. */
    readonly env: Record<string, string>;
}

export function pulumiBinDirectory(): string | undefined {
    const fromEnv = process.env.PULUMI_CLI_ROOT;
    if (fromEnv) {
        return path.join(fromEnv, "bin");
    }
    const local = path.join(PROJECT_ROOT, ".tools", "bin");
    return fs.existsSync(path.join(local, "pulumi")) ? local : undefined;
}

/** The `pulumi` the driver runs and the environment it needs (PATH with its own directory first); no process started. */
export function pulumiExecutable(): { readonly command: string; readonly env: Record<string, string> } {
    const bin = pulumiBinDirectory();
    return bin ? { command: path.join(bin, "pulumi"), env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` } } : { command: "pulumi", env: {} };
}

let cached: Promise<EngineTools> | undefined;

export function engineTools(): Promise<EngineTools> {
    cached ??= (async () => {
        const bin = pulumiBinDirectory();
        // The CLI is built at the SDK's own version by setup; the check would only repeat that.
        const command = await PulumiCommand.get(bin ? { root: path.dirname(bin), skipVersionCheck: true } : {});
        const env: Record<string, string> = bin ? { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` } : {};
        return { command, env };
    })();
    return cached;
}
