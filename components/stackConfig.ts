// The stack's config, read once into one typed object (index.ts composes the
// components from it). Every value is checked here, before any resource is
// registered, and every problem names its config key: the shape (a number
// where a number goes, no unknown keys inside an object) while reading, as the
// config schema types each key (configSchema.ts), then the components' own
// argument checks with the keys as names.
//
// This module and what it imports stay free of Pulumi and AWS SDK imports:
// the driver loads it too.

import { oidcProviderArnProblem, s3BucketArnProblem, stateKeyPrefixProblem } from "./arns";
import { ConfigKey } from "./configSchema";
import { ConfigReader, ConfigValues } from "./configValues";
import { kmsKeyArnProblem } from "./containerSecrets";
import type { DigestPinnedServiceArgs } from "./digestPinnedServiceArgs";
import { digestPinnedServiceProblems } from "./digestPinnedServiceArgs";
import { GithubIdentitySettings, parseGithubConfigValue, resolveGithubSettings } from "./githubIdentitySettings";
import { githubIssuer } from "./githubSubject";
import { immutableRepositoryProblems } from "./immutableRepositoryArgs";
import { parseReplicationDestinations, ReplicationDestination, replicationSourceAccountProblem } from "./replicationSettings";
import type { TaggedImageRetention } from "./repositoryLifecycle";
import { got } from "./inputMessage";

export type { ConfigReader } from "./configValues";

export interface ImageSettings {
    readonly repositoryName: string;
    /** Unset until the first deploy: the stack then creates the repository and roles only. */
    readonly image?: string;
    readonly imageTag?: string;
}

/** The repository and the image this update runs (the driver's `image` and `imageTag`, unset on a plain `pulumi up`). */
export function readStackSettings(config: ConfigReader): ImageSettings {
    const read = new ConfigValues(config);
    return {
        repositoryName: config.require("repositoryName" satisfies ConfigKey),
        image: read.scalar("image"),
        imageTag: read.scalar("imageTag"),
    };
}

/** The service's settings from config: DigestPinnedService's arguments, less what index.ts wires from other components. */
export type ServiceSettings = Omit<DigestPinnedServiceArgs, "image" | "imageTag" | "approvedRepositoryUrl" | "repositoryArn" | "family" | "tags">;

/** What the GitHub roles are built from besides `<project>:github`. */
export interface RoleAccessSettings {
    /** `<project>:oidcProviderArn`: the account's provider for the tokens' issuer, reused. */
    readonly oidcProviderArn?: string;
    /** `<project>:stateBucketArn` and `<project>:stateKeyPrefix`: an S3 state backend. */
    readonly stateBucketArn?: string;
    readonly stateKeyPrefix?: string;
    /** `<project>:promoteFrom`: the stack whose history this one's deploys may read. */
    readonly promoteFrom?: string;
}

export interface StackConfig {
    readonly stack: string;
    /** `<project>:github`, checked strictly (components/githubIdentitySettings.ts). */
    readonly github: GithubIdentitySettings;
    readonly repository: {
        /** `<project>:untaggedImageExpiryDays` */
        readonly untaggedExpiryDays?: number;
        /** `<project>:repositoryKmsKeyArn`: KMS instead of AES256. */
        readonly kmsKeyArn?: string;
        /** `<project>:taggedImageRetention`: how unprotected tagged images expire (`{ keepNewest: N }` or `{ olderThanDays: N }`). */
        readonly taggedRetention?: TaggedImageRetention;
    };
    readonly access: RoleAccessSettings;
    readonly service: ServiceSettings;
    readonly replication: ReplicationSettings;
}

export interface ReplicationSettings {
    /** `<project>:replicateTo`: where the build registry (this stack's) copies its images. */
    readonly destinations: readonly ReplicationDestination[];
    /** `<project>:replicationSourceAccount`: the account whose registry may copy into this one. */
    readonly sourceAccount?: string;
}

/** Every problem found in the stack's config, reported at once. */
export class StackConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
    ) {
        super(`stack \`${stack}\` config: ${problems.join("; ")}`);
        this.name = "StackConfigError";
    }
}

