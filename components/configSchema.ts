// Every `<project>:*` config key, once: who sets it, how its text is read, what
// an unset key means, and one line of documentation. What reads config derives
// from this table: the stack program (stackConfig.ts), the driver's typed reads
// (automation/record/updateConfig.ts `readSetting`), the keys the driver sets
// for one update (`DRIVER_KEYS`), history, and the key table in
// docs/COMPONENTS.md (scripts/configTable.ts). test/unit/configSchema.test.ts
// holds the docs and the source to it: no other file spells a key.
//
// Two owners. A driver key is set by papyrus-deploy for one update only (a
// temporary copy of Pulumi.<stack>.yaml), never in git, so each update in the
// stack history carries the digest it ran and who asked. A stack key is set in
// the stack's Pulumi.<stack>.yaml.
//
// Pure, like what it imports: the driver loads it on every command, the stack
// program and the policy pack too.
import { parseDuration } from "./duration";
import { inputMessage } from "./inputMessage";
import { DEFAULT_UNTAGGED_EXPIRY_DAYS } from "./immutableRepositoryArgs";
import { SERVICE_DEFAULTS } from "./serviceDefaults";

/**
 * Where help, docs and the driver's static texts name a key for any project: `<project>:image`.
 * A key's namespace is the project's name (Pulumi.yaml `name`), as `pulumi config` spells it:
 * `papyrus:image` in this repository, `orders:image` in examples/orders.
 */
export const ANY_PROJECT = "<project>";

/** Why a value is refused: `refused` completes "`<project>:<key>` <refused>, got `<value>`". */
export interface Refusal {
    readonly refused: string;
}

/** A value written as one YAML scalar, parsed from the text the CLI hands over. */
export interface Scalar<T> {
    /** The value's form, as the docs show it. */
    readonly form: string;
    readonly parse: (text: string) => T | Refusal;
}

/** The shape of a JSON value (an object or list in YAML): its leaves' types, or an object's keys and their shapes. */
export type Shape = "number" | "string" | "boolean" | "strings" | "numberOrFalse" | { readonly [key: string]: Shape };

/** A value written as a YAML object or list (the CLI hands it over as JSON): checked against `shape` when read. */
export interface Structured {
    /** `stringMap`: an object of names to strings, of any names. */
    readonly json: Shape | "stringMap";
}

export interface KeySpec {
    /** `driver`: set by papyrus-deploy for one update, never in git. `stack`: set in Pulumi.<stack>.yaml. */
    readonly owner: "driver" | "stack";
    readonly type: Scalar<unknown> | Structured;
    /** Text the key reads as when unset: `parseSetting` parses it like a given value. */
    readonly default?: string;
    /** The value the component applies when the key is unset (the program reads nothing in its place). */
    readonly componentDefault?: string | number | boolean;
    /** What an unset key means otherwise, in words. */
    readonly unset?: string;
    /** The form the docs show, when the type's own says too little (a value checked by a component's own reader). */
    readonly form?: string;
    /** One line for the docs. */
    readonly doc: string;
}

const TEXT: Scalar<string> = { form: "text", parse: (text) => text };
const NUMBER: Scalar<number> = {
    form: "number",
    parse: (text) => {
        const value = text.trim() === "" ? NaN : Number(text);
        return Number.isFinite(value) ? value : { refused: "must be a number" };
    },
};
const BOOLEAN: Scalar<boolean> = {
    form: "`true` or `false`",
    parse: (text) => (text === "true" || text === "false" ? text === "true" : { refused: "must be `true` or `false`" }),
};

/** Most severe first, as ECR names them (basic and enhanced scanning). */
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"] as const;
export type Severity = (typeof SEVERITIES)[number];
const SCAN_THRESHOLDS = [...SEVERITIES, "off"] as const;
const DEFAULT_SCAN_THRESHOLD: Severity = "CRITICAL";

