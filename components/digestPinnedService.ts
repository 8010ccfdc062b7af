// A Fargate service behind an ALB whose task definition names its image by
// digest, and only by digest. The human tag rides along as a resource tag and
// a docker label; it is never what ECS pulls.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { ImageDigestRef, parseImageReference } from "./imageReference";
import { PolicyDocument } from "./policyDocument";

export const DIGEST_PINNED_SERVICE_TYPE = "papyrus:aws:DigestPinnedService";

/** Fargate task CPU units. */
export type FargateCpu = 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384;

/** The label that carries the human tag inside the container definition (OCI annotation name). */
export const IMAGE_TAG_LABEL = "org.opencontainers.image.version";

export interface HealthCheckArgs {
    /** @default "/health" */
    readonly path?: string;
    /** Seconds between checks. @default 15 */
    readonly intervalSeconds?: number;
    /** Seconds before a check counts as failed; less than `intervalSeconds`. @default 5 */
    readonly timeoutSeconds?: number;
    /** Consecutive successes before a task takes traffic. @default 2 */
    readonly healthyThreshold?: number;
    /** Consecutive failures before a task is replaced. @default 3 */
    readonly unhealthyThreshold?: number;
    /** HTTP codes that count as healthy. @default "200-399" */
    readonly matcher?: string;
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
    /**
     * The repository URL the image must come from; any other repository is refused.
     * @default undefined (any repository)
     */
    readonly approvedRepositoryUrl?: pulumi.Input<string>;
    /** The ECR repository the execution role may pull from (and nothing else). */
    readonly repositoryArn: pulumi.Input<string>;
    /**
     * The task definition family. Revisions of one family are what a rollback chooses between.
     * @default `${name}-${stack}`
     */
    readonly family?: string;
    /** Task CPU units. @default 256 */
    readonly cpu?: FargateCpu;
    /** Task memory in MiB; must be a valid Fargate size for `cpu`. @default 512 */
    readonly memory?: number;
    /** @default "app" */
    readonly containerName?: string;
    /** The port the container listens on. @default 8080 */
    readonly containerPort?: number;
    /** Plain environment variables (no secrets). @default {} */
    readonly environment?: Record<string, string>;
    /** @default 1 */
    readonly desiredCount?: number;
    /** The target group's health check. @default { path: "/health", intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 } */
    readonly healthCheck?: HealthCheckArgs;
    /**
     * Seconds the ALB keeps draining a deregistered task. AWS's default, 300 s, dominates every rollout.
     * @default 30
     */
    readonly deregistrationDelay?: number;
    /** Seconds ECS ignores failing health checks after a task starts. @default 30 */
    readonly healthCheckGracePeriodSeconds?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /**
     * An existing ECS cluster, by ARN.
     * @default a new cluster
     */
    readonly clusterArn?: pulumi.Input<string>;
    /**
     * An existing VPC and subnets. Only one of `network` or `vpc`.
     * @default a new VPC (`vpc`)
     */
    readonly network?: ExistingNetworkArgs;
    /** Settings for the new VPC when `network` is unset. @default { numberOfAvailabilityZones: 2, natGateways: "Single" } */
    readonly vpc?: NewVpcArgs;
    /** Give tasks public IPs (only for public subnets without NAT). @default false */
    readonly assignPublicIp?: boolean;
    /** Tags for every taggable child. @default {} */
    readonly tags?: Record<string, string>;
}

/** Valid Fargate memory sizes (MiB) for each CPU size. */
export function fargateMemoryChoices(cpu: number): number[] {
    const range = (from: number, to: number, step: number) =>
        Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
    switch (cpu) {
        case 256: return [512, 1024, 2048];
        case 512: return range(1024, 4096, 1024);
        case 1024: return range(2048, 8192, 1024);
        case 2048: return range(4096, 16384, 1024);
        case 4096: return range(8192, 30720, 1024);
        case 8192: return range(16384, 61440, 4096);
        case 16384: return range(32768, 122880, 8192);
        default: return [];
    }
}

