// DigestPinnedService's resource parts under mocks: each part alone, under a
// stand-in parent (what it creates, named and parented as the component's
// children were); the URN of every resource of the component for its
// smallest and its fullest shape (a changed URN replaces a live resource);
// and the deploy target the component hands to GithubDeployIdentity.
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DeployTarget } from "../../components/deployTarget";
import { DigestPinnedService, DigestPinnedServiceArgs } from "../../components/digestPinnedService";
import { GithubDeployIdentity } from "../../components/githubDeployIdentity";
import { ImageDigestRef } from "../../components/imageReference";
import { createDeploymentAlarms } from "../../components/serviceAlarms";
import { createAutoscaling } from "../../components/serviceAutoscaling";
import { withDefaults } from "../../components/serviceDefaults";
import { createLoadBalancing } from "../../components/serviceLoadBalancing";
import { createTaskDefinition } from "../../components/serviceTaskDefinition";
import { Evaluation, RecordedResource, runUnderMocks } from "../../testkit/evaluateUnderMocks";

const REPO_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const IMAGE = `${REPO_URL}@sha256:${"d".repeat(64)}` as ImageDigestRef;
const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const NETWORK = { vpcId: "vpc-1", publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"], privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"] };
const FULL: Partial<DigestPinnedServiceArgs> = {
    imageTag: "v1.2.3",
    https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
    autoscaling: { minCount: 2, maxCount: 6, requestsPerTarget: false },
    deployment: { strategy: "BLUE_GREEN", testListener: { allowedCidrs: ["203.0.113.0/24"] } },
    secrets: { DATABASE_PASSWORD: "arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/dev/database-password" },
    enableExecuteCommand: true,
    readonlyRootFilesystem: false,
    tags: { Project: "papyrus", Stack: "test" },
};

/** A stand-in for the component: the parent the parts create their resources under. */
class Host extends pulumi.ComponentResource {
    constructor() {
        super("test:Host", "host");
    }
}

function args(extra: Partial<DigestPinnedServiceArgs>): DigestPinnedServiceArgs {
    return { image: IMAGE, repositoryArn: REPO_ARN, ...(extra.https === undefined ? { httpOnly: true } : {}), ...extra };
}

function run(program: () => Record<string, unknown>): Promise<Evaluation> {
    return runUnderMocks({ stack: "test", config: { "aws:region": "eu-west-1" }, program });
}

/** `<type>::<name>` of each resource with its parent's, sorted (the mocks record them as their inputs resolve); the stand-in left out. */
function children(evaluation: Evaluation): string[][] {
    return evaluation.resources
        .filter((r) => r.type !== "test:Host")
        .map((r) => [`${r.type}::${r.name}`, r.parent ?? ""])
        .sort(byName);
}

function byName([a]: string[], [b]: string[]): number {
    return a.localeCompare(b);
}

/** The resource's URN as the engine builds it: the types of its ancestors, then its own type and name. */
function urnOf(resource: RecordedResource, all: readonly RecordedResource[]): string {
    const types: string[] = [];
    let current: RecordedResource | undefined = resource;
    while (current !== undefined) {
        types.unshift(current.type);
        const parent: string | undefined = current.parent;
        current = parent === undefined ? undefined : all.find((r) => `${r.type}::${r.name}` === parent);
    }
    return `urn:pulumi:test::papyrus::${types.join("$")}::${resource.name}`;
}

