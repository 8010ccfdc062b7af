// GitHub Actions → AWS through OIDC: one provider (created or reused) and two
// roles, one that may push images to the repository and one that may roll
// the service to a new task definition.
//
// Who may assume a role is decided by the token's `sub` claim alone, so the
// subjects are built and checked by pure functions below (no Pulumi, tested
// without mocks): owner and repository are literal, never patterns, so no
// subject can match another repository (`repo:acme/api*` also matches
// `repo:acme/api-evil`; `repo:acme/*` trusts repositories created later).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    GITHUB_OIDC_HOST,
    GITHUB_OIDC_URL,
    GITHUB_OWNER as OWNER,
    GITHUB_REPOSITORY as REPOSITORY,
    STS_AUDIENCE,
    WILDCARD,
    githubSubjectProblem,
} from "./githubSubject";

export const GITHUB_DEPLOY_IDENTITY_TYPE = "papyrus:aws:GithubDeployIdentity";

export { GITHUB_OIDC_URL, GITHUB_OIDC_HOST, STS_AUDIENCE } from "./githubSubject";

export const DEFAULT_BRANCHES: readonly string[] = ["master"];
export const DEFAULT_TAGS: readonly string[] = ["v*.*.*"];
export const DEFAULT_ENVIRONMENTS: readonly string[] = [];

/** Which workflow runs may assume a role. A job that names an `environment` gets the environment subject, not the branch one. */
export interface GithubSubjectFilter {
    /**
     * Branches whose workflow runs may assume the role (`repo:OWNER/REPO:ref:refs/heads/BRANCH`).
     * Names, not refs; `*` and `?` are allowed inside a name (`release/*`) but not as the whole name.
     * @default ["master"]
     * @example ["master", "release/*"]
     */
    readonly branches?: readonly string[];
    /**
     * Tags whose workflow runs may assume the role (`repo:OWNER/REPO:ref:refs/tags/TAG`).
     * @default ["v*.*.*"]
     */
    readonly tags?: readonly string[];
    /**
     * GitHub environments whose jobs may assume the role (`repo:OWNER/REPO:environment:ENV`).
     * Exact names only: environments carry protection rules, and a pattern could match an unprotected one.
     * @default []
     * @example ["prod"]
     */
    readonly environments?: readonly string[];
}

export interface GithubSubjectArgs extends GithubSubjectFilter {
    /** The GitHub user or organisation, exactly (no wildcards). @example "acme" */
    readonly owner: string;
    /** The repository name without the owner, exactly (no wildcards). @example "papyrus" */
    readonly repository: string;
}

/** Every problem found in the subject arguments, collected and thrown once. */
export class GithubSubjectError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.length === 1
            ? problems[0]
            : `${problems.length} problems with the GitHub OIDC subjects:\n- ${problems.join("\n- ")}`);
        this.name = "GithubSubjectError";
    }
}

/**
 * The `sub` values a role trusts, in order and without duplicates, or throws `GithubSubjectError`
 * listing everything wrong. `input` prefixes the argument names in messages, e.g. `deploy` gives
 * `` `deploy.branches[0]` ``.
 */
