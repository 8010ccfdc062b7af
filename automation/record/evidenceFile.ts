// The evidence record's file (`--evidence`): checked before anything runs, so a deploy never
// finishes with nowhere to write its record, and written atomically afterwards.
import * as fs from "fs";
import * as path from "path";
import { InvalidInputError } from "./errors";
import type { DecisionEvidence, EvidenceRecord } from "./evidence";

// Files of a Pulumi project that an evidence path must never replace: overwriting
// Pulumi.<stack>.yaml loses the stack's config and its `encryptionsalt`.
const PROJECT_FILES = /^(Pulumi(\.[^/]+)?\.ya?ml|package(-lock)?\.json|tsconfig\.json|index\.ts)$/;

/**
 * Checks `--evidence` before anything runs, so that a deploy never finishes with nowhere to write
 * its record: not a directory, not one of the project's own files, not an existing file that is
 * not an evidence record, and a directory where this process can create a file. Returns the
 * absolute path.
 */
export function checkEvidencePath(file: string, projectDir: string): string {
    const bad = (problem: string) => new InvalidInputError("evidenceFile", file, problem);
    if (file.trim() === "") throw bad("must name a file (e.g. `evidence/deploy.json`), and is empty");
    if (file === "-") throw bad("must name a file; to print the record, use `--json` instead");
    const absolute = path.resolve(file);
    let stat: fs.Stats | undefined;
    try {
        stat = fs.statSync(absolute);
    } catch {
        stat = undefined;
    }
    if (stat?.isDirectory() || file.endsWith(path.sep)) throw bad("is a directory; name a file inside it, e.g. `evidence/deploy.json`");
    // Compared with links resolved: a path through a symlink to the project is the project.
    const project = realDirectory(path.resolve(projectDir));
    const target = path.join(realDirectory(path.dirname(absolute)), path.basename(absolute));
    if (path.dirname(target) === project && PROJECT_FILES.test(path.basename(target))) {
        throw bad("is one of the project's own files; write evidence elsewhere, e.g. `evidence/deploy.json`");
    }
    if ((target + path.sep).startsWith(path.join(project, ".pulumi-state") + path.sep)) {
        throw bad("is inside `.pulumi-state/`, which holds the stack state and the driver's locks; write evidence elsewhere, e.g. `evidence/deploy.json`");
    }
    if (stat !== undefined) {
        if (!stat.isFile()) throw bad("exists and is not a regular file");
        let existing: unknown;
        try {
            existing = JSON.parse(fs.readFileSync(absolute, "utf8"));
        } catch {
            existing = undefined;
        }
        if (!/^papyrus\.deploy-evidence\//.test(String((existing as { schema?: unknown })?.schema))) {
            throw bad("exists and is not an evidence record; it would be overwritten. Choose a new file");
        }
    }
    const dir = path.dirname(absolute);
    try {
        fs.mkdirSync(dir, { recursive: true });
        const probe = path.join(dir, `.${path.basename(absolute)}.probe-${process.pid}`);
        fs.writeFileSync(probe, "");
        fs.rmSync(probe, { force: true });
    } catch (err) {
        throw bad(`cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} in \`${dir}\`); choose a writable place`);
    }
    return absolute;
}

/** `dir` with symlinks resolved, as far up as it exists (the rest may be created later). */
function realDirectory(dir: string): string {
    try {
        return fs.realpathSync(dir);
    } catch {
        const parent = path.dirname(dir);
        return parent === dir ? dir : path.join(realDirectory(parent), path.basename(dir));
    }
}

/** Writes `record` atomically (a temporary file in the same directory, then a rename); never leaves the temporary file behind. */
export function writeEvidence(file: string, record: EvidenceRecord | DecisionEvidence): void {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
        fs.renameSync(tmp, file);
    } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
    }
}
