// `papyrus-deploy --version`: the version of the package this CLI belongs to, from its package.json.
// Read with `fs` alone, so that `--version` loads nothing else (no Pulumi or AWS SDK).
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../packageRoot";

/** The `version` of this package's package.json (packageRoot: the repository's, or the installed package's once compiled). */
export function packageVersion(from: string = __dirname): string {
    const file = path.join(packageRoot(from), "package.json");
    const version: unknown = JSON.parse(fs.readFileSync(file, "utf8")).version;
    if (typeof version !== "string") throw new Error(`${file} has no \`version\`: the package's files are incomplete; reinstall it`);
    return version;
}
