// The npm package as an adopter gets it: built and packed from a copy of the sources (`npm pack`
// runs the build as `prepare`), installed into a scratch project with `npm install <tarball>`,
// then used there: the bin, the three entries at run time, and a consumer's TypeScript checked
// against the declarations. The copy keeps the checkout's own dist/ untouched while other suites
// run its launcher. About a minute: tsc, then npm resolving the registry dependencies (from the
// npm cache when warm).
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import { builtinModules } from "module";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { USAGE } from "../../automation/cli/main";
import { packedPackage, TOOLS_ENV } from "../../testkit/packedPackage";

const ROOT = path.resolve(__dirname, "..", "..");
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
    const result = spawnSync(command, args, { cwd, env: TOOLS_ENV, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw result.error;
    return result;
}

function runOk(command: string, args: readonly string[], cwd: string): string {
    const result = run(command, args, cwd);
    assert.strictEqual(result.status, 0, `\`${command} ${args.join(" ")}\` in ${cwd} exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
    return result.stdout;
}

/** The bare module names a compiled file `require`s (not relative, not Node's own). */
function requiredPackages(source: string): string[] {
    return [...source.matchAll(/(?<![.\w$])require\("([^".][^"]*)"\)/g)]
        .map((m) => m[1])
        .filter((name) => !builtinModules.includes(name) && !name.startsWith("node:"))
        .map((name) => (name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]));
}

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("the npm package: packed, installed into a scratch project, used there", function () {
    this.timeout(600_000);
    let work: string;
    let packed: { path: string }[];
    let consumer: string;
    let installed: string;

    before(function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-package-"));
        const pack = packedPackage();
        packed = [...pack.files];
        consumer = path.join(work, "consumer");
        fs.mkdirSync(consumer);
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }) + "\n");
        // As an adopter's project: the package, plus @pulumi/policy for its policy pack (an optional peer) and Node's types.
        runOk(
            "npm",
            [
                "install",
                "--prefer-offline",
                "--no-audit",
                "--no-fund",
                pack.tarball,
                `@pulumi/policy@${packageJson.peerDependencies["@pulumi/policy"]}`,
                `@types/node@${packageJson.devDependencies["@types/node"]}`,
            ],
            consumer,
        );
        installed = path.join(consumer, "node_modules", "papyrus-deploy");
    });

    after(() => {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("packs compiled JavaScript, declarations, the policy pack's files and the README: no TypeScript source, tests or testkit", () => {
        const paths = packed.map((f) => f.path);
        const source = paths.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"));
        assert.deepStrictEqual(source, [], "TypeScript sources in the tarball");
        assert.deepStrictEqual(
            paths.filter((p) => /^(test|testkit|bench|scripts|examples)\//.test(p) || p.startsWith("dist/test")),
            [],
        );
        assert.deepStrictEqual(paths.filter((p) => !p.startsWith("dist/")).sort(), ["README.md", "package.json"]);
        for (const expected of [
            "dist/automation/cli/bin.js",
            "dist/automation/nodeEngines.js",
            "dist/components/index.js",
            "dist/components/index.d.ts",
            "dist/automation/index.d.ts",
            "dist/policy/entry.d.ts",
            "dist/policy/index.js",
            "dist/policy/PulumiPolicy.yaml",
            "dist/policy/package.json",
        ]) {
            assert.ok(paths.includes(expected), `${expected} is missing from the tarball`);
        }
    });

    it("installs a `papyrus-deploy` bin that prints the usage from the compiled CLI", () => {
        const bin = path.join(consumer, "node_modules", ".bin", "papyrus-deploy");
        const help = run(bin, ["--help"], consumer);
        assert.strictEqual(help.status, 0, help.stderr);
        assert.strictEqual(help.stdout, USAGE);
        const mistyped = run(bin, ["deploy", "--stak", "dev"], consumer);
        assert.strictEqual(mistyped.status, 2);
        assert.match(mistyped.stderr, /^error: `--stak` is not a flag of `deploy`/);
        assert.ok(
            !fs.existsSync(path.join(installed, "node_modules", "ts-node")) && !fs.existsSync(path.join(consumer, "node_modules", "ts-node")),
            "ts-node installed",
        );
    });

    it("exports the components, the driver and the policy rules, each loadable with require()", () => {
        const script = `const names = {};
for (const entry of ["components", "driver", "policy"]) names[entry] = Object.keys(require("papyrus-deploy/" + entry)).sort();
process.stdout.write(JSON.stringify(names));`;
        const names = JSON.parse(runOk(process.execPath, ["-e", script], consumer)) as Record<string, string[]>;
        const expected: Record<string, string[]> = {
            components: [
                "serviceStack",
                "DigestPinnedService",
                "ImmutableRepository",
                "GithubDeployIdentity",
                "RegistryReplication",
                "ReplicationRegistryPolicy",
                "parseImageReference",
                "imageReferenceProblem",
                "digestPinnedServiceProblems",
                "immutableRepositoryProblems",
                "readStackConfig",
                "qualifiedKey",
            ],
            driver: [
                "deploy",
                "rollback",
                "promote",
                "up",
                "history",
                "verify",
                "status",
                "reconcile",
                "unlock",
                "DeployError",
                "EXIT_CODES",
                "InvalidInputError",
            ],
            policy: ["policyPackArgs", "policies", "POLICY_PACK_NAME", "taskDefinitionImageProblems", "githubTrustProblems", "repositoryMutabilityProblems"],
        };
        for (const [entry, wanted] of Object.entries(expected)) {
            assert.deepStrictEqual(
                wanted.filter((name) => !names[entry].includes(name)),
                [],
                `papyrus-deploy/${entry} exports ${names[entry].join(", ")}`,
            );
        }
        assert.ok(!names.policy.includes("PolicyPack"), "the policy entry must not start a policy server");
    });

    it("type-checks a consumer's TypeScript against the declarations (strict, both module resolutions)", () => {
        fs.writeFileSync(
            path.join(consumer, "consumer.ts"),
            `import { serviceStack, DigestPinnedService, parseImageReference, type ServiceStackOutputs, type DigestPinnedServiceArgs } from "papyrus-deploy/components";
import { deploy, rollback, history, DeployError, EXIT_CODES, type DeployResult, type DeployOptions } from "papyrus-deploy/driver";
import { policyPackArgs, POLICY_PACK_NAME, taskDefinitionImageProblems } from "papyrus-deploy/policy";

export const program = (): ServiceStackOutputs => serviceStack();
export async function release(options: DeployOptions): Promise<string | number> {
    try {
        const result: DeployResult = await deploy(options);
        return result.image;
    } catch (e) {
        if (e instanceof DeployError) return e.exitCode;
        throw e;
    }
}
export const used = [rollback, history, DigestPinnedService, EXIT_CODES.ok];
export const image: string = parseImageReference("123456789012.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "a".repeat(64)).reference;
export const pack: string = POLICY_PACK_NAME + policyPackArgs.policies.length + taskDefinitionImageProblems({}).length;
export type Args = DigestPinnedServiceArgs;
// The declarations carry real types, not \`any\`: each line below must be an error.
// @ts-expect-error: deploy needs a tag
export const noTag = deploy({ stackName: "dev" });
// @ts-expect-error: DigestPinnedServiceArgs needs an image
export const noImage: DigestPinnedServiceArgs = {};
// @ts-expect-error: the enforcement level is @pulumi/policy's union
export const level: typeof policyPackArgs.enforcementLevel = "sometimes";
`,
        );
        const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
        for (const [module, resolution] of [
            ["commonjs", "node10"],
            ["node16", "node16"],
        ]) {
            // skipLibCheck as in this project (and most): @pulumi/policy's own declarations do not check cleanly.
            const args = [tsc, "--noEmit", "--strict", "--skipLibCheck", "--target", "ES2022", "--module", module, "--moduleResolution", resolution];
            const result = run(process.execPath, [...args, "--ignoreDeprecations", "6.0", "--types", "node", "consumer.ts"], consumer);
            assert.strictEqual(result.status, 0, `tsc (${resolution}):\n${result.stdout}${result.stderr}`);
        }
    });

    it("lists every package the compiled code loads as a dependency, and @pulumi/policy as an optional peer loaded only by the pack program", () => {
        const declared = new Set([...Object.keys(packageJson.dependencies), ...Object.keys(packageJson.peerDependencies)]);
        const loadedBy = new Map<string, string[]>();
        for (const file of filesUnder(path.join(installed, "dist")).filter((f) => f.endsWith(".js"))) {
            for (const name of requiredPackages(fs.readFileSync(file, "utf8"))) {
                loadedBy.set(name, [...(loadedBy.get(name) ?? []), path.relative(installed, file)]);
            }
        }
        assert.deepStrictEqual(
            [...loadedBy.keys()].filter((name) => !declared.has(name)),
            [],
            "loaded but not in dependencies",
        );
        for (const name of ["@aws-sdk/client-ecr", "@aws-sdk/client-ecs", "@pulumi/pulumi", "@pulumi/aws", "js-yaml"]) {
            assert.ok(
                loadedBy.has(name) && name in packageJson.dependencies,
                `${name}: loaded ${loadedBy.has(name)}, a dependency ${name in packageJson.dependencies}`,
            );
        }
        assert.deepStrictEqual(loadedBy.get("@pulumi/policy"), [path.join("dist", "policy", "index.js")]);
        assert.deepStrictEqual(packageJson.peerDependenciesMeta["@pulumi/policy"], { optional: true });
    });
});

describe("package.json: the bin a checkout's `npm ci` provides", () => {
    it("points `bin` at the compiled CLI and builds it in `prepare`, which `npm ci` runs (the workflows' `npx --no-install papyrus-deploy`)", () => {
        assert.deepStrictEqual(packageJson.bin, { "papyrus-deploy": "dist/automation/cli/bin.js" });
        assert.match(packageJson.scripts.prepare, /\bnode scripts\/build\.js$/);
        assert.strictEqual(packageJson.scripts.prepack, undefined, "prepare already runs before npm pack");
    });
});
