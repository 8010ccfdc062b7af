// DigestPinnedService's autoscaling (with `autoscaling`): an Application Auto
// Scaling target on the service's task count, and target tracking on average
// CPU and, unless turned off, on the load balancer's requests per task.
// Children of the service component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedServiceArgs } from "./serviceDefaults";
import type { TargetGroups } from "./serviceLoadBalancing";

/** Target tracking on CPU and on requests per task, between the configured minimum and maximum. */
export function createAutoscaling(
    parent: pulumi.Resource,
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
        { parent },
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
            { parent },
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
