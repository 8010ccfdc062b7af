// The evidence record: one JSON document per deploy, rollback or promote saying which
// digest the stack runs afterwards (read from the engine's state, never from
// what the driver asked for), what was asked, when, on which stack, and who
// asked (with the CI run's identity from the standard GitHub Actions variables).
import * as fs from "fs";
import * as path from "path";
import { InvalidInputError } from "./errors";
import { escapeUnprintable, hasUnprintable } from "./printable";
import type { ProtectionNote } from "../aws/protect";
import type { RestoreNote } from "../aws/restore";
import type { ScanNote } from "../aws/scanGate";
import type { UpdateKind } from "./updateKinds";
import type { EcsOutcome, Verdict } from "./verdict";

export const EVIDENCE_SCHEMA = "papyrus.deploy-evidence/v2";

export interface CiIdentity {
    readonly provider: "github-actions";
    readonly repository?: string;
    readonly workflow?: string;
    readonly runId?: string;
    readonly runAttempt?: string;
    readonly runUrl?: string;
    readonly actor?: string;
    readonly ref?: string;
    readonly sha?: string;
    readonly environment?: string;
}

export type VerifyNote = { readonly inSync: boolean; readonly running: readonly string[] } | { readonly skipped: string } | { readonly failed: string };

/** Where a promoted digest came from: the source stack's deployment that ran it (schema v2, optional). */
export interface PromotedFrom {
    /** The source stack as given (`dev`). */
    readonly stack: string;
    /** The source's update that deployed the digest (its number in `history --stack <source>`). */
    readonly version: number;
    readonly digest: string;
    readonly tag?: string;
    /** The source's image reference, in the source's repository. */
    readonly image?: string;
    /** What ECS ran on the source when it was checked; unset with `--version` (no check). */
    readonly sourceVerify?: VerifyNote;
    /** With `--version`: whether that deployment is among the source's protected ones (`papyrus:protectDeployments`). */
    readonly protected?: boolean;
    /** The source update's release verdict when it was promoted (always `completed`: nothing else passes). */
    readonly release?: Verdict;
}

/** The ECS deployment the update started, as far as the driver followed it (rollout.ts). */
export interface RolloutNote {
    readonly deploymentId?: string;
    readonly state: "COMPLETED" | "FAILED" | "IN_PROGRESS" | "UNCHANGED";
    /** The digest ECS runs at the end, when it is not the recorded one (after ECS rolled back). */
    readonly runningDigest?: string;
    /** ECS service events since the update started, oldest first. */
    readonly events?: readonly string[];
}

/** The update's release verdict as recorded (automation/record/verdict.ts): what every gate reads later. */
export interface ReleaseNote {
    readonly verdict: Verdict;
    readonly ecs: EcsOutcome;
    readonly reason: string;
    /** The stack tag that keeps it. */
    readonly tag: string;
    /** False when the tag could not be written (the warnings say why): gates then read `unknown`. */
    readonly recorded: boolean;
}

