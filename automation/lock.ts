// A per-checkout lock so two deploys from one working directory cannot race
// on `Pulumi.<stack>.yaml` (the backend's own lock only guards the state, and
// the loser would already have rewritten the config file). Deploys from
// different checkouts are kept apart by the backend's lock.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileBackendRoot } from "./checkpointFile";
import { StackBusyError } from "./errors";

export interface LockHolder {
    readonly pid: number;
    readonly host: string;
    readonly requestedBy: string;
    readonly startedAt: string;
}

export interface HeldLock {
    /** Set when a lock left by a dead driver process was removed to take this one. */
    readonly staleHolder?: LockHolder;
    release(): void;
}

/**
 * One file per stack, named by the stack's canonical identity (`organization/papyrus/dev` →
 * `organization+papyrus+dev.json`), so every spelling of one stack takes the same lock.
 */
export function lockPath(workDir: string, qualifiedStackName: string): string {
    return path.join(workDir, ".pulumi-state", "driver-locks", `${qualifiedStackName.replace(/\//g, "+")}.json`);
}

export function describeHolder(holder: LockHolder): string {
    return `${holder.requestedBy} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`;
}

// Stryker disable all: file and process handling, left out of `npm run mutate` (docs/TESTING.md).
// Its mutants are about races between two drivers (the rename, the re-read, the retry bound) and
// about process liveness (signal 0, /proc zombies, EPERM), which a unit test cannot stage
// deterministically; lock.test.ts and the driver and record integration tests prove this part
// with real files and processes.
export function acquireLock(workDir: string, stackName: string, requestedBy: string): HeldLock {
    const file = lockPath(workDir, stackName);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const me: LockHolder = { pid: process.pid, host: os.hostname(), requestedBy, startedAt: new Date().toISOString() };
    let staleHolder: LockHolder | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            fs.writeFileSync(file, JSON.stringify(me), { flag: "wx" });
            return {
                staleHolder,
                release() {
                    try {
                        const current = JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
                        if (current.pid === me.pid && current.startedAt === me.startedAt) fs.unlinkSync(file);
                    } catch {
                        // already gone
                    }
                },
            };
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        const holder = readHolder(file);
        if (holder === undefined && recentlyWritten(file)) {
            // Another driver has just created the file and not yet written its holder: busy.
            throw new StackBusyError(stackName, "another driver that is taking the lock right now");
        }
        if (holder && (holder.host !== me.host || processAlive(holder.pid))) {
            throw new StackBusyError(stackName, describeHolder(holder));
        }
        // The holder died without releasing (SIGKILL, machine reboot): take over. Two drivers
        // may find the same dead holder at once; moving the file aside is atomic, and only the
        // one that moved the dead holder's lock (not a fresh one taken meanwhile) goes on.
        const aside = `${file}.stale-${process.pid}-${Date.now()}`;
        try {
            fs.renameSync(file, aside);
        } catch {
            continue; // someone else moved it first: try to take the lock again
        }
        const moved = readHolder(aside);
        if (holder && moved && (moved.pid !== holder.pid || moved.startedAt !== holder.startedAt)) {
            // We moved a live driver's fresh lock: put it back and report it.
            try {
                fs.linkSync(aside, file);
            } finally {
                fs.rmSync(aside, { force: true });
            }
            throw new StackBusyError(stackName, describeHolder(moved));
        }
        fs.rmSync(aside, { force: true });
        staleHolder = holder;
    }
    throw new StackBusyError(stackName, "another driver that took the lock at the same moment");
}

/** The lock's holder; undefined for a file that is empty, half-written or not a lock (no numeric pid). */
function readHolder(file: string): LockHolder | undefined {
    try {
        const holder = JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
        return Number.isInteger(holder?.pid) && holder.pid > 0 && typeof holder.host === "string" ? holder : undefined;
    } catch {
        return undefined;
    }
}

function recentlyWritten(file: string): boolean {
    try {
        return Date.now() - fs.statSync(file).mtimeMs < 5_000;
    } catch {
        return false;
    }
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
    // A killed process whose parent died too stays a zombie until something reaps it (in a
    // container, often nothing does): it answers signal 0 but runs nothing.
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
        return true; // no /proc (macOS): trust signal 0
    }
}

// Stryker restore all

/** A lock the engine itself keeps in a file:// backend: `.pulumi/locks/<org>/<project>/<stack>/<id>.json`. */
export interface EngineLock {
    readonly file: string;
    readonly pid: number;
    readonly hostname: string;
    readonly username?: string;
    readonly timestamp?: string;
}

/**
 * The engine's locks on `project/stack` in a `file://` backend, each with whether its process is
 * provably gone (same host, pid not running). Undefined for other backends (S3, Pulumi Cloud, a
 * `file://` URL with options or a relative path, see `fileBackendRoot`):
 * there no lock can be proven stale from here, so none is ever broken automatically.
 */
export function engineLocks(backendUrl: string, project: string, stackName: string): (EngineLock & { stale: boolean })[] | undefined {
    const backendRoot = fileBackendRoot(backendUrl);
    if (backendRoot === undefined) return undefined;
    const root = path.join(backendRoot, ".pulumi", "locks");
    const found: (EngineLock & { stale: boolean })[] = [];
    const walk = (dir: string) => {
        for (const entry of safeReaddir(dir)) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".json") && path.basename(dir) === stackName && path.basename(path.dirname(dir)) === project) {
                const lock = readJson<{ pid?: number; hostname?: string; username?: string; timestamp?: string }>(full);
                const pid = lock?.pid ?? -1;
                const hostname = lock?.hostname ?? "unknown";
                found.push({
                    file: full,
                    pid,
                    hostname,
                    username: lock?.username,
                    timestamp: lock?.timestamp,
                    stale: hostname === os.hostname() && pid > 0 && !processAlive(pid),
                });
            }
        }
    };
    walk(root);
    return found;
}

export function describeEngineLock(lock: EngineLock): string {
    return `${lock.username ?? "?"}@${lock.hostname} (pid ${lock.pid}${lock.timestamp ? `, since ${lock.timestamp}` : ""})`;
}

function safeReaddir(dir: string): fs.Dirent[] {
    try {
        return fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
}

function readJson<T>(file: string): T | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as T;
    } catch {
        return undefined;
    }
}