/** `<project>:protectDeployments` when unset. */
export const DEFAULT_PROTECTED_DEPLOYMENTS = 10;
/** At most this many slots per stack: one BatchGetImage (100 image ids) always covers the manifests a reconcile needs. */
export const MAX_PROTECTED_DEPLOYMENTS = 50;

const PROTECTED_DEPLOYMENTS: Scalar<number> = {
    form: `1 to ${MAX_PROTECTED_DEPLOYMENTS}`,
    parse: (text) =>
        text === ""
            ? DEFAULT_PROTECTED_DEPLOYMENTS
            : /^[1-9][0-9]?$/.test(text) && Number(text) <= MAX_PROTECTED_DEPLOYMENTS
              ? Number(text)
              : {
                    refused: `must be a whole number from 1 to ${MAX_PROTECTED_DEPLOYMENTS} (how many of the stack's latest distinct digests the lifecycle policy keeps; default ${DEFAULT_PROTECTED_DEPLOYMENTS})`,
                },
};

const SCAN_THRESHOLD: Scalar<Severity | "off"> = {
    form: SCAN_THRESHOLDS.map((t) => `\`${t}\``).join(", "),
    parse: (text) =>
        (SCAN_THRESHOLDS as readonly string[]).includes(text)
            ? (text as Severity | "off")
            : {
                  refused: `must be one of ${SCAN_THRESHOLDS.map((a) => `\`${a}\``).join(", ")} (findings of that severity or worse refuse a deploy; default \`${DEFAULT_SCAN_THRESHOLD}\`)`,
              },
};

const DURATION: Scalar<number> = {
    form: "a duration (`90s`, `5m`, `0`), at most 60m",
    parse: (text) =>
        parseDuration(text) ?? { refused: "must be a duration of at most 60 minutes such as `90s`, `5m` or `0` (refuse a scan that is still running)" },
};

const DEPLOYMENT_ALARM_SHAPE: Shape = { threshold: "number", periodSeconds: "number", evaluationPeriods: "number" };

