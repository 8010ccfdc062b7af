// The whole stack program as one function: an immutable ECR repository, the GitHub Actions roles
// that push to it and deploy from it, and the Fargate service that runs one image digest, all read
// from the stack's config (components/stackConfig.ts). The repository's own index.ts is three lines
// around it, and so is an adopter's program:
//
//     import { serviceStack } from "papyrus-deploy/components";
//     const stack = serviceStack();
//     export const repositoryUrl = stack.repositoryUrl; // … one line per output the driver reads
//
// The image: git's Pulumi.<stack>.yaml holds none. The driver passes the `image` config key for
// each deploy, rollback and promote; a plain `pulumi up` keeps the image the stack runs now
// (components/runningImage.ts). A new stack runs none: its first `up` creates only the repository
// and the two roles (CI cannot push before they exist), and the first deploy creates the service.
import * as pulumi from "@pulumi/pulumi";
import { DigestPinnedService } from "./digestPinnedService";
import { GithubDeployIdentity } from "./githubDeployIdentity";
import { parseImageReference } from "./imageReference";
import { ImmutableRepository } from "./immutableRepository";
import { qualifiedKey } from "./configSchema";
import { RegistryReplication } from "./registryReplication";
import { ReplicationRegistryPolicy } from "./replicationRegistryPolicy";
import { ImageToRun, imageToRun } from "./runningImage";
import { readStackConfig, readStackSettings } from "./stackConfig";

/** What the stack exports: the driver reads these outputs (`repositoryUrl`, `image`, `serviceName`, …). */
export interface ServiceStackOutputs {
    readonly repositoryUrl: pulumi.Output<string>;
    readonly repositoryName: pulumi.Output<string>;
    readonly pushRoleArn: pulumi.Output<string>;
    readonly deployRoleArn: pulumi.Output<string>;
    /** Unset while the stack runs no image (before its first deploy); so are the ones below. */
    readonly imageTag: pulumi.Output<string | undefined>;
    readonly image: pulumi.Output<string | undefined>;
    readonly clusterName: pulumi.Output<string | undefined>;
    readonly serviceName: pulumi.Output<string | undefined>;
    readonly taskDefinitionArn: pulumi.Output<string | undefined>;
    readonly loadBalancerUrl: pulumi.Output<string | undefined>;
    /**
     * The service's test listener (`<loadBalancerUrl>:<port>`), where the driver's `--smoke-test` reaches the new tasks at a
     * PAUSE hook (`PAPYRUS_TEST_URL`); unset without one (a rolling service, or no `deployment.testListener`).
     */
    readonly testListenerUrl: pulumi.Output<string | undefined>;
}

/** Registers the stack's resources from its config and returns its outputs. Call it once, from the program. */
export function serviceStack(): ServiceStackOutputs {
    const config = new pulumi.Config();
    const stack = pulumi.getStack();
    // The project's name (Pulumi.yaml): the config namespace, the tag, and the stem of every resource name
    // (`<project>-images`, `<project>-ci`, the service `<project>`), so two services never share names.
    const project = pulumi.getProject();
    const settings = readStackSettings(config);
    const tags = { Project: project, Stack: stack };

    // Config is checked before any resource is registered: a refused value must not leave half a stack.
    // The image (with the config key in the message) here; everything else in readStackConfig, which runs
    // the components' own argument checks on the config and names the keys (components/stackConfig.ts).
    const configuredImage = settings.image === undefined ? undefined : parseImageReference(settings.image, { input: qualifiedKey(project, "image") }).reference;
    const stackConfig = readStackConfig(config, { stack, region: new pulumi.Config("aws").get("region") });
    const { github, access, service: serviceSettings, replication } = stackConfig;
    const network = serviceSettings.network;

    const repository = new ImmutableRepository(`${project}-images`, {
        repositoryName: settings.repositoryName,
        untaggedExpiryDays: stackConfig.repository.untaggedExpiryDays,
        taggedRetention: stackConfig.repository.taggedRetention,
        encryption: stackConfig.repository.kmsKeyArn === undefined ? { type: "AES256" } : { type: "KMS", kmsKeyArn: stackConfig.repository.kmsKeyArn },
        tags,
    });

    // Replication belongs to the stack of the build registry (`replicateTo`); a destination in
    // another account allows it with `replicationSourceAccount`. See the components' headers.
    if (replication.destinations.length > 0) {
        new RegistryReplication(`${project}-replication`, {
            repositoryName: repository.repositoryName,
            repositoryArn: repository.repositoryArn,
            destinations: replication.destinations,
        });
    }
    if (replication.sourceAccount !== undefined) {
        new ReplicationRegistryPolicy(`${project}-replication-source`, {
            sourceAccount: replication.sourceAccount,
            repositoryArn: repository.repositoryArn,
        });
    }

    // The service and the deploy role wait for the image choice: with the image unset it is read
    // from the stack's own last outputs, which only a resource read can answer.
    const deployed = imageToRun({ image: configuredImage, imageTag: settings.imageTag }).then(serviceAndDeployRole);

    function serviceAndDeployRole(running: ImageToRun | undefined) {
        const service =
            running === undefined
                ? undefined
                : new DigestPinnedService(project, {
                      ...serviceSettings,
                      imageTag: running.imageTag,
                      family: `${project}-${stack}`,
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
        const identity = new GithubDeployIdentity(`${project}-ci`, {
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
                              project,
                              stack,
                              promotionSource: access.promoteFrom,
                          },
            },
        });
        return { running, service, identity };
    }

    return {
        repositoryUrl: repository.repositoryUrl,
        repositoryName: repository.repositoryName,
        pushRoleArn: pulumi.output(deployed.then((d) => d.identity.pushRoleArn)),
        deployRoleArn: pulumi.output(deployed.then((d) => d.identity.deployRoleArn)),
        imageTag: pulumi.output(deployed.then((d) => d.running?.imageTag)),
        image: pulumi.output(deployed.then((d) => d.service?.image)),
        clusterName: pulumi.output(deployed.then((d) => d.service?.clusterName)),
        serviceName: pulumi.output(deployed.then((d) => d.service?.serviceName)),
        taskDefinitionArn: pulumi.output(deployed.then((d) => d.service?.taskDefinitionArn)),
        loadBalancerUrl: pulumi.output(deployed.then((d) => d.service?.loadBalancerUrl)),
        testListenerUrl: pulumi.output(deployed.then((d) => d.service?.testListenerUrl)),
    };
}
