// automation/aws/wait.ts: the durations `--wait`, `--wait-timeout` and `papyrus:scanWait` take, how
// waits are written in messages, and the one sleep every poll waits with.
import * as assert from "assert";
import { formatDuration, MAX_DURATION_MS as MAX_WAIT_MS, parseDuration } from "../../components/duration";
import { sleep } from "../../automation/aws/wait";

describe("durations", () => {
    it("takes seconds, minutes and both, up to an hour", () => {
        const taken: [string, number][] = [
            ["0", 0],
            ["90", 90_000],
            ["90s", 90_000],
            ["10m", 600_000],
            ["1m30s", 90_000],
            ["60m", MAX_WAIT_MS],
            ["0m5s", 5_000],
            ["1m30", 90_000],
        ];
        for (const [text, ms] of taken) assert.strictEqual(parseDuration(text), ms, text);
        assert.strictEqual(MAX_WAIT_MS, 60 * 60_000);
    });

    it("refuses anything else, and more than an hour", () => {
        for (const text of ["", "m", "s", "2h", "61m", "10 m", "-1s", "1.5m", "3601s", "1e3", " 10m"]) {
            assert.strictEqual(parseDuration(text), undefined, JSON.stringify(text));
        }
    });

    it("writes durations as --wait takes them", () => {
        assert.deepStrictEqual([0, 4_000, 59_600, 600_000, 90_000].map(formatDuration), ["0s", "4s", "1m0s", "10m0s", "1m30s"]);
    });
});

describe("sleep", () => {
    it("waits the time given and says it was not cut short", async () => {
        const started = Date.now();
        assert.strictEqual(await sleep(50), false);
        assert.ok(Date.now() - started >= 45, `woke after ${Date.now() - started} ms`);
    });

    it("ends at once when the signal aborts, and says so", async () => {
        const controller = new AbortController();
        const started = Date.now();
        const slept = sleep(60_000, controller.signal);
        setTimeout(() => controller.abort(), 20);
        assert.strictEqual(await slept, true);
        assert.ok(Date.now() - started < 5_000, `woke after ${Date.now() - started} ms`);
    });

    it("does not start when the signal has already aborted", async () => {
        const controller = new AbortController();
        controller.abort();
        const started = Date.now();
        assert.strictEqual(await sleep(60_000, controller.signal), true);
        assert.ok(Date.now() - started < 1_000);
    });

    it("lets go of the signal once it has slept", async () => {
        const controller = new AbortController();
        let listeners = 0;
        const signal = controller.signal;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
        signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
        assert.strictEqual(await sleep(10, signal), false);
        assert.strictEqual(listeners, 0, "the abort listener is removed after the sleep");
    });
});
