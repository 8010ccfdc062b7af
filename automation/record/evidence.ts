// The evidence record: one JSON document per deploy, rollback or promote saying which
// digest the stack runs afterwards (read from the engine's state, never from
// what the driver asked for), what was asked, when, on which stack, and who
// asked (with the CI run's identity from the standard GitHub Actions variables).
// Its file is evidenceFile.ts's; who asked is requester.ts's.
import type { AwaitingHook, ServiceDeploymentFacts } from "./ecsFacts";
import type { SmokeTestNote } from "../update/smokeTest";
import type { HookDecision } from "./decisions";
import type { Severity } from "../../components/configSchema";
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

// ---- what each step of an update notes: kept here, so the steps import the record and it imports none of them ----

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
    /** With `--version`: whether that deployment is among the source's protected ones (`<project>:protectDeployments`). */
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
    /** ECS's own record of the deployment (the service-deployments API), as last seen. */
    readonly serviceDeployment?: ServiceDeploymentFacts;
    /** Who continued or rolled back the deployment at a PAUSE hook, or aborted it, and why. */
    readonly decisions?: readonly HookDecision[];
    /** The smoke tests run at PAUSE hooks. */
    readonly smokeTests?: readonly SmokeTestNote[];
    /** The PAUSE hook the deployment still waited at when the driver stopped following it. */
    readonly awaiting?: AwaitingHook;
}

/** Most severe first, as ECR names them (basic and enhanced scanning). */

/** What the gate saw and decided: the evidence's `scan`. */
export interface ScanNote {
    readonly threshold: Severity | "off";
    /** ECR's scan status (`COMPLETE`, `ACTIVE`, `IN_PROGRESS`, `FAILED`, …), or `NOT_FOUND` when the digest has no scan. */
    readonly status?: string;
    /** Findings by severity, as ECR counts them. */
    readonly counts?: Readonly<Record<string, number>>;
    readonly completedAt?: string;
    /** `passed`: nothing at or above the threshold. `accepted`: it was, or the scan was unfinished or missing, and `--accept-findings` said why. `unavailable`: no findings to read, deployed anyway (`<project>:scanRequired` false). `off`: not read. */
    readonly decision: "passed" | "accepted" | "unavailable" | "off";
    readonly accepted?: { readonly reason: string; readonly by: string };
    /** How long the gate waited for a running scan. */
    readonly waitedMs?: number;
}

/** One slot moved to (or first set on) a digest. */
export interface SlotMove {
    readonly slot: number;
    readonly tag: string;
    readonly digest: string;
    /** The digest the slot held before, if any: it loses this protection. */
    readonly from?: string;
}

/** What protection did after an update: the evidence's `protection`. */
export interface ProtectionNote {
    /** The stack's slots: `deployed-<stack>-slot1` … `slot<keep>`. */
    readonly tags: string;
    readonly keep: number;
    /** Slot tag → digest, as the repository has it afterwards (moves that failed are not in it). */
    readonly protected: Readonly<Record<string, string>>;
    readonly moved: readonly SlotMove[];
    readonly released: readonly string[];
    /** What could not be done; the update itself is not affected. */
    readonly problems?: readonly string[];
}

/** What the restore did: the evidence's `restore`. */
export interface RestoreNote {
    /** The image's status when the rollback found it. */
    readonly found: string;
    /** True when this run asked ECR to restore it (false: a restore was already under way). */
    readonly requested: boolean;
    readonly requestedAt?: string;
    readonly waitedMs: number;
    readonly activeAt: string;
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

/**
 * What `buildEvidence` assembles the record from: the record's own fields, less those it derives (from
 * the resolved image, the state's image afterwards, dates, counts) and those set after it is built.
 */
export type EvidenceFacts = Omit<
    EvidenceRecord,
    // Derived below.
    | "schema"
    | "repository"
    | "repositoryUrl"
    | "requestedDigest"
    | "mediaType"
    | "isIndex"
    | "image"
    | "imageDigest"
    | "imageTag"
    | "pendingOperations"
    | "warnings"
    | "startedAt"
    | "finishedAt"
    // Set afterwards: by a reconcile after ECS's rollback, a reconcile with nothing to do, the error that ends the update.
    | "reconciledBy"
    | "unchanged"
    | "error"
> & {
    readonly resolved: {
        readonly repositoryName: string;
        readonly repositoryUrl: string;
        readonly digest: string;
        readonly mediaType: string;
        readonly isIndex: boolean;
    };
    readonly tag?: string;
    /** What the state runs after the update. */
    readonly after?: { readonly image: string; readonly digest: string };
    readonly pendingOperations: number;
    readonly warnings: readonly string[];
    readonly startedAt: Date;
    readonly finishedAt: Date;
};

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

export const DECISION_EVIDENCE_SCHEMA = "papyrus.decision-evidence/v1";

/** The record of an `approve` or `abort`: what was decided about which deployment, by whom, and what ECS did then. */
export interface DecisionEvidence {
    readonly schema: typeof DECISION_EVIDENCE_SCHEMA;
    readonly kind: "approve" | "abort";
    readonly stack: string;
    readonly stackQualified: string;
    /** The update whose deployment it was (history's version). */
    readonly updateVersion?: number;
    readonly decision: HookDecision;
    /** The stack tag the decision is kept in. */
    readonly tag?: string;
    /** ECS's record of the deployment, as last seen (after the rollback, for `abort`). */
    readonly serviceDeployment?: ServiceDeploymentFacts;
    /** `abort`: the reconcile that made the stack record what ECS runs again, or why it did not run here. */
    readonly reconcile?: { readonly result: "succeeded" | "unchanged" | "left" | "failed"; readonly updateVersion?: number; readonly note: string };
    readonly ci?: CiIdentity;
    readonly error?: string;
}
