// scripts/setup.sh, read as text (running it takes minutes): what a new user is told to run next.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const SETUP = path.resolve(__dirname, "..", "..", "scripts", "setup.sh");

describe("scripts/setup.sh", () => {
    it("ends by pointing at the demo, not at the 13-minute test suite", () => {
        const lines = fs.readFileSync(SETUP, "utf8").trimEnd().split("\n");
        assert.strictEqual(
            lines[lines.length - 1],
            'echo "next: npm run demo   (about a minute: deploy, roll back, history, verify, status against a local AWS emulator; README)"',
        );
        assert.ok(!lines.some((l) => /^echo .*npm test/.test(l)), "no closing line sends a new user to `npm test`");
    });
});
