// The smoke test a deploy runs at a PAUSE hook (`--smoke-test "<command>"`): a shell command with
// the test URL, the stack and the digest in its environment, bounded by a timeout; its exit code,
// duration and last lines go into the evidence. Exit 0 lets the deployment go on; anything else,
// a timeout included, rolls it back (pause.ts).
import { spawn } from "child_process";

export const DEFAULT_SMOKE_TEST_TIMEOUT_MS = 5 * 60_000;
/** How many of the command's last output lines the evidence keeps. */
export const SMOKE_TEST_TAIL_LINES = 20;
/** After the timeout's SIGTERM, how long the command's process group has before SIGKILL. */
const KILL_GRACE_MS = 5_000;

export interface SmokeTestNote {
    readonly command: string;
    /** The stage the deployment waited at. */
    readonly stage: string;
    /** The command's exit code; null when a signal ended it (the timeout, or the driver's interrupt). */
    readonly exitCode: number | null;
    readonly signal?: string;
    readonly timedOut: boolean;
    /** How long it was allowed. */
    readonly timeoutMs: number;
    readonly durationMs: number;
    /** Its last lines of output (stdout and stderr as they came). */
    readonly output: readonly string[];
    readonly passed: boolean;
}

/** Runs `command` with `sh -c` in its own process group; never throws for the command's own failure. */
export function runSmokeTest(
    command: string,
    stage: string,
    env: Readonly<Record<string, string>>,
    options: { timeoutMs?: number; cwd?: string; signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<SmokeTestNote> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SMOKE_TEST_TIMEOUT_MS;
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn("sh", ["-c", command], { cwd: options.cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
        const tail: string[] = [];
        let partial = { out: "", err: "" };
        const take = (stream: "out" | "err", chunk: Buffer) => {
            const lines = (partial[stream] + chunk.toString("utf8")).split("\n");
            partial = { ...partial, [stream]: lines.pop() ?? "" };
            for (const line of lines) keep(line);
        };
        const keep = (line: string) => {
            tail.push(line);
            if (tail.length > SMOKE_TEST_TAIL_LINES) tail.shift();
            options.onLine?.(line);
        };
        child.stdout.on("data", (c: Buffer) => take("out", c));
        child.stderr.on("data", (c: Buffer) => take("err", c));
        let timedOut = false;
        let killTimer: NodeJS.Timeout | undefined;
        const stop = () => {
            signalGroup(child.pid, "SIGTERM");
            killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
        };
        const timer = setTimeout(() => {
            timedOut = true;
            stop();
        }, timeoutMs);
        const onAbort = () => stop();
        options.signal?.addEventListener("abort", onAbort, { once: true });
        let finished = false;
        const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
            if (finished) return;
            finished = true;
            child.stdout.destroy();
            child.stderr.destroy();
            clearTimeout(timer);
            if (killTimer) clearTimeout(killTimer);
            options.signal?.removeEventListener("abort", onAbort);
            for (const rest of [partial.out, partial.err]) if (rest) keep(rest);
            if (spawnError) keep(`could not start: ${spawnError.message}`);
            resolve({
                command,
                stage,
                exitCode,
                signal: signal ?? undefined,
                timedOut,
                timeoutMs,
                durationMs: Date.now() - started,
                output: [...tail],
                passed: exitCode === 0 && !timedOut,
            });
        };
        child.on("error", (err) => finish(null, null, err));
        // The shell's exit decides, not its output pipes closing: a background child it left may hold them. What the
        // test left running is ended with its process group; the output it wrote until then is kept.
        child.on("exit", (code, signal) => {
            signalGroup(child.pid, "SIGKILL");
            setTimeout(() => finish(code, signal), 50);
        });
    });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
    if (pid === undefined) return;
    try {
        process.kill(-pid, signal);
    } catch {
        // Already gone.
    }
}

/** One line for messages: `exit 1 after 2.1 s`, `timed out after 5 min`. */
export function describeSmokeTest(note: SmokeTestNote): string {
    const took = `${(note.durationMs / 1000).toFixed(1)} s`;
    if (note.timedOut) return `timed out after ${(note.timeoutMs / 1000).toFixed(1)} s`;
    if (note.exitCode === null) return `ended by ${note.signal ?? "a signal"} after ${took}`;
    return `exit ${note.exitCode} after ${took}`;
}
