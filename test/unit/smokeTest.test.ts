// The smoke test at a PAUSE hook (automation/update/smokeTest.ts): a real `sh -c`, its exit code,
// its last lines, its environment, and a timeout that ends its whole process group.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { describeSmokeTest, runSmokeTest, SMOKE_TEST_TAIL_LINES } from "../../automation/update/smokeTest";

describe("the smoke test at a PAUSE hook", function () {
    this.timeout(20_000);

    it("passes on exit 0 and sees the test URL, the stack and the digest", async () => {
        const note = await runSmokeTest('echo "$PAPYRUS_TEST_URL $PAPYRUS_STACK $PAPYRUS_DIGEST"', "POST_TEST_TRAFFIC_SHIFT", {
            PAPYRUS_TEST_URL: "http://alb:8080",
            PAPYRUS_STACK: "prod",
            PAPYRUS_DIGEST: "sha256:ab",
        });
        assert.deepStrictEqual([note.passed, note.exitCode, note.timedOut, note.output], [true, 0, false, ["http://alb:8080 prod sha256:ab"]]);
        assert.match(describeSmokeTest(note), /^exit 0 after \d+\.\d s$/);
    });

    it("fails on any other exit code, keeping only the last lines of both streams", async () => {
        const note = await runSmokeTest("for i in $(seq 1 30); do echo out $i; done; echo boom >&2; exit 3", "S", {});
        assert.deepStrictEqual([note.passed, note.exitCode], [false, 3]);
        assert.strictEqual(note.output.length, SMOKE_TEST_TAIL_LINES);
        assert.strictEqual(note.output[note.output.length - 1], "boom");
        assert.strictEqual(note.output[0], "out 12");
    });

    it("counts a command that hangs past the timeout as failed, and leaves none of its processes", async () => {
        const marker = `papyrus-smoke-${process.pid}-${Date.now()}`;
        const note = await runSmokeTest(`sleep 30 # ${marker}\n`, "S", {}, { timeoutMs: 300 });
        assert.deepStrictEqual([note.passed, note.timedOut, note.exitCode], [false, true, null]);
        assert.match(describeSmokeTest(note), /^timed out after/);
        await new Promise((r) => setTimeout(r, 200));
        const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
            .split("\n")
            .filter((l) => l.includes(marker) && !l.includes("ps -eo"));
        assert.deepStrictEqual(left, []);
    });

    it("passes on the shell's exit 0 at once although a background child holds its output, and ends that child", async () => {
        const marker = `papyrus-smoke-bg-${process.pid}-${Date.now()}`;
        const note = await runSmokeTest(`sh -c 'sleep 30 # ${marker}' & echo forked; exit 0`, "S", {}, { timeoutMs: 10_000 });
        assert.deepStrictEqual([note.passed, note.exitCode, note.timedOut, note.output], [true, 0, false, ["forked"]]);
        assert.ok(note.durationMs < 5_000, `${note.durationMs} ms: it waited for the child's pipes`);
        await new Promise((r) => setTimeout(r, 200));
        const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
            .split("\n")
            .filter((l) => l.includes(marker) && !l.includes("ps -eo"));
        assert.deepStrictEqual(left, []);
    });

    it("says the timeout it was given, not the time its ending took", async () => {
        const note = await runSmokeTest("trap '' TERM; sleep 30", "S", {}, { timeoutMs: 300 });
        assert.strictEqual(describeSmokeTest(note), "timed out after 0.3 s");
    });

    it("is ended by the driver's interrupt", async () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 200);
        const note = await runSmokeTest("sleep 30", "S", {}, { signal: controller.signal });
        assert.deepStrictEqual([note.passed, note.timedOut, note.signal], [false, false, "SIGTERM"]);
    });

    it("a command that cannot start fails with the reason in its output", async () => {
        const note = await runSmokeTest("./no-such-smoke-test.sh", "S", {});
        assert.strictEqual(note.passed, false);
        assert.strictEqual(note.exitCode, 127);
    });
});
