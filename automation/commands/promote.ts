// `papyrus-deploy promote --from <source> --to <target>`: deploy to one stack the digest
// another stack runs. Describe the source (its history, state and what its ECS service
// runs; never locked or changed) → decide (its release verdict, the target's gates) →
// wait for the digest in the target's repository → do and wait (`up`, then ECS) → record.
import { ECSClient } from "@aws-sdk/client-ecs";
import { digestReference } from "../../components/imageReference";
import { qualifiedKey } from "../../components/configSchema";
import { readSetting } from "../record/updateConfig";
import { isProtectedDeployment, unprotectedSourceWarning } from "../aws/protect";
import { awaitReplica } from "../aws/replica";
import { acceptFindingsReason, gateDigest } from "../aws/scanGate";
import { engineCall } from "../engine/errors";
import { backendFor, identityOf } from "../engine/workspace";
import { DeployError, InvalidInputError, NothingToPromoteError, NotReleasedError, SourceDriftError, SourceNotVerifiedError } from "../record/errors";
import type { PromotedFrom, VerifyNote } from "../record/evidence";
import { checkEvidencePath } from "../record/evidenceFile";
import { currentDeployment, Deployment, markRunning, readDeployments } from "../record/history";
import { verifyRunning } from "../update/ecs";
import { DeployResult } from "../update/outcome";
import { checkPromotionGate } from "../update/promotionGate";
import { runUpdate } from "../update/runUpdate";
import {
    checkedProjectDirectory,
    ecrClient,
    openSession,
    requireConfig,
    Session,
    stackRegion,
    throwIfAborted,
    UpdateOptions,
    withLockedSession,
} from "../update/session";

/** `stackName` is the target; `from` the stack whose digest it takes. */
export interface PromoteOptions extends UpdateOptions {
    /** The source stack: read (history, state, and what its ECS service runs), never locked or changed. */
    readonly from: string;
    /** The source's update to promote (`history --stack <from>`); unset: the one its state runs now, checked against ECS. */
    readonly version?: number;
    /** How long to wait for replication to bring the digest into the target's repository. @default 10 minutes */
    readonly waitMs?: number;
    /** @default 5 s */
    readonly pollIntervalMs?: number;
    /** The source's ECS client (the source may be in another region). @default from the source's `aws:region` */
    readonly sourceEcs?: ECSClient;
    /** Progress lines while waiting (at most one per 15 s). @default `onOutput` */
    readonly onProgress?: (line: string) => void;
    /** Why scan findings at or above the target's threshold are accepted (`--accept-findings`). */
    readonly acceptFindings?: string;
}

/**
 * Deploys to `stackName` the digest that stack `from` runs: the one its state runs now (checked against
 * what its ECS service runs), or its update `version`. The digest is looked up in the target's own
 * repository (replication brings it there; `waitMs` bounds the wait) and deployed by digest; the evidence
 * and the history name the source's stack, update, digest and tag. The source is only read.
 */
export async function promote(options: PromoteOptions): Promise<DeployResult> {
    const workDir = checkedProjectDirectory(options.workDir);
    if (options.evidenceFile !== undefined) checkEvidencePath(options.evidenceFile, workDir);
    const backendUrl = backendFor(workDir, options.envVars);
    const sourceOptions: UpdateOptions = { ...options, stackName: options.from, ecs: options.sourceEcs, ecr: undefined, evidenceFile: undefined };
    const source = await identityOf(sourceOptions, workDir, backendUrl).catch((err: unknown) => {
        throw err instanceof InvalidInputError && err.input === "stackName" ? err.withInput("from") : err;
    });
    const target = await identityOf(options, workDir, backendUrl);
    if (source.qualified === target.qualified) {
        throw new InvalidInputError(
            "stackName",
            options.stackName,
            `names the same stack as the source (\`${source.qualified}\`); promote takes the digest one stack runs to another stack`,
        );
    }
    // Everything about the source is settled before the target is locked (or recovered): a refusal changes nothing.
    const accept = options.acceptFindings === undefined ? undefined : acceptFindingsReason(options.acceptFindings);
    const sourceSession = await openSession(sourceOptions, { workDir, backendUrl, identity: source });
    const promotedFrom = await promotionSource(sourceSession, options.version, `promote from \`${options.from}\``);
    return withLockedSession(options, async (session) => {
        // The target's `<project>:promoteFrom`, exactly as `deploy` honours it (from another stack than
        // that one, the digest must still have completed there). From that stack itself, the source's
        // own verdict was just checked.
        const promoteFrom = readSetting(session.config, "promoteFrom");
        if (promoteFrom && (await identityOf({ ...options, stackName: promoteFrom }, session.workDir, session.backendUrl)).qualified !== source.qualified) {
            await checkPromotionGate(
                session,
                `${options.from}'s ${promotedFrom.tag ?? `update ${promotedFrom.version}`}`,
                promotedFrom.digest,
                `promote to \`${session.displayName}\` (\`${qualifiedKey(session.config.project, "promoteFrom")}\`)`,
            );
        }
        const repositoryName = requireConfig(session, "repositoryName");
        const resolved = await awaitReplica({
            ecr: ecrClient(session),
            repositoryName,
            digest: promotedFrom.digest,
            target: session.displayName,
            region: stackRegion(session.config) ?? "the default region",
            source: promotedFrom.stack,
            waitMs: options.waitMs,
            pollMs: options.pollIntervalMs,
            onProgress: options.onProgress ?? options.onOutput,
            signal: options.signal,
        });
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "promoted digest" });
        const scan = await gateDigest(
            session,
            ecrClient(session),
            resolved,
            accept,
            `papyrus-deploy promote --from ${options.from} --to ${session.displayName}`,
        );
        const warning = unprotectedSourceWarning(promotedFrom, options.from, session.config.project);
        throwIfAborted(session);
        return runUpdate(session, {
            kind: "promote",
            image,
            resolved,
            tag: promotedFrom.tag,
            promotedFrom,
            scan,
            warnings: warning === undefined ? [] : [warning],
        });
    });
}

