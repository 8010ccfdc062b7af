// The papyrus stack: an immutable ECR repository, the GitHub Actions roles
// that push to it and deploy from it, and the Fargate service that runs one
// image digest.
//
// The image: git's Pulumi.<stack>.yaml holds none. The driver passes
// `papyrus:image` for each deploy, rollback and promote; a plain `pulumi up`
// keeps the image the stack runs now (components/runningImage.ts). A new stack
// runs none: its first `up` creates only the repository and the two roles
// (CI cannot push before they exist), and the first deploy creates the service.
import * as pulumi from "@pulumi/pulumi";
import { DigestPinnedService } from "./components/digestPinnedService";
import { GithubDeployIdentity } from "./components/githubDeployIdentity";
import { parseImageReference } from "./components/imageReference";
import { ImmutableRepository } from "./components/immutableRepository";
import { qualifiedKey } from "./components/configSchema";
import { RegistryReplication } from "./components/registryReplication";
import { ReplicationRegistryPolicy } from "./components/replicationRegistryPolicy";
import { ImageToRun, imageToRun } from "./components/runningImage";
import { readStackConfig, readStackSettings } from "./components/stackConfig";

const config = new pulumi.Config();
const stack = pulumi.getStack();
const settings = readStackSettings(config);
const tags = { Project: pulumi.getProject(), Stack: stack };

// Config is checked before any resource is registered: a refused value must not leave half a stack.
// The image (with the config key in the message) here; everything else in readStackConfig, which runs
// the components' own argument checks on the config and names the keys (components/stackConfig.ts).
const configuredImage =
    settings.image === undefined ? undefined : parseImageReference(settings.image, { input: qualifiedKey(pulumi.getProject(), "image") }).reference;
const stackConfig = readStackConfig(config, { stack, region: new pulumi.Config("aws").get("region") });
const { github, access, service: serviceSettings, replication } = stackConfig;
const network = serviceSettings.network;

const repository = new ImmutableRepository("papyrus-images", {
    repositoryName: settings.repositoryName,
    untaggedExpiryDays: stackConfig.repository.untaggedExpiryDays,
    taggedRetention: stackConfig.repository.taggedRetention,
    encryption: stackConfig.repository.kmsKeyArn === undefined ? { type: "AES256" } : { type: "KMS", kmsKeyArn: stackConfig.repository.kmsKeyArn },
    tags,
});

// Replication belongs to the stack of the build registry (`papyrus:replicateTo`); a destination in
// another account allows it with `papyrus:replicationSourceAccount`. See the components' headers.
if (replication.destinations.length > 0) {
    new RegistryReplication("papyrus-replication", {
        repositoryName: repository.repositoryName,
        repositoryArn: repository.repositoryArn,
        destinations: replication.destinations,
    });
}
if (replication.sourceAccount !== undefined) {
    new ReplicationRegistryPolicy("papyrus-replication-source", {
        sourceAccount: replication.sourceAccount,
        repositoryArn: repository.repositoryArn,
    });
}

// The service and the deploy role wait for the image choice: with `papyrus:image` unset it is read
// from the stack's own last outputs, which only a resource read can answer.
const deployed = imageToRun({ image: configuredImage, imageTag: settings.imageTag }).then(serviceAndDeployRole);

function serviceAndDeployRole(running: ImageToRun | undefined) {
    const service =
        running === undefined
            ? undefined
            : new DigestPinnedService("papyrus", {
                  ...serviceSettings,
                  imageTag: running.imageTag,
                  family: `${pulumi.getProject()}-${stack}`,
                  tags,
                  image: running.image,
                  // The digest must come from this stack's repository.
                  approvedRepositoryUrl: repository.repositoryUrl,
                  repositoryArn: repository.repositoryArn,
              });

    // The deploy role needs the service, its task definition family and the roles it passes (the service's
    // `deployTarget`, one object), so it is built after the service. During bootstrap there is none of them:
    // the deploy role then gets registration and repository reads only, no UpdateService and no PassRole. The
    // next `up` (the first deploy) widens it to the service it just created. None of these values change from
    // one deploy to the next (the family, not a revision ARN), so a deploy never rewrites the deploy role's policy.
    const identity = new GithubDeployIdentity("papyrus-ci", {
        ...github,
        existingProviderArn: access.oidcProviderArn,
        repositoryArn: repository.repositoryArn,
        deployTarget: service?.deployTarget,
        deployAccess: {
            lookUpAvailabilityZones: network === undefined,
            stateBucket:
                access.stateBucketArn === undefined
                    ? undefined
                    : {
                          bucketArn: access.stateBucketArn,
                          keyPrefix: access.stateKeyPrefix,
                          project: pulumi.getProject(),
                          stack,
                          promotionSource: access.promoteFrom,
                      },
        },
    });
    return { running, service, identity };
}

export const repositoryUrl = repository.repositoryUrl;
export const repositoryName = repository.repositoryName;
export const pushRoleArn = pulumi.output(deployed.then((d) => d.identity.pushRoleArn));
export const deployRoleArn = pulumi.output(deployed.then((d) => d.identity.deployRoleArn));
// Unset while the stack runs no image (before its first deploy).
export const imageTag = pulumi.output(deployed.then((d) => d.running?.imageTag));
export const image = pulumi.output(deployed.then((d) => d.service?.image));
export const clusterName = pulumi.output(deployed.then((d) => d.service?.clusterName));
export const serviceName = pulumi.output(deployed.then((d) => d.service?.serviceName));
export const taskDefinitionArn = pulumi.output(deployed.then((d) => d.service?.taskDefinitionArn));
export const loadBalancerUrl = pulumi.output(deployed.then((d) => d.service?.loadBalancerUrl));
