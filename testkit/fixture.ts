// The driver's fixture project (testkit/fixtures/digest-app), run by the real engine.
//
// Each test gets its own project directory: stack config lives in
// `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, so sharing one directory would
// let tests see each other's config. The copy holds Pulumi.yaml and
// package.json, and symlinks the program, which Node (and the language host)
// resolve to its real place.
//
// The program is JavaScript, compiled once from the fixture's TypeScript (see `compiledFixture`):
// with `typescript: true` every `up` and `preview` of every test started ts-node, which type-checked
// the program and the components it imports again, seconds per engine run. `npm test`'s
// `tsc --noEmit` type-checks the fixture with the rest of the project.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DeploymentConfiguration } from "@aws-sdk/client-ecs";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import type * as ts from "typescript";
import { engineTools, PROJECT_ROOT } from "../automation/engine/tools";
import { TempBackend } from "./backend";

export const FIXTURE_DIR = path.resolve(__dirname, "fixtures", "digest-app");
/** Where compiled fixtures are kept, one directory per hash of their sources. */
export const FIXTURE_CACHE_DIR = path.join(PROJECT_ROOT, "node_modules", ".cache", "papyrus-fixture");

/** The fixture program's config for its stand-in service in the ECS API (moto): cluster `papyrus`, service `api`. */
export const FIXTURE_ECS_CONFIG: Readonly<Record<string, { value: string }>> = {
    "papyrus:fixtureEcs": { value: "true" },
    "papyrus:fixtureClusterName": { value: "papyrus" },
    "papyrus:fixtureServiceName": { value: "api" },
};

/**
 * The fixture's config that makes its stand-in service send `configuration` as ECS's `deploymentConfiguration`
 * on CreateService and UpdateService: `papyrus:fixtureDeploymentConfiguration`, a JSON string the program reads
 * with `config.getObject` (as `pulumi config set --path` would store it). For `stack.setAllConfig`.
 */
export function fixtureDeploymentConfig(configuration: DeploymentConfiguration | Record<string, unknown>): Record<string, { value: string }> {
    return { "papyrus:fixtureDeploymentConfiguration": { value: JSON.stringify(configuration) } };
}

/**
 * A fresh project directory for the fixture; removed with the backend's directory when placed inside it.
 * `project` renames it (Pulumi.yaml `name`), and so its config namespace: the program reads `new pulumi.Config()`.
 */
export function fixtureProject(parent: string = os.tmpdir(), project?: string): string {
    const program = compiledFixture().entryPoint;
    const dir = fs.mkdtempSync(path.join(parent, "digest-app-"));
    const projectFile = compiledProjectFile(fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), "utf8"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project === undefined ? projectFile : renameProject(projectFile, project));
    const pkg = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "package.json"), "utf8"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...pkg, main: "index.js" }, null, 2) + "\n");
    fs.symlinkSync(program, path.join(dir, "index.js"));
    return dir;
}

/** `source` (a Pulumi.yaml) naming project `project`. */
export function renameProject(source: string, project: string): string {
    const name = /^name: papyrus$/m;
    if (!name.test(source)) throw new Error(`${path.join(FIXTURE_DIR, "Pulumi.yaml")} must say \`name: papyrus\`; got:\n${source}`);
    return source.replace(name, `name: ${project}`);
}

/**
 * The fixture's Pulumi.yaml for its compiled program: `main: index.js` and `typescript: false`, so
 * the language host starts plain Node (no ts-node). Fails if the fixture's file changed shape.
 */
export function compiledProjectFile(source: string): string {
    const main = /^main: index\.ts$/m;
    const typescript = /^(\s+typescript:) true$/m;
    if (!main.test(source) || !typescript.test(source)) {
        throw new Error(`${path.join(FIXTURE_DIR, "Pulumi.yaml")} must say \`main: index.ts\` and \`typescript: true\`; got:\n${source}`);
    }
    return source.replace(main, "main: index.js").replace(typescript, "$1 false");
}

export interface CompiledFixture {
    /** The directory of this build: the compiled files at their paths relative to the repository. */
    readonly dir: string;
    /** The compiled program (`<dir>/testkit/fixtures/digest-app/index.js`). */
    readonly entryPoint: string;
    /** The TypeScript files it was compiled from, relative to the repository. */
    readonly sources: readonly string[];
    /** Whether this call compiled it (false: it was in the cache). */
    readonly built: boolean;
}

