// The checks behind the `papyrus-digest-pinning` policy pack, as pure
// functions of a resource's input properties. Each returns every problem it
// finds (an empty list means the resource passes), so the pack can report them
// all at once and tests can call them without a policy server.
//
// Nothing here imports @pulumi/policy at run time: loading this module starts
// no server. Property reads go straight to the object the pack passes in; that
// object throws for values unknown during preview, and the pack turns such a
// throw into an advisory "can't run during preview" note, so these functions
// must never swallow errors they do not recognise.

import { GITHUB_OIDC_HOST, STS_AUDIENCE, githubSubjectProblem } from "../components/githubSubject";
import { imageReferenceProblem } from "../components/imageReference";
import { plainEnvironmentProblem } from "../components/secretNames";

export const RESOURCE_TYPES = {
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    repository: "aws:ecr/repository:Repository",
    role: "aws:iam/role:Role",
    service: "aws:ecs/service:Service",
} as const;

export const POLICY_NAMES = {
    taskDefinitionImagesPinned: "ecs-task-definition-images-pinned-by-digest",
    repositoryTagsImmutable: "ecr-repository-tags-immutable",
    githubOidcTrustScoped: "github-oidc-trust-scoped-to-one-repository",
    taskDefinitionNoPlainSecrets: "ecs-task-definition-no-secrets-in-environment",
    serviceRollsBack: "ecs-service-rolls-back-failed-deployments",
    servicePauseRollsBack: "ecs-service-pause-hooks-roll-back-on-timeout",
} as const;

export { GITHUB_OIDC_HOST, STS_AUDIENCE as GITHUB_OIDC_AUDIENCE } from "../components/githubSubject";

type Props = Record<string, unknown>;

// ---------------------------------------------------------------------------
// (a) ECS task definitions run images pinned by digest.

/**
 * Problems with the images of an `aws:ecs/taskDefinition:TaskDefinition`. `containerDefinitions`
 * is the JSON string the provider takes; every container's `image` must pass `parseImageReference`,
 * and the validator's own message is reported, prefixed with the container it came from.
 */
export function taskDefinitionImageProblems(props: Props): string[] {
    const parsed = containerDefinitionsOf(props);
    if ("problem" in parsed) {
        return [parsed.problem];
    }
    const problems: string[] = [];
    parsed.definitions.forEach((definition: unknown, index: number) => {
        const image = isObject(definition) ? definition.image : undefined;
        const problem = imageReferenceProblem(image, { input: `containerDefinitions[${index}].image` });
        if (problem !== undefined) {
            problems.push(`container \`${containerName(definition, index)}\`: ${problem}`);
        }
    });
    return problems;
}

/**
 * The container definitions of a task definition's inputs (the provider's JSON string, or already parsed),
 * or why there are none to check.
 */
function containerDefinitionsOf(props: Props): { definitions: unknown[] } | { problem: string } {
    const raw = props.containerDefinitions;
    if (raw === undefined || raw === null) {
        return { problem: "`containerDefinitions` is missing; a task definition must name its containers and their images" };
    }
    let definitions: unknown;
    if (typeof raw === "string") {
        try {
            definitions = JSON.parse(raw);
        } catch (err) {
            if (err instanceof SyntaxError) {
                return { problem: `\`containerDefinitions\` is not valid JSON (${err.message})` };
            }
            throw err;
        }
    } else {
        definitions = raw;
    }
    if (!Array.isArray(definitions) || definitions.length === 0) {
        return { problem: "`containerDefinitions` must be a non-empty JSON array of container definitions" };
    }
    return { definitions };
}

function containerName(definition: unknown, index: number): string {
    return isObject(definition) && typeof definition.name === "string" ? definition.name : `#${index}`;
}

// ---------------------------------------------------------------------------
// (d) No secret in a container's plain environment.

/**
 * Problems with the plain `environment` of an `aws:ecs/taskDefinition:TaskDefinition`'s containers: a variable
 * whose name looks like a secret (`…PASSWORD`, `…TOKEN`, `…SECRET`, `…_KEY`…) or whose value is a URL with a
 * password. The rule is `plainEnvironmentProblem` (components/secretNames.ts), the one DigestPinnedService
 * applies to its `environment`, with the same words. Secrets go in `secrets` (`valueFrom`), which this rule
 * does not look at. Missing or malformed definitions are the image rule's to report, not this one's.
 */
export function taskDefinitionPlainSecretProblems(props: Props): string[] {
    const parsed = containerDefinitionsOf(props);
    if ("problem" in parsed) {
        return [];
    }
    return parsed.definitions.flatMap((definition: unknown, index: number) => {
        const environment = isObject(definition) ? toList(definition.environment) : [];
        return environment.flatMap((entry) => {
            if (!isObject(entry) || typeof entry.name !== "string") {
                return [];
            }
            const problem = plainEnvironmentProblem(entry.name, entry.value, `containerDefinitions[${index}].environment`);
            return problem === undefined ? [] : [`container \`${containerName(definition, index)}\`: ${problem}`];
        });
    });
}