/** Every `<project>:*` key. */
export const CONFIG_SCHEMA = {
    // Set by the driver for one update.
    image: {
        owner: "driver",
        type: TEXT,
        form: "`<repositoryUrl>@sha256:<64 hex>`",
        unset: "the image the stack runs now (none for a new stack)",
        doc: "The digest-pinned reference the service runs.",
    },
    imageTag: { owner: "driver", type: TEXT, doc: "The human tag the digest was resolved from (a label; never used to pull)." },
    deployedBy: { owner: "driver", type: TEXT, doc: "Who asked for the update (CI actor or local user)." },
    deployKind: { owner: "driver", type: TEXT, doc: "The driver command that ran the update (history's kind of update)." },
    promotedFrom: {
        owner: "driver",
        type: TEXT,
        form: "JSON `{ stack, version, digest, tag }`",
        doc: "For a promote: the source stack's deployment the digest came from.",
    },
    reconcileOf: { owner: "driver", type: TEXT, form: "JSON `{ version, digest }`", doc: "For a reconcile: the update whose digest ECS rolled back." },

    // The repository and the GitHub roles.
    repositoryName: {
        owner: "stack",
        type: TEXT,
        unset: "required",
        doc: "ECR repository name (not URL) the service's images come from; plain, never secret.",
    },
    github: {
        owner: "stack",
        type: TEXT,
        form: "`{ owner, repository, push, deploy, enterprise, subjectClaims }`",
        unset: "required",
        doc: "The GitHub repository and the refs and environments its push and deploy roles trust, checked strictly.",
    },
    oidcProviderArn: {
        owner: "stack",
        type: TEXT,
        unset: "a provider created by the stack",
        doc: "Reuse the account's GitHub OIDC provider (one per account); it must be the provider of the tokens' issuer.",
    },
    stateBucketArn: { owner: "stack", type: TEXT, doc: "The S3 state backend's bucket: the deploy role gets this stack's objects there." },
    stateKeyPrefix: { owner: "stack", type: TEXT, doc: "The state's key prefix in that bucket (`s3://<bucket>/<prefix>`); needs `stateBucketArn`." },
    promoteFrom: {
        owner: "stack",
        type: TEXT,
        doc: "The stack this one takes digests from: `deploy` refuses a digest whose release never completed there.",
    },
    untaggedImageExpiryDays: {
        owner: "stack",
        type: NUMBER,
        componentDefault: DEFAULT_UNTAGGED_EXPIRY_DAYS,
        doc: "Days before an untagged image expires.",
    },
    repositoryKmsKeyArn: {
        owner: "stack",
        type: TEXT,
        unset: "AES256 encryption",
        doc: "Encrypt the repository with this KMS key (fixed at creation); a key ARN, not an alias.",
    },
    taggedImageRetention: {
        owner: "stack",
        type: { json: { keepNewest: "number", olderThanDays: "number" } },
        form: "`{ keepNewest: N }` or `{ olderThanDays: N }`",
        unset: "kept",
        doc: "How tagged images that no stack protects expire.",
    },

    // Read by the driver only.
    protectDeployments: {
        owner: "stack",
        type: PROTECTED_DEPLOYMENTS,
        default: `${DEFAULT_PROTECTED_DEPLOYMENTS}`,
        doc: "How many of the stack's latest distinct digests carry a protective tag the lifecycle policy never expires.",
    },
    scanThreshold: {
        owner: "stack",
        type: SCAN_THRESHOLD,
        default: DEFAULT_SCAN_THRESHOLD,
        doc: "Scan findings of this severity or worse refuse `deploy` and `promote` (unless `--accept-findings`); `off` reads none.",
    },
    scanWait: {
        owner: "stack",
        type: DURATION,
        default: "5m",
        doc: "How long the scan gate waits for a scan that is still running.",
    },
    scanRequired: {
        owner: "stack",
        type: BOOLEAN,
        default: "false",
        doc: "Refuse a digest whose scan findings cannot be read (never scanned, failed, unsupported).",
    },
    smokeTest: {
        owner: "stack",
        type: TEXT,
        doc: "At a PAUSE hook, run this shell command (`--smoke-test` overrides it): exit 0 continues the deployment, anything else rolls it back. Unset: wait for `approve` or `abort`.",
    },
    smokeTestTimeout: {
        owner: "stack",
        type: DURATION,
        default: "5m",
        doc: "How long the smoke test may run before it counts as failed (`--smoke-test-timeout` overrides it).",
    },

    // Replication.
    replicateTo: {
        owner: "stack",
        type: TEXT,
        form: "`[{ region, account? }]`",
        doc: "The build registry's stack: where ECR replicates its images.",
    },
    replicationSourceAccount: {
        owner: "stack",
        type: TEXT,
        form: '`"<12 digits>"`',
        doc: "A destination in another account: the account whose registry may replicate into this one.",
    },

    // The service: DigestPinnedService's argument of the same name (but `healthCheckPath`, `natGateways`).
    cpu: { owner: "stack", type: NUMBER, componentDefault: SERVICE_DEFAULTS.cpu, doc: "The task's CPU units (with `memory`, a Fargate size)." },
    memory: { owner: "stack", type: NUMBER, componentDefault: SERVICE_DEFAULTS.memory, doc: "The task's memory in MiB." },
    containerPort: { owner: "stack", type: NUMBER, componentDefault: SERVICE_DEFAULTS.containerPort, doc: "The port the container listens on." },
    desiredCount: {
        owner: "stack",
        type: NUMBER,
        componentDefault: SERVICE_DEFAULTS.desiredCount,
        doc: "A fixed task count; only one of it or `autoscaling`.",
    },
    autoscaling: {
        owner: "stack",
        type: {
            json: {
                minCount: "number",
                maxCount: "number",
                cpuTargetPercent: "number",
                requestsPerTarget: "numberOrFalse",
                scaleInCooldownSeconds: "number",
                scaleOutCooldownSeconds: "number",
            },
        },
        unset: "a fixed count",
        doc: "Scale between `minCount` and `maxCount` on CPU and requests per target.",
    },
    https: {
        owner: "stack",
        type: { json: { certificateArn: "string", domain: "string", hostedZoneId: "string", sslPolicy: "string" } },
        unset: "set it, or `httpOnly`",
        doc: "Serve HTTPS with a certificate you have, or one the stack requests for `domain` in `hostedZoneId`.",
    },
    httpOnly: {
        owner: "stack",
        type: BOOLEAN,
        componentDefault: SERVICE_DEFAULTS.httpOnly,
        doc: "Plain HTTP on port 80, by explicit choice (development only).",
    },
    environment: { owner: "stack", type: { json: "stringMap" }, doc: "Plain settings, name → string; secret-looking names are refused." },
    secrets: { owner: "stack", type: { json: "stringMap" }, doc: "Secrets, name → the full ARN of an SSM parameter or a Secrets Manager secret." },
    secretsKmsKeyArn: { owner: "stack", type: TEXT, doc: "The customer-managed KMS key the secrets are encrypted with." },
    healthCheckPath: {
        owner: "stack",
        type: TEXT,
        componentDefault: SERVICE_DEFAULTS.healthCheck.path,
        doc: "The path of the target group's and the container's health check (`healthCheck.path`).",
    },
    containerHealthCheck: {
        owner: "stack",
        type: { json: { command: "strings", intervalSeconds: "number", timeoutSeconds: "number", retries: "number", startPeriodSeconds: "number" } },
        unset: "`node` fetches the health path",
        doc: "The health check ECS runs inside the container.",
    },
    readonlyRootFilesystem: {
        owner: "stack",
        type: BOOLEAN,
        componentDefault: SERVICE_DEFAULTS.readonlyRootFilesystem,
        doc: "Run the container with a read-only root file system.",
    },
    user: { owner: "stack", type: TEXT, componentDefault: SERVICE_DEFAULTS.user, doc: "The user the container runs as." },
    stopTimeoutSeconds: { owner: "stack", type: NUMBER, componentDefault: SERVICE_DEFAULTS.stopTimeoutSeconds, doc: "Seconds between SIGTERM and SIGKILL." },
    enableExecuteCommand: {
        owner: "stack",
        type: BOOLEAN,
        componentDefault: SERVICE_DEFAULTS.enableExecuteCommand,
        doc: "ECS Exec into the tasks; needs `readonlyRootFilesystem: false`.",
    },
    deployment: {
        owner: "stack",
        type: {
            json: {
                strategy: "string",
                bakeTimeMinutes: "number",
                testListener: { port: "number", allowedCidrs: "strings" },
                linear: { stepPercent: "number", stepBakeTimeMinutes: "number" },
                canary: { percent: "number", bakeTimeMinutes: "number" },
                pause: { stages: "strings", timeoutMinutes: "number", onTimeout: "string" },
            },
        },
        unset: "rolling",
        doc: "`{ strategy: BLUE_GREEN | LINEAR | CANARY }` for ECS's traffic-shifting deployments (bake time, steps, test listener); `pause` stops a deployment at chosen stages.",
    },
    deploymentAlarms: {
        owner: "stack",
        type: { json: { target5xx: DEPLOYMENT_ALARM_SHAPE, unhealthyHosts: DEPLOYMENT_ALARM_SHAPE } },
        unset: "the component's thresholds",
        doc: "The thresholds of the alarms that roll a deployment back.",
    },
    logRetentionDays: { owner: "stack", type: NUMBER, componentDefault: SERVICE_DEFAULTS.logRetentionDays, doc: "Days the container's logs are kept." },
    clusterArn: { owner: "stack", type: TEXT, unset: "a new cluster", doc: "Run the service in an existing ECS cluster." },
    vpcId: { owner: "stack", type: TEXT, unset: "a new VPC", doc: "Run in an existing VPC; with both subnet lists, or none of the three." },
    publicSubnetIds: { owner: "stack", type: { json: "strings" }, doc: "The existing VPC's public subnets (the load balancer's)." },
    privateSubnetIds: { owner: "stack", type: { json: "strings" }, doc: "The existing VPC's private subnets (the tasks')." },
    natGateways: {
        owner: "stack",
        type: TEXT,
        form: "`Single` or `OnePerAz`",
        componentDefault: SERVICE_DEFAULTS.vpc.natGateways,
        doc: "NAT gateways of the new VPC (`vpc.natGateways`).",
    },
} as const satisfies Readonly<Record<string, KeySpec>>;

