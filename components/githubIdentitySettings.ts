// The shape of `papyrus:github` (and of the GithubDeployIdentity component's
// GitHub arguments), checked strictly, and the subjects it yields.
//
// Strict because a misshaped value used to fall back to the defaults without a
// word: `deploy: [prod]`, the typo `environment:`, or an empty `deploy:` (YAML
// null) all gave a deploy role trusting `master` and `v*.*.*` tags instead of
// the `prod` environment and its reviewers. Now every unknown key, wrong type,
// null and empty string is refused, naming its path, before any resource is
// registered. Defaults apply only to a filter that is absent altogether: once
// any of `branches`, `tags`, `environments` is given, the others are empty.
import { GITHUB_ENTERPRISE_SLUG, SubjectContext, SubjectPart, checkGithubSubjectParts, formatGithubSubject } from "./githubSubject";
import { nearMiss } from "./nearMiss";

/** Which workflow runs may assume a role. A job that names an `environment` gets the environment subject, not the branch one. */
export interface GithubSubjectFilter {
    /**
     * Branches whose runs may assume the role (`repo:OWNER/REPO:ref:refs/heads/BRANCH`). Names, not refs;
     * a pattern must start with a fixed prefix (`release/*`).
     * @example ["master"]
     */
    readonly branches?: readonly string[];
    /** Tags whose runs may assume the role (`repo:OWNER/REPO:ref:refs/tags/TAG`). @example ["v*.*.*"] */
    readonly tags?: readonly string[];
    /**
     * GitHub environments whose jobs may assume the role (`repo:OWNER/REPO:environment:ENV`). Exact names:
     * environments carry protection rules, and a pattern could match one without.
     * @example ["prod"]
     */
    readonly environments?: readonly string[];
    /**
     * Workflow files (in `.github/workflows/`) whose jobs may assume the role. Required with
     * `subjectClaims.jobWorkflowRef`, refused without it.
     * @example ["deploy.yml", "rollback.yml"]
     */
    readonly workflows?: readonly string[];
}

/**
 * Claims the repository's customised OIDC subject template adds after the context, in this order
 * (`include_claim_keys: ["repo", "context", "repository_id", "job_workflow_ref"]`, or either alone).
 */
export interface GithubSubjectClaims {
    /** The repository's number (`gh api repos/OWNER/REPO --jq .id`): a renamed or re-created repository has another. */
    readonly repositoryId?: string;
    /** The subjects name the workflow file that runs the job. */
    readonly jobWorkflowRef?: boolean;
}

export interface GithubIdentitySettings {
    /** The GitHub user or organisation, exactly. @example "acme" */
    readonly owner: string;
    /** The repository name without the owner, exactly. @example "papyrus" */
    readonly repository: string;
    /**
     * A GitHub Enterprise Cloud slug whose own issuer (`https://token.actions.githubusercontent.com/<slug>`)
     * signs the tokens. @default github.com's shared issuer
     */
    readonly enterprise?: string;
    /** @default GitHub's default subject (no claims after the context) */
    readonly subjectClaims?: GithubSubjectClaims;
    /** Runs that may push images. @default { branches: ["master"], tags: ["v*.*.*"] } */
    readonly push?: GithubSubjectFilter;
    /** Runs that may deploy. @default { branches: ["master"], tags: ["v*.*.*"] } */
    readonly deploy?: GithubSubjectFilter;
}

/** What an absent `push` or `deploy` trusts. */
export const DEFAULT_FILTER: GithubSubjectFilter = { branches: ["master"], tags: ["v*.*.*"], environments: [] };

export const ROLES = ["push", "deploy"] as const;
export type Role = (typeof ROLES)[number];

export interface ResolvedGithubSettings {
    readonly settings: GithubIdentitySettings;
    readonly pushSubjects: string[];
    readonly deploySubjects: string[];
}

/** Every problem found in the GitHub settings, collected and thrown once. */
export class GithubSettingsError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.length === 1 ? problems[0] : `${problems.length} problems with the GitHub settings:\n- ${problems.join("\n- ")}`);
        this.name = "GithubSettingsError";
    }
}

