// The `papyrus-digest-pinning` policies, wired to the pure checks of ./rules.ts, and the pack's
// arguments: everything `new PolicyPack(...)` takes, without starting a policy server (that is
// ./index.ts, the pack program). Only types come from @pulumi/policy, so loading this module needs
// no @pulumi/policy at run time; an adopter's own pack passes `policyPackArgs` to its PolicyPack.

import type { EnforcementLevel, PolicyPackArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
    POLICY_NAMES,
    RESOURCE_TYPES,
    githubTrustProblems,
    repositoryMutabilityProblems,
    servicePauseTimeoutProblems,
    serviceRollbackProblems,
    taskDefinitionImageProblems,
    taskDefinitionPlainSecretProblems,
} from "./rules";

export const POLICY_PACK_NAME = "papyrus-digest-pinning";
export const ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** A policy that applies `check` to the inputs of every resource of `type` and reports each problem it returns. */
function resourcePolicy(name: string, description: string, type: string, check: (props: Record<string, unknown>) => string[]): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: ENFORCEMENT_LEVEL,
        validateResource: (args, reportViolation) => {
            if (args.type !== type) {
                return;
            }
            for (const problem of check(args.props)) {
                reportViolation(problem);
            }
        },
    };
}

export const policies: ResourceValidationPolicy[] = [
    resourcePolicy(
        POLICY_NAMES.taskDefinitionImagesPinned,
        "Every ECS task definition container image is `<registry>/<repository>@sha256:<64 hex>`: no tags, never `latest`.",
        RESOURCE_TYPES.taskDefinition,
        taskDefinitionImageProblems,
    ),
    resourcePolicy(
        POLICY_NAMES.repositoryTagsImmutable,
        "Every ECR repository has `imageTagMutability: IMMUTABLE` (exclusions only for tags that are never deployed), so a release tag names one image forever.",
        RESOURCE_TYPES.repository,
        repositoryMutabilityProblems,
    ),
    resourcePolicy(
        POLICY_NAMES.githubOidcTrustScoped,
        "Every IAM role trusted by GitHub's OIDC provider requires `aud` = `sts.amazonaws.com` and a `sub` naming one repository's protected runs (the rule the GithubDeployIdentity component builds its subjects with).",
        RESOURCE_TYPES.role,
        githubTrustProblems,
    ),
    resourcePolicy(
        POLICY_NAMES.taskDefinitionNoPlainSecrets,
        "No ECS container's plain `environment` holds a secret (a name with PASSWORD, TOKEN, SECRET, KEY…, or a URL with a password): secrets go in `secrets`, `valueFrom` SSM Parameter Store or Secrets Manager.",
        RESOURCE_TYPES.taskDefinition,
        taskDefinitionPlainSecretProblems,
    ),
    resourcePolicy(
        POLICY_NAMES.serviceRollsBack,
        "Every ECS service rolls a failing deployment back by itself: the deployment circuit breaker with rollback, or deployment alarms with rollback.",
        RESOURCE_TYPES.service,
        serviceRollbackProblems,
    ),
    resourcePolicy(
        POLICY_NAMES.servicePauseRollsBack,
        "Every ECS PAUSE lifecycle hook rolls the deployment back when nobody answers it in time (`timeoutConfiguration.action` `ROLLBACK`, ECS's default), never `CONTINUE`.",
        RESOURCE_TYPES.service,
        servicePauseTimeoutProblems,
    ),
];

export const policyPackArgs: PolicyPackArgs = {
    description:
        "Digest-pinned ECS images, immutable ECR tags, GitHub OIDC roles scoped to one repository, no secrets in plain container environments, and ECS services that roll failed (or unanswered paused) deployments back.",
    enforcementLevel: ENFORCEMENT_LEVEL,
    policies,
};
