// The Node.js the project runs on: the `engines` check (automation/nodeEngines.js),
// the CLI refusing a Node outside it, the version setup provides, and the npm
// scripts starting the Node setup chose rather than the one npm was started by.
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { minimumVersion, parseVersion, satisfiesEngines, unsupportedNodeMessage } from "../../automation/nodeEngines";
import { USAGE } from "../../automation/cli/main";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "automation", "bin", "papyrus-deploy.js");
const TOOLS_NODE = path.join(ROOT, ".tools", "bin", "node");
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const ENGINES: string = packageJson.engines.node;

function nodeVersionOf(node: string): string {
    return spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
}

/** A Node.js on this machine outside `engines` (the system's Node 20 here), or undefined. */
function unsupportedNodeOnMachine(): string | undefined {
    const candidates = [
        ...(process.env.PATH ?? "")
            .split(path.delimiter)
            .filter((dir) => dir !== "")
            .map((dir) => path.join(dir, "node")),
        "/usr/bin/node",
        "/usr/local/bin/node",
    ];
    return candidates.find((node) => {
        if (!fs.existsSync(node)) {
            return false;
        }
        const version = nodeVersionOf(node);
        return /^v\d+\.\d+\.\d+$/.test(version) && !satisfiesEngines(version, ENGINES);
    });
}

describe("Node.js engines check (automation/nodeEngines.js)", () => {
    const cases: [version: string, range: string, fits: boolean][] = [
        ["v24.21.0", ">=22", true],
        ["v22.0.0", ">=22", true],
        ["22.23.3", ">=22", true],
        ["v21.7.3", ">=22", false],
        ["v20.20.2", ">=22", false],
        ["v22.4.9", ">=22.5", false],
        ["v22.5.0", ">=22.5", true],
        ["v22.5.0", ">= 22.5.1", false],
        ["v22.5.2", ">=22.5.1", true],
        ["v100.0.0", ">=22", true],
    ];
    for (const [version, range, fits] of cases) {
        it(`${version} ${fits ? "fits" : "is outside"} ${range}`, () => {
            assert.strictEqual(satisfiesEngines(version, range), fits);
            assert.strictEqual(unsupportedNodeMessage(version, "/opt/node", range) === undefined, fits);
        });
    }

    const badRanges: [range: string, message: string][] = [
        ["^22.0.0", "package.json `engines.node` must have the form `>=MAJOR[.MINOR[.PATCH]]` (automation/nodeEngines.js reads only that), got `^22.0.0`"],
        [">=22 <25", "package.json `engines.node` must have the form `>=MAJOR[.MINOR[.PATCH]]` (automation/nodeEngines.js reads only that), got `>=22 <25`"],
        ["22.x", "package.json `engines.node` must have the form `>=MAJOR[.MINOR[.PATCH]]` (automation/nodeEngines.js reads only that), got `22.x`"],
        ["", "package.json `engines.node` must have the form `>=MAJOR[.MINOR[.PATCH]]` (automation/nodeEngines.js reads only that), and is empty"],
    ];
    for (const [range, message] of badRanges) {
        it(`refuses the range \`${range}\` it cannot read`, () => {
            assert.throws(() => satisfiesEngines("v24.21.0", range), { message });
        });
    }

    for (const version of ["24", "v24.21", "v24.21.0-pre", "node 24.21.0"]) {
        it(`refuses the version \`${version}\``, () => {
            assert.throws(() => parseVersion(version), { message: `\`node --version\` must look like \`v24.21.0\`, got \`${version}\`` });
        });
    }

    it("says what runs, what is needed and how to get it", () => {
        assert.strictEqual(
            unsupportedNodeMessage("v20.20.2", "/usr/bin/node", ">=22"),
            "papyrus-deploy needs Node.js >=22 (`engines.node` in package.json), but runs on v20.20.2 (/usr/bin/node).\n" +
                "Run `npm run setup` (it provides Node.js 24 in .tools/bin) and start the CLI with `npm run <command> -- …`, " +
                'put .tools/bin first on PATH (`export PATH="$PWD/.tools/bin:$PATH"`), ' +
                "or install Node.js 22 or later yourself (`nvm install` reads .nvmrc).",
        );
    });
});

