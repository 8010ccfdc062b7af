// `papyrus:github` as a user writes it: every refused config with its exact
// message, every accepted one with the exact subjects and trust condition it
// yields (written out here, never built with the code under test).
//
// A broken rule makes these fail. To see it, weaken the branch rule in
// components/githubSubject.ts, `refNameProblem`:
//     if (/^[*?]/.test(name)) {            →   if (name === "*") {
// and run `npx mocha test/unit/githubIdentitySettings.test.ts test/unit/githubSubject.test.ts test/policy/policyRules.test.ts`:
// 5 of 173 fail (checked): here the `**`, `*/*` and `?*` configs are accepted, with subjects that trust
// every branch or tag; in unit/githubSubject.test.ts `…:ref:refs/heads/*/*` passes the rule; in
// policy/policyRules.test.ts the pack's trust rule passes a role trusting `…:ref:refs/tags/?*`. Put the line back.
import * as assert from "assert";
import { GithubSettingsError, parseGithubConfigValue, resolveGithubSettings } from "../../components/githubIdentitySettings";
import { githubTrustPolicy } from "../../components/githubRolePolicies";
import { githubSubjectProblem } from "../../components/githubSubject";

const AUD = "token.actions.githubusercontent.com:aud";
const SUB = "token.actions.githubusercontent.com:sub";
const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const BASE = { owner: "acme", repository: "papyrus" };

/** The subjects the defaults (`master` and `v*.*.*` tags) yield for acme/papyrus. */
const DEFAULT_SUBJECTS = ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"];
const DEFAULT_CONDITION = {
    StringEquals: { [AUD]: "sts.amazonaws.com" },
    StringLike: { [SUB]: ["repo:acme/papyrus:ref:refs/heads/master", "repo:acme/papyrus:ref:refs/tags/v*.*.*"] },
};

function problemsOf(config: unknown): string[] {
    try {
        resolveGithubSettings(config, "papyrus:github");
    } catch (err) {
        assert.ok(err instanceof GithubSettingsError, `expected GithubSettingsError, got ${String(err)}`);
        return [...err.problems];
    }
    return assert.fail("expected the config to be refused");
}

interface Refused {
    readonly title: string;
    readonly config: unknown;
    readonly problems: string[];
}

