// What a GitHub Actions OIDC `sub` that a role may trust looks like, decided in
// one place (pure, no Pulumi). The GithubDeployIdentity component checks every
// subject it builds with `checkGithubSubject`, and the policy pack checks every
// `sub` value of every GitHub-trusting role with `githubSubjectProblem`: a
// subject one refuses, the other refuses, with the same message.
//
// A subject is `repo:OWNER/REPO:<context>[:<claim>:<value>…]`:
// - OWNER and REPO are literal: `repo:acme/api*` also matches
//   `repo:acme/api-evil`, and `repo:acme/*` trusts repositories created later.
//   (GitHub's immutable form `repo:OWNER@<id>/REPO@<id>:…` is accepted too.)
// - The context is what GitHub puts there: `ref:refs/heads/<branch>`,
//   `ref:refs/tags/<tag>` or `environment:<name>`. A branch or tag pattern must
//   start with a fixed prefix (`release/*`, `v*.*.*`); an environment is exact,
//   since a pattern could match an environment without protection rules.
//   `pull_request` and a wildcard context (`*`) are refused: any branch pushed
//   to the repository could run its own workflow code with the role.
// - Claims after the context come from a customised subject template
//   (`include_claim_keys`); `repository_id` and `job_workflow_ref` are checked.
// Every message ends with a suggestion that this rule accepts.

/** The issuer host of GitHub Actions tokens; IAM allows one provider per URL per account. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The issuer URL for github.com (an enterprise with its own issuer appends `/<slug>`). */
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience `aws-actions/configure-aws-credentials` asks for. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** A GitHub owner: letters, digits and single hyphens, at most 39 characters. */
export const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** A GitHub repository name: letters, digits, `.`, `_` and `-` (not `.` or `..`). */
export const GITHUB_REPOSITORY = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
/** A GitHub Enterprise Cloud slug, as in `https://token.actions.githubusercontent.com/<slug>`. */
export const GITHUB_ENTERPRISE_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** IAM's `StringLike` wildcards. */
export const WILDCARD = /[*?]/;

/** The claims a customised subject template may add after the context, in the order the component writes them. */
export const SUBJECT_CLAIMS = ["repository_id", "job_workflow_ref"] as const;
export type SubjectClaim = (typeof SUBJECT_CLAIMS)[number];

/**
 * The issuer's host and path without the scheme: the provider's URL, and the prefix of its condition
 * keys (`<issuer>:aud`, `<issuer>:sub`). GitHub Enterprise Cloud can give an enterprise its own issuer.
 */
export function githubIssuer(enterprise?: string): string {
    return enterprise === undefined ? GITHUB_OIDC_HOST : `${GITHUB_OIDC_HOST}/${enterprise}`;
}

export type SubjectContext =
    | { readonly kind: "branch"; readonly name: string }
    | { readonly kind: "tag"; readonly name: string }
    | { readonly kind: "environment"; readonly name: string };

export interface SubjectParts {
    readonly owner: string;
    readonly repository: string;
    readonly context: SubjectContext;
    /** The `repository_id` claim: the repository's number, which a renamed or re-created repository does not keep. */
    readonly repositoryId?: string;
    /** The `job_workflow_ref` claim: `OWNER/REPO/.github/workflows/<file>@<ref>`. */
    readonly jobWorkflowRef?: string;
}

/** `repo:OWNER/REPO:<context>[:repository_id:<id>][:job_workflow_ref:<ref>]`, as GitHub writes it. */
export function formatGithubSubject(parts: SubjectParts): string {
    const context =
        parts.context.kind === "branch"
            ? `ref:refs/heads/${parts.context.name}`
            : parts.context.kind === "tag"
              ? `ref:refs/tags/${parts.context.name}`
              : `environment:${parts.context.name}`;
    const claims = [
        ...(parts.repositoryId === undefined ? [] : [`repository_id:${parts.repositoryId}`]),
        ...(parts.jobWorkflowRef === undefined ? [] : [`job_workflow_ref:${parts.jobWorkflowRef}`]),
    ];
    return [`repo:${parts.owner}/${parts.repository}`, context, ...claims].join(":");
}

/** Which part of a subject a problem is in, so the component can name the setting it came from. */
export type SubjectPart = "form" | "owner" | "repository" | "context" | SubjectClaim | "claim";

export interface SubjectProblem {
    readonly part: SubjectPart;
    /** Ends with `e.g. \`<subject>\``, a subject this rule accepts. */
    readonly message: string;
}

/** Why `subject` may not be trusted, or undefined when it names one repository's protected runs. */
export function githubSubjectProblem(subject: unknown): string | undefined {
    return checkGithubSubject(subject)?.message;
}

/** The first of `checkGithubSubject`'s problems: the one the policy pack reports. */
export function checkGithubSubject(subject: unknown): SubjectProblem | undefined {
    return checkGithubSubjectParts(subject)[0];
}

