// Config keys shared by the stack program (index.ts), the deploy driver and
// the driver's test fixture. The driver passes `image`, `imageTag`,
// `deployedBy` and `deployKind` (and `promotedFrom`) with every `up`, for that
// update only (automation/record/updateConfig.ts), so each update in the stack history
// carries the digest it deployed and who asked for it.
//
// `readStackConfig` reads the rest of the config (the GitHub roles', the
// repository's and the service's) into one typed object. This module and what
// it imports stay free of Pulumi and AWS SDK imports: the driver loads it too.

import { oidcProviderArnProblem, s3BucketArnProblem, stateKeyPrefixProblem } from "./arns";
import { kmsKeyArnProblem } from "./containerSecrets";
import type { DigestPinnedServiceArgs } from "./digestPinnedServiceArgs";
import { digestPinnedServiceProblems } from "./digestPinnedServiceArgs";
import { GithubIdentitySettings, nearMiss, parseGithubConfigValue, resolveGithubSettings } from "./githubIdentitySettings";
import { githubIssuer } from "./githubSubject";
import { immutableRepositoryProblems } from "./immutableRepositoryArgs";
import type { TaggedImageRetention } from "./repositoryLifecycle";

/** Project name, and so the config namespace: keys are `papyrus:<key>`. */
export const PROJECT_NAME = "papyrus";

export const CONFIG_KEYS = {
    /** ECR repository name (not URL) the service's images come from. */
    repositoryName: "repositoryName",
    /** The digest-pinned reference `<repositoryUrl>@sha256:<hex>` the service runs. */
    image: "image",
    /** The human tag the digest was resolved from (a label; never used to pull). */
    imageTag: "imageTag",
    /** Who asked for the update (CI actor or local user). */
    deployedBy: "deployedBy",
    /** `deploy`, `rollback`, `up`, `promote` or `reconcile` (automation/record/updateKinds.ts). */
    deployKind: "deployKind",
    /** For a promote: the source stack's deployment the digest came from, as JSON (`{ stack, version, digest, tag }`). */
    promotedFrom: "promotedFrom",
    /** For a reconcile: the update whose digest ECS rolled back, as JSON (`{ version, digest }`). */
    reconcileOf: "reconcileOf",
    /** The stack whose succeeded digests are the only ones `deploy` may put on this one (e.g. `dev` on prod). */
    promoteFrom: "promoteFrom",
} as const;

/** Fully qualified key, e.g. `papyrus:image`. */
export function qualifiedKey(key: keyof typeof CONFIG_KEYS): string {
    return `${PROJECT_NAME}:${CONFIG_KEYS[key]}`;
}

/** The part of `pulumi.Config` this module needs, so it stays free of Pulumi imports. */
export interface ConfigReader {
    get(key: string): string | undefined;
    require(key: string): string;
}

export interface ImageSettings {
    readonly repositoryName: string;
    /** Unset until the first deploy: the stack then creates the repository and roles only. */
    readonly image?: string;
    readonly imageTag?: string;
}

export function readStackSettings(config: ConfigReader): ImageSettings {
    return {
        repositoryName: config.require(CONFIG_KEYS.repositoryName),
        image: config.get(CONFIG_KEYS.image),
        imageTag: config.get(CONFIG_KEYS.imageTag),
    };
}

// ---------------------------------------------------------------------------
// The whole stack config, read once into one typed object (index.ts composes
// the components from it). Every value is checked here, before any resource is
// registered, and every problem names its config key: the shape (a number
// where a number goes, no unknown keys inside an object) while reading, then
// the components' own argument checks with the keys as names.

/** The service's settings from config: DigestPinnedService's arguments, less what index.ts wires from other components. */
export type ServiceSettings = Omit<DigestPinnedServiceArgs, "image" | "imageTag" | "approvedRepositoryUrl" | "repositoryArn" | "family" | "tags">;

/** What the GitHub roles are built from besides `papyrus:github`. */
export interface RoleAccessSettings {
    /** `papyrus:oidcProviderArn`: the account's provider for the tokens' issuer, reused. */
    readonly oidcProviderArn?: string;
    /** `papyrus:stateBucketArn` and `papyrus:stateKeyPrefix`: an S3 state backend. */
    readonly stateBucketArn?: string;
    readonly stateKeyPrefix?: string;
    /** `papyrus:promoteFrom`: the stack whose history this one's deploys may read. */
    readonly promoteFrom?: string;
}

