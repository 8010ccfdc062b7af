// The deployment alarms' table and inputs (components/deploymentAlarms.ts),
// without mocks: one target group (rolling) or both summed (blue/green).
import * as assert from "assert";
import { DEPLOYMENT_ALARMS, deploymentAlarmInputs } from "../../components/deploymentAlarms";

const BLUE = { LoadBalancer: "app/svc-lb/1", TargetGroup: "targetgroup/svc-tg/1" };
const GREEN = { LoadBalancer: "app/svc-lb/1", TargetGroup: "targetgroup/svc-tg-green/1" };
const TAGS = { Stack: "dev" };

describe("DEPLOYMENT_ALARMS", () => {
    it("has the 5xx alarm then the unhealthy-host alarm, each with its metric, statistic, name and threshold limit", () => {
        assert.deepStrictEqual(
            DEPLOYMENT_ALARMS.map(({ alarm, resourceSuffix, metricName, statistic, thresholdMax }) => [
                alarm,
                resourceSuffix,
                metricName,
                statistic,
                thresholdMax,
            ]),
            [
                ["target5xx", "target-5xx", "HTTPCode_Target_5XX_Count", "Sum", 1_000_000],
                ["unhealthyHosts", "unhealthy-hosts", "UnHealthyHostCount", "Maximum", 1000],
            ],
        );
    });
});

describe("deploymentAlarmInputs", () => {
    const [target5xx, unhealthyHosts] = DEPLOYMENT_ALARMS;

    it("rolling: the metric of the one target group, firing at or above the threshold for every evaluation period", () => {
        assert.deepStrictEqual(deploymentAlarmInputs(target5xx, { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 }, [BLUE], TAGS), {
            alarmDescription:
                "The service's tasks answer with 5xx errors: ECS rolls a deployment back when this fires (HTTPCode_Target_5XX_Count, Sum per 60 s >= 5 for 2 periods)",
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: 5,
            evaluationPeriods: 2,
            datapointsToAlarm: 2,
            treatMissingData: "notBreaching",
            tags: TAGS,
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_Target_5XX_Count",
            statistic: "Sum",
            period: 60,
            dimensions: BLUE,
        });
    });

    it("blue/green: the metric of both target groups, each missing point as 0, summed", () => {
        const inputs = deploymentAlarmInputs(unhealthyHosts, { threshold: 1, periodSeconds: 120, evaluationPeriods: 3 }, [BLUE, GREEN], TAGS);
        assert.strictEqual("metricName" in inputs, false);
        assert.strictEqual(inputs.datapointsToAlarm, 3);
        assert.deepStrictEqual("metricQueries" in inputs && inputs.metricQueries, [
            {
                id: "m1",
                returnData: false,
                metric: { namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", stat: "Maximum", period: 120, dimensions: BLUE },
            },
            {
                id: "m2",
                returnData: false,
                metric: { namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", stat: "Maximum", period: 120, dimensions: GREEN },
            },
            { id: "total", expression: "FILL(m1, 0) + FILL(m2, 0)", label: "UnHealthyHostCount, both target groups", returnData: true },
        ]);
        assert.strictEqual(
            inputs.alarmDescription,
            "The service's tasks fail the load balancer's health check: ECS rolls a deployment back when this fires (UnHealthyHostCount, Maximum per 120 s >= 1 for 3 periods)",
        );
    });
});
