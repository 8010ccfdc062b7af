// DigestPinnedService's arguments: their types and documentation, every
// default (in SERVICE_DEFAULTS, applied once by `withDefaults`), and every
// check that needs no cloud (`digestPinnedServiceProblems`). Pure: no resource
// is created here, so the stack program runs the same checks on its config,
// naming the config keys, before anything is registered.
import type * as pulumi from "@pulumi/pulumi";
import { acmCertificateArnProblem, HOSTED_ZONE_ID } from "./arns";
import { kmsKeyArnProblem, secretReferenceProblem, variableNameProblem } from "./containerSecrets";
import { FargateCpu, fargateSizeProblem } from "./fargateSize";
import type { ImageDigestRef } from "./imageReference";
import { plainEnvironmentProblem } from "./secretNames";

export type { FargateCpu } from "./fargateSize";

/** The target group's health check: how the load balancer decides a task may take traffic. */
export interface HealthCheckArgs {
    /** The path the load balancer (and the default container health check) requests. @default "/health" @example "/healthz" */
    readonly path?: string;
    /** Seconds between checks, 5-300. @default 15 */
    readonly intervalSeconds?: number;
    /** Seconds before a check counts as failed, 2-120 and less than `intervalSeconds`. @default 5 */
    readonly timeoutSeconds?: number;
    /** Consecutive successes before a task takes traffic, 2-10. @default 2 */
    readonly healthyThreshold?: number;
    /** Consecutive failures before a task is taken out, 2-10. @default 3 */
    readonly unhealthyThreshold?: number;
    /** HTTP codes that count as healthy. @default "200-399" @example "200" */
    readonly matcher?: string;
}

/** The container's own health check, which ECS runs inside the task; ECS replaces a task that fails it. */
export interface ContainerHealthCheckArgs {
    /**
     * The command, in ECS's form (`CMD` then the argument list, or `CMD-SHELL` then one shell line); exit 0 is healthy.
     * The default needs only `node` in the image (as examples/app's base image has; it has no curl or wget).
     * @default ["CMD", "node", "-e", "<fetch http://127.0.0.1:<containerPort><healthCheck.path>, exit 0 on a 2xx>"]
     * @example ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/healthz || exit 1"]
     */
    readonly command?: string[];
    /** Seconds between checks, 5-300. @default 15 */
    readonly intervalSeconds?: number;
    /** Seconds before a check counts as failed, 2-60 and less than `intervalSeconds`. @default 5 */
    readonly timeoutSeconds?: number;
    /** Consecutive failures before the container counts as unhealthy, 1-10. @default 3 */
    readonly retries?: number;
    /** Seconds after start during which failures do not count, 0-300. @default 10 */
    readonly startPeriodSeconds?: number;
}

/**
 * HTTPS on port 443 with HTTP on port 80 redirected to it. The certificate is either one you have
 * (`certificateArn`) or one the component requests from ACM for `domain` and validates by DNS in
 * `hostedZoneId`, where it also writes an alias record for the load balancer. Only one of the two.
 */
export interface HttpsArgs {
    /**
     * An existing ACM certificate in the stack's region. Plain (not an Output), so it is checked before anything is created.
     * @default undefined
     * @example "arn:aws:acm:eu-central-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
     */
    readonly certificateArn?: string;
    /** The name to serve: a DNS-validated certificate for it and an alias record to the load balancer. @default undefined @example "api.example.com" */
    readonly domain?: string;
    /** The Route 53 hosted zone of `domain` (required with it). @default undefined @example "Z0123456789ABCDEFGHIJ" */
    readonly hostedZoneId?: string;
    /**
     * The TLS policy: AWS's recommended one (TLS 1.3 and 1.2 with hybrid post-quantum key exchange). Only policies without
     * TLS 1.0/1.1 are accepted (`ELBSecurityPolicy-TLS13-…`, `…-FS-1-2-…`, `…-TLS-1-2-…`).
     * @default "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
     */
    readonly sslPolicy?: string;
}

/**
 * Target tracking on average CPU and on the load balancer's requests per task. The task count moves between
 * `minCount` and `maxCount`; the service's `desiredCount` is then the scaler's, and Pulumi leaves it alone.
 */
export interface AutoscalingArgs {
    /** @example 3 */
    readonly minCount: number;
    /** @example 12 */
    readonly maxCount: number;
    /** Average CPU (percent of the task's CPU) to hold, 10-90. @default 60 */
    readonly cpuTargetPercent?: number;
    /**
     * Requests per task per minute to hold (`ALBRequestCountPerTarget`), or `false` for CPU only. Must be `false` with
     * `BLUE_GREEN`: the metric names one target group, and blue/green moves traffic between two.
     * @default 1000
     */
    readonly requestsPerTarget?: number | false;
    /** Seconds after a scale-in before the next one. @default 300 */
    readonly scaleInCooldownSeconds?: number;
    /** Seconds after a scale-out before the next one. @default 60 */
    readonly scaleOutCooldownSeconds?: number;
}

