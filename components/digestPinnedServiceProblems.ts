// Every check of DigestPinnedService's arguments that needs no cloud, as
// sentences naming the argument, quoting the value and saying what to do;
// all of them at once. Pure: the component runs them right after `super`,
// and the stack program runs them on its config (naming the config keys)
// before anything is registered.
import { acmCertificateArnProblem, HOSTED_ZONE_ID } from "./arns";
import { kmsKeyArnProblem, secretReferenceProblem, variableNameProblem } from "./containerSecrets";
import { DEPLOYMENT_ALARMS } from "./deploymentAlarms";
import {
    DEPLOYMENT_LIMITS,
    DEPLOYMENT_STRATEGIES,
    DeploymentStrategy,
    LAMBDA_ONLY_STAGES,
    PAUSE_STAGES,
    PAUSE_TIMEOUT_ACTIONS,
    SETTING_STRATEGIES,
    shiftsTraffic,
    TRAFFIC_SHIFTING_STRATEGIES,
} from "./deploymentStrategy";
import type { DeploymentAlarmArgs, DigestPinnedServiceArgs, PauseArgs } from "./digestPinnedServiceArgs";
import { fargateSizeProblem } from "./fargateSize";
import { plainEnvironmentProblem } from "./secretNames";
import { definedOnly, SERVICE_DEFAULTS } from "./serviceDefaults";
import { got } from "./inputMessage";

export interface ProblemOptions {
    /** How to name an argument in a message: the component names `https.domain`, the stack program `<project>:https.domain`. */
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
        problems.push(`${n("containerName")} must be 1-255 letters, digits, \`-\` or \`_\`${got(args.containerName)}`);
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
        problems.push(`${n("healthCheck.path")} must start with \`/\`${got(health.path)}`);
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
        problems.push(`${n("vpc.natGateways")} must be \`Single\` or \`OnePerAz\`${got(natGateways)}`);
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
            problems.push(`${n(field)} must be a whole number from ${min} to ${max}${got(value)}`);
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
            problems.push(`${n("https.domain")} must be a lower-case DNS name such as \`api.example.com\`${got(https.domain)}`);
        }
        if (https.hostedZoneId === undefined) {
            problems.push(`${n("https.hostedZoneId")} is required with ${n("https.domain")}: the Route 53 zone the validation and alias records go in`);
        }
    }
    if (https.hostedZoneId !== undefined && !HOSTED_ZONE_ID.test(String(https.hostedZoneId))) {
        problems.push(`${n("https.hostedZoneId")} must be a Route 53 hosted zone id such as \`Z0123456789ABCDEFGHIJ\`${got(https.hostedZoneId)}`);
    }
    if (https.sslPolicy !== undefined && !SSL_POLICY.test(https.sslPolicy)) {
        problems.push(
            `${n("https.sslPolicy")} must allow TLS 1.2 and later only (\`ELBSecurityPolicy-TLS13-…\`, e.g. \`${SERVICE_DEFAULTS.https.sslPolicy}\`)${got(https.sslPolicy)}`,
        );
    }
    return problems;
}

/** How a message names a traffic-shifting strategy in prose. */
const SHIFT_NAMES = { BLUE_GREEN: "blue/green", LINEAR: "a linear deployment", CANARY: "a canary deployment" } as const;

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
    const strategy = args.deployment?.strategy;
    if (
        strategy !== undefined &&
        (DEPLOYMENT_STRATEGIES as readonly string[]).includes(strategy) &&
        shiftsTraffic(strategy) &&
        scaling.requestsPerTarget !== false
    ) {
        problems.push(
            `${n("autoscaling.requestsPerTarget")} must be \`false\` with \`${strategy}\` deployments: the request metric names one target group, and ${SHIFT_NAMES[strategy]} moves traffic between two; scale on CPU`,
        );
    }
    return problems;
}

function environmentProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const problems: string[] = [];
    const environment: Record<string, string> = args.environment ?? SERVICE_DEFAULTS.environment;
    const secrets: Record<string, string> = args.secrets ?? SERVICE_DEFAULTS.secrets;
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
            problems.push(`${n("user")} must be \`<uid>\`, \`<uid>:<gid>\` or a user name${got(args.user)}`);
        } else if (user === "root" || /^0+$/.test(user) || group === "root" || (group !== undefined && /^0+$/.test(group))) {
            problems.push(
                `${n("user")} must not be root${got(args.user)}: a process that breaks out of the application should not own the container; use the image's unprivileged user (e.g. \`1000:1000\`)`,
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
    const tenthsIn = tenthsCheck(problems, n);
    const strategy: unknown = deployment.strategy ?? SERVICE_DEFAULTS.deployment.strategy;
    if (!(DEPLOYMENT_STRATEGIES as readonly unknown[]).includes(strategy)) {
        return [`${n("deployment.strategy")} must be one of ${DEPLOYMENT_STRATEGIES.map((s) => `\`${s}\``).join(", ")}${got(strategy)}`];
    }
    const limits = DEPLOYMENT_LIMITS;
    problems.push(...pauseProblems(deployment.pause, strategy as DeploymentStrategy, name));
    // Settings that belong to other strategies than the chosen one.
    for (const [field, strategies] of Object.entries(SETTING_STRATEGIES) as [keyof typeof SETTING_STRATEGIES, readonly DeploymentStrategy[]][]) {
        if (deployment[field] !== undefined && !strategies.includes(strategy as DeploymentStrategy)) {
            problems.push(
                `${n(`deployment.${field}`)} applies to ${codeList(strategies, "and")} deployments only, and ${n("deployment.strategy")} is \`${String(strategy)}\`; change the strategy, or remove it`,
            );
        }
    }
    if (strategy === "ROLLING") {
        return problems;
    }
    wholeIn("deployment.bakeTimeMinutes", deployment.bakeTimeMinutes, limits.bakeTimeMinutes.min, limits.bakeTimeMinutes.max);
    if (strategy === "LINEAR") {
        tenthsIn("deployment.linear.stepPercent", deployment.linear?.stepPercent, limits.linearStepPercent.min, limits.linearStepPercent.max);
        wholeIn("deployment.linear.stepBakeTimeMinutes", deployment.linear?.stepBakeTimeMinutes, limits.bakeTimeMinutes.min, limits.bakeTimeMinutes.max);
    }
    if (strategy === "CANARY") {
        tenthsIn("deployment.canary.percent", deployment.canary?.percent, limits.canaryPercent.min, limits.canaryPercent.max);
        wholeIn("deployment.canary.bakeTimeMinutes", deployment.canary?.bakeTimeMinutes, limits.bakeTimeMinutes.min, limits.bakeTimeMinutes.max);
    }
    const test = deployment.testListener;
    if (test !== undefined) {
        wholeIn("deployment.testListener.port", test.port, 1, 65535);
        const taken = args.https !== undefined ? [80, 443] : [80];
        if (test.port !== undefined && taken.includes(test.port)) {
            problems.push(
                `${n("deployment.testListener.port")} ${test.port} is the production listener's port; pick another (e.g. ${SERVICE_DEFAULTS.deployment.testListener.port(args)})`,
            );
        }
        const cidrs: unknown = test.allowedCidrs;
        if (!Array.isArray(cidrs) || cidrs.length === 0) {
            problems.push(`${n("deployment.testListener.allowedCidrs")} must list the IPv4 CIDRs that may send test traffic, e.g. \`["203.0.113.0/24"]\``);
        } else {
            cidrs.forEach((cidr, i) => {
                if (typeof cidr !== "string" || !IPV4_CIDR.test(cidr)) {
                    problems.push(`${n(`deployment.testListener.allowedCidrs[${i}]`)} must be an IPv4 CIDR such as \`203.0.113.0/24\`${got(cidr)}`);
                }
            });
        }
    }
    return problems;
}