describe("DigestPinnedService's parts, each alone under mocks", () => {
    const HOST = "test:Host::host";

    it("task definition: the log group, the execution role and its policy, the task role (and ECS Exec's policy), the task definition", async () => {
        const evaluation = await run(() => {
            createTaskDefinition(new Host(), "svc", withDefaults(args(FULL), "svc", "test"), pulumi.output(IMAGE));
            return {};
        });
        assert.deepStrictEqual(
            children(evaluation),
            [
                ["aws:cloudwatch/logGroup:LogGroup::svc-logs", HOST],
                ["aws:iam/role:Role::svc-execution-role", HOST],
                ["aws:iam/rolePolicy:RolePolicy::svc-execution-policy", HOST],
                ["aws:iam/role:Role::svc-task-role", HOST],
                ["aws:iam/rolePolicy:RolePolicy::svc-task-policy", HOST],
                ["aws:ecs/taskDefinition:TaskDefinition::svc-task", HOST],
            ].sort(byName),
        );
        const taskDefinition = evaluation.resources.find((r) => r.name === "svc-task")!.inputs;
        const [container] = JSON.parse(taskDefinition.containerDefinitions as string);
        assert.strictEqual(container.image, IMAGE);
        assert.deepStrictEqual(container.logConfiguration.options, {
            "awslogs-group": "svc-logs",
            "awslogs-region": "eu-west-1",
            "awslogs-stream-prefix": "app",
        });
        assert.deepStrictEqual(taskDefinition.tags, { Project: "papyrus", Stack: "test", ImageTag: "v1.2.3" });
        assert.strictEqual(taskDefinition.executionRoleArn, "arn:aws:iam::123456789012:role/svc-execution-role");
    });

    it("load balancing, blue/green for a domain: security groups and rules, ALB, two target groups, certificate, listeners and rules, alias, ECS's role", async () => {
        const evaluation = await run(() => {
            createLoadBalancing(new Host(), "svc", withDefaults(args(FULL), "svc", "test"), NETWORK);
            return {};
        });
        assert.deepStrictEqual(
            children(evaluation).map(([resource]) => resource),
            [
                "aws:ec2/securityGroup:SecurityGroup::svc-lb-sg",
                "aws:ec2/securityGroup:SecurityGroup::svc-task-sg",
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::svc-lb-http-in",
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::svc-lb-https-in",
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::svc-lb-test-in-0",
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::svc-lb-to-tasks",
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::svc-tasks-from-lb",
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::svc-tasks-out",
                "aws:lb/loadBalancer:LoadBalancer::svc-lb",
                "aws:lb/targetGroup:TargetGroup::svc-tg",
                "aws:lb/targetGroup:TargetGroup::svc-tg-green",
                "aws:acm/certificate:Certificate::svc-certificate",
                "aws:route53/record:Record::svc-certificate-validation-record",
                "aws:acm/certificateValidation:CertificateValidation::svc-certificate-validation",
                "aws:lb/listener:Listener::svc-https",
                "aws:lb/listener:Listener::svc-http",
                "aws:lb/listenerRule:ListenerRule::svc-production-rule",
                "aws:lb/listener:Listener::svc-test",
                "aws:lb/listenerRule:ListenerRule::svc-test-rule",
                "aws:route53/record:Record::svc-alias",
                "aws:iam/role:Role::svc-lb-role",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment::svc-lb-role-policy",
            ].sort(),
        );
        assert.ok(children(evaluation).every(([, parent]) => parent === HOST));
        const subnets = evaluation.resources.find((r) => r.name === "svc-lb")!.inputs.subnets;
        assert.deepStrictEqual(subnets, NETWORK.publicSubnetIds);
    });

    it("load balancing, HTTP-only and rolling: one target group, one listener, no certificate, alias or role", async () => {
        const evaluation = await run(() => {
            createLoadBalancing(new Host(), "svc", withDefaults(args({}), "svc", "test"), NETWORK);
            return {};
        });
        assert.deepStrictEqual(
            children(evaluation)
                .map(([resource]) => resource)
                .filter((resource) => !resource.includes("securityGroup")),
            ["aws:lb/listener:Listener::svc-http", "aws:lb/loadBalancer:LoadBalancer::svc-lb", "aws:lb/targetGroup:TargetGroup::svc-tg"],
        );
    });

    it("alarms and autoscaling: both alarms on both target groups, the scalable target and the CPU policy only", async () => {
        const evaluation = await run(() => {
            const host = new Host();
            const a = withDefaults(args({ ...FULL, https: undefined, httpOnly: true }), "svc", "test");
            const loadBalancing = createLoadBalancing(host, "svc", a, NETWORK);
            const alarms = createDeploymentAlarms(host, "svc", a, loadBalancing);
            const service = new aws.ecs.Service("svc-service", {}, { parent: host });
            const target = createAutoscaling(host, "svc", a, { clusterName: pulumi.output("shared"), service, ...loadBalancing });
            return { alarmNames: pulumi.all(alarms.map((alarm) => alarm.name)), target: target?.arn };
        });
        assert.deepStrictEqual(evaluation.outputs.alarmNames, ["svc-target-5xx", "svc-unhealthy-hosts"]);
        const alarm = evaluation.resources.find((r) => r.name === "svc-unhealthy-hosts")!.inputs;
        assert.deepStrictEqual(
            (alarm.metricQueries as Array<{ id: string }>).map((query) => query.id),
            ["m1", "m2", "total"],
        );
        assert.deepStrictEqual(
            children(evaluation)
                .map(([resource]) => resource)
                .filter((resource) => resource.startsWith("aws:appautoscaling")),
            ["aws:appautoscaling/policy:Policy::svc-scale-on-cpu", "aws:appautoscaling/target:Target::svc-scaling-target"],
        );
        const target = evaluation.resources.find((r) => r.name === "svc-scaling-target")!.inputs;
        assert.deepStrictEqual([target.resourceId, target.minCapacity, target.maxCapacity], ["service/shared/svc-service", 2, 6]);
    });
});

