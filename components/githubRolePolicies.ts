// The IAM documents of the two GitHub roles: who may assume them (trust) and
// what each may do. Pure functions of ARNs; docs/COMPONENTS.md has the table of
// every AWS call a deploy, a rollback and the recovery `refresh` make, and the
// statement below that allows each. Every grant names its resources; the few
// actions IAM offers only on `*` are held to the stack's region.
import {
    hostedZoneArn,
    parseEcsServiceArn,
    regionOfRepositoryArn,
    requireArn,
    s3BucketArnProblem,
    serviceDeploymentsArn,
    serviceRevisionsArn,
    stateKeyPrefixProblem,
    taskDefinitionFamilyArn,
} from "./arns";
import type { DeployTarget } from "./deployTarget";
import { GITHUB_OIDC_HOST, STS_AUDIENCE, WILDCARD } from "./githubSubject";
import { PolicyCondition, PolicyDocument, PolicyStatement } from "./policyDocument";
import { diyStackHistoryReader, diyStackObjects } from "./pulumiStateLayout";

export type { DeployTarget, ServiceResources } from "./deployTarget";

/**
 * The trust policy's `Condition`. Each operator appears once, so no JSON encoder or IAM parser can collapse
 * two objects and silently drop the `sub` check: `StringEquals` holds `aud` (and `sub` when no subject is a
 * pattern); `StringLike` holds `sub` otherwise. `issuer` is the provider's host and path, the prefix of its
 * condition keys (`token.actions.githubusercontent.com`, or `…/<enterprise>` for an enterprise's own issuer).
 */
export function githubTrustCondition(subjects: readonly string[], issuer: string = GITHUB_OIDC_HOST): PolicyCondition {
    if (subjects.length === 0) {
        throw new Error("a GitHub trust condition needs at least one subject; without one any repository could assume the role");
    }
    const aud = `${issuer}:aud`;
    const sub = `${issuer}:sub`;
    return subjects.some((subject) => WILDCARD.test(subject))
        ? { StringEquals: { [aud]: STS_AUDIENCE }, StringLike: { [sub]: [...subjects] } }
        : { StringEquals: { [aud]: STS_AUDIENCE, [sub]: [...subjects] } };
}

/** The role's trust policy: GitHub's tokens, for STS, from the given subjects only. */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[], issuer: string = GITHUB_OIDC_HOST): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GithubActionsWebIdentity",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: githubTrustCondition(subjects, issuer),
            },
        ],
    };
}

/** What ecr-push.yml does: log Docker in, upload layers and the manifest, read the manifest back. */
export const ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
];

/** Push to one repository. `GetAuthorizationToken` has no resource-level permissions: `*`, in the repository's region. */
export function pushPolicy(repositoryArn: string): PolicyDocument {
    const region = regionOfRepositoryArn(repositoryArn);
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*", Condition: inRegion(region) },
            { Sid: "PushToRepository", Effect: "Allow", Action: [...ECR_PUSH_ACTIONS], Resource: repositoryArn },
        ],
    };
}

/** The state bucket of an `s3://bucket/prefix` backend, and the stack whose objects the role may touch. */
export interface StateBucketAccess {
    readonly bucketArn: string;
    /** The prefix of `PULUMI_BACKEND_URL` after the bucket, e.g. `papyrus` for `s3://acme-pulumi-state/papyrus`. */
    readonly keyPrefix?: string;
    readonly project: string;
    readonly stack: string;
    /** A stack whose history (and checkpoint) this one's deploys read to promote its digest. Read only. */
    readonly promotionSource?: string;
}

/** What the deploy role reaches besides the service. */
export interface DeployAccess {
    /** The program creates a VPC with awsx, which looks the region's zones up on every run. @default true */
    readonly lookUpAvailabilityZones?: boolean;
    /** An S3 state backend. @default none (Pulumi Cloud or a local backend) */
    readonly stateBucket?: StateBucketAccess;
}

/** The stack's other IAM resources, which a refresh reads. */
export interface IdentityResources {
    /** The push and deploy roles (the deploy role reads itself in a refresh); the target adds the service's two roles. */
    readonly roleArns: readonly string[];
    /** The OIDC provider, when this stack created it (a reused one is not in the stack). */
    readonly createdProviderArn?: string;
}

export interface DeployPolicyArgs {
    readonly repositoryArn: string;
    /** Unset during bootstrap (no image, so no service yet): the role can then only read. */
    readonly target?: DeployTarget;
    readonly identity?: IdentityResources;
    readonly access?: DeployAccess;
}

