// A per-checkout lock around a driver command's whole session on one stack: read the state,
// recover, `up`, follow the ECS deployment, write the release verdict, move the protective tags.
// The backend's own lock is held only while the engine runs (`up`, `refresh`, `cancel`), so
// without this one a second deploy from the same checkout could start its `up` while the first
// still follows its ECS deployment (which would then end as superseded), or write its verdict
// (`pulumi stack tag set`: the engine does not lock a stack's tags) and move the stack's
// `deployed-<stack>-slot<n>` tags in ECR at the same time as the first. No file of the checkout
// needs guarding: each update gets its config as a temporary copy (updateConfig.ts), and
// `Pulumi.<stack>.yaml` is never written. Deploys from different checkouts are kept apart only by
// the backend's lock during `up`; one that replaces another's ECS deployment is reported as
// superseded (exit 6).
//
// A lock is never broken by age alone. Its holder is judged by what can be proven from this
// host: a process of this host that no longer runs left it (taken over automatically); a process
// of this host that runs and started when the lock recorded holds it (live: exit 4); anything
// else cannot be proven alive from here (another host name, as a container gets on each run, or
// a pid that now belongs to a process started at another time) and is reported with the file,
// the holder, its age and `papyrus-deploy unlock --stack <env>`, which removes it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileBackendRoot } from "./checkpointFile";
import { StackBusyError, UnprovenLockError } from "../record/errors";

export interface LockHolder {
    readonly pid: number;
    readonly host: string;
    readonly requestedBy: string;
    readonly startedAt: string;
    /**
     * Which process holds it, beyond its pid (a pid is reused): the kernel's boot id and the
     * process's start time in clock ticks since that boot (`/proc/<pid>/stat` field 22), e.g.
     * `1307d723-…:29736`. The pair names one process of one host for ever: the start time alone
     * repeats after a reboot, and a wall-clock start (boot time plus ticks) moves with clock changes.
     * Unset where there is no /proc (macOS), and in locks written before it was recorded.
     */
    readonly processStart?: string;
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

/** What can be proven about a lock's holder from this host. */
export type HolderState =
    | { readonly state: "live" }
    /** A process of this host that no longer runs (or a zombie): its lock is taken over. */
    | { readonly state: "dead" }
    /** Why it cannot be proven alive or dead from here: reported, removed only by `unlock`. */
    | { readonly state: "unproven"; readonly reason: string };

// Stryker disable all: file and process handling, left out of `npm run mutate` (docs/TESTING.md).
// Its mutants are about races between two drivers (the rename, the re-read, the retry bound) and
// about process liveness (signal 0, /proc zombies, EPERM, start times), which a unit test cannot
// stage deterministically; unit/lock.test.ts and the driver, record and state-lock integration tests
// prove this part with real files and processes.
export function judgeHolder(holder: LockHolder, host: string = os.hostname()): HolderState {
    if (holder.host !== host) {
        return {
            state: "unproven",
            reason: `it was taken on host \`${holder.host}\` and this is \`${host}\`: no process there can be checked from here (a container gets a new host name each run)`,
        };
    }
    if (!processAlive(holder.pid)) return { state: "dead" };
    const now = processStartOf(holder.pid);
    if (holder.processStart !== undefined && now !== undefined && now !== holder.processStart) {
        return {
            state: "unproven",
            reason: `pid ${holder.pid} runs, but it is another process than the one that took the lock (started ${now}, the lock recorded ${holder.processStart}): the pid was reused`,
        };
    }
    return { state: "live" };
}

export function acquireLock(workDir: string, stackName: string, requestedBy: string, displayName: string = stackName): HeldLock {
    const file = lockPath(workDir, stackName);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const me: LockHolder = {
        pid: process.pid,
        host: os.hostname(),
        requestedBy,
        startedAt: new Date().toISOString(),
        processStart: processStartOf(process.pid),
    };
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
        const judged = holder && judgeHolder(holder, me.host);
        if (holder && judged?.state === "live") throw new StackBusyError(stackName, liveHolder(holder, file));
        if (holder && judged?.state === "unproven") {
            throw new UnprovenLockError(stackName, describeHolder(holder), file, lockAge(holder, file), judged.reason, unlockCommand(displayName));
        }
        // The holder died without releasing (SIGKILL, machine reboot): take over.
        const moved = removeIfStill(file, holder);
        if (moved === "gone") continue; // someone else moved it first: try to take the lock again
        if (moved !== "removed") throw new StackBusyError(stackName, liveHolder(moved, file));
        staleHolder = holder;
    }
    throw new StackBusyError(stackName, "another driver that took the lock at the same moment");
}

