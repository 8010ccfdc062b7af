// What the engine recorded: the image the stack's ECS service runs according to
// the stack's state (its last checkpoint), whatever the driver planned or the
// update's result says. A cancelled update may still have replaced the task
// definition and updated the service (the engine lets in-flight operations
// finish), and a failed one may have got that far too: only the state knows.
import { digestOf, parseImageReference, ParsedImageReference } from "../../components/imageReference";

/** One resource of an exported checkpoint, as much of it as is read here. */
export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
    readonly outputs?: Record<string, unknown>;
}

export interface PendingOperation {
    readonly type: string;
    readonly resource: { readonly urn: string };
}

/** The `deployment` part of `pulumi stack export`. */
export interface Checkpoint {
    readonly resources?: readonly StateResource[];
    readonly pending_operations?: readonly PendingOperation[];
}

/**
 * Why `deployment` is not a checkpoint the driver can read, or undefined when it is one: an object
 * whose `resources` (if any) is a list of objects with a string `urn` and `type` and, if they have
 * them, object `outputs`, and whose `pending_operations` (if any) name a resource each. Only what
 * the driver reads is checked; everything else the engine writes passes. Both reads of the state
 * (the backend's file and `stack export`) go through it, so a misshaped one is a typed error
 * naming the stack, never a TypeError further on.
 */
export function checkpointProblem(deployment: unknown, at = ""): string | undefined {
    if (deployment === undefined || deployment === null) return undefined; // a stack never updated
    if (!isObject(deployment)) return `holds ${describeJson(deployment)} where the checkpoint (an object) goes${at ? ` (\`${at.replace(/\.$/, "")}\`)` : ""}`;
    const { resources, pending_operations: pending } = deployment as Record<string, unknown>;
    if (resources !== undefined && resources !== null) {
        if (!Array.isArray(resources)) return `holds ${describeJson(resources)} as \`${at}resources\`, which must be a list`;
        for (let i = 0; i < resources.length; i++) {
            const r = resources[i] as unknown;
            if (!isObject(r)) return `holds ${describeJson(r)} as \`${at}resources[${i}]\`, which must be an object`;
            const { urn, type, outputs } = r as Record<string, unknown>;
            if (typeof urn !== "string" || urn === "" || typeof type !== "string" || type === "") {
                return `has \`${at}resources[${i}]\` without a \`urn\` and a \`type\``;
            }
            if (outputs !== undefined && outputs !== null && !isObject(outputs)) {
                return `holds ${describeJson(outputs)} as \`${at}resources[${i}].outputs\` (${urn}), which must be an object`;
            }
        }
    }
    if (pending !== undefined && pending !== null) {
        if (!Array.isArray(pending)) return `holds ${describeJson(pending)} as \`${at}pending_operations\`, which must be a list`;
        for (let i = 0; i < pending.length; i++) {
            const p = pending[i] as unknown;
            const resource = isObject(p) ? (p as Record<string, unknown>).resource : undefined;
            if (!isObject(p) || typeof (p as Record<string, unknown>).type !== "string" || !isObject(resource) || typeof resource.urn !== "string") {
                return `has \`${at}pending_operations[${i}]\` without a \`type\` and a \`resource.urn\``;
            }
        }
    }
    return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
    if (value === null) return "`null`";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "an object";
    return `a ${typeof value} (\`${JSON.stringify(value).slice(0, 40)}\`)`;
}

export interface RecordedImage {
    /** The service's container image, `<repositoryUrl>@sha256:<hex>`. */
    readonly image: string;
    readonly digest: string;
    readonly taskDefinitionArn: string;
    /** URN of the service resource the image was read through. */
    readonly serviceUrn: string;
}

const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/;

/**
 * The image the state's ECS service runs: the service resource's `taskDefinition` ARN, the task
 * definition resource with that `arn`, and the digest-pinned image in its `containerDefinitions`.
 *
 * Resources are recognised by the outputs pulumi-aws records for `aws:ecs/service:Service` and
 * `aws:ecs/taskDefinition:TaskDefinition` (not by type token), so the driver's test stand-in,
 * whose resources record the same outputs, is read by the same code. Undefined when the state has
 * no service (a new stack before its first deploy). Throws when it has several services that run
 * different digests: the driver manages one service per stack and will not guess.
 */
export function recordedImage(checkpoint: Checkpoint | undefined): RecordedImage | undefined {
    const resources = (checkpoint?.resources ?? []).filter((r) => r.custom !== false && r.outputs);
    const taskDefinitions = new Map<string, StateResource>();
    for (const r of resources) {
        const arn = r.outputs!.arn;
        if (typeof arn === "string" && TASK_DEFINITION_ARN.test(arn) && typeof r.outputs!.containerDefinitions === "string") {
            taskDefinitions.set(arn, r);
        }
    }
    const found: RecordedImage[] = [];
    for (const service of resources) {
        const arn = service.outputs!.taskDefinition;
        if (typeof arn !== "string" || !TASK_DEFINITION_ARN.test(arn)) continue;
        const taskDefinition = taskDefinitions.get(arn);
        if (!taskDefinition) {
            throw new Error(
                `the state's service ${service.urn} runs task definition ${arn}, which is not in the state; ` + "run `pulumi refresh` and try again",
            );
        }
        const image = digestImageOf(String(taskDefinition.outputs!.containerDefinitions), taskDefinition.urn);
        found.push({ image: image.reference, digest: image.digest, taskDefinitionArn: arn, serviceUrn: service.urn });
    }
    const digests = new Set(found.map((f) => f.digest));
    if (digests.size > 1) {
        throw new Error(
            `the state holds ${found.length} ECS services running different images (${found.map((f) => f.image).join(", ")}); ` +
                "the driver deploys one service per stack",
        );
    }
    return found[0];
}

/** The pending operations an interrupted update left in the state (cleared by `refresh`). */
export function pendingOperations(checkpoint: Checkpoint | undefined): readonly PendingOperation[] {
    return checkpoint?.pending_operations ?? [];
}

function digestImageOf(containerDefinitions: string, urn: string): ParsedImageReference {
    let containers: unknown;
    try {
        containers = JSON.parse(containerDefinitions);
    } catch {
        throw new Error(`the state's task definition ${urn} has containerDefinitions that are not JSON`);
    }
    const images = (Array.isArray(containers) ? containers : [])
        .map((c) => (c as { image?: unknown })?.image)
        .filter((image): image is string => typeof image === "string");
    const pinned = images.filter((image) => digestOf(image) !== undefined);
    if (pinned.length !== 1) {
        throw new Error(
            `the state's task definition ${urn} names ${pinned.length} digest-pinned images (${images.join(", ") || "none"}); ` + "expected exactly one",
        );
    }
    return parseImageReference(pinned[0], { input: "containerDefinitions[].image" });
}
