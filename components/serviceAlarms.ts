// DigestPinnedService's deployment alarms as resources: one CloudWatch alarm
// per row of deploymentAlarms.ts, on the target groups the service uses,
// each a child of the service component. The service names them in its
// deployment alarms with rollback (serviceDeployment.ts).
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENT_ALARMS, deploymentAlarmInputs } from "./deploymentAlarms";
import type { ResolvedServiceArgs } from "./serviceDefaults";
import type { TargetGroups } from "./serviceLoadBalancing";

/** The alarms, in DEPLOYMENT_ALARMS' order: rolling, on the one target group; blue/green, linear and canary, on both, summed. */
export function createDeploymentAlarms(
    parent: pulumi.Resource,
    name: string,
    a: ResolvedServiceArgs,
    deps: { readonly loadBalancer: aws.lb.LoadBalancer; readonly targetGroups: TargetGroups },
): aws.cloudwatch.MetricAlarm[] {
    const groups = [deps.targetGroups.primary, deps.targetGroups.alternate].filter((group): group is aws.lb.TargetGroup => group !== undefined);
    const dimensions = groups.map((group) => ({ LoadBalancer: deps.loadBalancer.arnSuffix, TargetGroup: group.arnSuffix }));
    return DEPLOYMENT_ALARMS.map(
        (row) =>
            new aws.cloudwatch.MetricAlarm(`${name}-${row.resourceSuffix}`, deploymentAlarmInputs(row, a.deploymentAlarms[row.alarm], dimensions, a.tags), {
                parent,
            }),
    );
}
