// The engine suites' fixture project (testkit/fixture.ts): its program compiled once to JavaScript
// that runs without ts-node, and each copy pointing the language host at that build. No engine here:
// the engine suites prove the build runs; this proves it is complete, reused, and what each copy says.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../automation/engine/tools";
import { compiledFixture, compiledProjectFile, FIXTURE_DIR, fixtureProject } from "../../testkit/fixture";

/** Every relative `require` in the built files, with whether it resolves to a built file. */
function relativeRequires(dir: string): { from: string; request: string; resolves: boolean }[] {
    const found: { from: string; request: string; resolves: boolean }[] = [];
    const walk = (at: string) => {
        for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
            const file = path.join(at, entry.name);
            if (entry.isDirectory()) walk(file);
            else if (file.endsWith(".js")) {
                for (const [, request] of fs.readFileSync(file, "utf8").matchAll(/require\("(\.[^"]*)"\)/g)) {
                    const base = path.resolve(path.dirname(file), request);
                    found.push({
                        from: path.relative(dir, file),
                        request,
                        resolves: fs.existsSync(`${base}.js`) || fs.existsSync(path.join(base, "index.js")),
                    });
                }
            }
        }
    };
    walk(dir);
    return found;
}

describe("the fixture project, compiled once (testkit/fixture.ts)", () => {
    let cacheDir: string;
    before(() => {
        cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-fixture-cache-"));
    });
    after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

    it("builds index.ts and every project file it reaches, and every relative require of the build resolves inside it", () => {
        // kills: an import scanner that misses a file (the engine would fail with "Cannot find module")
        const build = compiledFixture(cacheDir);
        for (const source of [
            "testkit/fixtures/digest-app/index.ts",
            "testkit/fixtures/digest-app/standIn.ts",
            "components/imageReference.ts",
            "components/runningImage.ts",
            "components/stackConfig.ts",
        ]) {
            assert.ok(build.sources.includes(source), `${source} in ${build.sources.join(", ")}`);
        }
        for (const source of build.sources) assert.ok(fs.existsSync(path.join(build.dir, source.replace(/\.ts$/, ".js"))), `${source} built`);
        assert.strictEqual(build.entryPoint, path.join(build.dir, "testkit", "fixtures", "digest-app", "index.js"));
        const requires = relativeRequires(build.dir);
        assert.ok(
            requires.some((r) => r.request === "./standIn"),
            JSON.stringify(requires),
        );
        assert.deepStrictEqual(
            requires.filter((r) => !r.resolves),
            [],
        );
    });

    it("reuses the build for the same sources, and builds it again when it is gone", () => {
        // kills: a build per call (the cost this removes) and a remembered build that `npm ci` deleted
        const first = compiledFixture(cacheDir);
        const again = compiledFixture(cacheDir);
        assert.deepStrictEqual([again.dir, again.built], [first.dir, false]);
        assert.deepStrictEqual(fs.readdirSync(cacheDir), [path.basename(first.dir)], "no staging directory left");
        fs.rmSync(first.dir, { recursive: true });
        const rebuilt = compiledFixture(cacheDir);
        assert.deepStrictEqual([rebuilt.dir, rebuilt.built, fs.existsSync(rebuilt.entryPoint)], [first.dir, true, true]);
    });

    it("each copy runs the build with plain Node: Pulumi.yaml names index.js with typescript off, index.js links to the build", () => {
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-fixture-copy-"));
        try {
            const dir = fixtureProject(parent);
            assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["Pulumi.yaml", "index.js", "package.json"]);
            const project = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
            assert.match(project, /^main: index\.js$/m);
            assert.match(project, /^ {4}typescript: false$/m);
            assert.match(project, /^name: papyrus$/m, "the real project's name, so `papyrus:*` keys match");
            assert.strictEqual(fs.realpathSync(path.join(dir, "index.js")), fs.realpathSync(compiledFixture().entryPoint));
            // The language host looks for @pulumi/pulumi from the entry point's real place: the build is inside the repository's node_modules.
            assert.ok(fs.realpathSync(path.join(dir, "index.js")).startsWith(fs.realpathSync(path.join(PROJECT_ROOT, "node_modules"))));
            assert.strictEqual(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).main, "index.js");
        } finally {
            fs.rmSync(parent, { recursive: true, force: true });
        }
    });

    it("rewrites exactly `main` and `typescript` of the fixture's Pulumi.yaml, and refuses one of another shape", () => {
        const source = fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), "utf8");
        assert.strictEqual(compiledProjectFile(source), source.replace("main: index.ts", "main: index.js").replace("typescript: true", "typescript: false"));
        assert.notStrictEqual(compiledProjectFile(source), source);
        assert.throws(
            () => compiledProjectFile(source.replace("main: index.ts", "main: program.ts")),
            (err: Error) => err.message.startsWith(`${path.join(FIXTURE_DIR, "Pulumi.yaml")} must say \`main: index.ts\` and \`typescript: true\`; got:\n`),
        );
        assert.throws(() => compiledProjectFile(source.replace("typescript: true", "typescript: false")), /must say `main: index\.ts` and `typescript: true`/);
    });
});