/**
 * Every problem of `subject`, at most one per part (owner, repository, context or claim), each with the
 * part it is in so the component can name the setting it came from. Empty when the subject may be trusted.
 */
export function checkGithubSubjectParts(subject: unknown): SubjectProblem[] {
    if (typeof subject !== "string") {
        return [{ part: "form", message: `expected a string, got a value of type ${subject === null ? "null" : typeof subject}` }];
    }
    const parsed = parseSubject(subject);
    const found = problems(parsed);
    const fix = found.length === 0 ? "" : suggestion(parsed);
    return found.map(({ part, message }) => ({ part, message: `${message}; e.g. \`${fix}\`` }));
}

// ---------------------------------------------------------------------------
// Parsing: a subject is split at `:` (GitHub writes a `:` inside a value as `%3A`).

interface NamePart {
    readonly text: string;
    readonly name: string;
    readonly id?: string;
}

interface ParsedSubject {
    readonly raw: string;
    readonly prefixed: boolean;
    readonly owner: NamePart;
    readonly repository?: NamePart;
    /** The tokens after `repo:OWNER/REPO`, split at `:`; empty when nothing follows. */
    readonly tokens: readonly string[];
}

function parseSubject(raw: string): ParsedSubject {
    const prefixed = raw.startsWith("repo:");
    const [head, ...tokens] = (prefixed ? raw.slice("repo:".length) : raw).split(":");
    const slash = head.indexOf("/");
    return {
        raw,
        prefixed,
        owner: namePart(slash === -1 ? head : head.slice(0, slash)),
        repository: slash === -1 ? undefined : namePart(head.slice(slash + 1)),
        tokens,
    };
}

/** `acme` or GitHub's immutable `acme@123`. */
function namePart(text: string): NamePart {
    const match = /^(.*)@([0-9]+)$/.exec(text);
    return match === null ? { text, name: text } : { text, name: match[1], id: match[2] };
}

type Context =
    | { readonly kind: "branch" | "tag" | "environment"; readonly name: string; readonly claims: readonly string[] }
    | { readonly kind: "pull_request"; readonly claims: readonly string[] }
    | { readonly kind: "wildcard" | "unknown" | "missing"; readonly text: string };

function contextOf(tokens: readonly string[]): Context {
    const [first, second, ...rest] = tokens;
    if (first === undefined || (first === "" && tokens.length === 1)) {
        return { kind: "missing", text: "" };
    }
    if (first === "pull_request") {
        return { kind: "pull_request", claims: tokens.slice(1) };
    }
    if (first === "ref" && second !== undefined && second.startsWith("refs/heads/")) {
        return { kind: "branch", name: second.slice("refs/heads/".length), claims: rest };
    }
    if (first === "ref" && second !== undefined && second.startsWith("refs/tags/")) {
        return { kind: "tag", name: second.slice("refs/tags/".length), claims: rest };
    }
    if (first === "environment" && second !== undefined) {
        return { kind: "environment", name: second, claims: rest };
    }
    const text = tokens.join(":");
    return { kind: WILDCARD.test(text) ? "wildcard" : "unknown", text };
}

// ---------------------------------------------------------------------------
// The checks, in the order a reader fixes a subject: form, owner, repository, context, claims.

interface Found {
    readonly part: SubjectPart;
    readonly message: string;
}

function problems(s: ParsedSubject): Found[] {
    if (s.raw.includes("${")) {
        return [
            {
                part: "form",
                message:
                    "it contains `${`, which IAM reads as the start of a policy variable, so the role would be matched against other text than the one written",
            },
        ];
    }
    if (!s.prefixed) {
        return [{ part: "form", message: "it does not start with `repo:`, so it names no repository" }];
    }
    const repository = repositoryProblem(s.owner, s.repository);
    const found = [ownerProblem(s.owner), repository];
    // Without a repository, what follows the owner is not a context.
    if (s.repository !== undefined) {
        found.push(contextProblem(s, contextOf(s.tokens)));
    }
    return found.filter((problem): problem is Found => problem !== undefined);
}

function ownerProblem(owner: NamePart): Found | undefined {
    if (WILDCARD.test(owner.text)) {
        return {
            part: "owner",
            message: `its owner ${quote(owner.text)} has a wildcard, so it trusts repositories of other owners too; name the owner exactly`,
        };
    }
    if (owner.name === "") {
        return { part: "owner", message: "it names no owner (`repo:OWNER/REPO:…`)" };
    }
    if (!GITHUB_OWNER.test(owner.name)) {
        return { part: "owner", message: `its owner ${quote(owner.text)} is not a GitHub user or organisation name (letters, digits and single \`-\`)` };
    }
    return undefined;
}

