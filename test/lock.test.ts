// The driver's per-checkout lock, without the engine.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireLock, engineLocks, lockPath } from "../automation/lock";
import { StackBusyError } from "../automation/errors";

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
    return spawnSync(process.execPath, ["-e", "0"]).pid!;
}

describe("driver lock", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-lock-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("treats a lock file being written right now as busy, and an old file that is no lock as stale", () => {
        const file = lockPath(dir, "organization/papyrus/dev");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, ""); // created with `wx`, holder not yet written
        assert.throws(() => acquireLock(dir, "organization/papyrus/dev", "bob"), /being deployed by another driver that is taking the lock right now/);
        // An evidence record (or anything else) left where the lock goes: no pid, old: taken over.
        fs.writeFileSync(file, JSON.stringify({ schema: "papyrus.deploy-evidence/v2" }));
        const old = new Date(Date.now() - 60_000);
        fs.utimesSync(file, old, old);
        const lock = acquireLock(dir, "organization/papyrus/dev", "carol");
        assert.strictEqual(JSON.parse(fs.readFileSync(file, "utf8")).requestedBy, "carol");
        lock.release();
    });

    it("refuses a second holder while the first is alive, naming it, and frees on release", () => {
        const first = acquireLock(dir, "dev", "alice");
        assert.throws(() => acquireLock(dir, "dev", "bob"), (err: unknown) =>
            err instanceof StackBusyError && err.exitCode === 4
            && new RegExp(`being deployed by alice \\(pid ${process.pid} on ${os.hostname()}`).test(err.message));
        first.release();
        const second = acquireLock(dir, "dev", "bob");
        assert.strictEqual(second.staleHolder, undefined);
        second.release();
        assert.ok(!fs.existsSync(lockPath(dir, "dev")));
    });

    it("takes over a lock whose process is gone and reports whose it was", () => {
        const file = lockPath(dir, "dev");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const dead = { pid: deadPid(), host: os.hostname(), requestedBy: "carol", startedAt: "2026-11-23T10:00:00.000Z" };
        fs.writeFileSync(file, JSON.stringify(dead));
        const lock = acquireLock(dir, "dev", "dave");
        assert.deepStrictEqual(lock.staleHolder, dead);
        assert.strictEqual(JSON.parse(fs.readFileSync(file, "utf8")).requestedBy, "dave");
        assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["dev.json"], "no stale copy is left behind");
        lock.release();
    });

    it("never breaks a lock held from another host", () => {
        const file = lockPath(dir, "dev");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), host: "ci-runner-7", requestedBy: "ci", startedAt: "x" }));
        assert.throws(() => acquireLock(dir, "dev", "erin"), /being deployed by ci \(pid \d+ on ci-runner-7/);
    });

    it("finds the engine's locks in a file:// backend and tells stale from live ones", () => {
        const locks = path.join(dir, ".pulumi", "locks", "organization", "papyrus", "dev");
        fs.mkdirSync(locks, { recursive: true });
        fs.writeFileSync(path.join(locks, "a.json"), JSON.stringify({ pid: deadPid(), username: "root", hostname: os.hostname() }));
        fs.writeFileSync(path.join(locks, "b.json"), JSON.stringify({ pid: process.pid, username: "root", hostname: os.hostname() }));
        fs.mkdirSync(path.join(dir, ".pulumi", "locks", "organization", "papyrus", "prod"), { recursive: true });
        const found = engineLocks(`file://${dir}`, "papyrus", "dev")!;
        assert.deepStrictEqual(found.map((l) => [path.basename(l.file), l.stale]).sort(), [["a.json", true], ["b.json", false]]);
        assert.deepStrictEqual(engineLocks(`file://${dir}`, "papyrus", "prod"), []);
        assert.strictEqual(engineLocks("s3://bucket/prefix", "papyrus", "dev"), undefined);
    });
});
