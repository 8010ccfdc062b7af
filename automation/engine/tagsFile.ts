// A stack's tags read straight from a `file://` backend, where the engine keeps them as
// `.pulumi/stacks/<project>/<stack>.pulumi-tags` (`{"version": 1, "tags": {…}}`, pkg/backend/diy's
// stack_tags.go): the release verdicts (verdict.ts) without a `pulumi stack tag ls` process (about
// 0.2 s each; history, status and every gate read them). As with the checkpoint (checkpointFile.ts),
// another layout is left to the CLI. A tags file that is there but is not one the engine can read is
// an error, not "no tags": `pulumi stack tag ls` answers `{}` for it, which would silently turn every
// verdict into `unknown` (and the next `stack tag set` would write over the rest), while `up` fails on it.
import * as fs from "fs";
import * as path from "path";
import { VERDICT_TAG_PREFIX } from "../record/verdict";
import { fileBackendRoot } from "./checkpointFile";

export type TagsFileRead =
    | { readonly tags: Readonly<Record<string, string>> }
    /** Not a plain `file://` backend of layout version 1: ask the CLI. */
    | { readonly ambiguous: string }
    | { readonly corrupt: string; readonly file: string };

/** The stack's tags file in a `file://` backend, or why it cannot be read from there. */
export function readTagsFile(backendUrl: string, project: string, stack: string): TagsFileRead {
    const root = fileBackendRoot(backendUrl);
    if (root === undefined) return { ambiguous: "not a plain file:// backend" };
    let meta: string;
    try {
        meta = fs.readFileSync(path.join(root, ".pulumi", "meta.yaml"), "utf8");
    } catch {
        return { ambiguous: "no .pulumi/meta.yaml" };
    }
    if (!/^version:\s*1\s*$/m.test(meta)) return { ambiguous: "the backend's .pulumi/meta.yaml does not say layout version 1" };
    const file = path.join(root, ".pulumi", "stacks", project, `${stack}.pulumi-tags`);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        // No file: the engine reads that as no tags too.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return { tags: {} };
        return { corrupt: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file };
    }
    let parsed: { version?: unknown; tags?: unknown };
    try {
        parsed = JSON.parse(text) as { version?: unknown; tags?: unknown };
    } catch (err) {
        return { corrupt: `is not JSON (${(err as Error).message}; truncated?)`, file };
    }
    if (typeof parsed !== "object" || parsed === null || parsed.version !== 1) {
        return { corrupt: `is not a version 1 tags file (the engine's \`{"version": 1, "tags": {…}}\`)`, file };
    }
    if (parsed.tags === null || parsed.tags === undefined) return { tags: {} };
    const tags = parsed.tags as Record<string, unknown>;
    if (typeof tags !== "object" || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== "string")) {
        return { corrupt: "has `tags` that are not a map of names to strings", file };
    }
    return { tags: tags as Record<string, string> };
}

/** The remedy a corrupt tags file's error gives. */
export const TAGS_FILE_REMEDY =
    `The file holds the stack's tags, among them its release verdicts (\`${VERDICT_TAG_PREFIX}<n>\`): put a good copy back, or remove it ` +
    "(the engine then reads no tags, every verdict reads `unknown`, and `papyrus-deploy verify` records the running update's again); " +
    "`pulumi stack tag ls` shows what the engine reads";