function repositoryProblem(owner: NamePart, repository: NamePart | undefined): Found | undefined {
    if (repository === undefined) {
        return {
            part: "repository",
            message: `it names no repository after ${quote(owner.text)}, so it would trust every repository of that owner, including ones created later`,
        };
    }
    if (WILDCARD.test(repository.text)) {
        return {
            part: "repository",
            message: `its repository ${quote(repository.text)} has a wildcard, so it trusts other repositories of ${quote(owner.text)} too, including ones created later (\`api*\` also matches \`api-evil\`); name the repository exactly`,
        };
    }
    if (repository.name === "") {
        return { part: "repository", message: `it names no repository after \`${owner.text}/\`` };
    }
    if (!GITHUB_REPOSITORY.test(repository.name)) {
        return {
            part: "repository",
            message: `its repository ${quote(repository.text)} is not a GitHub repository name (letters, digits, \`.\`, \`_\` and \`-\`)`,
        };
    }
    return undefined;
}

function contextProblem(s: ParsedSubject, context: Context): Found | undefined {
    const repo = `${s.owner.text}/${s.repository?.text ?? ""}`;
    switch (context.kind) {
        case "missing":
            return {
                part: "context",
                message:
                    "it has nothing after the repository, so it matches no token: GitHub always adds the context (`:ref:refs/heads/<branch>`, `:ref:refs/tags/<tag>` or `:environment:<name>`)",
            };
        case "wildcard":
            return {
                part: "context",
                message: `its context ${quote(context.text)} is a pattern over every branch, tag, environment and pull request of ${repo}, so anyone who can push a branch there gets the role; name a branch, tag or environment`,
            };
        case "unknown":
            return {
                part: "context",
                message: `its context ${quote(context.text)} is none GitHub sends for a trusted run (\`ref:refs/heads/<branch>\`, \`ref:refs/tags/<tag>\` or \`environment:<name>\`)`,
            };
        case "pull_request":
            return {
                part: "context",
                message: `its context \`pull_request\` is given to runs for any pull request from a branch of ${repo}, with that branch's workflow code, so anyone who can push a branch gets the role; trust a protected branch, tag or environment instead`,
            };
        case "branch":
        case "tag":
            return refNameProblem(context.kind, context.name) ?? claimsProblem(s, context.claims);
        case "environment":
            return environmentProblem(context.name) ?? claimsProblem(s, context.claims);
    }
}

function refNameProblem(kind: "branch" | "tag", name: string): Found | undefined {
    const refs = kind === "branch" ? "refs/heads/" : "refs/tags/";
    if (name === "") {
        return { part: "context", message: `it names no ${kind} after \`ref:${refs}\`` };
    }
    if (/^[*?]/.test(name)) {
        return {
            part: "context",
            message: `its ${kind} pattern ${quote(name)} starts with a wildcard, so it trusts every ${kind} anyone with write access can create; name the ${kind}, or a pattern with a fixed start such as \`${kind === "branch" ? "release/*" : "v*.*.*"}\``,
        };
    }
    if (name.startsWith("refs/")) {
        return {
            part: "context",
            message: `its ${kind} ${quote(name)} is a full ref, so the subject names \`${refs}${name}\`, which no run has; give the ${kind} name alone`,
        };
    }
    if (/[\s\u0000-\u001f\u007f]/.test(name)) {
        return { part: "context", message: `its ${kind} ${quote(name)} has whitespace or control characters, which git does not allow in a ${kind} name` };
    }
    return undefined;
}

function environmentProblem(name: string): Found | undefined {
    if (name === "") {
        return { part: "context", message: "it names no environment after `environment:`" };
    }
    if (WILDCARD.test(name)) {
        return {
            part: "context",
            message: `its environment ${quote(name)} is a pattern, which could match an environment without protection rules; name the environment exactly`,
        };
    }
    if (/[\u0000-\u001f\u007f]/.test(name) || name.trim() !== name) {
        return {
            part: "context",
            message: `its environment ${quote(name)} has control characters or surrounding whitespace, which GitHub does not allow in an environment name`,
        };
    }
    return undefined;
}

function claimsProblem(s: ParsedSubject, claims: readonly string[]): Found | undefined {
    const seen = new Set<string>();
    for (let i = 0; i < claims.length; i += 2) {
        const key = claims[i];
        const value = claims[i + 1];
        if (!(SUBJECT_CLAIMS as readonly string[]).includes(key)) {
            return {
                part: "claim",
                message: `its claim ${quote(key)} after the context is not one this rule can check (\`repository_id\`, \`job_workflow_ref\`)`,
            };
        }
        const claim = key as SubjectClaim;
        if (seen.has(claim)) {
            return { part: claim, message: `it has the claim ${quote(claim)} twice, and GitHub writes each claim once` };
        }
        seen.add(claim);
        if (value === undefined || value === "") {
            return { part: claim, message: `its claim ${quote(claim)} has no value` };
        }
        const problem = claim === "repository_id" ? repositoryIdProblem(value) : jobWorkflowRefProblem(value);
        if (problem !== undefined) {
            return { part: claim, message: problem };
        }
    }
    return undefined;
}