/** Test traffic for blue/green: a listener on its own port that reaches the new (green) tasks before production does. */
export interface TestListenerArgs {
    /** @default 8443 with HTTPS, 8080 with `httpOnly` */
    readonly port?: number;
    /** Who may send test traffic (IPv4 CIDRs); nobody else reaches the port. @example ["203.0.113.0/24"] */
    readonly allowedCidrs: string[];
}

/**
 * How ECS replaces tasks on a deploy. `ROLLING`: new tasks start before old ones stop, with the circuit breaker
 * rolling back a failing deployment. `BLUE_GREEN` (ECS's native blue/green): a full set of new tasks behind a
 * second target group, production traffic moved at once, the old set kept for `bakeTimeMinutes` to roll back to.
 */
export interface DeploymentArgs {
    /** @default "ROLLING" */
    readonly strategy?: "ROLLING" | "BLUE_GREEN";
    /** `BLUE_GREEN` only: minutes both sets run after production traffic moved, 0-1440. @default 10 */
    readonly bakeTimeMinutes?: number;
    /** `BLUE_GREEN` only: a test listener for the new tasks before they take production traffic. @default undefined (no test traffic) */
    readonly testListener?: TestListenerArgs;
}

/** One deployment alarm: the level at which it fires and the window CloudWatch judges it over. */
export interface DeploymentAlarmArgs {
    /** The value per period at or above which a period counts as breaching. */
    readonly threshold?: number;
    /** Seconds per datapoint: a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute). @default 60 */
    readonly periodSeconds?: number;
    /** Consecutive breaching periods before the alarm fires, 1-10. */
    readonly evaluationPeriods?: number;
}

/**
 * CloudWatch alarms on what the load balancer sees of the new tasks, wired into the service's deployment alarms with
 * rollback: when one fires during a deployment (or during the bake time ECS derives from the alarms' windows), ECS marks
 * the deployment FAILED and returns to the last completed one. Alongside the circuit breaker, which only sees tasks that
 * fail to start or to pass health checks; the alarms also catch tasks that run and answer with errors. Always on.
 */
export interface DeploymentAlarmsArgs {
    /**
     * `HTTPCode_Target_5XX_Count`, summed per period: 5xx responses from the tasks (not the load balancer's own).
     * Periods without requests count as fine.
     * @default { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 }
     * @example { threshold: 20, evaluationPeriods: 3 }
     */
    readonly target5xx?: DeploymentAlarmArgs;
    /**
     * `UnHealthyHostCount`, the maximum per period: tasks failing the load balancer's health check.
     * @default { threshold: 1, periodSeconds: 60, evaluationPeriods: 3 }
     */
    readonly unhealthyHosts?: DeploymentAlarmArgs;
}

