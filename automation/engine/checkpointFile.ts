// A stack's last checkpoint read straight from a `file://` backend, where the engine keeps it as
// `.pulumi/stacks/<project>/<stack>.json`: the same record `pulumi stack export` prints, without
// starting a CLI process (about 0.2 s each; a deploy reads the state twice). Only when the file is
// unambiguous: any doubt (another layout, a gzipped or unknown format, encrypted secrets, which
// only the CLI can decrypt) answers `{ unreadable: <why> }`, and the caller asks the CLI instead.
// A file the engine could not read either (truncated, or JSON of another shape) answers
// `{ corrupt: <what is wrong> }`: asking the CLI would only print its raw error.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Checkpoint, checkpointProblem } from "./state";

/** The marker the engine puts on a secret value (`sig.Secret`); a checkpoint holding one needs the CLI to decrypt. */
export const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** What the file says, why the CLI must be asked instead, or what is wrong with it. */
export type CheckpointFileRead =
    { readonly checkpoint: Checkpoint | undefined } | { readonly unreadable: string } | { readonly corrupt: string; readonly file: string };

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
    } catch (err) {
        // The engine reads a compressed file by its content, whatever its name: the CLI's to read.
        if (isCompressed(file)) return { unreadable: `${file} is compressed` };
        return { corrupt: text.trim() === "" ? "is empty" : `is not JSON (${(err as Error).message}; truncated?)`, file };
    }
    const versioned = parsed as { version?: unknown; checkpoint?: { latest?: unknown } };
    if (versioned?.version !== 3 || typeof versioned.checkpoint !== "object" || versioned.checkpoint === null) {
        return { unreadable: `${file} is not a version 3 checkpoint` };
    }
    const latest = versioned.checkpoint.latest ?? undefined;
    const problem = checkpointProblem(latest, "checkpoint.latest.");
    if (problem !== undefined) return { corrupt: problem, file };
    return { checkpoint: latest as Checkpoint | undefined };
}

/**
 * Where a stack's state lives, for messages: the checkpoint file (`file://`: a path; another
 * self-managed backend: the object's URL), or the backend itself (Pulumi Cloud). `relative` is a
 * file the engine named relative to the backend's root (a history file).
 */
export function stateLocation(backendUrl: string, project: string, stack: string, relative?: string): string {
    const rel = relative ?? path.join(".pulumi", "stacks", project, `${stack}.json`);
    const root = fileBackendRoot(backendUrl);
    if (root !== undefined) return path.join(root, rel);
    if (/^[a-z0-9]+:\/\//.test(backendUrl) && !/^https?:/.test(backendUrl)) return `${backendUrl.replace(/\?.*$/, "").replace(/\/+$/, "")}/${rel}`;
    return backendUrl;
}

/** How to put a good copy of a stack's checkpoint (or, with `historyFile`, of a history file) back. */
export function stateRemedy(backendUrl: string, project: string, stack: string, qualified: string, historyFile?: string): string {
    if (historyFile !== undefined) {
        return (
            "A history file holds one update's record; put back a good copy of it, or move it out of the history directory " +
            `(that update then drops out of \`history\`, and rollback cannot name it), then check with \`pulumi stack history --stack ${qualified}\``
        );
    }
    const file = stateLocation(backendUrl, project, stack);
    if (file === backendUrl) {
        return `Put a good copy back with \`pulumi stack import --stack ${qualified} --file <good export>\` (the backend keeps earlier versions of the stack: see its update history)`;
    }
    const history = stateLocation(backendUrl, project, stack, path.join(".pulumi", "history", project, stack, "*.checkpoint.json"));
    return (
        `Put a good copy back: copy the engine's previous checkpoint \`${file}.bak\`, or the newest \`${history}\`, over \`${file}\`; ` +
        `or \`pulumi stack import --stack ${qualified} --file <good export>\`. Then check it with \`pulumi stack export --stack ${qualified}\``
    );
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

/** gzip or zstd magic bytes: what the engine's `DetectCompression` looks for. */
function isCompressed(file: string): boolean {
    try {
        const fd = fs.openSync(file, "r");
        try {
            const head = Buffer.alloc(4);
            const n = fs.readSync(fd, head, 0, 4, 0);
            return (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) || (n === 4 && head.readUInt32LE(0) === 0xfd2fb528);
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return false;
    }
}
