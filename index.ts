// The papyrus stack: an immutable ECR repository, the GitHub Actions roles
// that push to it and deploy from it, and the Fargate service that runs one
// image digest.
//
// Bootstrap: a new stack has no image yet (CI cannot push before the
// repository and the push role exist). With `papyrus:image` unset, `pulumi up`
// creates only the repository and the two roles; the first deploy sets
// `papyrus:image` (the driver does) and the next `up` creates the service.
import * as pulumi from "@pulumi/pulumi";
import { DigestPinnedService } from "./components/digestPinnedService";
import { GithubDeployIdentity } from "./components/githubDeployIdentity";
import { parseImageReference } from "./components/imageReference";
import { ImmutableRepository } from "./components/immutableRepository";
import { qualifiedKey, readStackConfig, readStackSettings } from "./components/stackConfig";

const config = new pulumi.Config();
const stack = pulumi.getStack();
const settings = readStackSettings(config);
const tags = { Project: pulumi.getProject(), Stack: stack };

// Config is checked before any resource is registered: a refused value must not leave half a stack.
// The image (with the config key in the message) here; everything else in readStackConfig, which runs
// the components' own argument checks on the config and names the keys (components/stackConfig.ts).
const configuredImage = settings.image === undefined
    ? undefined
    : parseImageReference(settings.image, { input: qualifiedKey("image") }).reference;
const stackConfig = readStackConfig(config, { stack, region: new pulumi.Config("aws").get("region") });
const { github, access, service: serviceSettings } = stackConfig;
const network = serviceSettings.network;

// A plain `pulumi up` takes the image from this checkout's Pulumi.<stack>.yaml, which holds only
// what this checkout last deployed (git holds a placeholder). The driver sets it from ECR or from
// the stack history just before `up`, and says so with PAPYRUS_DRIVER.
if (configuredImage !== undefined && !pulumi.runtime.isDryRun() && process.env.PAPYRUS_DRIVER === undefined) {
    pulumi.log.warn(`\`papyrus:image\` comes from this checkout's Pulumi.${stack}.yaml (${configuredImage}); `
        + `if another deploy ran since, this update puts that image back. \`papyrus-deploy up --stack ${stack}\` `
        + "applies infrastructure changes with the digest that runs now.");
}

const repository = new ImmutableRepository("papyrus-images", {
    repositoryName: settings.repositoryName,
    untaggedExpiryDays: stackConfig.repository.untaggedExpiryDays,
    encryption: stackConfig.repository.kmsKeyArn === undefined ? { type: "AES256" } : { type: "KMS", kmsKeyArn: stackConfig.repository.kmsKeyArn },
    tags,
});

const service = configuredImage === undefined ? undefined : new DigestPinnedService("papyrus", {
    ...serviceSettings,
    imageTag: settings.imageTag,
    family: `${pulumi.getProject()}-${stack}`,
    tags,
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
        serviceResources: {
            certificateArn: service.certificateArn,
            hostedZoneId: service.hostedZoneId,
            scalableTargetArn: service.scalableTargetArn,
            roleArns: service.loadBalancerRoleArn === undefined ? undefined : [service.loadBalancerRoleArn],
        },
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