/** What `papyrus-deploy unlock` did. */
export interface UnlockResult {
    readonly stack: string;
    readonly lockFile: string;
    /** The holder the removed lock named; null when there was no lock, or the file held none. */
    readonly removed: LockHolder | null;
    /** Why it could be removed: the holder is dead, or cannot be proven alive (and the operator says it is not). */
    readonly reason?: string;
    /** How old the removed lock was. */
    readonly age?: string;
}

/**
 * Removes the stack's driver lock unless a live process of this host holds it (then exit 4,
 * naming it). A lock from another host, or from a pid now reused, is removed: whoever runs
 * `unlock` says no deploy runs there. Nothing is ever removed for its age alone.
 */
export function removeLock(workDir: string, stackName: string): UnlockResult {
    const file = lockPath(workDir, stackName);
    for (let attempt = 0; attempt < 3; attempt++) {
        if (!fs.existsSync(file)) return { stack: stackName, lockFile: file, removed: null };
        const holder = readHolder(file);
        if (holder === undefined && recentlyWritten(file)) {
            throw new StackBusyError(stackName, "another driver that is taking the lock right now");
        }
        const judged = holder && judgeHolder(holder);
        if (holder && judged?.state === "live") {
            throw new StackBusyError(
                stackName,
                `${liveHolder(holder, file)}, a process of this host that runs; the lock was left in place: wait for it, or stop it (\`kill -INT ${holder.pid}\` cancels at a safe point)`,
            );
        }
        const moved = removeIfStill(file, holder);
        if (moved === "gone") continue;
        if (moved !== "removed") throw new StackBusyError(stackName, liveHolder(moved, file));
        const reason =
            holder === undefined
                ? "the file held no lock (empty, or not a driver lock)"
                : judged?.state === "unproven"
                  ? judged.reason
                  : `pid ${holder.pid} no longer runs on this host`;
        return { stack: stackName, lockFile: file, removed: holder ?? null, reason, age: holder && lockAge(holder, file) };
    }
    throw new StackBusyError(stackName, "another driver that took the lock at the same moment");
}

/** The command that clears a lock that cannot be proven alive. */
export function unlockCommand(stack: string): string {
    return `papyrus-deploy unlock --stack ${stack}`;
}

function liveHolder(holder: LockHolder, file: string): string {
    return `${describeHolder(holder)}; driver lock \`${file}\`, ${lockAge(holder, file)} old`;
}

/** How long ago the lock was taken: its recorded time, else the file's. Only ever reported, never acted on. */
export function lockAge(holder: LockHolder, file: string, now: number = Date.now()): string {
    let since = Date.parse(holder.startedAt);
    if (Number.isNaN(since)) {
        try {
            since = fs.statSync(file).mtimeMs;
        } catch {
            return "of unknown age";
        }
    }
    const seconds = Math.max(0, Math.round((now - since) / 1000));
    const units: [number, string][] = [
        [86_400, "d"],
        [3_600, "h"],
        [60, "m"],
        [1, "s"],
    ];
    const parts: string[] = [];
    let rest = seconds;
    for (const [size, unit] of units) {
        if (rest >= size || (size === 1 && parts.length === 0)) {
            parts.push(`${Math.floor(rest / size)}${unit}`);
            rest %= size;
        }
        if (parts.length === 2) break;
    }
    return parts.join("");
}

/**
 * Removes `file` only if it still names `holder` (undefined: a file that holds no lock). Two
 * drivers may judge the same lock at once; moving the file aside is atomic, and only the one that
 * moved the judged lock (not a fresh one taken meanwhile) removes it. "gone": someone moved it
 * first; a holder: the lock now held, put back.
 */
function removeIfStill(file: string, holder: LockHolder | undefined): "removed" | "gone" | LockHolder {
    const aside = `${file}.stale-${process.pid}-${Date.now()}`;
    try {
        fs.renameSync(file, aside);
    } catch {
        return "gone";
    }
    const moved = readHolder(aside);
    if (holder && moved && (moved.pid !== holder.pid || moved.startedAt !== holder.startedAt)) {
        // We moved a live driver's fresh lock: put it back and report it.
        try {
            fs.linkSync(aside, file);
        } finally {
            fs.rmSync(aside, { force: true });
        }
        return moved;
    }
    fs.rmSync(aside, { force: true });
    return "removed";
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

/**
 * `<boot id>:<start time in clock ticks since boot>` of `pid` (see `LockHolder.processStart`);
 * undefined without /proc. The command name in `/proc/<pid>/stat` may hold spaces and `)`, so
 * fields are counted from the last `)`: field 3 (state) is the first after it, field 22 the 20th.
 */
export function processStartOf(pid: number): string | undefined {
    try {
        const bootId = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
        return bootId && /^\d+$/.test(ticks ?? "") ? `${bootId}:${ticks}` : undefined;
    } catch {
        return undefined;
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
