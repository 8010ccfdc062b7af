// The real stack program (index.ts) under the SDK's mocks, once per stack with
// that stack's Pulumi.<stack>.yaml. The evaluation is the one `npm run render`
// prints (testkit/evaluateUnderMocks.ts): it sets the config and the mocks,
// then requires index.ts afresh. Assertions are on the inputs the providers
// would receive, policies parsed from their JSON.
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import {
    githubTrustProblems,
    repositoryMutabilityProblems,
    RESOURCE_TYPES,
    serviceRollbackProblems,
    taskDefinitionImageProblems,
    taskDefinitionPlainSecretProblems,
} from "../../policy/rules";
import { evaluateUnderMocks, Evaluation, loadStackConfig, MOCK_ACCOUNT_ID, RecordedResource, runUnderMocks } from "../../testkit/evaluateUnderMocks";

const OIDC = "token.actions.githubusercontent.com";
const COMPONENT_TYPES = [
    "papyrus:aws:ImmutableRepository",
    "papyrus:aws:GithubDeployIdentity",
    "papyrus:aws:DigestPinnedService",
    "papyrus:aws:RegistryReplication",
    "papyrus:aws:ReplicationRegistryPolicy",
];
/** The read of the stack's own last outputs (components/runningImage.ts): top-level, like the stack itself. */
const STACK_REFERENCE = "pulumi:pulumi:StackReference";
/** The only actions whose statements may name Resource `*` (they have no resource-level permissions). */
const STAR_ACTIONS = new Set([
    "ecr:GetAuthorizationToken",
    "ecs:RegisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ec2:DescribeAvailabilityZones",
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
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
]);