export function githubSubjects(args: GithubSubjectArgs, input?: string): string[] {
    const problems: string[] = [];
    const label = (field: string) => `\`${input ? `${input}.${field}` : field}\``;

    // Owner and repository are shared by every role, so their names carry no prefix.
    checkOwnerOrRepository(args.owner, "`owner`", OWNER,
        "a GitHub user or organisation name (letters, digits and single `-`), e.g. `acme`", problems);
    checkOwnerOrRepository(args.repository, "`repository`", REPOSITORY,
        "a repository name without its owner (letters, digits, `.`, `_` and `-`), e.g. `papyrus`", problems);
    if (args.repository === "." || args.repository === "..") {
        problems.push(`\`repository\` must be a repository name, got \`${args.repository}\``);
    }

    const lists = {
        branches: listOf(args.branches, DEFAULT_BRANCHES, label("branches"), problems),
        tags: listOf(args.tags, DEFAULT_TAGS, label("tags"), problems),
        environments: listOf(args.environments, DEFAULT_ENVIRONMENTS, label("environments"), problems),
    };
    lists.branches.forEach((branch, i) => checkRefName(branch, label(`branches[${i}]`), "branch", "refs/heads/", problems));
    lists.tags.forEach((tag, i) => checkRefName(tag, label(`tags[${i}]`), "tag", "refs/tags/", problems));
    lists.environments.forEach((env, i) => checkEnvironment(env, label(`environments[${i}]`), problems));

    if (problems.length === 0 && lists.branches.length + lists.tags.length + lists.environments.length === 0) {
        problems.push(`${label("branches")}, ${label("tags")} and ${label("environments")} are all empty: `
            + "no workflow could assume the role; list at least one branch, tag or environment");
    }
    if (problems.length > 0) {
        throw new GithubSubjectError(problems);
    }

    const prefix = `repo:${args.owner}/${args.repository}:`;
    const subjects = [
        ...lists.branches.map((branch) => `${prefix}ref:refs/heads/${branch}`),
        ...lists.tags.map((tag) => `${prefix}ref:refs/tags/${tag}`),
        ...lists.environments.map((env) => `${prefix}environment:${env}`),
    ];
    // The policy pack's rule, applied to what was built: the input checks above must imply it.
    for (const subject of subjects) {
        const problem = githubSubjectProblem(subject);
        if (problem) throw new GithubSubjectError([`built subject \`${subject}\` is refused: ${problem}`]);
    }
    return [...new Set(subjects)];
}

/** True when IAM's `StringLike` would treat `subject` as a pattern. */
export function isSubjectPattern(subject: string): boolean {
    return WILDCARD.test(subject);
}

/**
 * The trust policy's `Condition`. Each operator appears once, so no JSON encoder or IAM parser can
 * collapse two objects and silently drop the `sub` check: `StringEquals` holds `aud` (and `sub`
 * when no subject is a pattern); `StringLike` holds `sub` otherwise.
 */
export function githubTrustCondition(subjects: readonly string[]): Record<string, Record<string, string | string[]>> {
    if (subjects.length === 0) {
        throw new Error("a GitHub trust condition needs at least one subject; without one any repository could assume the role");
    }
    const aud = `${GITHUB_OIDC_HOST}:aud`;
    const sub = `${GITHUB_OIDC_HOST}:sub`;
    return subjects.some(isSubjectPattern)
        ? { StringEquals: { [aud]: STS_AUDIENCE }, StringLike: { [sub]: [...subjects] } }
        : { StringEquals: { [aud]: STS_AUDIENCE, [sub]: [...subjects] } };
}

/** The role's trust policy: GitHub's tokens, for STS, from the given subjects only. */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "GithubActionsWebIdentity",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: githubTrustCondition(subjects),
        }],
    };
}

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export const ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
];

export const ECR_READ_ACTIONS = ["ecr:DescribeImages", "ecr:BatchGetImage"];

/** Push to one repository. `GetAuthorizationToken` has no resource-level permissions, so it is the only `*`. */
export function pushPolicy(repositoryArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "PushToRepository", Effect: "Allow", Action: [...ECR_PUSH_ACTIONS], Resource: repositoryArn },
        ],
    };
}

/**
 * What a deploy changes once the service exists. Every field stays the same from one deploy to the
 * next (no revision ARN), so a deploy never changes the deploy role's own policy.
 */
export interface DeployTarget {
    readonly serviceArn: string;
    /** The service's task definition family, e.g. `papyrus-prod`. */
    readonly taskDefinitionFamily: string;
    readonly taskRoleArn: string;
    readonly executionRoleArn: string;
}

/** What else the deploy role needs to run this program's `pulumi up`. */
export interface DeployAccess {
    /** The program creates a VPC with awsx, which looks the region's zones up. @default true */
    readonly lookUpAvailabilityZones?: boolean;
    /** The S3 bucket (and key prefix) of a `s3://bucket/prefix` state backend. @default none (Pulumi Cloud or a local backend) */
    readonly stateBucket?: { readonly bucketArn: string; readonly keyPrefix?: string };
}

/**
 * Resolve a tag (ECR read), register a task definition, and point the service at it.
 * `RegisterTaskDefinition` and `DescribeTaskDefinition` have no resource-level permissions, so they are
 * on `*`; everything else names its resource. Without a target (bootstrap, no service yet) the role can
 * only read the repository and register task definitions: no service to update, no role to pass.
 */