export interface StackConfig {
    readonly stack: string;
    /** `papyrus:github`, checked strictly (components/githubIdentitySettings.ts). */
    readonly github: GithubIdentitySettings;
    readonly repository: {
        /** `papyrus:untaggedImageExpiryDays` */
        readonly untaggedExpiryDays?: number;
        /** `papyrus:repositoryKmsKeyArn`: KMS instead of AES256. */
        readonly kmsKeyArn?: string;
        /** `papyrus:taggedImageRetention`: how unprotected tagged images expire (`{ keepNewest: N }` or `{ olderThanDays: N }`). */
        readonly taggedRetention?: TaggedImageRetention;
    };
    readonly access: RoleAccessSettings;
    readonly service: ServiceSettings;
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
const SERVICE_KEY_OF_ARGUMENT: Readonly<Record<string, string>> = {
    "healthCheck.path": "healthCheckPath",
    "vpc.natGateways": "natGateways",
};

/** The config key a DigestPinnedService argument is read from: `https.domain` → `papyrus:https.domain`. */
export function serviceConfigKey(argument: string): string {
    return `${PROJECT_NAME}:${SERVICE_KEY_OF_ARGUMENT[argument] ?? argument}`;
}

/**
 * Reads and checks the stack's config (all but the image, which index.ts reads with `readStackSettings`).
 * Throws `GithubSettingsError` for `papyrus:github`, then `StackConfigError` with every other problem.
 * `region` is `aws:region`: a certificate must be in it.
 */
export function readStackConfig(config: ConfigReader, options: { stack: string; region?: string }): StackConfig {
    const github = resolveGithubSettings(parseGithubConfigValue(config.get("github"), `${PROJECT_NAME}:github`), `${PROJECT_NAME}:github`).settings;
    const read = new ConfigValues(config);
    const repository = readRepository(read);
    const access = readAccess(read, options.stack, githubIssuer(github.enterprise));
    const service = readService(read);
    const problems = [
        ...read.problems,
        ...access.problems,
        ...immutableRepositoryProblems(
            { repositoryName: "", untaggedExpiryDays: repository.untaggedExpiryDays, taggedRetention: repository.taggedRetention },
            (argument) => REPOSITORY_KEY_OF_ARGUMENT[argument] ?? argument,
        ),
        ...(repository.kmsKeyArn === undefined
            ? []
            : [kmsKeyArnProblem(repository.kmsKeyArn, `${PROJECT_NAME}:repositoryKmsKeyArn`)].filter((p): p is string => p !== undefined)),
        ...(read.problems.length > 0
            ? []
            : digestPinnedServiceProblems({ ...service, image: "@sha256:", repositoryArn: "" }, { name: serviceConfigKey, region: options.region })),
    ];
    if (problems.length > 0) {
        throw new StackConfigError(options.stack, problems);
    }
    return { stack: options.stack, github, repository, access: access.settings, service };
}

/** ImmutableRepository arguments read from config keys of other names. */
const REPOSITORY_KEY_OF_ARGUMENT: Readonly<Record<string, string>> = {
    untaggedExpiryDays: `${PROJECT_NAME}:untaggedImageExpiryDays`,
    taggedRetention: `${PROJECT_NAME}:taggedImageRetention`,
};

function readRepository(read: ConfigValues): StackConfig["repository"] {
    return {
        untaggedExpiryDays: read.number("untaggedImageExpiryDays"),
        kmsKeyArn: read.text("repositoryKmsKeyArn"),
        taggedRetention: read.object("taggedImageRetention", TAGGED_RETENTION_SHAPE) as TaggedImageRetention | undefined,
    };
}

function readAccess(read: ConfigValues, stack: string, issuer: string): { settings: RoleAccessSettings; problems: string[] } {
    const problems: string[] = [];
    const settings: RoleAccessSettings = {
        oidcProviderArn: read.text("oidcProviderArn"),
        stateBucketArn: read.text("stateBucketArn"),
        stateKeyPrefix: read.text("stateKeyPrefix"),
        promoteFrom: read.text("promoteFrom"),
    };
    const check = (problem: string | undefined) => problem !== undefined && problems.push(problem);
    const key = (name: string) => `${PROJECT_NAME}:${name}`;
    if (settings.oidcProviderArn !== undefined) check(oidcProviderArnProblem(settings.oidcProviderArn, issuer, key("oidcProviderArn")));
    if (settings.stateBucketArn !== undefined) check(s3BucketArnProblem(settings.stateBucketArn, key("stateBucketArn")));
    if (settings.stateKeyPrefix !== undefined) check(stateKeyPrefixProblem(settings.stateKeyPrefix, key("stateKeyPrefix")));
    if (settings.stateBucketArn === undefined && settings.stateKeyPrefix !== undefined) {
        problems.push(`\`${key("stateKeyPrefix")}\` is set without \`${key("stateBucketArn")}\`; set the bucket too, or remove the prefix`);
    }
    const promoteFrom = settings.promoteFrom;
    if (promoteFrom !== undefined && (!/^[A-Za-z0-9_.-]{1,100}$/.test(promoteFrom) || promoteFrom === stack)) {
        problems.push(`\`${key("promoteFrom")}\` must name another stack of this project (e.g. \`dev\`), got \`${promoteFrom}\``);
    }
    return { settings, problems };
}

function readService(read: ConfigValues): ServiceSettings {
    const network = readNetwork(read);
    const healthCheckPath = read.text("healthCheckPath");
    const natGateways = read.text("natGateways");
    return dropUndefined({
        cpu: read.number("cpu") as ServiceSettings["cpu"],
        memory: read.number("memory"),
        containerPort: read.number("containerPort"),
        desiredCount: read.number("desiredCount"),
        autoscaling: read.object("autoscaling", AUTOSCALING_SHAPE) as ServiceSettings["autoscaling"],
        https: read.object("https", HTTPS_SHAPE) as ServiceSettings["https"],
        httpOnly: read.boolean("httpOnly"),
        environment: read.stringMap("environment"),
        secrets: read.stringMap("secrets"),
        secretsKmsKeyArn: read.text("secretsKmsKeyArn"),
        healthCheck: healthCheckPath === undefined ? undefined : { path: healthCheckPath },
        containerHealthCheck: read.object("containerHealthCheck", CONTAINER_HEALTH_CHECK_SHAPE) as ServiceSettings["containerHealthCheck"],
        readonlyRootFilesystem: read.boolean("readonlyRootFilesystem"),
        user: read.text("user"),
        stopTimeoutSeconds: read.number("stopTimeoutSeconds"),
        enableExecuteCommand: read.boolean("enableExecuteCommand"),
        deployment: read.object("deployment", DEPLOYMENT_SHAPE) as ServiceSettings["deployment"],
        deploymentAlarms: read.object("deploymentAlarms", DEPLOYMENT_ALARMS_SHAPE) as ServiceSettings["deploymentAlarms"],
        logRetentionDays: read.number("logRetentionDays"),
        clusterArn: read.text("clusterArn"),
        network,
        vpc: network === undefined && natGateways !== undefined ? { natGateways: natGateways as "Single" | "OnePerAz" } : undefined,
    });
}

/** `papyrus:vpcId` with both subnet lists, or none of them (a new VPC). */
function readNetwork(read: ConfigValues): ServiceSettings["network"] {
    const vpcId = read.text("vpcId");
    const publicSubnetIds = read.strings("publicSubnetIds");
    const privateSubnetIds = read.strings("privateSubnetIds");
    const given = ["vpcId", "publicSubnetIds", "privateSubnetIds"].filter((key) => read.has(key)).length;
    if (given === 0) {
        return undefined;
    }
    if (given < 3) {
        read.problems.push(
            "`papyrus:vpcId`, `papyrus:publicSubnetIds` and `papyrus:privateSubnetIds` go together: " +
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

// ---------------------------------------------------------------------------
// Reading values by shape. The CLI hands every value over as text: numbers and
// booleans as their YAML spelling, objects and lists as JSON.

type Shape = "number" | "string" | "boolean" | "strings" | "numberOrFalse" | { readonly [key: string]: Shape };

const TAGGED_RETENTION_SHAPE: Shape = { keepNewest: "number", olderThanDays: "number" };
const HTTPS_SHAPE: Shape = { certificateArn: "string", domain: "string", hostedZoneId: "string", sslPolicy: "string" };
const AUTOSCALING_SHAPE: Shape = {
    minCount: "number",
    maxCount: "number",
    cpuTargetPercent: "number",
    requestsPerTarget: "numberOrFalse",
    scaleInCooldownSeconds: "number",
    scaleOutCooldownSeconds: "number",
};
const CONTAINER_HEALTH_CHECK_SHAPE: Shape = {
    command: "strings",
    intervalSeconds: "number",
    timeoutSeconds: "number",
    retries: "number",
    startPeriodSeconds: "number",
};
const DEPLOYMENT_SHAPE: Shape = { strategy: "string", bakeTimeMinutes: "number", testListener: { port: "number", allowedCidrs: "strings" } };
const DEPLOYMENT_ALARM_SHAPE: Shape = { threshold: "number", periodSeconds: "number", evaluationPeriods: "number" };
const DEPLOYMENT_ALARMS_SHAPE: Shape = { target5xx: DEPLOYMENT_ALARM_SHAPE, unhealthyHosts: DEPLOYMENT_ALARM_SHAPE };

const SHAPE_NAMES: Record<Exclude<Shape, object>, string> = {
    number: "a number",
    string: "a string",
    boolean: "`true` or `false`",
    strings: "a list of strings",
    numberOrFalse: "a number or `false`",
};

/** Typed reads of `papyrus:*` keys; each refusal is noted in `problems`, naming the key, and reads as unset. */
class ConfigValues {
    readonly problems: string[] = [];

    constructor(private readonly config: ConfigReader) {}

    has(key: string): boolean {
        return this.config.get(key) !== undefined;
    }

    text(key: string): string | undefined {
        return this.config.get(key);
    }

    number(key: string): number | undefined {
        const raw = this.config.get(key);
        if (raw === undefined) return undefined;
        const value = raw.trim() === "" ? NaN : Number(raw);
        if (!Number.isFinite(value)) {
            this.problems.push(`\`${PROJECT_NAME}:${key}\` must be a number, got \`${raw}\``);
            return undefined;
        }
        return value;
    }

    boolean(key: string): boolean | undefined {
        const raw = this.config.get(key);
        if (raw === undefined) return undefined;
        if (raw !== "true" && raw !== "false") {
            this.problems.push(`\`${PROJECT_NAME}:${key}\` must be \`true\` or \`false\`, got \`${raw}\``);
            return undefined;
        }
        return raw === "true";
    }

    strings(key: string): string[] | undefined {
        return this.json(key, "strings") as string[] | undefined;
    }

    object(key: string, shape: Shape): Record<string, unknown> | undefined {
        return this.json(key, shape) as Record<string, unknown> | undefined;
    }

    /** An object of strings (`environment`, `secrets`): variable name → value. */
    stringMap(key: string): Record<string, string> | undefined {
        const value = this.parse(key);
        if (value === undefined) return undefined;
        const path = `${PROJECT_NAME}:${key}`;
        if (!isPlainObject(value)) {
            this.problems.push(`\`${path}\` must be an object of variable names to strings, got ${describe(value)}`);
            return undefined;
        }
        const bad = Object.entries(value).filter(([, v]) => typeof v !== "string");
        for (const [name, v] of bad) {
            this.problems.push(`\`${path}.${name}\` must be a string (quote it in YAML), got ${describe(v)}`);
        }
        return bad.length > 0 ? undefined : (value as Record<string, string>);
    }

    private json(key: string, shape: Shape): unknown {
        const value = this.parse(key);
        if (value === undefined) return undefined;
        const before = this.problems.length;
        checkShape(value, shape, `${PROJECT_NAME}:${key}`, this.problems);
        return this.problems.length > before ? undefined : value;
    }

    private parse(key: string): unknown {
        const raw = this.config.get(key);
        if (raw === undefined) return undefined;
        try {
            return JSON.parse(raw);
        } catch (err) {
            if (err instanceof SyntaxError) return raw; // a plain string: refused by the shape check with its value
            throw err;
        }
    }
}

function checkShape(value: unknown, shape: Shape, path: string, problems: string[]): void {
    if (typeof shape === "object") {
        if (!isPlainObject(value)) {
            problems.push(
                `\`${path}\` must be an object with ${Object.keys(shape)
                    .map((k) => `\`${k}\``)
                    .join(", ")}, got ${describe(value)}`,
            );
            return;
        }
        for (const [key, field] of Object.entries(value)) {
            const expected = shape[key];
            if (expected === undefined) {
                const meant = nearMiss(key, Object.keys(shape));
                problems.push(
                    meant === undefined
                        ? `\`${path}.${key}\`: unknown key; the keys are ${Object.keys(shape)
                              .map((k) => `\`${k}\``)
                              .join(", ")}`
                        : `\`${path}.${key}\`: unknown key, did you mean \`${meant}\`?`,
                );
            } else if (field === null) {
                problems.push(`\`${path}.${key}\` is empty (YAML reads a key with nothing after it as null); give it a value or remove it`);
            } else {
                checkShape(field, expected, `${path}.${key}`, problems);
            }
        }
        return;
    }
    const fits =
        shape === "number"
            ? typeof value === "number"
            : shape === "string"
              ? typeof value === "string"
              : shape === "boolean"
                ? typeof value === "boolean"
                : shape === "numberOrFalse"
                  ? typeof value === "number" || value === false
                  : Array.isArray(value) && value.every((item) => typeof item === "string");
    if (!fits) {
        problems.push(`\`${path}\` must be ${SHAPE_NAMES[shape]}, got ${describe(value)}`);
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list (\`${JSON.stringify(value)}\`)`;
    if (typeof value === "object") return `an object (\`${JSON.stringify(value)}\`)`;
    return `the ${typeof value} \`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}
