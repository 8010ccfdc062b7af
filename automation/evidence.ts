// The evidence record: one JSON document per deploy or rollback saying which
// digest ran, when, on which stack, and who asked (with the CI run's identity
// from the standard GitHub Actions variables when present).
import * as fs from "fs";
import * as path from "path";

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

export interface EvidenceRecord {
    readonly schema: "papyrus.deploy-evidence/v1";
    readonly kind: "deploy" | "rollback" | "infra";
    readonly stack: string;
    readonly repository: string;
    readonly repositoryUrl: string;
    readonly image: string;
    readonly imageTag?: string;
    readonly imageDigest: string;
    readonly mediaType: string;
    readonly isIndex: boolean;
    readonly previousDigest?: string;
    readonly updateVersion?: number;
    readonly result: "succeeded" | "failed" | "cancelled";
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly requestedBy: string;
    readonly rollbackOf?: { readonly version: number; readonly digest?: string };
    readonly verify?: { readonly inSync: boolean; readonly running: readonly string[] } | { readonly skipped: string };
    readonly ci?: CiIdentity;
    readonly error?: string;
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
        runUrl: env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
            ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
            : undefined,
        actor: env.GITHUB_ACTOR,
        ref: env.GITHUB_REF,
        sha: env.GITHUB_SHA,
        environment: env.GITHUB_ENVIRONMENT,
    };
}

/** Who asked: the CI actor, else the local user. */
export function requester(env: NodeJS.ProcessEnv = process.env): string {
    if (env.GITHUB_ACTIONS === "true" && env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (github-actions)`;
    return env.PAPYRUS_DEPLOYER ?? env.USER ?? env.LOGNAME ?? "unknown";
}

export function writeEvidence(file: string, record: EvidenceRecord): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
    fs.renameSync(tmp, file);
}
