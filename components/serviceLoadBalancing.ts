// DigestPinnedService's load balancing: the security groups, the Application
// Load Balancer, the target group (two with blue/green, linear and canary), the
// listeners and their weighted rules, the certificate and alias record for a
// domain, and the role ECS moves traffic with. Every resource is a child of
// the service component, created in this order.
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { shiftsTraffic } from "./deploymentStrategy";
import type { ExistingNetworkArgs } from "./digestPinnedServiceArgs";
import { createAliasRecord, resolveCertificate, ServiceCertificate } from "./serviceCertificate";
import type { ResolvedServiceArgs } from "./serviceDefaults";
import { ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY_ARN, ECS_SERVICE_TRUST } from "./servicePolicies";
import { createSecurityGroups } from "./serviceSecurityGroups";

/** The target groups the service registers its tasks in: one, or blue and green. */
export interface TargetGroups {
    readonly primary: aws.lb.TargetGroup;
    /** Blue/green, linear and canary only: where ECS starts the new tasks. */
    readonly alternate?: aws.lb.TargetGroup;
}

/** What routes traffic to the target groups, and what the service must wait for. */
export interface Routing {
    readonly listeners: aws.lb.Listener[];
    /** Blue/green, linear and canary only: the rules whose weights ECS moves. */
    readonly productionRule?: aws.lb.ListenerRule;
    readonly testRule?: aws.lb.ListenerRule;
    /** With `deployment.testListener`: where the new tasks are reached before production traffic moves to them. */
    readonly testListener?: aws.lb.Listener;
}

/** What the service and the rest of the component use of the load balancing. */
export interface LoadBalancing {
    readonly loadBalancer: aws.lb.LoadBalancer;
    readonly targetGroups: TargetGroups;
    readonly routing: Routing;
    /** The tasks' security group: only the load balancer reaches them. */
    readonly taskSecurityGroup: aws.ec2.SecurityGroup;
    readonly certificate: ServiceCertificate;
    /** Blue/green, linear and canary only. */
    readonly loadBalancerRole?: aws.iam.Role;
}

/** Everything between the internet and the tasks. */
export function createLoadBalancing(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs, network: ExistingNetworkArgs): LoadBalancing {
    const { lbSecurityGroup, taskSecurityGroup } = createSecurityGroups(parent, name, a, network);
    const loadBalancer = createLoadBalancer(parent, name, a, network, lbSecurityGroup);
    const targetGroups = createTargetGroups(parent, name, a, network);
    const certificate = resolveCertificate(parent, name, a);
    const routing = createRouting(parent, name, a, { loadBalancer, targetGroups, certificate });
    createAliasRecord(parent, name, a, loadBalancer);
    const loadBalancerRole = createLoadBalancerRole(parent, name, a);
    return { loadBalancer, targetGroups, routing, taskSecurityGroup, certificate, loadBalancerRole };
}

function createLoadBalancer(
    parent: pulumi.Resource,
    name: string,
    a: ResolvedServiceArgs,
    network: ExistingNetworkArgs,
    securityGroup: aws.ec2.SecurityGroup,
): aws.lb.LoadBalancer {
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
        { parent },
    );
}

function createTargetGroups(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs, network: ExistingNetworkArgs): TargetGroups {
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
            { parent },
        );
    return {
        primary: targetGroup(`${name}-tg`),
        alternate: shiftsTraffic(a.deployment.strategy) ? targetGroup(`${name}-tg-green`) : undefined,
    };
}

/**
 * Rolling: the production listener forwards to the one target group. Blue/green, linear and canary: it has a rule forwarding to
 * both groups by weight (100/0), which ECS moves during a deployment; a test listener, when asked for, has the
 * same kind of rule for test traffic. Pulumi leaves the rules' actions to ECS (`ignoreChanges`).
 */
function createRouting(
    parent: pulumi.Resource,
    name: string,
    a: ResolvedServiceArgs,
    deps: { loadBalancer: aws.lb.LoadBalancer; targetGroups: TargetGroups; certificate: ServiceCertificate },
): Routing {
    const { loadBalancer, targetGroups } = deps;
    const shifting = a.deployment.strategy === "ROLLING" ? undefined : a.deployment;
    const notFound = { type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "not found\n", statusCode: "404" } };
    const production = shifting === undefined ? { type: "forward", targetGroupArn: targetGroups.primary.arn } : notFound;
    const tls =
        a.listener.protocol === "HTTPS" ? { protocol: "HTTPS", sslPolicy: a.listener.sslPolicy, certificateArn: deps.certificate.arn } : { protocol: "HTTP" };

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
            { parent },
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
            { parent },
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
            { parent },
        );
        listeners.push(productionListener);
    }
    if (shifting === undefined) {
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
            { parent, ignoreChanges: ["actions"] },
        );
    const productionRule = weightedRule(`${name}-production-rule`, productionListener);
    if (shifting.testListener === undefined) {
        return { listeners, productionRule };
    }
    const testListener = new aws.lb.Listener(
        `${name}-test`,
        {
            loadBalancerArn: loadBalancer.arn,
            port: shifting.testListener.port,
            ...tls,
            defaultActions: [notFound],
            tags: a.tags,
        },
        { parent },
    );
    listeners.push(testListener);
    return { listeners, productionRule, testListener, testRule: weightedRule(`${name}-test-rule`, testListener) };
}

/**
 * Blue/green, linear and canary only: the role ECS assumes to move traffic between the target groups (AWS's managed
 * policy). Its description still says blue/green, as it did before linear and canary, so existing roles are not updated.
 */
function createLoadBalancerRole(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs): aws.iam.Role | undefined {
    if (!shiftsTraffic(a.deployment.strategy)) {
        return undefined;
    }
    const role = new aws.iam.Role(
        `${name}-lb-role`,
        {
            description: "ECS moves blue/green traffic between the service's target groups with this role",
            assumeRolePolicy: JSON.stringify(ECS_SERVICE_TRUST),
            tags: a.tags,
        },
        { parent },
    );
    new aws.iam.RolePolicyAttachment(
        `${name}-lb-role-policy`,
        {
            role: role.name,
            policyArn: ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY_ARN,
        },
        { parent },
    );
    return role;
}