/** Service arguments whose config key is not the argument's own name. */
const SERVICE_KEY_OF_ARGUMENT: Readonly<Record<string, ConfigKey>> = {
    "healthCheck.path": "healthCheckPath",
    "vpc.natGateways": "natGateways",
};

/** The config key a DigestPinnedService argument is read from: `https.domain` → `<project>:https.domain`. */
export function serviceConfigKey(project: string, argument: string): string {
    return `${project}:${SERVICE_KEY_OF_ARGUMENT[argument] ?? argument}`;
}

/**
 * Reads and checks the stack's config (all but the image, which index.ts reads with `readStackSettings`).
 * Throws `GithubSettingsError` for `<project>:github`, then `StackConfigError` with every other problem.
 * `region` is `aws:region`: a certificate must be in it.
 */
export function readStackConfig(config: ConfigReader, options: { stack: string; region?: string }): StackConfig {
    const read = new ConfigValues(config);
    const github = resolveGithubSettings(parseGithubConfigValue(read.scalar("github"), read.key("github")), read.key("github")).settings;
    const repository = readRepository(read);
    const access = readAccess(read, options.stack, githubIssuer(github.enterprise));
    const service = readService(read);
    const replication = readReplication(read, options.region);
    const problems = [
        ...read.problems,
        ...access.problems,
        ...immutableRepositoryProblems(
            { repositoryName: "", untaggedExpiryDays: repository.untaggedExpiryDays, taggedRetention: repository.taggedRetention },
            (argument) => repositoryKeyOfArgument(read, argument),
        ),
        ...(repository.kmsKeyArn === undefined
            ? []
            : [kmsKeyArnProblem(repository.kmsKeyArn, read.key("repositoryKmsKeyArn"))].filter((p): p is string => p !== undefined)),
        ...(read.problems.length > 0
            ? []
            : digestPinnedServiceProblems(
                  { ...service, image: "@sha256:", repositoryArn: "" },
                  { name: (argument) => serviceConfigKey(config.name, argument), region: options.region },
              )),
        ...replication.problems,
    ];
    if (problems.length > 0) {
        throw new StackConfigError(options.stack, problems);
    }
    return { stack: options.stack, github, repository, access: access.settings, service, replication: replication.settings };
}

/** ImmutableRepository arguments read from config keys of other names. */
const REPOSITORY_KEY_OF_ARGUMENT: Readonly<Record<string, ConfigKey>> = {
    untaggedExpiryDays: "untaggedImageExpiryDays",
    taggedRetention: "taggedImageRetention",
};

function repositoryKeyOfArgument(read: ConfigValues, argument: string): string {
    const key = REPOSITORY_KEY_OF_ARGUMENT[argument];
    return key === undefined ? argument : read.key(key);
}

function readRepository(read: ConfigValues): StackConfig["repository"] {
    return {
        untaggedExpiryDays: read.scalar("untaggedImageExpiryDays"),
        kmsKeyArn: read.scalar("repositoryKmsKeyArn"),
        taggedRetention: read.structured("taggedImageRetention") as TaggedImageRetention | undefined,
    };
}

function readAccess(read: ConfigValues, stack: string, issuer: string): { settings: RoleAccessSettings; problems: string[] } {
    const problems: string[] = [];
    const settings: RoleAccessSettings = {
        oidcProviderArn: read.scalar("oidcProviderArn"),
        stateBucketArn: read.scalar("stateBucketArn"),
        stateKeyPrefix: read.scalar("stateKeyPrefix"),
        promoteFrom: read.scalar("promoteFrom"),
    };
    const check = (problem: string | undefined) => problem !== undefined && problems.push(problem);
    if (settings.oidcProviderArn !== undefined) check(oidcProviderArnProblem(settings.oidcProviderArn, issuer, read.key("oidcProviderArn")));
    if (settings.stateBucketArn !== undefined) check(s3BucketArnProblem(settings.stateBucketArn, read.key("stateBucketArn"), read.key("stateKeyPrefix")));
    if (settings.stateKeyPrefix !== undefined) check(stateKeyPrefixProblem(settings.stateKeyPrefix, read.key("stateKeyPrefix")));
    if (settings.stateBucketArn === undefined && settings.stateKeyPrefix !== undefined) {
        problems.push(`\`${read.key("stateKeyPrefix")}\` is set without \`${read.key("stateBucketArn")}\`; set the bucket too, or remove the prefix`);
    }
    const promoteFrom = settings.promoteFrom;
    if (promoteFrom !== undefined && (!/^[A-Za-z0-9_.-]{1,100}$/.test(promoteFrom) || promoteFrom === stack)) {
        problems.push(`\`${read.key("promoteFrom")}\` must name another stack of this project (e.g. \`dev\`)${got(promoteFrom)}`);
    }
    return { settings, problems };
}