/**
 * Checks `value` (the parsed `papyrus:github`, or the component's arguments) and builds the subjects each
 * role trusts; throws `GithubSettingsError` with every problem. `path` prefixes every key in messages
 * (`papyrus:github` gives `` `papyrus:github.deploy.environments[0]` ``; empty gives `` `deploy.environments[0]` ``).
 */
export function resolveGithubSettings(value: unknown, path: string): ResolvedGithubSettings {
    const problems: string[] = [];
    const settings = parseSettings(value, path, problems);
    const subjects = settings === undefined ? undefined : roleSubjects(settings, path, problems);
    if (problems.length > 0 || settings === undefined || subjects === undefined) {
        throw new GithubSettingsError([...new Set(problems)]);
    }
    return { settings, pushSubjects: subjects.push, deploySubjects: subjects.deploy };
}

/** `papyrus:github` as the CLI hands it over (JSON text), or undefined when unset. */
export function parseGithubConfigValue(raw: string | undefined, key: string): unknown {
    if (raw === undefined) {
        throw new GithubSettingsError([
            `\`${key}\`: missing; set it to the repository whose workflows may push and deploy, e.g. \`{ owner: acme, repository: papyrus }\``,
        ]);
    }
    try {
        return JSON.parse(raw);
    } catch (err) {
        if (err instanceof SyntaxError) return raw; // a plain string: refused by the shape check with its value
        throw err;
    }
}

// ---------------------------------------------------------------------------
// Shape.

const SETTINGS_KEYS = ["owner", "repository", "enterprise", "subjectClaims", "push", "deploy"] as const;
const FILTER_KEYS = ["branches", "tags", "environments", "workflows"] as const;
const CLAIM_KEYS = ["repositoryId", "jobWorkflowRef"] as const;
const CONTEXT_LISTS = ["branches", "tags", "environments"] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parseSettings(value: unknown, path: string, problems: string[]): GithubIdentitySettings | undefined {
    const object = objectAt(
        value,
        path,
        "an object with `owner` and `repository`, e.g. `{ owner: acme, repository: papyrus }`",
        "set it to `{ owner: <owner>, repository: <name> }`",
        problems,
    );
    if (object === undefined) {
        return undefined;
    }
    unknownKeys(object, SETTINGS_KEYS, path, problems);
    const before = problems.length;
    const owner = nameAt(object.owner, join(path, "owner"), "the GitHub user or organisation that owns the repository, e.g. `acme`", problems);
    const repository = nameAt(object.repository, join(path, "repository"), "the repository name without its owner, e.g. `papyrus`", problems);
    const settings: Mutable<GithubIdentitySettings> = { owner: owner ?? "", repository: repository ?? "" };
    if (object.enterprise !== undefined) {
        settings.enterprise = enterpriseAt(object.enterprise, join(path, "enterprise"), problems);
    }
    if (object.subjectClaims !== undefined) {
        settings.subjectClaims = claimsAt(object.subjectClaims, join(path, "subjectClaims"), problems);
    }
    const jobWorkflowRef = settings.subjectClaims?.jobWorkflowRef === true;
    for (const role of ROLES) {
        if (object[role] !== undefined) {
            settings[role] = filterAt(object[role], join(path, role), jobWorkflowRef, path, problems);
        } else if (jobWorkflowRef) {
            problems.push(
                `${code(join(path, role))}: missing; with ${code(join(path, "subjectClaims.jobWorkflowRef"))} every role lists the workflow files that may assume it, e.g. \`{ branches: [master], workflows: [${role === "push" ? "ecr-push.yml" : "deploy.yml"}] }\``,
            );
        }
    }
    return problems.length > before ? undefined : settings;
}

