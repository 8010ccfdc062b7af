// Typed errors of the deploy driver. Each says what happened, names the input
// and the bad value, says what to do, and carries the CLI's exit code.

export const EXIT_CODES = {
    ok: 0,
    unexpected: 1,
    usage: 2,
    imageUnavailable: 3,
    stackBusy: 4,
    updateFailed: 5,
    drift: 6,
    nothingToRollBackTo: 7,
    interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export abstract class DeployError extends Error {
    abstract readonly exitCode: ExitCode;
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
    }
}

/** A flag or value that can never work: fix the command line. */
export class InvalidInputError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(readonly input: string, readonly value: string, problem: string) {
        super(`\`${input}\` ${problem}, got \`${value}\``);
    }
}

/** The stack does not exist in the selected backend. */
export class StackNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.usage;
    constructor(readonly stack: string, backend: string) {
        super(`stack \`${stack}\` does not exist in ${backend}; create it once with \`pulumi stack init ${stack}\` (and \`pulumi up -s ${stack}\` to create the repository) before deploying images to it`);
    }
}

export class RepositoryNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(readonly repositoryName: string) {
        super(`ECR repository \`${repositoryName}\` does not exist (from \`papyrus:repositoryName\`); run \`pulumi up\` once to create it, or fix the stack config`);
    }
}

export class ImageNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(readonly repositoryName: string, readonly input: string, readonly value: string) {
        super(`\`${input}\` names no image in \`${repositoryName}\`, got \`${value}\`; push it first (CI's ecr-push workflow) or check the spelling with \`aws ecr describe-images --repository-name ${repositoryName}\``);
    }
}

export class ImageArchivedError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(readonly repositoryName: string, readonly value: string, readonly digest: string, readonly status: string) {
        super(`image \`${repositoryName}:${value}\` (${digest}) is ${status} and cannot be pulled by ECS; restore it in ECR first (\`aws ecr update-image-storage-class\` / the console) or deploy another tag`);
    }
}

/** The rollback target found in history is no longer in ECR. */
export class RollbackTargetGoneError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(readonly repositoryName: string, readonly digest: string, readonly updateVersion: number, reason: string) {
        super(`rollback target (update ${updateVersion}, ${digest}) ${reason} in \`${repositoryName}\`; nothing was changed. Pick another target with \`--to-version\` (see \`history\`), or re-push that build`);
    }
}

export class NoRollbackTargetError extends DeployError {
    readonly exitCode = EXIT_CODES.nothingToRollBackTo;
    constructor(readonly stack: string, reason: string) {
        super(`stack \`${stack}\` has nothing to roll back to: ${reason}; see \`history --stack ${stack}\``);
    }
}

/** Another deploy holds the stack: ours changed nothing. */
export class StackBusyError extends DeployError {
    readonly exitCode = EXIT_CODES.stackBusy;
    constructor(readonly stack: string, readonly holder: string) {
        super(`stack \`${stack}\` is being deployed by ${holder}; nothing was changed, try again when it finishes`);
    }
}

export class UpdateFailedError extends DeployError {
    readonly exitCode = EXIT_CODES.updateFailed;
    constructor(readonly stack: string, readonly image: string, detail: string) {
        super(`update of stack \`${stack}\` to \`${image}\` failed; the stack config was restored to what it was. ${detail}`);
    }
}

export class InterruptedError extends DeployError {
    readonly exitCode = EXIT_CODES.interrupted;
    constructor(readonly stack: string) {
        super(`deploy of stack \`${stack}\` was interrupted and cancelled; the stack config was restored. The next deploy checks for a stale lock and pending operations and clears them`);
    }
}

export class DriftError extends DeployError {
    readonly exitCode = EXIT_CODES.drift;
    constructor(readonly stack: string, readonly recorded: string, readonly running: readonly string[]) {
        super(`stack \`${stack}\` recorded \`${recorded}\` but ECS runs ${running.map((r) => `\`${r}\``).join(", ") || "nothing"}; the deployment circuit breaker may have rolled back. Check the service events, then deploy or roll back explicitly`);
    }
}