type Schema = typeof CONFIG_SCHEMA;
export type ConfigKey = keyof Schema;
/** The keys the driver sets for one update. */
export type DriverKey = { [K in ConfigKey]: Schema[K]["owner"] extends "driver" ? K : never }[ConfigKey];
/** The keys written as one YAML scalar, and what each reads as. */
export type ScalarKey = { [K in ConfigKey]: Schema[K]["type"] extends Scalar<unknown> ? K : never }[ConfigKey];
export type ScalarOf<K extends ScalarKey> = Schema[K]["type"] extends Scalar<infer T> ? T : never;
/** What `readSetting` returns: a key with a default always has a value. */
export type SettingOf<K extends ScalarKey> = Schema[K] extends { readonly default: string } ? ScalarOf<K> : ScalarOf<K> | undefined;
/** The keys written as a YAML object or list. */
export type StructuredKey = Exclude<ConfigKey, ScalarKey>;

export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

/** The keys the driver sets for one update; any of them in the checkout's file is dropped from the update's copy. */
export const DRIVER_KEYS = CONFIG_KEYS.filter((key): key is DriverKey => CONFIG_SCHEMA[key].owner === "driver");

/** `key` in `project`'s namespace, e.g. `orders:image`; `ANY_PROJECT` for help and docs. */
export function qualifiedKey<K extends ConfigKey>(project: string, key: K): `${string}:${K}` {
    return `${project}:${key}`;
}