// ---------------------------------------------------------------------------
// (b) ECR repositories refuse to move a tag.

/**
 * Problems with an `aws:ecr/repository:Repository`'s tag mutability.
 *
 * `IMMUTABLE` passes. `IMMUTABLE_WITH_EXCLUSION` passes only when no exclusion filter could match a
 * tag that CI pushes and the driver deploys: a release tag (`v1.2.3`) or a full commit SHA. That
 * keeps the ImmutableRepository component's `mutableTagExclusions` usable for tags nobody deploys
 * (`cache-*`) while a filter such as `v*` or `*` is refused. Everything else (`MUTABLE`,
 * `MUTABLE_WITH_EXCLUSION`, unset, which is the provider's default `MUTABLE`) is refused.
 */
export function repositoryMutabilityProblems(props: Props): string[] {
    const mutability = props.imageTagMutability;
    if (mutability === "IMMUTABLE") {
        return [];
    }
    if (mutability === "IMMUTABLE_WITH_EXCLUSION") {
        return toList(props.imageTagMutabilityExclusionFilters).flatMap((entry, index) => {
            const filter = isObject(entry) ? entry.filter : undefined;
            const could = typeof filter === "string" ? deployableTagsMatchedBy(filter) : "a release tag or a commit-SHA tag";
            return could === undefined
                ? []
                : [
                      `\`imageTagMutabilityExclusionFilters[${index}].filter\` would make ${could} mutable, got \`${String(filter)}\`; ` +
                          "exclude only tags that are never deployed (e.g. `cache-*`), or use `IMMUTABLE`",
                  ];
        });
    }
    const got = mutability === undefined || mutability === null ? "unset (the provider default is `MUTABLE`)" : `\`${String(mutability)}\``;
    return [
        `\`imageTagMutability\` must be \`IMMUTABLE\` (or \`IMMUTABLE_WITH_EXCLUSION\` for tags that are never deployed) so a pushed tag can never point at another image, got ${got}`,
    ];
}

/**
 * Which deployable tags an ECR `WILDCARD` exclusion filter could match, or undefined for none.
 * A filter's literal characters all appear in any tag it matches, so a filter with a literal
 * outside `v`, digits and `.` matches no release tag, and one with a literal outside lower-case hex
 * matches no commit SHA. This is conservative: `1.*` is refused although no release tag starts with a digit.
 */
export function deployableTagsMatchedBy(filter: string): string | undefined {
    const literals = filter.replace(/\*/g, "");
    const release = /^[v0-9.]*$/.test(literals);
    const commit = /^[0-9a-f]*$/.test(literals);
    if (release && commit) {
        return "release tags (`v1.2.3`) and commit-SHA tags";
    }
    if (release) {
        return "release tags (`v1.2.3`)";
    }
    return commit ? "commit-SHA tags" : undefined;
}

// ---------------------------------------------------------------------------
// (c) Roles trusted by GitHub's OIDC provider are scoped to one repository.

/** Operators that grant when they match; a `sub` scope must use one of them. */
const SCOPING_OPERATORS = ["StringEquals", "StringLike"];
// `sub` values are checked by `githubSubjectProblem` (components/githubSubject.ts), the same rule the
// GithubDeployIdentity component applies to every subject it builds: the pack refuses what it refuses,
// with the same message.
export { githubSubjectProblem };

/**
 * Problems with an `aws:iam/role:Role` whose trust policy lets GitHub's OIDC provider assume it.
 * Roles that do not trust that provider pass untouched. Each `Allow` statement with a `Federated`
 * principal naming `token.actions.githubusercontent.com` (or an enterprise's own issuer under it,
 * `token.actions.githubusercontent.com/<slug>`) must have, on that issuer's condition keys,
 * - `StringEquals` on `<issuer>:aud` = `sts.amazonaws.com`, and
 * - a `sub` condition under `StringEquals` or `StringLike` whose every value passes `githubSubjectProblem`.
 * Other conditions on `sub` (`StringNotLike`, …) are ANDed with the scope, so they can only narrow it and
 * pass. A trust policy given as JSON text is also checked for duplicate keys, because IAM keeps only the
 * last of two `StringEquals` blocks and silently drops the other's conditions.
 */
