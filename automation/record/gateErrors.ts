// Typed errors: nothing to take, or a gate refused what was asked (no rollback target, nothing to
// promote, a digest the source never finished, a source whose ECS does not run what it recorded).
// Nothing was changed.
import { qualifiedKey } from "../../components/configSchema";
import { DeployError, EXIT_CODES } from "./deployError";

export class NoRollbackTargetError extends DeployError {
    readonly exitCode = EXIT_CODES.nothingToRollBackTo;
    constructor(
        readonly stack: string,
        reason: string,
    ) {
        super(`stack \`${stack}\` has nothing to roll back to: ${reason}; see \`papyrus-deploy history --stack ${stack}\``);
    }
}

/** `promote` found nothing on the source stack to take: no deployment, or not the one named. */
export class NothingToPromoteError extends DeployError {
    readonly exitCode = EXIT_CODES.nothingToRollBackTo;
    constructor(
        readonly stack: string,
        reason: string,
    ) {
        super(`stack \`${stack}\` has nothing to promote: ${reason}; nothing was changed. See \`papyrus-deploy history --stack ${stack}\``);
    }
}

/** The stack takes only digests that succeeded on its promotion source (`<project>:promoteFrom`), and this one never did. */
export class NotPromotedError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(
        readonly stack: string,
        readonly source: string,
        tag: string,
        digest: string,
        project: string,
    ) {
        super(
            `stack \`${stack}\` takes only digests whose release completed on \`${source}\` (\`${qualifiedKey(project, "promoteFrom")}\` in its stack config), ` +
                `and \`${tag}\` (${digest}) never ran there; nothing was changed. Deploy it to ${source} first, then run ` +
                `\`papyrus-deploy promote --from ${source} --to ${stack}\``,
        );
    }
}

/**
 * A release gate refused: the source's update that ran the digest has a release verdict other than
 * `completed` (automation/record/verdict.ts), so it is not known to have run as a finished ECS deployment.
 */
export class NotReleasedError extends DeployError {
    readonly exitCode = EXIT_CODES.notReleased;
    constructor(
        readonly stack: string,
        readonly version: number,
        readonly digest: string,
        readonly verdict: string,
        reason: string,
        /** What the gate was asked: `promote`, or `deploy` to a stack with `<project>:promoteFrom`. */
        gate: string,
    ) {
        const next =
            verdict === "in-progress" || verdict === "unknown"
                ? `Run \`papyrus-deploy verify --stack ${stack}\` once ECS has finished (it records ECS's outcome for the update the stack runs), then try again`
                : `Deploy a fixed build to ${stack} first, or pick an update whose RELEASE is \`completed\` in \`papyrus-deploy history --stack ${stack}\``;
        super(
            `${gate} refused: update ${version} of stack \`${stack}\` (${digest}) has release verdict \`${verdict}\`: ${reason}; nothing was changed. ${next}`,
        );
    }
}

/** What ECS runs on the promotion source is not what its state recorded: promote takes no drifted digest. */
export class SourceDriftError extends DeployError {
    readonly exitCode = EXIT_CODES.drift;
    constructor(
        readonly stack: string,
        readonly recorded: string,
        readonly running: readonly string[],
    ) {
        super(
            `stack \`${stack}\` recorded \`${recorded}\` but ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}, so it is not known to run as recorded; ` +
                `nothing was changed. Check its service events and deploy or roll it back, or promote a named deployment with \`--version N\` (see \`papyrus-deploy history --stack ${stack}\`)`,
        );
    }
}

/** What ECS runs on the promotion source could not be read (no cluster, no service): nothing was changed. */
export class SourceNotVerifiedError extends DeployError {
    readonly exitCode = EXIT_CODES.notVerified;
    constructor(
        readonly stack: string,
        reason: string,
    ) {
        super(
            `what ECS runs for stack \`${stack}\` could not be checked: ${reason}; nothing was changed. ` +
                `Run \`papyrus-deploy verify --stack ${stack}\` once ECS answers, or promote a named deployment with \`--version N\``,
        );
    }
}
