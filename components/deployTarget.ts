// What a deployer needs to know of a service: DigestPinnedService hands it
// over as one object (`deployTarget`), and GithubDeployIdentity scopes the
// deploy role's policy to it (githubRolePolicies.ts). Pure types and one
// normalizing function.

/**
 * The service a deploy rolls, and what a refresh reads. Every field stays the same from one deploy to the next
 * (a family, not a revision), so a deploy never changes the deploy role's own policy.
 */
export interface DeployTarget {
    readonly serviceArn: string;
    readonly clusterArn: string;
    /** The service's task definition family, e.g. `papyrus-prod`. */
    readonly taskDefinitionFamily: string;
    readonly taskRoleArn: string;
    readonly executionRoleArn: string;
    readonly logGroupArn: string;
    /** Tags every task definition of the family is registered with, e.g. `{ Project: "papyrus", Stack: "prod" }`. */
    readonly requestTags: Readonly<Record<string, string>>;
    /** Tag keys a registration may add besides `requestTags` (the image's `ImageTag`). @default ["ImageTag"] */
    readonly optionalTagKeys?: readonly string[];
    /** The service's other resources a refresh reads, when it has them. @default none */
    readonly serviceResources?: ServiceResources;
}

/** What DigestPinnedService creates besides the always-present resources, for a refresh to read back. */
export interface ServiceResources {
    /** The ACM certificate the stack requested for its domain (not one it was given: that is not in the stack). */
    readonly certificateArn?: string;
    /** The hosted zone the stack writes the certificate's validation record and the alias record in. */
    readonly hostedZoneId?: string;
    /** The Application Auto Scaling target of the service's task count. */
    readonly scalableTargetArn?: string;
    /** Roles of the service besides the task and execution roles (blue/green's load balancer role). */
    readonly roleArns?: readonly string[];
    /** The service's deployment alarms (CloudWatch metric alarms). */
    readonly alarmArns?: readonly string[];
}

/**
 * The target with only the service resources it has: no unset field, no empty list, and no `serviceResources`
 * at all when nothing is left (the deploy policy then has no statement for them).
 */
export function compactDeployTarget(target: DeployTarget): DeployTarget {
    const { serviceResources, ...always } = target;
    const present = Object.fromEntries(
        Object.entries(serviceResources ?? {}).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)),
    ) as ServiceResources;
    return Object.keys(present).length > 0 ? { ...always, serviceResources: present } : always;
}
