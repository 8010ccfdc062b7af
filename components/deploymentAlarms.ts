// The two CloudWatch alarms that make ECS roll a deployment back: the tasks'
// 5xx answers and the unhealthy hosts, as the load balancer counts them. One
// table gives each alarm's metric, its resource name, its description and the
// largest threshold the checks accept; `deploymentAlarmInputs` turns a row and
// its settings into the alarm's inputs. Pure: the load balancer and target
// groups are passed in as values of any type (Outputs in the component).
import type { DeploymentAlarmArgs, DeploymentAlarmsArgs } from "./digestPinnedServiceArgs";

export type DeploymentAlarmName = keyof DeploymentAlarmsArgs;

export interface DeploymentAlarm {
    readonly alarm: DeploymentAlarmName;
    /** The alarm resource's name after the component's: `<name>-<resourceSuffix>`. */
    readonly resourceSuffix: string;
    readonly metricName: string;
    readonly statistic: "Sum" | "Maximum";
    readonly description: string;
    /** The largest threshold the arguments may set: a count of responses per period, a count of tasks. */
    readonly thresholdMax: number;
}

/** Both alarms, in the order they are created and named in the service's deployment alarms. */
export const DEPLOYMENT_ALARMS: readonly DeploymentAlarm[] = [
    {
        alarm: "target5xx",
        resourceSuffix: "target-5xx",
        metricName: "HTTPCode_Target_5XX_Count",
        statistic: "Sum",
        description: "The service's tasks answer with 5xx errors",
        thresholdMax: 1_000_000,
    },
    {
        alarm: "unhealthyHosts",
        resourceSuffix: "unhealthy-hosts",
        metricName: "UnHealthyHostCount",
        statistic: "Maximum",
        description: "The service's tasks fail the load balancer's health check",
        thresholdMax: 1000,
    },
];

/** The load balancer and one target group, as the ALB's metrics name them (their ARN suffixes). */
export type AlarmDimensions<T> = { readonly LoadBalancer: T; readonly TargetGroup: T };

/**
 * The alarm's inputs. Rolling: the metric of the one target group. Blue/green, linear, canary: both groups' metric, summed
 * (each missing point as 0), because ECS swaps which group serves production on every deployment, and an alarm on
 * one group would watch the new tasks only every other time.
 */
export function deploymentAlarmInputs<T>(
    row: DeploymentAlarm,
    settings: Required<DeploymentAlarmArgs>,
    groups: readonly AlarmDimensions<T>[],
    tags: Readonly<Record<string, string>>,
) {
    const { metricName, statistic } = row;
    const common = {
        alarmDescription: `${row.description}: ECS rolls a deployment back when this fires (${metricName}, ${statistic} per ${settings.periodSeconds} s >= ${settings.threshold} for ${settings.evaluationPeriods} periods)`,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: settings.threshold,
        evaluationPeriods: settings.evaluationPeriods,
        datapointsToAlarm: settings.evaluationPeriods,
        // No requests, no datapoint: a quiet period is not a failure.
        treatMissingData: "notBreaching",
        tags,
    };
    const metric =
        groups.length === 1
            ? { namespace: "AWS/ApplicationELB", metricName, statistic, period: settings.periodSeconds, dimensions: groups[0] }
            : {
                  metricQueries: [
                      ...groups.map((dimensions, i) => ({
                          id: `m${i + 1}`,
                          returnData: false,
                          metric: { namespace: "AWS/ApplicationELB", metricName, stat: statistic, period: settings.periodSeconds, dimensions },
                      })),
                      {
                          id: "total",
                          expression: groups.map((_, i) => `FILL(m${i + 1}, 0)`).join(" + "),
                          label: `${metricName}, both target groups`,
                          returnData: true,
                      },
                  ],
              };
    return { ...common, ...metric };
}
