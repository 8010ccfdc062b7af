// The demo's AWS stand-ins: moto and the ECS rollout proxy (testkit/ecsRollout.ts: moto runs no ECS
// deployments). In the demo's own process, or, for `npm run demo -- --keep`, in a detached process
// of their own that outlives the demo, so `status`, `verify`, `rollback` keep working against the
// kept demo. The rollout proxy holds each service's deployments in memory (a new proxy would not
// know them), so that one process serves them until `npm run demo -- --stop` stops it.
//
//   node -r ts-node/register/transpile-only scripts/demoServers.ts <dir>
//
// writes <dir>/servers.json (its own pid, moto's pid and port, both endpoints) once both answer, and
// stops both on SIGTERM or SIGINT, removing that file.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../automation/engine/tools";
import { startEcsRolloutProxy } from "../testkit/ecsRollout";
import { motoEnv, startMoto } from "../testkit/moto";

/** What <dir>/servers.json holds. */
export interface DemoServersFile {
    /** The detached process: the one to signal. */
    readonly pid: number;
    readonly motoPid: number;
    readonly motoPort: number;
    readonly motoEndpoint: string;
    /** The rollout proxy in front of moto's ECS: `AWS_ENDPOINT_URL_ECS`. */
    readonly ecsEndpoint: string;
}

export interface DemoServers {
    readonly motoEndpoint: string;
    readonly motoPort: number;
    readonly ecsEndpoint: string;
    /** AWS environment for the CLI: moto's endpoint, dummy credentials, the region, and the rollout proxy for ECS. */
    readonly env: Record<string, string>;
    stop(): Promise<void>;
}

export const SERVERS_FILE = "servers.json";
/** Kept demos live in the temporary directory under this prefix (testkit/backend.ts `tempBackend`). */
export const DEMO_PREFIX = "papyrus-demo-";

function serversOf(record: Omit<DemoServersFile, "pid" | "motoPid">, stop: () => Promise<void>): DemoServers {
    return {
        motoEndpoint: record.motoEndpoint,
        motoPort: record.motoPort,
        ecsEndpoint: record.ecsEndpoint,
        env: { ...motoEnv(record.motoEndpoint), AWS_ENDPOINT_URL_ECS: record.ecsEndpoint },
        stop,
    };
}

/** moto and the rollout proxy in this process: they stop when it does. */
export async function startServersHere(): Promise<DemoServers> {
    const moto = await startMoto();
    const rollout = await startEcsRolloutProxy(moto.endpoint);
    return serversOf({ motoEndpoint: moto.endpoint, motoPort: moto.port, ecsEndpoint: rollout.endpoint }, async () => {
        await rollout.close();
        await moto.stop();
    });
}

/** moto and the rollout proxy in a detached process that outlives this one; `stop()` ends it. */
export async function startServersDetached(dir: string): Promise<DemoServers> {
    const logFile = path.join(dir, "servers.log");
    const log = fs.openSync(logFile, "a");
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, dir], {
        cwd: PROJECT_ROOT,
        detached: true,
        stdio: ["ignore", log, log],
    });
    fs.closeSync(log);
    child.unref();
    const file = path.join(dir, SERVERS_FILE);
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(file)) {
        if (child.exitCode !== null || Date.now() > deadline) {
            if (child.exitCode === null) process.kill(child.pid!, "SIGTERM");
            throw new Error(`the demo's moto and rollout proxy did not start (see ${logFile}): ${fs.readFileSync(logFile, "utf8").trim()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as DemoServersFile;
    return serversOf(record, () => stopServers(record));
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Whether `pid` is still this demo's servers process (not a reused pid): its command line names this file and the directory. */
function isServersProcess(pid: number, dir: string): boolean {
    try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return cmdline.some((a) => a.endsWith("demoServers.ts")) && cmdline.includes(dir);
    } catch {
        return false;
    }
}

function isMotoOf(record: DemoServersFile): boolean {
    try {
        const cmdline = fs.readFileSync(`/proc/${record.motoPid}/cmdline`, "utf8").split("\0");
        return cmdline.some((a) => a.endsWith("moto_server")) && cmdline.includes(String(record.motoPort));
    } catch {
        return false;
    }
}

/** Stops a detached servers process (SIGTERM: it closes the proxy and stops moto) and waits until both are gone. */
async function stopServers(record: DemoServersFile): Promise<void> {
    if (alive(record.pid)) process.kill(record.pid, "SIGTERM");
    const deadline = Date.now() + 15_000;
    while ((alive(record.pid) || alive(record.motoPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of [record.pid, -record.motoPid]) {
        try {
            process.kill(pid, "SIGKILL"); // still there after 15 s
        } catch {
            // gone, as it should be
        }
    }
}

/**
 * `npm run demo -- --stop [<dir>]`: stops the servers of each kept demo (the one in `dir`, else every
 * `papyrus-demo-*` in the temporary directory with a servers.json) and removes its directory. Says
 * what it did, one line each.
 */
export async function stopKeptDemos(dir: string | undefined, say: (line: string) => void): Promise<number> {
    const dirs =
        dir !== undefined
            ? [path.resolve(dir)]
            : fs
                  .readdirSync(os.tmpdir())
                  .filter((name) => name.startsWith(DEMO_PREFIX))
                  .map((name) => path.join(os.tmpdir(), name))
                  .filter((d) => fs.existsSync(path.join(d, SERVERS_FILE)));
    if (dirs.length === 0) {
        say(`no kept demo: no ${path.join(os.tmpdir(), `${DEMO_PREFIX}*`, SERVERS_FILE)}`);
        return 0;
    }
    for (const d of dirs) {
        const file = path.join(d, SERVERS_FILE);
        if (!fs.existsSync(file)) {
            say(`demo: ${d} is no kept demo (it has no ${SERVERS_FILE}); nothing was stopped or removed`);
            return 2;
        }
        const record = JSON.parse(fs.readFileSync(file, "utf8")) as DemoServersFile;
        const running = isServersProcess(record.pid, d);
        if (running) await stopServers(record);
        else if (isMotoOf(record)) process.kill(-record.motoPid, "SIGTERM"); // its parent was killed outright
        fs.rmSync(d, { recursive: true, force: true });
        say(`${running ? `stopped moto (port ${record.motoPort}) and the rollout proxy, and ` : "its servers had already stopped; "}removed ${d}`);
    }
    return 0;
}

async function serve(dir: string): Promise<void> {
    const moto = await startMoto();
    const rollout = await startEcsRolloutProxy(moto.endpoint);
    const file = path.join(dir, SERVERS_FILE);
    const stop = async () => {
        await rollout.close();
        await moto.stop();
        fs.rmSync(file, { force: true });
        process.exit(0);
    };
    process.once("SIGTERM", () => void stop());
    process.once("SIGINT", () => void stop());
    const record: DemoServersFile = { pid: process.pid, motoPid: moto.pid, motoPort: moto.port, motoEndpoint: moto.endpoint, ecsEndpoint: rollout.endpoint };
    // Written whole, then renamed: a reader never sees half a file.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2) + "\n");
    fs.renameSync(`${file}.tmp`, file);
}

if (require.main === module) {
    const dir = process.argv[2];
    if (dir === undefined || !fs.existsSync(dir)) {
        process.stderr.write(`demoServers: give the demo's directory (an existing one), got \`${dir ?? ""}\`\n`);
        process.exit(2);
    }
    serve(dir).catch((err: unknown) => {
        process.stderr.write(`demoServers: ${(err as Error).message}\n`);
        process.exit(1);
    });
}
