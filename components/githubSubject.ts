// What a GitHub Actions OIDC `sub` a role may trust looks like, decided in one
// place (pure, no Pulumi): the component checks the subjects it builds with
// it, and the policy pack checks every role in a stack with it.
//
// A subject is `repo:OWNER/REPO:<context>`. OWNER and REPO must be literal:
// `repo:acme/api*` also matches `repo:acme/api-evil`, and `repo:acme/*`
// trusts repositories created later. The context (`ref:refs/tags/v*`,
// `environment:prod`) may use wildcards: repository names never contain `:`,
// so a pattern there cannot reach another repository.

/** The issuer of GitHub Actions tokens; IAM allows one provider per URL per account. */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
/** The issuer host, the prefix of the condition keys (`<host>:aud`, `<host>:sub`). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience `aws-actions/configure-aws-credentials` asks for. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** A GitHub owner: letters, digits and single hyphens, at most 39 characters. */
export const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** A GitHub repository name: letters, digits, `.`, `_` and `-`. */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
export const WILDCARD = /[*?]/;

/** Why `subject` does not name exactly one repository, or undefined when it does. */
export function githubSubjectProblem(subject: unknown): string | undefined {
    if (typeof subject !== "string") {
        return `expected a string, got a value of type ${subject === null ? "null" : typeof subject}`;
    }
    if (!subject.startsWith("repo:")) {
        return "it does not start with `repo:`";
    }
    const rest = subject.slice("repo:".length);
    const colon = rest.indexOf(":");
    const fullName = colon === -1 ? rest : rest.slice(0, colon);
    const slash = fullName.indexOf("/");
    const owner = slash === -1 ? fullName : fullName.slice(0, slash);
    const repository = slash === -1 ? "" : fullName.slice(slash + 1);
    if (WILDCARD.test(owner)) {
        return "the owner has a wildcard, so it trusts repositories of any matching owner";
    }
    if (slash === -1 || WILDCARD.test(repository)) {
        return "the repository name has a wildcard or is missing, so it trusts every matching repository, including ones created later";
    }
    if (!GITHUB_OWNER.test(owner)) {
        return `\`${owner}\` is not a GitHub owner name`;
    }
    if (!GITHUB_REPOSITORY.test(repository)) {
        return `\`${repository}\` is not a GitHub repository name`;
    }
    if (colon === -1 || colon === rest.length - 1) {
        return "it has no context after the repository (e.g. `:ref:refs/heads/master` or `:environment:prod`), so it matches no token";
    }
    return undefined;
}
