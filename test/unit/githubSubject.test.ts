// The one subject rule (components/githubSubject.ts): subjects it accepts,
// subjects it refuses with their exact messages, and the proof that the policy
// pack and the component refuse the same subjects with the same words.
// (See test/unit/githubIdentitySettings.test.ts's header for breaking a rule on purpose.)
import * as assert from "assert";
import { GithubSettingsError, resolveGithubSettings } from "../../components/githubIdentitySettings";
import { GITHUB_OIDC_URL, checkGithubSubjectParts, formatGithubSubject, githubIssuer, githubSubjectProblem } from "../../components/githubSubject";
import { githubTrustProblems } from "../../policy/rules";

const SUB = "token.actions.githubusercontent.com:sub";
const AUD = "token.actions.githubusercontent.com:aud";
const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

describe("githubSubjectProblem", () => {
    const accepted = [
        "repo:acme/papyrus:ref:refs/heads/master",
        "repo:acme/papyrus:ref:refs/heads/release/*",
        "repo:acme/papyrus:ref:refs/tags/v*.*.*",
        "repo:acme/papyrus:environment:prod",
        "repo:acme/papyrus:environment:Production EU",
        "repo:Acme-Corp/papyrus.api_v2:ref:refs/heads/master",
        // GitHub's immutable form, with the owner's and the repository's numbers.
        "repo:acme@12345/papyrus@67890:environment:prod",
        "repo:acme/papyrus:environment:prod:repository_id:892745123",
        "repo:acme/papyrus:ref:refs/heads/master:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@refs/heads/master",
        "repo:acme/papyrus:environment:prod:repository_id:1:job_workflow_ref:acme/shared/.github/workflows/deploy.yaml@*",
        // A repository name may start with a dot (an organisation's `.github`). kills: the `.`/`..` lookahead losing its `$`
        "repo:acme/.github:environment:prod",
    ];
    for (const subject of accepted) {
        it(`accepts ${subject}`, () => assert.strictEqual(githubSubjectProblem(subject), undefined));
    }

    const refused: [unknown, string][] = [
        // A full ref as the tag: the suggestion fixes the workflow's `@ref` with it, and leaves a workflow
        // pinned to another ref alone. kills: suggesting `@refs/tags/refs/tags/v1`, which no run has either
        [
            "repo:o/r:ref:refs/tags/refs/tags/v1:job_workflow_ref:o/r/.github/workflows/d.yml@refs/tags/refs/tags/v1",
            "its tag `refs/tags/v1` is a full ref, so the subject names `refs/tags/refs/tags/v1`, which no run has; give the tag name alone; e.g. `repo:o/r:ref:refs/tags/v1:job_workflow_ref:o/r/.github/workflows/d.yml@refs/tags/v1`",
        ],
        [
            "repo:o/r:ref:refs/heads/refs/heads/main:job_workflow_ref:o/shared/.github/workflows/d.yml@refs/heads/stable",
            "its branch `refs/heads/main` is a full ref, so the subject names `refs/heads/refs/heads/main`, which no run has; give the branch name alone; e.g. `repo:o/r:ref:refs/heads/main:job_workflow_ref:o/shared/.github/workflows/d.yml@refs/heads/stable`",
        ],
        // The three the pack used to pass although the component refused them.
        [
            "repo:o/r:*",
            "its context `*` is a pattern over every branch, tag, environment and pull request of o/r, so anyone who can push a branch there gets the role; name a branch, tag or environment; e.g. `repo:o/r:ref:refs/heads/master`",
        ],
        [
            "repo:o/r:ref:refs/heads/*",
            "its branch pattern `*` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:o/r:ref:refs/heads/master`",
        ],
        [
            "repo:o/r:pull_request",
            "its context `pull_request` is given to runs for any pull request from a branch of o/r, with that branch's workflow code, so anyone who can push a branch gets the role; trust a protected branch, tag or environment instead; e.g. `repo:o/r:ref:refs/heads/master`",
        ],
        [
            "repo:*",
            "its owner `*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:OWNER/REPO:ref:refs/heads/master`",
        ],
        [
            "repo:acme*/papyrus:ref:refs/heads/master",
            "its owner `acme*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:acme/*",
            "its repository `*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/REPO:ref:refs/heads/master`",
        ],
        [
            "repo:acme/api*",
            "its repository `api*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/api:ref:refs/heads/master`",
        ],
        [
            "repo:acme/ap?:ref:refs/heads/master",
            "its repository `ap?` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/ap:ref:refs/heads/master`",
        ],
        [
            "repo:acme:ref:refs/heads/master",
            "it names no repository after `acme`, so it would trust every repository of that owner, including ones created later; e.g. `repo:acme/REPO:ref:refs/heads/master`",
        ],
        [
            "repo:acme/papyrus",
            "it has nothing after the repository, so it matches no token: GitHub always adds the context (`:ref:refs/heads/<branch>`, `:ref:refs/tags/<tag>` or `:environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:-acme/papyrus:ref:refs/heads/master",
            "its owner `-acme` is not a GitHub user or organisation name (letters, digits and single `-`); e.g. `repo:OWNER/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:acme/pap yrus:ref:refs/heads/master",
            "its repository `pap yrus` is not a GitHub repository name (letters, digits, `.`, `_` and `-`); e.g. `repo:acme/REPO:ref:refs/heads/master`",
        ],
        [
            "repo:acme/papyrus:ref:*",
            "its context `ref:*` is a pattern over every branch, tag, environment and pull request of acme/papyrus, so anyone who can push a branch there gets the role; name a branch, tag or environment; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:acme/papyrus:ref:refs/*/master",
            "its context `ref:refs/*/master` is a pattern over every branch, tag, environment and pull request of acme/papyrus, so anyone who can push a branch there gets the role; name a branch, tag or environment; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:acme/papyrus:ref:refs/pull/1/merge",
            "its context `ref:refs/pull/1/merge` is none GitHub sends for a trusted run (`ref:refs/heads/<branch>`, `ref:refs/tags/<tag>` or `environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:acme/papyrus:ref:refs/heads/*/*",
            "its branch pattern `*/*` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        [
            "repo:acme/papyrus:ref:refs/tags/*",
            "its tag pattern `*` starts with a wildcard, so it trusts every tag anyone with write access can create; name the tag, or a pattern with a fixed start such as `v*.*.*`; e.g. `repo:acme/papyrus:ref:refs/tags/v*.*.*`",
        ],
        ["repo:acme/papyrus:ref:refs/heads/", "it names no branch after `ref:refs/heads/`; e.g. `repo:acme/papyrus:ref:refs/heads/master`"],
        ["repo:acme/papyrus:environment:", "it names no environment after `environment:`; e.g. `repo:acme/papyrus:environment:prod`"],
        [
            "repo:acme/papyrus:environment:prod*",
            "its environment `prod*` is a pattern, which could match an environment without protection rules; name the environment exactly; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        [
            "repo:acme/papyrus:environment:prod:actor:bob",
            "its claim `actor` after the context is not one this rule can check (`repository_id`, `job_workflow_ref`); e.g. `repo:acme/papyrus:environment:prod`",
        ],
        [
            "repo:acme/papyrus:environment:prod:repository_id:*",
            "its `repository_id` `*` is not a repository number (`gh api repos/OWNER/REPO --jq .id`), and a pattern there would trust a re-created repository; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        [
            "repo:acme/papyrus:environment:prod:repository_id:1:repository_id:2",
            "it has the claim `repository_id` twice, and GitHub writes each claim once; e.g. `repo:acme/papyrus:environment:prod:repository_id:1`",
        ],
        ["repo:acme/papyrus:environment:prod:job_workflow_ref", "its claim `job_workflow_ref` has no value; e.g. `repo:acme/papyrus:environment:prod`"],
        [
            "repo:acme/papyrus:environment:prod:job_workflow_ref:acme/*/.github/workflows/deploy.yml@refs/heads/master",
            "its `job_workflow_ref` `acme/*/.github/workflows/deploy.yml@refs/heads/master` does not name one workflow file (`OWNER/REPO/.github/workflows/<file>.yml@<ref>`, a wildcard only after `@`); e.g. `repo:acme/papyrus:environment:prod`",
        ],
        [
            "repo:acme/papyrus:ref:refs/heads/${aws:username}",
            "it contains `${`, which IAM reads as the start of a policy variable, so the role would be matched against other text than the one written; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: the owner pattern's `$` dropped
        [
            "repo:acme-/papyrus:ref:refs/heads/master",
            "its owner `acme-` is not a GitHub user or organisation name (letters, digits and single `-`); e.g. `repo:OWNER/papyrus:ref:refs/heads/master`",
        ],
        // kills: the `.`/`..` lookahead matching `..` only
        [
            "repo:acme/.:ref:refs/heads/master",
            "its repository `.` is not a GitHub repository name (letters, digits, `.`, `_` and `-`); e.g. `repo:acme/REPO:ref:refs/heads/master`",
        ],
        // kills: the immutable-form pattern's `$` dropped (`12x` would pass as an id)
        [
            "repo:acme@12x/papyrus:environment:prod",
            "its owner `acme@12x` is not a GitHub user or organisation name (letters, digits and single `-`); e.g. `repo:OWNER/papyrus:environment:prod`",
        ],
        // kills: an empty context after a trailing `:` read as a context
        [
            "repo:acme/papyrus:",
            "it has nothing after the repository, so it matches no token: GitHub always adds the context (`:ref:refs/heads/<branch>`, `:ref:refs/tags/<tag>` or `:environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: `tokens.length === 1` dropped (an empty first token with more after it is not missing)
        [
            "repo:acme/papyrus::prod",
            "its context `:prod` is none GitHub sends for a trusted run (`ref:refs/heads/<branch>`, `ref:refs/tags/<tag>` or `environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: `second !== undefined` dropped or `&&` turned into `||` for refs
        [
            "repo:acme/papyrus:ref",
            "its context `ref` is none GitHub sends for a trusted run (`ref:refs/heads/<branch>`, `ref:refs/tags/<tag>` or `environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: `first === "ref"` dropped for branches
        [
            "repo:acme/papyrus:branch:refs/heads/main",
            "its context `branch:refs/heads/main` is none GitHub sends for a trusted run (`ref:refs/heads/<branch>`, `ref:refs/tags/<tag>` or `environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: `first === "ref"` dropped for tags
        [
            "repo:acme/papyrus:tag:refs/tags/v1",
            "its context `tag:refs/tags/v1` is none GitHub sends for a trusted run (`ref:refs/heads/<branch>`, `ref:refs/tags/<tag>` or `environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: `second !== undefined` dropped for environments
        [
            "repo:acme/papyrus:environment",
            "its context `environment` is none GitHub sends for a trusted run (`ref:refs/heads/<branch>`, `ref:refs/tags/<tag>` or `environment:<name>`); e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: the empty-owner check dropped or its message emptied
        ["repo:/papyrus:ref:refs/heads/master", "it names no owner (`repo:OWNER/REPO:\u2026`); e.g. `repo:OWNER/papyrus:ref:refs/heads/master`"],
        // kills: the empty-repository check dropped or its message emptied
        ["repo:acme/:ref:refs/heads/master", "it names no repository after `acme/`; e.g. `repo:acme/REPO:ref:refs/heads/master`"],
        // kills: the surrounding-whitespace check dropped, and the suggestion not trimmed
        [
            "repo:acme/papyrus:environment: prod",
            "its environment ` prod` has control characters or surrounding whitespace, which GitHub does not allow in an environment name; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the control-character check dropped (`||` turned into `&&`)
        [
            "repo:acme/papyrus:environment:pr\u0007od",
            "its environment `pr\\u0007od` has control characters or surrounding whitespace, which GitHub does not allow in an environment name; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the suggestion always `prod` instead of the name without its wildcards
        [
            "repo:acme/papyrus:environment:staging*",
            "its environment `staging*` is a pattern, which could match an environment without protection rules; name the environment exactly; e.g. `repo:acme/papyrus:environment:staging`",
        ],
        // kills: an empty claim value checked as a value
        ["repo:acme/papyrus:environment:prod:repository_id:", "its claim `repository_id` has no value; e.g. `repo:acme/papyrus:environment:prod`"],
        // kills: the repository id pattern's `$` dropped
        [
            "repo:acme/papyrus:environment:prod:repository_id:12x",
            "its `repository_id` `12x` is not a repository number (`gh api repos/OWNER/REPO --jq .id`), and a pattern there would trust a re-created repository; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the repository id pattern's `^` dropped
        [
            "repo:acme/papyrus:environment:prod:repository_id:x12",
            "its `repository_id` `x12` is not a repository number (`gh api repos/OWNER/REPO --jq .id`), and a pattern there would trust a re-created repository; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the workflow ref pattern's `^` dropped (another repository's path ending in this one's)
        [
            "repo:acme/papyrus:environment:prod:job_workflow_ref:evil/acme/papyrus/.github/workflows/deploy.yml@main",
            "its `job_workflow_ref` `evil/acme/papyrus/.github/workflows/deploy.yml@main` does not name one workflow file (`OWNER/REPO/.github/workflows/<file>.yml@<ref>`, a wildcard only after `@`); e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the workflow ref pattern's `$` dropped (`.` stops at a line break)
        [
            "repo:acme/papyrus:environment:prod:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@main\nx",
            // The line break shown escaped: a message never hides a control character.
            "its `job_workflow_ref` `acme/papyrus/.github/workflows/deploy.yml@main\\nx` does not name one workflow file (`OWNER/REPO/.github/workflows/<file>.yml@<ref>`, a wildcard only after `@`); e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the owner and repository check of the workflow ref dropped or weakened to `&&`
        [
            "repo:acme/papyrus:environment:prod:job_workflow_ref:-acme/papyrus/.github/workflows/deploy.yml@main",
            "its `job_workflow_ref` `-acme/papyrus/.github/workflows/deploy.yml@main` does not start with a GitHub owner and repository; e.g. `repo:acme/papyrus:environment:prod`",
        ],
        // kills: the suggestion for a subject without `repo:` built from its parts
        ["acme/papyrus:ref:refs/heads/main", "it does not start with `repo:`, so it names no repository; e.g. `repo:OWNER/REPO:ref:refs/heads/master`"],
        // kills: the suggestion rebuilding a valid owner (it would drop the `@123`)
        [
            "repo:acme@123/api*:environment:prod",
            "its repository `api*` has a wildcard, so it trusts other repositories of `acme@123` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme@123/api:environment:prod`",
        ],
        // kills: claims after `pull_request` kept in the suggestion
        [
            "repo:acme/papyrus:pull_request:repository_id:123",
            "its context `pull_request` is given to runs for any pull request from a branch of acme/papyrus, with that branch's workflow code, so anyone who can push a branch gets the role; trust a protected branch, tag or environment instead; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
        // kills: valid claims dropped from the suggestion (value read at `i - 1`, each claim checked by the other's rule)
        [
            "repo:acme/api*:environment:prod:repository_id:123:job_workflow_ref:acme/api/.github/workflows/deploy.yml@*",
            "its repository `api*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/api:environment:prod:repository_id:123:job_workflow_ref:acme/api/.github/workflows/deploy.yml@*`",
        ],
        // kills: an unknown claim kept in the suggestion when its value would pass as a workflow ref
        [
            "repo:acme/papyrus:environment:prod:workflow:acme/papyrus/.github/workflows/deploy.yml@main",
            "its claim `workflow` after the context is not one this rule can check (`repository_id`, `job_workflow_ref`); e.g. `repo:acme/papyrus:environment:prod`",
        ],
        ["*", "it does not start with `repo:`, so it names no repository; e.g. `repo:OWNER/REPO:ref:refs/heads/master`"],
        ["repository_owner:acme", "it does not start with `repo:`, so it names no repository; e.g. `repo:OWNER/REPO:ref:refs/heads/master`"],
        [42, "expected a string, got a value of type number"],
        [null, "expected a string, got a value of type null"],
    ];
    for (const [subject, problem] of refused) {
        it(`refuses ${String(subject)}`, () => assert.strictEqual(githubSubjectProblem(subject), problem));
    }

    it("suggests, in every refusal, a subject it accepts", () => {
        for (const [subject, problem] of refused) {
            const suggestion = /e\.g\. `([^`]+)`$/.exec(problem)?.[1];
            if (typeof subject !== "string") continue;
            assert.ok(suggestion !== undefined, problem);
            assert.strictEqual(githubSubjectProblem(suggestion), undefined, `${subject} → ${suggestion}`);
        }
    });

    it("reports every part's problem for the component, the first for the pack", () => {
        assert.deepStrictEqual(
            checkGithubSubjectParts("repo:acme*/papyrus:ref:refs/heads/*").map((p) => p.part),
            ["owner", "context"],
        );
        assert.strictEqual(
            githubSubjectProblem("repo:acme*/papyrus:ref:refs/heads/*"),
            checkGithubSubjectParts("repo:acme*/papyrus:ref:refs/heads/*")[0].message,
        );
    });

    it("reports no context problem for a subject without a repository: what follows the owner is not a context", () => {
        // kills: the context checked without a repository
        assert.deepStrictEqual(checkGithubSubjectParts("repo:acme"), [
            {
                part: "repository",
                message:
                    "it names no repository after `acme`, so it would trust every repository of that owner, including ones created later; e.g. `repo:acme/REPO:ref:refs/heads/master`",
            },
        ]);
    });

    it("keeps a repeated claim once in the suggestion", () => {
        // kills: `seen.has(key)` made false (the suggestion would repeat the claim, which GitHub writes once)
        assert.deepStrictEqual(checkGithubSubjectParts("repo:acme*/papyrus:ref:refs/heads/main:repository_id:123:repository_id:456"), [
            {
                part: "owner",
                message:
                    "its owner `acme*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:acme/papyrus:ref:refs/heads/main:repository_id:123`",
            },
            {
                part: "repository_id",
                message:
                    "it has the claim `repository_id` twice, and GitHub writes each claim once; e.g. `repo:acme/papyrus:ref:refs/heads/main:repository_id:123`",
            },
        ]);
    });

    it("reads an owner's immutable id only at the end of the whole owner, not after a line break", () => {
        // kills: the `^` of the `name@id` pattern dropped (`me@123` after the line break would pass as the owner `me`);
        // the owner is shown with the line break escaped
        assert.deepStrictEqual(checkGithubSubjectParts("repo:ac\nme@123/papyrus:ref:refs/heads/main"), [
            {
                part: "owner",
                message:
                    "its owner `ac\\nme@123` is not a GitHub user or organisation name (letters, digits and single `-`); e.g. `repo:OWNER/papyrus:ref:refs/heads/main`",
            },
        ]);
    });

    it("names the provider's URL as the issuer whose host prefixes the condition keys", () => {
        // IAM's condition keys are the provider URL without `https://`. kills: GITHUB_OIDC_URL emptied
        assert.strictEqual(GITHUB_OIDC_URL, `https://${githubIssuer()}`);
    });

    it("formats subjects as GitHub writes them, claims in the template's order", () => {
        assert.strictEqual(
            formatGithubSubject({ owner: "acme", repository: "papyrus", context: { kind: "tag", name: "v1" } }),
            "repo:acme/papyrus:ref:refs/tags/v1",
        );
        assert.strictEqual(
            formatGithubSubject({
                owner: "acme",
                repository: "papyrus",
                context: { kind: "environment", name: "prod" },
                repositoryId: "9",
                jobWorkflowRef: "acme/papyrus/.github/workflows/deploy.yml@*",
            }),
            "repo:acme/papyrus:environment:prod:repository_id:9:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@*",
        );
        assert.strictEqual(githubIssuer(), "token.actions.githubusercontent.com");
        assert.strictEqual(githubIssuer("acme-corp"), "token.actions.githubusercontent.com/acme-corp");
    });
});

describe("one subject rule for the component and the policy pack", () => {
    // Configs the component refuses because of a subject; the pack, given a role trusting that subject,
    // refuses it with the same words (after its own location prefix).
    const configs: Record<string, unknown>[] = [
        { owner: "acme*", repository: "papyrus" },
        { owner: "acme", repository: "papyrus*" },
        { owner: "acme", repository: "papyrus", deploy: { branches: ["*"] } },
        { owner: "acme", repository: "papyrus", push: { tags: ["*"] } },
        { owner: "acme", repository: "papyrus", deploy: { branches: ["refs/heads/*"] } },
        { owner: "acme", repository: "papyrus", deploy: { environments: ["prod*"] } },
        { owner: "acme", repository: "papyrus", push: { branches: ["${x}"] } },
        { owner: "acme", repository: "papyrus", push: { branches: ["a b"] } },
    ];
    for (const config of configs) {
        it(`refuses ${JSON.stringify(config)} in both, with the same message`, () => {
            let message = "";
            assert.throws(
                () => resolveGithubSettings(config, "papyrus:github"),
                (err: unknown) => {
                    assert.ok(err instanceof GithubSettingsError);
                    message = err.problems[0];
                    return true;
                },
            );
            const match = /^`[^`]+`: subject `([^`]+)`: (.*)$/s.exec(message);
            assert.ok(match !== null, message);
            const [, subject, rule] = match;
            const trust = JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: PROVIDER_ARN },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: [subject] } },
                    },
                ],
            });
            assert.deepStrictEqual(githubTrustProblems({ assumeRolePolicy: trust }), [`\`Statement[0]\`: \`${SUB}\` value \`${subject}\`: ${rule}`]);
        });
    }

    it("the pack's `githubSubjectProblem` is the component's", async () => {
        const rules = await import("../../policy/rules");
        assert.strictEqual(rules.githubSubjectProblem, githubSubjectProblem);
    });
});
