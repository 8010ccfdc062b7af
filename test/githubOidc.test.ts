// Who may assume the GitHub roles is decided by these pure functions; each
// refusal is pinned to its exact message, and the policies they build are
// checked statement by statement.
import * as assert from "assert";
import {
    deployPolicy,
    GithubSubjectArgs,
    GithubSubjectError,
    githubSubjects,
    githubTrustCondition,
    githubTrustPolicy,
    pushPolicy,
    taskDefinitionFamilyArn,
} from "../components/githubOidc";

const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const TARGET = {
    serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/papyrus-cluster/papyrus-service",
    taskDefinitionFamily: "papyrus-dev",
    taskRoleArn: "arn:aws:iam::123456789012:role/papyrus-task-role",
    executionRoleArn: "arn:aws:iam::123456789012:role/papyrus-execution-role",
};

function refusal(args: Partial<GithubSubjectArgs>, input?: string): string[] {
    try {
        githubSubjects({ owner: "acme", repository: "papyrus", ...args } as GithubSubjectArgs, input);
    } catch (err) {
        assert.ok(err instanceof GithubSubjectError, `expected GithubSubjectError, got ${String(err)}`);
        return [...err.problems];
    }
    return assert.fail("expected the subjects to be refused");
}

describe("githubSubjects", () => {
    it("defaults to the master branch and v*.*.* tags", () => {
        assert.deepStrictEqual(githubSubjects({ owner: "acme", repository: "papyrus" }), [
            "repo:acme/papyrus:ref:refs/heads/master",
            "repo:acme/papyrus:ref:refs/tags/v*.*.*",
        ]);
    });

    it("builds branch, tag and environment subjects in that order, without duplicates", () => {
        assert.deepStrictEqual(githubSubjects({
            owner: "Acme-Corp",
            repository: "papyrus.api_v2",
            branches: ["master", "release/*", "master"],
            tags: ["v1.2.3"],
            environments: ["prod", "staging"],
        }), [
            "repo:Acme-Corp/papyrus.api_v2:ref:refs/heads/master",
            "repo:Acme-Corp/papyrus.api_v2:ref:refs/heads/release/*",
            "repo:Acme-Corp/papyrus.api_v2:ref:refs/tags/v1.2.3",
            "repo:Acme-Corp/papyrus.api_v2:environment:prod",
            "repo:Acme-Corp/papyrus.api_v2:environment:staging",
        ]);
    });

    it("narrows to one environment when branches and tags are empty (production deploys)", () => {
        assert.deepStrictEqual(
            githubSubjects({ owner: "acme", repository: "papyrus", branches: [], tags: [], environments: ["prod"] }),
            ["repo:acme/papyrus:environment:prod"],
        );
    });

    const bad: Array<{ title: string; args: Partial<GithubSubjectArgs>; input?: string; problems: string[] }> = [
        {
            title: "a wildcard owner",
            args: { owner: "*" },
            problems: ["`owner` must be exact, got `*`: a wildcard would trust other repositories too (`repo:acme/api*` also matches `repo:acme/api-evil`); name it exactly"],
        },
        {
            title: "an owner prefix pattern",
            args: { owner: "acme*" },
            problems: ["`owner` must be exact, got `acme*`: a wildcard would trust other repositories too (`repo:acme/api*` also matches `repo:acme/api-evil`); name it exactly"],
        },
        {
            title: "a `?` in the owner",
            args: { owner: "ac?e" },
            problems: ["`owner` must be exact, got `ac?e`: a wildcard would trust other repositories too (`repo:acme/api*` also matches `repo:acme/api-evil`); name it exactly"],
        },
        {
            title: "a repository prefix pattern (would match papyrus-evil)",
            args: { repository: "papyrus*" },
            problems: ["`repository` must be exact, got `papyrus*`: a wildcard would trust other repositories too (`repo:acme/api*` also matches `repo:acme/api-evil`); name it exactly"],
        },
        {
            title: "an empty owner",
            args: { owner: "" },
            problems: ["`owner` is empty; set it to a GitHub user or organisation name (letters, digits and single `-`), e.g. `acme`"],
        },
        {
            title: "an empty repository",
            args: { repository: "" },
            problems: ["`repository` is empty; set it to a repository name without its owner (letters, digits, `.`, `_` and `-`), e.g. `papyrus`"],
        },
        {
            title: "a `:` in the owner",
            args: { owner: "acme:x" },
            problems: ["`owner` must not contain `:` or whitespace, got `acme:x`; set it to a GitHub user or organisation name (letters, digits and single `-`), e.g. `acme`"],
        },
        {
            title: "whitespace in the repository, shown escaped",
            args: { repository: "papyrus\n" },
            problems: ["`repository` must not contain `:` or whitespace, got `papyrus\\n`; set it to a repository name without its owner (letters, digits, `.`, `_` and `-`), e.g. `papyrus`"],
        },
        {
            title: "owner/repository in one field",
            args: { repository: "acme/papyrus" },
            problems: ["`repository` must not contain `/`, got `acme/papyrus`; give the owner in `owner` and the repository name in `repository`"],
        },
        {
            title: "an owner GitHub would not allow",
            args: { owner: "-acme" },
            problems: ["`owner` is not a GitHub user or organisation name (letters, digits and single `-`), e.g. `acme`, got `-acme`"],
        },
        {
            title: "`..` as the repository",
            args: { repository: ".." },
            problems: ["`repository` must be a repository name, got `..`"],
        },
        {
            title: "a non-string owner",
            args: { owner: 42 as unknown as string },
            problems: ["`owner` must be a string, got a value of type number"],
        },
        {
            title: "a branch that is only a wildcard",
            args: { branches: ["*"] },
            input: "deploy",
            problems: ["`deploy.branches[0]` is `*`, which trusts every branch, including ones anyone with write access can create; name the branch (e.g. `master`)"],
        },
        {
            title: "a tag that is only wildcards",
            args: { tags: ["**"] },
            problems: ["`tags[0]` is `**`, which trusts every tag, including ones anyone with write access can create; name the tag (e.g. `v*.*.*`)"],
        },
        {
            title: "an empty branch",
            args: { branches: ["master", ""] },
            problems: ["`branches[1]` is empty; give a branch name such as `master`, or remove it"],
        },
        {
            title: "a branch given as a ref",
            args: { branches: ["refs/heads/master"] },
            problems: ["`branches[0]` must be a branch name, not a ref: write `master`, not `refs/heads/master`"],
        },
        {
            title: "a `:` in a tag",
            args: { tags: ["v1:evil"] },
            problems: ["`tags[0]` must not contain `:` or whitespace, got `v1:evil`; git tag names cannot contain them"],
        },
        {
            title: "a pattern as an environment",
            args: { environments: ["prod*"] },
            input: "deploy",
            problems: ["`deploy.environments[0]` must be an exact environment name, got `prod*`: a pattern could match an environment without protection rules"],
        },
        {
            title: "an empty environment",
            args: { environments: [""] },
            problems: ["`environments[0]` is empty; give a GitHub environment name such as `prod`, or remove it"],
        },
        {
            title: "a string instead of a list",
            args: { branches: "master" as unknown as string[] },
            problems: ["`branches` must be a list of strings, got a value of type string"],
        },
        {
            title: "nothing at all to trust",
            args: { branches: [], tags: [], environments: [] },
            input: "push",
            problems: ["`push.branches`, `push.tags` and `push.environments` are all empty: no workflow could assume the role; list at least one branch, tag or environment"],
        },
        {
            title: "several problems at once, all reported",
            args: { owner: "*", branches: ["*"], environments: ["prod?"] },
            problems: [
                "`owner` must be exact, got `*`: a wildcard would trust other repositories too (`repo:acme/api*` also matches `repo:acme/api-evil`); name it exactly",
                "`branches[0]` is `*`, which trusts every branch, including ones anyone with write access can create; name the branch (e.g. `master`)",
                "`environments[0]` must be an exact environment name, got `prod?`: a pattern could match an environment without protection rules",
            ],
        },
    ];
    for (const c of bad) {
        it(`refuses ${c.title}`, () => {
            assert.deepStrictEqual(refusal(c.args, c.input), c.problems);
        });
    }

    it("puts one problem in the message as it is, several as a list", () => {
        assert.throws(() => githubSubjects({ owner: "acme*", repository: "papyrus" }), {
            name: "GithubSubjectError",
            message: "`owner` must be exact, got `acme*`: a wildcard would trust other repositories too (`repo:acme/api*` also matches `repo:acme/api-evil`); name it exactly",
        });
        assert.throws(() => githubSubjects({ owner: "", repository: "" }), {
            message: "2 problems with the GitHub OIDC subjects:\n"
                + "- `owner` is empty; set it to a GitHub user or organisation name (letters, digits and single `-`), e.g. `acme`\n"
                + "- `repository` is empty; set it to a repository name without its owner (letters, digits, `.`, `_` and `-`), e.g. `papyrus`",
        });
    });

    it("never builds a subject that a wildcard could stretch to another repository", () => {
        const subjects = githubSubjects({ owner: "acme", repository: "api", branches: ["release/*"], tags: ["v*"] });
        for (const subject of subjects) {
            // Whatever a `*` matches, it comes after `repo:acme/api:` — the `:` ends the repository name.
            const firstWildcard = subject.search(/[*?]/);
            const literalPrefix = firstWildcard === -1 ? subject : subject.slice(0, firstWildcard);
            assert.ok(literalPrefix.startsWith("repo:acme/api:"), `${subject} does not fix the repository before its first wildcard`);
        }
    });
});

