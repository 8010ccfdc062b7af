// automation/record/updateKinds.ts: the one list of update kinds, and the former name `infra` read as `up`.
import * as assert from "assert";
import { RECORDED_KIND_NAMES, UPDATE_KINDS, updateKindOf } from "../../automation/record/updateKinds";

describe("update kinds", () => {
    it("are deploy, rollback, up, promote and reconcile, each read as itself", () => {
        assert.deepStrictEqual([...UPDATE_KINDS], ["deploy", "rollback", "up", "promote", "reconcile"]);
        assert.deepStrictEqual(
            UPDATE_KINDS.map((kind) => updateKindOf(kind)),
            [...UPDATE_KINDS],
        );
    });

    it("reads `infra`, what earlier drivers recorded for `up`, as `up`", () => {
        assert.strictEqual(updateKindOf("infra"), "up");
        assert.deepStrictEqual(RECORDED_KIND_NAMES, ["deploy", "rollback", "up", "promote", "reconcile", "infra"]);
    });

    it("reads anything else as no kind: unset, empty, another word, a different case, a property of every object", () => {
        for (const text of [undefined, "", "manual", "Deploy", "toString", "constructor", "__proto__"]) {
            assert.strictEqual(updateKindOf(text), undefined, String(text));
        }
    });
});
