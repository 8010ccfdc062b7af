// The components entry, `papyrus-deploy/components`: the stack program as one function
// (`serviceStack`), the components it is built from with their argument types and checks, and the
// validators the driver and the policy pack share. What is not exported here is an implementation
// detail of a component.
export { serviceStack, type ServiceStackOutputs } from "./serviceStack";

export * from "./digestPinnedService";
export * from "./immutableRepository";
export { GithubDeployIdentity, GITHUB_DEPLOY_IDENTITY_TYPE, type GithubDeployIdentityArgs } from "./githubDeployIdentity";
export { RegistryReplication, REGISTRY_REPLICATION_TYPE, registryReplicationProblems, type RegistryReplicationArgs } from "./registryReplication";
export { ReplicationRegistryPolicy, REPLICATION_REGISTRY_POLICY_TYPE, type ReplicationRegistryPolicyArgs } from "./replicationRegistryPolicy";
export { type ReplicationDestination, MAX_REPLICATION_DESTINATIONS } from "./replicationSettings";

// The image reference: one validator for the component, the driver and the policy pack.
export {
    parseImageReference,
    imageReferenceProblem,
    digestReference,
    isSha256Digest,
    ImageReferenceError,
    EXPECTED_FORM,
    type ImageDigestRef,
    type Sha256Digest,
    type ParsedImageReference,
    type ImageReferenceOptions,
} from "./imageReference";
export { formatGithubSubject, githubSubjectProblem, checkGithubSubject, GITHUB_OIDC_URL, STS_AUDIENCE } from "./githubSubject";
export { type GithubSubjectFilter, type GithubIdentitySettings } from "./githubIdentitySettings";

// The stack's config: every key with its form and default, read and checked as one value.
export { readStackConfig, readStackSettings, StackConfigError, type StackConfig, type ServiceSettings, type ImageSettings } from "./stackConfig";
export { ANY_PROJECT, CONFIG_SCHEMA, CONFIG_KEYS, qualifiedKey, type ConfigKey } from "./configSchema";
export { imageToRun, type ImageToRun } from "./runningImage";
export { parseDuration, formatDuration } from "./duration";