/** The PAUSE hook: stages ECS accepts for it (and that the strategy passes), the timeout and its action. */
function pauseProblems(pause: PauseArgs | undefined, strategy: DeploymentStrategy, name: Namer): string[] {
    const n = quoted(name);
    if (pause === undefined) {
        return [];
    }
    const problems: string[] = [];
    const limits = DEPLOYMENT_LIMITS.pauseTimeoutMinutes;
    wholeNumberCheck(problems, n)("deployment.pause.timeoutMinutes", pause.timeoutMinutes, limits.min, limits.max);
    if (pause.onTimeout !== undefined && !(PAUSE_TIMEOUT_ACTIONS as readonly unknown[]).includes(pause.onTimeout)) {
        problems.push(
            `${n("deployment.pause.onTimeout")} must be \`ROLLBACK\` (ECS rolls the deployment back when nobody answered in time) or \`CONTINUE\` (it carries on)${got(pause.onTimeout)}`,
        );
    }
    const stages: unknown = pause.stages;
    const allowed = PAUSE_STAGES.map(({ stage }) => `\`${stage}\``).join(", ");
    if (!Array.isArray(stages) || stages.length === 0) {
        problems.push(`${n("deployment.pause.stages")} must list the stages to pause at (${allowed}), e.g. \`["PRE_PRODUCTION_TRAFFIC_SHIFT"]\``);
        return problems;
    }
    stages.forEach((stage: unknown, i) => {
        const at = n(`deployment.pause.stages[${i}]`);
        const known = PAUSE_STAGES.find((row) => row.stage === stage);
        if ((LAMBDA_ONLY_STAGES as readonly unknown[]).includes(stage)) {
            problems.push(
                `${at} is \`${String(stage)}\`, where ECS runs Lambda hooks only and refuses a PAUSE hook; pause just before or after it ` +
                    `(\`${stage === "TEST_TRAFFIC_SHIFT" ? "POST_SCALE_UP` or `POST_TEST_TRAFFIC_SHIFT" : "PRE_PRODUCTION_TRAFFIC_SHIFT` or `POST_PRODUCTION_TRAFFIC_SHIFT"}\`)`,
            );
        } else if (known === undefined) {
            problems.push(`${at} must be one of ${allowed}${got(stage)}`);
        } else if (known.trafficShift && !shiftsTraffic(strategy)) {
            problems.push(
                `${at} is \`${known.stage}\`, a traffic-shift stage that a \`ROLLING\` deployment never reaches, so it would never pause; ` +
                    `pause at ${codeList(ROLLING_PAUSE_STAGES, "or")}, or set ${n("deployment.strategy")} to ${codeList(TRAFFIC_SHIFTING_STRATEGIES, "or")}`,
            );
        } else if (stages.indexOf(stage) !== i) {
            problems.push(`${at} repeats \`${known.stage}\`; list each stage once`);
        }
    });
    return problems;
}

/** The stages a rolling deployment passes, where its PAUSE hook may wait. */
const ROLLING_PAUSE_STAGES = PAUSE_STAGES.filter((row) => !row.trafficShift).map((row) => row.stage);

/** `["A", "B", "C"]` as "`A`, `B` and `C`" (or "… or `C`"). */
function codeList(items: readonly string[], conjunction: "and" | "or"): string {
    const quotedItems = items.map((item) => `\`${item}\``);
    return quotedItems.length < 2 ? quotedItems.join("") : `${quotedItems.slice(0, -1).join(", ")} ${conjunction} ${quotedItems[quotedItems.length - 1]}`;
}

type TenthsIn = (field: string, value: number | undefined, min: number, max: number) => void;

/** A check that adds to `problems` when a value is set and is not a multiple of 0.1 in range (ECS's percentages). */
function tenthsCheck(problems: string[], n: Namer): TenthsIn {
    return (field, value, min, max) => {
        const tenths = typeof value === "number" ? value * 10 : NaN;
        if (value !== undefined && !(Math.abs(tenths - Math.round(tenths)) < 1e-9 && value >= min && value <= max)) {
            problems.push(`${n(field)} must be a percentage from ${min} to ${max} in steps of 0.1${got(value)}`);
        }
    };
}

/** Longest alarm window (period × evaluation periods): ECS keeps each deployment in progress for a bake time it derives from it. */
const ALARM_WINDOW_MAX_SECONDS = 3600;

function deploymentAlarmProblems(args: DigestPinnedServiceArgs, name: Namer): string[] {
    const n = quoted(name);
    const problems: string[] = [];
    const wholeIn = wholeNumberCheck(problems, n);
    for (const { alarm, thresholdMax } of DEPLOYMENT_ALARMS) {
        const given = args.deploymentAlarms?.[alarm];
        const field = (key: keyof DeploymentAlarmArgs) => `deploymentAlarms.${alarm}.${key}`;
        wholeIn(field("threshold"), given?.threshold, 1, thresholdMax);
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
