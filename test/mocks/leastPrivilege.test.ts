// Least privilege, evaluated: the push and deploy roles of each stack, rendered
// under mocks exactly as `pulumi up` would send them, judged by an IAM policy
// simulator (@cloud-copilot/iam-simulate, through testkit/iamSimulator.ts), not
// by reading the policy text:
// - every call of components/awsCalls.ts (each driver command, workflow step,
//   engine update and recovery refresh), on the stack's real ARNs with the context
//   keys AWS sets: allowed, by the statement the table names;
// - the same calls on the other stack's resources: denied;
// - every ECR, ECS and IAM action AWS has, on the stack's resources: denied but for
//   the table's; named cases that must never pass (delete, escalate, other stacks);
// - before the stack has a service (bootstrap): only the reads and the state;
// - the trust policies against GitHub OIDC tokens: the workflows' runs allowed,
//   other branches, repositories, pull requests, environments, audiences denied.
// What the simulator does not cover is in docs/COMPONENTS.md ("The roles, evaluated").
import * as assert from "assert";
import { AWS_CALLS, AwsCall, CallTarget, CallerRole, OPERATIONS } from "../../components/awsCalls";
import { GITHUB_OIDC_HOST, STS_AUDIENCE } from "../../components/githubSubject";
import { evaluateUnderMocks, MOCK_ACCOUNT_ID } from "../../testkit/evaluateUnderMocks";
import { Decision, evaluateIdentityRequest, evaluateTrustRequest, IamRequest } from "../../testkit/iamSimulator";
import {
    Caller,
    everyActionOf,
    NamedRequest,
    newRevisionArn,
    RenderedStack,
    renderedStack,
    requestFor,
    requestsOf,
    StackResources,
} from "../../testkit/roleRequests";

const ACCOUNT = MOCK_ACCOUNT_ID;
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`;
/** CI's S3 backend (`PULUMI_BACKEND_URL=s3://acme-pulumi-state/papyrus`), which the stacks grant their own objects of. */
const S3_BACKEND = { "papyrus:stateBucketArn": "arn:aws:s3:::acme-pulumi-state", "papyrus:stateKeyPrefix": "papyrus" };
/** What each stack runs, as its last outputs say (test/mocks/stack.test.ts): with it, the program renders the service. */
const RUNNING = {
    dev: {
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:bbf87276cf4e96adc7cf7b0b9dc46961e7d6fae05ce3d24c8f5fba4ebbfdb405",
        imageTag: "v1.4.2",
    },
    prod: {
        image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api@sha256:e199c295b425d41df4571d10f8887bea961080d53632ac96d7390e169ae9939a",
        imageTag: "v1.4.1",
    },
};

type Lack = CallTarget | "ownVpc" | "autoscaling";

interface StackCase {
    readonly label: string;
    readonly stack: "dev" | "prod";
    readonly overrides: Record<string, string | undefined>;
    /** Targets (and features) the rendered stack has none of: the rows on them yield no request, checked below. */
    readonly lacks: readonly Lack[];
}