/** An existing VPC. Tasks run in the private subnets, the load balancer in the public ones. */
export interface ExistingNetworkArgs {
    readonly vpcId: pulumi.Input<string>;
    /** At least two, in different availability zones (an ALB requirement). */
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** A new VPC built with `awsx.ec2.Vpc`. */
export interface NewVpcArgs {
    /** @default 2 */
    readonly numberOfAvailabilityZones?: number;
    /** `Single` is one NAT gateway (cheaper, one AZ's outage stops image pulls); `OnePerAz` survives it. @default "Single" */
    readonly natGateways?: "Single" | "OnePerAz";
}

export interface DigestPinnedServiceArgs {
    /**
     * The image, pinned by digest. Checked by `parseImageReference` at once when it is a plain string,
     * inside `apply` when it is an Output; the checked value is what the task definition gets.
     * @example "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:<64 hex>"
     */
    readonly image: pulumi.Input<ImageDigestRef>;
    /**
     * The human tag the digest was resolved from. A label only: it becomes the task definition's
     * `ImageTag` tag and the container's `org.opencontainers.image.version` docker label.
     * @default undefined
     * @example "v1.4.2"
     */
    readonly imageTag?: pulumi.Input<string>;
    /** The repository URL the image must come from; any other repository is refused. @default undefined (any repository) */
    readonly approvedRepositoryUrl?: pulumi.Input<string>;
    /** The ECR repository the execution role may pull from (and nothing else). */
    readonly repositoryArn: pulumi.Input<string>;
    /** The task definition family. Revisions of one family are what a rollback chooses between. @default `${name}-${stack}` */
    readonly family?: string;
    /** Task CPU units. @default 256 @example 1024 */
    readonly cpu?: FargateCpu;
    /** Task memory in MiB; must be a Fargate size for `cpu`. @default 512 @example 2048 */
    readonly memory?: number;
    /** @default "app" */
    readonly containerName?: string;
    /** The port the container listens on. @default 8080 */
    readonly containerPort?: number;
    /** Plain environment variables; a secret-looking name (`…PASSWORD`, `…TOKEN`, `…_KEY`…) is refused. @default {} @example { LOG_LEVEL: "info" } */
    readonly environment?: Record<string, string>;
    /**
     * Secrets as environment variables: name → ARN of an SSM parameter or a Secrets Manager secret (optionally
     * `:<json key>::`). ECS reads them at task start with the execution role, which may read exactly these.
     * @default {}
     * @example { DATABASE_PASSWORD: "arn:aws:ssm:eu-central-1:123456789012:parameter/papyrus/prod/database-password" }
     */
    readonly secrets?: Record<string, string>;
    /** The customer-managed KMS key the secrets are encrypted with; the execution role may decrypt with it through SSM/Secrets Manager. @default undefined (AWS-managed keys) */
    readonly secretsKmsKeyArn?: string;
    /** Tasks while there is no `autoscaling`. Only one of `desiredCount` or `autoscaling`. @default 1 */
    readonly desiredCount?: number;
    /** Scale on CPU and requests between a minimum and a maximum. Only one of `desiredCount` or `autoscaling`. @default undefined (a fixed `desiredCount`) */
    readonly autoscaling?: AutoscalingArgs;
    /** Serve HTTPS. One of `https` or `httpOnly: true` is required. @default undefined */
    readonly https?: HttpsArgs;
    /** Serve plain HTTP on port 80 only, for development. One of `https` or `httpOnly: true` is required. @default false */
    readonly httpOnly?: boolean;
    /** The target group's health check. @default { path: "/health", intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200-399" } */
    readonly healthCheck?: HealthCheckArgs;
    /** The container's health check. @default { command: <node fetch of healthCheck.path>, intervalSeconds: 15, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 10 } */
    readonly containerHealthCheck?: ContainerHealthCheckArgs;
    /**
     * The container's root filesystem is read-only, so a compromised process cannot change the code it runs.
     * Must be `false` with `enableExecuteCommand` (the SSM agent writes into the container).
     * @default true
     */
    readonly readonlyRootFilesystem?: boolean;
    /** The user the container runs as (`uid`, `uid:gid` or a name); root (`0`, `root`) is refused. @default "1000:1000" (examples/app's `node` user) */
    readonly user?: string;
    /** Seconds ECS waits after SIGTERM before SIGKILL, 2-120: time to finish in-flight requests. @default 30 */
    readonly stopTimeoutSeconds?: number;
    /**
     * ECS Exec (`aws ecs execute-command`) into running tasks. Off unless asked: it is a shell in production. Turning it on
     * is an administrator's `up`; the deploy role may never send it (see docs/COMPONENTS.md).
     * @default false
     */
    readonly enableExecuteCommand?: boolean;
    /** Rolling (default) or ECS's native blue/green. @default { strategy: "ROLLING" } */
    readonly deployment?: DeploymentArgs;
    /**
     * The deployment alarms' thresholds and windows (the alarms themselves are always there).
     * @default { target5xx: { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 }, unhealthyHosts: { threshold: 1, periodSeconds: 60, evaluationPeriods: 3 } }
     */
    readonly deploymentAlarms?: DeploymentAlarmsArgs;
    /** Seconds the ALB keeps draining a deregistered task. AWS's default, 300 s, dominates every rollout. @default 30 */
    readonly deregistrationDelay?: number;
    /** Seconds ECS ignores failing load balancer health checks after a task starts. @default 30 */
    readonly healthCheckGracePeriodSeconds?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** An existing ECS cluster, by ARN. @default a new cluster */
    readonly clusterArn?: pulumi.Input<string>;
    /** An existing VPC and subnets. Only one of `network` or `vpc`. @default a new VPC (`vpc`) */
    readonly network?: ExistingNetworkArgs;
    /** Settings for the new VPC when `network` is unset. @default { numberOfAvailabilityZones: 2, natGateways: "Single" } */
    readonly vpc?: NewVpcArgs;
    /** Give tasks public IPs (only for public subnets without NAT). @default false */
    readonly assignPublicIp?: boolean;
    /** Tags for every taggable child. @default {} */
    readonly tags?: Record<string, string>;
}

/** Every default, in one place; the `@default` of each argument above says the same. */
export const SERVICE_DEFAULTS = {
    cpu: 256 as FargateCpu,
    memory: 512,
    containerName: "app",
    containerPort: 8080,
    desiredCount: 1,
    healthCheck: { path: "/health", intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200-399" },
    containerHealthCheck: { intervalSeconds: 15, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 10 },
    autoscaling: { cpuTargetPercent: 60, requestsPerTarget: 1000, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 },
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    readonlyRootFilesystem: true,
    user: "1000:1000",
    stopTimeoutSeconds: 30,
    enableExecuteCommand: false,
    bakeTimeMinutes: 10,
    testListenerPort: { https: 8443, http: 8080 },
    deploymentAlarms: {
        target5xx: { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 },
        unhealthyHosts: { threshold: 1, periodSeconds: 60, evaluationPeriods: 3 },
    },
    deregistrationDelay: 30,
    healthCheckGracePeriodSeconds: 30,
    logRetentionDays: 30,
    vpc: { numberOfAvailabilityZones: 2, natGateways: "Single" as const },
    assignPublicIp: false,
} as const;

/** The listener the service is reached through: HTTPS with a certificate of one of two kinds, or plain HTTP. */
export type ResolvedListener =
    | {
          readonly protocol: "HTTPS";
          readonly certificate: { readonly arn: string } | { readonly domain: string; readonly hostedZoneId: string };
          readonly sslPolicy: string;
      }
    | { readonly protocol: "HTTP" };

export type ResolvedDeployment =
    | { readonly strategy: "ROLLING" }
    | { readonly strategy: "BLUE_GREEN"; readonly bakeTimeMinutes: number; readonly testListener?: Required<TestListenerArgs> };

/** The arguments with every default applied: what the component builds from. */
export interface ResolvedServiceArgs {
    readonly image: pulumi.Input<ImageDigestRef>;
    readonly imageTag?: pulumi.Input<string>;
    readonly approvedRepositoryUrl?: pulumi.Input<string>;
    readonly repositoryArn: pulumi.Input<string>;
    readonly family: string;
    readonly cpu: FargateCpu;
    readonly memory: number;
    readonly containerName: string;
    readonly containerPort: number;
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: Readonly<Record<string, string>>;
    readonly secretsKmsKeyArn?: string;
    /** The count the service starts with: `autoscaling.minCount` when scaling, else `desiredCount`. */
    readonly desiredCount: number;
    readonly autoscaling?: Required<AutoscalingArgs>;
    readonly listener: ResolvedListener;
    readonly healthCheck: Required<HealthCheckArgs>;
    readonly containerHealthCheck: Required<ContainerHealthCheckArgs>;
    readonly readonlyRootFilesystem: boolean;
    readonly user: string;
    readonly stopTimeoutSeconds: number;
    readonly enableExecuteCommand: boolean;
    readonly deployment: ResolvedDeployment;
    readonly deploymentAlarms: { readonly [alarm in keyof DeploymentAlarmsArgs]-?: Required<DeploymentAlarmArgs> };
    readonly deregistrationDelay: number;
    readonly healthCheckGracePeriodSeconds: number;
    readonly logRetentionDays: number;
    readonly clusterArn?: pulumi.Input<string>;
    readonly network?: ExistingNetworkArgs;
    readonly vpc: Required<NewVpcArgs>;
    readonly assignPublicIp: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The container health check command that needs nothing but `node` in the image: fetch the health path on the
 * loopback address, exit 0 on a 2xx, 1 otherwise (examples/app answers `/health` and `/healthz`).
 */
export function nodeHealthCheckCommand(port: number, path: string): string[] {
    const url = JSON.stringify(`http://127.0.0.1:${port}${path}`);
    return ["CMD", "node", "-e", `fetch(${url}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}

/** The arguments with every default applied. Call after `digestPinnedServiceProblems` found nothing. */
export function withDefaults(args: DigestPinnedServiceArgs, name: string, stack: string): ResolvedServiceArgs {
    const d = SERVICE_DEFAULTS;
    const containerPort = args.containerPort ?? d.containerPort;
    const healthCheck: Required<HealthCheckArgs> = { ...d.healthCheck, ...definedOnly(args.healthCheck) };
    const scaling = args.autoscaling;
    const autoscaling: Required<AutoscalingArgs> | undefined =
        scaling === undefined
            ? undefined
            : {
                  minCount: scaling.minCount,
                  maxCount: scaling.maxCount,
                  cpuTargetPercent: scaling.cpuTargetPercent ?? d.autoscaling.cpuTargetPercent,
                  requestsPerTarget: scaling.requestsPerTarget ?? d.autoscaling.requestsPerTarget,
                  scaleInCooldownSeconds: scaling.scaleInCooldownSeconds ?? d.autoscaling.scaleInCooldownSeconds,
                  scaleOutCooldownSeconds: scaling.scaleOutCooldownSeconds ?? d.autoscaling.scaleOutCooldownSeconds,
              };
    const listener: ResolvedListener =
        args.https === undefined
            ? { protocol: "HTTP" }
            : {
                  protocol: "HTTPS",
                  certificate:
                      args.https.certificateArn !== undefined
                          ? { arn: args.https.certificateArn }
                          : { domain: args.https.domain!, hostedZoneId: args.https.hostedZoneId! },
                  sslPolicy: args.https.sslPolicy ?? d.sslPolicy,
              };
    const deployment: ResolvedDeployment =
        args.deployment?.strategy === "BLUE_GREEN"
            ? {
                  strategy: "BLUE_GREEN",
                  bakeTimeMinutes: args.deployment.bakeTimeMinutes ?? d.bakeTimeMinutes,
                  testListener:
                      args.deployment.testListener === undefined
                          ? undefined
                          : {
                                port: args.deployment.testListener.port ?? (listener.protocol === "HTTPS" ? d.testListenerPort.https : d.testListenerPort.http),
                                allowedCidrs: args.deployment.testListener.allowedCidrs,
                            },
              }
            : { strategy: "ROLLING" };
    return {
        image: args.image,
        imageTag: args.imageTag,
        approvedRepositoryUrl: args.approvedRepositoryUrl,
        repositoryArn: args.repositoryArn,
        family: args.family ?? `${name}-${stack}`,
        cpu: args.cpu ?? d.cpu,
        memory: args.memory ?? d.memory,
        containerName: args.containerName ?? d.containerName,
        containerPort,
        environment: args.environment ?? {},
        secrets: args.secrets ?? {},
        secretsKmsKeyArn: args.secretsKmsKeyArn,
        desiredCount: autoscaling?.minCount ?? args.desiredCount ?? d.desiredCount,
        autoscaling,
        listener,
        healthCheck,
        containerHealthCheck: {
            ...d.containerHealthCheck,
            ...definedOnly(args.containerHealthCheck),
            command: args.containerHealthCheck?.command ?? nodeHealthCheckCommand(containerPort, healthCheck.path),
        },
        readonlyRootFilesystem: args.readonlyRootFilesystem ?? d.readonlyRootFilesystem,
        user: args.user ?? d.user,
        stopTimeoutSeconds: args.stopTimeoutSeconds ?? d.stopTimeoutSeconds,
        enableExecuteCommand: args.enableExecuteCommand ?? d.enableExecuteCommand,
        deployment,
        deploymentAlarms: {
            target5xx: { ...d.deploymentAlarms.target5xx, ...definedOnly(args.deploymentAlarms?.target5xx) },
            unhealthyHosts: { ...d.deploymentAlarms.unhealthyHosts, ...definedOnly(args.deploymentAlarms?.unhealthyHosts) },
        },
        deregistrationDelay: args.deregistrationDelay ?? d.deregistrationDelay,
        healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? d.healthCheckGracePeriodSeconds,
        logRetentionDays: args.logRetentionDays ?? d.logRetentionDays,
        clusterArn: args.clusterArn,
        network: args.network,
        vpc: { ...d.vpc, ...definedOnly(args.vpc) },
        assignPublicIp: args.assignPublicIp ?? d.assignPublicIp,
        tags: args.tags ?? {},
    };
}

/** The object without its undefined fields, so spreading it over defaults keeps the defaults. */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
    return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface ProblemOptions {
    /** How to name an argument in a message: the component names `https.domain`, the stack program `papyrus:https.domain`. */
    readonly name?: (argument: string) => string;
    /** The stack's region, when known: a certificate of another region is refused. */
    readonly region?: string;
}

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const SSL_POLICY = /^ELBSecurityPolicy-(TLS13-|FS-1-2-|TLS-1-2-)[A-Za-z0-9-]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const USER = /^[A-Za-z0-9_.-]{1,64}(:[A-Za-z0-9_.-]{1,64})?$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;

/**
 * Every problem with the arguments that does not need a cloud to see, as sentences naming the argument
 * (through `options.name`), quoting the value and saying what to do. Reports all of them at once.
 */
export function digestPinnedServiceProblems(args: DigestPinnedServiceArgs, options: ProblemOptions = {}): string[] {
    const name: Namer = options.name ?? ((argument) => argument);
    const n = quoted(name);
    const problems: string[] = [];
    const d = SERVICE_DEFAULTS;
    const wholeIn = wholeNumberCheck(problems, n);

    if (args.network !== undefined && args.vpc !== undefined) {
        problems.push(`Only one of ${n("network")} or ${n("vpc")} can be provided.`);
    }
    const size = fargateSizeProblem(args.cpu ?? d.cpu, args.memory ?? d.memory, { cpu: name("cpu"), memory: name("memory") });
    if (size !== undefined) {
        problems.push(size);
    }
    if (args.containerName !== undefined && !CONTAINER_NAME.test(args.containerName)) {
        problems.push(`${n("containerName")} must be 1-255 letters, digits, \`-\` or \`_\`, got \`${args.containerName}\``);
    }
    wholeIn("containerPort", args.containerPort, 1, 65535);
    wholeIn("desiredCount", args.desiredCount, 0, 1000);
    wholeIn("deregistrationDelay", args.deregistrationDelay, 0, 3600);
    wholeIn("healthCheckGracePeriodSeconds", args.healthCheckGracePeriodSeconds, 0, 2147483647);
    wholeIn("stopTimeoutSeconds", args.stopTimeoutSeconds, 2, 120);

    // The load balancer's health check, and the container's.
    wholeIn("healthCheck.intervalSeconds", args.healthCheck?.intervalSeconds, 5, 300);
    wholeIn("healthCheck.timeoutSeconds", args.healthCheck?.timeoutSeconds, 2, 120);
    wholeIn("healthCheck.healthyThreshold", args.healthCheck?.healthyThreshold, 2, 10);
    wholeIn("healthCheck.unhealthyThreshold", args.healthCheck?.unhealthyThreshold, 2, 10);
    const health = { ...d.healthCheck, ...definedOnly(args.healthCheck) };
    if (health.timeoutSeconds >= health.intervalSeconds) {
        problems.push(
            `${n("healthCheck.timeoutSeconds")} (${health.timeoutSeconds}) must be less than ${n("healthCheck.intervalSeconds")} (${health.intervalSeconds})`,
        );
    }
    if (!health.path.startsWith("/")) {
        problems.push(`${n("healthCheck.path")} must start with \`/\`, got \`${health.path}\``);
    }
    wholeIn("containerHealthCheck.intervalSeconds", args.containerHealthCheck?.intervalSeconds, 5, 300);
    wholeIn("containerHealthCheck.timeoutSeconds", args.containerHealthCheck?.timeoutSeconds, 2, 60);
    wholeIn("containerHealthCheck.retries", args.containerHealthCheck?.retries, 1, 10);
    wholeIn("containerHealthCheck.startPeriodSeconds", args.containerHealthCheck?.startPeriodSeconds, 0, 300);
    const containerHealth = { ...d.containerHealthCheck, ...definedOnly(args.containerHealthCheck) };
    if (containerHealth.timeoutSeconds >= containerHealth.intervalSeconds) {
        problems.push(
            `${n("containerHealthCheck.timeoutSeconds")} (${containerHealth.timeoutSeconds}) must be less than ${n("containerHealthCheck.intervalSeconds")} (${containerHealth.intervalSeconds})`,
        );
    }
    const command = args.containerHealthCheck?.command;
    if (
        command !== undefined &&
        !(Array.isArray(command) && command.length >= 2 && ["CMD", "CMD-SHELL"].includes(command[0]) && command.every((part) => typeof part === "string"))
    ) {
        problems.push(
            `${n("containerHealthCheck.command")} must be \`CMD\` followed by the command's arguments, or \`CMD-SHELL\` followed by a shell line, got \`${JSON.stringify(command)}\``,
        );
    }

    problems.push(...listenerProblems(args, name, options.region));
    problems.push(...scalingProblems(args, name));
    problems.push(...environmentProblems(args, name));
    problems.push(...containerProblems(args, name));
    problems.push(...deploymentProblems(args, name));
    problems.push(...deploymentAlarmProblems(args, name));

    const natGateways = args.vpc?.natGateways;
    if (natGateways !== undefined && natGateways !== "Single" && natGateways !== "OnePerAz") {
        problems.push(`${n("vpc.natGateways")} must be \`Single\` or \`OnePerAz\`, got \`${String(natGateways)}\``);
    }
    const logRetentionDays = args.logRetentionDays;
    if (logRetentionDays !== undefined && !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        problems.push(`${n("logRetentionDays")} must be one of CloudWatch's values (${LOG_RETENTION_DAYS.join(", ")}), got \`${logRetentionDays}\``);
    }
    return problems;
}

type Namer = (argument: string) => string;

/** The argument's name as a message shows it: in backticks. */
function quoted(name: Namer): Namer {
    return (argument) => `\`${name(argument)}\``;
}
type WholeIn = (field: string, value: number | undefined, min: number, max: number) => void;

/** A check that adds to `problems` when a value is set and is not a whole number in range. */
function wholeNumberCheck(problems: string[], n: Namer): WholeIn {
    return (field, value, min, max) => {
        if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
            problems.push(`${n(field)} must be a whole number from ${min} to ${max}, got \`${value}\``);
        }
    };
}

function listenerProblems(args: DigestPinnedServiceArgs, name: Namer, region: string | undefined): string[] {
    const n = quoted(name);
    const https = args.https;
    if (https === undefined) {
        return args.httpOnly === true
            ? []
            : [
                  `set ${n("https")} (\`certificateArn\`, or \`domain\` with \`hostedZoneId\`) to serve HTTPS, or ${n("httpOnly")} to \`true\` to serve plain HTTP (development only)`,
              ];
    }
    const problems: string[] = [];
    if (args.httpOnly === true) {
        problems.push(`Only one of ${n("https")} or ${n("httpOnly")} can be provided: HTTPS redirects port 80 to 443, HTTP-only serves port 80 alone.`);
    }
    if (https.certificateArn !== undefined && https.domain !== undefined) {
        problems.push(
            `Only one of ${n("https.certificateArn")} or ${n("https.domain")} can be provided: a certificate you have, or one this stack requests and validates for the domain.`,
        );
    } else if (https.certificateArn === undefined && https.domain === undefined) {
        problems.push(
            `${n("https")} needs ${n("https.certificateArn")} (a certificate you have) or ${n("https.domain")} with ${n("https.hostedZoneId")} (one this stack requests and validates)`,
        );
    }
    if (https.certificateArn !== undefined) {
        const problem = acmCertificateArnProblem(https.certificateArn, name("https.certificateArn"), region);
        if (problem !== undefined) problems.push(problem);
        if (https.hostedZoneId !== undefined) {
            problems.push(
                `${n("https.hostedZoneId")} goes with ${n("https.domain")}, not with ${n("https.certificateArn")}; remove it, or use \`domain\` instead of the certificate`,
            );
        }
    }
    if (https.domain !== undefined) {
        if (typeof https.domain !== "string" || !DOMAIN.test(https.domain)) {
            problems.push(`${n("https.domain")} must be a lower-case DNS name such as \`api.example.com\`, got \`${String(https.domain)}\``);
        }
        if (https.hostedZoneId === undefined) {
            problems.push(`${n("https.hostedZoneId")} is required with ${n("https.domain")}: the Route 53 zone the validation and alias records go in`);
        }
    }
    if (https.hostedZoneId !== undefined && !HOSTED_ZONE_ID.test(String(https.hostedZoneId))) {
        problems.push(`${n("https.hostedZoneId")} must be a Route 53 hosted zone id such as \`Z0123456789ABCDEFGHIJ\`, got \`${String(https.hostedZoneId)}\``);
    }
    if (https.sslPolicy !== undefined && !SSL_POLICY.test(https.sslPolicy)) {
        problems.push(
            `${n("https.sslPolicy")} must allow TLS 1.2 and later only (\`ELBSecurityPolicy-TLS13-…\`, e.g. \`${SERVICE_DEFAULTS.sslPolicy}\`), got \`${https.sslPolicy}\``,
        );
    }
    return problems;
}

function scalingProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const scaling = args.autoscaling;
    if (scaling === undefined) {
        return [];
    }
    const problems: string[] = [];
    const wholeIn = wholeNumberCheck(problems, n);
    if (args.desiredCount !== undefined) {
        problems.push(
            `Only one of ${n("desiredCount")} or ${n("autoscaling")} can be provided: with autoscaling the task count moves between ${n("autoscaling.minCount")} and ${n("autoscaling.maxCount")}.`,
        );
    }
    const before = problems.length;
    for (const field of ["minCount", "maxCount"] as const) {
        if (scaling[field] === undefined) {
            problems.push(`${n(`autoscaling.${field}`)} is required with ${n("autoscaling")}`);
        }
    }
    wholeIn("autoscaling.minCount", scaling.minCount, 1, 1000);
    wholeIn("autoscaling.maxCount", scaling.maxCount, 1, 1000);
    if (problems.length === before && scaling.minCount > scaling.maxCount) {
        problems.push(`${n("autoscaling.minCount")} (${scaling.minCount}) must not be more than ${n("autoscaling.maxCount")} (${scaling.maxCount})`);
    }
    wholeIn("autoscaling.cpuTargetPercent", scaling.cpuTargetPercent, 10, 90);
    if (scaling.requestsPerTarget !== false) {
        wholeIn("autoscaling.requestsPerTarget", scaling.requestsPerTarget, 1, 1000000);
    }
    wholeIn("autoscaling.scaleInCooldownSeconds", scaling.scaleInCooldownSeconds, 0, 3600);
    wholeIn("autoscaling.scaleOutCooldownSeconds", scaling.scaleOutCooldownSeconds, 0, 3600);
    if (args.deployment?.strategy === "BLUE_GREEN" && scaling.requestsPerTarget !== false) {
        problems.push(
            `${n("autoscaling.requestsPerTarget")} must be \`false\` with \`BLUE_GREEN\` deployments: the request metric names one target group, and blue/green moves traffic between two; scale on CPU`,
        );
    }
    return problems;
}

function environmentProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const problems: string[] = [];
    const environment = args.environment ?? {};
    const secrets = args.secrets ?? {};
    for (const [variable, value] of Object.entries(environment)) {
        const problem = variableNameProblem(variable, name("environment")) ?? plainEnvironmentProblem(variable, value, name("environment"));
        if (problem !== undefined) problems.push(problem);
    }
    for (const [variable, value] of Object.entries(secrets)) {
        const problem = variableNameProblem(variable, name("secrets")) ?? secretReferenceProblem(value, name(`secrets.${variable}`));
        if (problem !== undefined) problems.push(problem);
        if (Object.prototype.hasOwnProperty.call(environment, variable)) {
            problems.push(`\`${variable}\` is in both ${n("environment")} and ${n("secrets")}; ECS would refuse the task definition: keep it in \`secrets\``);
        }
    }
    if (args.secretsKmsKeyArn !== undefined) {
        const problem = kmsKeyArnProblem(args.secretsKmsKeyArn, name("secretsKmsKeyArn"));
        if (problem !== undefined) problems.push(problem);
        if (Object.keys(secrets).length === 0) {
            problems.push(
                `${n("secretsKmsKeyArn")} is set without ${n("secrets")}; the execution role would get a key it never uses: remove it, or add the secrets`,
            );
        }
    }
    return problems;
}

function containerProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const problems: string[] = [];
    if (args.user !== undefined) {
        const [user, group] = String(args.user).split(":");
        if (!USER.test(String(args.user))) {
            problems.push(`${n("user")} must be \`<uid>\`, \`<uid>:<gid>\` or a user name, got \`${String(args.user)}\``);
        } else if (user === "root" || /^0+$/.test(user) || group === "root" || (group !== undefined && /^0+$/.test(group))) {
            problems.push(
                `${n("user")} must not be root, got \`${args.user}\`: a process that breaks out of the application should not own the container; use the image's unprivileged user (e.g. \`1000:1000\`)`,
            );
        }
    }
    if (args.enableExecuteCommand === true && (args.readonlyRootFilesystem ?? SERVICE_DEFAULTS.readonlyRootFilesystem)) {
        problems.push(
            `${n("enableExecuteCommand")} needs a writable root filesystem (the SSM agent writes into the container); set ${n("readonlyRootFilesystem")} to \`false\` as well, or leave ECS Exec off`,
        );
    }
    return problems;
}

function deploymentProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const deployment = args.deployment;
    if (deployment === undefined) {
        return [];
    }
    const problems: string[] = [];
    const wholeIn = wholeNumberCheck(problems, n);
    const strategy = deployment.strategy ?? "ROLLING";
    if (strategy !== "ROLLING" && strategy !== "BLUE_GREEN") {
        return [`${n("deployment.strategy")} must be \`ROLLING\` or \`BLUE_GREEN\`, got \`${String(strategy)}\``];
    }
    if (strategy === "ROLLING") {
        for (const field of ["bakeTimeMinutes", "testListener"] as const) {
            if (deployment[field] !== undefined) {
                problems.push(
                    `${n(`deployment.${field}`)} applies to \`BLUE_GREEN\` deployments only; set ${n("deployment.strategy")} to \`BLUE_GREEN\`, or remove it`,
                );
            }
        }
        return problems;
    }
    wholeIn("deployment.bakeTimeMinutes", deployment.bakeTimeMinutes, 0, 1440);
    const test = deployment.testListener;
    if (test !== undefined) {
        wholeIn("deployment.testListener.port", test.port, 1, 65535);
        const taken = args.https !== undefined ? [80, 443] : [80];
        if (test.port !== undefined && taken.includes(test.port)) {
            problems.push(
                `${n("deployment.testListener.port")} ${test.port} is the production listener's port; pick another (e.g. ${args.https !== undefined ? 8443 : 8080})`,
            );
        }
        const cidrs: unknown = test.allowedCidrs;
        if (!Array.isArray(cidrs) || cidrs.length === 0) {
            problems.push(`${n("deployment.testListener.allowedCidrs")} must list the IPv4 CIDRs that may send test traffic, e.g. \`["203.0.113.0/24"]\``);
        } else {
            cidrs.forEach((cidr, i) => {
                if (typeof cidr !== "string" || !IPV4_CIDR.test(cidr)) {
                    problems.push(
                        `${n(`deployment.testListener.allowedCidrs[${i}]`)} must be an IPv4 CIDR such as \`203.0.113.0/24\`, got \`${String(cidr)}\``,
                    );
                }
            });
        }
    }
    return problems;
}

