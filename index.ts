// The papyrus stack: an immutable ECR repository, the GitHub Actions roles
// that push to it and deploy from it, and the Fargate service that runs one
// image digest.
//
// Bootstrap: a new stack has no image yet (CI cannot push before the
// repository and the push role exist). With `papyrus:image` unset, `pulumi up`
// creates only the repository and the two roles; the first deploy sets
// `papyrus:image` (the driver does) and the next `up` creates the service.
import * as pulumi from "@pulumi/pulumi";
import { DigestPinnedService, DigestPinnedServiceArgs, digestPinnedServiceProblems, FargateCpu } from "./components/digestPinnedService";
import { oidcProviderArnProblem, s3BucketArnProblem, stateKeyPrefixProblem } from "./components/arns";
import { GithubDeployIdentity } from "./components/githubDeployIdentity";
import { parseGithubConfigValue, resolveGithubSettings } from "./components/githubIdentitySettings";
import { githubIssuer } from "./components/githubSubject";
import { parseImageReference } from "./components/imageReference";
import { ImmutableRepository, ImmutableRepositoryArgs, immutableRepositoryProblems } from "./components/immutableRepository";
import { qualifiedKey, readStackSettings } from "./components/stackConfig";

const config = new pulumi.Config();
const stack = pulumi.getStack();
const settings = readStackSettings(config);
const tags = { Project: pulumi.getProject(), Stack: stack };

// Config is checked before any resource is registered: a refused value must not leave half a stack.
// The image (with the config key in the message), the GitHub settings and the ARNs the roles are built
// from, the network keys, and the components' own argument checks, run here on the settings before the
// components run them again.
const configuredImage = settings.image === undefined
    ? undefined
    : parseImageReference(settings.image, { input: qualifiedKey("image") }).reference;
const github = resolveGithubSettings(parseGithubConfigValue(config.get("github"), "papyrus:github"), "papyrus:github").settings;
const access = roleAccessSettings();
const network = existingNetwork();

const repositorySettings: ImmutableRepositoryArgs = {
    repositoryName: settings.repositoryName,
    untaggedExpiryDays: config.getNumber("untaggedImageExpiryDays"),
    encryption: config.get("repositoryKmsKeyArn") === undefined
        ? { type: "AES256" }
        : { type: "KMS", kmsKeyArn: config.require("repositoryKmsKeyArn") },
    tags,
};
const serviceSettings: Omit<DigestPinnedServiceArgs, "image" | "repositoryArn"> = {
    imageTag: settings.imageTag,
    family: `${pulumi.getProject()}-${stack}`,
    cpu: config.getNumber("cpu") as FargateCpu | undefined,
    memory: config.getNumber("memory"),
    containerPort: config.getNumber("containerPort"),
    desiredCount: config.getNumber("desiredCount"),
    healthCheck: { path: config.get("healthCheckPath") },
    logRetentionDays: config.getNumber("logRetentionDays"),
    clusterArn: config.get("clusterArn"),
    network,
    vpc: network === undefined
        ? { natGateways: config.get("natGateways") as "Single" | "OnePerAz" | undefined }
        : undefined,
    tags,
};
const settingsProblems = [
    ...access.problems,
    ...immutableRepositoryProblems(repositorySettings),
    ...(configuredImage === undefined ? [] : digestPinnedServiceProblems({ ...serviceSettings, image: configuredImage, repositoryArn: "" })),
];
if (settingsProblems.length > 0) {
    throw new Error(`stack \`${stack}\` config: ${settingsProblems.join("; ")}`);
}

// A plain `pulumi up` takes the image from this checkout's Pulumi.<stack>.yaml, which holds only
// what this checkout last deployed (git holds a placeholder). The driver sets it from ECR or from
// the stack history just before `up`, and says so with PAPYRUS_DRIVER.
if (configuredImage !== undefined && !pulumi.runtime.isDryRun() && process.env.PAPYRUS_DRIVER === undefined) {
    pulumi.log.warn(`\`papyrus:image\` comes from this checkout's Pulumi.${stack}.yaml (${configuredImage}); `
        + `if another deploy ran since, this update puts that image back. \`papyrus-deploy up --stack ${stack}\` `
        + "applies infrastructure changes with the digest that runs now.");
}

const repository = new ImmutableRepository("papyrus-images", repositorySettings);

const service = configuredImage === undefined ? undefined : new DigestPinnedService("papyrus", {
    ...serviceSettings,
    image: configuredImage,
    // The digest must come from this stack's repository.
    approvedRepositoryUrl: repository.repositoryUrl,
    repositoryArn: repository.repositoryArn,
});

