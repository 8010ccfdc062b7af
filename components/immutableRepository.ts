// An ECR repository whose tags cannot be moved (but for the protective
// `deployed-*` tags the driver moves between deployed digests), and whose
// lifecycle policy never expires an image a stack runs or ran in its last
// deployments, so a rollback target can still be pulled.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ImmutableRepositoryArgs, immutableRepositoryProblems, lifecyclePolicyOf, mutableTagFilters } from "./immutableRepositoryArgs";

export const IMMUTABLE_REPOSITORY_TYPE = "papyrus:aws:ImmutableRepository";

export {
    DEFAULT_UNTAGGED_EXPIRY_DAYS,
    ImmutableRepositoryArgs,
    immutableRepositoryProblems,
    lifecyclePolicyOf,
    mutableTagFilters,
    RepositoryEncryption,
    TaggedImageRetention,
} from "./immutableRepositoryArgs";

/** An ECR repository with immutable tags, scan on push, encryption, and a lifecycle policy that never expires a protected image. */
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
        this.createLifecyclePolicy(name, repository, args);

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
        const encryption = args.encryption ?? { type: "AES256" };
        return new aws.ecr.Repository(
            `${name}-repository`,
            {
                name: args.repositoryName,
                // Release tags never move; the protective `deployed-*` tags must (the driver moves a stack's
                // protection slots from digest to digest, which needs no delete permission), and so may the
                // tags named in `mutableTagExclusions`.
                imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters: mutableTagFilters(args.mutableTagExclusions).map((filter) => ({ filter, filterType: "WILDCARD" })),
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [encryption.type === "KMS" ? { encryptionType: "KMS", kmsKey: encryption.kmsKeyArn } : { encryptionType: "AES256" }],
                // Deleting the stack must not delete the images earlier deploys (and rollbacks) point at.
                forceDelete: false,
                tags: args.tags,
            },
            { parent: this },
        );
    }

    private createLifecyclePolicy(name: string, repository: aws.ecr.Repository, args: ImmutableRepositoryArgs): aws.ecr.LifecyclePolicy {
        return new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            {
                repository: repository.name,
                policy: JSON.stringify(lifecyclePolicyOf(args)),
            },
            { parent: this },
        );
    }
}
