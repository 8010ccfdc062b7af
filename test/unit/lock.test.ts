// The driver's per-checkout lock, without the engine.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireLock, describeEngineLock, engineLocks, lockAge, lockPath, processStartOf, removeLock } from "../../automation/engine/lock";
import { StackBusyError, UnprovenLockError } from "../../automation/record/errors";

function hoursAgo(hours: number): string {
    return new Date(Date.now() - hours * 3_600_000).toISOString();
}

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

    it("never breaks a lock held from another host: reports it with the file, the holder, its age and the unlock command", () => {
        const file = writeLock({ pid: deadPid(), host: "ci-runner-7", requestedBy: "ci", startedAt: hoursAgo(3.2) });
        const before = fs.readFileSync(file, "utf8");
        assert.throws(
            () => acquireLock(dir, "organization/papyrus/dev", "erin", "dev"),
            (err: unknown) =>
                err instanceof UnprovenLockError &&
                err.exitCode === 4 &&
                err.message.startsWith(
                    `stack \`organization/papyrus/dev\` is locked by ci (pid ${JSON.parse(before).pid} on ci-runner-7, since ${JSON.parse(before).startedAt}): ` +
                        `driver lock \`${file}\`, 3h12m old, whose holder cannot be proven alive from here: it was taken on host \`ci-runner-7\` and this is \`${os.hostname()}\``,
                ) &&
                err.message.includes("nothing was changed. If no deploy of this stack runs there any more, clear it with `papyrus-deploy unlock --stack dev`"),
        );
        assert.strictEqual(fs.readFileSync(file, "utf8"), before, "the lock is left as it was");
    });

    it("records which process holds the lock (boot id and start time), and reports a pid reused by another process instead of trusting it", () => {
        const held = acquireLock(dir, "organization/papyrus/dev", "alice", "dev");
        const file = lockPath(dir, "organization/papyrus/dev");
        const recorded = JSON.parse(fs.readFileSync(file, "utf8"));
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const bootId = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
        assert.strictEqual(recorded.processStart, `${bootId}:${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}`);
        assert.strictEqual(processStartOf(process.pid), recorded.processStart);
        held.release();

        // This process is alive, but the lock says it was taken by a process that started at another time: the pid was reused.
        writeLock({ pid: process.pid, host: os.hostname(), requestedBy: "carol", startedAt: hoursAgo(26), processStart: `${bootId}:1` });
        assert.throws(
            () => acquireLock(dir, "organization/papyrus/dev", "dave", "dev"),
            (err: unknown) =>
                err instanceof UnprovenLockError &&
                err.message.includes(
                    `, 1d2h old, whose holder cannot be proven alive from here: pid ${process.pid} runs, but it is another process than the one that took the lock`,
                ) &&
                err.message.includes("the pid was reused") &&
                err.message.includes("`papyrus-deploy unlock --stack dev`"),
        );
    });

    it("names the file and the age of a live holder, however old its lock is: no lock is broken for its age alone", () => {
        const file = writeLock({
            pid: process.pid,
            host: os.hostname(),
            requestedBy: "alice",
            startedAt: hoursAgo(24 * 30),
            processStart: processStartOf(process.pid),
        });
        assert.throws(
            () => acquireLock(dir, "organization/papyrus/dev", "bob"),
            (err: unknown) =>
                err instanceof StackBusyError &&
                err.exitCode === 4 &&
                err.message.includes(`is being deployed by alice (pid ${process.pid} on ${os.hostname()}, since `) &&
                err.message.includes(`; driver lock \`${file}\`, 30d old; nothing was changed, try again when it finishes`),
        );
        assert.throws(() => removeLock(dir, "organization/papyrus/dev"), /a process of this host that runs; the lock was left in place/);
        assert.ok(fs.existsSync(file));
    });

    it("unlock: removes a lock from another host, a reused pid, a dead pid or junk, says what it removed, and refuses a live local holder", () => {
        const stack = "organization/papyrus/dev";
        const file = lockPath(dir, stack);
        assert.deepStrictEqual(removeLock(dir, stack), { stack, lockFile: file, removed: null }, "no lock: nothing to remove");

        const elsewhere = { pid: 4242, host: "ci-runner-7", requestedBy: "ci", startedAt: hoursAgo(2) };
        writeLock(elsewhere);
        const removed = removeLock(dir, stack);
        assert.deepStrictEqual(removed, {
            stack,
            lockFile: file,
            removed: elsewhere,
            reason: `it was taken on host \`ci-runner-7\` and this is \`${os.hostname()}\`: no process there can be checked from here (a container gets a new host name each run)`,
            age: "2h",
        });
        assert.ok(!fs.existsSync(file));

        writeLock({ pid: process.pid, host: os.hostname(), requestedBy: "carol", startedAt: hoursAgo(1), processStart: "other-boot:7" });
        assert.match(removeLock(dir, stack).reason!, new RegExp(`^pid ${process.pid} runs, but it is another process`));

        const dead = deadPid();
        writeLock({ pid: dead, host: os.hostname(), requestedBy: "dave", startedAt: hoursAgo(1) });
        assert.strictEqual(removeLock(dir, stack).reason, `pid ${dead} no longer runs on this host`);

        writeLock({ note: "not a lock" });
        const old = new Date(Date.now() - 60_000);
        fs.utimesSync(file, old, old);
        assert.deepStrictEqual(removeLock(dir, stack), {
            stack,
            lockFile: file,
            removed: null,
            reason: "the file held no lock (empty, or not a driver lock)",
            age: undefined,
        });

        fs.writeFileSync(file, ""); // a driver creating its lock right now
        assert.throws(() => removeLock(dir, stack), /being deployed by another driver that is taking the lock right now/);
        assert.ok(fs.existsSync(file));

        // A lock without a recorded start time (an older driver) held by a live pid of this host is live.
        writeLock({ pid: process.pid, host: os.hostname(), requestedBy: "erin", startedAt: hoursAgo(1) });
        assert.throws(
            () => removeLock(dir, stack),
            (err: unknown) => err instanceof StackBusyError && /kill -INT/.test(err.message),
        );
        assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["organization+papyrus+dev.json"], "no stale copy is left behind");
    });

    it("says a lock's age in at most two units", () => {
        const now = Date.parse("2026-11-23T12:00:00Z");
        const age = (startedAt: string) => lockAge({ pid: 1, host: "h", requestedBy: "x", startedAt }, "/nonexistent", now);
        assert.deepStrictEqual(
            [
                "2026-11-23T12:00:00Z",
                "2026-11-23T11:59:15Z",
                "2026-11-23T11:15:30Z",
                "2026-11-23T08:48:00Z",
                "2026-11-20T09:00:00Z",
                "2026-11-24T00:00:00Z",
            ].map(age),
            ["0s", "45s", "44m30s", "3h12m", "3d3h", "0s"],
        );
        assert.strictEqual(age("not a time"), "of unknown age");
    });

    function writeLock(content: object): string {
        const file = lockPath(dir, "organization/papyrus/dev");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(content));
        return file;
    }

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