function repositoryIdProblem(value: string): string | undefined {
    return /^[0-9]{1,20}$/.test(value)
        ? undefined
        : `its \`repository_id\` ${quote(value)} is not a repository number (\`gh api repos/OWNER/REPO --jq .id\`), and a pattern there would trust a re-created repository`;
}

/** `OWNER/REPO/.github/workflows/<file>.yml@<ref>`: the file literal, a pattern allowed only in the ref. */
const JOB_WORKFLOW_REF = /^([^/@*?]+)\/([^/@*?]+)\/\.github\/workflows\/[^/@*?]+\.ya?ml@(.+)$/;

function jobWorkflowRefProblem(value: string): string | undefined {
    const match = JOB_WORKFLOW_REF.exec(value);
    if (match === null) {
        return `its \`job_workflow_ref\` ${quote(value)} does not name one workflow file (\`OWNER/REPO/.github/workflows/<file>.yml@<ref>\`, a wildcard only after \`@\`)`;
    }
    if (!GITHUB_OWNER.test(match[1]) || !GITHUB_REPOSITORY.test(match[2])) {
        return `its \`job_workflow_ref\` ${quote(value)} does not start with a GitHub owner and repository`;
    }
    return undefined;
}

// ---------------------------------------------------------------------------
// The suggestion: the subject with each refused part replaced by one this rule accepts.

function suggestion(s: ParsedSubject): string {
    if (!s.prefixed) {
        return "repo:OWNER/REPO:ref:refs/heads/master";
    }
    const owner = ownerProblem(s.owner) === undefined ? s.owner.text : fixName(s.owner.name, GITHUB_OWNER, "OWNER");
    const repository =
        s.repository !== undefined && repositoryProblem(s.owner, s.repository) === undefined
            ? s.repository.text
            : fixName(s.repository?.name ?? "", GITHUB_REPOSITORY, "REPO");
    const context = s.raw.includes("${") ? { kind: "missing" as const, text: "" } : contextOf(s.tokens);
    return [`repo:${owner}/${repository}`, fixContext(context), ...fixClaims(context)].join(":");
}

function fixName(name: string, pattern: RegExp, placeholder: string): string {
    const stripped = name.replace(/[*?]/g, "");
    return pattern.test(stripped) ? stripped : placeholder;
}

function fixContext(context: Context): string {
    if (context.kind === "branch" || context.kind === "tag") {
        const refs = context.kind === "branch" ? "refs/heads/" : "refs/tags/";
        if (refNameProblem(context.kind, context.name) === undefined) {
            return `ref:${refs}${context.name}`;
        }
        const name = context.name.replace(/^refs\/(heads|tags)\//, "");
        return `ref:${refs}${refNameProblem(context.kind, name) === undefined ? name : context.kind === "branch" ? "master" : "v*.*.*"}`;
    }
    if (context.kind === "environment") {
        const name = context.name.replace(/[*?\u0000-\u001f\u007f]/g, "").trim();
        return `environment:${name === "" ? "prod" : name}`;
    }
    return "ref:refs/heads/master";
}

function fixClaims(context: Context): string[] {
    if (!("claims" in context) || context.kind === "pull_request") {
        return [];
    }
    const kept: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < context.claims.length; i += 2) {
        const [key, value] = [context.claims[i], context.claims[i + 1]];
        if (seen.has(key) || value === undefined || value === "") continue;
        const ok =
            key === "repository_id"
                ? repositoryIdProblem(value) === undefined
                : key === "job_workflow_ref"
                  ? jobWorkflowRefProblem(value) === undefined
                  : false;
        if (ok) {
            kept.push(key, withFixedRef(value, context));
            seen.add(key);
        }
    }
    return kept;
}

/**
 * A `job_workflow_ref` that names the same ref as the subject's context follows the context's fix:
 * for `ref:refs/heads/refs/heads/main` both become `refs/heads/main`, not the context alone. Any
 * other claim (a `repository_id` is digits) never ends in `@<ref>` and is kept as it is.
 */
function withFixedRef(value: string, context: Context): string {
    if (context.kind !== "branch" && context.kind !== "tag") return value;
    const given = `@${context.kind === "branch" ? "refs/heads/" : "refs/tags/"}${context.name}`;
    return value.endsWith(given) ? value.slice(0, -given.length) + "@" + fixContext(context).slice("ref:".length) : value;
}

/** A value in backticks with control characters escaped, so a message never hides them. */
function quote(value: string): string {
    return "`" + JSON.stringify(value).slice(1, -1) + "`";
}
