// `--wait` for promote: the durations it takes, and how waits are written in messages.
import * as assert from "assert";
import { formatDuration, MAX_REPLICA_WAIT_MS, parseDuration } from "../../automation/aws/replica";

describe("promote's --wait", () => {
    it("takes seconds, minutes and both, up to an hour", () => {
        const taken: [string, number][] = [
            ["0", 0],
            ["90", 90_000],
            ["90s", 90_000],
            ["10m", 600_000],
            ["1m30s", 90_000],
            ["60m", MAX_REPLICA_WAIT_MS],
            ["0m5s", 5_000],
            ["1m30", 90_000],
        ];
        for (const [text, ms] of taken) assert.strictEqual(parseDuration(text), ms, text);
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