describe("the installed package's refusal of an old Node.js (an adopter's project, #26)", () => {
    it("tells an adopter to install Node.js, not about this repository's setup, .tools/bin or .nvmrc", () => {
        const message = unsupportedNodeMessage("v20.20.2", "/usr/bin/node", ">=22", { installed: true })!;
        assert.strictEqual(
            message,
            "papyrus-deploy needs Node.js >=22 (`engines.node` in its package.json), but runs on v20.20.2 (/usr/bin/node).\n" +
                "Install Node.js 22 or later and put it first on PATH, then run the same command again.",
        );
        assert.doesNotMatch(message, /npm run setup|\.tools|\.nvmrc/);
    });

    it("prints exactly one JSON object on stdout with --json: exit 2 and the refusal, from the installed bin and the repository's launcher", function () {
        const old: string | undefined = unsupportedNodeOnMachine();
        if (old === undefined) {
            this.skip();
        }
        // The installed package: dist/ and package.json, no automation/bin launcher beside them.
        const installed = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-installed-"));
        try {
            fs.cpSync(path.join(ROOT, "dist", "automation"), path.join(installed, "dist", "automation"), { recursive: true });
            fs.copyFileSync(path.join(ROOT, "package.json"), path.join(installed, "package.json"));
            const bins: [string, boolean][] = [
                [path.join(installed, "dist", "automation", "cli", "bin.js"), true],
                [BIN, false],
            ];
            for (const [bin, installedPackage] of bins) {
                const run: SpawnSyncReturns<string> = spawnSync(old!, [bin, "status", "--json"], { cwd: installed, encoding: "utf8" });
                const message = unsupportedNodeMessage(nodeVersionOf(old!), old!, ENGINES, { installed: installedPackage });
                assert.strictEqual(run.status, 2, bin);
                assert.deepStrictEqual(JSON.parse(run.stdout), { error: { code: 2, message } }, bin);
                assert.strictEqual(run.stderr, message + "\n", bin);
            }
        } finally {
            fs.rmSync(installed, { recursive: true, force: true });
        }
    });
});

describe("the Node.js version the project declares and provides", () => {
    it("package.json `engines.node` is readable, and package-lock.json says the same", () => {
        assert.deepStrictEqual(minimumVersion(ENGINES), [22, 0, 0]);
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
        assert.deepStrictEqual(lock.packages[""].engines, packageJson.engines);
    });

    it("setup fetches the major version .nvmrc names (the workflows' setup-node reads it), inside `engines`", () => {
        const setup = fs.readFileSync(path.join(ROOT, "scripts", "setup.sh"), "utf8");
        const fetched = /^NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(setup)?.[1];
        assert.ok(fetched, "scripts/setup.sh sets NODE_VERSION=<x.y.z>");
        const nvmrc = fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim();
        assert.strictEqual(fetched.split(".")[0], nvmrc, `.nvmrc says ${nvmrc}, setup fetches ${fetched}`);
        assert.ok(satisfiesEngines(fetched, ENGINES), `setup's Node.js ${fetched} is outside engines.node ${ENGINES}`);
    });

    it("setup linked a Node.js inside `engines` into .tools/bin", () => {
        const version = nodeVersionOf(TOOLS_NODE);
        assert.ok(satisfiesEngines(version, ENGINES), `.tools/bin/node is ${version}, outside ${ENGINES}`);
    });

    it("every npm script that starts node goes through scripts/with-tools.sh, so it runs on .tools/bin/node", () => {
        const own = new Set(["setup", "test"]); // bash scripts that put .tools/bin on PATH themselves
        for (const [name, command] of Object.entries<string>(packageJson.scripts)) {
            if (!own.has(name)) {
                assert.match(command, /^bash scripts\/with-tools\.sh (node|ts-node) /, `npm script \`${name}\``);
            }
        }
    });

    it("scripts/with-tools.sh starts .tools/bin/node even when an older Node comes first on PATH", function () {
        const old = unsupportedNodeOnMachine();
        const firstOnPath = old === undefined ? process.env.PATH : `${path.dirname(old)}${path.delimiter}${process.env.PATH}`;
        const run = spawnSync("bash", [path.join(ROOT, "scripts", "with-tools.sh"), "node", "-p", "process.execPath"], {
            cwd: "/",
            env: { ...process.env, PATH: firstOnPath },
            encoding: "utf8",
        });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.stdout.trim(), fs.realpathSync(TOOLS_NODE));
    });
});

describe("papyrus-deploy's bin and the Node.js it runs on", () => {
    it("refuses to start on a Node.js outside `engines`: exit 2, the reason on stderr, nothing else", function () {
        const old = unsupportedNodeOnMachine();
        if (old === undefined) {
            // Machines with only a supported Node (CI's setup-node) have nothing to run this with.
            this.skip();
        }
        const run = spawnSync(old, [BIN, "deploy", "--stack", "dev", "--tag", "v1.0.0"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.stdout, "");
        assert.strictEqual(run.stderr, unsupportedNodeMessage(nodeVersionOf(old), old, ENGINES) + "\n");
        assert.match(run.stderr, new RegExp(`^papyrus-deploy needs Node.js >=22 .*, but runs on v\\d+`));
        assert.strictEqual(run.status, 2);
    });

    it("starts on .tools/bin/node", () => {
        // From the source: a dist/ build older than the source would add a note on stderr (docs/PACKAGE.md).
        const run = spawnSync(TOOLS_NODE, [BIN, "--help"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PAPYRUS_DEPLOY_FROM_SOURCE: "1" } });
        assert.strictEqual(run.stderr, "");
        assert.strictEqual(run.stdout, USAGE);
        assert.strictEqual(run.status, 0);
    });
});
