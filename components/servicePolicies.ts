// The IAM documents of DigestPinnedService's roles: who may assume each, and
// what the execution role, the task role (with ECS Exec) and the blue/green
// load balancer role may do. Pure functions of ARNs and settings.
import { secretReadStatements } from "./containerSecrets";
import { PolicyDocument, PolicyStatement } from "./policyDocument";

/** A role only ECS's task agent may assume: the task and execution roles. */
export const ECS_TASKS_TRUST: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

/** A role only the ECS service itself may assume: the infrastructure role blue/green shifts traffic with. */
export const ECS_SERVICE_TRUST: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Sid: "EcsShiftsTraffic", Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

/**
 * AWS's managed policy for ECS blue/green with a load balancer: describe and modify the listener rules and
 * target groups it shifts traffic between. It has no resource scoping of its own to offer.
 */
export const ECS_LOAD_BALANCER_INFRASTRUCTURE_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers";

export interface ExecutionRoleAccess {
    readonly repositoryArn: string;
    readonly logGroupArn: string;
    /** Variable name → ARN of the SSM parameter or Secrets Manager secret. @default {} */
    readonly secrets?: Readonly<Record<string, string>>;
    readonly secretsKmsKeyArn?: string;
}

/**
 * Pull from one repository, write to one log group, and read exactly the container's secrets:
 * AmazonECSTaskExecutionRolePolicy, scoped, plus the secret reads ECS makes when a task starts.
 */
export function executionRolePolicy(access: ExecutionRoleAccess): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "PullFromRepository",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                Resource: access.repositoryArn,
            },
            {
                Sid: "WriteLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [access.logGroupArn, `${access.logGroupArn}:*`],
            },
            ...secretReadStatements(access.secrets ?? {}, access.secretsKmsKeyArn),
        ],
    };
}

/** The channels ECS Exec opens from the task to Session Manager. These actions have no resource-level permissions. */
export const ECS_EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/** The task role's own policy: ECS Exec's channels when it is on, nothing otherwise (undefined: no policy at all). */
export function taskRolePolicy(enableExecuteCommand: boolean): PolicyDocument | undefined {
    if (!enableExecuteCommand) {
        return undefined;
    }
    const statements: PolicyStatement[] = [{ Sid: "EcsExecChannels", Effect: "Allow", Action: [...ECS_EXEC_ACTIONS], Resource: "*" }];
    return { Version: "2012-10-17", Statement: statements };
}
