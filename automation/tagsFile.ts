// A stack's tags read straight from a `file://` backend, where the engine keeps them as
// `.pulumi/stacks/<project>/<stack>.pulumi-tags` (`{"version": 1, "tags": {…}}`, pkg/backend/diy's
// stack_tags.go): the release verdicts (verdict.ts) without a `pulumi stack tag ls` process (about
// 0.2 s each; history, status and every gate read them). As with the checkpoint (checkpointFile.ts),
// only when unambiguous: any doubt answers undefined and the caller asks the CLI.
import * as fs from "fs";
import * as path from "path";
import { fileBackendRoot } from "./checkpointFile";

/** The tags of `project/stack` in the `file://` backend at `backendUrl`; undefined when the CLI must be asked. */
export function readTagsFile(backendUrl: string, project: string, stack: string): Record<string, string> | undefined {
    const root = fileBackendRoot(backendUrl);
    if (root === undefined) return undefined;
    let meta: string;
    try {
        meta = fs.readFileSync(path.join(root, ".pulumi", "meta.yaml"), "utf8");
    } catch {
        return undefined;
    }
    if (!/^version:\s*1\s*$/m.test(meta)) return undefined;
    let text: string;
    try {
        text = fs.readFileSync(path.join(root, ".pulumi", "stacks", project, `${stack}.pulumi-tags`), "utf8");
    } catch (err) {
        // No file: the engine reads that as no tags too.
        return (err as NodeJS.ErrnoException).code === "ENOENT" ? {} : undefined;
    }
    try {
        const parsed = JSON.parse(text) as { version?: unknown; tags?: unknown };
        if (parsed?.version !== 1) return undefined;
        if (parsed.tags === null || parsed.tags === undefined) return {};
        if (typeof parsed.tags !== "object" || Array.isArray(parsed.tags)) return undefined;
        return Object.fromEntries(Object.entries(parsed.tags as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string"));
    } catch {
        return undefined;
    }
}