export function deployPolicy(repositoryArn: string, target?: DeployTarget, access: DeployAccess = {}): PolicyDocument {
    const statements: PolicyStatement[] = [
        {
            Sid: "RegisterTaskDefinitions",
            Effect: "Allow",
            Action: ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"],
            Resource: "*",
        },
        { Sid: "ReadRepository", Effect: "Allow", Action: [...ECR_READ_ACTIONS], Resource: repositoryArn },
    ];
    if (access.lookUpAvailabilityZones ?? true) {
        // awsx.ec2.Vpc asks for the region's zones on every run (an invoke, not a resource); the
        // action has no resource-level permissions.
        statements.push({ Sid: "LookUpAvailabilityZones", Effect: "Allow", Action: "ec2:DescribeAvailabilityZones", Resource: "*" });
    }
    if (access.stateBucket !== undefined) {
        const { bucketArn, keyPrefix } = access.stateBucket;
        const prefix = keyPrefix ? `${keyPrefix.replace(/\/+$/, "")}/` : "";
        statements.push(
            {
                // The S3 backend keeps state, history, backups and locks under one prefix.
                Sid: "ListStateObjects",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: bucketArn,
                ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}),
            },
            {
                Sid: "ReadWriteState",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: `${bucketArn}/${prefix}*`,
            },
        );
    }
    if (target !== undefined) {
        statements.push(
            {
                // The service's task definitions carry tags (`ImageTag`); registering with tags needs
                // TagResource, allowed only during registration and only on this family.
                Sid: "TagTaskDefinitionsOnRegister",
                Effect: "Allow",
                Action: "ecs:TagResource",
                Resource: taskDefinitionFamilyArn(target.serviceArn, target.taskDefinitionFamily),
                Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
            },
            {
                Sid: "UpdateService",
                Effect: "Allow",
                Action: ["ecs:UpdateService", "ecs:DescribeServices"],
                Resource: target.serviceArn,
            },
            {
                Sid: "PassTaskRolesToEcs",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: [target.taskRoleArn, target.executionRoleArn],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** Every revision of `family`, in the service's partition, region and account: `arn:aws:ecs:<region>:<account>:task-definition/<family>:*`. */
export function taskDefinitionFamilyArn(serviceArn: string, family: string): string {
    const match = /^(arn:[^:]+:ecs:[^:]+:[0-9]+:)service\/.+$/.exec(serviceArn);
    if (match === null) {
        throw new Error(`\`serviceArn\` must be an ECS service ARN (\`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>\`), got \`${serviceArn}\``);
    }
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
        throw new Error(`\`taskDefinitionFamily\` must be 1-255 letters, digits, \`-\` or \`_\`, got \`${family}\``);
    }
    return `${match[1]}task-definition/${family}:*`;
}

function checkOwnerOrRepository(value: unknown, name: string, pattern: RegExp, what: string, problems: string[]): void {
    if (typeof value !== "string") {
        problems.push(`${name} must be a string, got a value of type ${value === null ? "null" : typeof value}`);
    } else if (value.length === 0) {
        problems.push(`${name} is empty; set it to ${what}`);
    } else if (WILDCARD.test(value)) {
        problems.push(`${name} must be exact, got \`${value}\`: a wildcard would trust other repositories too (\`repo:acme/api*\` also matches \`repo:acme/api-evil\`); name it exactly`);
    } else if (/[:\s]/.test(value)) {
        problems.push(`${name} must not contain \`:\` or whitespace, got ${quote(value)}; set it to ${what}`);
    } else if (value.includes("/")) {
        problems.push(`${name} must not contain \`/\`, got \`${value}\`; give the owner in \`owner\` and the repository name in \`repository\``);
    } else if (!pattern.test(value)) {
        problems.push(`${name} is not ${what}, got ${quote(value)}`);
    }
}

function listOf(value: unknown, fallback: readonly string[], name: string, problems: string[]): string[] {
    if (value === undefined) {
        return [...fallback];
    }
    if (!Array.isArray(value)) {
        problems.push(`${name} must be a list of strings, got a value of type ${value === null ? "null" : typeof value}`);
        return [];
    }
    return value as string[];
}

function checkRefName(value: unknown, name: string, kind: "branch" | "tag", refPrefix: string, problems: string[]): void {
    if (typeof value !== "string") {
        problems.push(`${name} must be a ${kind} name, got a value of type ${value === null ? "null" : typeof value}`);
    } else if (value.length === 0) {
        problems.push(`${name} is empty; give a ${kind} name such as \`${kind === "branch" ? "master" : "v1.2.3"}\`, or remove it`);
    } else if (/[:\s]/.test(value)) {
        problems.push(`${name} must not contain \`:\` or whitespace, got ${quote(value)}; git ${kind} names cannot contain them`);
    } else if (/^[*?]+$/.test(value)) {
        problems.push(`${name} is \`${value}\`, which trusts every ${kind}, including ones anyone with write access can create; name the ${kind} (e.g. \`${kind === "branch" ? "master" : "v*.*.*"}\`)`);
    } else if (value.startsWith("refs/")) {
        problems.push(`${name} must be a ${kind} name, not a ref: write \`${value.startsWith(refPrefix) ? value.slice(refPrefix.length) : value.replace(/^refs\/[^/]*\//, "")}\`, not \`${value}\``);
    }
}

function checkEnvironment(value: unknown, name: string, problems: string[]): void {
    if (typeof value !== "string") {
        problems.push(`${name} must be an environment name, got a value of type ${value === null ? "null" : typeof value}`);
    } else if (value.length === 0) {
        problems.push(`${name} is empty; give a GitHub environment name such as \`prod\`, or remove it`);
    } else if (WILDCARD.test(value)) {
        problems.push(`${name} must be an exact environment name, got \`${value}\`: a pattern could match an environment without protection rules`);
    } else if (/[:\s]/.test(value)) {
        problems.push(`${name} must not contain \`:\` or whitespace, got ${quote(value)}`);
    }
}

function quote(value: string): string {
    return "`" + JSON.stringify(value).slice(1, -1) + "`";
}

// ---------------------------------------------------------------------------
// The component.

export interface GithubDeployIdentityArgs {
    /**
     * The GitHub user or organisation that owns the repository. A plain string (not an Output):
     * the subjects are checked when the program runs, before anything is created.
     * @example "acme"
     */
    readonly owner: string;
    /** The GitHub repository name, without the owner. @example "papyrus" */
    readonly repository: string;
    /**
     * The ARN of an existing GitHub OIDC provider in the account. IAM allows one provider per URL per
     * account, so a second stack (or anything else in the account that set one up) must reuse it.
     * @default a new provider for `https://token.actions.githubusercontent.com` with client id `sts.amazonaws.com`
     */
    readonly existingProviderArn?: pulumi.Input<string>;
    /** The ECR repository the push role may push to and the deploy role may read. */
    readonly repositoryArn: pulumi.Input<string>;
    /**
     * Workflow runs that may push images.
     * @default { branches: ["master"], tags: ["v*.*.*"], environments: [] }
     */
    readonly push?: GithubSubjectFilter;
    /**
     * Workflow runs that may deploy. Production typically narrows this to a protected environment.
     * @default { branches: ["master"], tags: ["v*.*.*"], environments: [] }
     * @example { branches: [], tags: [], environments: ["prod"] }
     */
    readonly deploy?: GithubSubjectFilter;
    /**
     * The service the deploy role rolls forward, with the roles its task definitions pass to ECS.
     * Unset during bootstrap (no image, so no service yet): the deploy role can then only read the
     * repository and register task definitions.
     * @default undefined
     */
    readonly deployTarget?: {
        readonly serviceArn: pulumi.Input<string>;
        readonly taskDefinitionFamily: pulumi.Input<string>;
        readonly taskRoleArn: pulumi.Input<string>;
        readonly executionRoleArn: pulumi.Input<string>;
    };
    /** Session length for both roles, in seconds. @default 3600 */
    readonly maxSessionDuration?: number;
    /**
     * What the deploy role needs besides the service: zone look-ups for a new VPC, and the state
     * bucket of an S3 backend.
     * @default { lookUpAvailabilityZones: true }
     * @example { stateBucket: { bucketArn: "arn:aws:s3:::acme-pulumi-state", keyPrefix: "papyrus" } }
     */
    readonly deployAccess?: DeployAccess;
}

/** The OIDC provider (created or reused) and the push and deploy roles GitHub Actions assume. */
export class GithubDeployIdentity extends pulumi.ComponentResource {
    public readonly providerArn: pulumi.Output<string>;
    public readonly pushRoleArn: pulumi.Output<string>;
    public readonly deployRoleArn: pulumi.Output<string>;
    /** The `sub` values the push role trusts. */
    public readonly pushSubjects: string[];
    /** The `sub` values the deploy role trusts. */
    public readonly deploySubjects: string[];

    constructor(name: string, args: GithubDeployIdentityArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(GITHUB_DEPLOY_IDENTITY_TYPE, name, {}, opts);

        const { pushSubjects, deploySubjects } = githubRoleSubjects(args);
        this.pushSubjects = pushSubjects;
        this.deploySubjects = deploySubjects;

        this.providerArn = this.createOrReuseProvider(name, args);
        const pushRole = this.createRole(`${name}-push`, "pushes images to ECR", pushSubjects, args);
        this.attachPolicy(`${name}-push`, pushRole, pulumi.output(args.repositoryArn).apply(pushPolicy));
        const deployRole = this.createRole(`${name}-deploy`, "rolls the ECS service to a digest", deploySubjects, args);
        this.attachPolicy(`${name}-deploy`, deployRole, deployPolicyOutput(args));

        this.pushRoleArn = pushRole.arn;
        this.deployRoleArn = deployRole.arn;

        this.registerOutputs({
            providerArn: this.providerArn,
            pushRoleArn: this.pushRoleArn,
            deployRoleArn: this.deployRoleArn,
            pushSubjects: this.pushSubjects,
            deploySubjects: this.deploySubjects,
        });
    }

    private createOrReuseProvider(name: string, args: GithubDeployIdentityArgs): pulumi.Output<string> {
        if (args.existingProviderArn !== undefined) {
            return pulumi.output(args.existingProviderArn);
        }
        const provider = new aws.iam.OpenIdConnectProvider(`${name}-github`, {
            url: GITHUB_OIDC_URL,
            clientIdLists: [STS_AUDIENCE],
        }, { parent: this });
        return provider.arn;
    }

    private createRole(roleName: string, purpose: string, subjects: string[], args: GithubDeployIdentityArgs): aws.iam.Role {
        return new aws.iam.Role(roleName, {
            description: `GitHub Actions (${args.owner}/${args.repository}) role that ${purpose}`,
            assumeRolePolicy: this.providerArn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects))),
            maxSessionDuration: args.maxSessionDuration ?? 3600,
        }, { parent: this });
    }

    private attachPolicy(policyName: string, role: aws.iam.Role, document: pulumi.Output<PolicyDocument>): aws.iam.RolePolicy {
        return new aws.iam.RolePolicy(`${policyName}-policy`, {
            role: role.id,
            policy: document.apply((doc) => JSON.stringify(doc)),
        }, { parent: this });
    }
}