/** EC2 reads of a refresh: the VPC, subnets, routes, gateways, addresses and security groups awsx and the service made. */
export const REFRESH_EC2_ACTIONS = [
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeAddresses",
    "ec2:DescribeAddressesAttribute",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
];

/** Load balancer reads of a refresh: the ALB, its listeners (and blue/green's rules), its target groups. */
export const REFRESH_ELB_ACTIONS = [
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeCapacityReservation",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTags",
];

/**
 * The deploy role: resolve a tag in the repository, register a task definition of the service's family,
 * roll the service to it and watch the rollout, read the stack's resources back (`refresh`), and, with an
 * S3 backend, this stack's own state objects. Without a target (bootstrap, no service yet) it can read
 * the repository and the stack's identity, and nothing else.
 */
export function deployPolicy(args: DeployPolicyArgs): PolicyDocument {
    const { repositoryArn, target, identity, access = {} } = args;
    const region = regionOfRepositoryArn(repositoryArn);
    const statements: PolicyStatement[] = [
        // The driver's tag → digest look-up, and the deploy workflow's policy gate.
        { Sid: "ResolveImageTags", Effect: "Allow", Action: "ecr:DescribeImages", Resource: repositoryArn },
        {
            Sid: "RefreshRepository",
            Effect: "Allow",
            Action: ["ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy"],
            Resource: repositoryArn,
        },
    ];
    if (target !== undefined) {
        statements.push(...imageGuardStatements(repositoryArn), ...serviceStatements(target, region));
    }
    if (access.lookUpAvailabilityZones ?? true) {
        // awsx.ec2.Vpc calls getAvailabilityZones on every run; the action has no resource-level permissions.
        statements.push({
            Sid: "LookUpAvailabilityZones",
            Effect: "Allow",
            Action: "ec2:DescribeAvailabilityZones",
            Resource: "*",
            Condition: inRegion(region),
        });
    }
    if (identity !== undefined) {
        // The stack's roles: the push and deploy roles, and the service's task and execution roles.
        const roles = [
            ...identity.roleArns.map((arn, i) => requireArn("iam-role", arn, `identity.roleArns[${i}]`)),
            ...(target === undefined ? [] : [target.taskRoleArn, target.executionRoleArn]),
            ...(target?.serviceResources?.roleArns ?? []).map((arn, i) => requireArn("iam-role", arn, `serviceResources.roleArns[${i}]`)),
        ];
        if (roles.length > 0) {
            statements.push({
                Sid: "RefreshIdentity",
                Effect: "Allow",
                Action: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
                Resource: roles,
            });
        }
        if (identity.createdProviderArn !== undefined) {
            statements.push({ Sid: "RefreshOidcProvider", Effect: "Allow", Action: "iam:GetOpenIDConnectProvider", Resource: identity.createdProviderArn });
        }
    }
    if (access.stateBucket !== undefined) {
        statements.push(...stateStatements(access.stateBucket));
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** What the driver does around an update (automation/aws/scanGate.ts, protect.ts, restore.ts), on the repository only. */
export const IMAGE_GUARD_ACTIONS = {
    ReadScanFindings: ["ecr:DescribeImageScanFindings"],
    ProtectDeployedImages: ["ecr:ListImages", "ecr:BatchGetImage", "ecr:PutImage"],
    RestoreArchivedImages: ["ecr:UpdateImageStorageClass"],
} as const;

/**
 * The scan gate's read, the protective tags, the restore of an archived rollback target. IAM has no condition
 * key on an image tag (ECR's condition keys are about the repository's own resource tags), so `PutImage` cannot
 * be held to `deployed-*` by IAM: the repository's tag immutability holds it instead (only `deployed-*` tags can
 * move), and the role has no layer upload actions and no `BatchDeleteImage`, so it can add a tag to an image that
 * is there, move a protective tag, and delete nothing. `UpdateImageStorageClass` could also archive an image;
 * no condition key holds it to restores (docs/COMPONENTS.md says what that means).
 */
function imageGuardStatements(repositoryArn: string): PolicyStatement[] {
    return Object.entries(IMAGE_GUARD_ACTIONS).map(([Sid, actions]) => ({
        Sid,
        Effect: "Allow" as const,
        Action: actions.length === 1 ? actions[0] : [...actions],
        Resource: repositoryArn,
    }));
}

function serviceStatements(target: DeployTarget, region: string): PolicyStatement[] {
    const service = parseEcsServiceArn(target.serviceArn);
    if (service.region !== region) {
        throw new Error(`\`serviceArn\` is in \`${service.region}\` but the repository is in \`${region}\`; the deploy role is held to one region`);
    }
    const familyArn = taskDefinitionFamilyArn(target.serviceArn, target.taskDefinitionFamily);
    const clusterArn = requireArn("ecs-cluster", target.clusterArn, "clusterArn");
    const logGroupArn = requireArn("log-group", target.logGroupArn, "logGroupArn");
    const requiredTags = Object.entries(target.requestTags);
    if (requiredTags.length === 0) {
        throw new Error(
            "`requestTags` is empty; name the tags every task definition of the family carries (e.g. `Project`, `Stack`), so registration can be held to them",
        );
    }
    const tagKeys = [...requiredTags.map(([key]) => key), ...(target.optionalTagKeys ?? ["ImageTag"])];
    return [
        {
            // No resource-level permissions: held to the region, to the family's tags and to Fargate.
            Sid: "RegisterTaskDefinitions",
            Effect: "Allow",
            Action: "ecs:RegisterTaskDefinition",
            Resource: "*",
            Condition: {
                StringEquals: {
                    "aws:RequestedRegion": region,
                    ...Object.fromEntries(requiredTags.map(([key, value]) => [`aws:RequestTag/${key}`, value])),
                },
                "ForAllValues:StringEquals": { "aws:TagKeys": tagKeys, "ecs:compute-compatibility": ["FARGATE"] },
            },
        },
        {
            // Registering with tags needs TagResource, allowed only during registration and only on this family.
            Sid: "TagTaskDefinitionsOnRegister",
            Effect: "Allow",
            Action: "ecs:TagResource",
            Resource: familyArn,
            Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
        },
        {
            // The driver's verify, the provider's read after registering, and a refresh. No resource-level permissions.
            Sid: "ReadTaskDefinitions",
            Effect: "Allow",
            Action: "ecs:DescribeTaskDefinition",
            Resource: "*",
            Condition: inRegion(region),
        },
        {
            // Only to a revision of the service's own family, and never turning ECS Exec on (a request that
            // leaves it out keeps the service's setting, which an administrator chose).
            Sid: "UpdateService",
            Effect: "Allow",
            Action: "ecs:UpdateService",
            Resource: target.serviceArn,
            Condition: {
                ArnLike: { "ecs:task-definition": familyArn },
                StringEqualsIfExists: { "ecs:enable-execute-command": "false" },
            },
        },
        {
            // `waitForSteadyState`: the provider follows the service and the deployment it started.
            Sid: "WatchService",
            Effect: "Allow",
            Action: ["ecs:DescribeServices", "ecs:ListServiceDeployments"],
            Resource: target.serviceArn,
        },
        {
            // The provider's wait, and the driver following a rollout (its lifecycle stage, a PAUSE hook it waits at).
            Sid: "WatchServiceDeployments",
            Effect: "Allow",
            Action: "ecs:DescribeServiceDeployments",
            Resource: serviceDeploymentsArn(target.serviceArn),
        },
        {
            // The driver: which revision (task definition, image) a deployment rolls from and to.
            Sid: "ReadServiceRevisions",
            Effect: "Allow",
            Action: "ecs:DescribeServiceRevisions",
            Resource: serviceRevisionsArn(target.serviceArn),
        },
        {
            // The driver at a PAUSE hook (smoke test, `approve`, `abort`) and `abort` or an interrupt answered with abort
            // outside one: continue or roll back this service's deployments only, never another service's.
            Sid: "DecideServiceDeployments",
            Effect: "Allow",
            Action: ["ecs:ContinueServiceDeployment", "ecs:StopServiceDeployment"],
            Resource: serviceDeploymentsArn(target.serviceArn),
        },
        {
            Sid: "PassTaskRolesToEcs",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: [requireArn("iam-role", target.taskRoleArn, "taskRoleArn"), requireArn("iam-role", target.executionRoleArn, "executionRoleArn")],
            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
        { Sid: "RefreshCluster", Effect: "Allow", Action: "ecs:DescribeClusters", Resource: clusterArn },
        { Sid: "RefreshLogGroup", Effect: "Allow", Action: "logs:ListTagsForResource", Resource: [logGroupArn, `${logGroupArn}:*`] },
        {
            // A refresh reads the network and the load balancer back; none of these reads has resource-level permissions.
            Sid: "RefreshRegionalReads",
            Effect: "Allow",
            Action: [...REFRESH_EC2_ACTIONS, ...REFRESH_ELB_ACTIONS, "logs:DescribeLogGroups"],
            Resource: "*",
            Condition: inRegion(region),
        },
        ...serviceResourceStatements(target, region),
    ];
}

/** A refresh's reads of the certificate, the DNS records, the scaling and the alarms the service has (none when it has none). */
function serviceResourceStatements(target: DeployTarget, region: string): PolicyStatement[] {
    const resources = target.serviceResources ?? {};
    const statements: PolicyStatement[] = [];
    if (resources.certificateArn !== undefined) {
        statements.push({
            Sid: "RefreshCertificate",
            Effect: "Allow",
            Action: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"],
            Resource: requireArn("acm-certificate", resources.certificateArn, "serviceResources.certificateArn"),
        });
    }
    if (resources.hostedZoneId !== undefined) {
        statements.push({
            Sid: "RefreshDnsRecords",
            Effect: "Allow",
            Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
            Resource: hostedZoneArn(target.serviceArn, resources.hostedZoneId),
        });
    }
    if (resources.scalableTargetArn !== undefined) {
        statements.push(
            {
                // Describe calls of Application Auto Scaling have no resource-level permissions.
                Sid: "RefreshScaling",
                Effect: "Allow",
                Action: ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"],
                Resource: "*",
                Condition: inRegion(region),
            },
            {
                Sid: "RefreshScalingTags",
                Effect: "Allow",
                Action: "application-autoscaling:ListTagsForResource",
                Resource: requireArn("scalable-target", resources.scalableTargetArn, "serviceResources.scalableTargetArn"),
            },
        );
    }
    if (resources.alarmArns !== undefined && resources.alarmArns.length > 0) {
        // Metric alarms can be read by ARN (only composite alarms need `*`, and the service has none).
        statements.push({
            Sid: "RefreshAlarms",
            Effect: "Allow",
            Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
            Resource: resources.alarmArns.map((arn, i) => requireArn("cloudwatch-alarm", arn, `serviceResources.alarmArns[${i}]`)),
        });
    }
    return statements;
}

/**
 * This stack's objects in the DIY layout (pulumiStateLayout.ts), and read-only on the promotion source's:
 * the dev role, usually without reviewers, cannot rewrite prod's state or the history rollback trusts.
 */
function stateStatements(state: StateBucketAccess): PolicyStatement[] {
    const bucketProblem = s3BucketArnProblem(state.bucketArn, "stateBucket.bucketArn", "stateBucket.keyPrefix");
    const prefixProblem = state.keyPrefix === undefined ? undefined : stateKeyPrefixProblem(state.keyPrefix, "stateBucket.keyPrefix");
    if (bucketProblem !== undefined || prefixProblem !== undefined) {
        throw new Error(bucketProblem ?? prefixProblem);
    }
    const root = state.keyPrefix ? `${state.keyPrefix.replace(/\/+$/, "")}/` : "";
    const own = diyStackObjects(state.project, state.stack);
    const source = state.promotionSource === undefined ? undefined : diyStackHistoryReader(state.project, state.promotionSource);
    if (state.promotionSource === state.stack) {
        throw new Error(`\`promotionSource\` is the stack itself (\`${state.stack}\`); name the stack whose digests this one promotes`);
    }
    const objects = (keys: readonly string[]) => keys.map((key) => `${state.bucketArn}/${root}${key}`);
    const statements: PolicyStatement[] = [
        {
            Sid: "ListStackState",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: state.bucketArn,
            Condition: { StringEquals: { "s3:prefix": [...own.listPrefixes, ...(source?.listPrefixes ?? [])].map((key) => `${root}${key}`) } },
        },
        { Sid: "ReadWriteStackState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: objects(own.readWrite) },
        { Sid: "ReadStateLayout", Effect: "Allow", Action: "s3:GetObject", Resource: objects(own.readOnly) },
        { Sid: "WriteStateBackups", Effect: "Allow", Action: "s3:PutObject", Resource: objects(own.writeOnly) },
        { Sid: "ReleaseStackLocks", Effect: "Allow", Action: "s3:DeleteObject", Resource: objects(own.deleted) },
    ];
    if (source !== undefined) {
        statements.push({ Sid: "ReadPromotionSourceHistory", Effect: "Allow", Action: "s3:GetObject", Resource: objects(source.readOnly) });
    }
    return statements;
}

function inRegion(region: string): PolicyCondition {
    return { StringEquals: { "aws:RequestedRegion": region } };
}
