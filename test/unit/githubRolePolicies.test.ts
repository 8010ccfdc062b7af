// The GitHub roles' IAM documents, statement by statement and written out in
// full; the ARN checks they rely on; the DIY state layout they scope S3 to;
// and the table of the roles' AWS calls (components/awsCalls.ts), held to the
// policies (none missing, none extra), to the AWS SDK calls the driver makes, and
// to the docs, which show it.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    oidcProviderArnProblem,
    s3BucketArnProblem,
    serviceDeploymentsArn,
    serviceRevisionsArn,
    stateKeyPrefixProblem,
    taskDefinitionFamilyArn,
} from "../../components/arns";
import { DeployPolicyArgs, deployPolicy, githubTrustCondition, githubTrustPolicy, pushPolicy } from "../../components/githubRolePolicies";
import { AWS_CALLS, CallerRole, Operation, awsCallTable } from "../../components/awsCalls";
import { PolicyStatement } from "../../components/policyDocument";
import { diyStackHistoryReader, diyStackObjects } from "../../components/pulumiStateLayout";

const ROOT = path.resolve(__dirname, "..", "..");
const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const SERVICE_ARN = "arn:aws:ecs:eu-west-1:123456789012:service/papyrus-cluster/papyrus-service";
const PUSH_ROLE = "arn:aws:iam::123456789012:role/papyrus-ci-push";
const DEPLOY_ROLE = "arn:aws:iam::123456789012:role/papyrus-ci-deploy";
const CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
const SCALABLE_TARGET_ARN = "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0ec5a1b2c3d4e5f60718293a4b5c6d7e";
const ALARM_ARNS = [
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:papyrus-target-5xx-3f2a1b0",
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:papyrus-unhealthy-hosts-9c8d7e6",
];

const FULL: DeployPolicyArgs = {
    repositoryArn: REPO_ARN,
    target: {
        serviceArn: SERVICE_ARN,
        clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/papyrus-cluster",
        taskDefinitionFamily: "papyrus-prod",
        taskRoleArn: "arn:aws:iam::123456789012:role/papyrus-task-role",
        executionRoleArn: "arn:aws:iam::123456789012:role/papyrus-execution-role",
        logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:papyrus-logs",
        requestTags: { Project: "papyrus", Stack: "prod" },
        serviceResources: {
            certificateArn: CERTIFICATE_ARN,
            hostedZoneId: "Z0123456789ABCDEFGHIJ",
            scalableTargetArn: SCALABLE_TARGET_ARN,
            roleArns: ["arn:aws:iam::123456789012:role/papyrus-lb-role"],
            alarmArns: ALARM_ARNS,
        },
    },
    identity: { roleArns: [PUSH_ROLE, DEPLOY_ROLE], createdProviderArn: PROVIDER_ARN },
    access: {
        lookUpAvailabilityZones: true,
        stateBucket: { bucketArn: "arn:aws:s3:::acme-pulumi-state", keyPrefix: "papyrus/", project: "papyrus", stack: "prod", promotionSource: "dev" },
    },
};

const IN_REGION = { StringEquals: { "aws:RequestedRegion": "eu-west-1" } };

describe("githubTrustPolicy", () => {
    it("trusts the provider, for web identity, with aud and sub in StringEquals when no subject is a pattern", () => {
        assert.deepStrictEqual(githubTrustPolicy(PROVIDER_ARN, ["repo:acme/papyrus:environment:prod"]), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "GithubActionsWebIdentity",
                    Effect: "Allow",
                    Principal: { Federated: PROVIDER_ARN },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": ["repo:acme/papyrus:environment:prod"],
                        },
                    },
                },
            ],
        });
    });

    it("moves sub to StringLike when a subject is a pattern, and keeps aud in StringEquals", () => {
        assert.deepStrictEqual(githubTrustCondition(["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"]), {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
            StringLike: { "token.actions.githubusercontent.com:sub": ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"] },
        });
    });

    it("uses an enterprise issuer's own condition keys", () => {
        assert.deepStrictEqual(githubTrustCondition(["repo:acme/papyrus:environment:prod"], "token.actions.githubusercontent.com/acme-corp"), {
            StringEquals: {
                "token.actions.githubusercontent.com/acme-corp:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com/acme-corp:sub": ["repo:acme/papyrus:environment:prod"],
            },
        });
    });

    it("refuses to build a condition without a subject", () => {
        assert.throws(() => githubTrustCondition([]), {
            message: "a GitHub trust condition needs at least one subject; without one any repository could assume the role",
        });
    });

    it("serializes each operator and each condition key exactly once", () => {
        for (const subjects of [["repo:acme/papyrus:environment:prod"], ["repo:acme/papyrus:ref:refs/tags/v*"]]) {
            const json = JSON.stringify(githubTrustPolicy(PROVIDER_ARN, subjects));
            for (const key of ['"token.actions.githubusercontent.com:aud"', '"token.actions.githubusercontent.com:sub"', '"StringEquals"']) {
                assert.strictEqual(json.split(key).length - 1, 1, `${key} in ${json}`);
            }
        }
    });
});