describe("githubTrustCondition", () => {
    it("uses StringEquals for both aud and sub when no subject is a pattern", () => {
        assert.deepStrictEqual(githubTrustCondition(["repo:acme/papyrus:environment:prod"]), {
            StringEquals: {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": ["repo:acme/papyrus:environment:prod"],
            },
        });
    });

    it("moves sub to StringLike when a subject is a pattern, and keeps aud in StringEquals", () => {
        const subjects = ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"];
        assert.deepStrictEqual(githubTrustCondition(subjects), {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
            StringLike: { "token.actions.githubusercontent.com:sub": subjects },
        });
    });

    it("refuses to build a condition without a subject", () => {
        assert.throws(() => githubTrustCondition([]), /at least one subject; without one any repository could assume the role/);
    });

    it("serializes each operator and each condition key exactly once", () => {
        for (const subjects of [["repo:acme/papyrus:environment:prod"], ["repo:acme/papyrus:ref:refs/tags/v*"]]) {
            const json = JSON.stringify(githubTrustPolicy(PROVIDER_ARN, subjects));
            for (const key of ["token.actions.githubusercontent.com:aud", "token.actions.githubusercontent.com:sub"]) {
                assert.strictEqual(json.split(`"${key}"`).length - 1, 1, `${key} in ${json}`);
            }
            assert.strictEqual(json.split('"StringEquals"').length - 1, 1, json);
            assert.ok(json.split('"StringLike"').length - 1 <= 1, json);
        }
    });
});

