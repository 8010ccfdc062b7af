// A stack's last checkpoint read straight from a `file://` backend, where the engine keeps it as
// `.pulumi/stacks/<project>/<stack>.json`: the same record `pulumi stack export` prints, without
// starting a CLI process (about 0.2 s each; a deploy reads the state twice). Only when the file is
// unambiguous: any doubt (another layout, a gzipped or unknown format, encrypted secrets, which
// only the CLI can decrypt) answers `{ unreadable: <why> }`, and the caller asks the CLI instead.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Checkpoint } from "./state";

/** The marker the engine puts on a secret value (`sig.Secret`); a checkpoint holding one needs the CLI to decrypt. */
export const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** What the file says, or why the CLI must be asked instead. */
export type CheckpointFileRead = { readonly checkpoint: Checkpoint | undefined } | { readonly unreadable: string };

/**
 * The checkpoint of `project/stack` in the `file://` backend at `backendUrl`, as `stack export`'s
 * `deployment` (undefined for a stack that has never been updated).
 */
export function readCheckpointFile(backendUrl: string, project: string, stack: string): CheckpointFileRead {
    const root = fileBackendRoot(backendUrl);
    if (root === undefined) return { unreadable: "not a plain file:// backend" };
    const meta = readText(path.join(root, ".pulumi", "meta.yaml"));
    // Layout version 1 keeps stacks per project; version 0 (the legacy layout) does not.
    if (meta === undefined || !/^version:\s*1\s*$/m.test(meta)) return { unreadable: "the backend's .pulumi/meta.yaml does not say layout version 1" };
    const file = path.join(root, ".pulumi", "stacks", project, `${stack}.json`);
    // With PULUMI_SELF_MANAGED_STATE_GZIP the engine writes `.json.gz`, and reads whichever is newer.
    if (fs.existsSync(`${file}.gz`)) return { unreadable: "the stack's checkpoint is gzipped" };
    const text = readText(file);
    if (text === undefined) return { unreadable: `no ${file}` };
    if (text.includes(SECRET_SIGNATURE)) return { unreadable: "the checkpoint holds secrets" };
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return { unreadable: `${file} is not JSON` };
    }
    const versioned = parsed as { version?: unknown; checkpoint?: { latest?: Checkpoint } };
    if (versioned?.version !== 3 || typeof versioned.checkpoint !== "object" || versioned.checkpoint === null) {
        return { unreadable: `${file} is not a version 3 checkpoint` };
    }
    return { checkpoint: versioned.checkpoint.latest ?? undefined };
}

/** The directory of a `file://` backend URL, or undefined when it has query options or is not one. */
export function fileBackendRoot(backendUrl: string): string | undefined {
    if (!backendUrl.startsWith("file://") || backendUrl.includes("?")) return undefined;
    const dir = backendUrl.slice("file://".length).replace(/^~(?=\/|$)/, os.homedir());
    return path.isAbsolute(dir) ? dir : undefined;
}

function readText(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}
