// DigestPinnedService's arguments: their types and their documentation, with
// every default in an `@default` tag. The values themselves live once, in
// SERVICE_DEFAULTS (serviceDefaults.ts), which applies them; a unit test holds
// each tag to that object (test/unit/serviceDefaultsDocs.test.ts). Types only:
// the checks are in digestPinnedServiceProblems.ts.
import type * as pulumi from "@pulumi/pulumi";
import type { FargateCpu } from "./fargateSize";
import type { DeploymentStrategy, PauseStage, PauseTimeoutAction } from "./deploymentStrategy";
import type { ImageDigestRef } from "./imageReference";

// stackConfig.ts reads the checks from here; they live in digestPinnedServiceProblems.ts.
export { digestPinnedServiceProblems } from "./digestPinnedServiceProblems";
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
     * `BLUE_GREEN`, `LINEAR` and `CANARY`: the metric names one target group, and they move traffic between two.
     * @default 1000
     */
    readonly requestsPerTarget?: number | false;
    /** Seconds after a scale-in before the next one. @default 300 */
    readonly scaleInCooldownSeconds?: number;
    /** Seconds after a scale-out before the next one. @default 60 */
    readonly scaleOutCooldownSeconds?: number;
}

/** Test traffic for `BLUE_GREEN`, `LINEAR` and `CANARY`: a listener on its own port that reaches the new (green) tasks before production does. */
export interface TestListenerArgs {
    /** @default 8443 with HTTPS, 8080 with `httpOnly` */
    readonly port?: number;
    /** Who may send test traffic (IPv4 CIDRs); nobody else reaches the port. @example ["203.0.113.0/24"] */
    readonly allowedCidrs: string[];
}

/** LINEAR: production traffic moves to the new tasks in equal steps, with a wait after each. */
export interface LinearArgs {
    /** Percent of production traffic moved per step: a multiple of 0.1 from 3 to 100. @default 10 */
    readonly stepPercent?: number;
    /** Minutes after each step before the next, 0-1440 (not after the last). @default 6 */
    readonly stepBakeTimeMinutes?: number;
}

/** CANARY: a small share of production traffic first, the rest at once after a wait. */
export interface CanaryArgs {
    /** Percent of production traffic the new tasks take first: a multiple of 0.1 from 0.1 to 100. @default 5 */
    readonly percent?: number;
    /** Minutes the canary share runs before the rest of the traffic moves, 0-1440. @default 10 */
    readonly bakeTimeMinutes?: number;
}

/**
 * One ECS PAUSE lifecycle hook: the deployment stops at each of `stages` until someone calls
 * `ContinueServiceDeployment` (continue or roll back), or the timeout passes and ECS takes `onTimeout`.
 * With a pause configured, `pulumi up` does not wait for the service to settle: the driver follows the deployment
 * until its own wait runs out; nothing in the driver answers the hook yet (issue #27's driver part).
 */
export interface PauseArgs {
    /**
     * Where to stop, as ECS names the stages: `RECONCILE_SERVICE`, `PRE_SCALE_UP`, `POST_SCALE_UP`, and (not with
     * `ROLLING`) `POST_TEST_TRAFFIC_SHIFT`, `PRE_PRODUCTION_TRAFFIC_SHIFT`, `POST_PRODUCTION_TRAFFIC_SHIFT`.
     * @example ["PRE_PRODUCTION_TRAFFIC_SHIFT"]
     */
    readonly stages: PauseStage[];
    /** Minutes ECS waits at a stage before `onTimeout`, 1-20160 (14 days). @default 1440 */
    readonly timeoutMinutes?: number;
    /** What ECS does when nobody answered in time: roll back, or carry on. @default "ROLLBACK" */
    readonly onTimeout?: PauseTimeoutAction;
}

/**
 * How ECS replaces tasks on a deploy. `ROLLING`: new tasks start before old ones stop, with the circuit breaker
 * rolling back a failing deployment. The other three (ECS's native strategies, no CodeDeploy) start a full set of
 * new tasks behind a second target group and move production traffic to it: `BLUE_GREEN` all at once, `LINEAR` in
 * equal steps, `CANARY` a share first and then the rest; the old set is kept for `bakeTimeMinutes` to roll back to.
 */
export interface DeploymentArgs {
    /** @default "ROLLING" */
    readonly strategy?: DeploymentStrategy;
    /** Not with `ROLLING`: minutes both sets run after all production traffic moved, 0-1440. @default 10 */
    readonly bakeTimeMinutes?: number;
    /** Not with `ROLLING`: a test listener for the new tasks before they take production traffic. @default undefined (no test traffic) */
    readonly testListener?: TestListenerArgs;
    /** `LINEAR` only: the step size and the wait after each step. @default undefined (with `LINEAR`: `{ stepPercent: 10, stepBakeTimeMinutes: 6 }`) */
    readonly linear?: LinearArgs;
    /** `CANARY` only: the canary's share and how long it runs alone. @default undefined (with `CANARY`: `{ percent: 5, bakeTimeMinutes: 10 }`) */
    readonly canary?: CanaryArgs;
    /** A PAUSE hook at chosen stages, any strategy. @default undefined (no pause) */
    readonly pause?: PauseArgs;
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
    /** The container's health check. @default { intervalSeconds: 15, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 10 } (and a `command` that fetches `healthCheck.path` with node) */
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
    /** Rolling (default), or ECS's native blue/green, linear or canary; optionally with a PAUSE hook. @default { strategy: "ROLLING" } */
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
    /** An existing ECS cluster, by ARN. @default undefined (a new cluster) */
    readonly clusterArn?: pulumi.Input<string>;
    /** An existing VPC and subnets. Only one of `network` or `vpc`. @default undefined (a new VPC, as `vpc` says) */
    readonly network?: ExistingNetworkArgs;
    /** Settings for the new VPC when `network` is unset. @default { numberOfAvailabilityZones: 2, natGateways: "Single" } */
    readonly vpc?: NewVpcArgs;
    /** Give tasks public IPs (only for public subnets without NAT). @default false */
    readonly assignPublicIp?: boolean;
    /** Tags for every taggable child. @default {} */
    readonly tags?: Record<string, string>;
}