/** Every problem with the arguments that does not need a cloud to see, as sentences naming the argument. */
export function digestPinnedServiceProblems(args: DigestPinnedServiceArgs): string[] {
    const problems: string[] = [];
    if (args.network !== undefined && args.vpc !== undefined) {
        problems.push("Only one of `network` or `vpc` can be provided.");
    }
    const cpu = args.cpu ?? 256;
    const memory = args.memory ?? 512;
    const choices = fargateMemoryChoices(cpu);
    if (choices.length === 0) {
        problems.push(`\`cpu\` must be one of 256, 512, 1024, 2048, 4096, 8192 or 16384 (Fargate sizes), got \`${cpu}\``);
    } else if (!choices.includes(memory)) {
        problems.push(`\`memory\` ${memory} MiB is not a Fargate size for \`cpu\` ${cpu}; use one of ${choices[0]}-${choices[choices.length - 1]} MiB (${choices.length > 3 ? `steps of ${choices[1] - choices[0]}` : choices.join(", ")})`);
    }
    const wholeIn = (field: string, value: number | undefined, min: number, max: number) => {
        if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
            problems.push(`\`${field}\` must be a whole number from ${min} to ${max}, got \`${value}\``);
        }
    };
    wholeIn("containerPort", args.containerPort, 1, 65535);
    wholeIn("desiredCount", args.desiredCount, 0, 1000);
    wholeIn("deregistrationDelay", args.deregistrationDelay, 0, 3600);
    wholeIn("healthCheckGracePeriodSeconds", args.healthCheckGracePeriodSeconds, 0, 2147483647);
    wholeIn("healthCheck.intervalSeconds", args.healthCheck?.intervalSeconds, 5, 300);
    wholeIn("healthCheck.timeoutSeconds", args.healthCheck?.timeoutSeconds, 2, 120);
    wholeIn("healthCheck.healthyThreshold", args.healthCheck?.healthyThreshold, 2, 10);
    wholeIn("healthCheck.unhealthyThreshold", args.healthCheck?.unhealthyThreshold, 2, 10);
    const health = healthCheckWithDefaults(args.healthCheck);
    if (health.timeoutSeconds >= health.intervalSeconds) {
        problems.push(`\`healthCheck.timeoutSeconds\` (${health.timeoutSeconds}) must be less than \`healthCheck.intervalSeconds\` (${health.intervalSeconds})`);
    }
    if (!health.path.startsWith("/")) {
        problems.push(`\`healthCheck.path\` must start with \`/\`, got \`${health.path}\``);
    }
    const natGateways = args.vpc?.natGateways;
    if (natGateways !== undefined && natGateways !== "Single" && natGateways !== "OnePerAz") {
        problems.push(`\`vpc.natGateways\` must be \`Single\` or \`OnePerAz\`, got \`${String(natGateways)}\``);
    }
    const logRetentionDays = args.logRetentionDays;
    if (logRetentionDays !== undefined && !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        problems.push(`\`logRetentionDays\` must be one of CloudWatch's values (${LOG_RETENTION_DAYS.join(", ")}), got \`${logRetentionDays}\``);
    }
    return problems;
}

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function healthCheckWithDefaults(health: HealthCheckArgs = {}): Required<HealthCheckArgs> {
    return {
        path: health.path ?? "/health",
        intervalSeconds: health.intervalSeconds ?? 15,
        timeoutSeconds: health.timeoutSeconds ?? 5,
        healthyThreshold: health.healthyThreshold ?? 2,
        unhealthyThreshold: health.unhealthyThreshold ?? 3,
        matcher: health.matcher ?? "200-399",
    };
}

/**
 * The image, checked: at once when it is plain (so a bad config value fails before anything is
 * created), and inside `apply` when it or the approved repository is only known later. The value that
 * flows on is the one that passed the check.
 */
export function checkedImage(
    image: pulumi.Input<ImageDigestRef>,
    approvedRepositoryUrl?: pulumi.Input<string>,
): pulumi.Output<ImageDigestRef> {
    const isPlain = (value: unknown) => !pulumi.Output.isInstance(value) && !(value instanceof Promise);
    if (isPlain(image)) {
        parseImageReference(image);
        if (approvedRepositoryUrl === undefined || isPlain(approvedRepositoryUrl)) {
            return pulumi.output(parseImageReference(image, { approvedRepositoryUrl: approvedRepositoryUrl as string | undefined }).reference);
        }
    }
    return pulumi.all([image, approvedRepositoryUrl]).apply(([value, approved]) =>
        parseImageReference(value, { approvedRepositoryUrl: approved }).reference);
}