export interface EvidenceRecord {
    readonly schema: typeof EVIDENCE_SCHEMA;
    readonly kind: UpdateKind;
    /** As given (`dev`), and as the engine names it (`organization/papyrus/dev`). */
    readonly stack: string;
    readonly stackQualified: string;
    readonly repository: string;
    readonly repositoryUrl: string;
    /** What the stack's state runs after this update: the record. Null when the state has no service. */
    readonly image: string | null;
    readonly imageDigest: string | null;
    /** True when the state runs the requested digest (also after a cancel or a failure, if it got that far). */
    readonly applied: boolean;
    /** What the driver asked for. */
    readonly requestedImage: string;
    readonly requestedDigest: string;
    readonly imageTag?: string;
    readonly mediaType: string;
    readonly isIndex: boolean;
    /** What the state ran before this update. */
    readonly previousDigest?: string;
    readonly updateVersion?: number;
    /** Operations an engine stopped mid-step left in the state: what runs is then uncertain until a refresh. */
    readonly pendingOperations?: number;
    /** E.g. another update that ran between this command's read of the stack and its own update. */
    readonly warnings?: readonly string[];
    /**
     * How the command ended: `succeeded` only when the state took the digest and ECS runs it (when
     * checked); `failed` when the engine failed, ECS rolled the update back, the rollout did not
     * finish or ECS could not be checked (`error` says which); `cancelled` when interrupted. The
     * history keeps the engine's own result.
     */
    readonly result: "succeeded" | "failed" | "cancelled";
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly requestedBy: string;
    readonly rollbackOf?: { readonly version: number; readonly digest?: string };
    /** Set for `promote`: the source stack's deployment whose digest this update deployed. */
    readonly promotedFrom?: PromotedFrom;
    /** Set for `reconcile`: the update whose digest ECS rolled back, and that digest. */
    readonly reconcileOf?: { readonly version?: number; readonly digest?: string };
    /** Set when `--on-rollback reconcile` ran a reconcile after ECS rolled this update back. */
    readonly reconciledBy?: { readonly updateVersion?: number; readonly digest: string | null; readonly result: string; readonly error?: string };
    readonly verify?: VerifyNote;
    readonly rollout?: RolloutNote;
    /** The stack's `loadBalancerUrl` output after the update, if it has one. */
    readonly loadBalancerUrl?: string;
    /** `deploy` and `promote`: the digest's scan findings and the gate's decision (automation/aws/scanGate.ts). */
    readonly scan?: ScanNote;
    /** The stack's protective tags after the update (automation/aws/protect.ts). */
    readonly protection?: ProtectionNote;
    /** `rollback --restore`: the archived target's restore (automation/aws/restore.ts). */
    readonly restore?: RestoreNote;
    /** The update's release verdict, as recorded for every later gate; unset when the engine recorded no update. */
    readonly release?: ReleaseNote;
    readonly ci?: CiIdentity;
    /** Set when the command ran no update because there was nothing to change (a `reconcile` when state and ECS agree). */
    readonly unchanged?: string;
    readonly error?: string;
}

/** What `buildEvidence` assembles the record from: what was asked, and what the engine and ECS recorded. */
export interface EvidenceFacts {
    readonly kind: UpdateKind;
    readonly stack: string;
    readonly stackQualified: string;
    readonly resolved: {
        readonly repositoryName: string;
        readonly repositoryUrl: string;
        readonly digest: string;
        readonly mediaType: string;
        readonly isIndex: boolean;
    };
    readonly requestedImage: string;
    readonly tag?: string;
    /** What the state runs after the update. */
    readonly after?: { readonly image: string; readonly digest: string };
    readonly applied: boolean;
    readonly previousDigest?: string;
    readonly updateVersion?: number;
    readonly pendingOperations: number;
    readonly warnings: readonly string[];
    readonly result: EvidenceRecord["result"];
    readonly startedAt: Date;
    readonly finishedAt: Date;
    readonly requestedBy: string;
    readonly rollbackOf?: EvidenceRecord["rollbackOf"];
    readonly promotedFrom?: PromotedFrom;
    readonly reconcileOf?: EvidenceRecord["reconcileOf"];
    readonly verify?: VerifyNote;
    readonly rollout?: RolloutNote;
    readonly loadBalancerUrl?: string;
    readonly scan?: ScanNote;
    readonly protection?: ProtectionNote;
    readonly restore?: RestoreNote;
    readonly release?: ReleaseNote;
    readonly ci?: CiIdentity;
}