describe("githubTrustPolicy", () => {
    it("trusts the provider, for web identity, with the condition", () => {
        const subjects = ["repo:acme/papyrus:environment:prod"];
        assert.deepStrictEqual(githubTrustPolicy(PROVIDER_ARN, subjects), {
            Version: "2012-10-17",
            Statement: [{
                Sid: "GithubActionsWebIdentity",
                Effect: "Allow",
                Principal: { Federated: PROVIDER_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: githubTrustCondition(subjects),
            }],
        });
    });
});

describe("pushPolicy", () => {
    it("allows login on * and the push actions on the repository only", () => {
        assert.deepStrictEqual(pushPolicy(REPO_ARN).Statement, [
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
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
                    "ecr:DescribeImages",
                ],
                Resource: REPO_ARN,
            },
        ]);
    });
});

describe("deployPolicy", () => {
    it("during bootstrap: registration on * and repository reads, nothing to update or pass", () => {
        const statements = deployPolicy(REPO_ARN).Statement;
        assert.deepStrictEqual(statements.map((s) => [s.Action, s.Resource]), [
            [["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"], "*"],
            [["ecr:DescribeImages", "ecr:BatchGetImage"], REPO_ARN],
            ["ec2:DescribeAvailabilityZones", "*"],
        ]);
        const existingVpc = deployPolicy(REPO_ARN, undefined, { lookUpAvailabilityZones: false }).Statement;
        assert.ok(!existingVpc.some((s) => s.Action === "ec2:DescribeAvailabilityZones"), "no zone look-up with an existing VPC");
    });

    it("grants the S3 state backend's objects under its prefix only, when one is given", () => {
        const bucketArn = "arn:aws:s3:::acme-pulumi-state";
        const bySid = Object.fromEntries(deployPolicy(REPO_ARN, undefined, { stateBucket: { bucketArn, keyPrefix: "papyrus/" } })
            .Statement.map((s) => [s.Sid, s]));
        assert.deepStrictEqual(bySid.ListStateObjects, {
            Sid: "ListStateObjects", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn,
            Condition: { StringLike: { "s3:prefix": ["papyrus/*"] } },
        });
        assert.deepStrictEqual(bySid.ReadWriteState.Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
        assert.strictEqual(bySid.ReadWriteState.Resource, `${bucketArn}/papyrus/*`);
        assert.ok(!("ListStateObjects" in Object.fromEntries(deployPolicy(REPO_ARN).Statement.map((s) => [s.Sid, s]))));
    });

    it("with a service: UpdateService on it, PassRole on its two roles to ECS tasks only, tagging on its family at registration", () => {
        const bySid = Object.fromEntries(deployPolicy(REPO_ARN, TARGET).Statement.map((s) => [s.Sid, s]));
        assert.deepStrictEqual(Object.keys(bySid), [
            "RegisterTaskDefinitions", "ReadRepository", "LookUpAvailabilityZones", "TagTaskDefinitionsOnRegister", "UpdateService", "PassTaskRolesToEcs",
        ]);
        assert.deepStrictEqual(bySid.UpdateService.Action, ["ecs:UpdateService", "ecs:DescribeServices"]);
        assert.strictEqual(bySid.UpdateService.Resource, TARGET.serviceArn);
        assert.deepStrictEqual(bySid.PassTaskRolesToEcs, {
            Sid: "PassTaskRolesToEcs",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: [TARGET.taskRoleArn, TARGET.executionRoleArn],
            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        });
        assert.strictEqual(bySid.TagTaskDefinitionsOnRegister.Resource, "arn:aws:ecs:eu-west-1:123456789012:task-definition/papyrus-dev:*");
        assert.deepStrictEqual(bySid.TagTaskDefinitionsOnRegister.Condition, { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } });
    });
});