// The deploy role needs the service, its task definition family and the roles it passes, so it is
// built after the service. During bootstrap there is none of them: the deploy role then gets
// registration and repository reads only, no UpdateService and no PassRole. The next `up` (the
// first deploy) widens it to the service it just created. None of these values change from one deploy
// to the next (the family, not a revision ARN), so a deploy never rewrites the deploy role's policy.
const identity = new GithubDeployIdentity("papyrus-ci", {
    ...github,
    existingProviderArn: access.oidcProviderArn,
    repositoryArn: repository.repositoryArn,
    deployTarget: service === undefined ? undefined : {
        serviceArn: service.serviceArn,
        clusterArn: service.clusterArn,
        taskDefinitionFamily: service.family,
        taskRoleArn: service.taskRoleArn,
        executionRoleArn: service.executionRoleArn,
        logGroupArn: service.logGroupArn,
        requestTags: tags,
    },
    deployAccess: {
        lookUpAvailabilityZones: network === undefined,
        stateBucket: access.stateBucketArn === undefined ? undefined : {
            bucketArn: access.stateBucketArn,
            keyPrefix: access.stateKeyPrefix,
            project: pulumi.getProject(),
            stack,
            promotionSource: access.promoteFrom,
        },
    },
});

/**
 * The config the roles are built from: `papyrus:oidcProviderArn` (the provider of the tokens' issuer),
 * `papyrus:stateBucketArn` (one bucket, no wildcard) with `papyrus:stateKeyPrefix`, and `papyrus:promoteFrom`
 * (the stack whose history this one's deploys may read), with the problems found in them.
 */
function roleAccessSettings() {
    const problems: string[] = [];
    const oidcProviderArn = config.get("oidcProviderArn");
    const stateBucketArn = config.get("stateBucketArn");
    const stateKeyPrefix = config.get("stateKeyPrefix");
    const promoteFrom = config.get("promoteFrom");
    const check = (problem: string | undefined) => problem !== undefined && problems.push(problem);
    if (oidcProviderArn !== undefined) check(oidcProviderArnProblem(oidcProviderArn, githubIssuer(github.enterprise), "papyrus:oidcProviderArn"));
    if (stateBucketArn !== undefined) check(s3BucketArnProblem(stateBucketArn, "papyrus:stateBucketArn"));
    if (stateKeyPrefix !== undefined) check(stateKeyPrefixProblem(stateKeyPrefix, "papyrus:stateKeyPrefix"));
    if (stateBucketArn === undefined && stateKeyPrefix !== undefined) {
        problems.push("`papyrus:stateKeyPrefix` is set without `papyrus:stateBucketArn`; set the bucket too, or remove the prefix");
    }
    if (promoteFrom !== undefined && (!/^[A-Za-z0-9_.-]{1,100}$/.test(promoteFrom) || promoteFrom === stack)) {
        problems.push(`\`papyrus:promoteFrom\` must name another stack of this project (e.g. \`dev\`), got \`${promoteFrom}\``);
    }
    return { oidcProviderArn, stateBucketArn, stateKeyPrefix, promoteFrom, problems };
}

/** `papyrus:vpcId` with both subnet lists, or none of them (a new VPC). */
function existingNetwork() {
    const vpcId = config.get("vpcId");
    const publicSubnetIds = config.getObject<string[]>("publicSubnetIds");
    const privateSubnetIds = config.getObject<string[]>("privateSubnetIds");
    if (vpcId === undefined && publicSubnetIds === undefined && privateSubnetIds === undefined) {
        return undefined;
    }
    if (vpcId === undefined || publicSubnetIds === undefined || privateSubnetIds === undefined) {
        throw new Error("`papyrus:vpcId`, `papyrus:publicSubnetIds` and `papyrus:privateSubnetIds` go together: "
            + "set all three to use an existing VPC, or none to create one");
    }
    return { vpcId, publicSubnetIds, privateSubnetIds };
}

export const repositoryUrl = repository.repositoryUrl;
export const repositoryName = repository.repositoryName;
export const imageTag = settings.imageTag;
export const pushRoleArn = identity.pushRoleArn;
export const deployRoleArn = identity.deployRoleArn;
// Unset during bootstrap.
export const image = service?.image;
export const clusterName = service?.clusterName;
export const serviceName = service?.serviceName;
export const taskDefinitionArn = service?.taskDefinitionArn;
export const loadBalancerUrl = service?.loadBalancerUrl;
