// A Fargate service behind an ALB whose task definition names its image by
// digest, and only by digest. The human tag rides along as a resource tag and
// a docker label; it is never what ECS pulls. The arguments are in
// digestPinnedServiceArgs.ts, their defaults in serviceDefaults.ts, their
// checks in digestPinnedServiceProblems.ts; the role policies in servicePolicies.ts.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentAlarmArgs, DigestPinnedServiceArgs } from "./digestPinnedServiceArgs";
import { digestPinnedServiceProblems } from "./digestPinnedServiceProblems";
import { ResolvedServiceArgs, withDefaults } from "./serviceDefaults";
import { ImageDigestRef, parseImageReference } from "./imageReference";
import { ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY_ARN, ECS_SERVICE_TRUST, ECS_TASKS_TRUST, executionRolePolicy, taskRolePolicy } from "./servicePolicies";

export type {
    AutoscalingArgs,
    ContainerHealthCheckArgs,
    DeploymentAlarmArgs,
    DeploymentAlarmsArgs,
    DeploymentArgs,
    DigestPinnedServiceArgs,
    ExistingNetworkArgs,
    HealthCheckArgs,
    HttpsArgs,
    NewVpcArgs,
    TestListenerArgs,
} from "./digestPinnedServiceArgs";
export { digestPinnedServiceProblems } from "./digestPinnedServiceProblems";
export type { FargateCpu } from "./fargateSize";
export { nodeHealthCheckCommand, SERVICE_DEFAULTS, withDefaults } from "./serviceDefaults";
export { fargateMemoryChoices } from "./fargateSize";
export { executionRolePolicy } from "./servicePolicies";

export const DIGEST_PINNED_SERVICE_TYPE = "papyrus:aws:DigestPinnedService";

/** The label that carries the human tag inside the container definition (OCI annotation name). */
export const IMAGE_TAG_LABEL = "org.opencontainers.image.version";

/**
 * The image, checked: at once when it is plain (so a bad config value fails before anything is
 * created), and inside `apply` when it or the approved repository is only known later. The value that
 * flows on is the one that passed the check.
 */
export function checkedImage(image: pulumi.Input<ImageDigestRef>, approvedRepositoryUrl?: pulumi.Input<string>): pulumi.Output<ImageDigestRef> {
    const isPlain = (value: unknown) => !pulumi.Output.isInstance(value) && !(value instanceof Promise);
    if (isPlain(image)) {
        parseImageReference(image);
        if (approvedRepositoryUrl === undefined || isPlain(approvedRepositoryUrl)) {
            return pulumi.output(parseImageReference(image, { approvedRepositoryUrl: approvedRepositoryUrl as string | undefined }).reference);
        }
    }
    return pulumi.all([image, approvedRepositoryUrl]).apply(([value, approved]) => parseImageReference(value, { approvedRepositoryUrl: approved }).reference);
}

interface Network {
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** The target groups the service registers its tasks in: one, or blue and green. */
interface TargetGroups {
    readonly primary: aws.lb.TargetGroup;
    /** Blue/green only: where ECS starts the new tasks. */
    readonly alternate?: aws.lb.TargetGroup;
}

/** What routes traffic to the target groups, and what the service must wait for. */
interface Routing {
    readonly listeners: aws.lb.Listener[];
    /** Blue/green only: the rules whose weights ECS moves. */
    readonly productionRule?: aws.lb.ListenerRule;
    readonly testRule?: aws.lb.ListenerRule;
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
    /** `https://<domain>`, `https://<alb dns name>` with a certificate of your own, or `http://<alb dns name>` when HTTP-only. */
    public readonly loadBalancerUrl: pulumi.Output<string>;
    /** The checked digest reference the task definition runs. */
    public readonly image: pulumi.Output<ImageDigestRef>;
    /** The certificate this component requested for `https.domain` (unset with a certificate of your own, or HTTP-only). */
    public readonly certificateArn?: pulumi.Output<string>;
    /** The hosted zone this component writes records in (with `https.domain`). */
    public readonly hostedZoneId?: string;
    /** The Application Auto Scaling target (with `autoscaling`). */
    public readonly scalableTargetArn?: pulumi.Output<string>;
    /** The role ECS moves blue/green traffic with (with `BLUE_GREEN`). */
    public readonly loadBalancerRoleArn?: pulumi.Output<string>;
    /** The CloudWatch alarms that roll a deployment back (target 5xx, unhealthy hosts), by name as the service names them. */
    public readonly deploymentAlarmNames: pulumi.Output<string>[];
    /** The same alarms' ARNs (the deploy role's refresh reads them). */
    public readonly deploymentAlarmArns: pulumi.Output<string>[];