describe("DigestPinnedService's resources keep their URNs", () => {
    const TYPE = "papyrus:aws:DigestPinnedService";
    const child = (type: string, name: string) => `urn:pulumi:test::papyrus::${TYPE}$${type}::${name}`;
    const urns = async (extra: Partial<DigestPinnedServiceArgs>) => {
        const evaluation = await run(() => {
            new DigestPinnedService("svc", args(extra));
            return {};
        });
        return evaluation.resources.map((r) => urnOf(r, evaluation.resources)).sort();
    };

    it("HTTP-only and rolling, in an existing network and cluster", async () => {
        assert.deepStrictEqual(
            await urns({ network: NETWORK, clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/shared" }),
            [
                `urn:pulumi:test::papyrus::${TYPE}::svc`,
                child("aws:cloudwatch/logGroup:LogGroup", "svc-logs"),
                child("aws:cloudwatch/metricAlarm:MetricAlarm", "svc-target-5xx"),
                child("aws:cloudwatch/metricAlarm:MetricAlarm", "svc-unhealthy-hosts"),
                child("aws:ec2/securityGroup:SecurityGroup", "svc-lb-sg"),
                child("aws:ec2/securityGroup:SecurityGroup", "svc-task-sg"),
                child("aws:ecs/service:Service", "svc-service"),
                child("aws:ecs/taskDefinition:TaskDefinition", "svc-task"),
                child("aws:iam/role:Role", "svc-execution-role"),
                child("aws:iam/role:Role", "svc-task-role"),
                child("aws:iam/rolePolicy:RolePolicy", "svc-execution-policy"),
                child("aws:lb/listener:Listener", "svc-http"),
                child("aws:lb/loadBalancer:LoadBalancer", "svc-lb"),
                child("aws:lb/targetGroup:TargetGroup", "svc-tg"),
                child("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "svc-lb-to-tasks"),
                child("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "svc-tasks-out"),
                child("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-lb-http-in"),
                child("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-tasks-from-lb"),
            ].sort(),
        );
    });

    it("blue/green for a domain, autoscaled, with secrets and ECS Exec, in a new VPC and cluster", async () => {
        assert.deepStrictEqual(
            await urns({ ...FULL, autoscaling: { minCount: 2, maxCount: 6, requestsPerTarget: false } }),
            [
                `urn:pulumi:test::papyrus::${TYPE}::svc`,
                child("awsx:ec2:Vpc", "svc-vpc"),
                child("aws:ecs/cluster:Cluster", "svc-cluster"),
                child("aws:cloudwatch/logGroup:LogGroup", "svc-logs"),
                child("aws:iam/role:Role", "svc-execution-role"),
                child("aws:iam/rolePolicy:RolePolicy", "svc-execution-policy"),
                child("aws:iam/role:Role", "svc-task-role"),
                child("aws:iam/rolePolicy:RolePolicy", "svc-task-policy"),
                child("aws:ecs/taskDefinition:TaskDefinition", "svc-task"),
                child("aws:ec2/securityGroup:SecurityGroup", "svc-lb-sg"),
                child("aws:ec2/securityGroup:SecurityGroup", "svc-task-sg"),
                child("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-lb-http-in"),
                child("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-lb-https-in"),
                child("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-lb-test-in-0"),
                child("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "svc-lb-to-tasks"),
                child("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-tasks-from-lb"),
                child("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "svc-tasks-out"),
                child("aws:lb/loadBalancer:LoadBalancer", "svc-lb"),
                child("aws:lb/targetGroup:TargetGroup", "svc-tg"),
                child("aws:lb/targetGroup:TargetGroup", "svc-tg-green"),
                child("aws:acm/certificate:Certificate", "svc-certificate"),
                child("aws:route53/record:Record", "svc-certificate-validation-record"),
                child("aws:acm/certificateValidation:CertificateValidation", "svc-certificate-validation"),
                child("aws:lb/listener:Listener", "svc-https"),
                child("aws:lb/listener:Listener", "svc-http"),
                child("aws:lb/listenerRule:ListenerRule", "svc-production-rule"),
                child("aws:lb/listener:Listener", "svc-test"),
                child("aws:lb/listenerRule:ListenerRule", "svc-test-rule"),
                child("aws:route53/record:Record", "svc-alias"),
                child("aws:iam/role:Role", "svc-lb-role"),
                child("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "svc-lb-role-policy"),
                child("aws:cloudwatch/metricAlarm:MetricAlarm", "svc-target-5xx"),
                child("aws:cloudwatch/metricAlarm:MetricAlarm", "svc-unhealthy-hosts"),
                child("aws:ecs/service:Service", "svc-service"),
                child("aws:appautoscaling/target:Target", "svc-scaling-target"),
                child("aws:appautoscaling/policy:Policy", "svc-scale-on-cpu"),
            ].sort(),
        );
    });
});

describe("DigestPinnedService's deploy target", () => {
    const ARN = "arn:aws:ecs:eu-west-1:123456789012";
    const ALWAYS = {
        serviceArn: `${ARN}:service/svc-cluster/svc-service`,
        clusterArn: `${ARN}:cluster/svc-cluster`,
        taskDefinitionFamily: "svc-test",
        taskRoleArn: "arn:aws:iam::123456789012:role/svc-task-role",
        executionRoleArn: "arn:aws:iam::123456789012:role/svc-execution-role",
        logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:svc-logs",
    };
    const ALARMS = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-target-5xx", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-unhealthy-hosts"];
    const targetOf = async (extra: Partial<DigestPinnedServiceArgs>) =>
        (await run(() => ({ target: new DigestPinnedService("svc", args(extra)).deployTarget }))).outputs.target;

    it("rolling, HTTP-only: the service, its family and tags, the roles it passes, the log group, and the alarms", async () => {
        assert.deepStrictEqual(await targetOf({ tags: { Stack: "test" } }), {
            ...ALWAYS,
            requestTags: { Stack: "test" },
            serviceResources: { alarmArns: ALARMS },
        });
    });

    it("blue/green for a domain, autoscaled: also the certificate, the zone, the scalable target and ECS's role", async () => {
        assert.deepStrictEqual(await targetOf(FULL), {
            ...ALWAYS,
            requestTags: FULL.tags,
            serviceResources: {
                certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b",
                hostedZoneId: "Z0123456789ABCDEFGHIJ",
                scalableTargetArn: "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0ec5a1b2c3d4e5f60718293a4b5c6d7e",
                roleArns: ["arn:aws:iam::123456789012:role/svc-lb-role"],
                alarmArns: ALARMS,
            },
        });
    });

    it("is what GithubDeployIdentity scopes the deploy role to: the same policy as the target written out", async () => {
        const policyOf = async (target: (service: DigestPinnedService) => pulumi.Input<DeployTarget>) => {
            const evaluation = await run(() => {
                const service = new DigestPinnedService("svc", args(FULL));
                new GithubDeployIdentity("ci", { owner: "acme", repository: "papyrus", repositoryArn: REPO_ARN, deployTarget: target(service) });
                return {};
            });
            return evaluation.resources.find((r) => r.name === "ci-deploy-policy")!.inputs.policy as string;
        };
        const handedOver = await policyOf((service) => service.deployTarget);
        const writtenOut = await policyOf(() => ({
            ...ALWAYS,
            requestTags: FULL.tags!,
            serviceResources: {
                certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b",
                hostedZoneId: "Z0123456789ABCDEFGHIJ",
                scalableTargetArn: "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0ec5a1b2c3d4e5f60718293a4b5c6d7e",
                roleArns: ["arn:aws:iam::123456789012:role/svc-lb-role"],
                alarmArns: ALARMS,
            },
        }));
        assert.strictEqual(handedOver, writtenOut);
        assert.ok(handedOver.includes('"ecs:UpdateService"') && handedOver.includes("svc-lb-role"), "the policy names the service and the blue/green role");
    });
});