describe("taskDefinitionFamilyArn", () => {
    it("names every revision of the family in the service's partition, region and account", () => {
        assert.strictEqual(
            taskDefinitionFamilyArn("arn:aws-cn:ecs:cn-north-1:123456789012:service/shared/papyrus-service", "papyrus_prod-2"),
            "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/papyrus_prod-2:*",
        );
    });

    it("refuses anything but a service ARN, and a family with a wildcard", () => {
        assert.throws(() => taskDefinitionFamilyArn("papyrus-service", "papyrus-dev"), {
            message: "`serviceArn` must be an ECS service ARN (`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`), got `papyrus-service`",
        });
        assert.throws(() => taskDefinitionFamilyArn(TARGET.serviceArn, "papyrus-*"), {
            message: "`taskDefinitionFamily` must be 1-255 letters, digits, `-` or `_`, got `papyrus-*`",
        });
    });
});

describe("one subject rule for the component and the policy pack", () => {
    it("the policy pack's `githubSubjectProblem` is the component's", async () => {
        const rules = await import("../policy/rules");
        const shared = await import("../components/githubSubject");
        assert.strictEqual(rules.githubSubjectProblem, shared.githubSubjectProblem);
        assert.strictEqual(shared.githubSubjectProblem("repo:acme/api*:ref:refs/heads/master"),
            "the repository name has a wildcard or is missing, so it trusts every matching repository, including ones created later");
    });
});