    constructor(name: string, args: DigestPinnedServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(DIGEST_PINNED_SERVICE_TYPE, name, {}, opts);

        const problems = digestPinnedServiceProblems(args);
        if (problems.length > 0) {
            throw new Error(`DigestPinnedService \`${name}\`: ${problems.join("; ")}`);
        }
        const a = withDefaults(args, name, pulumi.getStack());
        this.image = checkedImage(a.image, a.approvedRepositoryUrl);
        this.family = a.family;

        const network = this.resolveNetwork(name, a);
        const cluster = this.resolveCluster(name, a);
        const logGroup = this.createLogGroup(name, a);
        const executionRole = this.createExecutionRole(name, a, logGroup);
        const taskRole = this.createTaskRole(name, a);
        const taskDefinition = this.createTaskDefinition(name, a, { logGroup, executionRole, taskRole });
        const { lbSecurityGroup, taskSecurityGroup } = this.createSecurityGroups(name, a, network);
        const loadBalancer = this.createLoadBalancer(name, a, network, lbSecurityGroup);
        const targetGroups = this.createTargetGroups(name, a, network);
        const certificateArn = this.resolveCertificate(name, a);
        const routing = this.createRouting(name, a, { loadBalancer, targetGroups, certificateArn });
        this.createAliasRecord(name, a, loadBalancer);
        const loadBalancerRole = this.createLoadBalancerRole(name, a);
        const alarms = this.createDeploymentAlarms(name, a, { loadBalancer, targetGroups });
        const service = this.createService(name, a, {
            clusterArn: cluster.arn,
            taskDefinition,
            network,
            targetGroups,
            routing,
            taskSecurityGroup,
            loadBalancerRole,
            alarms,
        });
        const scalableTarget = this.createAutoscaling(name, a, { clusterName: cluster.name, service, loadBalancer, targetGroups });

        this.clusterName = cluster.name;
        this.clusterArn = cluster.arn;
        this.serviceName = service.name;
        this.serviceArn = service.arn;
        this.taskDefinitionArn = taskDefinition.arn;
        this.taskRoleArn = taskRole.arn;
        this.executionRoleArn = executionRole.arn;
        this.logGroupArn = logGroup.arn;
        this.loadBalancerUrl =
            a.listener.protocol === "HTTP"
                ? pulumi.interpolate`http://${loadBalancer.dnsName}`
                : "domain" in a.listener.certificate
                  ? pulumi.output(`https://${a.listener.certificate.domain}`)
                  : pulumi.interpolate`https://${loadBalancer.dnsName}`;
        this.certificateArn = certificateArn.created;
        this.hostedZoneId = a.listener.protocol === "HTTPS" && "hostedZoneId" in a.listener.certificate ? a.listener.certificate.hostedZoneId : undefined;
        this.scalableTargetArn = scalableTarget?.arn;
        this.loadBalancerRoleArn = loadBalancerRole?.arn;
        this.deploymentAlarmNames = alarms.map((alarm) => alarm.name);
        this.deploymentAlarmArns = alarms.map((alarm) => alarm.arn);

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
            certificateArn: this.certificateArn,
            hostedZoneId: this.hostedZoneId,
            scalableTargetArn: this.scalableTargetArn,
            loadBalancerRoleArn: this.loadBalancerRoleArn,
            deploymentAlarmNames: this.deploymentAlarmNames,
            deploymentAlarmArns: this.deploymentAlarmArns,
        });
    }

    private resolveNetwork(name: string, a: ResolvedServiceArgs): Network {
        if (a.network !== undefined) {
            return a.network;
        }
        // awsx.ec2.Vpc is a remote component: the subnets, route tables and NAT gateways are its children.
        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                numberOfAvailabilityZones: a.vpc.numberOfAvailabilityZones,
                natGateways: { strategy: a.vpc.natGateways },
                subnetStrategy: "Auto",
                tags: a.tags,
            },
            { parent: this },
        );
        return { vpcId: vpc.vpcId, publicSubnetIds: vpc.publicSubnetIds, privateSubnetIds: vpc.privateSubnetIds };
    }

    private resolveCluster(name: string, a: ResolvedServiceArgs): { arn: pulumi.Output<string>; name: pulumi.Output<string> } {
        if (a.clusterArn !== undefined) {
            const arn = pulumi.output(a.clusterArn);
            // arn:aws:ecs:<region>:<account>:cluster/<name>
            return { arn, name: arn.apply((value) => value.slice(value.lastIndexOf("/") + 1)) };
        }
        const cluster = new aws.ecs.Cluster(`${name}-cluster`, { tags: a.tags }, { parent: this });
        return { arn: cluster.arn, name: cluster.name };
    }

    private createLogGroup(name: string, a: ResolvedServiceArgs): aws.cloudwatch.LogGroup {
        return new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                retentionInDays: a.logRetentionDays,
                tags: a.tags,
            },
            { parent: this },
        );
    }

    private createExecutionRole(name: string, a: ResolvedServiceArgs, logGroup: aws.cloudwatch.LogGroup): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-execution-role`,
            {
                description: "ECS pulls the service's image, reads its secrets and writes its logs with this role",
                assumeRolePolicy: JSON.stringify(ECS_TASKS_TRUST),
                tags: a.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-execution-policy`,
            {
                role: role.id,
                policy: pulumi.all([a.repositoryArn, logGroup.arn]).apply(([repositoryArn, logGroupArn]) =>
                    JSON.stringify(
                        executionRolePolicy({
                            repositoryArn,
                            logGroupArn,
                            secrets: a.secrets,
                            secretsKmsKeyArn: a.secretsKmsKeyArn,
                        }),
                    ),
                ),
            },
            { parent: this },
        );
        return role;
    }

    private createTaskRole(name: string, a: ResolvedServiceArgs): aws.iam.Role {
        // The application gets what it needs by policies attached to this role elsewhere; this component adds
        // only ECS Exec's channels, and only when it is on.
        const role = new aws.iam.Role(
            `${name}-task-role`,
            {
                description: "The service's application runs with this role",
                assumeRolePolicy: JSON.stringify(ECS_TASKS_TRUST),
                tags: a.tags,
            },
            { parent: this },
        );
        const policy = taskRolePolicy(a.enableExecuteCommand);
        if (policy !== undefined) {
            new aws.iam.RolePolicy(`${name}-task-policy`, { role: role.id, policy: JSON.stringify(policy) }, { parent: this });
        }
        return role;
    }

    private createTaskDefinition(
        name: string,
        a: ResolvedServiceArgs,
        deps: { logGroup: aws.cloudwatch.LogGroup; executionRole: aws.iam.Role; taskRole: aws.iam.Role },
    ): aws.ecs.TaskDefinition {
        // The log group ARN names its region: no provider call needed to fill in `awslogs-region`.
        const region = deps.logGroup.arn.apply((arn) => arn.split(":")[3]);
        const imageTag = a.imageTag === undefined ? undefined : pulumi.output(a.imageTag);
        const secrets = Object.entries(a.secrets).map(([variable, valueFrom]) => ({ name: variable, valueFrom }));
        const health = a.containerHealthCheck;
        const containerDefinitions = pulumi.jsonStringify([
            {
                name: a.containerName,
                // Exactly the checked digest reference; never a tag.
                image: this.image,
                essential: true,
                portMappings: [{ containerPort: a.containerPort, protocol: "tcp" }],
                environment: Object.entries(a.environment).map(([variable, value]) => ({ name: variable, value })),
                // Resolved by ECS at task start with the execution role; never stored in the task definition.
                secrets: secrets.length === 0 ? undefined : secrets,
                dockerLabels: imageTag === undefined ? undefined : { [IMAGE_TAG_LABEL]: imageTag },
                healthCheck: {
                    command: health.command,
                    interval: health.intervalSeconds,
                    timeout: health.timeoutSeconds,
                    retries: health.retries,
                    startPeriod: health.startPeriodSeconds,
                },
                readonlyRootFilesystem: a.readonlyRootFilesystem,
                user: a.user,
                stopTimeout: a.stopTimeoutSeconds,
                // An init process forwards SIGTERM and reaps children; no capability is needed to serve on a high port.
                linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
                logConfiguration: {
                    logDriver: "awslogs",
                    options: {
                        "awslogs-group": deps.logGroup.name,
                        "awslogs-region": region,
                        "awslogs-stream-prefix": a.containerName,
                    },
                },
            },
        ]);
        return new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                family: a.family,
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: String(a.cpu),
                memory: String(a.memory),
                executionRoleArn: deps.executionRole.arn,
                taskRoleArn: deps.taskRole.arn,
                containerDefinitions,
                tags: imageTag === undefined ? a.tags : { ...a.tags, ImageTag: imageTag },
                // A new image replaces the task definition. Keep the old revision ACTIVE: it is a rollback
                // target, and ECS cannot run an INACTIVE (deregistered) revision again.
                skipDestroy: true,
            },
            { parent: this },
        );
    }

    private createSecurityGroups(name: string, a: ResolvedServiceArgs, network: Network) {
        const ports = a.listener.protocol === "HTTPS" ? "HTTPS (and HTTP to redirect)" : "HTTP";
        const lbSecurityGroup = new aws.ec2.SecurityGroup(
            `${name}-lb-sg`,
            {
                vpcId: network.vpcId,
                description: `Load balancer: ${ports} from anywhere, to the service's tasks only`,
                tags: a.tags,
            },
            { parent: this },
        );
        const taskSecurityGroup = new aws.ec2.SecurityGroup(
            `${name}-task-sg`,
            {
                vpcId: network.vpcId,
                description: "Service tasks: the container port from the load balancer only",
                tags: a.tags,
            },
            { parent: this },
        );
        // Separate rule resources, so the two groups can name each other without a cycle.
        const fromAnywhere = (rule: string, port: number) =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${rule}`,
                {
                    securityGroupId: lbSecurityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                },
                { parent: this },
            );
        fromAnywhere("lb-http-in", 80);
        if (a.listener.protocol === "HTTPS") {
            fromAnywhere("lb-https-in", 443);
        }
        if (a.deployment.strategy === "BLUE_GREEN" && a.deployment.testListener !== undefined) {
            const test = a.deployment.testListener;
            test.allowedCidrs.forEach(
                (cidr, i) =>
                    new aws.vpc.SecurityGroupIngressRule(
                        `${name}-lb-test-in-${i}`,
                        {
                            securityGroupId: lbSecurityGroup.id,
                            ipProtocol: "tcp",
                            fromPort: test.port,
                            toPort: test.port,
                            cidrIpv4: cidr,
                        },
                        { parent: this },
                    ),
            );
        }
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-lb-to-tasks`,
            {
                securityGroupId: lbSecurityGroup.id,
                ipProtocol: "tcp",
                fromPort: a.containerPort,
                toPort: a.containerPort,
                referencedSecurityGroupId: taskSecurityGroup.id,
            },
            { parent: this },
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-tasks-from-lb`,
            {
                securityGroupId: taskSecurityGroup.id,
                ipProtocol: "tcp",
                fromPort: a.containerPort,
                toPort: a.containerPort,
                referencedSecurityGroupId: lbSecurityGroup.id,
            },
            { parent: this },
        );
        // Tasks reach ECR, CloudWatch Logs, SSM/Secrets Manager and whatever the application calls through the NAT gateway.
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-tasks-out`,
            {
                securityGroupId: taskSecurityGroup.id,
                ipProtocol: "-1",
                cidrIpv4: "0.0.0.0/0",
            },
            { parent: this },
        );
        return { lbSecurityGroup, taskSecurityGroup };
    }

    private createLoadBalancer(name: string, a: ResolvedServiceArgs, network: Network, securityGroup: aws.ec2.SecurityGroup): aws.lb.LoadBalancer {
        return new aws.lb.LoadBalancer(
            `${name}-lb`,
            {
                loadBalancerType: "application",
                internal: false,
                securityGroups: [securityGroup.id],
                subnets: network.publicSubnetIds,
                // Requests with malformed headers never reach the application.
                dropInvalidHeaderFields: true,
                tags: a.tags,
            },
            { parent: this },
        );
    }

    private createTargetGroups(name: string, a: ResolvedServiceArgs, network: Network): TargetGroups {
        const targetGroup = (resourceName: string) =>
            new aws.lb.TargetGroup(
                resourceName,
                {
                    vpcId: network.vpcId,
                    targetType: "ip",
                    port: a.containerPort,
                    protocol: "HTTP",
                    deregistrationDelay: a.deregistrationDelay,
                    healthCheck: {
                        enabled: true,
                        protocol: "HTTP",
                        path: a.healthCheck.path,
                        interval: a.healthCheck.intervalSeconds,
                        timeout: a.healthCheck.timeoutSeconds,
                        healthyThreshold: a.healthCheck.healthyThreshold,
                        unhealthyThreshold: a.healthCheck.unhealthyThreshold,
                        matcher: a.healthCheck.matcher,
                    },
                    tags: a.tags,
                },
                { parent: this },
            );
        return {
            primary: targetGroup(`${name}-tg`),
            alternate: a.deployment.strategy === "BLUE_GREEN" ? targetGroup(`${name}-tg-green`) : undefined,
        };
    }

    /**
     * The certificate the HTTPS listeners use: the one given, or one requested from ACM for the domain and
     * validated by a DNS record in its zone (the listener waits for the validation, so it never serves an
     * unissued certificate). `created` is set only for the latter.
     */
    private resolveCertificate(name: string, a: ResolvedServiceArgs): { arn?: pulumi.Output<string>; created?: pulumi.Output<string> } {
        if (a.listener.protocol === "HTTP") {
            return {};
        }
        const certificate = a.listener.certificate;
        if ("arn" in certificate) {
            return { arn: pulumi.output(certificate.arn) };
        }
        const requested = new aws.acm.Certificate(
            `${name}-certificate`,
            {
                domainName: certificate.domain,
                validationMethod: "DNS",
                tags: a.tags,
            },
            { parent: this },
        );
        const option = requested.domainValidationOptions.apply((options) => options[0]);
        const record = new aws.route53.Record(
            `${name}-certificate-validation-record`,
            {
                zoneId: certificate.hostedZoneId,
                name: option.apply((o) => o.resourceRecordName!),
                type: option.apply((o) => o.resourceRecordType!),
                records: [option.apply((o) => o.resourceRecordValue!)],
                ttl: 60,
                // A renewal or a second stack for the same name writes the same record.
                allowOverwrite: true,
            },
            { parent: this },
        );
        const validation = new aws.acm.CertificateValidation(
            `${name}-certificate-validation`,
            {
                certificateArn: requested.arn,
                validationRecordFqdns: [record.fqdn],
            },
            { parent: this },
        );
        return { arn: validation.certificateArn, created: requested.arn };
    }

    /**
     * Rolling: the production listener forwards to the one target group. Blue/green: it has a rule forwarding to
     * both groups by weight (100/0), which ECS moves during a deployment; a test listener, when asked for, has the
     * same kind of rule for test traffic. Pulumi leaves the rules' actions to ECS (`ignoreChanges`).
     */
    private createRouting(
        name: string,
        a: ResolvedServiceArgs,
        deps: { loadBalancer: aws.lb.LoadBalancer; targetGroups: TargetGroups; certificateArn: { arn?: pulumi.Output<string> } },
    ): Routing {
        const { loadBalancer, targetGroups } = deps;
        const blueGreen = a.deployment.strategy === "BLUE_GREEN" ? a.deployment : undefined;
        const notFound = { type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "not found\n", statusCode: "404" } };
        const production = blueGreen === undefined ? { type: "forward", targetGroupArn: targetGroups.primary.arn } : notFound;
        const tls =
            a.listener.protocol === "HTTPS"
                ? { protocol: "HTTPS", sslPolicy: a.listener.sslPolicy, certificateArn: deps.certificateArn.arn }
                : { protocol: "HTTP" };

        const listeners: aws.lb.Listener[] = [];
        let productionListener: aws.lb.Listener;
        if (a.listener.protocol === "HTTPS") {
            productionListener = new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: loadBalancer.arn,
                    port: 443,
                    ...tls,
                    defaultActions: [production],
                    tags: a.tags,
                },
                { parent: this },
            );
            const redirect = new aws.lb.Listener(
                `${name}-http`,
                {
                    loadBalancerArn: loadBalancer.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                    tags: a.tags,
                },
                { parent: this },
            );
            listeners.push(productionListener, redirect);
        } else {
            productionListener = new aws.lb.Listener(
                `${name}-http`,
                {
                    loadBalancerArn: loadBalancer.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [production],
                    tags: a.tags,
                },
                { parent: this },
            );
            listeners.push(productionListener);
        }
        if (blueGreen === undefined) {
            return { listeners };
        }

        const weightedRule = (ruleName: string, listener: aws.lb.Listener) =>
            new aws.lb.ListenerRule(
                ruleName,
                {
                    listenerArn: listener.arn,
                    priority: 1,
                    conditions: [{ pathPattern: { values: ["/*"] } }],
                    actions: [
                        {
                            type: "forward",
                            forward: {
                                targetGroups: [
                                    { arn: targetGroups.primary.arn, weight: 100 },
                                    { arn: targetGroups.alternate!.arn, weight: 0 },
                                ],
                            },
                        },
                    ],
                    tags: a.tags,
                },
                { parent: this, ignoreChanges: ["actions"] },
            );
        const productionRule = weightedRule(`${name}-production-rule`, productionListener);
        if (blueGreen.testListener === undefined) {
            return { listeners, productionRule };
        }
        const testListener = new aws.lb.Listener(
            `${name}-test`,
            {
                loadBalancerArn: loadBalancer.arn,
                port: blueGreen.testListener.port,
                ...tls,
                defaultActions: [notFound],
                tags: a.tags,
            },
            { parent: this },
        );
        listeners.push(testListener);
        return { listeners, productionRule, testRule: weightedRule(`${name}-test-rule`, testListener) };
    }

    private createAliasRecord(name: string, a: ResolvedServiceArgs, loadBalancer: aws.lb.LoadBalancer): void {
        if (a.listener.protocol === "HTTP" || !("domain" in a.listener.certificate)) {
            return;
        }
        new aws.route53.Record(
            `${name}-alias`,
            {
                zoneId: a.listener.certificate.hostedZoneId,
                name: a.listener.certificate.domain,
                type: "A",
                aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
            },
            { parent: this },
        );
    }

    /** Blue/green only: the role ECS assumes to move traffic between the target groups (AWS's managed policy). */
    private createLoadBalancerRole(name: string, a: ResolvedServiceArgs): aws.iam.Role | undefined {
        if (a.deployment.strategy !== "BLUE_GREEN") {
            return undefined;
        }
        const role = new aws.iam.Role(
            `${name}-lb-role`,
            {
                description: "ECS moves blue/green traffic between the service's target groups with this role",
                assumeRolePolicy: JSON.stringify(ECS_SERVICE_TRUST),
                tags: a.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-lb-role-policy`,
            {
                role: role.name,
                policyArn: ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY_ARN,
            },
            { parent: this },
        );
        return role;
    }

    /**
     * The deployment alarms: the tasks' 5xx responses and the unhealthy hosts, as the load balancer counts them. Rolling: on the one
     * target group. Blue/green: on both groups, summed (each missing point as 0), because ECS swaps which group serves production on
     * every deployment, and an alarm on one group would watch the new tasks only every other time.
     */
    private createDeploymentAlarms(
        name: string,
        a: ResolvedServiceArgs,
        deps: { loadBalancer: aws.lb.LoadBalancer; targetGroups: TargetGroups },
    ): aws.cloudwatch.MetricAlarm[] {
        const groups = [deps.targetGroups.primary, deps.targetGroups.alternate].filter((g): g is aws.lb.TargetGroup => g !== undefined);
        const dimensions = (group: aws.lb.TargetGroup) => ({ LoadBalancer: deps.loadBalancer.arnSuffix, TargetGroup: group.arnSuffix });
        const alarm = (alarmName: string, metricName: string, statistic: "Sum" | "Maximum", settings: Required<DeploymentAlarmArgs>, description: string) => {
            const common = {
                alarmDescription: `${description}: ECS rolls a deployment back when this fires (${metricName}, ${statistic} per ${settings.periodSeconds} s >= ${settings.threshold} for ${settings.evaluationPeriods} periods)`,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: settings.threshold,
                evaluationPeriods: settings.evaluationPeriods,
                datapointsToAlarm: settings.evaluationPeriods,
                // No requests, no datapoint: a quiet period is not a failure.
                treatMissingData: "notBreaching",
                tags: a.tags,
            };
            const metric =
                groups.length === 1
                    ? { namespace: "AWS/ApplicationELB", metricName, statistic, period: settings.periodSeconds, dimensions: dimensions(groups[0]) }
                    : {
                          metricQueries: [
                              ...groups.map((group, i) => ({
                                  id: `m${i + 1}`,
                                  returnData: false,
                                  metric: {
                                      namespace: "AWS/ApplicationELB",
                                      metricName,
                                      stat: statistic,
                                      period: settings.periodSeconds,
                                      dimensions: dimensions(group),
                                  },
                              })),
                              {
                                  id: "total",
                                  expression: groups.map((_, i) => `FILL(m${i + 1}, 0)`).join(" + "),
                                  label: `${metricName}, both target groups`,
                                  returnData: true,
                              },
                          ],
                      };
            return new aws.cloudwatch.MetricAlarm(`${name}-${alarmName}`, { ...common, ...metric }, { parent: this });
        };
        return [
            alarm("target-5xx", "HTTPCode_Target_5XX_Count", "Sum", a.deploymentAlarms.target5xx, "The service's tasks answer with 5xx errors"),
            alarm(
                "unhealthy-hosts",
                "UnHealthyHostCount",
                "Maximum",
                a.deploymentAlarms.unhealthyHosts,
                "The service's tasks fail the load balancer's health check",
            ),
        ];
    }

    private createService(
        name: string,
        a: ResolvedServiceArgs,
        deps: {
            clusterArn: pulumi.Output<string>;
            taskDefinition: aws.ecs.TaskDefinition;
            network: Network;
            targetGroups: TargetGroups;
            routing: Routing;
            taskSecurityGroup: aws.ec2.SecurityGroup;
            loadBalancerRole?: aws.iam.Role;
            alarms: aws.cloudwatch.MetricAlarm[];
        },
    ): aws.ecs.Service {
        const { targetGroups, routing } = deps;
        const blueGreen = a.deployment.strategy === "BLUE_GREEN" ? a.deployment : undefined;
        return new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: deps.clusterArn,
                taskDefinition: deps.taskDefinition.arn,
                desiredCount: a.desiredCount,
                launchType: "FARGATE",
                networkConfiguration: {
                    subnets: deps.network.privateSubnetIds,
                    securityGroups: [deps.taskSecurityGroup.id],
                    assignPublicIp: a.assignPublicIp,
                },
                loadBalancers: [
                    {
                        targetGroupArn: targetGroups.primary.arn,
                        containerName: a.containerName,
                        containerPort: a.containerPort,
                        advancedConfiguration:
                            blueGreen === undefined
                                ? undefined
                                : {
                                      alternateTargetGroupArn: targetGroups.alternate!.arn,
                                      productionListenerRule: routing.productionRule!.arn,
                                      testListenerRule: routing.testRule?.arn,
                                      roleArn: deps.loadBalancerRole!.arn,
                                  },
                    },
                ],
                healthCheckGracePeriodSeconds: a.healthCheckGracePeriodSeconds,
                // Start the new tasks before stopping old ones. Rolling: the circuit breaker (rolling deployments only)
                // returns to the last completed deployment on failure. Blue/green: ECS keeps the old set for the bake
                // time and returns traffic to it when the new one fails. Both: a deployment alarm that fires fails the
                // deployment, and ECS rolls it back.
                deploymentController: { type: "ECS" },
                deploymentConfiguration:
                    blueGreen === undefined ? { strategy: "ROLLING" } : { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(blueGreen.bakeTimeMinutes) },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                deploymentCircuitBreaker: blueGreen === undefined ? { enable: true, rollback: true } : undefined,
                alarms: { enable: true, rollback: true, alarmNames: deps.alarms.map((alarm) => alarm.name) },
                enableExecuteCommand: a.enableExecuteCommand,
                // `pulumi up` returns only when the deployment is steady, so a failed rollout fails the update
                // rather than leaving state that names a digest ECS has already rolled back from.
                waitForSteadyState: true,
                tags: a.tags,
            },
            {
                parent: this,
                // A target group must belong to a load balancer (through a listener or rule) before a service can use it.
                dependsOn: [...routing.listeners, ...[routing.productionRule, routing.testRule].filter((r): r is aws.lb.ListenerRule => r !== undefined)],
                ignoreChanges: [
                    // The scaler owns the task count; Pulumi would otherwise set it back on every update.
                    ...(a.autoscaling === undefined ? [] : ["desiredCount"]),
                    // ECS swaps the two target groups on every blue/green deployment; sending them back would undo it.
                    ...(blueGreen === undefined ? [] : ["loadBalancers"]),
                ],
            },
        );
    }

    /** Target tracking on CPU and on requests per task, between the configured minimum and maximum. */
    private createAutoscaling(
        name: string,
        a: ResolvedServiceArgs,
        deps: { clusterName: pulumi.Output<string>; service: aws.ecs.Service; loadBalancer: aws.lb.LoadBalancer; targetGroups: TargetGroups },
    ): aws.appautoscaling.Target | undefined {
        const scaling = a.autoscaling;
        if (scaling === undefined) {
            return undefined;
        }
        const target = new aws.appautoscaling.Target(
            `${name}-scaling-target`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${deps.clusterName}/${deps.service.name}`,
                minCapacity: scaling.minCount,
                maxCapacity: scaling.maxCount,
                tags: a.tags,
            },
            { parent: this },
        );
        const trackingPolicy = (policyName: string, metric: { predefinedMetricType: string; resourceLabel?: pulumi.Input<string> }, targetValue: number) =>
            new aws.appautoscaling.Policy(
                `${name}-${policyName}`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        targetValue,
                        predefinedMetricSpecification: metric,
                        scaleInCooldown: scaling.scaleInCooldownSeconds,
                        scaleOutCooldown: scaling.scaleOutCooldownSeconds,
                    },
                },
                { parent: this },
            );
        trackingPolicy("scale-on-cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, scaling.cpuTargetPercent);
        if (scaling.requestsPerTarget !== false) {
            trackingPolicy(
                "scale-on-requests",
                {
                    predefinedMetricType: "ALBRequestCountPerTarget",
                    resourceLabel: pulumi.interpolate`${deps.loadBalancer.arnSuffix}/${deps.targetGroups.primary.arnSuffix}`,
                },
                scaling.requestsPerTarget,
            );
        }
        return target;
    }
}