function filterAt(value: unknown, path: string, jobWorkflowRef: boolean, root: string, problems: string[]): GithubSubjectFilter | undefined {
    const role = path.slice(path.lastIndexOf(".") + 1);
    const object = objectAt(
        value,
        path,
        "an object with `branches`, `tags` and/or `environments`",
        `list \`branches\`, \`tags\` or \`environments\`, or remove \`${role}\` to trust the defaults (\`master\` and \`v*.*.*\` tags)`,
        problems,
        value,
    );
    if (object === undefined) {
        return undefined;
    }
    const misspelt = unknownKeys(object, FILTER_KEYS, path, problems);
    const filter: Mutable<GithubSubjectFilter> = {};
    for (const key of FILTER_KEYS) {
        if (object[key] !== undefined) {
            filter[key] = listAt(object[key], join(path, key), key, problems);
        }
    }
    const given = CONTEXT_LISTS.filter((key) => object[key] !== undefined);
    if (Object.keys(object).length === 0) {
        problems.push(
            `${code(path)}: is an empty object, which would trust no run; list \`branches\`, \`tags\` or \`environments\`, or remove \`${role}\` to trust the defaults (\`master\` and \`v*.*.*\` tags)`,
        );
    } else if (given.length === 0 && !misspelt) {
        problems.push(
            `${code(path)}: lists no \`branches\`, \`tags\` or \`environments\`, so no run could assume the role; defaults apply only when \`${role}\` is absent`,
        );
    } else if (given.length > 0 && given.every((key) => Array.isArray(object[key]) && (object[key] as unknown[]).length === 0)) {
        const which =
            given.length === CONTEXT_LISTS.length
                ? "`branches`, `tags` and `environments` are all empty"
                : `\`${given.join("` and `")}\` ${given.length === 1 ? "is" : "are"} empty and the others absent`;
        problems.push(`${code(path)}: ${which}, so no run could assume the role; list at least one branch, tag or environment`);
    }
    if (object.workflows !== undefined && !jobWorkflowRef) {
        problems.push(
            `${code(join(path, "workflows"))}: the subjects name a workflow only when the repository's subject template includes \`job_workflow_ref\`; set ${code(join(root, "subjectClaims.jobWorkflowRef"))} to \`true\` (and the template, see docs/COMPONENTS.md), or remove \`workflows\``,
        );
    } else if (object.workflows === undefined && jobWorkflowRef) {
        problems.push(
            `${code(join(path, "workflows"))}: missing; with ${code(join(root, "subjectClaims.jobWorkflowRef"))} every role lists the workflow files that may assume it, e.g. \`[${role === "push" ? "ecr-push.yml" : "deploy.yml"}]\``,
        );
    }
    return filter;
}

function claimsAt(value: unknown, path: string, problems: string[]): GithubSubjectClaims | undefined {
    const object = objectAt(
        value,
        path,
        "an object with `repositoryId` and/or `jobWorkflowRef`",
        "remove it to use GitHub's default subject, or set `repositoryId` and/or `jobWorkflowRef`",
        problems,
    );
    if (object === undefined) {
        return undefined;
    }
    unknownKeys(object, CLAIM_KEYS, path, problems);
    if (Object.keys(object).length === 0) {
        problems.push(`${code(path)}: is an empty object; remove it to use GitHub's default subject, or set \`repositoryId\` and/or \`jobWorkflowRef\``);
    }
    const claims: Mutable<GithubSubjectClaims> = {};
    const id = object.repositoryId;
    if (typeof id === "number" && Number.isSafeInteger(id) && id > 0) {
        claims.repositoryId = String(id);
    } else if (typeof id === "string" && /^[0-9]{1,20}$/.test(id)) {
        claims.repositoryId = id;
    } else if (id !== undefined) {
        problems.push(
            `${code(join(path, "repositoryId"))}: must be the repository's number (\`gh api repos/<owner>/<repository> --jq .id\`), got ${describe(id)}`,
        );
    }
    const jobWorkflowRef = object.jobWorkflowRef;
    if (typeof jobWorkflowRef === "boolean") {
        claims.jobWorkflowRef = jobWorkflowRef;
    } else if (jobWorkflowRef !== undefined) {
        problems.push(`${code(join(path, "jobWorkflowRef"))}: must be \`true\` or \`false\`, got ${describe(jobWorkflowRef)}`);
    }
    return claims;
}

function enterpriseAt(value: unknown, path: string, problems: string[]): string | undefined {
    if (typeof value === "string" && GITHUB_ENTERPRISE_SLUG.test(value)) {
        return value;
    }
    problems.push(
        `${code(path)}: must be your enterprise's slug (lower-case letters, digits and \`-\`, as in \`https://token.actions.githubusercontent.com/<slug>\`), got ${describe(value)}`,
    );
    return undefined;
}

