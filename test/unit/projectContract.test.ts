// The project contract (docs/CONTRACT.md): the driver drives any Pulumi project by the name its
// Pulumi.yaml gives and refuses a project file it cannot use, naming what is missing. The page is held to the code:
// every key the driver reads or sets and every output it reads is named there.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DRIVER_KEYS } from "../../components/configSchema";
import { readProject, SERVICE_OUTPUTS } from "../../automation/engine/project";
import { findProjectDirectory } from "../../automation/cli/flagValues";
import { checkedProjectDirectory } from "../../automation/update/session";
import { availableStacks, loadStackConfig } from "../../testkit/evaluateUnderMocks";

const ROOT = path.resolve(__dirname, "..", "..");
const CONTRACT = fs.readFileSync(path.join(ROOT, "docs", "CONTRACT.md"), "utf8");

/** Every source file of the driver. */
function driverSources(dir = path.join(ROOT, "automation")): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const file = path.join(dir, entry.name);
        return entry.isDirectory() ? driverSources(file) : entry.name.endsWith(".ts") ? [file] : [];
    });
}

describe("the project contract (docs/CONTRACT.md)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus contract ü-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (text: string) => fs.writeFileSync(path.join(dir, "Pulumi.yaml"), text);
    const refusal = (problem: string) => ({ name: "InvalidInputError", message: `\`${path.join(dir, "Pulumi.yaml")}\` ${problem}` });

    it("reads the project's name, config and stackConfigDir from Pulumi.yaml", () => {
        write("name: acme-orders\nruntime: nodejs\nstackConfigDir: stacks\nconfig:\n  repositoryName: orders-api\n");
        assert.deepStrictEqual(readProject(dir), {
            directory: dir,
            name: "acme-orders",
            config: { repositoryName: "orders-api" },
            stackConfigDirectory: path.join(dir, "stacks"),
        });
    });

    it("render's stack files are where the driver's are: in `stackConfigDir` when Pulumi.yaml gives one", () => {
        // kills: testkit/evaluateUnderMocks reading Pulumi.<stack>.yaml beside Pulumi.yaml whatever stackConfigDir says
        write("name: acme-orders\nruntime: nodejs\nstackConfigDir: stacks\n");
        fs.mkdirSync(path.join(dir, "stacks"));
        fs.writeFileSync(path.join(dir, "stacks", "Pulumi.dev.yaml"), "config:\n  acme-orders:repositoryName: orders-api\n");
        assert.deepStrictEqual(availableStacks(dir), ["dev"]);
        assert.deepStrictEqual(loadStackConfig("dev", dir), { "acme-orders:repositoryName": "orders-api" });
        assert.throws(() => loadStackConfig("prod", dir), {
            name: "UnknownStackError",
            message: `unknown stack \`prod\`: there is no Pulumi.prod.yaml in ${path.join(dir, "stacks")}; available: \`dev\` (Pulumi.dev.yaml)`,
        });
    });

    it("refuses a Pulumi.yaml that is missing, not YAML, not a mapping, or has no usable name, naming what is missing", () => {
        const contract = " (the project contract: docs/CONTRACT.md)";
        assert.throws(() => readProject(dir), {
            ...refusal(`is needed: the driver drives a Pulumi project; run from the project or pass \`--cwd <project>\`${contract}`),
        });
        write("name: [unclosed\n");
        assert.throws(() => readProject(dir), {
            name: "InvalidInputError",
            message: /is not valid YAML; fix it \(see `git diff`\) and try again \(the project contract/,
        });
        write("");
        assert.throws(() => readProject(dir), refusal(`must be a YAML mapping with the project's \`name\` and \`runtime\`${contract}, got \`(empty)\``));
        write("runtime: nodejs\n");
        assert.throws(
            () => readProject(dir),
            refusal(`must give the project's \`name\`: it is the config namespace (\`<name>:repositoryName\`) and part of every stack's name${contract}`),
        );
        write("name: acme orders\nruntime: nodejs\n");
        assert.throws(
            () => readProject(dir),
            refusal(`must give a project \`name\` of letters, digits, \`-\`, \`_\` and \`.\` (Pulumi's rule)${contract}, got \`acme orders\``),
        );
    });

    it("finds the nearest Pulumi.yaml upwards, whatever its project is called, and none outside a project", () => {
        write("name: orders\nruntime: nodejs\n");
        const deep = path.join(dir, "src", "handlers");
        fs.mkdirSync(deep, { recursive: true });
        assert.strictEqual(findProjectDirectory(deep), dir);
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-nowhere-"));
        try {
            assert.throws(() => findProjectDirectory(outside), {
                name: "InvalidInputError",
                message: new RegExp(
                    `^\`--cwd\` is needed: neither ${outside} nor a directory above it holds a Pulumi\\.yaml, so there is no project \\(and no stack\\) here`,
                ),
            });
            assert.deepStrictEqual(fs.readdirSync(outside), [], "nothing created");
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it("the library's workDir defaults to the nearest project upwards from the working directory, as the CLI's --cwd", () => {
        write("name: orders\nruntime: nodejs\n");
        const deep = path.join(dir, "infra");
        fs.mkdirSync(deep);
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-nowhere-"));
        const cwd = process.cwd();
        try {
            process.chdir(deep);
            assert.strictEqual(checkedProjectDirectory(undefined), fs.realpathSync(dir));
            process.chdir(outside);
            assert.throws(() => checkedProjectDirectory(undefined), {
                name: "InvalidInputError",
                message: new RegExp(
                    `^\`workDir\` is needed: neither ${fs.realpathSync(outside)} nor a directory above it holds a Pulumi\\.yaml, .*or give \`workDir\`$`,
                ),
            });
        } finally {
            process.chdir(cwd);
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it("names every key the driver sets for an update", () => {
        for (const key of DRIVER_KEYS) assert.ok(CONTRACT.includes(`\`<name>:${key}\``), key);
    });

    it("names every stack key the driver reads, found in its source", () => {
        const read = new Set<string>();
        for (const file of driverSources()) {
            for (const match of fs.readFileSync(file, "utf8").matchAll(/(?:readSetting|requireConfig)\([^,()]+, "(\w+)"\)/g)) read.add(match[1]);
        }
        assert.ok(read.has("repositoryName") && read.has("promoteFrom"), [...read].join(", "));
        for (const key of read) assert.ok(CONTRACT.includes(`\`<name>:${key}\``), key);
    });

    it("names every output the driver reads", () => {
        for (const output of SERVICE_OUTPUTS) assert.ok(CONTRACT.includes(`output \`${output}\``), output);
    });
});
