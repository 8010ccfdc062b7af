// Spawns a command and times it from spawn to exit, as a user at a shell would see it.
import { spawn } from "child_process";
import { performance } from "perf_hooks";

export interface Timed {
    readonly ms: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** `allowExit`: the exit codes that count as a run (default 0 only; a usage error's 2 for the start-up bench). */
export function timedRun(
    command: string,
    args: readonly string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    options: { allowExit?: readonly number[] } = {},
): Promise<Timed> {
    return new Promise((resolve, reject) => {
        const started = performance.now();
        const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        child.on("error", reject);
        child.on("close", (code) => {
            const ms = performance.now() - started;
            if ((options.allowExit ?? [0]).includes(code ?? -1)) resolve({ ms, stdout, stderr });
            else reject(new Error(`\`${command} ${args.join(" ")}\` exited with ${code}:\n${stderr.slice(-2000)}\n${stdout.slice(-2000)}`));
        });
    });
}