export function githubTrustProblems(props: Props): string[] {
    const raw = props.assumeRolePolicy;
    let document: unknown;
    const problems: string[] = [];
    if (typeof raw === "string") {
        try {
            document = JSON.parse(raw);
        } catch (err) {
            if (err instanceof SyntaxError) {
                // Not JSON: IAM would refuse it; nothing here can say whether it trusts GitHub.
                return raw.includes(GITHUB_OIDC_HOST) ? [`\`assumeRolePolicy\` is not valid JSON (${err.message})`] : [];
            }
            throw err;
        }
        if (raw.includes(GITHUB_OIDC_HOST)) {
            for (const duplicate of duplicateJsonKeys(raw)) {
                problems.push(
                    `\`assumeRolePolicy\` repeats the key \`${duplicate.key}\` in \`${duplicate.path}\`; IAM keeps only the last one and silently drops the others' conditions — merge them into one object`,
                );
            }
        }
    } else {
        document = raw;
    }
    if (!isObject(document)) {
        return problems;
    }

    const statements = toList(document.Statement);
    statements.forEach((statement, index) => {
        if (!isObject(statement) || statement.Effect !== "Allow") {
            return;
        }
        const where = Array.isArray(document.Statement) ? `\`Statement[${index}]\`` : "`Statement`";
        for (const issuer of githubIssuers(statement.Principal)) {
            problems.push(...githubStatementProblems(statement, where, issuer));
        }
    });
    return problems;
}

function githubStatementProblems(statement: Record<string, unknown>, where: string, issuer: string): string[] {
    const problems: string[] = [];
    const conditions = isObject(statement.Condition) ? statement.Condition : {};
    const subKey = `${issuer}:sub`;
    const audKey = `${issuer}:aud`;

    // Condition keys are case-insensitive in IAM; operators are not.
    const valuesOf = (operator: string, key: string): unknown[] | undefined => {
        const block = conditions[operator];
        if (!isObject(block)) {
            return undefined;
        }
        const found = Object.keys(block).filter((k) => k.toLowerCase() === key.toLowerCase());
        return found.length === 0 ? undefined : found.flatMap((k) => toList(block[k]));
    };

    const audiences = valuesOf("StringEquals", audKey);
    if (audiences === undefined || audiences.length === 0 || !audiences.every((value) => value === STS_AUDIENCE)) {
        const got = audiences === undefined ? "none" : `\`${JSON.stringify(audiences)}\``;
        problems.push(`${where} must have \`StringEquals\` { \`${audKey}\`: \`${STS_AUDIENCE}\` }, got ${got}`);
    }

    const subjects = SCOPING_OPERATORS.flatMap((operator) => valuesOf(operator, subKey) ?? []);
    if (subjects.length === 0) {
        problems.push(
            `${where} has no \`StringEquals\`/\`StringLike\` condition on \`${subKey}\`, so any GitHub repository can assume the role; add \`repo:OWNER/REPO:ref:refs/heads/master\` (or \`:environment:<name>\`)`,
        );
    }
    for (const subject of subjects) {
        const problem = githubSubjectProblem(subject);
        if (problem !== undefined) {
            problems.push(`${where}: \`${subKey}\` value \`${String(subject)}\`: ${problem}`);
        }
    }
    return problems;
}

/**
 * The GitHub issuers a principal trusts, as condition-key prefixes: `token.actions.githubusercontent.com`, or
 * `token.actions.githubusercontent.com/<slug>` for an enterprise's own issuer (from the provider's ARN).
 */
function githubIssuers(principal: unknown): string[] {
    if (!isObject(principal)) {
        return [];
    }
    const issuers = toList(principal.Federated).flatMap((arn) => {
        if (typeof arn !== "string") return [];
        const issuer = arn.includes(":oidc-provider/") ? arn.slice(arn.indexOf(":oidc-provider/") + ":oidc-provider/".length) : arn;
        return issuer === GITHUB_OIDC_HOST || issuer.startsWith(`${GITHUB_OIDC_HOST}/`) ? [issuer] : [];
    });
    return [...new Set(issuers)];
}

// ---------------------------------------------------------------------------
// (e) ECS services roll a failing deployment back by themselves.

/**
 * Problems with an `aws:ecs/service:Service` that would keep a failing deployment: it passes with the deployment
 * circuit breaker on with rollback (`deploymentCircuitBreaker: { enable: true, rollback: true }`), or with deployment
 * alarms on with rollback and at least one alarm (`alarms: { enable: true, rollback: true, alarmNames: [...] }`).
 * Either makes ECS return to the last completed deployment, so a deploy cannot leave a broken image serving.
 */