/** Pull from one repository and write to one log group: AmazonECSTaskExecutionRolePolicy, scoped. */
export function executionRolePolicy(repositoryArn: string, logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "PullFromRepository",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                Resource: repositoryArn,
            },
            {
                Sid: "WriteLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [logGroupArn, `${logGroupArn}:*`],
            },
        ],
    };
}

const ECS_TASKS_TRUST = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
    }],
});

interface Network {
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** A Fargate service behind an ALB, running exactly one image digest, rolled back by ECS when a deployment fails. */
export class DigestPinnedService extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    public readonly serviceArn: pulumi.Output<string>;
    public readonly taskDefinitionArn: pulumi.Output<string>;
    /** The task definition family; each deploy adds a revision to it. */
    public readonly family: string;
    public readonly taskRoleArn: pulumi.Output<string>;
    public readonly executionRoleArn: pulumi.Output<string>;
    /** The containers' log group (the deploy role's refresh reads its tags). */
    public readonly logGroupArn: pulumi.Output<string>;
    /** `http://<alb dns name>` */
    public readonly loadBalancerUrl: pulumi.Output<string>;
    /** The checked digest reference the task definition runs. */
    public readonly image: pulumi.Output<ImageDigestRef>;

    constructor(name: string, args: DigestPinnedServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(DIGEST_PINNED_SERVICE_TYPE, name, {}, opts);

        const problems = digestPinnedServiceProblems(args);
        if (problems.length > 0) {
            throw new Error(`DigestPinnedService \`${name}\`: ${problems.join("; ")}`);
        }
        this.image = checkedImage(args.image, args.approvedRepositoryUrl);
        this.family = args.family ?? `${name}-${pulumi.getStack()}`;

        const network = this.resolveNetwork(name, args);
        const cluster = this.resolveCluster(name, args);
        const logGroup = this.createLogGroup(name, args);
        const executionRole = this.createExecutionRole(name, args, logGroup);
        const taskRole = this.createTaskRole(name, args);
        const taskDefinition = this.createTaskDefinition(name, args, { logGroup, executionRole, taskRole });
        const { loadBalancer, targetGroup, listener, taskSecurityGroup } = this.createLoadBalancer(name, args, network);
        const service = this.createService(name, args, {
            clusterArn: cluster.arn, taskDefinition, network, targetGroup, listener, taskSecurityGroup,
        });

        this.clusterName = cluster.name;
        this.clusterArn = cluster.arn;
        this.serviceName = service.name;
        this.serviceArn = service.arn;
        this.taskDefinitionArn = taskDefinition.arn;
        this.taskRoleArn = taskRole.arn;
        this.executionRoleArn = executionRole.arn;
        this.logGroupArn = logGroup.arn;
        this.loadBalancerUrl = pulumi.interpolate`http://${loadBalancer.dnsName}`;

        this.registerOutputs({
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            serviceName: this.serviceName,
            serviceArn: this.serviceArn,
            taskDefinitionArn: this.taskDefinitionArn,
            family: this.family,
            taskRoleArn: this.taskRoleArn,
            executionRoleArn: this.executionRoleArn,
            logGroupArn: this.logGroupArn,
            loadBalancerUrl: this.loadBalancerUrl,
            image: this.image,
        });
    }