/**
 * The source's deployment to promote: update `version`, or the one whose digest its state runs (checked
 * against ECS). Either way its release verdict must be `completed`: the engine succeeded and ECS finished
 * the deployment (verdict.ts), so prod never takes a digest ECS refused or has not finished on the source.
 */
async function promotionSource(source: Session, version: number | undefined, gate: string): Promise<PromotedFrom> {
    const deployments = markRunning(await engineCall(source, () => readDeployments(source.stack)), source.running);
    const released = (d: Deployment & { digest: string }) => {
        if (d.release.verdict !== "completed") throw new NotReleasedError(source.displayName, d.version, d.digest, d.release.verdict, d.release.reason, gate);
    };
    if (version !== undefined) {
        const found = deployments.find((d) => d.version === version);
        if (!found) throw new NothingToPromoteError(source.displayName, `no update ${version} in its history`);
        if (found.operation !== "update" || found.digest === undefined) {
            throw new NothingToPromoteError(
                source.displayName,
                `update ${version} ${found.operation !== "update" ? `is a ${found.operation}, which deploys no image` : "recorded no image"}`,
            );
        }
        released({ ...found, digest: found.digest });
        const keep = readSetting(source.config, "protectDeployments");
        return {
            stack: source.displayName,
            version: found.version,
            digest: found.digest,
            tag: found.tag,
            image: found.image,
            protected: isProtectedDeployment(deployments, source.running?.digest, found, keep),
            release: found.release.verdict,
        };
    }
    const running = source.running;
    if (!running) throw new NothingToPromoteError(source.displayName, "its state runs no service (nothing was deployed to it yet)");
    const deployed = currentDeployment(deployments);
    if (!deployed) {
        throw new NothingToPromoteError(
            source.displayName,
            `its state runs ${running.digest}, which no update in its history deployed; deploy a tag to it, or name an update with \`--version\``,
        );
    }
    // The update that put the digest in place, or a later redeploy of it that ECS completed (a cancelled
    // update that applied the image, then the same tag deployed again): the newest released one counts.
    const since = deployments.slice(0, deployments.indexOf(deployed) + 1);
    const releasedOne = since.find((d) => d.operation === "update" && d.digest === running.digest && d.release.verdict === "completed") ?? deployed;
    released({ ...releasedOne, digest: running.digest });
    const outcome = await verifyRunning(source, running, source.stackOutputs);
    if ("error" in outcome) {
        if (outcome.cause instanceof DeployError) throw outcome.cause; // AWS unreachable: exit 9, nothing changed
        throw new SourceNotVerifiedError(source.displayName, outcome.error);
    }
    if ("result" in outcome && !outcome.result.inSync) {
        throw new SourceDriftError(source.displayName, outcome.result.recorded, outcome.result.running);
    }
    const sourceVerify: VerifyNote = "result" in outcome ? { inSync: true, running: outcome.result.running } : { skipped: outcome.skipped };
    return {
        stack: source.displayName,
        version: releasedOne.version,
        digest: running.digest,
        tag: releasedOne.tag ?? deployed.tag,
        image: running.image,
        sourceVerify,
        release: releasedOne.release.verdict,
    };
}
