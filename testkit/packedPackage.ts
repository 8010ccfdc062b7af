// The npm package as `npm pack` makes it from this checkout's sources, for the tests that use it
// the way an adopter does (test/ci/package.test.ts, the examples/orders suites). Packed once per
// process from a copy of the sources (`npm pack` runs the build as `prepare`), so the checkout's
// own dist/ is never rebuilt under suites that run its launcher.
//
// `linkPackedPackage` installs that tarball into a scratch project without npm: the tarball's files
// in node_modules/papyrus-deploy, and this checkout's node_modules entries linked beside it. The
// registry dependencies then resolve to the very modules the tests load (one @pulumi/pulumi, so
// the SDK's mocks reach the package's components). That an npm install of the tarball resolves
// them from the registry is test/ci/package.test.ts's to prove.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../automation/engine/tools";
import { CONFIG_FILES, SOURCE_DIRS } from "../scripts/buildState";

/**
 * What `npm pack` needs from a clone: what the build is built from (scripts/buildState.js's lists, which
 * also decide when dist/ is stale), the scripts it runs, and what npm packs or reads besides.
 */
const PACKED_SOURCES = [...SOURCE_DIRS, ...CONFIG_FILES, "scripts/buildState.js", "scripts/with-tools.sh", "package-lock.json", "README.md"];

export const TOOLS_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(PROJECT_ROOT, ".tools", "bin")}${path.delimiter}${process.env.PATH ?? ""}` };

export interface PackedPackage {
    /** The tarball's path. */
    readonly tarball: string;
    /** The files in it, as `npm pack --json` lists them. */
    readonly files: readonly { readonly path: string }[];
}

let packed: PackedPackage | undefined;

/** The tarball of this checkout's sources (built and packed on first use; removed when the process exits). */
export function packedPackage(): PackedPackage {
    if (packed !== undefined) return packed;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-pack-"));
    process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
    const clone = path.join(work, "clone");
    for (const entry of PACKED_SOURCES) fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(clone, entry), { recursive: true });
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(clone, "node_modules"));
    const result = spawnSync("npm", ["pack", "--json", "--pack-destination", work], {
        cwd: clone,
        env: TOOLS_ENV,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`npm pack exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
    const [pack] = JSON.parse(result.stdout) as { filename: string; files: { path: string }[] }[];
    packed = { tarball: path.join(work, pack.filename), files: pack.files };
    return packed;
}

/**
 * Installs the packed package into `project` (node_modules/papyrus-deploy, its bin in node_modules/.bin)
 * with this checkout's node_modules linked for its dependencies; returns the installed package's directory.
 */
export function linkPackedPackage(project: string): string {
    const modules = path.join(project, "node_modules");
    const installed = path.join(modules, "papyrus-deploy");
    fs.mkdirSync(installed, { recursive: true });
    const untar = spawnSync("tar", ["-xzf", packedPackage().tarball, "-C", installed, "--strip-components=1"], { encoding: "utf8" });
    if (untar.status !== 0) throw new Error(`tar exited ${untar.status}: ${untar.stderr}`);
    for (const entry of fs.readdirSync(path.join(PROJECT_ROOT, "node_modules"))) {
        if (entry.startsWith(".") || entry === "papyrus-deploy") continue;
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules", entry), path.join(modules, entry));
    }
    const bin = path.join(modules, ".bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(path.join("..", "papyrus-deploy", "dist", "automation", "cli", "bin.js"), path.join(bin, "papyrus-deploy"));
    return installed;
}
