// Typed errors: the image to deploy is missing or unusable in ECR (never pushed, deleted, archived,
// not replicated in time). Nothing was changed.
import { DeployError, EXIT_CODES } from "./deployError";

export class RepositoryNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(readonly repositoryName: string) {
        super(
            `ECR repository \`${repositoryName}\` does not exist (from \`repositoryName\` in the stack config); run \`pulumi up\` once to create it, or fix the stack config`,
        );
    }
}

export class ImageNotFoundError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly input: string,
        readonly value: string,
    ) {
        super(
            `\`${input}\` names no image in \`${repositoryName}\`, got \`${value}\`; push it first (CI's ecr-push workflow) or check the spelling with \`aws ecr describe-images --repository-name ${repositoryName}\``,
        );
    }

    /** The same error naming `name` instead (see `InvalidInputError.withInput`). */
    withInput(name: string): ImageNotFoundError {
        return new ImageNotFoundError(this.repositoryName, name, this.value);
    }
}

export class ImageArchivedError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly value: string,
        readonly digest: string,
        readonly status: string,
    ) {
        super(
            `image \`${repositoryName}:${value}\` (${digest}) is ${status} and cannot be pulled by ECS; restore it in ECR first (\`aws ecr update-image-storage-class\` / the console) or deploy another tag`,
        );
    }
}

/** The rollback target found in history is no longer in ECR. */
export class RollbackTargetGoneError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        readonly updateVersion: number,
        reason: string,
    ) {
        super(
            `rollback target (update ${updateVersion}, ${digest}) ${reason} in \`${repositoryName}\`; nothing was changed. Pick another target with \`--to-version\` (see \`history\`), or re-push that build`,
        );
    }
}

/** `reconcile`: the image ECS runs is gone from ECR (deleted or archived), so recording it would name an image ECS cannot pull again. */
export class ReconcileTargetGoneError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly stack: string,
        readonly repositoryName: string,
        readonly image: string,
        reason: string,
    ) {
        super(
            `ECS runs \`${image}\` on stack \`${stack}\`, but ${reason} in \`${repositoryName}\`: recording it would name an image ECS cannot pull again (a scale-out or a replaced task would fail); nothing was changed. Deploy a tag or roll back to a digest still in ECR (see \`papyrus-deploy history --stack ${stack}\`)`,
        );
    }
}

/** The promoted digest did not reach the target's repository within `--wait`. */
export class ReplicaMissingError extends DeployError {
    readonly exitCode = EXIT_CODES.imageUnavailable;
    constructor(
        readonly repositoryName: string,
        readonly digest: string,
        target: string,
        region: string,
        source: string,
        waited: string,
    ) {
        super(
            `${digest} from stack \`${source}\` is not in \`${repositoryName}\` of stack \`${target}\` (${region}) after waiting ${waited}; nothing was changed. ` +
                `Replication from ${source}'s registry (\`replicateTo\` in its stack config) has not delivered it: check it with ` +
                `\`aws ecr describe-image-replication-status --repository-name ${repositoryName} --image-id imageDigest=${digest}\` in ${source}'s region, ` +
                "then run promote again (`--wait` waits longer)",
        );
    }
}