/**
 * The fixture program compiled to CommonJS in `<cacheDir>/<hash>` (FIXTURE_CACHE_DIR by default), where the hash covers the
 * TypeScript version, the fixture's tsconfig and every project file the program imports (followed
 * from index.ts through relative imports). A changed component gives a new hash, so a stale build is
 * never used. Transpiled file by file (no type-check: `tsc --noEmit` does that); written to a
 * temporary directory and renamed into place, so parallel mocha workers never see half a build.
 */
export function compiledFixture(cacheDir: string = FIXTURE_CACHE_DIR): CompiledFixture {
    const typescript = require("typescript") as typeof ts;
    const sources = fixtureSources(typescript);
    const tsconfig = fs.readFileSync(path.join(FIXTURE_DIR, "tsconfig.json"), "utf8");
    const hash = crypto.createHash("sha256");
    hash.update(`typescript ${typescript.version}\0${tsconfig}\0`);
    for (const [file, text] of sources) hash.update(`${file}\0${text}\0`);
    const dir = path.join(cacheDir, hash.digest("hex").slice(0, 16));
    const entryPoint = path.join(dir, path.relative(PROJECT_ROOT, FIXTURE_DIR), "index.js");
    const files = [...sources.keys()];
    // Checked on every call, not remembered: `npm ci` empties node_modules/.cache, also under a running suite.
    if (fs.existsSync(entryPoint)) return { dir, entryPoint, sources: files, built: false };

    const { options, errors } = typescript.convertCompilerOptionsFromJson(JSON.parse(tsconfig).compilerOptions, FIXTURE_DIR);
    if (errors.length > 0) throw new Error(`${path.join(FIXTURE_DIR, "tsconfig.json")}: ${errors.map((e) => e.messageText).join("; ")}`);
    fs.mkdirSync(cacheDir, { recursive: true });
    const staging = fs.mkdtempSync(`${dir}.tmp-`);
    try {
        for (const [file, text] of sources) {
            const out = typescript.transpileModule(text, { compilerOptions: options, fileName: path.join(PROJECT_ROOT, file), reportDiagnostics: true });
            if (out.diagnostics?.length) {
                throw new Error(`${file}: ${out.diagnostics.map((d) => typescript.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
            }
            const target = path.join(staging, file.replace(/\.ts$/, ".js"));
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, out.outputText);
        }
        fs.renameSync(staging, dir);
    } catch (err) {
        fs.rmSync(staging, { recursive: true, force: true });
        // Another process renamed its identical build into place first.
        if (!fs.existsSync(entryPoint)) throw err;
        return { dir, entryPoint, sources: files, built: false };
    }
    return { dir, entryPoint, sources: files, built: true };
}

/** index.ts and every project file it reaches through relative imports: repository-relative path → text. */
function fixtureSources(typescript: typeof ts): Map<string, string> {
    const found = new Map<string, string>();
    const visit = (file: string) => {
        const relative = path.relative(PROJECT_ROOT, file);
        if (found.has(relative)) return;
        const text = fs.readFileSync(file, "utf8");
        found.set(relative, text);
        for (const { fileName } of typescript.preProcessFile(text, true, true).importedFiles) {
            if (!fileName.startsWith(".")) continue; // a package: resolved by Node from node_modules
            const base = path.resolve(path.dirname(file), fileName);
            const resolved = [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate));
            if (resolved === undefined) throw new Error(`${relative} imports ${fileName}, which is no TypeScript file of this project`);
            visit(resolved);
        }
    };
    visit(path.join(FIXTURE_DIR, "index.ts"));
    return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/** Creates (or selects) a stack of a fresh fixture copy in `backend`. */
export async function fixtureStack(
    backend: TempBackend,
    stackName: string,
    extraEnv: Record<string, string> = {},
    workDir: string = fixtureProject(backend.dir),
): Promise<Stack> {
    const { command, env } = await engineTools();
    return LocalWorkspace.createOrSelectStack({ stackName, workDir }, { pulumiCommand: command, envVars: { ...env, ...backend.env, ...extraEnv } });
}
