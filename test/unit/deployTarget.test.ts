// The deploy target DigestPinnedService hands to the deploy identity
// (components/deployTarget.ts), without mocks: only the service resources it has.
import * as assert from "assert";
import { compactDeployTarget, DeployTarget } from "../../components/deployTarget";

const ALWAYS: DeployTarget = {
    serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/c/s",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/c",
    taskDefinitionFamily: "papyrus-dev",
    taskRoleArn: "arn:aws:iam::123456789012:role/task",
    executionRoleArn: "arn:aws:iam::123456789012:role/execution",
    logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:logs",
    requestTags: { Stack: "dev" },
};

describe("compactDeployTarget", () => {
    it("drops the service resources altogether when the service has none", () => {
        assert.deepStrictEqual(compactDeployTarget({ ...ALWAYS, serviceResources: { roleArns: [], alarmArns: [], certificateArn: undefined } }), ALWAYS);
        assert.deepStrictEqual(compactDeployTarget(ALWAYS), ALWAYS);
    });

    it("keeps each resource the service has, and drops unset fields and empty lists", () => {
        const alarmArns = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a"];
        assert.deepStrictEqual(
            compactDeployTarget({ ...ALWAYS, serviceResources: { certificateArn: undefined, hostedZoneId: "Z0123456789ABCDEFGHIJ", roleArns: [], alarmArns } }),
            { ...ALWAYS, serviceResources: { hostedZoneId: "Z0123456789ABCDEFGHIJ", alarmArns } },
        );
    });

    it("keeps the fields every target has, and the optional tag keys, as given", () => {
        const target = {
            ...ALWAYS,
            optionalTagKeys: ["ImageTag"],
            serviceResources: { scalableTargetArn: "arn:aws:application-autoscaling:eu-west-1:1:scalable-target/x" },
        };
        assert.deepStrictEqual(compactDeployTarget(target), target);
    });
});
