// Where this package's files are: the repository root when run from the source
// or from its dist/ build, node_modules/papyrus-deploy when installed. Found by
// walking up to the package.json named papyrus-deploy, because the compiled
// files sit one level deeper (dist/automation/…) than their sources.
import * as fs from "fs";
import * as path from "path";

export const PACKAGE_NAME = "papyrus-deploy";

/** The nearest directory upwards from `from` whose package.json is named papyrus-deploy. */
export function packageRoot(from: string = __dirname): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && readName(manifest) === PACKAGE_NAME) return dir;
        if (path.dirname(dir) === dir) {
            throw new Error(`no package.json named \`${PACKAGE_NAME}\` in ${from} or any directory above it: the package's files are incomplete; reinstall it`);
        }
    }
}

function readName(manifest: string): unknown {
    try {
        return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown }).name;
    } catch {
        return undefined;
    }
}
