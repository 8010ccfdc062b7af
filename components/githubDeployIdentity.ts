// GitHub Actions → AWS through OIDC: one provider (created or reused) and two
// roles, one that may push images to the repository and one that may roll the
// service to a new task definition. Who may assume each role is decided by
// githubIdentitySettings.ts and githubSubject.ts; what each may do, by
// githubRolePolicies.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { oidcProviderArnProblem } from "./arns";
import { GithubIdentitySettings, resolveGithubSettings } from "./githubIdentitySettings";
import type { DeployTarget } from "./deployTarget";
import { DeployAccess, deployPolicy, githubTrustPolicy, pushPolicy } from "./githubRolePolicies";
import { STS_AUDIENCE, githubIssuer } from "./githubSubject";
import { PolicyDocument } from "./policyDocument";

export const GITHUB_DEPLOY_IDENTITY_TYPE = "papyrus:aws:GithubDeployIdentity";

export interface GithubDeployIdentityArgs extends GithubIdentitySettings {
    /**
     * The ARN of an existing GitHub OIDC provider in the account. IAM allows one provider per URL per
     * account, so a second stack (or anything else in the account that set one up) must reuse it. Checked
     * to be the provider of the tokens' issuer (`…/token.actions.githubusercontent.com[/<enterprise>]`).
     * @default a new provider for the issuer, with client id `sts.amazonaws.com`
     */
    readonly existingProviderArn?: pulumi.Input<string>;
    /** The ECR repository the push role may push to and the deploy role may read. */
    readonly repositoryArn: pulumi.Input<string>;
    /**
     * The service the deploy role rolls forward, what it passes to ECS, and what a refresh reads:
     * `DigestPinnedService.deployTarget`. Unset during bootstrap (no image, so no service yet): the deploy
     * role can then only read.
     * @default undefined
     */
    readonly deployTarget?: pulumi.Input<DeployTarget>;
    /** Session length for both roles, in seconds. @default 3600 */
    readonly maxSessionDuration?: number;
    /**
     * What the deploy role needs besides the service: zone look-ups for a new VPC, and this stack's objects
     * in the state bucket of an S3 backend (plus a promotion source's history, read only).
     * @default { lookUpAvailabilityZones: true }
     * @example { stateBucket: { bucketArn: "arn:aws:s3:::acme-pulumi-state", keyPrefix: "papyrus", project: "papyrus", stack: "prod" } }
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

        // Every GitHub argument is checked (and every problem reported) before a child is registered.
        const { pushSubjects, deploySubjects } = resolveGithubSettings(githubSettingsOf(args), "");
        const issuer = githubIssuer(args.enterprise);
        this.pushSubjects = pushSubjects;
        this.deploySubjects = deploySubjects;

        const provider = this.createOrReuseProvider(name, args, issuer);
        this.providerArn = provider.arn;
        const pushRole = this.createRole(`${name}-push`, "pushes images to ECR", pushSubjects, issuer, args);
        const deployRole = this.createRole(`${name}-deploy`, "rolls the ECS service to a digest", deploySubjects, issuer, args);
        this.attachPolicy(`${name}-push`, pushRole, pulumi.output(args.repositoryArn).apply(pushPolicy));
        this.attachPolicy(`${name}-deploy`, deployRole, deployPolicyOutput(args, [pushRole.arn, deployRole.arn], provider.created ? provider.arn : undefined));

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

    private createOrReuseProvider(name: string, args: GithubDeployIdentityArgs, issuer: string): { arn: pulumi.Output<string>; created: boolean } {
        const existing = args.existingProviderArn;
        if (existing !== undefined) {
            const check = (arn: string) => {
                const problem = oidcProviderArnProblem(arn, issuer, "existingProviderArn");
                if (problem !== undefined) throw new Error(problem);
                return arn;
            };
            // A plain value is checked now, before any child is registered; an Output when it resolves.
            return { arn: typeof existing === "string" ? pulumi.output(check(existing)) : pulumi.output(existing).apply(check), created: false };
        }
        const provider = new aws.iam.OpenIdConnectProvider(
            `${name}-github`,
            {
                url: `https://${issuer}`,
                clientIdLists: [STS_AUDIENCE],
            },
            { parent: this },
        );
        return { arn: provider.arn, created: true };
    }

    private createRole(roleName: string, purpose: string, subjects: string[], issuer: string, args: GithubDeployIdentityArgs): aws.iam.Role {
        return new aws.iam.Role(
            roleName,
            {
                description: `GitHub Actions (${args.owner}/${args.repository}) role that ${purpose}`,
                assumeRolePolicy: this.providerArn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects, issuer))),
                maxSessionDuration: args.maxSessionDuration ?? 3600,
            },
            { parent: this },
        );
    }

    private attachPolicy(policyName: string, role: aws.iam.Role, document: pulumi.Output<PolicyDocument>): aws.iam.RolePolicy {
        return new aws.iam.RolePolicy(
            `${policyName}-policy`,
            {
                role: role.id,
                policy: document.apply((doc) => JSON.stringify(doc)),
            },
            { parent: this },
        );
    }
}

/** The GitHub part of the arguments, as `papyrus:github` would hold it (absent keys left out). */
function githubSettingsOf(args: GithubDeployIdentityArgs): Record<string, unknown> {
    const { owner, repository, enterprise, subjectClaims, push, deploy } = args;
    return Object.fromEntries(Object.entries({ owner, repository, enterprise, subjectClaims, push, deploy }).filter(([, value]) => value !== undefined));
}

function deployPolicyOutput(
    args: GithubDeployIdentityArgs,
    roleArns: pulumi.Output<string>[],
    createdProviderArn: pulumi.Output<string> | undefined,
): pulumi.Output<PolicyDocument> {
    return pulumi.all([args.repositoryArn, args.deployTarget, pulumi.all(roleArns), createdProviderArn]).apply(([repositoryArn, target, roles, providerArn]) =>
        deployPolicy({
            repositoryArn,
            target,
            identity: { roleArns: roles, createdProviderArn: providerArn },
            access: args.deployAccess,
        }),
    );
}
