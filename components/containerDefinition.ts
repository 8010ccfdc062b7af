// The service's one container, as ECS's task definition describes it: the
// digest-pinned image, the port, plain settings and secrets by reference, the
// hardened runtime (health check, read-only root, non-root user, no
// capabilities), and the log driver. Pure: the values that are only known
// later (the image, the log group, the tag) are passed in and placed as they
// are, so the component hands Outputs and a test hands strings.
import type { ResolvedServiceArgs } from "./serviceDefaults";

/** The label that carries the human tag inside the container definition (OCI annotation name). */
export const IMAGE_TAG_LABEL = "org.opencontainers.image.version";

/** The arguments the container definition is made of. */
export type ContainerSettings = Pick<
    ResolvedServiceArgs,
    "containerName" | "containerPort" | "environment" | "secrets" | "containerHealthCheck" | "readonlyRootFilesystem" | "user" | "stopTimeoutSeconds"
>;

/** What the container names that the arguments do not hold: values of type `T` (a string, or an Output of one). */
export interface ContainerReferences<T> {
    /** The checked digest reference. */
    readonly image: T;
    readonly logGroupName: T;
    readonly region: T;
    /** The human tag, a label only. */
    readonly imageTag?: T;
}

/** The container definition, in ECS's field names and order. */
export function containerDefinition<T>(settings: ContainerSettings, refs: ContainerReferences<T>) {
    const secrets = Object.entries(settings.secrets).map(([variable, valueFrom]) => ({ name: variable, valueFrom }));
    const health = settings.containerHealthCheck;
    return {
        name: settings.containerName,
        // Exactly the checked digest reference; never a tag.
        image: refs.image,
        essential: true,
        portMappings: [{ containerPort: settings.containerPort, protocol: "tcp" }],
        environment: Object.entries(settings.environment).map(([variable, value]) => ({ name: variable, value })),
        // Resolved by ECS at task start with the execution role; never stored in the task definition.
        secrets: secrets.length === 0 ? undefined : secrets,
        dockerLabels: refs.imageTag === undefined ? undefined : { [IMAGE_TAG_LABEL]: refs.imageTag },
        healthCheck: {
            command: health.command,
            interval: health.intervalSeconds,
            timeout: health.timeoutSeconds,
            retries: health.retries,
            startPeriod: health.startPeriodSeconds,
        },
        readonlyRootFilesystem: settings.readonlyRootFilesystem,
        user: settings.user,
        stopTimeout: settings.stopTimeoutSeconds,
        // An init process forwards SIGTERM and reaps children; no capability is needed to serve on a high port.
        linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
        logConfiguration: {
            logDriver: "awslogs",
            options: {
                "awslogs-group": refs.logGroupName,
                "awslogs-region": refs.region,
                "awslogs-stream-prefix": settings.containerName,
            },
        },
    };
}
