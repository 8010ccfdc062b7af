// Every AWS call the two GitHub roles make, in one table: what is called, on
// which of the stack's resources, by whom (the driver, the engine with the AWS
// provider and awsx, a workflow step), in which commands, and the statement of
// the role's policy that allows it (githubRolePolicies.ts). Pure data.
//
// The single source of:
// - docs/COMPONENTS.md's tables of the roles' calls (rendered by `awsCallTable`;
//   test/unit/githubRolePolicies.test.ts fails when the docs differ);
// - the policy's coverage (the same test: every action the policy allows is here
//   with its statement, nothing here is not in the policy);
// - the evaluation (test/mocks/leastPrivilege.test.ts): each row becomes requests
//   with the rendered stack's real ARNs and the context keys AWS sets, evaluated
//   by an IAM policy simulator against the rendered policy; the statement that
//   allows each request must be the row's.
//
// The provider's reads are those of terraform-provider-aws v6 (which @pulumi/aws 7
// wraps), read from its source; they are not measured against AWS (no account here).
import { ANY_PROJECT, qualifiedKey } from "./configSchema";

/** The role a call is made with. */
export type CallerRole = "push" | "deploy";

/**
 * A driver command, a workflow step, or the recovery `refresh` (which deploy, rollback, promote, up and reconcile run when an
 * update was interrupted). `approve` and `abort` answer a rollout waiting at a PAUSE lifecycle hook (issue #27).
 */
export const OPERATIONS = [
    "push",
    "gate",
    "deploy",
    "rollback",
    "promote",
    "up",
    "reconcile",
    "approve",
    "abort",
    "verify",
    "history",
    "status",
    "refresh",
] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * What a call names as its resource, resolved against a rendered stack by the evaluation. `*` is only for
 * actions IAM authorizes on `*` alone (no resource-level permissions).
 */
export type CallTarget =
    | "*"
    | "repository"
    | "cluster"
    | "service"
    | "serviceDeployment"
    | "serviceRevision"
    | "newTaskDefinitionRevision"
    | "serviceTaskRoles"
    | "vpc"
    | "logGroup"
    | "alarms"
    | "scalableTarget"
    | "certificate"
    | "hostedZone"
    | "ciRoles"
    | "serviceRoles"
    | "oidcProvider"
    | "stateListing"
    | "checkpoint"
    | "checkpointCopy"
    | "historyEntries"
    | "backups"
    | "locks"
    | "tagsFile"
    | "layoutMeta"
    | "sourceStateListing"
    | "sourceStateObjects";

export interface AwsCall {
    readonly role: CallerRole;
    /** IAM actions, as `service:Action`. */
    readonly actions: readonly string[];
    readonly on: CallTarget;
    /** Who makes the call and why, for the docs. */
    readonly why: string;
    readonly operations: readonly Operation[];
    /** The Sid of the statement that allows it; undefined for a call AWS allows any credentials (`sts:GetCallerIdentity`). */
    readonly statement?: string;
    /** Allowed before the stack has a service (bootstrap: no image yet, so no service and no task definition). */
    readonly beforeService?: boolean;
    /** Made only by a stack that creates its own VPC (awsx), or has autoscaling. */
    readonly onlyWith?: "ownVpc" | "autoscaling";
}

/** Every command that runs `pulumi up` (and, after an interrupted update, the recovery refresh first). */
const UPDATES: readonly Operation[] = ["deploy", "rollback", "promote", "up", "reconcile"];
/** The commands that follow a rollout through ECS's service deployments and answer its PAUSE hooks (`--smoke-test`, `--on-interrupt`). */
const ROLLOUTS: readonly Operation[] = ["deploy", "rollback", "promote"];
/** The commands that decide a rollout in flight: `approve` continues it at a hook, `abort` rolls it back. */
const DECISIONS: readonly Operation[] = ["approve", "abort"];
/** Every command and step that reads the stack's state (`approve` and `abort` read the service from its outputs and record the decision). */
const STATE_READERS: readonly Operation[] = ["gate", ...UPDATES, ...DECISIONS, "verify", "history", "status", "refresh"];

