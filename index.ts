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
import { DigestPinnedService, DigestPinnedServiceArgs, digestPinnedServiceProblems, FargateCpu } from "./components/digestPinnedService";
import { oidcProviderArnProblem, s3BucketArnProblem, stateKeyPrefixProblem } from "./components/arns";
import { GithubDeployIdentity } from "./components/githubDeployIdentity";
import { parseGithubConfigValue, resolveGithubSettings } from "./components/githubIdentitySettings";
import { githubIssuer } from "./components/githubSubject";
import { ImageDigestRef, parseImageReference } from "./components/imageReference";
import { ImmutableRepository, ImmutableRepositoryArgs, immutableRepositoryProblems } from "./components/immutableRepository";
import { RegistryReplication } from "./components/registryReplication";
import { ReplicationRegistryPolicy } from "./components/replicationRegistryPolicy";
import { parseReplicationDestinations, replicationSourceAccountProblem } from "./components/replicationSettings";
import { ImageToRun, imageToRun } from "./components/runningImage";
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
const replication = replicationSettings();

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
    ...replication.problems,
    ...immutableRepositoryProblems(repositorySettings),
    // Also when this update names no image: the stack may run one (from its last outputs), and a bad
    // setting must stop the update before anything registers either way. The image is checked above.
    ...digestPinnedServiceProblems({ ...serviceSettings, image: configuredImage ?? ("" as ImageDigestRef), repositoryArn: "" }),
];
if (settingsProblems.length > 0) {
    throw new Error(`stack \`${stack}\` config: ${settingsProblems.join("; ")}`);
}

// The driver passes the image for its update only (and says so with PAPYRUS_DRIVER). An image set in a
// checkout's Pulumi.<stack>.yaml by hand replaces the one the stack runs: say so.
if (configuredImage !== undefined && !pulumi.runtime.isDryRun() && process.env.PAPYRUS_DRIVER === undefined) {
    pulumi.log.warn(`\`papyrus:image\` is set in this checkout's Pulumi.${stack}.yaml (${configuredImage}), so this update `
        + `runs that image instead of the one the stack runs now; remove the key (\`pulumi config rm image -s ${stack}\`) `
        + `to keep the running image, and deploy with \`papyrus-deploy deploy --stack ${stack} --tag <tag>\`.`);
}

const repository = new ImmutableRepository("papyrus-images", repositorySettings);

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

/** The service (none before the first deploy) and the GitHub roles, for the image this update runs. */
function serviceAndDeployRole(running: ImageToRun | undefined) {
    const service = running === undefined ? undefined : new DigestPinnedService("papyrus", {
        ...serviceSettings,
        imageTag: running.imageTag,
        image: running.image,
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
    return { running, service, identity };
}

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

/**
 * `papyrus:replicateTo` (set on the stack that owns the build registry: where its images are copied) and
 * `papyrus:replicationSourceAccount` (set on a destination in another account: who may copy into it).
 */
function replicationSettings() {
    const replicateTo = config.get("replicateTo");
    const sourceAccount = config.get("replicationSourceAccount");
    const { destinations, problems } = replicateTo === undefined ? { destinations: [], problems: [] }
        : parseReplicationDestinations(replicateTo, "papyrus:replicateTo", new pulumi.Config("aws").get("region"));
    const sourceProblem = sourceAccount === undefined ? undefined : replicationSourceAccountProblem(sourceAccount, "papyrus:replicationSourceAccount");
    return { destinations, sourceAccount, problems: sourceProblem === undefined ? problems : [...problems, sourceProblem] };
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
export const pushRoleArn = pulumi.output(deployed.then((d) => d.identity.pushRoleArn));
export const deployRoleArn = pulumi.output(deployed.then((d) => d.identity.deployRoleArn));
// Unset until the first deploy. `image` and `imageTag` are what the next plain `pulumi up` keeps.
export const imageTag = pulumi.output(deployed.then((d) => d.running?.imageTag));
export const image = pulumi.output(deployed.then((d) => d.service?.image));
export const clusterName = pulumi.output(deployed.then((d) => d.service?.clusterName));
export const serviceName = pulumi.output(deployed.then((d) => d.service?.serviceName));
export const taskDefinitionArn = pulumi.output(deployed.then((d) => d.service?.taskDefinitionArn));
export const loadBalancerUrl = pulumi.output(deployed.then((d) => d.service?.loadBalancerUrl));