const DEV: StackCase = {
    label: "dev",
    stack: "dev",
    overrides: S3_BACKEND,
    lacks: ["certificate", "hostedZone", "scalableTarget", "autoscaling", "sourceStateListing", "sourceStateObjects"],
};
const PROD: StackCase = {
    label: "prod",
    stack: "prod",
    overrides: S3_BACKEND,
    // prod reuses dev's OIDC provider, and is given its certificate by ARN (not the stack's to read back).
    lacks: ["certificate", "hostedZone", "oidcProvider"],
};
/** dev with a certificate it requests for a domain (DNS-validated in a hosted zone) and blue/green deployments. */
const DEV_HTTPS_BLUE_GREEN: StackCase = {
    label: "dev (HTTPS by domain, blue/green)",
    stack: "dev",
    overrides: {
        ...S3_BACKEND,
        "papyrus:httpOnly": undefined,
        "papyrus:https": JSON.stringify({ domain: "api.dev.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }),
        "papyrus:deployment": JSON.stringify({ strategy: "BLUE_GREEN", bakeTimeMinutes: 5 }),
    },
    lacks: ["scalableTarget", "autoscaling", "sourceStateListing", "sourceStateObjects"],
};

function applies(call: AwsCall, on: StackCase): boolean {
    return !on.lacks.includes(call.on) && !(call.onlyWith !== undefined && on.lacks.includes(call.onlyWith));
}

function roleOf(stack: RenderedStack, role: CallerRole) {
    return role === "push" ? stack.push : stack.deploy;
}

function callerOf(stack: RenderedStack, role: CallerRole): Caller {
    return { roleArn: roleOf(stack, role).arn, providerArn: PROVIDER_ARN };
}

function title(call: AwsCall): string {
    return `${call.actions.join(", ")} (${call.operations.join(", ")})`;
}

/** Evaluates each request; returns those whose verdict is not `expected`, or (allowed) not by exactly the statement `by`. */
async function mismatches(
    stack: RenderedStack,
    role: CallerRole,
    requests: readonly NamedRequest[],
    expected: Decision | "denied",
    by?: string,
): Promise<string[]> {
    const wrong: string[] = [];
    for (const request of requests) {
        const verdict = await evaluateIdentityRequest(roleOf(stack, role).policy, request);
        const ok = expected === "denied" ? verdict.decision !== "Allowed" : verdict.decision === expected && verdict.allowedBy.join() === (by ?? "");
        if (!ok) wrong.push(`${request.name}: ${verdict.decision}${verdict.allowedBy.length > 0 ? ` by ${verdict.allowedBy.join(", ")}` : ""}`);
    }
    return wrong;
}

async function render(on: StackCase, previous: Record<string, unknown> | undefined = RUNNING[on.stack]): Promise<RenderedStack> {
    return renderedStack(await evaluateUnderMocks({ stack: on.stack, overrides: on.overrides, previousOutputs: previous }), ACCOUNT);
}

describe("least privilege, evaluated by an IAM policy simulator", function () {
    // Each evaluation runs the whole program under mocks (a few seconds on a shared machine).
    this.timeout(120_000);

    const rendered = new Map<string, RenderedStack>();
    before(async () => {
        for (const on of [DEV, PROD, DEV_HTTPS_BLUE_GREEN]) {
            rendered.set(on.label, await render(on));
        }
    });
    const stackOf = (on: StackCase) => rendered.get(on.label)!;

    describe("the call table", () => {
        it("has a call for every driver command and workflow step", () => {
            const missing = OPERATIONS.filter((operation) => !AWS_CALLS.some((call) => call.operations.includes(operation)));
            assert.deepStrictEqual(missing, []);
        });
    });

    for (const on of [DEV, PROD, DEV_HTTPS_BLUE_GREEN]) {
        describe(`${on.label}: every call of every command, on its own resources, is allowed by the statement the table names`, () => {
            for (const call of AWS_CALLS.filter((c) => applies(c, on))) {
                const by = call.statement === undefined ? "without a statement (any credentials)" : `by ${call.statement}`;
                it(`${call.role} role: ${title(call)} on ${call.on} → allowed ${by}`, async () => {
                    const stack = stackOf(on);
                    const requests = requestsOf(call, callerOf(stack, call.role), stack.resources);
                    assert.ok(requests.length > 0, `${on.label} has no ${call.on}`);
                    assert.deepStrictEqual(await mismatches(stack, call.role, requests, "Allowed", call.statement), []);
                });
            }

            it(`yields no request for what it lacks (${on.lacks.join(", ")})`, () => {
                const stack = stackOf(on);
                const lacking = AWS_CALLS.filter((call) => !applies(call, on));
                assert.ok(lacking.length > 0);
                for (const call of lacking) {
                    assert.deepStrictEqual(requestsOf(call, callerOf(stack, call.role), stack.resources), [], `${call.actions.join(", ")} on ${call.on}`);
                }
            });
        });
    }

    describe("on the other stack's resources: denied", () => {
        // The targets a cross-stack request cannot be told apart on under mocks: the mocks name both stacks' roles
        // by their logical names (AWS auto-names them with a random suffix), and `meta.yaml` is shared by design.
        // The roles' cases are written out below with auto-named ARNs.
        const SAME_UNDER_MOCKS: readonly CallTarget[] = ["ciRoles", "serviceRoles", "serviceTaskRoles", "layoutMeta"];
        // A promotion source's objects are the source's own, not "the other stack's" from the source's view.
        const PROMOTION: readonly CallTarget[] = ["sourceStateListing", "sourceStateObjects"];
        // What the promotion target (prod) may read of its source (dev), by design: listed, then left out here.
        const SOURCE_READABLE: readonly CallTarget[] = ["stateListing", "checkpoint", "historyEntries", "tagsFile"];

        it("cannot tell the stacks' roles apart under mocks (hence the auto-named cases below)", () => {
            assert.deepStrictEqual(stackOf(DEV).resources.serviceRoleArns, stackOf(PROD).resources.serviceRoleArns);
            assert.deepStrictEqual(stackOf(DEV).resources.ciRoleArns, stackOf(PROD).resources.ciRoleArns);
        });

        for (const [own, other] of [
            [DEV, PROD],
            [PROD, DEV],
        ] as const) {
            for (const call of AWS_CALLS.filter((c) => c.statement !== undefined && applies(c, other) && ![...SAME_UNDER_MOCKS, ...PROMOTION].includes(c.on))) {
                const sourceReads =
                    own.stack === "prod" && SOURCE_READABLE.includes(call.on) && call.actions.some((a) => a === "s3:GetObject" || a === "s3:ListBucket");
                const suffix = sourceReads ? " (its reads of dev, its promotion source, are allowed: evaluated above)" : "";
                it(`${own.label}'s ${call.role} role: ${call.actions.join(", ")} on ${other.label}'s ${call.on} → denied${suffix}`, async () => {
                    const mine = stackOf(own);
                    const theirs = stackOf(other);
                    const caller = callerOf(mine, call.role);
                    const allowedOwn = new Set(
                        AWS_CALLS.filter((c) => c.role === call.role)
                            .flatMap((c) => requestsOf(c, caller, mine.resources))
                            .map(key),
                    );
                    const requests = requestsOf(call, caller, theirs.resources);
                    const excluded = requests.filter((r) => allowedOwn.has(key(r)));
                    const judged = requests.filter((r) => !allowedOwn.has(key(r)));
                    assert.ok(judged.length > 0);
                    // Only the promotion source's reads coincide with the role's own allowed requests.
                    assert.strictEqual(excluded.length > 0, sourceReads, excluded.map((r) => r.name).join("; "));
                    assert.deepStrictEqual(
                        excluded.filter((r) => r.action !== "s3:GetObject" && r.action !== "s3:ListBucket"),
                        [],
                    );
                    assert.deepStrictEqual(await mismatches(mine, call.role, judged, "denied"), []);
                });
            }
        }
    });

    describe("named cases that must be denied", () => {
        /** A role ARN as AWS auto-names the other stack's roles (logical name and a random suffix). */
        const autoNamed = (arn: string) => `${arn}-8c1f2e7`;
        const cases: {
            readonly name: string;
            readonly role: CallerRole;
            readonly request: (own: StackResources, other: StackResources, caller: Caller) => IamRequest;
        }[] = [
            // ECR: nothing is ever deleted, uploaded by the deploy role, or reconfigured.
            { name: "ecr:BatchDeleteImage on its repository", role: "deploy", request: (s, _, c) => requestFor(c, "ecr:BatchDeleteImage", s.repositoryArn, s) },
            {
                name: "ecr:BatchDeleteImage on its repository (push role)",
                role: "push",
                request: (s, _, c) => requestFor(c, "ecr:BatchDeleteImage", s.repositoryArn, s),
            },
            { name: "ecr:DeleteRepository on its repository", role: "deploy", request: (s, _, c) => requestFor(c, "ecr:DeleteRepository", s.repositoryArn, s) },
            {
                name: "ecr:PutImageTagMutability on its repository (would make release tags movable)",
                role: "push",
                request: (s, _, c) => requestFor(c, "ecr:PutImageTagMutability", s.repositoryArn, s),
            },
            {
                name: "ecr:SetRepositoryPolicy on its repository",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecr:SetRepositoryPolicy", s.repositoryArn, s),
            },
            {
                name: "ecr:PutLifecyclePolicy on its repository",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecr:PutLifecyclePolicy", s.repositoryArn, s),
            },
            {
                name: "ecr:InitiateLayerUpload on its repository (the deploy role uploads nothing)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecr:InitiateLayerUpload", s.repositoryArn, s),
            },
            {
                name: "ecr:PutImage to another repository of the account",
                role: "push",
                request: (s, _, c) => requestFor(c, "ecr:PutImage", s.repositoryArn.replace(/repository\/.*/, "repository/billing-api"), s),
            },
            {
                name: "ecr:DescribeImages in another repository of the account",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecr:DescribeImages", s.repositoryArn.replace(/repository\/.*/, "repository/billing-api"), s),
            },
            // ECS: no service created or deleted, only its own service, only its own family, never ECS Exec.
            { name: "ecs:DeleteService on its service", role: "deploy", request: (s, _, c) => requestFor(c, "ecs:DeleteService", s.serviceArn!, s) },
            {
                name: "ecs:CreateService in its cluster",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "ecs:CreateService", s.serviceArn!.replace(/\/[^/]+$/, "/papyrus-shadow"), s, { "ecs:cluster": s.clusterArn! }),
            },
            {
                name: "ecs:UpdateService of another service in its cluster",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:UpdateService", s.serviceArn!.replace(/\/[^/]+$/, "/billing-service"), s),
            },
            {
                name: "ecs:UpdateService of its service to the other stack's family",
                role: "deploy",
                request: (s, o, c) =>
                    requestFor(c, "ecs:UpdateService", s.serviceArn!, s, { "ecs:task-definition": newRevisionArn({ ...s, family: o.family }) }),
            },
            {
                name: "ecs:UpdateService of its service to a family whose name extends its own (`<family>-canary`, which `<family>*` would match)",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "ecs:UpdateService", s.serviceArn!, s, { "ecs:task-definition": newRevisionArn({ ...s, family: `${s.family}-canary` }) }),
            },
            {
                name: "ecs:UpdateService of its service turning ECS Exec on",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:UpdateService", s.serviceArn!, s, { "ecs:enable-execute-command": "true" }),
            },
            {
                name: "ecs:RegisterTaskDefinition for EC2 as well as Fargate",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:RegisterTaskDefinition", newRevisionArn(s), s, { "ecs:compute-compatibility": ["FARGATE", "EC2"] }),
            },
            {
                name: "ecs:RegisterTaskDefinition tagged as the other stack's",
                role: "deploy",
                request: (s, o, c) => requestFor(c, "ecs:RegisterTaskDefinition", newRevisionArn(s), s, { "aws:RequestTag/Stack": o.stack }),
            },
            {
                name: "ecs:RegisterTaskDefinition with a tag beyond Project, Stack and ImageTag",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "ecs:RegisterTaskDefinition", newRevisionArn(s), s, {
                        "aws:RequestTag/Owner": "mallory",
                        "aws:TagKeys": [...Object.keys(s.taskDefinition!.tags), "Owner"],
                    }),
            },
            {
                name: "ecs:RegisterTaskDefinition in the other stack's region",
                role: "deploy",
                request: (s, o, c) =>
                    requestFor(c, "ecs:RegisterTaskDefinition", newRevisionArn({ ...o, family: s.family }), { ...o, taskDefinition: s.taskDefinition }),
            },
            {
                name: "ecs:TagResource on a revision of its family outside a registration",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "ecs:TagResource", s.serviceArn!.replace(/:service\/.*/, `:task-definition/${s.family}:1`), s, { "ecs:CreateAction": "" }),
            },
            {
                name: "ecs:TagResource at the registration of a family whose name extends its own (`<family>-canary`)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:TagResource", newRevisionArn({ ...s, family: `${s.family}-canary` }), s),
            },
            {
                name: "ecs:TagResource on its service",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:TagResource", s.serviceArn!, s),
            },
            {
                name: "ecs:RunTask of its family",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:RunTask", newRevisionArn(s), s, { "ecs:cluster": s.clusterArn! }),
            },
            { name: "ecs:DeregisterTaskDefinition", role: "deploy", request: (s, _, c) => requestFor(c, "ecs:DeregisterTaskDefinition", "*", s) },
            // ECS service deployments: continued or stopped only for its own service; the push role decides none.
            {
                name: "ecs:ContinueServiceDeployment of another service's deployment in its cluster",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:ContinueServiceDeployment", otherServicesDeployment(s), s),
            },
            {
                name: "ecs:StopServiceDeployment of another service's deployment in its cluster",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:StopServiceDeployment", otherServicesDeployment(s), s),
            },
            {
                name: "ecs:ContinueServiceDeployment of a deployment of a service whose name extends its own (`<service>-canary`)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ecs:ContinueServiceDeployment", otherServicesDeployment(s, `${s.serviceArn!.split("/").pop()}-canary`), s),
            },
            {
                name: "ecs:DescribeServiceRevisions of another service's revision in its cluster",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "ecs:DescribeServiceRevisions", otherServicesDeployment(s).replace(":service-deployment/", ":service-revision/"), s),
            },
            {
                name: "ecs:ContinueServiceDeployment of its service's deployment (push role)",
                role: "push",
                request: (s, _, c) => requestFor(c, "ecs:ContinueServiceDeployment", otherServicesDeployment(s, s.serviceArn!.split("/").pop()!), s),
            },
            {
                name: "ecs:StopServiceDeployment of its service's deployment (push role)",
                role: "push",
                request: (s, _, c) => requestFor(c, "ecs:StopServiceDeployment", otherServicesDeployment(s, s.serviceArn!.split("/").pop()!), s),
            },
            {
                name: "ecs:UpdateService of its service (push role)",
                role: "push",
                request: (s, _, c) =>
                    requestFor(c, "ecs:UpdateService", s.serviceArn!, s, { "ecs:task-definition": newRevisionArn(s), "ecs:cluster": s.clusterArn! }),
            },
            // IAM: PassRole of the task and execution roles only, to ECS tasks only; nothing written.
            {
                name: "iam:PassRole of its task role to another service (EC2)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:PassRole", s.taskRoleArn!, s, { "iam:PassedToService": "ec2.amazonaws.com" }),
            },
            {
                name: "iam:PassRole of the deploy role itself to ECS tasks",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:PassRole", s.ciRoleArns[1], s),
            },
            {
                name: "iam:PassRole of the push role to ECS tasks",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:PassRole", s.ciRoleArns[0], s),
            },
            {
                name: "iam:PassRole of the other stack's task role (auto-named)",
                role: "deploy",
                request: (s, o, c) => requestFor(c, "iam:PassRole", autoNamed(o.taskRoleArn!), s),
            },
            {
                name: "iam:PassRole of the other stack's execution role (auto-named)",
                role: "deploy",
                request: (s, o, c) => requestFor(c, "iam:PassRole", autoNamed(o.executionRoleArn!), s),
            },
            { name: "iam:PassRole of its task role (push role)", role: "push", request: (s, _, c) => requestFor(c, "iam:PassRole", s.taskRoleArn!, s) },
            {
                name: "iam:GetRole of the other stack's deploy role (auto-named)",
                role: "deploy",
                request: (s, o, c) => requestFor(c, "iam:GetRole", autoNamed(o.ciRoleArns[1]), s),
            },
            {
                name: "iam:PutRolePolicy on the deploy role (widening itself)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:PutRolePolicy", s.ciRoleArns[1], s),
            },
            {
                name: "iam:AttachRolePolicy on the deploy role",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:AttachRolePolicy", s.ciRoleArns[1], s),
            },
            {
                name: "iam:UpdateAssumeRolePolicy on the deploy role (trusting another repository)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:UpdateAssumeRolePolicy", s.ciRoleArns[1], s),
            },
            { name: "iam:PutRolePolicy on its task role", role: "deploy", request: (s, _, c) => requestFor(c, "iam:PutRolePolicy", s.taskRoleArn!, s) },
            {
                name: "iam:CreateRole",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "iam:CreateRole", `arn:aws:iam::${s.account}:role/papyrus-escalation`, s),
            },
            // State: only its own objects, deleting only its locks, never listing the whole bucket.
            {
                name: "s3:DeleteObject of its checkpoint",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:DeleteObject", `${s.state!.bucketArn}/${s.state!.root}.pulumi/stacks/papyrus/${s.stack}.json`, s),
            },
            {
                name: "s3:PutObject of the backend's meta.yaml (shared by every stack)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:PutObject", `${s.state!.bucketArn}/${s.state!.root}.pulumi/meta.yaml`, s),
            },
            {
                name: "s3:ListBucket of the whole bucket (no prefix)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:ListBucket", s.state!.bucketArn, s),
            },
            {
                name: "s3:ListBucket of every stack of the project (what `status` and `stack ls` list)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:ListBucket", s.state!.bucketArn, s, { "s3:prefix": `${s.state!.root}.pulumi/stacks/papyrus/` }),
            },
            {
                name: "s3:GetObject of another project's checkpoint",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:GetObject", `${s.state!.bucketArn}/${s.state!.root}.pulumi/stacks/billing/${s.stack}.json`, s),
            },
            {
                name: "s3:GetObject of a stack's checkpoint outside the key prefix",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:GetObject", `${s.state!.bucketArn}/.pulumi/stacks/papyrus/${s.stack}.json`, s),
            },
            {
                name: "s3:PutBucketPolicy on the state bucket",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "s3:PutBucketPolicy", s.state!.bucketArn, s),
            },
            {
                name: "s3:GetObject of its checkpoint (push role)",
                role: "push",
                request: (s, _, c) => requestFor(c, "s3:GetObject", `${s.state!.bucketArn}/${s.state!.root}.pulumi/stacks/papyrus/${s.stack}.json`, s),
            },
            // The guards around a deploy: alarms, logs, network, secrets.
            {
                name: "cloudwatch:DisableAlarmActions on its deployment alarm (silencing the rollback)",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "cloudwatch:DisableAlarmActions", s.alarmArns[0], s),
            },
            {
                name: "cloudwatch:DeleteAlarms on its deployment alarm",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "cloudwatch:DeleteAlarms", s.alarmArns[0], s),
            },
            { name: "logs:DeleteLogGroup on its log group", role: "deploy", request: (s, _, c) => requestFor(c, "logs:DeleteLogGroup", s.logGroupArn!, s) },
            {
                name: "ec2:AuthorizeSecurityGroupIngress in its region",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "ec2:AuthorizeSecurityGroupIngress", `arn:aws:ec2:${s.region}:${s.account}:security-group/sg-0a1b2c3d4e5f60718`, s),
            },
            {
                name: "elasticloadbalancing:ModifyListener in its region",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(
                        c,
                        "elasticloadbalancing:ModifyListener",
                        `arn:aws:elasticloadbalancing:${s.region}:${s.account}:listener/app/papyrus-lb/0123456789abcdef/fedcba9876543210`,
                        s,
                    ),
            },
            {
                name: "ssm:GetParameters of prod's database password",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "ssm:GetParameters", `arn:aws:ssm:eu-central-1:${s.account}:parameter/papyrus/prod/database-password`, s),
            },
            {
                name: "secretsmanager:GetSecretValue of prod's session secret",
                role: "deploy",
                request: (s, _, c) =>
                    requestFor(c, "secretsmanager:GetSecretValue", `arn:aws:secretsmanager:eu-central-1:${s.account}:secret:papyrus/prod/session-AbCdEf`, s),
            },
            {
                name: "sts:AssumeRole of another role of the account",
                role: "deploy",
                request: (s, _, c) => requestFor(c, "sts:AssumeRole", `arn:aws:iam::${s.account}:role/OrganizationAccountAccessRole`, s),
            },
        ];

        for (const [own, other] of [
            [DEV, PROD],
            [PROD, DEV],
        ] as const) {
            for (const { name, role, request } of cases) {
                it(`${own.label}'s ${role} role: ${name} → denied`, async () => {
                    const mine = stackOf(own);
                    const named = { name, ...request(mine.resources, stackOf(other).resources, callerOf(mine, role)) };
                    assert.deepStrictEqual(await mismatches(mine, role, [named], "denied"), []);
                });
            }
        }
    });

    describe("what the policies allow that a narrower grant would not (documented in docs/COMPONENTS.md)", () => {
        for (const on of [DEV, PROD]) {
            it(`${on.label}'s deploy role: ecs:RegisterTaskDefinition of another family (billing-api) in its region, with its stack's tags → allowed by RegisterTaskDefinitions`, async () => {
                // The grant is on `*`: IAM's reference (iam-data) lists the task definition as this action's resource, so it
                // could be held to the family, but that is not verified against AWS here, and a wrong guess stops every deploy.
                // The role can register such a revision, not run it: UpdateService takes only its own family.
                const stack = stackOf(on);
                const s = stack.resources;
                const request = {
                    name: "a foreign family",
                    ...requestFor(callerOf(stack, "deploy"), "ecs:RegisterTaskDefinition", newRevisionArn({ ...s, family: "billing-api" }), s),
                };
                assert.deepStrictEqual(await mismatches(stack, "deploy", [request], "Allowed", "RegisterTaskDefinitions"), []);
            });
        }
    });

    describe("every ECR, ECS and IAM action AWS has, on the stack's resources: only the table's calls are allowed", () => {
        const SERVICES = ["ecr", "ecs", "iam"] as const;
        for (const on of [DEV, PROD]) {
            for (const role of ["push", "deploy"] as const) {
                for (const service of SERVICES) {
                    it(`${on.label}'s ${role} role: every ${service} action → denied but the table's ${role} calls`, async () => {
                        const stack = stackOf(on);
                        const s = stack.resources;
                        const caller = callerOf(stack, role);
                        // The stack's own resource of each type; iam:role is swept on the deploy role itself and on the task role.
                        const own = {
                            "ecr:repository": s.repositoryArn,
                            "ecs:service": s.serviceArn!,
                            "ecs:cluster": s.clusterArn!,
                            "ecs:task-definition": newRevisionArn(s),
                            "ecs:service-deployment": requestsOf(
                                AWS_CALLS.find((c) => c.on === "serviceDeployment")!,
                                caller,
                                s,
                            )[0].resource,
                            "ecs:service-revision": requestsOf(
                                AWS_CALLS.find((c) => c.on === "serviceRevision")!,
                                caller,
                                s,
                            )[0].resource,
                            "iam:oidc-provider": PROVIDER_ARN,
                        };
                        const requests = [
                            ...(await everyActionOf(service, caller, s, { ...own, "iam:role": s.ciRoleArns[1] })),
                            ...(service === "iam" ? await everyActionOf(service, caller, s, { ...own, "iam:role": s.taskRoleArn! }) : []),
                        ];
                        const allowed: string[] = [];
                        for (const request of requests) {
                            if ((await evaluateIdentityRequest(roleOf(stack, role).policy, request)).decision === "Allowed") allowed.push(request.name);
                        }
                        // The table's calls of this service that the sweep makes too (same action, same resource).
                        const swept = new Set(requests.map((r) => r.name));
                        const expected = AWS_CALLS.filter((c) => c.role === role)
                            .flatMap((c) => requestsOf(c, caller, s))
                            .map((r) => `${r.action} on ${r.resource}`)
                            .filter((name) => name.startsWith(`${service}:`) && swept.has(name));
                        assert.ok(requests.length > 20, `${requests.length} ${service} requests`);
                        // The sweep reaches the table's calls: the role's own calls of this service are among the allowed.
                        const hasCalls = AWS_CALLS.some((c) => c.role === role && c.actions.some((a) => a.startsWith(`${service}:`)));
                        assert.strictEqual(expected.length > 0, hasCalls);
                        assert.deepStrictEqual([...new Set(allowed)].sort(), [...new Set(expected)].sort());
                    });
                }
            }
        }
    });

    describe("before the stack has a service (bootstrap): only the reads, the identity and the state", () => {
        const bootstraps = new Map<string, RenderedStack>();
        before(async () => {
            for (const on of [DEV, PROD]) bootstraps.set(on.label, await render(on, {}));
        });
        for (const on of [DEV, PROD]) {
            for (const call of AWS_CALLS.filter((c) => c.role === "deploy" && applies(c, on))) {
                const allowed = call.beforeService === true;
                it(`${on.label} at bootstrap: ${title(call)} on ${call.on} → ${allowed ? "allowed" : "denied (no service yet)"}`, async () => {
                    const bootstrap = bootstraps.get(on.label)!;
                    assert.strictEqual(bootstrap.resources.serviceArn, undefined);
                    // The requests of the stack the first deploy will make: its service, its family, its roles.
                    const requests = requestsOf(call, callerOf(bootstrap, "deploy"), stackOf(on).resources);
                    assert.ok(requests.length > 0);
                    assert.deepStrictEqual(await mismatches(bootstrap, "deploy", requests, allowed ? "Allowed" : "denied", call.statement), []);
                });
            }
        }
    });

    describe("the trust policies, against GitHub's OIDC tokens", () => {
        interface Run {
            readonly repository?: string;
            readonly repositoryId?: string;
            /** A job's environment (deploy.yml, rollback.yml, promote.yml), else the ref's context. */
            readonly environment?: string;
            readonly ref?: string;
            readonly pullRequest?: boolean;
            readonly workflow?: string;
            /** `job_workflow_ref`, when not the run's own workflow file. */
            readonly jobWorkflowRef?: string;
            readonly audience?: string;
            /** Another OIDC provider of the account that signed the token (its host), claiming the same subject. */
            readonly otherIssuer?: string;
            /** The repository's OIDC subject template (`include_claim_keys`): GitHub's default, or with the claims. */
            readonly subjectTemplate?: "default" | "claims";
        }

        const REPOSITORY_ID = "892345671";

        /** The token GitHub issues for `run`, as condition keys of the provider, and the principal AWS matches. */
        function token(run: Run, stack: RenderedStack, roleArn: string): { request: IamRequest; claimKeys: string[] } {
            const repository = run.repository ?? "acme/papyrus";
            const ref = run.ref ?? "refs/heads/master";
            const issuer = run.otherIssuer ?? GITHUB_OIDC_HOST;
            const workflow = run.workflow ?? "deploy.yml";
            const jobWorkflowRef = run.jobWorkflowRef ?? `${repository}/.github/workflows/${workflow}@${ref}`;
            const repositoryId = run.repositoryId ?? REPOSITORY_ID;
            const context = run.pullRequest ? "pull_request" : run.environment !== undefined ? `environment:${run.environment}` : `ref:${ref}`;
            const claims = run.subjectTemplate === "claims" ? `:repository_id:${repositoryId}:job_workflow_ref:${jobWorkflowRef}` : "";
            const key = (claim: string) => `${issuer}:${claim}`;
            // GitHub's other claims, which IAM offers as condition keys too (another provider's tokens carry its own).
            const githubClaims = {
                [key("repository")]: repository,
                [key("repository_id")]: repositoryId,
                [key("repository_owner_id")]: "71234567",
                [key("ref")]: ref,
                [key("workflow")]: workflow.replace(/\.ya?ml$/, ""),
                [key("job_workflow_ref")]: jobWorkflowRef,
                [key("actor")]: "alice",
                [key("actor_id")]: "1234567",
                ...(run.environment === undefined ? {} : { [key("environment")]: run.environment }),
            };
            return {
                claimKeys: [key("sub"), key("aud")],
                request: {
                    principal: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}`,
                    action: "sts:AssumeRoleWithWebIdentity",
                    resource: roleArn,
                    resourceAccount: ACCOUNT,
                    context: {
                        [key("sub")]: `repo:${repository}:${context}${claims}`,
                        [key("aud")]: run.audience ?? STS_AUDIENCE,
                        "aws:RequestedRegion": stack.resources.region,
                        ...(run.otherIssuer === undefined ? githubClaims : {}),
                    },
                },
            };
        }

        interface TrustCase {
            readonly name: string;
            readonly role: CallerRole;
            readonly run: Run;
            readonly allowed: boolean;
        }

        /** The runs of the workflows, and the ones that must not get a role, for a stack whose deploy jobs run in environment `env`. */
        function defaultSubjectCases(env: "dev" | "prod", otherEnv: string): TrustCase[] {
            return [
                { name: "ecr-push.yml on a push to master", role: "push", run: { workflow: "ecr-push.yml" }, allowed: true },
                { name: "ecr-push.yml on the release tag v1.4.2", role: "push", run: { workflow: "ecr-push.yml", ref: "refs/tags/v1.4.2" }, allowed: true },
                {
                    name: "a push to another branch (feature/login)",
                    role: "push",
                    run: { workflow: "ecr-push.yml", ref: "refs/heads/feature/login" },
                    allowed: false,
                },
                {
                    name: "a branch named like master (master-hotfix)",
                    role: "push",
                    run: { workflow: "ecr-push.yml", ref: "refs/heads/master-hotfix" },
                    allowed: false,
                },
                { name: "a tag outside v*.*.* (nightly)", role: "push", run: { workflow: "ecr-push.yml", ref: "refs/tags/nightly" }, allowed: false },
                {
                    name: "master of another repository of the owner (acme/papyrus-fork)",
                    role: "push",
                    run: { repository: "acme/papyrus-fork" },
                    allowed: false,
                },
                {
                    name: "master of another owner's repository of the same name (evil/papyrus)",
                    role: "push",
                    run: { repository: "evil/papyrus" },
                    allowed: false,
                },
                { name: "a fork's pull request", role: "push", run: { pullRequest: true, ref: "refs/pull/42/merge" }, allowed: false },
                { name: `a job in environment ${env} (the deploy role's runs)`, role: "push", run: { environment: env }, allowed: false },
                { name: "a push to master, token for GitHub's default audience", role: "push", run: { audience: "https://github.com/acme" }, allowed: false },
                {
                    name: "a token from another OIDC provider of the account (gitlab.com) claiming master's subject",
                    role: "push",
                    run: { otherIssuer: "gitlab.com" },
                    allowed: false,
                },

                { name: `deploy.yml in environment ${env}`, role: "deploy", run: { environment: env, workflow: "deploy.yml" }, allowed: true },
                { name: `rollback.yml in environment ${env}`, role: "deploy", run: { environment: env, workflow: "rollback.yml" }, allowed: true },
                {
                    name: `promote.yml's ${env === "dev" ? "source" : "promote"} job in environment ${env}`,
                    role: "deploy",
                    run: { environment: env, workflow: "promote.yml" },
                    allowed: true,
                },
                {
                    name: `deploy.yml's approve job in environment ${env}-approval (its reviewers continue a paused rollout)`,
                    role: "deploy",
                    run: { environment: `${env}-approval`, workflow: "deploy.yml" },
                    allowed: true,
                },
                {
                    name: `a job in environment ${otherEnv}-approval (another stack's approvals)`,
                    role: "deploy",
                    run: { environment: `${otherEnv}-approval` },
                    allowed: false,
                },
                {
                    name: `a job in environment ${env}-approvals (a name that extends the approval environment's)`,
                    role: "deploy",
                    run: { environment: `${env}-approvals` },
                    allowed: false,
                },
                {
                    // GitHub's default subject names no workflow: the environment's protection rules decide which runs reach it.
                    name: `any other workflow's job in environment ${env} (release.yml; the default subject names no workflow)`,
                    role: "deploy",
                    run: { environment: env, workflow: "release.yml" },
                    allowed: true,
                },
                { name: `a job in environment ${otherEnv} (another stack's)`, role: "deploy", run: { environment: otherEnv }, allowed: false },
                { name: "a job in environment staging", role: "deploy", run: { environment: "staging" }, allowed: false },
                { name: "a push to master without an environment", role: "deploy", run: { workflow: "ecr-push.yml" }, allowed: false },
                { name: "a release tag without an environment", role: "deploy", run: { ref: "refs/tags/v1.4.2" }, allowed: false },
                { name: "a fork's pull request", role: "deploy", run: { pullRequest: true, ref: "refs/pull/42/merge" }, allowed: false },
                {
                    name: `environment ${env} of another repository (acme/papyrus-fork)`,
                    role: "deploy",
                    run: { environment: env, repository: "acme/papyrus-fork" },
                    allowed: false,
                },
                {
                    name: `environment ${env}, token for GitHub's default audience`,
                    role: "deploy",
                    run: { environment: env, audience: "https://github.com/acme" },
                    allowed: false,
                },
            ];
        }

        const GITHUB_WITH_CLAIMS = {
            owner: "acme",
            repository: "papyrus",
            subjectClaims: { repositoryId: REPOSITORY_ID, jobWorkflowRef: true },
            push: { branches: ["master"], tags: ["v*.*.*"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["dev"], workflows: ["deploy.yml", "rollback.yml", "promote.yml"] },
        };
        const DEV_WITH_CLAIMS: StackCase = {
            ...DEV,
            label: "dev (subject with repository_id and job_workflow_ref)",
            overrides: { ...S3_BACKEND, "papyrus:github": JSON.stringify(GITHUB_WITH_CLAIMS) },
        };
        const claimsCases: TrustCase[] = [
            { name: "ecr-push.yml on a push to master", role: "push", run: { workflow: "ecr-push.yml", subjectTemplate: "claims" }, allowed: true },
            {
                name: "ecr-push.yml on the release tag v1.4.2",
                role: "push",
                run: { workflow: "ecr-push.yml", ref: "refs/tags/v1.4.2", subjectTemplate: "claims" },
                allowed: true,
            },
            {
                name: "another workflow on a push to master (build.yml)",
                role: "push",
                run: { workflow: "build.yml", subjectTemplate: "claims" },
                allowed: false,
            },
            {
                name: "ecr-push.yml on another branch",
                role: "push",
                run: { workflow: "ecr-push.yml", ref: "refs/heads/feature/login", subjectTemplate: "claims" },
                allowed: false,
            },
            {
                name: "deploy.yml in environment dev",
                role: "deploy",
                run: { environment: "dev", workflow: "deploy.yml", subjectTemplate: "claims" },
                allowed: true,
            },
            {
                name: "rollback.yml in environment dev",
                role: "deploy",
                run: { environment: "dev", workflow: "rollback.yml", subjectTemplate: "claims" },
                allowed: true,
            },
            {
                name: "release.yml in environment dev (not a listed workflow)",
                role: "deploy",
                run: { environment: "dev", workflow: "release.yml", subjectTemplate: "claims" },
                allowed: false,
            },
            {
                name: "deploy.yml in environment dev of a re-created repository of the same name (another repository_id)",
                role: "deploy",
                run: { environment: "dev", repositoryId: "999000111", subjectTemplate: "claims" },
                allowed: false,
            },
            {
                name: "a job in environment dev running another repository's reusable workflow",
                role: "deploy",
                run: { environment: "dev", jobWorkflowRef: "evil/tools/.github/workflows/deploy.yml@refs/heads/main", subjectTemplate: "claims" },
                allowed: false,
            },
            {
                name: "deploy.yml in environment dev, the repository's subject template not customised (GitHub's default subject)",
                role: "deploy",
                run: { environment: "dev", workflow: "deploy.yml", subjectTemplate: "default" },
                allowed: false,
            },
        ];

        const trustStacks: [StackCase, TrustCase[]][] = [
            [DEV, defaultSubjectCases("dev", "prod")],
            [PROD, defaultSubjectCases("prod", "dev")],
            [DEV_WITH_CLAIMS, claimsCases],
        ];
        let withClaims: RenderedStack;
        before(async () => {
            withClaims = await render(DEV_WITH_CLAIMS);
        });

        for (const [on, cases] of trustStacks) {
            for (const { name, role, run, allowed } of cases) {
                it(`${on.label}'s ${role} role: ${name} → ${allowed ? "allowed" : "denied"}`, async () => {
                    const stack = on === DEV_WITH_CLAIMS ? withClaims : stackOf(on);
                    const { request, claimKeys } = token(run, stack, roleOf(stack, role).arn);
                    const decision = await evaluateTrustRequest(roleOf(stack, role).trust, request, claimKeys);
                    assert.strictEqual(decision, allowed ? "Allowed" : "ImplicitlyDenied");
                });
            }
        }
    });
});

/** A deployment of service `name` (by default another service) in the stack's own cluster. */
function otherServicesDeployment(s: StackResources, name = "billing-service"): string {
    return s.serviceArn!.replace(":service/", ":service-deployment/").replace(/\/[^/]+$/, `/${name}/hN8Q1Kx2VZ4mB7pR3sT6w`);
}

function key(request: IamRequest): string {
    return JSON.stringify([request.principal, request.action, request.resource, request.context]);
}