interface Statement {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

function all(evaluation: Evaluation, type: string): RecordedResource[] {
    return evaluation.resources.filter((r) => r.type === type);
}

function one(evaluation: Evaluation, type: string, name: string): RecordedResource {
    const found = evaluation.resources.filter((r) => r.type === type && r.name === name);
    assert.strictEqual(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

function statementsOf(json: unknown): Statement[] {
    assert.strictEqual(typeof json, "string", "policies are passed to the provider as JSON strings");
    const document = JSON.parse(json as string) as { Version: string; Statement: Statement[] };
    assert.strictEqual(document.Version, "2012-10-17");
    return document.Statement;
}

function asList(value: string | string[] | undefined): string[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Occurrences of `"key"` in raw JSON: JSON.parse would silently keep only the last of two equal keys. */
function keyCount(json: string, key: string): number {
    return json.split(`"${key}"`).length - 1;
}

/** The load balancer's listeners: HTTP-only (dev, by explicit config) or HTTPS with a redirect (prod). */
type ListenerExpectation = { readonly protocol: "HTTP" } | { readonly protocol: "HTTPS"; readonly certificateArn: string };

interface StackExpectations {
    readonly region: string;
    readonly desiredCount: number;
    readonly listener: ListenerExpectation;
    /** `papyrus:autoscaling`, or undefined for a fixed task count. */
    readonly autoscaling?: { readonly min: number; readonly max: number; readonly cpu: number; readonly requests: number };
    readonly environment: Array<{ name: string; value: string }>;
    /** The container's secrets, as ECS gets them. */
    readonly secrets?: Array<{ name: string; valueFrom: string }>;
    /** The execution role's statements beyond pull and logs. */
    readonly secretStatements: Statement[];
    readonly cpu: string;
    readonly memory: string;
    readonly logRetentionDays: number;
    readonly untaggedExpiryDays: number;
    /** `papyrus:taggedImageRetention`: the lifecycle policy's third rule. */
    readonly taggedRetention: { keepNewest: number } | { olderThanDays: number };
    readonly natGateways: string;
    readonly createsOidcProvider: boolean;
    readonly pushSubjects: { operator: "StringEquals" | "StringLike"; subjects: string[] };
    readonly deploySubjects: { operator: "StringEquals" | "StringLike"; subjects: string[] };
    /** The stack's last outputs: what it runs now (git's Pulumi.<stack>.yaml names no image). */
    readonly running: { image: string; imageTag: string };
    /** The deployment alarms' threshold, period (s) and evaluation periods: `papyrus:deploymentAlarms` over the defaults. */
    readonly alarms: { readonly target5xx: [number, number, number]; readonly unhealthyHosts: [number, number, number] };
}

const expectations: Record<"dev" | "prod", StackExpectations> = {
    dev: {
        region: "eu-west-1",
        desiredCount: 1,
        listener: { protocol: "HTTP" },
        environment: [{ name: "LOG_LEVEL", value: "debug" }],
        secretStatements: [],
        cpu: "256",
        memory: "512",
        logRetentionDays: 14,
        untaggedExpiryDays: 7,
        taggedRetention: { keepNewest: 100 },
        natGateways: "Single",
        createsOidcProvider: true,
        pushSubjects: {
            operator: "StringLike",
            subjects: ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"],
        },
        // deploy.yml runs in the GitHub environment named like the stack, its approve job in `<stack>-approval`.
        deploySubjects: { operator: "StringEquals", subjects: ["repo:acme/papyrus:environment:dev", "repo:acme/papyrus:environment:dev-approval"] },
        running: {
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:bbf87276cf4e96adc7cf7b0b9dc46961e7d6fae05ce3d24c8f5fba4ebbfdb405",
            imageTag: "v1.4.2",
        },
        // dev sets no `papyrus:deploymentAlarms`: the component's defaults.
        alarms: { target5xx: [5, 60, 2], unhealthyHosts: [1, 60, 3] },
    },
    prod: {
        region: "eu-central-1",
        desiredCount: 3,
        listener: { protocol: "HTTPS", certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b" },
        autoscaling: { min: 3, max: 12, cpu: 60, requests: 1000 },
        environment: [{ name: "LOG_LEVEL", value: "info" }],
        secrets: [
            { name: "DATABASE_PASSWORD", valueFrom: "arn:aws:ssm:eu-central-1:123456789012:parameter/papyrus/prod/database-password" },
            { name: "SESSION_SECRET", valueFrom: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:papyrus/prod/session-AbCdEf" },
        ],
        secretStatements: [
            {
                Sid: "ReadSecretParameters",
                Effect: "Allow",
                Action: "ssm:GetParameters",
                Resource: ["arn:aws:ssm:eu-central-1:123456789012:parameter/papyrus/prod/database-password"],
            },
            {
                Sid: "ReadSecretsManagerSecrets",
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:papyrus/prod/session-AbCdEf"],
            },
            {
                Sid: "DecryptSecrets",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.eu-central-1.amazonaws.com", "ssm.eu-central-1.amazonaws.com"] } },
            },
        ],
        cpu: "1024",
        memory: "2048",
        logRetentionDays: 90,
        untaggedExpiryDays: 30,
        taggedRetention: { olderThanDays: 365 },
        natGateways: "OnePerAz",
        createsOidcProvider: false,
        pushSubjects: {
            operator: "StringLike",
            subjects: ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"],
        },
        // Production deploys only from jobs in the protected `prod` environment.
        deploySubjects: { operator: "StringEquals", subjects: ["repo:acme/papyrus:environment:prod", "repo:acme/papyrus:environment:prod-approval"] },
        running: {
            image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api@sha256:e199c295b425d41df4571d10f8887bea961080d53632ac96d7390e169ae9939a",
            imageTag: "v1.4.1",
        },
        // Pulumi.prod.yaml: `target5xx: { threshold: 10, evaluationPeriods: 3 }`, `unhealthyHosts: { evaluationPeriods: 2 }`.
        alarms: { target5xx: [10, 60, 3], unhealthyHosts: [1, 60, 2] },
    },
};

for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack} under mocks`, () => {
        const expected = expectations[stack];
        const config = loadStackConfig(stack);
        const repositoryArn = `arn:aws:ecr:${expected.region}:${MOCK_ACCOUNT_ID}:repository/papyrus-api`;
        let evaluation: Evaluation;

        before(async () => {
            evaluation = await evaluateUnderMocks({ stack, previousOutputs: expected.running });
        });

        it("reads the stack's own config, which names no image, and takes the image from the stack's last outputs", () => {
            assert.strictEqual(evaluation.stack, stack);
            assert.strictEqual(evaluation.config["aws:region"], expected.region);
            // kills: a digest committed to git's Pulumi.<stack>.yaml (a plain `pulumi up` would deploy it)
            assert.deepStrictEqual(
                Object.keys(config).filter((key) => /^papyrus:(image|imageTag|deployedBy|deployKind|promotedFrom)$/.test(key)),
                [],
            );
            assert.deepStrictEqual(
                all(evaluation, STACK_REFERENCE).map((r) => [r.name, r.inputs.name]),
                [["papyrus-running-image", `organization/papyrus/${stack}`]],
            );
        });

        describe("repository", () => {
            it("is immutable but for the protective tags, scanned on push, encrypted, and never force-deleted", () => {
                const repo = one(evaluation, "aws:ecr/repository:Repository", "papyrus-images-repository");
                assert.strictEqual(repo.inputs.name, "papyrus-api");
                assert.strictEqual(repo.inputs.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
                assert.deepStrictEqual(repo.inputs.imageTagMutabilityExclusionFilters, [{ filter: "deployed-*", filterType: "WILDCARD" }]);
                assert.strictEqual(repo.inputs.forceDelete, false);
                assert.deepStrictEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
                assert.deepStrictEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "AES256" }]);
                assert.strictEqual(repo.parent, "papyrus:aws:ImmutableRepository::papyrus-images");
            });

            it("has a lifecycle policy that keeps protected images first, then expires untagged and other tagged images by the stack's config", () => {
                const lifecycle = one(evaluation, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "papyrus-images-lifecycle");
                assert.strictEqual(lifecycle.inputs.repository, "papyrus-api");
                const policy = JSON.parse(lifecycle.inputs.policy as string) as {
                    rules: Array<{ rulePriority: number; selection: Record<string, unknown>; action: unknown }>;
                };
                assert.deepStrictEqual(
                    policy.rules.map((r) => [r.rulePriority, r.selection]),
                    [
                        [1, { tagStatus: "tagged", tagPatternList: ["deployed-*"], countType: "imageCountMoreThan", countNumber: 9999 }],
                        [2, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: expected.untaggedExpiryDays }],
                        [
                            3,
                            "keepNewest" in expected.taggedRetention
                                ? {
                                      tagStatus: "tagged",
                                      tagPatternList: ["*"],
                                      countType: "imageCountMoreThan",
                                      countNumber: expected.taggedRetention.keepNewest,
                                  }
                                : {
                                      tagStatus: "tagged",
                                      tagPatternList: ["*"],
                                      countType: "sinceImagePushed",
                                      countUnit: "days",
                                      countNumber: expected.taggedRetention.olderThanDays,
                                  },
                        ],
                    ],
                );
                for (const rule of policy.rules) assert.deepStrictEqual(rule.action, { type: "expire" });
            });
        });

        describe("GitHub OIDC", () => {
            const providerArn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${OIDC}`;

            it(expected.createsOidcProvider ? "creates the provider for GitHub with the STS audience" : "reuses the account's provider", () => {
                const providers = all(evaluation, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
                if (expected.createsOidcProvider) {
                    assert.strictEqual(providers.length, 1);
                    assert.strictEqual(providers[0].inputs.url, `https://${OIDC}`);
                    assert.deepStrictEqual(providers[0].inputs.clientIdLists, ["sts.amazonaws.com"]);
                } else {
                    assert.deepStrictEqual(providers, []);
                    assert.strictEqual(config["papyrus:oidcProviderArn"], providerArn);
                }
            });

            for (const [role, subjectsKey] of [
                ["push", "pushSubjects"],
                ["deploy", "deploySubjects"],
            ] as const) {
                it(`trusts the ${role} role to GitHub's tokens for STS from ${expected[subjectsKey].subjects.length === 1 ? "one subject" : "the configured subjects"} only`, () => {
                    const json = one(evaluation, "aws:iam/role:Role", `papyrus-ci-${role}`).inputs.assumeRolePolicy as string;
                    const [statement, ...rest] = statementsOf(json);
                    assert.deepStrictEqual(rest, []);
                    assert.strictEqual(statement.Effect, "Allow");
                    assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
                    assert.deepStrictEqual(statement.Principal, { Federated: providerArn });

                    const { operator, subjects } = expected[subjectsKey];
                    const condition = statement.Condition!;
                    assert.strictEqual(condition.StringEquals[`${OIDC}:aud`], "sts.amazonaws.com");
                    assert.deepStrictEqual(condition[operator][`${OIDC}:sub`], subjects);
                    assert.deepStrictEqual(Object.keys(condition).sort(), operator === "StringLike" ? ["StringEquals", "StringLike"] : ["StringEquals"]);
                    for (const subject of subjects) {
                        assert.ok(subject.startsWith("repo:acme/papyrus:"), subject);
                    }
                    // One key per operator, and the sub check once: nothing JSON could collapse.
                    assert.strictEqual(keyCount(json, "StringEquals"), 1);
                    assert.strictEqual(keyCount(json, "StringLike"), operator === "StringLike" ? 1 : 0);
                    assert.strictEqual(keyCount(json, `${OIDC}:sub`), 1);
                    assert.strictEqual(keyCount(json, `${OIDC}:aud`), 1);
                });
            }

            it("lets the push role log in and push to the repository only, statement by statement", () => {
                assert.deepStrictEqual(statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-push-policy").inputs.policy), [
                    {
                        Sid: "EcrLogin",
                        Effect: "Allow",
                        Action: "ecr:GetAuthorizationToken",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:RequestedRegion": expected.region } },
                    },
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
                        Resource: repositoryArn,
                    },
                ]);
            });

            it("lets the deploy role roll this service only, statement by statement", () => {
                const region = expected.region;
                const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;
                const role = (name: string) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`;
                const inRegion = { StringEquals: { "aws:RequestedRegion": region } };
                assert.deepStrictEqual(statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-deploy-policy").inputs.policy), [
                    { Sid: "ResolveImageTags", Effect: "Allow", Action: "ecr:DescribeImages", Resource: repositoryArn },
                    {
                        Sid: "RefreshRepository",
                        Effect: "Allow",
                        Action: ["ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy"],
                        Resource: repositoryArn,
                    },
                    // The scan gate, the protective tags (no delete), the restore of an archived rollback target.
                    { Sid: "ReadScanFindings", Effect: "Allow", Action: "ecr:DescribeImageScanFindings", Resource: repositoryArn },
                    { Sid: "ProtectDeployedImages", Effect: "Allow", Action: ["ecr:ListImages", "ecr:BatchGetImage", "ecr:PutImage"], Resource: repositoryArn },
                    { Sid: "RestoreArchivedImages", Effect: "Allow", Action: "ecr:UpdateImageStorageClass", Resource: repositoryArn },
                    {
                        Sid: "RegisterTaskDefinitions",
                        Effect: "Allow",
                        Action: "ecs:RegisterTaskDefinition",
                        Resource: "*",
                        Condition: {
                            StringEquals: { "aws:RequestedRegion": region, "aws:RequestTag/Project": "papyrus", "aws:RequestTag/Stack": stack },
                            "ForAllValues:StringEquals": { "aws:TagKeys": ["Project", "Stack", "ImageTag"], "ecs:compute-compatibility": ["FARGATE"] },
                        },
                    },
                    {
                        Sid: "TagTaskDefinitionsOnRegister",
                        Effect: "Allow",
                        Action: "ecs:TagResource",
                        Resource: arn("ecs", `task-definition/papyrus-${stack}:*`),
                        Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
                    },
                    { Sid: "ReadTaskDefinitions", Effect: "Allow", Action: "ecs:DescribeTaskDefinition", Resource: "*", Condition: inRegion },
                    {
                        Sid: "UpdateService",
                        Effect: "Allow",
                        Action: "ecs:UpdateService",
                        Resource: arn("ecs", "service/papyrus-cluster/papyrus-service"),
                        Condition: {
                            ArnLike: { "ecs:task-definition": arn("ecs", `task-definition/papyrus-${stack}:*`) },
                            StringEqualsIfExists: { "ecs:enable-execute-command": "false" },
                        },
                    },
                    {
                        Sid: "WatchService",
                        Effect: "Allow",
                        Action: ["ecs:DescribeServices", "ecs:ListServiceDeployments"],
                        Resource: arn("ecs", "service/papyrus-cluster/papyrus-service"),
                    },
                    {
                        Sid: "WatchServiceDeployments",
                        Effect: "Allow",
                        Action: "ecs:DescribeServiceDeployments",
                        Resource: arn("ecs", "service-deployment/papyrus-cluster/papyrus-service/*"),
                    },
                    {
                        Sid: "ReadServiceRevisions",
                        Effect: "Allow",
                        Action: "ecs:DescribeServiceRevisions",
                        Resource: arn("ecs", "service-revision/papyrus-cluster/papyrus-service/*"),
                    },
                    {
                        Sid: "DecideServiceDeployments",
                        Effect: "Allow",
                        Action: ["ecs:ContinueServiceDeployment", "ecs:StopServiceDeployment"],
                        Resource: arn("ecs", "service-deployment/papyrus-cluster/papyrus-service/*"),
                    },
                    {
                        Sid: "PassTaskRolesToEcs",
                        Effect: "Allow",
                        Action: "iam:PassRole",
                        Resource: [role("papyrus-task-role"), role("papyrus-execution-role")],
                        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                    },
                    { Sid: "RefreshCluster", Effect: "Allow", Action: "ecs:DescribeClusters", Resource: arn("ecs", "cluster/papyrus-cluster") },
                    {
                        Sid: "RefreshLogGroup",
                        Effect: "Allow",
                        Action: "logs:ListTagsForResource",
                        Resource: [arn("logs", "log-group:papyrus-logs"), arn("logs", "log-group:papyrus-logs:*")],
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
                        Condition: inRegion,
                    },
                    // prod scales its task count: a refresh reads the scalable target and its policies.
                    ...(expected.autoscaling === undefined
                        ? []
                        : [
                              {
                                  Sid: "RefreshScaling",
                                  Effect: "Allow",
                                  Action: ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"],
                                  Resource: "*",
                                  Condition: inRegion,
                              },
                              {
                                  Sid: "RefreshScalingTags",
                                  Effect: "Allow",
                                  Action: "application-autoscaling:ListTagsForResource",
                                  Resource: arn("application-autoscaling", "scalable-target/0ec5a1b2c3d4e5f60718293a4b5c6d7e"),
                              },
                          ]),
                    // A refresh reads the service's two deployment alarms back, by ARN.
                    {
                        Sid: "RefreshAlarms",
                        Effect: "Allow",
                        Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
                        Resource: [arn("cloudwatch", "alarm:papyrus-target-5xx"), arn("cloudwatch", "alarm:papyrus-unhealthy-hosts")],
                    },
                    // Both stacks create their VPC with awsx, which looks the zones up.
                    { Sid: "LookUpAvailabilityZones", Effect: "Allow", Action: "ec2:DescribeAvailabilityZones", Resource: "*", Condition: inRegion },
                    {
                        Sid: "RefreshIdentity",
                        Effect: "Allow",
                        Action: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
                        Resource: [role("papyrus-ci-push"), role("papyrus-ci-deploy"), role("papyrus-task-role"), role("papyrus-execution-role")],
                    },
                    // dev created the account's provider and refreshes it; prod reuses it and has nothing to read.
                    ...(expected.createsOidcProvider
                        ? [{ Sid: "RefreshOidcProvider", Effect: "Allow", Action: "iam:GetOpenIDConnectProvider", Resource: providerArn }]
                        : []),
                ]);
            });

            it("grants `*` only for actions without resource-level permissions, and then only in the stack's region", () => {
                const policies = all(evaluation, "aws:iam/rolePolicy:RolePolicy");
                assert.strictEqual(policies.length, 3, "push, deploy and execution policies");
                for (const policy of policies) {
                    for (const statement of statementsOf(policy.inputs.policy)) {
                        assert.strictEqual(statement.Effect, "Allow");
                        if (asList(statement.Resource).some((r) => r === "*")) {
                            for (const action of asList(statement.Action)) {
                                assert.ok(STAR_ACTIONS.has(action), `${policy.name}: ${action} on *`);
                            }
                            // The execution role's ECR login is the ECS agent's, in the task's own region.
                            if (policy.name !== "papyrus-execution-policy") {
                                assert.strictEqual(
                                    statement.Condition?.StringEquals?.["aws:RequestedRegion"],
                                    expected.region,
                                    `${policy.name} ${statement.Sid}`,
                                );
                            }
                        }
                        for (const action of asList(statement.Action)) {
                            assert.ok(!action.includes("*"), `${policy.name}: wildcard action ${action}`);
                        }
                    }
                }
            });
        });

        describe("service", () => {
            it("runs exactly the configured digest reference, with the tag only as a label", () => {
                const taskDefinition = one(evaluation, "aws:ecs/taskDefinition:TaskDefinition", "papyrus-task");
                const containers = JSON.parse(taskDefinition.inputs.containerDefinitions as string) as Array<Record<string, any>>;
                assert.strictEqual(containers.length, 1);
                assert.strictEqual(containers[0].image, expected.running.image);
                assert.deepStrictEqual(containers[0].dockerLabels, { "org.opencontainers.image.version": expected.running.imageTag });
                assert.deepStrictEqual(taskDefinition.inputs.tags, { Project: "papyrus", Stack: stack, ImageTag: expected.running.imageTag });
                assert.strictEqual(containers[0].logConfiguration.options["awslogs-region"], expected.region);
                assert.strictEqual(evaluation.outputs.image, expected.running.image);
                assert.strictEqual(evaluation.outputs.imageTag, expected.running.imageTag);
            });

            it("keeps earlier task definition revisions for rollback (skipDestroy) and runs on Fargate", () => {
                const taskDefinition = one(evaluation, "aws:ecs/taskDefinition:TaskDefinition", "papyrus-task");
                assert.strictEqual(taskDefinition.inputs.skipDestroy, true);
                assert.strictEqual(taskDefinition.inputs.family, `papyrus-${stack}`);
                assert.deepStrictEqual(taskDefinition.inputs.requiresCompatibilities, ["FARGATE"]);
                assert.strictEqual(taskDefinition.inputs.networkMode, "awsvpc");
                assert.strictEqual(taskDefinition.inputs.cpu, expected.cpu);
                assert.strictEqual(taskDefinition.inputs.memory, expected.memory);
                assert.strictEqual(taskDefinition.inputs.executionRoleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/papyrus-execution-role`);
                assert.strictEqual(taskDefinition.inputs.taskRoleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/papyrus-task-role`);
            });

            it(`rolls out safely: circuit breaker with rollback, steady-state wait, 100/200 %, ${expected.desiredCount} task(s)`, () => {
                const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
                assert.deepStrictEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
                assert.strictEqual(service.inputs.waitForSteadyState, true);
                assert.strictEqual(service.inputs.deploymentMinimumHealthyPercent, 100);
                assert.strictEqual(service.inputs.deploymentMaximumPercent, 200);
                assert.deepStrictEqual(service.inputs.deploymentController, { type: "ECS" });
                assert.strictEqual(service.inputs.launchType, "FARGATE");
                assert.strictEqual(service.inputs.desiredCount, expected.desiredCount);
                assert.strictEqual(service.inputs.taskDefinition, `arn:aws:ecs:${expected.region}:${MOCK_ACCOUNT_ID}:task-definition/papyrus-${stack}:1`);
                assert.deepStrictEqual(service.inputs.networkConfiguration, {
                    subnets: ["subnet-papyrus-vpc-private-a", "subnet-papyrus-vpc-private-b"],
                    securityGroups: ["papyrus-task-sg-id"],
                    assignPublicIp: false,
                });
            });

            it(`rolls a deployment back on its alarms: target 5xx (${expected.alarms.target5xx.join(", ")}) and unhealthy hosts (${expected.alarms.unhealthyHosts.join(", ")}), circuit breaker kept`, () => {
                const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
                assert.deepStrictEqual(service.inputs.alarms, { enable: true, rollback: true, alarmNames: ["papyrus-target-5xx", "papyrus-unhealthy-hosts"] });
                assert.deepStrictEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
                const dimensions = { LoadBalancer: "app/papyrus-lb/0123456789abcdef", TargetGroup: "targetgroup/papyrus-tg/0123456789abcdef" };
                const alarms = all(evaluation, "aws:cloudwatch/metricAlarm:MetricAlarm");
                assert.deepStrictEqual(
                    alarms.map((alarm) => alarm.name),
                    ["papyrus-target-5xx", "papyrus-unhealthy-hosts"],
                );
                for (const [alarm, metricName, statistic, [threshold, period, evaluationPeriods]] of [
                    [alarms[0], "HTTPCode_Target_5XX_Count", "Sum", expected.alarms.target5xx],
                    [alarms[1], "UnHealthyHostCount", "Maximum", expected.alarms.unhealthyHosts],
                ] as const) {
                    const i = alarm.inputs;
                    assert.deepStrictEqual(
                        [
                            i.namespace,
                            i.metricName,
                            i.statistic,
                            i.dimensions,
                            i.comparisonOperator,
                            i.threshold,
                            i.period,
                            i.evaluationPeriods,
                            i.datapointsToAlarm,
                            i.treatMissingData,
                            i.tags,
                        ],
                        [
                            "AWS/ApplicationELB",
                            metricName,
                            statistic,
                            dimensions,
                            "GreaterThanOrEqualToThreshold",
                            threshold,
                            period,
                            evaluationPeriods,
                            evaluationPeriods,
                            "notBreaching",
                            { Project: "papyrus", Stack: stack },
                        ],
                        alarm.name,
                    );
                }
            });

            it(`sits behind an ALB: ip target group with a 30 s deregistration delay, ${expected.listener.protocol === "HTTPS" ? "HTTPS on 443 with HTTP redirected to it" : "HTTP only on 80, as the stack says explicitly"}`, () => {
                const targetGroup = one(evaluation, "aws:lb/targetGroup:TargetGroup", "papyrus-tg");
                assert.strictEqual(targetGroup.inputs.targetType, "ip");
                assert.strictEqual(targetGroup.inputs.deregistrationDelay, 30);
                assert.strictEqual(targetGroup.inputs.port, 8080);
                assert.strictEqual((targetGroup.inputs.healthCheck as Record<string, unknown>).path, "/health");
                const loadBalancerArn = `arn:aws:elasticloadbalancing:${expected.region}:${MOCK_ACCOUNT_ID}:loadbalancer/app/papyrus-lb/0123456789abcdef`;
                const forward = [
                    {
                        type: "forward",
                        targetGroupArn: `arn:aws:elasticloadbalancing:${expected.region}:${MOCK_ACCOUNT_ID}:targetgroup/papyrus-tg/0123456789abcdef`,
                    },
                ];
                const tags = { Project: "papyrus", Stack: stack };
                // By name: registration order depends on when each load balancer output resolves.
                const listeners = all(evaluation, "aws:lb/listener:Listener")
                    .map((l) => [l.name, l.inputs])
                    .sort(([a], [b]) => String(a).localeCompare(String(b)));
                const dnsName = `papyrus-lb-1234567890.${expected.region}.elb.amazonaws.com`;
                const ingress = all(evaluation, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                    .filter((r) => r.name.startsWith("papyrus-lb-"))
                    .map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4])
                    .sort(([a], [b]) => Number(a) - Number(b));
                if (expected.listener.protocol === "HTTPS") {
                    assert.deepStrictEqual(listeners, [
                        [
                            "papyrus-http",
                            {
                                loadBalancerArn,
                                port: 80,
                                protocol: "HTTP",
                                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                                tags,
                            },
                        ],
                        [
                            "papyrus-https",
                            {
                                loadBalancerArn,
                                port: 443,
                                protocol: "HTTPS",
                                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                                certificateArn: expected.listener.certificateArn,
                                defaultActions: forward,
                                tags,
                            },
                        ],
                    ]);
                    assert.deepStrictEqual(ingress, [
                        [80, "0.0.0.0/0"],
                        [443, "0.0.0.0/0"],
                    ]);
                    assert.strictEqual(evaluation.outputs.loadBalancerUrl, `https://${dnsName}`);
                } else {
                    assert.strictEqual(config["papyrus:httpOnly"], "true");
                    assert.deepStrictEqual(listeners, [["papyrus-http", { loadBalancerArn, port: 80, protocol: "HTTP", defaultActions: forward, tags }]]);
                    assert.deepStrictEqual(ingress, [[80, "0.0.0.0/0"]]);
                    assert.strictEqual(evaluation.outputs.loadBalancerUrl, `http://${dnsName}`);
                }
                const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
                assert.deepStrictEqual(service.inputs.loadBalancers, [
                    {
                        targetGroupArn: `arn:aws:elasticloadbalancing:${expected.region}:${MOCK_ACCOUNT_ID}:targetgroup/papyrus-tg/0123456789abcdef`,
                        containerName: "app",
                        containerPort: 8080,
                    },
                ]);
                const loadBalancer = one(evaluation, "aws:lb/loadBalancer:LoadBalancer", "papyrus-lb");
                assert.deepStrictEqual(loadBalancer.inputs.subnets, ["subnet-papyrus-vpc-public-a", "subnet-papyrus-vpc-public-b"]);
            });

            it(
                expected.autoscaling === undefined
                    ? `runs a fixed ${expected.desiredCount} task(s), which Pulumi owns`
                    : `scales between ${expected.autoscaling.min} and ${expected.autoscaling.max} tasks on CPU and requests, and leaves desiredCount to the scaler`,
                () => {
                    const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
                    const policies = all(evaluation, "aws:appautoscaling/policy:Policy");
                    if (expected.autoscaling === undefined) {
                        assert.strictEqual(service.ignoreChanges, undefined);
                        assert.deepStrictEqual(all(evaluation, "aws:appautoscaling/target:Target"), []);
                        assert.deepStrictEqual(policies, []);
                        return;
                    }
                    const { min, max, cpu, requests } = expected.autoscaling;
                    assert.deepStrictEqual(service.ignoreChanges, ["desiredCount"]);
                    const resourceId = "service/papyrus-cluster/papyrus-service";
                    const target = one(evaluation, "aws:appautoscaling/target:Target", "papyrus-scaling-target");
                    assert.deepStrictEqual(target.inputs, {
                        serviceNamespace: "ecs",
                        scalableDimension: "ecs:service:DesiredCount",
                        resourceId,
                        minCapacity: min,
                        maxCapacity: max,
                        tags: { Project: "papyrus", Stack: stack },
                    });
                    assert.deepStrictEqual(
                        policies.map((p) => [p.name, p.inputs.resourceId, p.inputs.policyType, p.inputs.targetTrackingScalingPolicyConfiguration]),
                        [
                            [
                                "papyrus-scale-on-cpu",
                                resourceId,
                                "TargetTrackingScaling",
                                {
                                    targetValue: cpu,
                                    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                                    scaleInCooldown: 300,
                                    scaleOutCooldown: 60,
                                },
                            ],
                            [
                                "papyrus-scale-on-requests",
                                resourceId,
                                "TargetTrackingScaling",
                                {
                                    targetValue: requests,
                                    predefinedMetricSpecification: {
                                        predefinedMetricType: "ALBRequestCountPerTarget",
                                        resourceLabel: "app/papyrus-lb/0123456789abcdef/targetgroup/papyrus-tg/0123456789abcdef",
                                    },
                                    scaleInCooldown: 300,
                                    scaleOutCooldown: 60,
                                },
                            ],
                        ],
                    );
                },
            );

            it(`passes ${expected.secrets === undefined ? "no secrets" : "secrets by reference"}, plain settings as environment, and the execution role reads exactly those secrets`, () => {
                const taskDefinition = one(evaluation, "aws:ecs/taskDefinition:TaskDefinition", "papyrus-task");
                const [container] = JSON.parse(taskDefinition.inputs.containerDefinitions as string) as Array<Record<string, any>>;
                assert.deepStrictEqual(container.environment, expected.environment);
                assert.deepStrictEqual(container.secrets, expected.secrets);
                const statements = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-execution-policy").inputs.policy);
                assert.deepStrictEqual(statements.map((s) => s.Sid).slice(0, 3), ["EcrLogin", "PullFromRepository", "WriteLogs"]);
                assert.deepStrictEqual(statements.slice(3), expected.secretStatements);
                assert.deepStrictEqual(taskDefinitionPlainSecretProblems(taskDefinition.inputs), []);
            });

            it("hardens the container: the health check examples/app answers, read-only root, non-root user, stop timeout, ECS Exec off", () => {
                const taskDefinition = one(evaluation, "aws:ecs/taskDefinition:TaskDefinition", "papyrus-task");
                const [container] = JSON.parse(taskDefinition.inputs.containerDefinitions as string) as Array<Record<string, any>>;
                assert.deepStrictEqual(container.healthCheck, {
                    command: [
                        "CMD",
                        "node",
                        "-e",
                        `fetch("http://127.0.0.1:8080${config["papyrus:healthCheckPath"]}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
                    ],
                    interval: 15,
                    timeout: 5,
                    retries: 3,
                    startPeriod: 10,
                });
                assert.strictEqual(container.readonlyRootFilesystem, true);
                assert.strictEqual(container.user, "1000:1000");
                assert.strictEqual(container.stopTimeout, 30);
                assert.deepStrictEqual(container.linuxParameters, { initProcessEnabled: true, capabilities: { drop: ["ALL"] } });
                const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
                assert.strictEqual(service.inputs.enableExecuteCommand, false);
                assert.deepStrictEqual(service.inputs.deploymentConfiguration, { strategy: "ROLLING" });
            });

            it("lets the execution role pull from the repository and write the log group only", () => {
                const statements = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-execution-policy").inputs.policy);
                const pull = statements.find((s) => asList(s.Action).includes("ecr:BatchGetImage"))!;
                assert.strictEqual(pull.Resource, repositoryArn);
                const logs = statements.find((s) => asList(s.Action).includes("logs:PutLogEvents"))!;
                const logGroupArn = `arn:aws:logs:${expected.region}:${MOCK_ACCOUNT_ID}:log-group:papyrus-logs`;
                assert.deepStrictEqual(logs.Resource, [logGroupArn, `${logGroupArn}:*`]);
                assert.strictEqual(one(evaluation, "aws:cloudwatch/logGroup:LogGroup", "papyrus-logs").inputs.retentionInDays, expected.logRetentionDays);
            });

            it("builds its network with awsx.ec2.Vpc (a single resource under mocks)", () => {
                const vpc = one(evaluation, "awsx:ec2:Vpc", "papyrus-vpc");
                assert.strictEqual(vpc.custom, false);
                assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: expected.natGateways });
                assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 2);
            });
        });

        it("exports what the driver reads", () => {
            assert.deepStrictEqual(Object.keys(evaluation.outputs).sort(), [
                "clusterName",
                "deployRoleArn",
                "image",
                "imageTag",
                "loadBalancerUrl",
                "pushRoleArn",
                "repositoryName",
                "repositoryUrl",
                "serviceName",
                "taskDefinitionArn",
                "testListenerUrl",
            ]);
            // A rolling service has no test listener.
            assert.strictEqual(evaluation.outputs.testListenerUrl, undefined);
            assert.strictEqual(evaluation.outputs.repositoryUrl, `${MOCK_ACCOUNT_ID}.dkr.ecr.${expected.region}.amazonaws.com/papyrus-api`);
            assert.strictEqual(evaluation.outputs.repositoryName, "papyrus-api");
            assert.strictEqual(evaluation.outputs.clusterName, "papyrus-cluster");
            assert.strictEqual(evaluation.outputs.serviceName, "papyrus-service");
            assert.strictEqual(evaluation.outputs.pushRoleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/papyrus-ci-push`);
            assert.strictEqual(evaluation.outputs.deployRoleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/papyrus-ci-deploy`);
        });

        it("passes the policy pack's rules (digest-pinned images, no plain secrets, immutable repository, scoped GitHub trust, rollback on failure)", () => {
            const checks: Array<[string, (props: Record<string, unknown>) => string[]]> = [
                [RESOURCE_TYPES.taskDefinition, taskDefinitionImageProblems],
                [RESOURCE_TYPES.taskDefinition, taskDefinitionPlainSecretProblems],
                [RESOURCE_TYPES.repository, repositoryMutabilityProblems],
                [RESOURCE_TYPES.role, githubTrustProblems],
                [RESOURCE_TYPES.service, serviceRollbackProblems],
            ];
            let checked = 0;
            for (const resource of evaluation.resources) {
                for (const [type, check] of checks) {
                    if (type === resource.type) {
                        assert.deepStrictEqual(check(resource.inputs), [], `${resource.type} ${resource.name}`);
                        checked++;
                    }
                }
            }
            // the task definition twice, the repository, the push, deploy, execution and task roles, the service
            assert.strictEqual(checked, 8);
        });

        it("parents every resource to one of the components, named after it", () => {
            for (const resource of evaluation.resources) {
                if (COMPONENT_TYPES.includes(resource.type) || resource.type === STACK_REFERENCE) {
                    assert.strictEqual(resource.parent, undefined, resource.name);
                    continue;
                }
                assert.ok(resource.parent !== undefined, `${resource.type} ${resource.name} has no parent`);
                const [parentType, parentName] = resource.parent.split("::");
                assert.ok(COMPONENT_TYPES.includes(parentType), `${resource.name}: parent ${resource.parent}`);
                assert.ok(resource.name.startsWith(`${parentName}-`), `${resource.name} is not named after ${parentName}`);
            }
        });
    });
}

describe("stack program under mocks: config that must fail or change the shape", () => {
    const TAGGED = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api:v1.4.2";
    const LATEST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api:latest";
    const DIGEST = "sha256:" + "c".repeat(64);

    it("fails on an image given by tag, with the validator's exact message, before creating anything", async () => {
        const registered: string[] = [];
        await assert.rejects(
            evaluateUnderMocks({
                stack: "dev",
                overrides: { "papyrus:image": TAGGED },
                onResource: (resource) => registered.push(resource.name),
            }),
            {
                name: "ImageReferenceError",
                message:
                    "`papyrus:image` must be pinned by digest (`<registry>/<repository>@sha256:<64 lowercase hex>`), " +
                    `got \`${TAGGED}\`: it names the tag \`v1.4.2\`; resolve the tag to its digest and use ` +
                    "`123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:<digest>`",
            },
        );
        assert.deepStrictEqual(registered, []);
    });

    it("fails on `latest` with the validator's exact message", async () => {
        await assert.rejects(evaluateUnderMocks({ stack: "prod", overrides: { "papyrus:image": LATEST } }), {
            name: "ImageReferenceError",
            message:
                "`papyrus:image` must be pinned by digest (`<registry>/<repository>@sha256:<64 lowercase hex>`), " +
                `got \`${LATEST}\`: \`latest\` is a moving tag and is never deployed; deploy a release tag by its digest`,
        });
    });

    it("fails on a digest from another repository than the stack's own", async () => {
        const foreign = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/someone-else@${DIGEST}`;
        await assert.rejects(evaluateUnderMocks({ stack: "dev", overrides: { "papyrus:image": foreign } }), (err: Error) => {
            assert.strictEqual(err.name, "ImageReferenceError");
            assert.ok(
                err.message.endsWith(
                    "`image` must be pinned by digest (`<registry>/<repository>@sha256:<64 lowercase hex>`), " +
                        `got \`${foreign}\`: it points into \`123456789012.dkr.ecr.eu-west-1.amazonaws.com/someone-else\`, ` +
                        "not the approved repository `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api`",
                ),
                err.message,
            );
            return true;
        });
    });

    it("lets the deploy role reach its own stack's objects in an S3 state backend, and the promotion source's history read only", async () => {
        const evaluation = await evaluateUnderMocks({
            stack: "prod",
            overrides: {
                "papyrus:stateBucketArn": "arn:aws:s3:::acme-pulumi-state",
                "papyrus:stateKeyPrefix": "papyrus",
                "papyrus:promoteFrom": "dev",
            },
        });
        const deploy = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-deploy-policy").inputs.policy);
        const state = "arn:aws:s3:::acme-pulumi-state/papyrus/.pulumi";
        assert.deepStrictEqual(
            deploy.filter((s) => asList(s.Action).some((a) => a.startsWith("s3:"))),
            [
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
                        `${state}/stacks/papyrus/prod.json`,
                        `${state}/history/papyrus/prod/*`,
                        `${state}/locks/organization/papyrus/prod/*`,
                        `${state}/stacks/papyrus/prod.pulumi-tags`,
                    ],
                },
                {
                    Sid: "ReadStateLayout",
                    Effect: "Allow",
                    Action: "s3:GetObject",
                    Resource: [`${state}/meta.yaml`],
                },
                {
                    Sid: "WriteStateBackups",
                    Effect: "Allow",
                    Action: "s3:PutObject",
                    Resource: [`${state}/stacks/papyrus/prod.json.bak`, `${state}/backups/papyrus/prod/*`],
                },
                { Sid: "ReleaseStackLocks", Effect: "Allow", Action: "s3:DeleteObject", Resource: [`${state}/locks/organization/papyrus/prod/*`] },
                {
                    Sid: "ReadPromotionSourceHistory",
                    Effect: "Allow",
                    Action: "s3:GetObject",
                    Resource: [`${state}/stacks/papyrus/dev.json`, `${state}/history/papyrus/dev/*`, `${state}/stacks/papyrus/dev.pulumi-tags`],
                },
            ],
        );
    });

    it("refuses role config that would widen a grant, every problem at once, before creating anything", async () => {
        const registered: string[] = [];
        await assert.rejects(
            evaluateUnderMocks({
                stack: "prod",
                overrides: {
                    "papyrus:stateBucketArn": "*",
                    "papyrus:oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/*",
                    "papyrus:promoteFrom": "prod",
                },
                onResource: (resource) => registered.push(resource.name),
            }),
            {
                message:
                    "stack `prod` config: " +
                    "`papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`), got `arn:aws:iam::123456789012:oidc-provider/*`; " +
                    "`papyrus:stateBucketArn` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), got `*`: a wildcard would grant every matching bucket; name the bucket; " +
                    "`papyrus:promoteFrom` must name another stack of this project (e.g. `dev`), got `prod`",
            },
        );
        assert.deepStrictEqual(registered, []);
    });

    it("refuses a key prefix without a bucket", async () => {
        await assert.rejects(evaluateUnderMocks({ stack: "dev", overrides: { "papyrus:stateKeyPrefix": "papyrus" } }), {
            message: "stack `dev` config: `papyrus:stateKeyPrefix` is set without `papyrus:stateBucketArn`; set the bucket too, or remove the prefix",
        });
    });

    it("builds an enterprise's own issuer: provider URL and condition keys carry the slug", async () => {
        const github = JSON.parse(loadStackConfig("dev")["papyrus:github"]) as Record<string, unknown>;
        const evaluation = await evaluateUnderMocks({ stack: "dev", overrides: { "papyrus:github": JSON.stringify({ ...github, enterprise: "acme-corp" }) } });
        const [provider] = all(evaluation, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.strictEqual(provider.inputs.url, "https://token.actions.githubusercontent.com/acme-corp");
        const trust = JSON.parse(one(evaluation, "aws:iam/role:Role", "papyrus-ci-deploy").inputs.assumeRolePolicy as string);
        assert.deepStrictEqual(trust.Statement[0].Principal, {
            Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/acme-corp",
        });
        assert.deepStrictEqual(trust.Statement[0].Condition, {
            StringEquals: {
                "token.actions.githubusercontent.com/acme-corp:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com/acme-corp:sub": ["repo:acme/papyrus:environment:dev", "repo:acme/papyrus:environment:dev-approval"],
            },
        });
        assert.deepStrictEqual(githubTrustProblems({ assumeRolePolicy: JSON.stringify(trust) }), []);
    });

    it("refuses prod's shared provider when the tokens come from an enterprise's issuer", async () => {
        const github = JSON.parse(loadStackConfig("prod")["papyrus:github"]) as Record<string, unknown>;
        await assert.rejects(evaluateUnderMocks({ stack: "prod", overrides: { "papyrus:github": JSON.stringify({ ...github, enterprise: "acme-corp" }) } }), {
            message:
                "stack `prod` config: `papyrus:oidcProviderArn` must be the ARN of the account's GitHub OIDC provider " +
                "(`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com/acme-corp`), got " +
                "`arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com`, the provider for " +
                "`https://token.actions.githubusercontent.com`: this stack's tokens come from `https://token.actions.githubusercontent.com/acme-corp`",
        });
    });

    it("bootstraps a new stack (no image, no last outputs): repository, replication and roles only, the deploy role without service or PassRole", async () => {
        const evaluation = await evaluateUnderMocks({ stack: "dev" });
        assert.deepStrictEqual([...new Set(evaluation.resources.map((r) => r.type))].sort(), [
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            "aws:ecr/repository:Repository",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "papyrus:aws:GithubDeployIdentity",
            "papyrus:aws:ImmutableRepository",
            "papyrus:aws:RegistryReplication",
            "pulumi:pulumi:StackReference",
        ]);
        const deploy = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-deploy-policy").inputs.policy);
        assert.deepStrictEqual(
            deploy.map((s) => s.Sid),
            ["ResolveImageTags", "RefreshRepository", "LookUpAvailabilityZones", "RefreshIdentity", "RefreshOidcProvider"],
        );
        const actions = deploy.flatMap((s) => asList(s.Action));
        for (const forbidden of ["ecs:RegisterTaskDefinition", "ecs:UpdateService", "iam:PassRole", "ecs:TagResource"]) {
            assert.ok(!actions.includes(forbidden), `${forbidden} during bootstrap`);
        }
        assert.strictEqual(evaluation.outputs.image, undefined);
        assert.strictEqual(evaluation.outputs.serviceName, undefined);
        assert.strictEqual(evaluation.outputs.repositoryUrl, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api");
    });

    it("uses an existing VPC and cluster from config instead of creating them", async () => {
        const clusterArn = "arn:aws:ecs:eu-west-1:123456789012:cluster/shared";
        const evaluation = await evaluateUnderMocks({
            stack: "dev",
            previousOutputs: { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@${DIGEST}` },
            overrides: {
                "papyrus:vpcId": "vpc-0123",
                "papyrus:publicSubnetIds": JSON.stringify(["subnet-pub1", "subnet-pub2"]),
                "papyrus:privateSubnetIds": JSON.stringify(["subnet-priv1", "subnet-priv2"]),
                "papyrus:clusterArn": clusterArn,
            },
        });
        assert.deepStrictEqual(all(evaluation, "awsx:ec2:Vpc"), []);
        assert.deepStrictEqual(all(evaluation, "aws:ecs/cluster:Cluster"), []);
        const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
        assert.strictEqual(service.inputs.cluster, clusterArn);
        assert.deepStrictEqual((service.inputs.networkConfiguration as Record<string, unknown>).subnets, ["subnet-priv1", "subnet-priv2"]);
        assert.deepStrictEqual(one(evaluation, "aws:lb/loadBalancer:LoadBalancer", "papyrus-lb").inputs.subnets, ["subnet-pub1", "subnet-pub2"]);
        assert.strictEqual(one(evaluation, "aws:lb/targetGroup:TargetGroup", "papyrus-tg").inputs.vpcId, "vpc-0123");
        assert.strictEqual(evaluation.outputs.clusterName, "shared");
    });

    it("refuses a VPC id without its subnets, naming the keys, before creating anything", async () => {
        const registered: string[] = [];
        await assert.rejects(
            evaluateUnderMocks({
                stack: "dev",
                overrides: { "papyrus:vpcId": "vpc-0123" },
                onResource: (resource) => registered.push(resource.name),
            }),
            {
                message:
                    "stack `dev` config: `papyrus:vpcId`, `papyrus:publicSubnetIds` and `papyrus:privateSubnetIds` go together: " +
                    "set all three to use an existing VPC, or none to create one",
            },
        );
        assert.deepStrictEqual(registered, []);
    });

    it("refuses a task size Fargate does not have before creating anything", async () => {
        const registered: string[] = [];
        await assert.rejects(
            evaluateUnderMocks({
                stack: "prod",
                overrides: { "papyrus:memory": "1536" },
                onResource: (resource) => registered.push(resource.name),
            }),
            {
                message:
                    "stack `prod` config: `papyrus:memory` 1536 MiB is not a Fargate size for `papyrus:cpu` 1024; use one of 2048-8192 MiB (steps of 1024)",
            },
        );
        assert.deepStrictEqual(registered, []);
    });

    // The configs that used to fall back to the defaults, refused with the path of the key, before anything registers.
    const githubRefusals: [string, (github: Record<string, unknown>) => unknown, string][] = [
        [
            "`deploy: [prod]`",
            (g) => ({ ...g, deploy: ["prod"] }),
            '`papyrus:github.deploy`: must be an object with `branches`, `tags` and/or `environments`, got a list (`["prod"]`); to trust the environment `prod`, write `{ environments: [prod] }`',
        ],
        [
            "the typo `environment:`",
            (g) => ({ ...g, deploy: { environment: ["prod"] } }),
            "`papyrus:github.deploy.environment`: unknown key, did you mean `environments`?",
        ],
        [
            "an empty `deploy:` (null)",
            (g) => ({ ...g, deploy: null }),
            "`papyrus:github.deploy`: is empty (YAML reads a key with nothing after it as null); list `branches`, `tags` or `environments`, or remove `deploy` to trust the defaults (`master` and `v*.*.*` tags)",
        ],
        [
            "an owner pattern",
            (g) => ({ ...g, owner: "acme*" }),
            "`papyrus:github.owner`: subject `repo:acme*/papyrus:ref:refs/heads/master`: its owner `acme*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "no `papyrus:github` at all",
            () => undefined,
            "`papyrus:github`: missing; set it to the repository whose workflows may push and deploy, e.g. `{ owner: acme, repository: papyrus }`",
        ],
    ];
    for (const [title, change, message] of githubRefusals) {
        it(`refuses ${title} in \`papyrus:github\` before creating anything`, async () => {
            const github = JSON.parse(loadStackConfig("prod")["papyrus:github"]) as Record<string, unknown>;
            const changed = change(github);
            const registered: string[] = [];
            await assert.rejects(
                evaluateUnderMocks({
                    stack: "prod",
                    overrides: { "papyrus:github": changed === undefined ? undefined : JSON.stringify(changed) },
                    onResource: (resource) => registered.push(resource.name),
                }),
                { name: "GithubSettingsError", message },
            );
            assert.deepStrictEqual(registered, []);
        });
    }

    // Service config refused before any resource is registered, naming the key (issue 15's bad configs first).
    const CERTIFICATE = "arn:aws:acm:eu-central-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
    const serviceRefusals: Array<[string, "dev" | "prod", Record<string, string | undefined>, string]> = [
        [
            "a certificate and a domain both set",
            "prod",
            { "papyrus:https": JSON.stringify({ certificateArn: CERTIFICATE, domain: "api.example.com" }) },
            "Only one of `papyrus:https.certificateArn` or `papyrus:https.domain` can be provided: a certificate you have, or one this stack requests and validates for the domain.; " +
                "`papyrus:https.hostedZoneId` is required with `papyrus:https.domain`: the Route 53 zone the validation and alias records go in",
        ],
        [
            "a minimum task count above the maximum",
            "prod",
            { "papyrus:autoscaling": JSON.stringify({ minCount: 5, maxCount: 2 }) },
            "`papyrus:autoscaling.minCount` (5) must not be more than `papyrus:autoscaling.maxCount` (2)",
        ],
        [
            "a secret that is not an ARN",
            "prod",
            { "papyrus:secrets": JSON.stringify({ DATABASE_PASSWORD: "/papyrus/prod/database-password" }) },
            "`papyrus:secrets.DATABASE_PASSWORD` must be the ARN of an SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`) or of a Secrets Manager secret " +
                "(`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`, optionally followed by `:<json key>::`), got `/papyrus/prod/database-password`",
        ],
        [
            "neither HTTPS nor an explicit HTTP-only",
            "dev",
            { "papyrus:httpOnly": undefined },
            "set `papyrus:https` (`certificateArn`, or `domain` with `hostedZoneId`) to serve HTTPS, or `papyrus:httpOnly` to `true` to serve plain HTTP (development only)",
        ],
        [
            "a token in the plain environment",
            "dev",
            { "papyrus:environment": JSON.stringify({ GITHUB_TOKEN: "ghp_x" }) },
            "`papyrus:environment` variable `GITHUB_TOKEN` looks like a secret (its name has `TOKEN`); pass it in `secrets` (`valueFrom` an SSM parameter or a Secrets Manager secret), never as plain text",
        ],
        [
            "a certificate of another region",
            "prod",
            { "papyrus:https": JSON.stringify({ certificateArn: CERTIFICATE.replace("eu-central-1", "us-east-1") }) },
            "`papyrus:https.certificateArn` must be the ARN of an ACM certificate (`arn:aws:acm:<region>:<account>:certificate/<uuid>`) in the stack's region `eu-central-1`, " +
                `got one in \`us-east-1\` (\`${CERTIFICATE.replace("eu-central-1", "us-east-1")}\`): a load balancer only uses certificates of its own region`,
        ],
        [
            "a fixed task count next to autoscaling",
            "prod",
            { "papyrus:desiredCount": "3" },
            "Only one of `papyrus:desiredCount` or `papyrus:autoscaling` can be provided: with autoscaling the task count moves between `papyrus:autoscaling.minCount` and `papyrus:autoscaling.maxCount`.",
        ],
        [
            "a misspelt key inside `papyrus:https`",
            "prod",
            { "papyrus:https": JSON.stringify({ certficateArn: CERTIFICATE }) },
            "`papyrus:https.certficateArn`: unknown key, did you mean `certificateArn`?",
        ],
        [
            "a count written as a word",
            "prod",
            { "papyrus:autoscaling": JSON.stringify({ minCount: "three", maxCount: 12 }) },
            "`papyrus:autoscaling.minCount` must be a number, got the string `three`",
        ],
        ["HTTP-only written as `yes`", "dev", { "papyrus:httpOnly": "yes" }, "`papyrus:httpOnly` must be `true` or `false`, got `yes`"],
        [
            "a misspelt alarm setting",
            "prod",
            { "papyrus:deploymentAlarms": JSON.stringify({ target5xx: { treshold: 10 } }) },
            "`papyrus:deploymentAlarms.target5xx.treshold`: unknown key, did you mean `threshold`?",
        ],
        [
            "an alarm period CloudWatch cannot judge the load balancer's metrics by",
            "dev",
            { "papyrus:deploymentAlarms": JSON.stringify({ unhealthyHosts: { periodSeconds: 90 } }) },
            "`papyrus:deploymentAlarms.unhealthyHosts.periodSeconds` must be a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute), got `90`",
        ],
    ];
    for (const [title, stack, overrides, problem] of serviceRefusals) {
        it(`refuses ${title}, naming the key, before creating anything`, async () => {
            const registered: string[] = [];
            await assert.rejects(evaluateUnderMocks({ stack, overrides, onResource: (resource) => registered.push(resource.name) }), {
                name: "StackConfigError",
                message: `stack \`${stack}\` config: ${problem}`,
            });
            assert.deepStrictEqual(registered, []);
        });
    }

    it("reports every service config problem at once", async () => {
        await assert.rejects(
            evaluateUnderMocks({
                stack: "prod",
                overrides: {
                    "papyrus:https": JSON.stringify({ certificateArn: CERTIFICATE, domain: "api.example.com" }),
                    "papyrus:autoscaling": JSON.stringify({ minCount: 5, maxCount: 2 }),
                    "papyrus:secrets": JSON.stringify({ DATABASE_PASSWORD: "database-password" }),
                    "papyrus:secretsKmsKeyArn": undefined,
                },
            }),
            {
                message:
                    "stack `prod` config: " +
                    "Only one of `papyrus:https.certificateArn` or `papyrus:https.domain` can be provided: a certificate you have, or one this stack requests and validates for the domain.; " +
                    "`papyrus:https.hostedZoneId` is required with `papyrus:https.domain`: the Route 53 zone the validation and alias records go in; " +
                    "`papyrus:autoscaling.minCount` (5) must not be more than `papyrus:autoscaling.maxCount` (2); " +
                    "`papyrus:secrets.DATABASE_PASSWORD` must be the ARN of an SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`) or of a Secrets Manager secret " +
                    "(`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`, optionally followed by `:<json key>::`), got `database-password`",
            },
        );
    });

    it("serves prod for a domain: a DNS-validated certificate, an alias record, and the deploy role reads them back in a refresh", async () => {
        const evaluation = await evaluateUnderMocks({
            stack: "prod",
            previousOutputs: expectations.prod.running,
            overrides: { "papyrus:https": JSON.stringify({ domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }) },
        });
        const certificateArn = "arn:aws:acm:eu-central-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
        assert.deepStrictEqual(one(evaluation, "aws:acm/certificate:Certificate", "papyrus-certificate").inputs, {
            domainName: "api.example.com",
            validationMethod: "DNS",
            tags: { Project: "papyrus", Stack: "prod" },
        });
        assert.deepStrictEqual(one(evaluation, "aws:acm/certificateValidation:CertificateValidation", "papyrus-certificate-validation").inputs, {
            certificateArn,
            validationRecordFqdns: ["_3f1c.api.example.com"],
        });
        assert.strictEqual(one(evaluation, "aws:lb/listener:Listener", "papyrus-https").inputs.certificateArn, certificateArn);
        const alias = one(evaluation, "aws:route53/record:Record", "papyrus-alias").inputs;
        assert.deepStrictEqual([alias.zoneId, alias.name, alias.type], ["Z0123456789ABCDEFGHIJ", "api.example.com", "A"]);
        assert.strictEqual(evaluation.outputs.loadBalancerUrl, "https://api.example.com");
        const deploy = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-deploy-policy").inputs.policy);
        assert.deepStrictEqual(
            deploy.filter((s) => s.Sid === "RefreshCertificate" || s.Sid === "RefreshDnsRecords"),
            [
                { Sid: "RefreshCertificate", Effect: "Allow", Action: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"], Resource: certificateArn },
                {
                    Sid: "RefreshDnsRecords",
                    Effect: "Allow",
                    Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
                    Resource: "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
                },
            ],
        );
    });

    it("deploys prod blue/green from config: the strategy, the load balancer role the deploy role refreshes, and an UpdateService that never turns ECS Exec on", async () => {
        const evaluation = await evaluateUnderMocks({
            stack: "prod",
            previousOutputs: expectations.prod.running,
            overrides: {
                "papyrus:deployment": JSON.stringify({ strategy: "BLUE_GREEN", bakeTimeMinutes: 20, testListener: { allowedCidrs: ["203.0.113.0/24"] } }),
                "papyrus:autoscaling": JSON.stringify({ minCount: 3, maxCount: 12, requestsPerTarget: false }),
            },
        });
        const service = one(evaluation, "aws:ecs/service:Service", "papyrus-service");
        assert.deepStrictEqual(service.inputs.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "20" });
        // No circuit breaker with blue/green: the alarms (over both target groups) roll a failing deployment back, and the pack sees that.
        assert.strictEqual(service.inputs.deploymentCircuitBreaker, undefined);
        assert.deepStrictEqual(service.inputs.alarms, { enable: true, rollback: true, alarmNames: ["papyrus-target-5xx", "papyrus-unhealthy-hosts"] });
        assert.deepStrictEqual(serviceRollbackProblems(service.inputs), []);
        const target5xx = one(evaluation, "aws:cloudwatch/metricAlarm:MetricAlarm", "papyrus-target-5xx").inputs;
        assert.deepStrictEqual(
            (target5xx.metricQueries as Array<{ metric?: { dimensions: { TargetGroup: string } } }>).map((q) => q.metric?.dimensions.TargetGroup),
            ["targetgroup/papyrus-tg/0123456789abcdef", "targetgroup/papyrus-tg-green/0123456789abcdef", undefined],
        );
        assert.strictEqual(target5xx.threshold, 10, "prod's threshold from Pulumi.prod.yaml");
        assert.deepStrictEqual(service.ignoreChanges, ["desiredCount", "loadBalancers"]);
        assert.deepStrictEqual(
            all(evaluation, "aws:lb/listenerRule:ListenerRule")
                .map((r) => r.name)
                .sort(),
            ["papyrus-production-rule", "papyrus-test-rule"],
        );
        // The test listener, for the driver's `--smoke-test` (PAPYRUS_TEST_URL): the load balancer's URL on the test port.
        assert.strictEqual(evaluation.outputs.testListenerUrl, `${evaluation.outputs.loadBalancerUrl as string}:8443`);
        assert.match(evaluation.outputs.testListenerUrl as string, /^https:\/\/[^/:]+:8443$/);
        const deploy = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-deploy-policy").inputs.policy);
        assert.ok(asList(deploy.find((s) => s.Sid === "RefreshIdentity")!.Resource).includes("arn:aws:iam::123456789012:role/papyrus-lb-role"));
        assert.deepStrictEqual(deploy.find((s) => s.Sid === "UpdateService")!.Condition!.StringEqualsIfExists, { "ecs:enable-execute-command": "false" });
        // ECS, not the deploy role, uses the load balancer role: the deploy role passes only the task and execution roles.
        assert.deepStrictEqual(asList(deploy.find((s) => s.Sid === "PassTaskRolesToEcs")!.Resource), [
            "arn:aws:iam::123456789012:role/papyrus-task-role",
            "arn:aws:iam::123456789012:role/papyrus-execution-role",
        ]);
    });

    it("turns ECS Exec on for dev only when asked; the deploy role still can never turn it on", async () => {
        const evaluation = await evaluateUnderMocks({
            stack: "dev",
            previousOutputs: expectations.dev.running,
            overrides: { "papyrus:enableExecuteCommand": "true", "papyrus:readonlyRootFilesystem": "false" },
        });
        assert.strictEqual(one(evaluation, "aws:ecs/service:Service", "papyrus-service").inputs.enableExecuteCommand, true);
        const channels = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-task-policy").inputs.policy);
        assert.deepStrictEqual(
            channels.map((s) => [s.Sid, s.Resource]),
            [["EcsExecChannels", "*"]],
        );
        const deploy = statementsOf(one(evaluation, "aws:iam/rolePolicy:RolePolicy", "papyrus-ci-deploy-policy").inputs.policy);
        assert.deepStrictEqual(deploy.find((s) => s.Sid === "UpdateService")!.Condition!.StringEqualsIfExists, { "ecs:enable-execute-command": "false" });
    });

    it("names the stack and the available files for an unknown stack", async () => {
        await assert.rejects(evaluateUnderMocks({ stack: "staging" }), {
            name: "UnknownStackError",
            message:
                /^unknown stack `staging`: there is no Pulumi\.staging\.yaml in .+; available: `dev` \(Pulumi\.dev\.yaml\), `prod` \(Pulumi\.prod\.yaml\)$/,
        });
    });

    it("throws on a provider function the mocks do not answer", async () => {
        await assert.rejects(
            runUnderMocks({
                stack: "dev",
                config: { "aws:region": "eu-west-1" },
                program: () => ({ account: aws.getCallerIdentityOutput().accountId }),
            }),
            // The SDK rethrows a failed invoke as a plain Error carrying the mock's message.
            { message: /^the program called `aws:index\/getCallerIdentity:getCallerIdentity`, which the mocks do not answer/ },
        );
    });
});