const refused: Refused[] = [
    // The shapes that used to fall back to the defaults without a word.
    {
        title: "`deploy: [prod]`: a list where an object goes",
        config: { ...BASE, deploy: ["prod"] },
        problems: [
            '`papyrus:github.deploy`: must be an object with `branches`, `tags` and/or `environments`, got a list (`["prod"]`); to trust the environment `prod`, write `{ environments: [prod] }`',
        ],
    },
    {
        title: "the typo `environment:`",
        config: { ...BASE, deploy: { environment: ["prod"] } },
        problems: ["`papyrus:github.deploy.environment`: unknown key, did you mean `environments`?"],
    },
    {
        title: "an empty `deploy:` that YAML reads as null",
        config: { ...BASE, deploy: null },
        problems: [
            "`papyrus:github.deploy`: is empty (YAML reads a key with nothing after it as null); list `branches`, `tags` or `environments`, or remove `deploy` to trust the defaults (`master` and `v*.*.*` tags)",
        ],
    },
    {
        title: "`deploy: {}`, which would trust nothing",
        config: { ...BASE, deploy: {} },
        problems: [
            "`papyrus:github.deploy`: is an empty object, which would trust no run; list `branches`, `tags` or `environments`, or remove `deploy` to trust the defaults (`master` and `v*.*.*` tags)",
        ],
    },
    {
        title: "every list given and empty",
        config: { ...BASE, push: { branches: [], tags: [], environments: [] } },
        problems: [
            "`papyrus:github.push`: `branches`, `tags` and `environments` are all empty, so no run could assume the role; list at least one branch, tag or environment",
        ],
    },
    {
        title: "two empty lists and the third absent",
        config: { ...BASE, deploy: { branches: [], tags: [] } },
        problems: [
            "`papyrus:github.deploy`: `branches` and `tags` are empty and the others absent, so no run could assume the role; list at least one branch, tag or environment",
        ],
    },
    {
        title: "one empty list and the others absent (they are empty too)",
        config: { ...BASE, deploy: { environments: [] } },
        problems: [
            "`papyrus:github.deploy`: `environments` is empty and the others absent, so no run could assume the role; list at least one branch, tag or environment",
        ],
    },
    {
        title: "`deploy: prod`: a string where an object goes",
        config: { ...BASE, deploy: "prod" },
        problems: ["`papyrus:github.deploy`: must be an object with `branches`, `tags` and/or `environments`, got the string `prod`"],
    },
    {
        title: "`push: true`",
        config: { ...BASE, push: true },
        problems: ["`papyrus:github.push`: must be an object with `branches`, `tags` and/or `environments`, got `true`"],
    },
    {
        title: "`environments: prod`: a string where a list goes",
        config: { ...BASE, deploy: { environments: "prod" } },
        problems: ["`papyrus:github.deploy.environments`: must be a list of strings, got the string `prod`; write `[prod]`"],
    },
    {
        title: "`tags:` left empty (null)",
        config: { ...BASE, push: { branches: ["master"], tags: null } },
        problems: [
            "`papyrus:github.push.tags`: is empty (YAML reads a key with nothing after it as null); give a list such as `[v*.*.*]`, `[]` for none, or remove the key",
        ],
    },
    {
        title: "an unquoted YAML number as a tag",
        config: { ...BASE, push: { tags: [1.5] } },
        problems: ["`papyrus:github.push.tags[0]`: must be a tag name or pattern, got the number `1.5`; quote it in the YAML"],
    },
    {
        title: "a null list entry",
        config: { ...BASE, deploy: { environments: [null] } },
        problems: ["`papyrus:github.deploy.environments[0]`: must be a GitHub environment name, got null"],
    },
    {
        title: "an empty environment name",
        config: { ...BASE, deploy: { environments: ["prod", ""] } },
        problems: ["`papyrus:github.deploy.environments[1]`: is empty; give a GitHub environment name such as `prod`, or remove the entry"],
    },
    {
        title: "a `:` in a branch (GitHub writes it as %3A, so nothing would match)",
        config: { ...BASE, push: { branches: ["release:1"] } },
        problems: [
            "`papyrus:github.push.branches[0]`: must not contain `:` (GitHub writes it as `%3A` in the subject, so the role would never match), got `release:1`",
        ],
    },
    {
        title: "an unknown key with no near miss, listing the keys",
        config: { ...BASE, org: "acme" },
        problems: ["`papyrus:github.org`: unknown key; the keys are `owner`, `repository`, `enterprise`, `subjectClaims`, `push`, `deploy`"],
    },
    {
        title: "`repo:` meant as `repository`",
        config: { owner: "acme", repo: "papyrus" },
        problems: [
            "`papyrus:github.repo`: unknown key, did you mean `repository`?",
            "`papyrus:github.repository`: missing; set it to the repository name without its owner, e.g. `papyrus`",
        ],
    },
    {
        title: "`Deploy` with a capital letter",
        config: { ...BASE, Deploy: { environments: ["prod"] } },
        problems: ["`papyrus:github.Deploy`: unknown key, did you mean `deploy`?"],
    },
    {
        title: "`branch` for `branches`",
        config: { ...BASE, push: { branch: ["master"] } },
        problems: ["`papyrus:github.push.branch`: unknown key, did you mean `branches`?"],
    },
    {
        title: "a missing owner",
        config: { repository: "papyrus" },
        problems: ["`papyrus:github.owner`: missing; set it to the GitHub user or organisation that owns the repository, e.g. `acme`"],
    },
    {
        title: "an empty owner",
        config: { ...BASE, owner: "" },
        problems: ["`papyrus:github.owner`: is empty; set it to the GitHub user or organisation that owns the repository, e.g. `acme`"],
    },
    {
        title: "a number as the repository",
        config: { ...BASE, repository: 42 },
        problems: ["`papyrus:github.repository`: must be the repository name without its owner, e.g. `papyrus`, got the number `42`"],
    },
    {
        title: "owner/repository in one field",
        config: { ...BASE, repository: "acme/papyrus" },
        problems: ["`papyrus:github.repository`: must not contain `/`, got `acme/papyrus`; give the owner in `owner` and the repository name in `repository`"],
    },
    {
        title: "a `:` in the owner",
        config: { ...BASE, owner: "acme:x" },
        problems: ["`papyrus:github.owner`: must not contain `:`, which separates the parts of a subject, got `acme:x`"],
    },
    {
        title: "the whole value a string (`papyrus:github: acme/papyrus`)",
        config: "acme/papyrus",
        problems: [
            "`papyrus:github`: must be an object with `owner` and `repository`, e.g. `{ owner: acme, repository: papyrus }`, got the string `acme/papyrus`",
        ],
    },
    {
        title: "the whole value a list",
        config: ["acme", "papyrus"],
        problems: [
            '`papyrus:github`: must be an object with `owner` and `repository`, e.g. `{ owner: acme, repository: papyrus }`, got a list (`["acme","papyrus"]`)',
        ],
    },
    {
        title: "the whole value null",
        config: null,
        problems: ["`papyrus:github`: is empty (YAML reads a key with nothing after it as null); set it to `{ owner: <owner>, repository: <name> }`"],
    },
    {
        title: "an enterprise slug that is not one",
        config: { ...BASE, enterprise: "Acme Corp" },
        problems: [
            "`papyrus:github.enterprise`: must be your enterprise's slug (lower-case letters, digits and `-`, as in `https://token.actions.githubusercontent.com/<slug>`), got the string `Acme Corp`",
        ],
    },
    {
        title: "a repository id that is not a number",
        config: { ...BASE, subjectClaims: { repositoryId: "papyrus" } },
        problems: [
            "`papyrus:github.subjectClaims.repositoryId`: must be the repository's number (`gh api repos/<owner>/<repository> --jq .id`), got the string `papyrus`",
        ],
    },
    {
        title: "`jobWorkflowRef: yes` quoted into a string",
        config: { ...BASE, subjectClaims: { jobWorkflowRef: "yes" } },
        problems: ["`papyrus:github.subjectClaims.jobWorkflowRef`: must be `true` or `false`, got the string `yes`"],
    },
    {
        title: "`subjectClaims: {}`",
        config: { ...BASE, subjectClaims: {} },
        problems: [
            "`papyrus:github.subjectClaims`: is an empty object; remove it to use GitHub's default subject, or set `repositoryId` and/or `jobWorkflowRef`",
        ],
    },
    {
        title: "`repositoryID` for `repositoryId`",
        config: { ...BASE, subjectClaims: { repositoryID: 123 } },
        problems: ["`papyrus:github.subjectClaims.repositoryID`: unknown key, did you mean `repositoryId`?"],
    },
    {
        title: "workflows without the `job_workflow_ref` claim",
        config: { ...BASE, deploy: { environments: ["prod"], workflows: ["deploy.yml"] } },
        problems: [
            "`papyrus:github.deploy.workflows`: the subjects name a workflow only when the repository's subject template includes `job_workflow_ref`; set `papyrus:github.subjectClaims.jobWorkflowRef` to `true` (and the template, see docs/COMPONENTS.md), or remove `workflows`",
        ],
    },
    {
        title: "the `job_workflow_ref` claim without workflows, and a role left to the defaults",
        config: { ...BASE, subjectClaims: { jobWorkflowRef: true }, deploy: { environments: ["prod"] } },
        problems: [
            "`papyrus:github.push`: missing; with `papyrus:github.subjectClaims.jobWorkflowRef` every role lists the workflow files that may assume it, e.g. `{ branches: [master], workflows: [ecr-push.yml] }`",
            "`papyrus:github.deploy.workflows`: missing; with `papyrus:github.subjectClaims.jobWorkflowRef` every role lists the workflow files that may assume it, e.g. `[deploy.yml]`",
        ],
    },
    {
        title: "a workflow given as a path",
        config: {
            ...BASE,
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], workflows: [".github/workflows/ecr-push.yml"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml"] },
        },
        problems: [
            "`papyrus:github.push.workflows[0]`: must be a workflow file in `.github/workflows/` such as `deploy.yml` (a file name, no path, pattern or `@ref`), got the string `.github/workflows/ecr-push.yml`",
        ],
    },
    // Values that give a subject the rule refuses: the message is the rule's, after the setting and subject.
    {
        title: "a wildcard owner",
        config: { ...BASE, owner: "acme*" },
        problems: [
            "`papyrus:github.owner`: subject `repo:acme*/papyrus:ref:refs/heads/master`: its owner `acme*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "a repository prefix (would match papyrus-evil)",
        config: { ...BASE, repository: "papyrus*" },
        problems: [
            "`papyrus:github.repository`: subject `repo:acme/papyrus*:ref:refs/heads/master`: its repository `papyrus*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "an owner GitHub would not allow",
        config: { ...BASE, owner: "-acme" },
        problems: [
            "`papyrus:github.owner`: subject `repo:-acme/papyrus:ref:refs/heads/master`: its owner `-acme` is not a GitHub user or organisation name (letters, digits and single `-`); e.g. `repo:OWNER/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "`..` as the repository",
        config: { ...BASE, repository: ".." },
        problems: [
            "`papyrus:github.repository`: subject `repo:acme/..:ref:refs/heads/master`: its repository `..` is not a GitHub repository name (letters, digits, `.`, `_` and `-`); e.g. `repo:acme/REPO:ref:refs/heads/master`",
        ],
    },
    {
        title: "a branch that is only `*`",
        config: { ...BASE, deploy: { branches: ["*"] } },
        problems: [
            "`papyrus:github.deploy.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/*`: its branch pattern `*` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "a branch `**`",
        config: { ...BASE, push: { branches: ["**"] } },
        problems: [
            "`papyrus:github.push.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/**`: its branch pattern `**` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "a branch `*/*` (every branch with a slash)",
        config: { ...BASE, push: { branches: ["*/*"] } },
        problems: [
            "`papyrus:github.push.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/*/*`: its branch pattern `*/*` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "a tag `?*`",
        config: { ...BASE, push: { tags: ["?*"] } },
        problems: [
            "`papyrus:github.push.tags[0]`: subject `repo:acme/papyrus:ref:refs/tags/?*`: its tag pattern `?*` starts with a wildcard, so it trusts every tag anyone with write access can create; name the tag, or a pattern with a fixed start such as `v*.*.*`; e.g. `repo:acme/papyrus:ref:refs/tags/v*.*.*`",
        ],
    },
    {
        title: "a branch given as a ref: the suggestion is the name",
        config: { ...BASE, push: { branches: ["refs/heads/main"] } },
        problems: [
            "`papyrus:github.push.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/refs/heads/main`: its branch `refs/heads/main` is a full ref, so the subject names `refs/heads/refs/heads/main`, which no run has; give the branch name alone; e.g. `repo:acme/papyrus:ref:refs/heads/main`",
        ],
    },
    {
        title: "`refs/heads/*`: the suggestion is not `*` (refused too) but a branch",
        config: { ...BASE, deploy: { branches: ["refs/heads/*"] } },
        problems: [
            "`papyrus:github.deploy.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/refs/heads/*`: its branch `refs/heads/*` is a full ref, so the subject names `refs/heads/refs/heads/*`, which no run has; give the branch name alone; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "a tag given as a ref",
        config: { ...BASE, push: { tags: ["refs/tags/v*"] } },
        problems: [
            "`papyrus:github.push.tags[0]`: subject `repo:acme/papyrus:ref:refs/tags/refs/tags/v*`: its tag `refs/tags/v*` is a full ref, so the subject names `refs/tags/refs/tags/v*`, which no run has; give the tag name alone; e.g. `repo:acme/papyrus:ref:refs/tags/v*`",
        ],
    },
    {
        title: "whitespace in a branch, shown escaped",
        config: { ...BASE, push: { branches: ["master\n"] } },
        problems: [
            "`papyrus:github.push.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/master\n`: its branch `master\\n` has whitespace or control characters, which git does not allow in a branch name; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "a pattern as an environment",
        config: { ...BASE, deploy: { environments: ["prod*"] } },
        problems: [
            "`papyrus:github.deploy.environments[0]`: subject `repo:acme/papyrus:environment:prod*`: its environment `prod*` is a pattern, which could match an environment without protection rules; name the environment exactly; e.g. `repo:acme/papyrus:environment:prod`",
        ],
    },
    {
        title: "`*` as an environment",
        config: { ...BASE, deploy: { environments: ["*"] } },
        problems: [
            "`papyrus:github.deploy.environments[0]`: subject `repo:acme/papyrus:environment:*`: its environment `*` is a pattern, which could match an environment without protection rules; name the environment exactly; e.g. `repo:acme/papyrus:environment:prod`",
        ],
    },
    {
        title: "a policy variable in a branch",
        config: { ...BASE, push: { branches: ["${aws.username}"] } },
        problems: [
            "`papyrus:github.push.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/${aws.username}`: it contains `${`, which IAM reads as the start of a policy variable, so the role would be matched against other text than the one written; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        title: "several problems at once, all reported, the owner once",
        config: { owner: "*", repository: "papyrus", push: { branches: ["*"] }, deploy: { environments: ["prod?"] } },
        problems: [
            "`papyrus:github.owner`: subject `repo:*/papyrus:ref:refs/heads/*`: its owner `*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:OWNER/papyrus:ref:refs/heads/master`",
            "`papyrus:github.push.branches[0]`: subject `repo:*/papyrus:ref:refs/heads/*`: its branch pattern `*` starts with a wildcard, so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; e.g. `repo:OWNER/papyrus:ref:refs/heads/master`",
            "`papyrus:github.deploy.environments[0]`: subject `repo:*/papyrus:environment:prod?`: its environment `prod?` is a pattern, which could match an environment without protection rules; name the environment exactly; e.g. `repo:OWNER/papyrus:environment:prod`",
        ],
    },
    {
        title: "shape problems in several places, all reported",
        config: { owner: "acme", repository: "", push: [], deploy: { environment: "prod", tags: [1] } },
        problems: [
            "`papyrus:github.repository`: is empty; set it to the repository name without its owner, e.g. `papyrus`",
            "`papyrus:github.push`: must be an object with `branches`, `tags` and/or `environments`, got a list (`[]`)",
            "`papyrus:github.deploy.environment`: unknown key, did you mean `environments`?",
            "`papyrus:github.deploy.tags[0]`: must be a tag name or pattern, got the number `1`; quote it in the YAML",
        ],
    },
    {
        // kills: the `deploy.yml` example replaced by `ecr-push.yml` for a missing deploy role
        title: "the `job_workflow_ref` claim and no `deploy`",
        config: { ...BASE, subjectClaims: { jobWorkflowRef: true }, push: { branches: ["master"], workflows: ["ecr-push.yml"] } },
        problems: [
            "`papyrus:github.deploy`: missing; with `papyrus:github.subjectClaims.jobWorkflowRef` every role lists the workflow files that may assume it, e.g. `{ branches: [master], workflows: [deploy.yml] }`",
        ],
    },
    {
        // kills: the check dropped or silenced for every filter (`unknownKeys` always reporting a misspelling)
        title: "a role that lists only workflows",
        config: {
            ...BASE,
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], workflows: ["ecr-push.yml"] },
            deploy: { workflows: ["deploy.yml"] },
        },
        problems: [
            "`papyrus:github.deploy`: lists no `branches`, `tags` or `environments`, so no run could assume the role; defaults apply only when `deploy` is absent",
        ],
    },
    {
        // kills: the `ecr-push.yml` example replaced for the push role's missing workflows
        title: "the `job_workflow_ref` claim and no push workflows",
        config: {
            ...BASE,
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml"] },
        },
        problems: [
            "`papyrus:github.push.workflows`: missing; with `papyrus:github.subjectClaims.jobWorkflowRef` every role lists the workflow files that may assume it, e.g. `[ecr-push.yml]`",
        ],
    },
    {
        // kills: the expected shape of `subjectClaims` emptied
        title: "`subjectClaims: yes`",
        config: { ...BASE, subjectClaims: "yes" },
        problems: ["`papyrus:github.subjectClaims`: must be an object with `repositoryId` and/or `jobWorkflowRef`, got the string `yes`"],
    },
    {
        // kills: the advice for an empty `subjectClaims` emptied
        title: "an empty `subjectClaims:` (null)",
        config: { ...BASE, subjectClaims: null },
        problems: [
            "`papyrus:github.subjectClaims`: is empty (YAML reads a key with nothing after it as null); remove it to use GitHub's default subject, or set `repositoryId` and/or `jobWorkflowRef`",
        ],
    },
    {
        // kills: `id > 0` dropped or turned into `>=`
        title: "a repository id of 0",
        config: { ...BASE, subjectClaims: { repositoryId: 0 } },
        problems: [
            "`papyrus:github.subjectClaims.repositoryId`: must be the repository's number (`gh api repos/<owner>/<repository> --jq .id`), got the number `0`",
        ],
    },
    {
        // kills: the id pattern's `$` dropped
        title: "a repository id with a letter after the digits",
        config: { ...BASE, subjectClaims: { repositoryId: "123x" } },
        problems: [
            "`papyrus:github.subjectClaims.repositoryId`: must be the repository's number (`gh api repos/<owner>/<repository> --jq .id`), got the string `123x`",
        ],
    },
    {
        // kills: the id pattern's `^` dropped
        title: "a repository id with a letter before the digits",
        config: { ...BASE, subjectClaims: { repositoryId: "x123" } },
        problems: [
            "`papyrus:github.subjectClaims.repositoryId`: must be the repository's number (`gh api repos/<owner>/<repository> --jq .id`), got the string `x123`",
        ],
    },
    {
        // kills: the `write [value]` hint given for values that are not strings
        title: "a number where a list goes",
        config: { ...BASE, deploy: { environments: 5 } },
        problems: ["`papyrus:github.deploy.environments`: must be a list of strings, got the number `5`"],
    },
    {
        // kills: the workflow pattern's `$` dropped
        title: "a workflow with its ref",
        config: {
            ...BASE,
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml@refs/heads/master"] },
        },
        problems: [
            "`papyrus:github.deploy.workflows[0]`: must be a workflow file in `.github/workflows/` such as `deploy.yml` (a file name, no path, pattern or `@ref`), got the string `deploy.yml@refs/heads/master`",
        ],
    },
    {
        // One branch, two workflows: the branch's problem shows in both subjects, with a different
        // suggestion each, so both are reported. kills: the report key made the setting alone
        title: "a full ref as a branch, with two workflows",
        config: {
            ...BASE,
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], workflows: ["ecr-push.yml"] },
            deploy: { branches: ["refs/heads/main"], workflows: ["a.yml", "b.yml"] },
        },
        problems: [
            "`papyrus:github.deploy.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/refs/heads/main:job_workflow_ref:acme/papyrus/.github/workflows/a.yml@refs/heads/refs/heads/main`: its branch `refs/heads/main` is a full ref, so the subject names `refs/heads/refs/heads/main`, which no run has; give the branch name alone; e.g. `repo:acme/papyrus:ref:refs/heads/main:job_workflow_ref:acme/papyrus/.github/workflows/a.yml@refs/heads/main`",
            "`papyrus:github.deploy.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/refs/heads/main:job_workflow_ref:acme/papyrus/.github/workflows/b.yml@refs/heads/refs/heads/main`: its branch `refs/heads/main` is a full ref, so the subject names `refs/heads/refs/heads/main`, which no run has; give the branch name alone; e.g. `repo:acme/papyrus:ref:refs/heads/main:job_workflow_ref:acme/papyrus/.github/workflows/b.yml@refs/heads/main`",
        ],
    },
    {
        // kills: the string `null` not read as empty
        title: '`deploy: "null"`, which a YAML-to-JSON step can produce',
        config: { ...BASE, deploy: "null" },
        problems: [
            "`papyrus:github.deploy`: is empty (YAML reads a key with nothing after it as null); list `branches`, `tags` or `environments`, or remove `deploy` to trust the defaults (`master` and `v*.*.*` tags)",
        ],
    },
    {
        // kills: the hint's environment taken from the first entry whatever its type
        title: "a list with a number before the environment",
        config: { ...BASE, deploy: [1, "prod"] },
        problems: [
            '`papyrus:github.deploy`: must be an object with `branches`, `tags` and/or `environments`, got a list (`[1,"prod"]`); to trust the environment `prod`, write `{ environments: [prod] }`',
        ],
    },
    {
        // kills: the workflow claim's problem reported next to the owner's (it is the owner's fault)
        title: "a wildcard owner with the `job_workflow_ref` claim: the owner once, not the workflow",
        config: {
            owner: "acme*",
            repository: "papyrus",
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml"] },
        },
        problems: [
            "`papyrus:github.owner`: subject `repo:acme*/papyrus:ref:refs/heads/master:job_workflow_ref:acme*/papyrus/.github/workflows/ecr-push.yml@refs/heads/master`: its owner `acme*` has a wildcard, so it trusts repositories of other owners too; name the owner exactly; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        // kills: the same for a bad repository (`p.part === "repository"` dropped)
        title: "a wildcard repository with the `job_workflow_ref` claim: the repository once",
        config: {
            owner: "acme",
            repository: "papyrus*",
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml"] },
        },
        problems: [
            "`papyrus:github.repository`: subject `repo:acme/papyrus*:ref:refs/heads/master:job_workflow_ref:acme/papyrus*/.github/workflows/ecr-push.yml@refs/heads/master`: its repository `papyrus*` has a wildcard, so it trusts other repositories of `acme` too, including ones created later (`api*` also matches `api-evil`); name the repository exactly; e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        ],
    },
    {
        // The subject rule takes no `@id` in a workflow ref's owner, so this owner form cannot carry the claim. kills: the workflow's
        // setting path emptied, and one report per workflow entry (not per subject) for its problems
        title: "an owner in GitHub's immutable form with the `job_workflow_ref` claim: each workflow subject refused, at its workflow",
        config: {
            owner: "acme@123",
            repository: "papyrus",
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], tags: ["v*"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml"] },
        },
        problems: [
            "`papyrus:github.push.workflows[0]`: subject `repo:acme@123/papyrus:ref:refs/heads/master:job_workflow_ref:acme@123/papyrus/.github/workflows/ecr-push.yml@refs/heads/master`: its `job_workflow_ref` `acme@123/papyrus/.github/workflows/ecr-push.yml@refs/heads/master` does not name one workflow file (`OWNER/REPO/.github/workflows/<file>.yml@<ref>`, a wildcard only after `@`); e.g. `repo:acme@123/papyrus:ref:refs/heads/master`",
            "`papyrus:github.push.workflows[0]`: subject `repo:acme@123/papyrus:ref:refs/tags/v*:job_workflow_ref:acme@123/papyrus/.github/workflows/ecr-push.yml@refs/tags/v*`: its `job_workflow_ref` `acme@123/papyrus/.github/workflows/ecr-push.yml@refs/tags/v*` does not name one workflow file (`OWNER/REPO/.github/workflows/<file>.yml@<ref>`, a wildcard only after `@`); e.g. `repo:acme@123/papyrus:ref:refs/tags/v*`",
            "`papyrus:github.deploy.workflows[0]`: subject `repo:acme@123/papyrus:environment:prod:job_workflow_ref:acme@123/papyrus/.github/workflows/deploy.yml@*`: its `job_workflow_ref` `acme@123/papyrus/.github/workflows/deploy.yml@*` does not name one workflow file (`OWNER/REPO/.github/workflows/<file>.yml@<ref>`, a wildcard only after `@`); e.g. `repo:acme@123/papyrus:environment:prod`",
        ],
    },
    {
        // kills: objects described as a value of type object
        title: "an object where a list goes",
        config: { ...BASE, deploy: { environments: { prod: true } } },
        problems: ['`papyrus:github.deploy.environments`: must be a list of strings, got an object (`{"prod":true}`)'],
    },
    {
        // The component's arguments can hold it. kills: every other type described as a boolean
        title: "an undefined list entry (component arguments)",
        config: { ...BASE, deploy: { environments: [undefined] } },
        problems: ["`papyrus:github.deploy.environments[0]`: must be a GitHub environment name, got a value of type undefined"],
    },
    {
        // kills: the slug pattern's `$` dropped
        title: "an enterprise slug with a space",
        config: { ...BASE, enterprise: "acme corp" },
        problems: [
            "`papyrus:github.enterprise`: must be your enterprise's slug (lower-case letters, digits and `-`, as in `https://token.actions.githubusercontent.com/<slug>`), got the string `acme corp`",
        ],
    },
    {
        // A value shown in a message is cut at 60 characters. kills: no cut
        title: "a long value, shown cut",
        config: { ...BASE, enterprise: "Acme Corporation Enterprise Cloud for the EU region, production" },
        problems: [
            "`papyrus:github.enterprise`: must be your enterprise's slug (lower-case letters, digits and `-`, as in `https://token.actions.githubusercontent.com/<slug>`), got the string `Acme Corporation Enterprise Cloud for the EU region, prod...`",
        ],
    },
    {
        // kills: the cut starting at 60 characters instead of after
        title: "a value of exactly 60 characters, shown whole",
        config: { ...BASE, enterprise: "A".repeat(60) },
        problems: [
            `\`papyrus:github.enterprise\`: must be your enterprise's slug (lower-case letters, digits and \`-\`, as in \`https://token.actions.githubusercontent.com/<slug>\`), got the string \`${"A".repeat(60)}\``,
        ],
    },
];

interface Accepted {
    readonly title: string;
    readonly config: unknown;
    readonly push: string[];
    readonly deploy: string[];
    /** The deploy role's trust condition, written out. */
    readonly deployCondition: Record<string, Record<string, string | string[]>>;
    /** The settings as resolved, when the case is about them. */
    readonly settings?: unknown;
}

const accepted: Accepted[] = [
    {
        title: "no filters: both roles get the defaults",
        config: { ...BASE },
        push: DEFAULT_SUBJECTS,
        deploy: DEFAULT_SUBJECTS,
        deployCondition: DEFAULT_CONDITION,
    },
    {
        title: "`deploy: { environments: [prod] }`: no branch, no tag (the issue's case)",
        config: { ...BASE, deploy: { environments: ["prod"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:prod"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod"] } },
    },
    {
        title: "the dev stack's config as written in Pulumi.dev.yaml",
        config: { ...BASE, push: { branches: ["master"], tags: ["v*.*.*"] }, deploy: { environments: ["dev", "dev-approval"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:dev", "repo:acme/papyrus:environment:dev-approval"],
        deployCondition: {
            StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:dev", "repo:acme/papyrus:environment:dev-approval"] },
        },
    },
    {
        title: "the explicit empty lists of the old stack files",
        config: { ...BASE, deploy: { branches: [], tags: [], environments: ["prod"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:prod"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod"] } },
    },
    {
        title: "branches only: tags are not defaulted",
        config: { ...BASE, push: { branches: ["master"] }, deploy: { branches: ["master"] } },
        push: ["repo:acme/papyrus:ref:refs/heads/master"],
        deploy: ["repo:acme/papyrus:ref:refs/heads/master"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:ref:refs/heads/master"] } },
    },
    {
        title: "tags only: branches are not defaulted",
        config: { ...BASE, deploy: { tags: ["v*.*.*"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:ref:refs/tags/v*.*.*"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: ["repo:acme/papyrus:ref:refs/tags/v*.*.*"] } },
    },
    {
        title: "a branch pattern with a fixed start",
        config: { ...BASE, deploy: { branches: ["release/*"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:ref:refs/heads/release/*"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: ["repo:acme/papyrus:ref:refs/heads/release/*"] } },
    },
    {
        title: "branch, tag and environment, in that order, without duplicates",
        config: {
            owner: "Acme-Corp",
            repository: "papyrus.api_v2",
            deploy: { environments: ["prod", "staging"], tags: ["v1.2.3"], branches: ["master", "master"] },
        },
        push: ["repo:Acme-Corp/papyrus.api_v2:ref:refs/heads/master", "repo:Acme-Corp/papyrus.api_v2:ref:refs/tags/v*.*.*"],
        deploy: [
            "repo:Acme-Corp/papyrus.api_v2:ref:refs/heads/master",
            "repo:Acme-Corp/papyrus.api_v2:ref:refs/tags/v1.2.3",
            "repo:Acme-Corp/papyrus.api_v2:environment:prod",
            "repo:Acme-Corp/papyrus.api_v2:environment:staging",
        ],
        deployCondition: {
            StringEquals: {
                [AUD]: "sts.amazonaws.com",
                [SUB]: [
                    "repo:Acme-Corp/papyrus.api_v2:ref:refs/heads/master",
                    "repo:Acme-Corp/papyrus.api_v2:ref:refs/tags/v1.2.3",
                    "repo:Acme-Corp/papyrus.api_v2:environment:prod",
                    "repo:Acme-Corp/papyrus.api_v2:environment:staging",
                ],
            },
        },
    },
    {
        title: "an environment name with a space",
        config: { ...BASE, deploy: { environments: ["Production EU"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:Production EU"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:Production EU"] } },
    },
    {
        title: "the repository id claim: a re-created repository has another id",
        config: { ...BASE, subjectClaims: { repositoryId: 892745123 }, deploy: { environments: ["prod"] } },
        push: ["repo:acme/papyrus:ref:refs/heads/master:repository_id:892745123", "repo:acme/papyrus:ref:refs/tags/v*.*.*:repository_id:892745123"],
        deploy: ["repo:acme/papyrus:environment:prod:repository_id:892745123"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod:repository_id:892745123"] } },
    },
    {
        title: "the repository id as a string",
        config: { ...BASE, subjectClaims: { repositoryId: "42" }, push: { branches: ["master"] }, deploy: { branches: ["master"] } },
        push: ["repo:acme/papyrus:ref:refs/heads/master:repository_id:42"],
        deploy: ["repo:acme/papyrus:ref:refs/heads/master:repository_id:42"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:ref:refs/heads/master:repository_id:42"] } },
    },
    {
        title: "the workflow claim: one subject per context and workflow",
        config: {
            ...BASE,
            subjectClaims: { jobWorkflowRef: true },
            push: { branches: ["master"], tags: ["v*.*.*"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["prod"], workflows: ["deploy.yml", "rollback.yml"] },
        },
        push: [
            "repo:acme/papyrus:ref:refs/heads/master:job_workflow_ref:acme/papyrus/.github/workflows/ecr-push.yml@refs/heads/master",
            "repo:acme/papyrus:ref:refs/tags/v*.*.*:job_workflow_ref:acme/papyrus/.github/workflows/ecr-push.yml@refs/tags/v*.*.*",
        ],
        deploy: [
            "repo:acme/papyrus:environment:prod:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@*",
            "repo:acme/papyrus:environment:prod:job_workflow_ref:acme/papyrus/.github/workflows/rollback.yml@*",
        ],
        deployCondition: {
            StringEquals: { [AUD]: "sts.amazonaws.com" },
            StringLike: {
                [SUB]: [
                    "repo:acme/papyrus:environment:prod:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@*",
                    "repo:acme/papyrus:environment:prod:job_workflow_ref:acme/papyrus/.github/workflows/rollback.yml@*",
                ],
            },
        },
    },
    {
        title: "both claims, in the template's order",
        config: {
            ...BASE,
            subjectClaims: { repositoryId: 7, jobWorkflowRef: true },
            push: { branches: ["master"], workflows: ["ecr-push.yml"] },
            deploy: { environments: ["dev"], workflows: ["deploy.yml"] },
        },
        push: ["repo:acme/papyrus:ref:refs/heads/master:repository_id:7:job_workflow_ref:acme/papyrus/.github/workflows/ecr-push.yml@refs/heads/master"],
        deploy: ["repo:acme/papyrus:environment:dev:repository_id:7:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@*"],
        deployCondition: {
            StringEquals: { [AUD]: "sts.amazonaws.com" },
            StringLike: { [SUB]: ["repo:acme/papyrus:environment:dev:repository_id:7:job_workflow_ref:acme/papyrus/.github/workflows/deploy.yml@*"] },
        },
    },
    {
        title: "`jobWorkflowRef: false` is GitHub's default subject",
        config: { ...BASE, subjectClaims: { jobWorkflowRef: false }, deploy: { environments: ["prod"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:prod"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod"] } },
    },
    {
        title: "an enterprise with its own issuer: the subjects are the same",
        config: { ...BASE, enterprise: "acme-corp", deploy: { environments: ["prod"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:prod"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod"] } },
    },
    {
        title: "a repository name with dots and underscores",
        config: { owner: "a", repository: "my.repo_1", deploy: { branches: ["hotfix-*"] } },
        push: ["repo:a/my.repo_1:ref:refs/heads/master", "repo:a/my.repo_1:ref:refs/tags/v*.*.*"],
        deploy: ["repo:a/my.repo_1:ref:refs/heads/hotfix-*"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: ["repo:a/my.repo_1:ref:refs/heads/hotfix-*"] } },
    },
    {
        // kills: the duplicate kept in the settings (the subjects alone would not show it)
        title: "a duplicate environment, kept once",
        config: { ...BASE, deploy: { environments: ["prod", "prod"] } },
        settings: { ...BASE, deploy: { environments: ["prod"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:prod"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod"] } },
    },
    {
        // kills: the slug pattern's last character made required (a one-character slug refused)
        title: "a one-character enterprise slug",
        config: { ...BASE, enterprise: "x", deploy: { environments: ["prod"] } },
        push: DEFAULT_SUBJECTS,
        deploy: ["repo:acme/papyrus:environment:prod"],
        deployCondition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: ["repo:acme/papyrus:environment:prod"] } },
        settings: { ...BASE, enterprise: "x", deploy: { environments: ["prod"] } },
    },
];

describe("`papyrus:github` config", () => {
    describe("refused, with every problem and its exact message", () => {
        for (const c of refused) {
            it(`refuses ${c.title}`, () => {
                assert.deepStrictEqual(problemsOf(c.config), c.problems);
            });
        }
    });

    describe("accepted, with the exact subjects and trust condition", () => {
        for (const c of accepted) {
            it(`accepts ${c.title}`, () => {
                const resolved = resolveGithubSettings(c.config, "papyrus:github");
                assert.deepStrictEqual(resolved.pushSubjects, c.push);
                assert.deepStrictEqual(resolved.deploySubjects, c.deploy);
                if (c.settings !== undefined) {
                    assert.deepStrictEqual(resolved.settings, c.settings);
                }
                assert.deepStrictEqual(githubTrustPolicy(PROVIDER_ARN, resolved.deploySubjects).Statement[0].Condition, c.deployCondition);
                // Whatever a subject's wildcards match, they come after `repo:OWNER/REPO:`: the `:` ends the name.
                for (const subject of [...resolved.pushSubjects, ...resolved.deploySubjects]) {
                    const prefix = subject.split(/[*?]/)[0];
                    assert.match(prefix, /^repo:[^:*?]+\/[^:*?]+:/, subject);
                }
            });
        }
    });

    it("puts one problem in the message as it is, several as a list", () => {
        assert.throws(() => resolveGithubSettings({ ...BASE, deploy: { environment: ["prod"] } }, "papyrus:github"), {
            name: "GithubSettingsError",
            message: "`papyrus:github.deploy.environment`: unknown key, did you mean `environments`?",
        });
        assert.throws(() => resolveGithubSettings({ owner: "", repository: "" }, "papyrus:github"), {
            message:
                "2 problems with the GitHub settings:\n" +
                "- `papyrus:github.owner`: is empty; set it to the GitHub user or organisation that owns the repository, e.g. `acme`\n" +
                "- `papyrus:github.repository`: is empty; set it to the repository name without its owner, e.g. `papyrus`",
        });
    });

    it("names the component's own arguments without the config prefix", () => {
        assert.throws(() => resolveGithubSettings({ ...BASE, deploy: { branches: ["*"] } }, ""), {
            message:
                "`deploy.branches[0]`: subject `repo:acme/papyrus:ref:refs/heads/*`: its branch pattern `*` starts with a wildcard, " +
                "so it trusts every branch anyone with write access can create; name the branch, or a pattern with a fixed start such as `release/*`; " +
                "e.g. `repo:acme/papyrus:ref:refs/heads/master`",
        });
    });

    it("every suggestion in a refusal is itself accepted by the subject rule", () => {
        const suggestions = refused.flatMap((c) => c.problems.flatMap((p) => [...p.matchAll(/e\.g\. `(repo:[^`]+)`/g)].map((m) => m[1])));
        assert.ok(suggestions.length >= 15, `${suggestions.length} suggestions`);
        for (const suggestion of suggestions) {
            assert.strictEqual(githubSubjectProblem(suggestion), undefined, suggestion);
        }
    });

    describe("reading the config value", () => {
        it("refuses an unset `papyrus:github` with what to write", () => {
            assert.throws(() => parseGithubConfigValue(undefined, "papyrus:github"), {
                name: "GithubSettingsError",
                message: "`papyrus:github`: missing; set it to the repository whose workflows may push and deploy, e.g. `{ owner: acme, repository: papyrus }`",
            });
        });

        it("parses JSON objects, keeps a plain string for the shape check to refuse, and reads an empty value as empty", () => {
            assert.deepStrictEqual(parseGithubConfigValue('{"owner":"acme"}', "papyrus:github"), { owner: "acme" });
            assert.strictEqual(parseGithubConfigValue("acme/papyrus", "papyrus:github"), "acme/papyrus");
            assert.deepStrictEqual(problemsOf(parseGithubConfigValue("", "papyrus:github")), [
                "`papyrus:github`: is empty (YAML reads a key with nothing after it as null); set it to `{ owner: <owner>, repository: <name> }`",
            ]);
        });
    });
});
