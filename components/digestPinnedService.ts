// A Fargate service behind an ALB whose task definition names its image by
// digest, and only by digest. The human tag rides along as a resource tag and
// a docker label; it is never what ECS pulls.
//
// The component is a list of named steps; each part is a file named for it:
//   digestPinnedServiceArgs.ts      the arguments and their documentation
//   serviceDefaults.ts              every default, once, and `withDefaults`
//   digestPinnedServiceProblems.ts  every check, before any child is registered
//   serviceTaskDefinition.ts        log group, execution and task roles, task definition (containerDefinition.ts)
//   serviceLoadBalancing.ts         security groups, ALB, target groups, listeners, certificate, traffic-shifting role
//   serviceAlarms.ts                the deployment alarms (deploymentAlarms.ts)
//   serviceDeployment.ts            rolling, blue/green, linear or canary, PAUSE hooks, circuit breaker, alarms with rollback
//   serviceAutoscaling.ts           target tracking on CPU and requests
//   deployTarget.ts                 what a deployer needs of the service, handed over as one object
// Every child is created with this component as its parent, so the parts do
// not change a resource's URN.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { compactDeployTarget, DeployTarget } from "./deployTarget";
import type { DigestPinnedServiceArgs, ExistingNetworkArgs } from "./digestPinnedServiceArgs";
import { digestPinnedServiceProblems } from "./digestPinnedServiceProblems";
import { ImageDigestRef, parseImageReference } from "./imageReference";
import { createDeploymentAlarms } from "./serviceAlarms";
import { createAutoscaling } from "./serviceAutoscaling";
import { ResolvedServiceArgs, withDefaults } from "./serviceDefaults";
import { deploymentSettings, ignoredServiceChanges, waitsForSteadyState } from "./serviceDeployment";
import { createLoadBalancing, LoadBalancing } from "./serviceLoadBalancing";
import { createTaskDefinition } from "./serviceTaskDefinition";

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
    LinearArgs,
    CanaryArgs,
    PauseArgs,
} from "./digestPinnedServiceArgs";
export { DEPLOYMENT_STRATEGIES, PAUSE_STAGES } from "./deploymentStrategy";
export type { DeploymentStrategy, PauseStage, PauseTimeoutAction } from "./deploymentStrategy";
export { IMAGE_TAG_LABEL } from "./containerDefinition";
export type { DeployTarget } from "./deployTarget";
export { digestPinnedServiceProblems } from "./digestPinnedServiceProblems";
export { fargateMemoryChoices } from "./fargateSize";
export type { FargateCpu } from "./fargateSize";
export { nodeHealthCheckCommand, SERVICE_DEFAULTS, withDefaults } from "./serviceDefaults";
export { executionRolePolicy } from "./servicePolicies";

