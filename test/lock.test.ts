// The driver's per-checkout lock, without the engine.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireLock, describeEngineLock, engineLocks, lockPath } from "../automation/lock";
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
        assert.throws(
            () => acquireLock(dir, "dev", "bob"),
            (err: unknown) =>
                err instanceof StackBusyError &&
                err.exitCode === 4 &&
                new RegExp(`being deployed by alice \\(pid ${process.pid} on ${os.hostname()}`).test(err.message),
        );
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
        assert.deepStrictEqual(found.map((l) => [path.basename(l.file), l.stale]).sort(), [
            ["a.json", true],
            ["b.json", false],
        ]);
        assert.deepStrictEqual(engineLocks(`file://${dir}`, "papyrus", "prod"), []);
        assert.strictEqual(engineLocks("s3://bucket/prefix", "papyrus", "dev"), undefined);
    });

    it("names the lock file by the qualified stack name under .pulumi-state/driver-locks", () => {
        // kills: the `/` → `+` replacement or the `.json` suffix emptied
        assert.strictEqual(lockPath("/work/app", "organization/papyrus/dev"), "/work/app/.pulumi-state/driver-locks/organization+papyrus+dev.json");
    });

    it("takes only the stack's lock files from a backend that also holds its state and history", () => {
        // The file backend keeps `<stack>.json` files under `.pulumi/stacks/<project>/` and `.pulumi/history/<project>/<stack>/`
        // too; another project may have a stack of the same name; the engine writes a lock only as `<id>.json`.
        // kills: the walk starting at the backend root or `.pulumi` instead of `.pulumi/locks`, any file taken as a
        // lock, and the project not compared
        const pulumi = path.join(dir, ".pulumi");
        const write = (relative: string, content: unknown) => {
            fs.mkdirSync(path.dirname(path.join(pulumi, relative)), { recursive: true });
            fs.writeFileSync(path.join(pulumi, relative), JSON.stringify(content));
        };
        write("stacks/papyrus/dev.json", { version: 3 });
        write("history/papyrus/dev/dev-1763892000000000000.history.json", { kind: "update" });
        write("locks/organization/papyrus/dev/lock-id.json", { pid: process.pid, username: "root", hostname: os.hostname() });
        write("locks/organization/papyrus/dev/lock-id.json.tmp", { pid: process.pid, hostname: os.hostname() });
        write("locks/organization/other-project/dev/other-id.json", { pid: process.pid, hostname: os.hostname() });
        const found = engineLocks(`file://${dir}`, "papyrus", "dev")!;
        assert.deepStrictEqual(
            found.map((l) => path.relative(pulumi, l.file)),
            ["locks/organization/papyrus/dev/lock-id.json"],
        );
    });

    it("reads a lock it cannot parse as held by an unknown process, and never as stale", () => {
        // kills: the `-1` and `unknown` defaults changed
        const locks = path.join(dir, ".pulumi", "locks", "organization", "papyrus", "dev");
        fs.mkdirSync(locks, { recursive: true });
        fs.writeFileSync(path.join(locks, "half-written.json"), '{"pid":');
        assert.deepStrictEqual(engineLocks(`file://${dir}`, "papyrus", "dev"), [
            { file: path.join(locks, "half-written.json"), pid: -1, hostname: "unknown", username: undefined, timestamp: undefined, stale: false },
        ]);
    });

    it("never calls a lock taken on another host stale, even when its pid is not running here", () => {
        // kills: the host comparison dropped from the stale rule
        const locks = path.join(dir, ".pulumi", "locks", "organization", "papyrus", "dev");
        fs.mkdirSync(locks, { recursive: true });
        const pid = deadPid();
        fs.writeFileSync(path.join(locks, "ci.json"), JSON.stringify({ pid, username: "runner", hostname: "ci-runner-7", timestamp: "2026-11-23T10:00:00Z" }));
        assert.deepStrictEqual(engineLocks(`file://${dir}`, "papyrus", "dev"), [
            { file: path.join(locks, "ci.json"), pid, hostname: "ci-runner-7", username: "runner", timestamp: "2026-11-23T10:00:00Z", stale: false },
        ]);
    });

    it("reads `file://~/…` from the home directory, and a `~` inside a path as a plain character", () => {
        // kills: the `^` or the lookahead of the `~` rule dropped
        const home = process.env.HOME;
        process.env.HOME = dir;
        try {
            for (const state of ["state", "a~/state"]) {
                const locks = path.join(dir, state, ".pulumi", "locks", "organization", "papyrus", "dev");
                fs.mkdirSync(locks, { recursive: true });
                fs.writeFileSync(path.join(locks, "id.json"), JSON.stringify({ pid: process.pid, hostname: os.hostname() }));
            }
            assert.deepStrictEqual(
                engineLocks("file://~/state", "papyrus", "dev")!.map((l) => l.file),
                [path.join(dir, "state", ".pulumi", "locks", "organization", "papyrus", "dev", "id.json")],
            );
            assert.deepStrictEqual(
                engineLocks(`file://${dir}/a~/state`, "papyrus", "dev")!.map((l) => l.file),
                [path.join(dir, "a~", "state", ".pulumi", "locks", "organization", "papyrus", "dev", "id.json")],
            );
        } finally {
            process.env.HOME = home;
        }
    });

    it("describes an engine lock by who, where, which pid and since when, as far as the lock says", () => {
        // kills: the `?` placeholder or the optional `since` part changed
        assert.strictEqual(
            describeEngineLock({ file: "x.json", pid: 4242, hostname: "build-3", username: "ci", timestamp: "2026-11-23T10:00:00Z" }),
            "ci@build-3 (pid 4242, since 2026-11-23T10:00:00Z)",
        );
        assert.strictEqual(describeEngineLock({ file: "x.json", pid: -1, hostname: "unknown" }), "?@unknown (pid -1)");
    });
});