function readService(read: ConfigValues): ServiceSettings {
    const network = readNetwork(read);
    const healthCheckPath = read.scalar("healthCheckPath");
    const natGateways = read.scalar("natGateways");
    return dropUndefined({
        cpu: read.scalar("cpu") as ServiceSettings["cpu"],
        memory: read.scalar("memory"),
        containerPort: read.scalar("containerPort"),
        desiredCount: read.scalar("desiredCount"),
        autoscaling: read.structured("autoscaling") as ServiceSettings["autoscaling"],
        https: read.structured("https") as ServiceSettings["https"],
        httpOnly: read.scalar("httpOnly"),
        environment: read.structured("environment") as ServiceSettings["environment"],
        secrets: read.structured("secrets") as ServiceSettings["secrets"],
        secretsKmsKeyArn: read.scalar("secretsKmsKeyArn"),
        healthCheck: healthCheckPath === undefined ? undefined : { path: healthCheckPath },
        containerHealthCheck: read.structured("containerHealthCheck") as ServiceSettings["containerHealthCheck"],
        readonlyRootFilesystem: read.scalar("readonlyRootFilesystem"),
        user: read.scalar("user"),
        stopTimeoutSeconds: read.scalar("stopTimeoutSeconds"),
        enableExecuteCommand: read.scalar("enableExecuteCommand"),
        deployment: read.structured("deployment") as ServiceSettings["deployment"],
        deploymentAlarms: read.structured("deploymentAlarms") as ServiceSettings["deploymentAlarms"],
        logRetentionDays: read.scalar("logRetentionDays"),
        clusterArn: read.scalar("clusterArn"),
        network,
        vpc: network === undefined && natGateways !== undefined ? { natGateways: natGateways as "Single" | "OnePerAz" } : undefined,
    });
}

/** `<project>:vpcId` with both subnet lists, or none of them (a new VPC). */
function readNetwork(read: ConfigValues): ServiceSettings["network"] {
    const vpcId = read.scalar("vpcId");
    const publicSubnetIds = read.structured("publicSubnetIds") as string[] | undefined;
    const privateSubnetIds = read.structured("privateSubnetIds") as string[] | undefined;
    const given = (["vpcId", "publicSubnetIds", "privateSubnetIds"] as const).filter((key) => read.has(key)).length;
    if (given === 0) {
        return undefined;
    }
    if (given < 3) {
        read.problems.push(
            `\`${read.key("vpcId")}\`, \`${read.key("publicSubnetIds")}\` and \`${read.key("privateSubnetIds")}\` go together: ` +
                "set all three to use an existing VPC, or none to create one",
        );
        return undefined;
    }
    // All three given; a list refused for its shape is already reported.
    return vpcId === undefined || publicSubnetIds === undefined || privateSubnetIds === undefined ? undefined : { vpcId, publicSubnetIds, privateSubnetIds };
}

function dropUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** `<project>:replicateTo` and `<project>:replicationSourceAccount`; `region` is the stack's own (`aws:region`). */
function readReplication(read: ConfigValues, region: string | undefined): { settings: ReplicationSettings; problems: string[] } {
    const replicateTo = read.scalar("replicateTo");
    const sourceAccount = read.scalar("replicationSourceAccount");
    const { destinations, problems } =
        replicateTo === undefined ? { destinations: [], problems: [] } : parseReplicationDestinations(replicateTo, read.key("replicateTo"), region);
    const sourceProblem = sourceAccount === undefined ? undefined : replicationSourceAccountProblem(sourceAccount, read.key("replicationSourceAccount"));
    return { settings: { destinations, sourceAccount }, problems: sourceProblem === undefined ? problems : [...problems, sourceProblem] };
}
