// `papyrus-deploy --version`: the version of the package this CLI belongs to, from its package.json.
// Read with `fs` alone, so that `--version` loads nothing else (no Pulumi or AWS SDK).
import * as fs from "fs";
import * as path from "path";

/** The nearest package.json upwards from this file: the repository's, or the installed package's once compiled. */
export function packageVersion(from: string = __dirname): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const version: unknown = JSON.parse(fs.readFileSync(file, "utf8")).version;
            if (typeof version === "string") return version;
        }
        if (path.dirname(dir) === dir) throw new Error(`no package.json with a \`version\` in ${from} or a directory above it`);
    }
}
