// The destination side of cross-account ECR replication: this stack's registry
// lets the build registry's account copy images into this stack's repository,
// and nothing else.
//
// Who owns it: a registry (one account, one region) has exactly one registry
// policy, and `aws.ecr.RegistryPolicy` replaces all of it. Only the
// destination stack in the other account (prod, with
// `papyrus:replicationSourceAccount`) creates this component; the build
// registry's stack never does. Same-account replication needs no policy.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument } from "./policyDocument";
import { replicationSourceAccountProblem } from "./replicationSettings";

export const REPLICATION_REGISTRY_POLICY_TYPE = "papyrus:aws:ReplicationRegistryPolicy";

export interface ReplicationRegistryPolicyArgs {
    /**
     * The account of the build registry that replicates into this one.
     * @example "111122223333"
     */
    readonly sourceAccount: string;
    /**
     * This stack's repository, the only one the source may write to.
     * @example "arn:aws:ecr:eu-central-1:210987654321:repository/papyrus-api"
     */
    readonly repositoryArn: pulumi.Input<string>;
}

/**
 * What ECR needs from the destination registry to replicate: `ecr:CreateRepository` (checked even when
 * the repository exists) and `ecr:ReplicateImage`, both for this one repository.
 */
export function replicationRegistryPolicy(sourceAccount: string, repositoryArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReplicateFromBuildRegistry",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${sourceAccount}:root` },
                Action: ["ecr:CreateRepository", "ecr:ReplicateImage"],
                Resource: repositoryArn,
            },
        ],
    };
}

/** The destination registry's policy allowing replication from one account into one repository. */
export class ReplicationRegistryPolicy extends pulumi.ComponentResource {
    public readonly policy: pulumi.Output<string>;

    constructor(name: string, args: ReplicationRegistryPolicyArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(REPLICATION_REGISTRY_POLICY_TYPE, name, {}, opts);

        const problem = replicationSourceAccountProblem(args.sourceAccount, "sourceAccount");
        if (problem !== undefined) {
            throw new Error(`ReplicationRegistryPolicy \`${name}\`: ${problem}`);
        }

        this.policy = pulumi.output(args.repositoryArn).apply((arn) => JSON.stringify(replicationRegistryPolicy(args.sourceAccount, arn)));
        new aws.ecr.RegistryPolicy(`${name}-policy`, { policy: this.policy }, { parent: this });

        this.registerOutputs({ policy: this.policy });
    }
}