export function serviceRollbackProblems(props: Props): string[] {
    const breaker = props.deploymentCircuitBreaker;
    const alarms = props.alarms;
    const breakerRollsBack = isObject(breaker) && breaker.enable === true && breaker.rollback === true;
    const alarmsRollBack = isObject(alarms) && alarms.enable === true && alarms.rollback === true && toList(alarms.alarmNames).length > 0;
    if (breakerRollsBack || alarmsRollBack) {
        return [];
    }
    const shown = (value: unknown) => (value === undefined || value === null ? "unset" : `\`${JSON.stringify(value)}\``);
    return [
        "ECS must roll a failing deployment back: set `deploymentCircuitBreaker` to `{ enable: true, rollback: true }` (rolling deployments) " +
            "or `alarms` to `{ enable: true, rollback: true, alarmNames: [<alarm>, …] }`, " +
            `got \`deploymentCircuitBreaker\` ${shown(breaker)} and \`alarms\` ${shown(alarms)}`,
    ];
}

// ---------------------------------------------------------------------------
// (f) An unanswered PAUSE hook rolls the deployment back.

/**
 * Problems with an `aws:ecs/service:Service` whose PAUSE lifecycle hooks let a deployment carry on when nobody
 * answered them: `deploymentConfiguration.lifecycleHooks[i]` with `targetType: PAUSE` and
 * `timeoutConfiguration.action: CONTINUE`. A pause is a gate (a smoke test, an approval); when its timeout continues,
 * a release nobody checked goes on to all traffic. Without `timeoutConfiguration`, or without its `action`, ECS rolls
 * back (its default), which passes. Lambda hooks are not this rule's business.
 */
export function servicePauseTimeoutProblems(props: Props): string[] {
    const configuration = props.deploymentConfiguration;
    if (!isObject(configuration)) {
        return [];
    }
    const problems: string[] = [];
    toList(configuration.lifecycleHooks).forEach((hook, i) => {
        if (!isObject(hook) || hook.targetType !== "PAUSE") {
            return;
        }
        const timeout = hook.timeoutConfiguration;
        if (isObject(timeout) && timeout.action === "CONTINUE") {
            const stages = toList(hook.lifecycleStages)
                .map((stage) => `\`${String(stage)}\``)
                .join(", ");
            problems.push(
                `\`deploymentConfiguration.lifecycleHooks[${i}]\` is a PAUSE hook (at ${stages === "" ? "no stage" : stages}) whose ` +
                    "`timeoutConfiguration.action` is `CONTINUE`: when nobody answers it, a release nobody checked would go on to all traffic; " +
                    "set it to `ROLLBACK` (DigestPinnedService: `deployment.pause.onTimeout: ROLLBACK`, the default)",
            );
        }
    });
    return problems;
}

// ---------------------------------------------------------------------------
// Helpers.

export interface DuplicateKey {
    readonly key: string;
    /** Dotted path of the object holding the repeated key, e.g. `Statement[0].Condition`. */
    readonly path: string;
}

/**
 * Keys repeated within one JSON object. `JSON.parse` keeps the last and says nothing, so this
 * walks the text itself. It assumes the text already parsed (call it after `JSON.parse`).
 */
export function duplicateJsonKeys(text: string): DuplicateKey[] {
    const duplicates: DuplicateKey[] = [];
    // One frame per open object or array: its path, the keys seen (objects), the next index (arrays).
    const frames: { path: string; keys?: Set<string>; index: number; pendingKey?: string }[] = [];
    let expectingKey = false;
    const childPath = (): string => {
        const frame = frames[frames.length - 1];
        if (frame === undefined) {
            return "";
        }
        if (frame.keys !== undefined) {
            return frame.path === "" ? (frame.pendingKey ?? "") : `${frame.path}.${frame.pendingKey ?? ""}`;
        }
        return `${frame.path}[${frame.index}]`;
    };
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"') {
            let j = i + 1;
            while (text[j] !== '"') {
                j += text[j] === "\\" ? 2 : 1;
            }
            const value = JSON.parse(text.slice(i, j + 1)) as string;
            const frame = frames[frames.length - 1];
            if (expectingKey && frame?.keys !== undefined) {
                if (frame.keys.has(value)) {
                    duplicates.push({ key: value, path: frame.path === "" ? "(top level)" : frame.path });
                }
                frame.keys.add(value);
                frame.pendingKey = value;
                expectingKey = false;
            }
            i = j;
        } else if (c === "{") {
            frames.push({ path: childPath(), keys: new Set(), index: 0 });
            expectingKey = true;
        } else if (c === "[") {
            frames.push({ path: childPath(), index: 0 });
        } else if (c === "}" || c === "]") {
            frames.pop();
        } else if (c === ",") {
            const frame = frames[frames.length - 1];
            if (frame?.keys !== undefined) {
                expectingKey = true;
            } else if (frame !== undefined) {
                frame.index++;
            }
        }
    }
    return duplicates;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toList(value: unknown): unknown[] {
    if (value === undefined || value === null) {
        return [];
    }
    return Array.isArray(value) ? value : [value];
}
