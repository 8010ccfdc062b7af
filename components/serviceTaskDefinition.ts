// DigestPinnedService's task definition and what it names: the log group, the
// execution role (pull, logs, secrets) and the task role (the application's;
// ECS Exec's channels when on). Every resource is a child of the service
// component, named after it. The container itself is containerDefinition.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { containerDefinition } from "./containerDefinition";
import type { ImageDigestRef } from "./imageReference";
import type { ResolvedServiceArgs } from "./serviceDefaults";
import { ECS_TASKS_TRUST, executionRolePolicy, taskRolePolicy } from "./servicePolicies";

export interface TaskDefinitionParts {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly taskDefinition: aws.ecs.TaskDefinition;
}

/** The log group, the two roles and the task definition that runs `image`, in that order. */
export function createTaskDefinition(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs, image: pulumi.Output<ImageDigestRef>): TaskDefinitionParts {
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: a.logRetentionDays, tags: a.tags }, { parent });
    const executionRole = createExecutionRole(parent, name, a, logGroup);
    const taskRole = createTaskRole(parent, name, a);

    // The log group ARN names its region: no provider call needed to fill in `awslogs-region`.
    const region = logGroup.arn.apply((arn) => arn.split(":")[3]);
    const imageTag = a.imageTag === undefined ? undefined : pulumi.output(a.imageTag);
    const container = containerDefinition<pulumi.Input<string>>(a, { image, logGroupName: logGroup.name, region, imageTag });
    const taskDefinition = new aws.ecs.TaskDefinition(
        `${name}-task`,
        {
            family: a.family,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(a.cpu),
            memory: String(a.memory),
            executionRoleArn: executionRole.arn,
            taskRoleArn: taskRole.arn,
            containerDefinitions: pulumi.jsonStringify([container]),
            tags: imageTag === undefined ? a.tags : { ...a.tags, ImageTag: imageTag },
            // A new image replaces the task definition. Keep the old revision ACTIVE: it is a rollback
            // target, and ECS cannot run an INACTIVE (deregistered) revision again.
            skipDestroy: true,
        },
        { parent },
    );
    return { logGroup, executionRole, taskRole, taskDefinition };
}

function createExecutionRole(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs, logGroup: aws.cloudwatch.LogGroup): aws.iam.Role {
    const role = new aws.iam.Role(
        `${name}-execution-role`,
        {
            description: "ECS pulls the service's image, reads its secrets and writes its logs with this role",
            assumeRolePolicy: JSON.stringify(ECS_TASKS_TRUST),
            tags: a.tags,
        },
        { parent },
    );
    new aws.iam.RolePolicy(
        `${name}-execution-policy`,
        {
            role: role.id,
            policy: pulumi
                .all([a.repositoryArn, logGroup.arn])
                .apply(([repositoryArn, logGroupArn]) =>
                    JSON.stringify(executionRolePolicy({ repositoryArn, logGroupArn, secrets: a.secrets, secretsKmsKeyArn: a.secretsKmsKeyArn })),
                ),
        },
        { parent },
    );
    return role;
}

function createTaskRole(parent: pulumi.Resource, name: string, a: ResolvedServiceArgs): aws.iam.Role {
    // The application gets what it needs by policies attached to this role elsewhere; this component adds
    // only ECS Exec's channels, and only when it is on.
    const role = new aws.iam.Role(
        `${name}-task-role`,
        {
            description: "The service's application runs with this role",
            assumeRolePolicy: JSON.stringify(ECS_TASKS_TRUST),
            tags: a.tags,
        },
        { parent },
    );
    const policy = taskRolePolicy(a.enableExecuteCommand);
    if (policy !== undefined) {
        new aws.iam.RolePolicy(`${name}-task-policy`, { role: role.id, policy: JSON.stringify(policy) }, { parent });
    }
    return role;
}