export const AWS_CALLS: readonly AwsCall[] = [
    // The push role: ecr-push.yml.
    {
        role: "push",
        actions: ["ecr:GetAuthorizationToken"],
        on: "*",
        why: "workflow: `amazon-ecr-login` logs Docker in to the registry",
        operations: ["push"],
        statement: "EcrLogin",
    },
    {
        role: "push",
        actions: ["ecr:BatchGetImage"],
        on: "repository",
        why: "workflow: `aws ecr batch-get-image` before the build (is the tag there?) and after the push (what did ECR store?); Docker reads manifests back",
        operations: ["push"],
        statement: "PushToRepository",
    },
    {
        role: "push",
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"],
        on: "repository",
        why: "workflow: `docker/build-push-action` uploads the layers that are missing and the manifest",
        operations: ["push"],
        statement: "PushToRepository",
    },

    // The deploy role: the driver around an update.
    {
        role: "deploy",
        actions: ["ecr:DescribeImages"],
        on: "repository",
        why: "driver: resolve the tag (deploy), find the promoted digest (promote; every 5 s while replication has not delivered it), check the target digest still exists and is not archived (rollback; every 15 s while `--restore` waits), `status`; workflow: the policy gate resolves the tag",
        operations: ["gate", "deploy", "rollback", "promote", "status"],
        statement: "ResolveImageTags",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["ecr:DescribeImageScanFindings"],
        on: "repository",
        why: "driver: the scan gate reads the digest's findings before `deploy` and `promote` (again every 10 s while its scan runs)",
        operations: ["deploy", "promote"],
        statement: "ReadScanFindings",
    },
    {
        role: "deploy",
        actions: ["ecr:ListImages", "ecr:BatchGetImage", "ecr:PutImage"],
        on: "repository",
        why: "driver: after each update, finds where the stack's protective tags (`deployed-<stack>-slot<n>`) point, reads the manifest of each digest that is to get one, and puts the tag on it (the same manifest under the slot's tag)",
        operations: UPDATES,
        statement: "ProtectDeployedImages",
    },
    {
        role: "deploy",
        actions: ["ecr:UpdateImageStorageClass"],
        on: "repository",
        why: "driver: `rollback --restore` asks ECR to restore an archived target",
        operations: ["rollback"],
        statement: "RestoreArchivedImages",
    },

    // The deploy role: the engine's update.
    {
        role: "deploy",
        actions: ["ecs:RegisterTaskDefinition"],
        on: "newTaskDefinitionRevision",
        why: "engine: the new revision with the image digest, tagged `Project`, `Stack`, `ImageTag`, for Fargate",
        operations: UPDATES,
        statement: "RegisterTaskDefinitions",
    },
    {
        role: "deploy",
        actions: ["ecs:TagResource"],
        on: "newTaskDefinitionRevision",
        why: "engine: the revision's tags, at registration",
        operations: UPDATES,
        statement: "TagTaskDefinitionsOnRegister",
    },
    {
        role: "deploy",
        actions: ["iam:PassRole"],
        on: "serviceTaskRoles",
        why: "engine: the revision names the task and execution roles, passed to `ecs-tasks.amazonaws.com`",
        operations: UPDATES,
        statement: "PassTaskRolesToEcs",
    },
    {
        role: "deploy",
        actions: ["ecs:DescribeTaskDefinition"],
        on: "*",
        why: "engine: reads the new revision back; driver: `verify` reads the running revision's image; refresh",
        operations: [...UPDATES, "verify", "status", "refresh"],
        statement: "ReadTaskDefinitions",
    },
    {
        role: "deploy",
        actions: ["ecs:UpdateService"],
        on: "service",
        why: "engine: points the service at the new revision",
        operations: UPDATES,
        statement: "UpdateService",
    },
    {
        role: "deploy",
        actions: ["ecs:DescribeServices"],
        on: "service",
        why: "engine: waits for steady state, reads the service back; driver: follows the rollout, `approve` and `abort` find the service, `verify`, `status`; refresh",
        operations: [...UPDATES, ...DECISIONS, "verify", "status", "refresh"],
        statement: "WatchService",
    },
    {
        role: "deploy",
        actions: ["ecs:ListServiceDeployments"],
        on: "service",
        why: "engine: finds the deployment its update started; driver: finds the deployment in flight (the rollout it follows, the one `approve` or `abort` decides), the last one (`verify`, `status`)",
        operations: [...UPDATES, ...DECISIONS, "verify", "status"],
        statement: "WatchService",
    },
    {
        role: "deploy",
        actions: ["ecs:DescribeServiceDeployments"],
        on: "serviceDeployment",
        why: "engine: follows that deployment to success or rollback; driver: follows it too (its lifecycle stage, a PAUSE hook it waits at), `approve` and `abort` check it still waits or runs, `verify`, `status`",
        operations: [...UPDATES, ...DECISIONS, "verify", "status"],
        statement: "WatchServiceDeployments",
    },
    {
        role: "deploy",
        actions: ["ecs:DescribeServiceRevisions"],
        on: "serviceRevision",
        why: "driver: the revisions a deployment rolls from and to (their task definitions, so their image digests), for the rollout, the decisions, `verify`, `status`",
        operations: [...ROLLOUTS, ...DECISIONS, "verify", "status"],
        statement: "ReadServiceRevisions",
    },
    {
        role: "deploy",
        actions: ["ecs:ContinueServiceDeployment"],
        on: "serviceDeployment",
        why: "driver: at a PAUSE hook, `--smoke-test`'s verdict (`CONTINUE` on exit 0, else `ROLLBACK`), `approve` (`CONTINUE`), `abort` (`ROLLBACK`)",
        operations: [...ROLLOUTS, ...DECISIONS],
        statement: "DecideServiceDeployments",
    },
    {
        role: "deploy",
        actions: ["ecs:StopServiceDeployment"],
        on: "serviceDeployment",
        why: "driver: `abort` of a deployment not at a hook, and an interrupt answered with abort (`--on-interrupt`), with `stopType` `ROLLBACK`",
        operations: [...ROLLOUTS, "abort"],
        statement: "DecideServiceDeployments",
    },
    {
        role: "deploy",
        actions: ["ec2:DescribeAvailabilityZones"],
        on: "*",
        why: "engine: `awsx.ec2.Vpc` looks the zones up on every run (only when the stack creates its VPC); also the policy gate's preview",
        operations: ["gate", ...UPDATES, "refresh"],
        statement: "LookUpAvailabilityZones",
        beforeService: true,
        onlyWith: "ownVpc",
    },
    {
        role: "deploy",
        actions: ["sts:GetCallerIdentity"],
        on: "*",
        why: "engine: the AWS provider looks its account up at start; allowed for any credentials, no statement needed",
        operations: ["gate", ...UPDATES, "refresh"],
        beforeService: true,
    },

    // The deploy role: the recovery refresh reads every resource of the stack back.
    {
        role: "deploy",
        actions: ["ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy"],
        on: "repository",
        why: "refresh: the repository, its tags, its lifecycle policy",
        operations: ["refresh"],
        statement: "RefreshRepository",
        beforeService: true,
    },
    { role: "deploy", actions: ["ecs:DescribeClusters"], on: "cluster", why: "refresh: the cluster", operations: ["refresh"], statement: "RefreshCluster" },
    {
        role: "deploy",
        actions: ["logs:ListTagsForResource"],
        on: "logGroup",
        why: "refresh: the log group's tags",
        operations: ["refresh"],
        statement: "RefreshLogGroup",
    },
    {
        role: "deploy",
        actions: ["logs:DescribeLogGroups"],
        on: "*",
        why: "refresh: the log group",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: ["ec2:DescribeVpcs", "ec2:DescribeRouteTables", "ec2:DescribeNetworkAcls", "ec2:DescribeSecurityGroups"],
        on: "*",
        why: "refresh: the VPC (its main route table, default ACL and security group)",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: ["ec2:DescribeVpcAttribute"],
        on: "vpc",
        why: "refresh: the VPC's DNS attributes (IAM authorizes it on the VPC; the grant is the regional one)",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: ["ec2:DescribeSubnets", "ec2:DescribeInternetGateways", "ec2:DescribeNatGateways", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"],
        on: "*",
        why: "refresh: subnets, routes and associations (route tables), gateways, the NAT gateways' addresses",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: ["ec2:DescribeSecurityGroupRules"],
        on: "*",
        why: "refresh: the security group rules",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: [
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeCapacityReservation",
        ],
        on: "*",
        why: "refresh: the ALB",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: [
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTags",
        ],
        on: "*",
        why: "refresh: the listeners, blue/green's listener rules, the target groups, their tags",
        operations: ["refresh"],
        statement: "RefreshRegionalReads",
    },
    {
        role: "deploy",
        actions: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"],
        on: "certificate",
        why: `refresh: the certificate the stack requested for \`${qualifiedKey(ANY_PROJECT, "https")}.domain\`, and its validation (a certificate given by ARN is not the stack's: no grant)`,
        operations: ["refresh"],
        statement: "RefreshCertificate",
    },
    {
        role: "deploy",
        actions: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
        on: "hostedZone",
        why: `refresh: the validation and alias records, in \`${qualifiedKey(ANY_PROJECT, "https")}.hostedZoneId\` only`,
        operations: ["refresh"],
        statement: "RefreshDnsRecords",
    },
    {
        role: "deploy",
        actions: ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"],
        on: "*",
        why: `refresh: the scalable target and its two policies (with \`${qualifiedKey(ANY_PROJECT, "autoscaling")}\`)`,
        operations: ["refresh"],
        statement: "RefreshScaling",
        onlyWith: "autoscaling",
    },
    {
        role: "deploy",
        actions: ["application-autoscaling:ListTagsForResource"],
        on: "scalableTarget",
        why: "refresh: the scalable target's tags",
        operations: ["refresh"],
        statement: "RefreshScalingTags",
    },
    {
        role: "deploy",
        actions: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
        on: "alarms",
        why: "refresh: the service's two deployment alarms and their tags, by ARN (only composite alarms need `*`)",
        operations: ["refresh"],
        statement: "RefreshAlarms",
    },
    {
        role: "deploy",
        actions: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
        on: "ciRoles",
        why: "refresh: the push and deploy roles and their policies",
        operations: ["refresh"],
        statement: "RefreshIdentity",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
        on: "serviceRoles",
        why: "refresh: the task and execution roles (and blue/green's load balancer role) and their policies",
        operations: ["refresh"],
        statement: "RefreshIdentity",
    },
    {
        role: "deploy",
        actions: ["iam:GetOpenIDConnectProvider"],
        on: "oidcProvider",
        why: "refresh: the provider, in the stack that created it",
        operations: ["refresh"],
        statement: "RefreshOidcProvider",
        beforeService: true,
    },

    // The deploy role: the state objects of an S3 backend (pulumiStateLayout.ts).
    {
        role: "deploy",
        actions: ["s3:ListBucket"],
        on: "stateListing",
        why: "engine and driver: find the checkpoint, the history, the locks, the tags file",
        operations: STATE_READERS,
        statement: "ListStackState",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:GetObject", "s3:PutObject"],
        on: "checkpoint",
        why: "engine: the checkpoint; driver: outputs, `export`",
        operations: STATE_READERS,
        statement: "ReadWriteStackState",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:GetObject", "s3:PutObject"],
        on: "historyEntries",
        why: "engine: one history entry and its checkpoint per update; driver: `history`",
        operations: STATE_READERS,
        statement: "ReadWriteStackState",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:GetObject", "s3:PutObject"],
        on: "locks",
        why: "engine: the update's lock; driver: who holds a lock",
        operations: [...UPDATES, "refresh"],
        statement: "ReadWriteStackState",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:DeleteObject"],
        on: "locks",
        why: "engine: releases its lock; driver's recovery: `pulumi cancel` of a dead run's lock",
        operations: [...UPDATES, "refresh"],
        statement: "ReleaseStackLocks",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:GetObject", "s3:PutObject"],
        on: "tagsFile",
        why: "engine: read by every update; driver: the release verdict (`stack tag set`/`ls`)",
        operations: STATE_READERS,
        statement: "ReadWriteStackState",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:GetObject"],
        on: "layoutMeta",
        why: "engine: the layout version (`meta.yaml`), shared by every stack: read only",
        operations: STATE_READERS,
        statement: "ReadStateLayout",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:PutObject"],
        on: "checkpointCopy",
        why: "engine: the `.bak` copy before each checkpoint write",
        operations: [...UPDATES, "refresh"],
        statement: "WriteStateBackups",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:PutObject"],
        on: "backups",
        why: "engine: the backup after each update",
        operations: [...UPDATES, "refresh"],
        statement: "WriteStateBackups",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:ListBucket"],
        on: "sourceStateListing",
        why: `driver (\`${qualifiedKey(ANY_PROJECT, "promoteFrom")}\`): find the promotion source's checkpoint, history and tags file`,
        operations: ["deploy", "promote"],
        statement: "ListStackState",
        beforeService: true,
    },
    {
        role: "deploy",
        actions: ["s3:GetObject"],
        on: "sourceStateObjects",
        why: `driver (\`${qualifiedKey(ANY_PROJECT, "promoteFrom")}\`): the source's checkpoint, history and release verdicts, read only`,
        operations: ["deploy", "promote"],
        statement: "ReadPromotionSourceHistory",
        beforeService: true,
    },
];

/** What each target is, for the docs. */
export const CALL_TARGETS: Readonly<Record<CallTarget, string>> = {
    "*": "`*`",
    repository: "the repository",
    cluster: "the cluster",
    service: "the service",
    serviceDeployment: "the service's deployments (`service-deployment/<cluster>/<service>/*`)",
    serviceRevision: "the service's revisions (`service-revision/<cluster>/<service>/*`)",
    newTaskDefinitionRevision: "the new revision (`task-definition/<family>:<n>`)",
    serviceTaskRoles: "the task and execution roles",
    vpc: "the VPC",
    logGroup: "the log group",
    alarms: "the deployment alarms",
    scalableTarget: "the scalable target",
    certificate: "the certificate the stack requested",
    hostedZone: "the hosted zone",
    ciRoles: "the push and deploy roles",
    serviceRoles: "the service's roles",
    oidcProvider: "the OIDC provider the stack created",
    stateListing: "the state bucket, listing this stack's prefixes",
    checkpoint: "this stack's checkpoint",
    checkpointCopy: "this stack's checkpoint's `.bak` copy",
    historyEntries: "this stack's history entries",
    backups: "this stack's backups",
    locks: "this stack's locks",
    tagsFile: "this stack's tags file",
    layoutMeta: "the backend's `meta.yaml`",
    sourceStateListing: "the state bucket, listing the source stack's prefixes",
    sourceStateObjects: "the source stack's checkpoint, history and tags file",
};

/** The Markdown table of a role's calls, as docs/COMPONENTS.md shows it. */
export function awsCallTable(role: CallerRole): string {
    const rows = AWS_CALLS.filter((call) => call.role === role).map((call) =>
        [
            call.actions.map((action) => `\`${action}\``).join(", "),
            CALL_TARGETS[call.on],
            call.why,
            call.operations.join(", "),
            call.statement === undefined ? "none needed" : `\`${call.statement}\``,
        ].join(" | "),
    );
    return ["| AWS call | on | who, and why | commands and steps | statement |", "| --- | --- | --- | --- | --- |", ...rows.map((row) => `| ${row} |`)].join(
        "\n",
    );
}