describe("pushPolicy", () => {
    it("logs in (in the repository's region) and pushes to the repository only: what ecr-push.yml does", () => {
        assert.deepStrictEqual(pushPolicy(REPO_ARN), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*", Condition: IN_REGION },
                {
                    Sid: "PushToRepository",
                    Effect: "Allow",
                    Action: [
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                        "ecr:BatchGetImage",
                    ],
                    Resource: REPO_ARN,
                },
            ],
        });
    });
});

describe("deployPolicy", () => {
    it("with a service, an identity to refresh and an S3 backend: every statement, written out", () => {
        assert.deepStrictEqual(deployPolicy(FULL).Statement, [
            { Sid: "ResolveImageTags", Effect: "Allow", Action: "ecr:DescribeImages", Resource: REPO_ARN },
            {
                Sid: "RefreshRepository",
                Effect: "Allow",
                Action: ["ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy"],
                Resource: REPO_ARN,
            },
            // The scan gate, the protective tags (no delete), the restore of an archived rollback target.
            { Sid: "ReadScanFindings", Effect: "Allow", Action: "ecr:DescribeImageScanFindings", Resource: REPO_ARN },
            { Sid: "ProtectDeployedImages", Effect: "Allow", Action: ["ecr:ListImages", "ecr:BatchGetImage", "ecr:PutImage"], Resource: REPO_ARN },
            { Sid: "RestoreArchivedImages", Effect: "Allow", Action: "ecr:UpdateImageStorageClass", Resource: REPO_ARN },
            {
                Sid: "RegisterTaskDefinitions",
                Effect: "Allow",
                Action: "ecs:RegisterTaskDefinition",
                Resource: "*",
                Condition: {
                    StringEquals: { "aws:RequestedRegion": "eu-west-1", "aws:RequestTag/Project": "papyrus", "aws:RequestTag/Stack": "prod" },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["Project", "Stack", "ImageTag"], "ecs:compute-compatibility": ["FARGATE"] },
                },
            },
            {
                Sid: "TagTaskDefinitionsOnRegister",
                Effect: "Allow",
                Action: "ecs:TagResource",
                Resource: "arn:aws:ecs:eu-west-1:123456789012:task-definition/papyrus-prod:*",
                Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
            },
            { Sid: "ReadTaskDefinitions", Effect: "Allow", Action: "ecs:DescribeTaskDefinition", Resource: "*", Condition: IN_REGION },
            {
                Sid: "UpdateService",
                Effect: "Allow",
                Action: "ecs:UpdateService",
                Resource: SERVICE_ARN,
                Condition: {
                    ArnLike: { "ecs:task-definition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/papyrus-prod:*" },
                    StringEqualsIfExists: { "ecs:enable-execute-command": "false" },
                },
            },
            { Sid: "WatchService", Effect: "Allow", Action: ["ecs:DescribeServices", "ecs:ListServiceDeployments"], Resource: SERVICE_ARN },
            {
                Sid: "WatchServiceDeployments",
                Effect: "Allow",
                Action: "ecs:DescribeServiceDeployments",
                Resource: "arn:aws:ecs:eu-west-1:123456789012:service-deployment/papyrus-cluster/papyrus-service/*",
            },
            {
                Sid: "ReadServiceRevisions",
                Effect: "Allow",
                Action: "ecs:DescribeServiceRevisions",
                Resource: "arn:aws:ecs:eu-west-1:123456789012:service-revision/papyrus-cluster/papyrus-service/*",
            },
            {
                Sid: "DecideServiceDeployments",
                Effect: "Allow",
                Action: ["ecs:ContinueServiceDeployment", "ecs:StopServiceDeployment"],
                Resource: "arn:aws:ecs:eu-west-1:123456789012:service-deployment/papyrus-cluster/papyrus-service/*",
            },
            {
                Sid: "PassTaskRolesToEcs",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: ["arn:aws:iam::123456789012:role/papyrus-task-role", "arn:aws:iam::123456789012:role/papyrus-execution-role"],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
            { Sid: "RefreshCluster", Effect: "Allow", Action: "ecs:DescribeClusters", Resource: "arn:aws:ecs:eu-west-1:123456789012:cluster/papyrus-cluster" },
            {
                Sid: "RefreshLogGroup",
                Effect: "Allow",
                Action: "logs:ListTagsForResource",
                Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:papyrus-logs", "arn:aws:logs:eu-west-1:123456789012:log-group:papyrus-logs:*"],
            },
            {
                Sid: "RefreshRegionalReads",
                Effect: "Allow",
                Action: [
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
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    "elasticloadbalancing:DescribeCapacityReservation",
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeListenerAttributes",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetGroupAttributes",
                    "elasticloadbalancing:DescribeTags",
                    "logs:DescribeLogGroups",
                ],
                Resource: "*",
                Condition: IN_REGION,
            },
            { Sid: "RefreshCertificate", Effect: "Allow", Action: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"], Resource: CERTIFICATE_ARN },
            {
                Sid: "RefreshDnsRecords",
                Effect: "Allow",
                Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
                Resource: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
            },
            {
                Sid: "RefreshScaling",
                Effect: "Allow",
                Action: ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"],
                Resource: "*",
                Condition: IN_REGION,
            },
            { Sid: "RefreshScalingTags", Effect: "Allow", Action: "application-autoscaling:ListTagsForResource", Resource: SCALABLE_TARGET_ARN },
            // The deployment alarms, by ARN: only composite alarms (which the service has none of) need `*`.
            { Sid: "RefreshAlarms", Effect: "Allow", Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"], Resource: ALARM_ARNS },
            { Sid: "LookUpAvailabilityZones", Effect: "Allow", Action: "ec2:DescribeAvailabilityZones", Resource: "*", Condition: IN_REGION },
            {
                Sid: "RefreshIdentity",
                Effect: "Allow",
                Action: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
                Resource: [
                    PUSH_ROLE,
                    DEPLOY_ROLE,
                    "arn:aws:iam::123456789012:role/papyrus-task-role",
                    "arn:aws:iam::123456789012:role/papyrus-execution-role",
                    "arn:aws:iam::123456789012:role/papyrus-lb-role",
                ],
            },
            { Sid: "RefreshOidcProvider", Effect: "Allow", Action: "iam:GetOpenIDConnectProvider", Resource: PROVIDER_ARN },
            {
                Sid: "ListStackState",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: "arn:aws:s3:::acme-pulumi-state",
                Condition: {
                    StringEquals: {
                        "s3:prefix": [
                            "papyrus/.pulumi/stacks/papyrus/prod.json",
                            "papyrus/.pulumi/history/papyrus/prod/",
                            "papyrus/.pulumi/locks/organization/papyrus/prod/",
                            "papyrus/.pulumi/stacks/papyrus/prod.pulumi-tags",
                            "papyrus/.pulumi/stacks/papyrus/dev.json",
                            "papyrus/.pulumi/history/papyrus/dev/",
                            "papyrus/.pulumi/stacks/papyrus/dev.pulumi-tags",
                        ],
                    },
                },
            },
            {
                Sid: "ReadWriteStackState",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: [
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/stacks/papyrus/prod.json",
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/history/papyrus/prod/*",
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/locks/organization/papyrus/prod/*",
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/stacks/papyrus/prod.pulumi-tags",
                ],
            },
            {
                Sid: "ReadStateLayout",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: ["arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/meta.yaml"],
            },
            {
                Sid: "WriteStateBackups",
                Effect: "Allow",
                Action: "s3:PutObject",
                Resource: [
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/stacks/papyrus/prod.json.bak",
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/backups/papyrus/prod/*",
                ],
            },
            {
                Sid: "ReleaseStackLocks",
                Effect: "Allow",
                Action: "s3:DeleteObject",
                Resource: ["arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/locks/organization/papyrus/prod/*"],
            },
            {
                Sid: "ReadPromotionSourceHistory",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: [
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/stacks/papyrus/dev.json",
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/history/papyrus/dev/*",
                    "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi/stacks/papyrus/dev.pulumi-tags",
                ],
            },
        ]);
    });

    it("looks availability zones up unless told not to, and reads only the identity resources it is given", () => {
        // kills: `lookUpAvailabilityZones ?? true` turned into `&&` or `?? false`; RefreshIdentity written with no roles
        assert.deepStrictEqual(
            deployPolicy({ repositoryArn: REPO_ARN, identity: { roleArns: [], createdProviderArn: PROVIDER_ARN }, access: {} }).Statement.slice(2),
            [
                { Sid: "LookUpAvailabilityZones", Effect: "Allow", Action: "ec2:DescribeAvailabilityZones", Resource: "*", Condition: IN_REGION },
                { Sid: "RefreshOidcProvider", Effect: "Allow", Action: "iam:GetOpenIDConnectProvider", Resource: PROVIDER_ARN },
            ],
        );
    });

    it("reads no alarms when the service has none: no statement with an empty resource list", () => {
        // kills: `alarmArns.length > 0` made true or turned into `>= 0`
        const sids = (alarmArns: string[] | undefined) =>
            deployPolicy({ ...FULL, target: { ...FULL.target!, serviceResources: { ...FULL.target!.serviceResources, alarmArns } } }).Statement.map(
                (statement) => statement.Sid,
            );
        assert.ok(sids(ALARM_ARNS).includes("RefreshAlarms"));
        assert.ok(!sids([]).includes("RefreshAlarms"));
        assert.ok(!sids(undefined).includes("RefreshAlarms"));
    });

    it("scopes state objects under a nested key prefix, under the bucket's root without one, and lists only the stack's own", () => {
        // Trailing slashes, however many, end the prefix once. kills: the trailing-slash pattern losing its `$` or `+`,
        // the root prefix without a key prefix, and the promotion source's prefixes listed when there is none
        const stateOf = (keyPrefix: string | undefined) =>
            deployPolicy({
                repositoryArn: REPO_ARN,
                access: {
                    lookUpAvailabilityZones: false,
                    stateBucket: { bucketArn: "arn:aws:s3:::acme-pulumi-state", keyPrefix, project: "papyrus", stack: "dev" },
                },
            }).Statement.slice(2, 4);
        const expected = (root: string) => [
            {
                Sid: "ListStackState",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: "arn:aws:s3:::acme-pulumi-state",
                Condition: {
                    StringEquals: {
                        "s3:prefix": [
                            `${root}.pulumi/stacks/papyrus/dev.json`,
                            `${root}.pulumi/history/papyrus/dev/`,
                            `${root}.pulumi/locks/organization/papyrus/dev/`,
                            `${root}.pulumi/stacks/papyrus/dev.pulumi-tags`,
                        ],
                    },
                },
            },
            {
                Sid: "ReadWriteStackState",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: [
                    `arn:aws:s3:::acme-pulumi-state/${root}.pulumi/stacks/papyrus/dev.json`,
                    `arn:aws:s3:::acme-pulumi-state/${root}.pulumi/history/papyrus/dev/*`,
                    `arn:aws:s3:::acme-pulumi-state/${root}.pulumi/locks/organization/papyrus/dev/*`,
                    `arn:aws:s3:::acme-pulumi-state/${root}.pulumi/stacks/papyrus/dev.pulumi-tags`,
                ],
            },
        ];
        assert.deepStrictEqual(stateOf("teams/web"), expected("teams/web/"));
        assert.deepStrictEqual(stateOf("teams/web//"), expected("teams/web/"));
        assert.deepStrictEqual(stateOf(undefined), expected(""));
    });

    it("during bootstrap (no service): repository and identity reads only; nothing to register, update or pass", () => {
        assert.deepStrictEqual(
            deployPolicy({ repositoryArn: REPO_ARN, identity: { roleArns: [PUSH_ROLE, DEPLOY_ROLE] }, access: { lookUpAvailabilityZones: false } }).Statement,
            [
                { Sid: "ResolveImageTags", Effect: "Allow", Action: "ecr:DescribeImages", Resource: REPO_ARN },
                {
                    Sid: "RefreshRepository",
                    Effect: "Allow",
                    Action: ["ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy"],
                    Resource: REPO_ARN,
                },
                {
                    Sid: "RefreshIdentity",
                    Effect: "Allow",
                    Action: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
                    Resource: [PUSH_ROLE, DEPLOY_ROLE],
                },
            ],
        );
    });

    it("can tag images but delete or upload none: the protective tags move, nothing is removed", () => {
        const actions = deployPolicy(FULL).Statement.flatMap((statement) => [statement.Action].flat());
        const forbidden = [
            "ecr:BatchDeleteImage",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:DeleteRepository",
            "ecr:PutImageTagMutability",
            "ecr:PutLifecyclePolicy",
        ];
        assert.deepStrictEqual(
            actions.filter((action) => forbidden.includes(action) || action.endsWith("*")),
            [],
        );
    });

    it("grants the dev stack's role nothing of prod's state, and prod's nothing of dev's but its history", () => {
        const objectsOf = (statements: PolicyStatement[]) => statements.flatMap((s) => [s.Resource ?? []].flat());
        const dev = objectsOf(
            deployPolicy({ ...FULL, access: { stateBucket: { bucketArn: "arn:aws:s3:::acme-pulumi-state", project: "papyrus", stack: "dev" } } }).Statement,
        );
        assert.ok(
            dev.every((resource) => !resource.includes("/prod")),
            dev.join("\n"),
        );
        const prodWrites = deployPolicy(FULL).Statement.filter((s) => [s.Action].flat().some((a) => a === "s3:PutObject" || a === "s3:DeleteObject"));
        assert.ok(
            objectsOf(prodWrites).every((resource) => !resource.includes("/dev")),
            JSON.stringify(prodWrites),
        );
    });

    it("refuses ARNs that would widen a grant, naming the input", () => {
        const bad: [DeployPolicyArgs, string][] = [
            [{ repositoryArn: "*" }, "`repositoryArn` must be an ECR repository ARN (`arn:aws:ecr:<region>:<account>:repository/<name>`), got `*`"],
            [
                { ...FULL, target: { ...FULL.target!, serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/papyrus-cluster/*" } },
                "`serviceArn` must be an ECS service ARN (`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`), got `arn:aws:ecs:eu-west-1:123456789012:service/papyrus-cluster/*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/papyrus-cluster/papyrus-service" } },
                "`serviceArn` is in `us-east-1` but the repository is in `eu-west-1`; the deploy role is held to one region",
            ],
            [
                { ...FULL, target: { ...FULL.target!, taskRoleArn: "arn:aws:iam::123456789012:role/*" } },
                "`taskRoleArn` must be an ARN of the form `arn:aws:iam::<account>:role/<name>`, got `arn:aws:iam::123456789012:role/*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, taskDefinitionFamily: "papyrus-*" } },
                "`taskDefinitionFamily` must be 1-255 letters, digits, `-` or `_`, got `papyrus-*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, serviceResources: { certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/*" } } },
                "`serviceResources.certificateArn` must be an ARN of the form `arn:aws:acm:<region>:<account>:certificate/<uuid>`, got `arn:aws:acm:eu-west-1:123456789012:certificate/*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, serviceResources: { hostedZoneId: "*" } } },
                "`hostedZoneId` must be a Route 53 hosted zone id such as `Z0123456789ABCDEFGHIJ`, got `*`",
            ],
            [
                {
                    ...FULL,
                    target: {
                        ...FULL.target!,
                        serviceResources: { scalableTargetArn: "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/*" },
                    },
                },
                "`serviceResources.scalableTargetArn` must be an ARN of the form `arn:aws:application-autoscaling:<region>:<account>:scalable-target/<id>`, got `arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, serviceResources: { roleArns: ["*"] } } },
                "`serviceResources.roleArns[0]` must be an ARN of the form `arn:aws:iam::<account>:role/<name>`, got `*`",
            ],
            [
                {
                    ...FULL,
                    target: { ...FULL.target!, serviceResources: { alarmArns: [ALARM_ARNS[0], "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:papyrus-*"] } },
                },
                "`serviceResources.alarmArns[1]` must be an ARN of the form `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`, got `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:papyrus-*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, serviceResources: { alarmArns: ["arn:aws:cloudwatch:eu-west-1:123456789012:dashboard/papyrus"] } } },
                "`serviceResources.alarmArns[0]` must be an ARN of the form `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`, got `arn:aws:cloudwatch:eu-west-1:123456789012:dashboard/papyrus`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, requestTags: {} } },
                "`requestTags` is empty; name the tags every task definition of the family carries (e.g. `Project`, `Stack`), so registration can be held to them",
            ],
            // kills: the input names in these four messages emptied
            [
                { ...FULL, identity: { roleArns: [PUSH_ROLE, "*"] } },
                "`identity.roleArns[1]` must be an ARN of the form `arn:aws:iam::<account>:role/<name>`, got `*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/*" } },
                "`clusterArn` must be an ARN of the form `arn:aws:ecs:<region>:<account>:cluster/<name>`, got `arn:aws:ecs:eu-west-1:123456789012:cluster/*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, logGroupArn: "*" } },
                "`logGroupArn` must be an ARN of the form `arn:aws:logs:<region>:<account>:log-group:<name>`, got `*`",
            ],
            [
                { ...FULL, target: { ...FULL.target!, executionRoleArn: "arn:aws:iam::123456789012:role/*" } },
                "`executionRoleArn` must be an ARN of the form `arn:aws:iam::<account>:role/<name>`, got `arn:aws:iam::123456789012:role/*`",
            ],
            [
                { ...FULL, access: { stateBucket: { ...FULL.access!.stateBucket!, bucketArn: "arn:aws:s3:::*" } } },
                "`stateBucket.bucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `arn:aws:s3:::*`: a wildcard would grant every matching bucket; name the bucket",
            ],
            [
                { ...FULL, access: { stateBucket: { ...FULL.access!.stateBucket!, keyPrefix: "papyrus/*" } } },
                "`stateBucket.keyPrefix` must be a literal key prefix, got `papyrus/*`: a wildcard or policy variable would reach other prefixes",
            ],
            [
                { ...FULL, access: { stateBucket: { ...FULL.access!.stateBucket!, stack: "*" } } },
                "the Pulumi stack name must be letters, digits, `-`, `_` or `.`, got `*`",
            ],
            [
                { ...FULL, access: { stateBucket: { ...FULL.access!.stateBucket!, promotionSource: "prod" } } },
                "`promotionSource` is the stack itself (`prod`); name the stack whose digests this one promotes",
            ],
        ];
        for (const [args, message] of bad) {
            assert.throws(() => deployPolicy(args), { message });
        }
    });
});

describe("ARN checks", () => {
    it("s3BucketArnProblem: one bucket, no wildcard, not an object ARN", () => {
        const table: [unknown, string | undefined][] = [
            ["arn:aws:s3:::acme-pulumi-state", undefined],
            ["arn:aws-cn:s3:::acme.state-1", undefined],
            [
                "arn:aws:s3:::*",
                "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `arn:aws:s3:::*`: a wildcard would grant every matching bucket; name the bucket",
            ],
            [
                "arn:aws:s3:::acme-*",
                "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `arn:aws:s3:::acme-*`: a wildcard would grant every matching bucket; name the bucket",
            ],
            [
                "*",
                "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `*`: a wildcard would grant every matching bucket; name the bucket",
            ],
            [
                "arn:aws:s3:::acme-pulumi-state/papyrus",
                "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `arn:aws:s3:::acme-pulumi-state/papyrus`: that names objects, not the bucket; give the key prefix in `papyrus:stateKeyPrefix`",
            ],
            ["acme-pulumi-state", "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `acme-pulumi-state`"],
            ["arn:aws:s3:::Acme", "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `arn:aws:s3:::Acme`"],
            [7, "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got a value of type number"],
        ];
        for (const [value, problem] of table) {
            assert.strictEqual(s3BucketArnProblem(value, "papyrus:stateBucketArn", "papyrus:stateKeyPrefix"), problem, String(value));
        }
    });

    it("stateKeyPrefixProblem: literal, relative, no `..`", () => {
        const table: [unknown, string | undefined][] = [
            ["papyrus", undefined],
            ["teams/web/papyrus/", undefined],
            ["papyrus*", "`papyrus:stateKeyPrefix` must be a literal key prefix, got `papyrus*`: a wildcard or policy variable would reach other prefixes"],
            [
                "${aws:username}",
                "`papyrus:stateKeyPrefix` must be a literal key prefix, got `${aws:username}`: a wildcard or policy variable would reach other prefixes",
            ],
            ["/papyrus", "`papyrus:stateKeyPrefix` must be a key prefix such as `papyrus` (as in `s3://<bucket>/papyrus`), got `/papyrus`"],
            ["a/../b", "`papyrus:stateKeyPrefix` must be a key prefix such as `papyrus` (as in `s3://<bucket>/papyrus`), got `a/../b`"],
        ];
        for (const [value, problem] of table) {
            assert.strictEqual(stateKeyPrefixProblem(value, "papyrus:stateKeyPrefix"), problem, String(value));
        }
    });

    it("oidcProviderArnProblem: the provider of the tokens' own issuer", () => {
        const ISSUER = "token.actions.githubusercontent.com";
        const table: [unknown, string, string | undefined][] = [
            [PROVIDER_ARN, ISSUER, undefined],
            ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/acme-corp", `${ISSUER}/acme-corp`, undefined],
            [
                "arn:aws:iam::123456789012:oidc-provider/*",
                ISSUER,
                "`papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`), got `arn:aws:iam::123456789012:oidc-provider/*`",
            ],
            [
                "arn:aws:iam::123456789012:oidc-provider/gitlab.com",
                ISSUER,
                "`papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`), got `arn:aws:iam::123456789012:oidc-provider/gitlab.com`, the provider for `https://gitlab.com`: this stack's tokens come from `https://token.actions.githubusercontent.com`",
            ],
            [
                PROVIDER_ARN,
                `${ISSUER}/acme-corp`,
                "`papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com/acme-corp`), got `arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com`, the provider for `https://token.actions.githubusercontent.com`: this stack's tokens come from `https://token.actions.githubusercontent.com/acme-corp`",
            ],
            [
                "arn:aws:iam::1234:oidc-provider/token.actions.githubusercontent.com",
                ISSUER,
                "`papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`), got `arn:aws:iam::1234:oidc-provider/token.actions.githubusercontent.com`",
            ],
            [
                undefined,
                ISSUER,
                "`papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`), got a value of type undefined",
            ],
        ];
        for (const [value, issuer, problem] of table) {
            assert.strictEqual(oidcProviderArnProblem(value, issuer, "papyrus:oidcProviderArn"), problem, `${String(value)} for ${issuer}`);
        }
    });

    it("taskDefinitionFamilyArn, serviceDeploymentsArn and serviceRevisionsArn keep the service's partition, region, account and cluster", () => {
        const cn = "arn:aws-cn:ecs:cn-north-1:123456789012:service/shared/papyrus-service";
        assert.strictEqual(taskDefinitionFamilyArn(cn, "papyrus_prod-2"), "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/papyrus_prod-2:*");
        assert.strictEqual(serviceDeploymentsArn(cn), "arn:aws-cn:ecs:cn-north-1:123456789012:service-deployment/shared/papyrus-service/*");
        assert.strictEqual(serviceRevisionsArn(cn), "arn:aws-cn:ecs:cn-north-1:123456789012:service-revision/shared/papyrus-service/*");
    });
});

describe("the DIY state layout", () => {
    it("lists one stack's objects as the backend names them", () => {
        assert.deepStrictEqual(diyStackObjects("papyrus", "prod"), {
            readWrite: [
                ".pulumi/stacks/papyrus/prod.json",
                ".pulumi/history/papyrus/prod/*",
                ".pulumi/locks/organization/papyrus/prod/*",
                ".pulumi/stacks/papyrus/prod.pulumi-tags",
            ],
            readOnly: [".pulumi/meta.yaml"],
            writeOnly: [".pulumi/stacks/papyrus/prod.json.bak", ".pulumi/backups/papyrus/prod/*"],
            deleted: [".pulumi/locks/organization/papyrus/prod/*"],
            listPrefixes: [
                ".pulumi/stacks/papyrus/prod.json",
                ".pulumi/history/papyrus/prod/",
                ".pulumi/locks/organization/papyrus/prod/",
                ".pulumi/stacks/papyrus/prod.pulumi-tags",
            ],
        });
        assert.deepStrictEqual(diyStackHistoryReader("papyrus", "dev"), {
            readOnly: [".pulumi/stacks/papyrus/dev.json", ".pulumi/history/papyrus/dev/*", ".pulumi/stacks/papyrus/dev.pulumi-tags"],
            listPrefixes: [".pulumi/stacks/papyrus/dev.json", ".pulumi/history/papyrus/dev/", ".pulumi/stacks/papyrus/dev.pulumi-tags"],
        });
    });

    it("covers every object the file backend writes for a stack (the listing recorded in docs/COMPONENTS.md)", () => {
        // `find .pulumi -type f` after `pulumi up` on two stacks and `pulumi stack tag set` (sidecar `.attrs` files are the
        // file backend's own, not S3's), plus the lock held during the update; recorded in the docs section below.
        const docs = fs.readFileSync(path.join(ROOT, "docs", "COMPONENTS.md"), "utf8");
        const listing = /```text\n# find \.pulumi -type f[^\n]*\n([\s\S]*?)```/.exec(docs);
        assert.ok(listing !== null, "docs/COMPONENTS.md has the recorded listing");
        const files = listing[1]
            .trim()
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => /[/.]dev[/.-]/.test(line));
        assert.strictEqual(files.length, 7, files.join("\n"));
        const own = diyStackObjects("papyrus", "dev");
        const covered = (file: string, patterns: readonly string[]) => patterns.some((p) => (p.endsWith("/*") ? file.startsWith(p.slice(0, -1)) : file === p));
        for (const file of files) {
            assert.ok(covered(file, [...own.readWrite, ...own.readOnly, ...own.writeOnly]), `${file} is not in the layout`);
        }
    });
});

describe("the roles' AWS calls (components/awsCalls.ts), held to the policies, the driver and the docs", () => {
    // Built inside each test, not here: code run while mocha collects tests runs for no test in
    // particular, and Stryker would then treat every mutant of deployPolicy as static (a fresh
    // process and the whole suite per mutant).
    const allowedBy = (policy: { Statement: PolicyStatement[] }) =>
        new Set(policy.Statement.flatMap((s) => [s.Action].flat().map((action) => `${action} ${s.Sid}`)));
    const tabled = (role: CallerRole) =>
        new Set(
            AWS_CALLS.filter((call) => call.role === role && call.statement !== undefined).flatMap((call) =>
                call.actions.map((action) => `${action} ${call.statement}`),
            ),
        );

    it("lists every action of the deploy policy with the statement that allows it (none missing)", () => {
        const table = tabled("deploy");
        assert.deepStrictEqual(
            [...allowedBy(deployPolicy(FULL))].filter((entry) => !table.has(entry)),
            [],
        );
    });

    it("lists nothing the deploy policy does not allow (none extra)", () => {
        const allowed = allowedBy(deployPolicy(FULL));
        assert.deepStrictEqual(
            [...tabled("deploy")].filter((entry) => !allowed.has(entry)),
            [],
        );
    });

    it("lists every action of the push policy, and nothing else", () => {
        assert.deepStrictEqual([...tabled("push")].sort(), [...allowedBy(pushPolicy(REPO_ARN))].sort());
    });

    it("covers every AWS SDK call the driver makes, as a driver call the deploy policy allows", () => {
        const automation = path.join(ROOT, "automation");
        const calls = fs
            .readdirSync(automation, { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts"))
            .flatMap((file) => {
                const text = fs.readFileSync(path.join(automation, file), "utf8");
                const service = /@aws-sdk\/client-([a-z0-9-]+)/.exec(text)?.[1];
                return [...text.matchAll(/new (\w+)Command\(/g)].map(([, command]) => `${service}:${command}`);
            });
        assert.deepStrictEqual([...new Set(calls)].sort(), [
            "ecr:BatchGetImage",
            "ecr:DescribeImageScanFindings",
            "ecr:DescribeImages",
            "ecr:ListImages",
            "ecr:PutImage",
            "ecr:UpdateImageStorageClass",
            "ecs:ContinueServiceDeployment",
            "ecs:DescribeServiceDeployments",
            "ecs:DescribeServiceRevisions",
            "ecs:DescribeServices",
            "ecs:DescribeTaskDefinition",
            "ecs:ListServiceDeployments",
            "ecs:StopServiceDeployment",
        ]);
        const allowed = [...allowedBy(deployPolicy(FULL))];
        for (const action of calls) {
            const row = AWS_CALLS.find((call) => call.role === "deploy" && call.actions.includes(action) && /driver/.test(call.why));
            assert.ok(row !== undefined, `${action} is not in the table as a driver call`);
            assert.ok(allowed.includes(`${action} ${row.statement}`), `${action} is not allowed by ${row.statement}`);
        }
    });

    it("covers every AWS CLI call and driver command of the workflows, with the role the job assumes", () => {
        const dir = path.join(ROOT, ".github", "workflows");
        const found: string[] = [];
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yml"))) {
            // ecr-push.yml assumes the push role; every other workflow a stack's deploy role.
            const role: CallerRole = file === "ecr-push.yml" ? "push" : "deploy";
            const lines = fs
                .readFileSync(path.join(dir, file), "utf8")
                .split("\n")
                .filter((line) => !line.trim().startsWith("#"));
            for (const line of lines) {
                for (const [, service, command] of line.matchAll(/\baws ([a-z0-9-]+) ([a-z0-9-]+)/g)) {
                    const action = `${service}:${command.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
                    found.push(`${file} ${action}`);
                    const step = role === "push" ? "push" : "gate";
                    assert.ok(
                        AWS_CALLS.some(
                            (call) => call.role === role && call.actions.includes(action) && /workflow/.test(call.why) && call.operations.includes(step),
                        ),
                        `${file}: \`aws ${service} ${command}\` is not a ${role} role workflow call (${step}) in the table`,
                    );
                }
                for (const [, command] of line.matchAll(/(?:npx --no-install papyrus-deploy|args=\()\s*([a-z]+)\b/g)) {
                    found.push(`${file} ${command}`);
                    assert.ok(
                        AWS_CALLS.some((call) => call.role === role && call.operations.includes(command as Operation)),
                        `${file}: \`papyrus-deploy ${command}\` has no call in the table`,
                    );
                }
            }
        }
        assert.deepStrictEqual([...new Set(found)].sort(), [
            "deploy.yml approve",
            "deploy.yml deploy",
            "deploy.yml ecr:DescribeImages",
            "ecr-push.yml ecr:BatchGetImage",
            "promote.yml history",
            "promote.yml promote",
            "promote.yml verify",
            "rollback.yml rollback",
            "rollback.yml verify",
        ]);
    });

    it("is what docs/COMPONENTS.md shows, row for row (regenerate with `awsCallTable`)", () => {
        const docs = fs.readFileSync(path.join(ROOT, "docs", "COMPONENTS.md"), "utf8");
        for (const role of ["push", "deploy"] as const) {
            const marker = `<!-- awsCallTable("${role}") -->`;
            const at = docs.indexOf(marker);
            assert.ok(at !== -1, `docs/COMPONENTS.md has no ${marker}`);
            const lines = docs
                .slice(at + marker.length)
                .trimStart()
                .split("\n");
            const table = lines
                .slice(
                    0,
                    lines.findIndex((line) => !line.startsWith("|")),
                )
                .join("\n");
            assert.strictEqual(table, awsCallTable(role));
        }
    });
});
