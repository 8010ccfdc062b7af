// DigestPinnedService's security groups: the load balancer takes HTTP(S) from
// anywhere (and test traffic from the allowed CIDRs) and reaches the tasks on
// the container port only; the tasks take that port from the load balancer
// only, and reach out through the NAT gateway. Children of the service component.
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { ExistingNetworkArgs } from "./digestPinnedServiceArgs";
import type { ResolvedServiceArgs } from "./serviceDefaults";

export interface SecurityGroups {
    readonly lbSecurityGroup: aws.ec2.SecurityGroup;
    readonly taskSecurityGroup: aws.ec2.SecurityGroup;
}

export function createSecurityGroups(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs, network: ExistingNetworkArgs): SecurityGroups {
    const ports = a.listener.protocol === "HTTPS" ? "HTTPS (and HTTP to redirect)" : "HTTP";
    const lbSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-lb-sg`,
        {
            vpcId: network.vpcId,
            description: `Load balancer: ${ports} from anywhere, to the service's tasks only`,
            tags: a.tags,
        },
        { parent },
    );
    const taskSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-task-sg`,
        {
            vpcId: network.vpcId,
            description: "Service tasks: the container port from the load balancer only",
            tags: a.tags,
        },
        { parent },
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
            { parent },
        );
    fromAnywhere("lb-http-in", 80);
    if (a.listener.protocol === "HTTPS") {
        fromAnywhere("lb-https-in", 443);
    }
    if (a.deployment.strategy !== "ROLLING" && a.deployment.testListener !== undefined) {
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
                    { parent },
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
        { parent },
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
        { parent },
    );
    // Tasks reach ECR, CloudWatch Logs, SSM/Secrets Manager and whatever the application calls through the NAT gateway.
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-tasks-out`,
        {
            securityGroupId: taskSecurityGroup.id,
            ipProtocol: "-1",
            cidrIpv4: "0.0.0.0/0",
        },
        { parent },
    );
    return { lbSecurityGroup, taskSecurityGroup };
}
