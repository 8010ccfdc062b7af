// An ECR repository whose tags cannot be moved and whose release images are
// never expired, so every digest a stack history names can still be pulled.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    DEFAULT_UNTAGGED_EXPIRY_DAYS,
    ImmutableRepositoryArgs,
    immutableRepositoryProblems,
    untaggedOnlyLifecyclePolicy,
} from "./immutableRepositoryArgs";

export const IMMUTABLE_REPOSITORY_TYPE = "papyrus:aws:ImmutableRepository";

export {
    DEFAULT_UNTAGGED_EXPIRY_DAYS,
    ImmutableRepositoryArgs,
    immutableRepositoryProblems,
    RepositoryEncryption,
    untaggedOnlyLifecyclePolicy,
} from "./immutableRepositoryArgs";

/** An ECR repository with immutable tags, scan on push, encryption, and a lifecycle policy that never touches tagged images. */
export class ImmutableRepository extends pulumi.ComponentResource {
    public readonly repositoryName: pulumi.Output<string>;
    public readonly repositoryArn: pulumi.Output<string>;
    /** `<registry>/<name>`, the part of an image reference before `@sha256:`. */
    public readonly repositoryUrl: pulumi.Output<string>;

    constructor(name: string, args: ImmutableRepositoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(IMMUTABLE_REPOSITORY_TYPE, name, {}, opts);

        const problems = immutableRepositoryProblems(args);
        if (problems.length > 0) {
            throw new Error(`ImmutableRepository \`${name}\`: ${problems.join("; ")}`);
        }

        const repository = this.createRepository(name, args);
        this.createLifecyclePolicy(name, repository, args.untaggedExpiryDays ?? DEFAULT_UNTAGGED_EXPIRY_DAYS);

        this.repositoryName = repository.name;
        this.repositoryArn = repository.arn;
        this.repositoryUrl = repository.repositoryUrl;

        this.registerOutputs({
            repositoryName: this.repositoryName,
            repositoryArn: this.repositoryArn,
            repositoryUrl: this.repositoryUrl,
        });
    }

    private createRepository(name: string, args: ImmutableRepositoryArgs): aws.ecr.Repository {
        const exclusions = args.mutableTagExclusions ?? [];
        const encryption = args.encryption ?? { type: "AES256" };
        return new aws.ecr.Repository(`${name}-repository`, {
            name: args.repositoryName,
            // Exclusions only when asked for: by default no tag can ever move.
            imageTagMutability: exclusions.length > 0 ? "IMMUTABLE_WITH_EXCLUSION" : "IMMUTABLE",
            imageTagMutabilityExclusionFilters: exclusions.length > 0
                ? exclusions.map((filter) => ({ filter, filterType: "WILDCARD" }))
                : undefined,
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [encryption.type === "KMS"
                ? { encryptionType: "KMS", kmsKey: encryption.kmsKeyArn }
                : { encryptionType: "AES256" }],
            // Deleting the stack must not delete the images earlier deploys (and rollbacks) point at.
            forceDelete: false,
            tags: args.tags,
        }, { parent: this });
    }

    private createLifecyclePolicy(name: string, repository: aws.ecr.Repository, days: number): aws.ecr.LifecyclePolicy {
        return new aws.ecr.LifecyclePolicy(`${name}-lifecycle`, {
            repository: repository.name,
            policy: JSON.stringify(untaggedOnlyLifecyclePolicy(days)),
        }, { parent: this });
    }
}