/**
 * `text` (undefined: unset) read as `key`'s type says: unset reads as the key's default, else as
 * undefined. A refusal says why; the caller names the key and the value (`refusalMessage`).
 */
export function parseSetting<K extends ScalarKey>(key: K, text: string | undefined): { readonly value: SettingOf<K> } | Refusal {
    const spec: KeySpec = CONFIG_SCHEMA[key];
    const given = text ?? spec.default;
    if (given === undefined) return { value: undefined as SettingOf<K> };
    const parsed = (spec.type as Scalar<unknown>).parse(given);
    return isRefusal(parsed) ? parsed : { value: parsed as SettingOf<K> };
}

export function isRefusal(value: unknown): value is Refusal {
    return typeof value === "object" && value !== null && "refused" in value;
}

/** "`<project>:<key>` <why>, got `<value>`" (an empty value: "…, and is empty"): every refused value is named this way. */
export function refusalMessage(key: string, value: string | undefined, refusal: Refusal): string {
    return inputMessage(key, refusal.refused, value);
}

/** The form of `key`'s value, as the docs show it. */
export function formOf(key: ConfigKey): string {
    const spec: KeySpec = CONFIG_SCHEMA[key];
    if (spec.form !== undefined) return spec.form;
    if ("form" in spec.type) return spec.type.form;
    const shape = spec.type.json;
    if (shape === "stringMap") return "`{ <name>: <text> }`";
    if (shape === "strings") return "list of text";
    return typeof shape === "object" ? `\`{ ${Object.keys(shape).join(", ")} }\`` : shape;
}

/** What an unset `key` means, as the docs show it. */
export function unsetMeaning(key: ConfigKey): string {
    const spec: KeySpec = CONFIG_SCHEMA[key];
    const value = spec.default ?? spec.componentDefault;
    return value !== undefined ? `\`${value}\`` : (spec.unset ?? "—");
}
