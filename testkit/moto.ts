// A real moto server on a free 127.0.0.1 port. Nothing leaves loopback.
//
// `sharedMoto()` is what a test suite uses: one server per process (under `mocha --parallel`, one per
// worker, which runs its files one after another), reset when a suite takes it and when it gives it
// back, so a file never sees another's repositories, services, buckets or scan findings. Starting
// moto costs seconds of Python imports; a reset costs milliseconds. `startMoto()` gives a server of
// one's own, for a suite that stops it on purpose (test/engine/adversary.test.ts), for one that needs
// it started otherwise (IAM enforcement: testkit/motoIam.ts), and for the demo and the bench.
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import * as path from "path";
import { PROJECT_ROOT } from "../automation/engine/tools";

export const TEST_REGION = "us-east-1";
/** moto's fixed account id. */
export const TEST_ACCOUNT = "123456789012";

export interface MotoServer {
    readonly endpoint: string;
    readonly port: number;
    /** The moto_server process (the leader of its own process group). */
    readonly pid: number;
    /** Environment for AWS SDK clients and for child processes (the driver, the CLI). */
    readonly env: Record<string, string>;
    /** Clears all state in the emulator. */
    reset(): Promise<void>;
    stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Environment for AWS SDK clients and child processes that talk to the moto at `endpoint`: its dummy credentials, the fixed region. */
export function motoEnv(endpoint: string): Record<string, string> {
    return {
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: TEST_REGION,
        AWS_DEFAULT_REGION: TEST_REGION,
        AWS_ENDPOINT_URL: endpoint,
        AWS_EC2_METADATA_DISABLED: "true",
    };
}

export interface StartMotoOptions {
    /**
     * Whether the running server keeps this process alive (default true). The shared server does
     * not: mocha run without `--exit` ends when its tests are done, and the server is stopped then.
     */
    readonly holdsProcess?: boolean;
    /** More environment for moto_server, e.g. `INITIAL_NO_AUTH_ACTION_COUNT` (testkit/motoIam.ts). */
    readonly env?: Record<string, string>;
    /** Everything moto_server writes to stderr, as it comes: its log has one line per request. */
    readonly onLog?: (text: string) => void;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const binary = path.join(PROJECT_ROOT, ".tools", "bin", "moto_server");
    const child: ChildProcess = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
        env: options.env === undefined ? process.env : { ...process.env, ...options.env },
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
        stderr = (stderr + chunk).slice(-4000);
        options.onLog?.(String(chunk));
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stopOnExit = () => killGroup(child);
    process.once("exit", stopOnExit);
    if (options.holdsProcess === false) {
        child.unref();
        (child.stderr as net.Socket | null)?.unref();
    }

    const deadline = Date.now() + 30_000;
    for (;;) {
        if (child.exitCode !== null) {
            throw new Error(`moto_server exited with ${child.exitCode} before answering on ${endpoint}: ${stderr}`);
        }
        try {
            const res = await fetch(`${endpoint}/moto-api/data.json`);
            if (res.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            killGroup(child);
            throw new Error(`moto_server did not answer on ${endpoint} within 30 s (run \`npm run setup\`?): ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }

    return {
        endpoint,
        port,
        pid: child.pid!,
        env: motoEnv(endpoint),
        async reset() {
            const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
            if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
        },
        async stop() {
            process.removeListener("exit", stopOnExit);
            if (child.exitCode === null) {
                killGroup(child);
                await exited;
            }
        },
    };
}

/** The process's moto, lent to one suite: `release()` instead of `stop()`. */
export interface SharedMoto extends Omit<MotoServer, "stop" | "pid"> {
    /** Resets the server for the next suite; the server runs on until the process exits. */
    release(): Promise<void>;
}

let shared: Promise<MotoServer> | undefined;

/**
 * This process's moto, started on first use (and again if it stopped answering), reset for the
 * caller. Files of one mocha worker run one after another, so one suite holds it at a time.
 */
export async function sharedMoto(): Promise<SharedMoto> {
    let server = shared && (await shared.catch(() => undefined));
    if (
        server === undefined ||
        !(await server.reset().then(
            () => true,
            () => false,
        ))
    ) {
        await server?.stop();
        shared = startMoto({ holdsProcess: false });
        shared.catch(() => (shared = undefined));
        server = await shared;
    }
    const lent = server;
    return {
        endpoint: lent.endpoint,
        port: lent.port,
        env: lent.env,
        reset: () => lent.reset(),
        // A suite that broke the server leaves it to the next taker, who starts a new one.
        release: () => lent.reset().catch(() => undefined),
    };
}

function killGroup(child: ChildProcess): void {
    try {
        if (child.pid) process.kill(-child.pid, "SIGTERM");
    } catch {
        // already gone
    }
}