/** The largest threshold each alarm takes: a count of responses per period, a count of tasks. */
const ALARM_THRESHOLD_MAX: { readonly [alarm in keyof DeploymentAlarmsArgs]-?: number } = { target5xx: 1_000_000, unhealthyHosts: 1000 };
/** Longest alarm window (period × evaluation periods): ECS keeps each deployment in progress for a bake time it derives from it. */
const ALARM_WINDOW_MAX_SECONDS = 3600;

function deploymentAlarmProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const problems: string[] = [];
    const wholeIn = wholeNumberCheck(problems, n);
    for (const alarm of ["target5xx", "unhealthyHosts"] as const) {
        const given = args.deploymentAlarms?.[alarm];
        const field = (key: keyof DeploymentAlarmArgs) => `deploymentAlarms.${alarm}.${key}`;
        wholeIn(field("threshold"), given?.threshold, 1, ALARM_THRESHOLD_MAX[alarm]);
        const before = problems.length;
        const period = given?.periodSeconds;
        if (period !== undefined && !(Number.isInteger(period) && period % 60 === 0 && period >= 60 && period <= 3600)) {
            problems.push(
                `${n(field("periodSeconds"))} must be a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute), got \`${period}\``,
            );
        }
        wholeIn(field("evaluationPeriods"), given?.evaluationPeriods, 1, 10);
        const { periodSeconds, evaluationPeriods } = { ...SERVICE_DEFAULTS.deploymentAlarms[alarm], ...definedOnly(given) };
        if (problems.length === before && periodSeconds * evaluationPeriods > ALARM_WINDOW_MAX_SECONDS) {
            problems.push(
                `${n(field("periodSeconds"))} × ${n(field("evaluationPeriods"))} (${periodSeconds} s × ${evaluationPeriods} = ${periodSeconds * evaluationPeriods} s) ` +
                    `must be at most ${ALARM_WINDOW_MAX_SECONDS} s: ECS keeps every deployment in progress for a bake time it derives from the alarms' windows; shorten one`,
            );
        }
    }
    return problems;
}