    private resolveNetwork(name: string, args: DigestPinnedServiceArgs): Network {
        if (args.network !== undefined) {
            return args.network;
        }
        // awsx.ec2.Vpc is a remote component: the subnets, route tables and NAT gateways are its children.
        const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
            numberOfAvailabilityZones: args.vpc?.numberOfAvailabilityZones ?? 2,
            natGateways: { strategy: args.vpc?.natGateways ?? "Single" },
            subnetStrategy: "Auto",
            tags: args.tags,
        }, { parent: this });
        return { vpcId: vpc.vpcId, publicSubnetIds: vpc.publicSubnetIds, privateSubnetIds: vpc.privateSubnetIds };
    }

    private resolveCluster(name: string, args: DigestPinnedServiceArgs): { arn: pulumi.Output<string>; name: pulumi.Output<string> } {
        if (args.clusterArn !== undefined) {
            const arn = pulumi.output(args.clusterArn);
            // arn:aws:ecs:<region>:<account>:cluster/<name>
            return { arn, name: arn.apply((value) => value.slice(value.lastIndexOf("/") + 1)) };
        }
        const cluster = new aws.ecs.Cluster(`${name}-cluster`, { tags: args.tags }, { parent: this });
        return { arn: cluster.arn, name: cluster.name };
    }

    private createLogGroup(name: string, args: DigestPinnedServiceArgs): aws.cloudwatch.LogGroup {
        return new aws.cloudwatch.LogGroup(`${name}-logs`, {
            retentionInDays: args.logRetentionDays ?? 30,
            tags: args.tags,
        }, { parent: this });
    }

    private createExecutionRole(name: string, args: DigestPinnedServiceArgs, logGroup: aws.cloudwatch.LogGroup): aws.iam.Role {
        const role = new aws.iam.Role(`${name}-execution-role`, {
            description: "ECS pulls the service's image and writes its logs with this role",
            assumeRolePolicy: ECS_TASKS_TRUST,
            tags: args.tags,
        }, { parent: this });
        new aws.iam.RolePolicy(`${name}-execution-policy`, {
            role: role.id,
            policy: pulumi.all([args.repositoryArn, logGroup.arn])
                .apply(([repositoryArn, logGroupArn]) => JSON.stringify(executionRolePolicy(repositoryArn, logGroupArn))),
        }, { parent: this });
        return role;
    }

    private createTaskRole(name: string, args: DigestPinnedServiceArgs): aws.iam.Role {
        // No permissions: the application gets what it needs by policies attached to this role elsewhere.
        return new aws.iam.Role(`${name}-task-role`, {
            description: "The service's application runs with this role",
            assumeRolePolicy: ECS_TASKS_TRUST,
            tags: args.tags,
        }, { parent: this });
    }

    private createTaskDefinition(
        name: string,
        args: DigestPinnedServiceArgs,
        deps: { logGroup: aws.cloudwatch.LogGroup; executionRole: aws.iam.Role; taskRole: aws.iam.Role },
    ): aws.ecs.TaskDefinition {
        const containerName = args.containerName ?? "app";
        const containerPort = args.containerPort ?? 8080;
        // The log group ARN names its region: no provider call needed to fill in `awslogs-region`.
        const region = deps.logGroup.arn.apply((arn) => arn.split(":")[3]);
        const imageTag = args.imageTag === undefined ? undefined : pulumi.output(args.imageTag);
        const containerDefinitions = pulumi.jsonStringify([{
            name: containerName,
            // Exactly the checked digest reference; never a tag.
            image: this.image,
            essential: true,
            portMappings: [{ containerPort, protocol: "tcp" }],
            environment: Object.entries(args.environment ?? {}).map(([key, value]) => ({ name: key, value })),
            dockerLabels: imageTag === undefined ? undefined : { [IMAGE_TAG_LABEL]: imageTag },
            logConfiguration: {
                logDriver: "awslogs",
                options: {
                    "awslogs-group": deps.logGroup.name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": containerName,
                },
            },
        }]);
        return new aws.ecs.TaskDefinition(`${name}-task`, {
            family: this.family,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(args.cpu ?? 256),
            memory: String(args.memory ?? 512),
            executionRoleArn: deps.executionRole.arn,
            taskRoleArn: deps.taskRole.arn,
            containerDefinitions,
            tags: imageTag === undefined ? args.tags : { ...args.tags, ImageTag: imageTag },
            // A new image replaces the task definition. Keep the old revision ACTIVE: it is a rollback
            // target, and ECS cannot run an INACTIVE (deregistered) revision again.
            skipDestroy: true,
        }, { parent: this });
    }

    private createLoadBalancer(name: string, args: DigestPinnedServiceArgs, network: Network) {
        const containerPort = args.containerPort ?? 8080;
        const health = healthCheckWithDefaults(args.healthCheck);

        const lbSecurityGroup = new aws.ec2.SecurityGroup(`${name}-lb-sg`, {
            vpcId: network.vpcId,
            description: "Load balancer: HTTP from anywhere, to the service's tasks only",
            tags: args.tags,
        }, { parent: this });
        const taskSecurityGroup = new aws.ec2.SecurityGroup(`${name}-task-sg`, {
            vpcId: network.vpcId,
            description: "Service tasks: the container port from the load balancer only",
            tags: args.tags,
        }, { parent: this });
        // Separate rule resources, so the two groups can name each other without a cycle.
        new aws.vpc.SecurityGroupIngressRule(`${name}-lb-http-in`, {
            securityGroupId: lbSecurityGroup.id,
            ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0",
        }, { parent: this });
        new aws.vpc.SecurityGroupEgressRule(`${name}-lb-to-tasks`, {
            securityGroupId: lbSecurityGroup.id,
            ipProtocol: "tcp", fromPort: containerPort, toPort: containerPort,
            referencedSecurityGroupId: taskSecurityGroup.id,
        }, { parent: this });
        new aws.vpc.SecurityGroupIngressRule(`${name}-tasks-from-lb`, {
            securityGroupId: taskSecurityGroup.id,
            ipProtocol: "tcp", fromPort: containerPort, toPort: containerPort,
            referencedSecurityGroupId: lbSecurityGroup.id,
        }, { parent: this });
        // Tasks reach ECR, CloudWatch Logs and whatever the application calls through the NAT gateway.
        new aws.vpc.SecurityGroupEgressRule(`${name}-tasks-out`, {
            securityGroupId: taskSecurityGroup.id,
            ipProtocol: "-1", cidrIpv4: "0.0.0.0/0",
        }, { parent: this });

        const loadBalancer = new aws.lb.LoadBalancer(`${name}-lb`, {
            loadBalancerType: "application",
            internal: false,
            securityGroups: [lbSecurityGroup.id],
            subnets: network.publicSubnetIds,
            tags: args.tags,
        }, { parent: this });
        const targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
            vpcId: network.vpcId,
            targetType: "ip",
            port: containerPort,
            protocol: "HTTP",
            deregistrationDelay: args.deregistrationDelay ?? 30,
            healthCheck: {
                enabled: true,
                protocol: "HTTP",
                path: health.path,
                interval: health.intervalSeconds,
                timeout: health.timeoutSeconds,
                healthyThreshold: health.healthyThreshold,
                unhealthyThreshold: health.unhealthyThreshold,
                matcher: health.matcher,
            },
            tags: args.tags,
        }, { parent: this });
        const listener = new aws.lb.Listener(`${name}-http`, {
            loadBalancerArn: loadBalancer.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            tags: args.tags,
        }, { parent: this });
        return { loadBalancer, targetGroup, listener, taskSecurityGroup };
    }

    private createService(
        name: string,
        args: DigestPinnedServiceArgs,
        deps: {
            clusterArn: pulumi.Output<string>;
            taskDefinition: aws.ecs.TaskDefinition;
            network: Network;
            targetGroup: aws.lb.TargetGroup;
            listener: aws.lb.Listener;
            taskSecurityGroup: aws.ec2.SecurityGroup;
        },
    ): aws.ecs.Service {
        return new aws.ecs.Service(`${name}-service`, {
            cluster: deps.clusterArn,
            taskDefinition: deps.taskDefinition.arn,
            desiredCount: args.desiredCount ?? 1,
            launchType: "FARGATE",
            networkConfiguration: {
                subnets: deps.network.privateSubnetIds,
                securityGroups: [deps.taskSecurityGroup.id],
                assignPublicIp: args.assignPublicIp ?? false,
            },
            loadBalancers: [{
                targetGroupArn: deps.targetGroup.arn,
                containerName: args.containerName ?? "app",
                containerPort: args.containerPort ?? 8080,
            }],
            healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 30,
            // Rolling deployments (the circuit breaker works only with the ECS controller): start the new
            // tasks before stopping old ones, and roll back to the last completed deployment on failure.
            deploymentController: { type: "ECS" },
            deploymentMinimumHealthyPercent: 100,
            deploymentMaximumPercent: 200,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            // `pulumi up` returns only when the deployment is steady, so a failed rollout fails the update
            // rather than leaving state that names a digest ECS has already rolled back from.
            waitForSteadyState: true,
            tags: args.tags,
        }, {
            parent: this,
            // A target group must belong to a load balancer (through the listener) before a service can use it.
            dependsOn: [deps.listener],
        });
    }
}