/** The evidence record of one update: `image`/`imageDigest` are the state's, `requested*` what was asked. */
export function buildEvidence(facts: EvidenceFacts): EvidenceRecord {
    return {
        schema: EVIDENCE_SCHEMA,
        kind: facts.kind,
        stack: facts.stack,
        stackQualified: facts.stackQualified,
        repository: facts.resolved.repositoryName,
        repositoryUrl: facts.resolved.repositoryUrl,
        image: facts.after?.image ?? null,
        imageDigest: facts.after?.digest ?? null,
        applied: facts.applied,
        requestedImage: facts.requestedImage,
        requestedDigest: facts.resolved.digest,
        imageTag: facts.tag,
        mediaType: facts.resolved.mediaType,
        isIndex: facts.resolved.isIndex,
        previousDigest: facts.previousDigest,
        updateVersion: facts.updateVersion,
        pendingOperations: facts.pendingOperations > 0 ? facts.pendingOperations : undefined,
        warnings: facts.warnings.length > 0 ? facts.warnings : undefined,
        result: facts.result,
        startedAt: facts.startedAt.toISOString(),
        finishedAt: facts.finishedAt.toISOString(),
        requestedBy: facts.requestedBy,
        rollbackOf: facts.rollbackOf,
        promotedFrom: facts.promotedFrom,
        reconcileOf: facts.reconcileOf,
        verify: facts.verify,
        rollout: facts.rollout,
        loadBalancerUrl: facts.loadBalancerUrl,
        scan: facts.scan,
        protection: facts.protection,
        restore: facts.restore,
        release: facts.release,
        ci: facts.ci,
    };
}

export function ciIdentity(env: NodeJS.ProcessEnv = process.env): CiIdentity | undefined {
    if (env.GITHUB_ACTIONS !== "true") return undefined;
    const server = env.GITHUB_SERVER_URL ?? "https://github.com";
    return {
        provider: "github-actions",
        repository: env.GITHUB_REPOSITORY,
        workflow: env.GITHUB_WORKFLOW,
        runId: env.GITHUB_RUN_ID,
        runAttempt: env.GITHUB_RUN_ATTEMPT,
        runUrl: env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
        actor: env.GITHUB_ACTOR,
        ref: env.GITHUB_REF,
        sha: env.GITHUB_SHA,
        environment: env.GITHUB_ENVIRONMENT,
    };
}

/**
 * Who asked: the CI actor (`GITHUB_ACTOR`, in GitHub Actions), else `PAPYRUS_DEPLOYER`, `USER`,
 * `LOGNAME`, else `unknown`. A source that is unset, empty or only blanks is skipped; the one taken
 * is trimmed. One with a control character or a line break is refused (exit 2, naming the variable
 * and showing the value escaped): it would be recorded in the history and the evidence, and a line
 * break in it would forge a row of `history`.
 */
export function requester(env: NodeJS.ProcessEnv = process.env): string {
    if (env.GITHUB_ACTIONS === "true") {
        const actor = requesterValue("GITHUB_ACTOR", env.GITHUB_ACTOR);
        if (actor !== undefined) return `${actor} (github-actions)`;
    }
    for (const name of ["PAPYRUS_DEPLOYER", "USER", "LOGNAME"]) {
        const value = requesterValue(name, env[name]);
        if (value !== undefined) return value;
    }
    return "unknown";
}

/** The library's `requestedBy` when it says something (checked as `requester` checks a variable), else `requester(env)`. */
export function requestedByOf(options: { readonly requestedBy?: string; readonly env?: NodeJS.ProcessEnv }): string {
    return requesterValue("requestedBy", options.requestedBy) ?? requester(options.env);
}

/** One source of the requester: undefined when unset or blank; refused with a control character. */
function requesterValue(name: string, value: string | undefined): string | undefined {
    const trimmed = value?.trim();
    if (trimmed === undefined || trimmed === "") return undefined;
    if (hasUnprintable(trimmed)) {
        throw new InvalidInputError(
            name,
            escapeUnprintable(value!),
            "names who asked, which goes into the stack history and the evidence, and has a control character or a line break (shown escaped); " +
                `set it to a plain name such as \`alice\`, or unset it to use the next of GITHUB_ACTOR (in CI), PAPYRUS_DEPLOYER, USER, LOGNAME`,
        );
    }
    return trimmed;
}

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
export function writeEvidence(file: string, record: EvidenceRecord): void {
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