/**
 * The push and deploy subjects, with every problem in either reported at once. The component calls it;
 * a program can call it first, so bad config fails before any resource is registered.
 */
export function githubRoleSubjects(
    args: Pick<GithubDeployIdentityArgs, "owner" | "repository" | "push" | "deploy">,
): { pushSubjects: string[]; deploySubjects: string[] } {
    const problems: string[] = [];
    const attempt = (filter: GithubSubjectFilter | undefined, input: string): string[] => {
        try {
            return githubSubjects({ ...filter, owner: args.owner, repository: args.repository }, input);
        } catch (err) {
            if (!(err instanceof GithubSubjectError)) {
                throw err;
            }
            problems.push(...err.problems);
            return [];
        }
    };
    const pushSubjects = attempt(args.push, "push");
    const deploySubjects = attempt(args.deploy, "deploy");
    if (problems.length > 0) {
        // Owner and repository problems are found for both roles; report them once.
        throw new GithubSubjectError([...new Set(problems)]);
    }
    return { pushSubjects, deploySubjects };
}

function deployPolicyOutput(args: GithubDeployIdentityArgs): pulumi.Output<PolicyDocument> {
    const target = args.deployTarget;
    if (target === undefined) {
        return pulumi.output(args.repositoryArn).apply((repositoryArn) => deployPolicy(repositoryArn, undefined, args.deployAccess));
    }
    return pulumi
        .all([args.repositoryArn, target.serviceArn, target.taskDefinitionFamily, target.taskRoleArn, target.executionRoleArn])
        .apply(([repositoryArn, serviceArn, taskDefinitionFamily, taskRoleArn, executionRoleArn]) =>
            deployPolicy(repositoryArn, { serviceArn, taskDefinitionFamily, taskRoleArn, executionRoleArn }, args.deployAccess));
}
