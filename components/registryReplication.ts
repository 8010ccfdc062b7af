// ECR replication from the build registry (where ecr-push pushes) to the other
// environments' registries, for this repository only. Replication copies the
// manifest unchanged, so a tag has the same digest in every destination:
// `papyrus-deploy promote` then deploys to prod the digest dev ran, with no
// second build and no second push.
//
// Who owns it: a registry (one account, one region) has exactly one replication
// configuration, and `aws.ecr.ReplicationConfiguration` replaces all of it.
// Only the stack of the build registry (dev, with `papyrus:replicateTo`)
// creates this component. The destination stacks (prod) never do, so their
// updates cannot overwrite or delete it; a destination in another account
// allows the copy with `ReplicationRegistryPolicy` in its own stack instead.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MAX_REPLICATION_DESTINATIONS, ReplicationDestination } from "./replicationSettings";
import { got } from "./inputMessage";

export const REGISTRY_REPLICATION_TYPE = "papyrus:aws:RegistryReplication";

export interface RegistryReplicationArgs {
    /**
     * The repository whose images are replicated. ECR filters by name prefix only (`PREFIX_MATCH`), so
     * `papyrus-api` also matches `papyrus-api-worker` in the same registry.
     * @example "papyrus-api"
     */
    readonly repositoryName: pulumi.Input<string>;
    /**
     * The repository's ARN: its account is the account of every destination that names none.
     * @example "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api"
     */
    readonly repositoryArn: pulumi.Input<string>;
    /**
     * Where to copy each pushed image: 1 to 25 registries, never the build registry itself.
     * @example [{ region: "eu-central-1" }]
     */
    readonly destinations: readonly ReplicationDestination[];
}

/** Every problem with the arguments, as sentences naming the argument; empty when they are fine. */
export function registryReplicationProblems(args: Pick<RegistryReplicationArgs, "destinations">): string[] {
    const count = args.destinations.length;
    if (count === 0) return ["`destinations` is empty; name at least one region"];
    if (count > MAX_REPLICATION_DESTINATIONS)
        return [`\`destinations\` may hold at most ${MAX_REPLICATION_DESTINATIONS} registries (an ECR limit), got ${count}`];
    return [];
}

/** The account of an ECR repository ARN (`arn:aws:ecr:<region>:<account>:repository/<name>`). */
export function accountOfRepositoryArn(arn: string): string {
    const account = arn.split(":")[4];
    if (!/^[0-9]{12}$/.test(account ?? "")) {
        throw new Error(`\`repositoryArn\` must be an ECR repository ARN (\`arn:aws:ecr:<region>:<account>:repository/<name>\`)${got(arn)}`);
    }
    return account;
}

/** The build registry's replication configuration: one rule, this repository, every destination. */
export class RegistryReplication extends pulumi.ComponentResource {
    /** `<account>/<region>` of each destination, in the order given. */
    public readonly destinations: pulumi.Output<string[]>;

    constructor(name: string, args: RegistryReplicationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(REGISTRY_REPLICATION_TYPE, name, {}, opts);

        const problems = registryReplicationProblems(args);
        if (problems.length > 0) {
            throw new Error(`RegistryReplication \`${name}\`: ${problems.join("; ")}`);
        }

        const ownAccount = pulumi.output(args.repositoryArn).apply(accountOfRepositoryArn);
        const destinations = args.destinations.map((d) => ({ region: d.region, registryId: d.account ?? ownAccount }));
        new aws.ecr.ReplicationConfiguration(
            `${name}-configuration`,
            {
                replicationConfiguration: {
                    rules: [
                        {
                            destinations,
                            repositoryFilters: [{ filter: args.repositoryName, filterType: "PREFIX_MATCH" }],
                        },
                    ],
                },
            },
            { parent: this },
        );

        this.destinations = pulumi.all(destinations.map((d) => pulumi.interpolate`${d.registryId}/${d.region}`));
        this.registerOutputs({ destinations: this.destinations });
    }
}