export const DIGEST_PINNED_SERVICE_TYPE = "papyrus:aws:DigestPinnedService";

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
    /**
     * The test listener, `<loadBalancerUrl>:<deployment.testListener.port>` (the same host and scheme, so a certificate for
     * `https.domain` matches): where a smoke test reaches the new tasks while a blue/green, linear or canary deployment
     * waits at a PAUSE hook (the driver's `--smoke-test` gets it as `PAPYRUS_TEST_URL`). Unset without a test listener.
     */
    public readonly testListenerUrl?: pulumi.Output<string>;
    /** The checked digest reference the task definition runs. */
    public readonly image: pulumi.Output<ImageDigestRef>;
    /** The certificate this component requested for `https.domain` (unset with a certificate of your own, or HTTP-only). */
    public readonly certificateArn?: pulumi.Output<string>;
    /** The hosted zone this component writes records in (with `https.domain`). */
    public readonly hostedZoneId?: string;
    /** The Application Auto Scaling target (with `autoscaling`). */
    public readonly scalableTargetArn?: pulumi.Output<string>;
    /** The role ECS moves traffic with (with `BLUE_GREEN`, `LINEAR` or `CANARY`). */
    public readonly loadBalancerRoleArn?: pulumi.Output<string>;
    /** The CloudWatch alarms that roll a deployment back (target 5xx, unhealthy hosts), by name as the service names them. */
    public readonly deploymentAlarmNames: pulumi.Output<string>[];
    /** The same alarms' ARNs (the deploy role's refresh reads them). */
    public readonly deploymentAlarmArns: pulumi.Output<string>[];
    /**
     * Everything a deployer is scoped to, as one object: the service and cluster, the task definition family and
     * the tags its revisions carry, the roles a registration passes, the log group, and the resources a refresh
     * reads (certificate, hosted zone, scalable target, blue/green role, alarms). `GithubDeployIdentity` takes it
     * as `deployTarget`.
     */
    public readonly deployTarget: pulumi.Output<DeployTarget>;

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
        const { logGroup, executionRole, taskRole, taskDefinition } = createTaskDefinition(this, name, a, this.image);
        const loadBalancing = createLoadBalancing(this, name, a, network);
        const alarms = createDeploymentAlarms(this, name, a, loadBalancing);
        const service = this.createService(name, a, { clusterArn: cluster.arn, taskDefinition, network, loadBalancing, alarms });
        const scalableTarget = createAutoscaling(this, name, a, { clusterName: cluster.name, service, ...loadBalancing });

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
                ? pulumi.interpolate`http://${loadBalancing.loadBalancer.dnsName}`
                : "domain" in a.listener.certificate
                  ? pulumi.output(`https://${a.listener.certificate.domain}`)
                  : pulumi.interpolate`https://${loadBalancing.loadBalancer.dnsName}`;
        // The port as configured (the listener's `port` output is optional in the provider's types).
        const testPort = a.deployment.strategy === "ROLLING" ? undefined : a.deployment.testListener?.port;
        this.testListenerUrl =
            loadBalancing.routing.testListener === undefined || testPort === undefined ? undefined : pulumi.interpolate`${this.loadBalancerUrl}:${testPort}`;
        this.certificateArn = loadBalancing.certificate.created;
        this.hostedZoneId = a.listener.protocol === "HTTPS" && "hostedZoneId" in a.listener.certificate ? a.listener.certificate.hostedZoneId : undefined;
        this.scalableTargetArn = scalableTarget?.arn;
        this.loadBalancerRoleArn = loadBalancing.loadBalancerRole?.arn;
        this.deploymentAlarmNames = alarms.map((alarm) => alarm.name);
        this.deploymentAlarmArns = alarms.map((alarm) => alarm.arn);
        this.deployTarget = this.describeDeployTarget(a);

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
            testListenerUrl: this.testListenerUrl,
            image: this.image,
            certificateArn: this.certificateArn,
            hostedZoneId: this.hostedZoneId,
            scalableTargetArn: this.scalableTargetArn,
            loadBalancerRoleArn: this.loadBalancerRoleArn,
            deploymentAlarmNames: this.deploymentAlarmNames,
            deploymentAlarmArns: this.deploymentAlarmArns,
            deployTarget: this.deployTarget,
        });
    }

    private resolveNetwork(name: string, a: ResolvedServiceArgs): ExistingNetworkArgs {
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

    private createService(
        name: string,
        a: ResolvedServiceArgs,
        deps: {
            clusterArn: pulumi.Output<string>;
            taskDefinition: aws.ecs.TaskDefinition;
            network: ExistingNetworkArgs;
            loadBalancing: LoadBalancing;
            alarms: aws.cloudwatch.MetricAlarm[];
        },
    ): aws.ecs.Service {
        const { targetGroups, routing, loadBalancerRole } = deps.loadBalancing;
        return new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: deps.clusterArn,
                taskDefinition: deps.taskDefinition.arn,
                desiredCount: a.desiredCount,
                launchType: "FARGATE",
                networkConfiguration: {
                    subnets: deps.network.privateSubnetIds,
                    securityGroups: [deps.loadBalancing.taskSecurityGroup.id],
                    assignPublicIp: a.assignPublicIp,
                },
                loadBalancers: [
                    {
                        targetGroupArn: targetGroups.primary.arn,
                        containerName: a.containerName,
                        containerPort: a.containerPort,
                        advancedConfiguration:
                            targetGroups.alternate !== undefined
                                ? {
                                      alternateTargetGroupArn: targetGroups.alternate.arn,
                                      productionListenerRule: routing.productionRule!.arn,
                                      testListenerRule: routing.testRule?.arn,
                                      roleArn: loadBalancerRole!.arn,
                                  }
                                : undefined,
                    },
                ],
                healthCheckGracePeriodSeconds: a.healthCheckGracePeriodSeconds,
                ...deploymentSettings(
                    a,
                    deps.alarms.map((alarm) => alarm.name),
                ),
                enableExecuteCommand: a.enableExecuteCommand,
                // `pulumi up` returns only when the deployment is steady, so a failed rollout fails the update
                // rather than leaving state that names a digest ECS has already rolled back from; not with a
                // PAUSE hook, where the engine would wait until the hook timed out; the driver's own follow
                // (automation/aws/rollout.ts) ends at `--wait-timeout` with the rollout in progress (serviceDeployment.ts).
                waitForSteadyState: waitsForSteadyState(a),
                tags: a.tags,
            },
            {
                parent: this,
                // A target group must belong to a load balancer (through a listener or rule) before a service can use it.
                dependsOn: [...routing.listeners, ...[routing.productionRule, routing.testRule].filter((r): r is aws.lb.ListenerRule => r !== undefined)],
                ignoreChanges: ignoredServiceChanges(a),
            },
        );
    }

    /** The deploy target, once every ARN in it is known; only the service resources this shape of service has. */
    private describeDeployTarget(a: ResolvedServiceArgs): pulumi.Output<DeployTarget> {
        const known = {
            serviceArn: this.serviceArn,
            clusterArn: this.clusterArn,
            taskRoleArn: this.taskRoleArn,
            executionRoleArn: this.executionRoleArn,
            logGroupArn: this.logGroupArn,
            certificateArn: this.certificateArn,
            scalableTargetArn: this.scalableTargetArn,
            loadBalancerRoleArn: this.loadBalancerRoleArn,
            alarmArns: this.deploymentAlarmArns,
        };
        return pulumi.output(known).apply(({ certificateArn, scalableTargetArn, loadBalancerRoleArn, alarmArns, ...always }) =>
            compactDeployTarget({
                ...always,
                taskDefinitionFamily: this.family,
                requestTags: a.tags,
                serviceResources: {
                    certificateArn,
                    hostedZoneId: this.hostedZoneId,
                    scalableTargetArn,
                    roleArns: loadBalancerRoleArn === undefined ? [] : [loadBalancerRoleArn],
                    alarmArns,
                },
            }),
        );
    }
}
