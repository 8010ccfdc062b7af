// `papyrus-deploy deploy`: resolve a tag to its digest and run `up` with
// `<repositoryUrl>@sha256:<digest>`. Describe (the tag in the stack's repository) →
// decide (the promotion gate, the scan gate) → do and wait (`up`, then ECS) → record.
import { digestReference } from "../../components/imageReference";
import { resolveTag } from "../aws/ecr";
import { acceptFindingsReason, gateDigest } from "../aws/scanGate";
import { classifyEngineError, engineErrorSummary } from "../engine/errors";
import { withEngineInterrupt } from "../engine/interrupt";
import { InterruptedError, InvalidInputError, UpdateFailedError } from "../record/errors";
import { TagPolicy, validateTag } from "../record/tags";
import { qualifiedKey } from "../../components/configSchema";
import { writeUpdateConfig } from "../record/updateConfig";
import { DeployResult } from "../update/outcome";
import { checkPromotionGate } from "../update/promotionGate";
import { runUpdate } from "../update/runUpdate";
import { ecrClient, requireConfig, Session, throwIfAborted, UpdateOptions, withLockedSession } from "../update/session";

export interface DeployOptions extends UpdateOptions {
    readonly tag: string;
    readonly tagPolicy?: TagPolicy;
    /** Preview only: nothing is changed, config included. */
    readonly preview?: boolean;
    /** Why scan findings at or above the stack's threshold are accepted (`--accept-findings`); recorded in the evidence. */
    readonly acceptFindings?: string;
}

/** Resolves `tag` to its digest and runs `up` with `<repositoryUrl>@sha256:<digest>`. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
    if (options.preview && options.evidenceFile !== undefined) {
        throw new InvalidInputError(
            "evidenceFile",
            options.evidenceFile,
            "is the record of an update, and `preview: true` runs none (a preview changes nothing and leaves no record); drop one of them",
        );
    }
    validateTag(options.tag, options.tagPolicy);
    const accept = options.acceptFindings === undefined ? undefined : acceptFindingsReason(options.acceptFindings);
    return withLockedSession(options, async (session) => {
        // Describe: the digest the tag names in the stack's own repository.
        const repositoryName = requireConfig(session, "repositoryName");
        const resolved = await resolveTag(ecrClient(session), repositoryName, options.tag);
        const image = digestReference(resolved.repositoryUrl, resolved.digest, { input: "tag" });
        // Decide: a digest the stack's promotion source never completed, or findings over the threshold, go no further.
        await checkPromotionGate(
            session,
            options.tag,
            resolved.digest,
            `deploy to \`${session.displayName}\` (\`${qualifiedKey(session.config.project, "promoteFrom")}\`)`,
        );
        const scan = await gateDigest(
            session,
            ecrClient(session),
            resolved,
            accept,
            `papyrus-deploy deploy --stack ${session.displayName} --tag ${options.tag}`,
        );
        throwIfAborted(session);
        if (options.preview) {
            await preview(session, image, options.tag);
            return { kind: "preview", stack: session.displayName, image, resolved, recovered: session.recovered };
        }
        // Do, wait and record.
        return runUpdate(session, { kind: "deploy", image, resolved, tag: options.tag, scan });
    });
}

/** `pulumi preview` with the image the deploy would set: nothing is changed, and no record is left. */
async function preview(session: Session, image: string, tag: string): Promise<void> {
    const { options } = session;
    const configFile = writeUpdateConfig(session.workDir, session.identity.name, {
        image,
        imageTag: tag,
        deployKind: "deploy",
        deployedBy: session.requestedBy,
    });
    try {
        await withEngineInterrupt(options, (engine) => session.stack.preview({ ...engine, configFile: configFile.path })).catch((err: unknown) => {
            if (options.signal?.aborted) throw new InterruptedError(session.displayName, "the preview was cancelled; nothing was changed");
            throw (
                classifyEngineError(err, session) ??
                new UpdateFailedError(session.displayName, image, "nothing was changed", `Preview failed: ${engineErrorSummary(err)}`)
            );
        });
    } finally {
        configFile.remove();
    }
}
