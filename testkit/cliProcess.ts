// The papyrus-deploy CLI as a child process, as CI and a terminal run it, and
// the ways tests interrupt it: a signal to the driver alone, or SIGKILL to one
// process of the tree (driver, engine) or to all of it.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../automation/engine/tools";

export const CLI = path.join(PROJECT_ROOT, "automation", "bin", "papyrus-deploy.js");
/** Preloaded into each CLI process: ts-node's output cached on disk (see the file). */
export const TS_NODE_CACHE = path.join(__dirname, "tsNodeCache.js");

export interface CliRun {
    readonly child: ChildProcess;
    /** Everything written so far. */
    stdout(): string;
    stderr(): string;
    /** Resolves when the process ended, with its exit code (null when killed by a signal). */
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, cwd: string = PROJECT_ROOT): CliRun {
    // Its own process group, so a test can kill the whole tree like a lost CI runner.
    // PAPYRUS_DEPLOY_FROM_SOURCE: the launcher runs the TypeScript, not a dist/ build (test/ci/package.test.ts tests the build).
    const child = spawn(process.execPath, ["--require", TS_NODE_CACHE, CLI, ...args], {
        env: { ...env, PAPYRUS_DEPLOY_FROM_SOURCE: "1" },
        cwd,
        detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
    return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
    return startCli(args, env, cwd).exited;
}

/** Polls until `check` holds (or throws after `timeoutMs`, with `what` in the message). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000, run?: CliRun): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${run ? `\nstderr:\n${run.stderr()}` : ""}`);
        if (run && run.child.exitCode !== null) throw new Error(`the CLI exited (${run.child.exitCode}) before ${what}\nstderr:\n${run.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** Waits for a file the stand-in's service step writes as it begins. */
export function serviceStepStarted(markerDir: string, run?: CliRun): Promise<void> {
    return waitFor("the service step to start", () => fs.existsSync(path.join(markerDir, "service-step-started")), 90_000, run);
}

/** Children of `pid` (from /proc), e.g. the `pulumi` CLI the driver started. */
export function childProcesses(pid: number): { pid: number; cmdline: string[] }[] {
    const found: { pid: number; cmdline: string[] }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            if (ppid === pid) found.push({ pid: Number(entry), cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean) });
        } catch {
            // gone meanwhile
        }
    }
    return found;
}

/**
 * Processes whose environment mentions `marker` (a test's temporary backend directory): the
 * engine, language host, program and provider plugins a test started, and nothing else. Zombies
 * (dead, waiting to be reaped) do not count: they run nothing.
 */
export function processesMentioning(marker: string): { pid: number; cmdline: string }[] {
    const found: { pid: number; cmdline: string }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
            if (fs.readFileSync(`/proc/${entry}/environ`, "utf8").includes(marker)) {
                found.push({ pid: Number(entry), cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ") });
            }
        } catch {
            // gone meanwhile, or not ours to read
        }
    }
    return found;
}

/** Asserts that no process of the test is left, allowing `graceMs` for them to notice and exit. */
export async function assertNoProcessLeft(marker: string, graceMs = 5_000): Promise<void> {
    const deadline = Date.now() + graceMs;
    let left = processesMentioning(marker);
    while (left.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        left = processesMentioning(marker);
    }
    if (left.length > 0) {
        for (const p of left) {
            try {
                process.kill(p.pid, "SIGKILL"); // do not leak them into the next test
            } catch {
                // already gone
            }
        }
        throw new Error(`processes left behind:\n${left.map((p) => `  ${p.pid} ${p.cmdline}`).join("\n")}`);
    }
}
