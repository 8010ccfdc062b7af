// "Did you mean": the one near-miss rule for config keys and the CLI's commands and flags.
import * as assert from "assert";
import { nearMiss } from "../../components/nearMiss";

describe("nearMiss", () => {
    const table: [string, string | undefined][] = [
        ["environment", "environments"],
        ["Environments", "environments"],
        ["envs", undefined],
        ["branch", "branches"],
        ["tag", "tags"],
        ["workflow", "workflows"],
        ["xyz", undefined],
        // kills: the prefix rule's length floor dropped (`e`) or raised past 3 (`env`), `startsWith` read as `endsWith`
        ["e", undefined],
        ["env", "environments"],
        ["tagsList", "tags"],
        // Edits: two away is a near miss, three is not (each kind of edit, and the edit distance's own arithmetic).
        ["enviroment", "environments"],
        ["brnches", "branches"],
        ["workflws", "workflows"],
        ["brancehs", "branches"],
        ["workfluwz", "workflows"],
        ["wurkfluwz", undefined],
        ["tgas", "tags"],
        ["stag", "tags"],
    ];
    for (const [key, meant] of table) {
        it(`${key} → ${meant ?? "nothing"}`, () => {
            assert.strictEqual(nearMiss(key, ["branches", "tags", "environments", "workflows"]), meant);
        });
    }

    it("never changes as many letters as the shorter name has: `--tag` is not `--to`, `u` is not `up`", () => {
        // kills: the length guard dropped (two edits turn any two-letter name into any other) or made `<=`
        assert.strictEqual(nearMiss("tag", ["to", "tags"]), "tags");
        assert.strictEqual(nearMiss("tag", ["to"]), undefined);
        assert.strictEqual(nearMiss("u", ["up"]), undefined);
        assert.strictEqual(nearMiss("ip", ["up"]), "up");
        assert.strictEqual(nearMiss("ta", ["tags"]), undefined);
    });

    it("prefers the nearest key, and the first of equally near ones", () => {
        // kills: a later candidate replacing a nearer one, or never replacing a farther one, or replacing an equal one
        assert.strictEqual(nearMiss("TAGS", ["tags", "tag"]), "tags");
        assert.strictEqual(nearMiss("TAG", ["tags", "tag"]), "tag");
        assert.strictEqual(nearMiss("tagz", ["tags", "tag"]), "tags");
    });
});
