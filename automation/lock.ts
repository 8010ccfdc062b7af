// A per-checkout lock so two deploys from one working directory cannot race
// on `Pulumi.<stack>.yaml` (the backend's own lock only guards the state, and
// the loser would already have rewritten the config file). Deploys from
// different checkouts are kept apart by the backend's lock.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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

export function lockPath(workDir: string, stackName: string): string {
    return path.join(workDir, ".pulumi-state", "driver-locks", `${stackName}.json`);
}

export function describeHolder(holder: LockHolder): string {
    return `${holder.requestedBy} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`;
}

export function acquireLock(workDir: string, stackName: string, requestedBy: string): HeldLock {
    const file = lockPath(workDir, stackName);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const me: LockHolder = { pid: process.pid, host: os.hostname(), requestedBy, startedAt: new Date().toISOString() };
    let staleHolder: LockHolder | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
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
        if (holder && (holder.host !== me.host || processAlive(holder.pid))) {
            throw new StackBusyError(stackName, describeHolder(holder));
        }
        // The holder died without releasing (SIGKILL, machine reboot): take over.
        staleHolder = holder;
        fs.rmSync(file, { force: true });
    }
    throw new StackBusyError(stackName, "another driver that took the lock at the same moment");
}

function readHolder(file: string): LockHolder | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
    } catch {
        return undefined;
    }
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}