/** An owner or repository: a non-empty string without the subject's separators (`/`, `:`). */
function nameAt(value: unknown, path: string, what: string, problems: string[]): string | undefined {
    if (value === undefined) {
        problems.push(`${code(path)}: missing; set it to ${what}`);
    } else if (typeof value !== "string") {
        problems.push(`${code(path)}: must be ${what}, got ${describe(value)}`);
    } else if (value === "") {
        problems.push(`${code(path)}: is empty; set it to ${what}`);
    } else if (value.includes("/")) {
        problems.push(`${code(path)}: must not contain \`/\`, got \`${value}\`; give the owner in \`owner\` and the repository name in \`repository\``);
    } else if (value.includes(":")) {
        problems.push(`${code(path)}: must not contain \`:\`, which separates the parts of a subject, got \`${value}\``);
    } else {
        return value;
    }
    return undefined;
}

const ENTRY = {
    branches: { what: "a branch name", example: "master" },
    tags: { what: "a tag name or pattern", example: "v*.*.*" },
    environments: { what: "a GitHub environment name", example: "prod" },
    workflows: { what: "a workflow file in `.github/workflows/`", example: "deploy.yml" },
} as const;

function listAt(value: unknown, path: string, key: (typeof FILTER_KEYS)[number], problems: string[]): string[] | undefined {
    const { what, example } = ENTRY[key];
    if (value === null) {
        problems.push(
            `${code(path)}: is empty (YAML reads a key with nothing after it as null); give a list such as \`[${example}]\`, \`[]\` for none, or remove the key`,
        );
        return undefined;
    }
    if (!Array.isArray(value)) {
        const hint = typeof value === "string" ? `; write \`[${value}]\`` : "";
        problems.push(`${code(path)}: must be a list of strings, got ${describe(value)}${hint}`);
        return undefined;
    }
    const entries: string[] = [];
    value.forEach((entry: unknown, i: number) => {
        const at = `${path}[${i}]`;
        if (typeof entry !== "string") {
            const hint = typeof entry === "number" ? "; quote it in the YAML" : "";
            problems.push(`${code(at)}: must be ${what}, got ${describe(entry)}${hint}`);
        } else if (entry === "") {
            problems.push(`${code(at)}: is empty; give ${what} such as \`${example}\`, or remove the entry`);
        } else if (entry.includes(":")) {
            problems.push(`${code(at)}: must not contain \`:\` (GitHub writes it as \`%3A\` in the subject, so the role would never match), got \`${entry}\``);
        } else if (key === "workflows" && !/^[^/*?@]+\.ya?ml$/.test(entry)) {
            problems.push(`${code(at)}: must be ${what} such as \`${example}\` (a file name, no path, pattern or \`@ref\`), got ${describe(entry)}`);
        } else if (!entries.includes(entry)) {
            entries.push(entry);
        }
    });
    return entries;
}

function objectAt(value: unknown, path: string, expected: string, ifNull: string, problems: string[], example?: unknown): Record<string, unknown> | undefined {
    if (value === null || value === "" || value === "null") {
        problems.push(`${code(path)}: is empty (YAML reads a key with nothing after it as null); ${ifNull}`);
        return undefined;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        const firstString = Array.isArray(example) ? example.find((v): v is string => typeof v === "string") : undefined;
        const hint = firstString === undefined ? "" : `; to trust the environment \`${firstString}\`, write \`{ environments: [${firstString}] }\``;
        problems.push(`${code(path)}: must be ${expected}, got ${describe(value)}${hint}`);
        return undefined;
    }
    return value as Record<string, unknown>;
}

/** Reports every key of `object` not in `known`; true when there was one. */
function unknownKeys(object: Record<string, unknown>, known: readonly string[], path: string, problems: string[]): boolean {
    const unknown = Object.keys(object).filter((key) => !known.includes(key));
    for (const key of unknown) {
        const meant = nearMiss(key, known);
        problems.push(
            meant === undefined
                ? `${code(join(path, key))}: unknown key; the keys are ${known.map((k) => `\`${k}\``).join(", ")}`
                : `${code(join(path, key))}: unknown key, did you mean \`${meant}\`?`,
        );
    }
    return unknown.length > 0;
}

// ---------------------------------------------------------------------------
// Subjects.

function roleSubjects(settings: GithubIdentitySettings, path: string, problems: string[]): Record<Role, string[]> | undefined {
    const before = problems.length;
    const result = {} as Record<Role, string[]>;
    // An owner or repository problem shows in every subject: report it once, with the first subject.
    const reported = new Set<string>();
    for (const role of ROLES) {
        const filter = settings[role] ?? DEFAULT_FILTER;
        const rolePath = join(path, role);
        const contexts: { context: SubjectContext; at: string }[] = [
            ...(filter.branches ?? []).map((name, i) => ({ context: { kind: "branch", name } as const, at: `${join(rolePath, "branches")}[${i}]` })),
            ...(filter.tags ?? []).map((name, i) => ({ context: { kind: "tag", name } as const, at: `${join(rolePath, "tags")}[${i}]` })),
            ...(filter.environments ?? []).map((name, i) => ({
                context: { kind: "environment", name } as const,
                at: `${join(rolePath, "environments")}[${i}]`,
            })),
        ];
        const workflows: (string | undefined)[] = settings.subjectClaims?.jobWorkflowRef ? [...(filter.workflows ?? [])] : [undefined];
        const subjects: string[] = [];
        for (const { context, at } of contexts) {
            workflows.forEach((workflow, w) => {
                const subject = formatGithubSubject({
                    owner: settings.owner,
                    repository: settings.repository,
                    context,
                    repositoryId: settings.subjectClaims?.repositoryId,
                    jobWorkflowRef:
                        workflow === undefined ? undefined : `${settings.owner}/${settings.repository}/.github/workflows/${workflow}@${workflowRef(context)}`,
                });
                // A bad owner or repository also spoils the workflow claim built from it: report the cause only.
                const parts = checkGithubSubjectParts(subject);
                const found = parts.some((p) => p.part === "owner" || p.part === "repository") ? parts.filter((p) => p.part !== "job_workflow_ref") : parts;
                for (const problem of found) {
                    const setting = settingOf(problem.part, path, at, `${join(rolePath, "workflows")}[${w}]`);
                    // Shared settings (owner, repository, repositoryId) are reported once, with the first subject.
                    const key = setting === at || problem.part === "job_workflow_ref" ? `${setting} ${problem.message}` : setting;
                    if (!reported.has(key)) {
                        reported.add(key);
                        problems.push(`${code(setting)}: subject \`${subject}\`: ${problem.message}`);
                    }
                }
                if (found.length === 0 && !subjects.includes(subject)) {
                    subjects.push(subject);
                }
            });
        }
        result[role] = subjects;
    }
    return problems.length > before ? undefined : result;
}

/**
 * The ref in `job_workflow_ref`: the run's own ref for a branch or tag; any ref for an environment, whose
 * protection rules (deployment branches) decide which refs may deploy.
 */
function workflowRef(context: SubjectContext): string {
    return context.kind === "branch" ? `refs/heads/${context.name}` : context.kind === "tag" ? `refs/tags/${context.name}` : "*";
}

/** The setting a subject problem came from. */
function settingOf(part: SubjectPart, path: string, entry: string, workflow: string): string {
    switch (part) {
        case "owner":
            return join(path, "owner");
        case "repository":
            return join(path, "repository");
        case "repository_id":
            return join(path, "subjectClaims.repositoryId");
        case "job_workflow_ref":
            return workflow;
        default:
            return entry;
    }
}

function join(path: string, key: string): string {
    return path === "" ? key : `${path}.${key}`;
}

function code(path: string): string {
    return `\`${path}\``;
}

function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list (\`${short(JSON.stringify(value))}\`)`;
    if (typeof value === "object") return `an object (\`${short(JSON.stringify(value))}\`)`;
    if (typeof value === "string") return `the string \`${short(JSON.stringify(value).slice(1, -1))}\``;
    if (typeof value === "number") return `the number \`${value}\``;
    if (typeof value === "boolean") return `\`${value}\``;
    return `a value of type ${typeof value}`;
}

function short(text: string): string {
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
