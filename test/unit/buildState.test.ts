// When the repository's launcher (automation/bin/papyrus-deploy.js) may run dist/ instead of the
// TypeScript: only while no file the build reads is newer than the build's start.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildState, CONFIG_FILES, SOURCE_DIRS } from "../../scripts/buildState";

describe("scripts/buildState.js: is dist/ current?", () => {
    let root: string;
    const at = (file: string, seconds: number) => {
        const full = path.join(root, file);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        if (!fs.existsSync(full)) fs.writeFileSync(full, "");
        fs.utimesSync(full, seconds, seconds);
    };

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-build-state-"));
        for (const dir of SOURCE_DIRS) at(path.join(dir, "a.ts"), 1_000);
        for (const file of CONFIG_FILES) at(file, 1_000);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("is missing before the first build", () => {
        assert.strictEqual(buildState(root), "missing");
    });

    it("is current when the build started after every source and config file changed", () => {
        at("dist/.build-started", 2_000);
        assert.strictEqual(buildState(root), "current");
    });

    it("is stale once a source file deep under components/, automation/ or policy/ is newer", () => {
        at("dist/.build-started", 2_000);
        at("automation/cli/deep/main.ts", 2_001);
        assert.strictEqual(buildState(root), "stale");
    });

    it("is stale once tsconfig.build.json or package.json is newer, and ignores files the build does not read", () => {
        at("dist/.build-started", 2_000);
        at("components/README.md", 3_000);
        assert.strictEqual(buildState(root), "current");
        at("tsconfig.build.json", 2_001);
        assert.strictEqual(buildState(root), "stale");
    });
});
