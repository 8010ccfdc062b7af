// What ECS actually runs, compared with what the stack recorded.
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import { awsUnavailable } from "./awsErrors";

export interface VerifyResult {
    readonly inSync: boolean;
    readonly recorded: string;
    readonly running: readonly string[];
    readonly cluster: string;
    readonly service: string;
    readonly taskDefinitionArn: string;
    readonly rolloutState?: string;
    /** In sync, and ECS's primary deployment is still IN_PROGRESS. */
    readonly rollingOut: boolean;
    /** In sync, and ECS marked the primary deployment FAILED (its rollback off). */
    readonly rolloutFailed: boolean;
}

/** The AWS SDK reads `AWS_ENDPOINT_URL_ECS` / `AWS_ENDPOINT_URL` itself. */
export function createEcsClient(region?: string): ECSClient {
    return new ECSClient(region ? { region } : {});
}

/**
 * DescribeServices → the PRIMARY deployment's task definition → its container
 * images. In sync when one of them is exactly the recorded reference.
 */
export async function compareRunningImage(ecs: ECSClient, cluster: string, service: string, recorded: string): Promise<VerifyResult> {
    const send = <T>(call: () => Promise<T>) =>
        call().catch((err) => {
            if ((err as Error).name === "ClusterNotFoundException") {
                throw new Error(`ECS cluster \`${cluster}\` was not found; was the stack deployed to this account and region?`);
            }
            throw awsUnavailable(err, "ECS") ?? err;
        });
    const described = await send(() => ecs.send(new DescribeServicesCommand({ cluster, services: [service] })));
    const svc = described.services?.[0];
    if (!svc) {
        const failure = described.failures?.[0];
        throw new Error(
            `ECS service \`${service}\` in cluster \`${cluster}\` was not found (${failure?.reason ?? "no such service"}); was the stack deployed to this account and region?`,
        );
    }
    const primary = svc.deployments?.find((d) => d.status === "PRIMARY");
    const taskDefinitionArn = primary?.taskDefinition ?? svc.taskDefinition;
    if (!taskDefinitionArn) {
        throw new Error(`ECS service \`${service}\` has no primary deployment with a task definition`);
    }
    const taskDef = await send(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })));
    const running = (taskDef.taskDefinition?.containerDefinitions ?? []).map((c) => c.image).filter((image): image is string => typeof image === "string");
    const inSync = running.includes(recorded);
    return {
        inSync,
        recorded,
        running,
        cluster,
        service,
        taskDefinitionArn,
        rolloutState: primary?.rolloutState,
        rollingOut: inSync && primary?.rolloutState === "IN_PROGRESS",
        rolloutFailed: inSync && primary?.rolloutState === "FAILED",
    };
}
