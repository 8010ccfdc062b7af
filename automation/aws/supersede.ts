// Another update of the stack that replaced this command's ECS deployment while it followed the
// rollout. The driver's lock is per checkout and the engine's lock ends with `up`, so another
// checkout's deploy (or a `pulumi up` by hand) can start a new ECS deployment during the wait;
// ECS then makes that one primary, which looks like a rollback from here but is not:
// reconciling would record the other update's digest as "what ECS rolled back to".
import { Deployment, HistorySource, readDeployments } from "../record/history";
import { escapeUnprintable } from "../record/printable";

/**
 * Which update replaced ours, described for a message; undefined when ECS rolled ours back. Newer
 * updates in the history name it; until the other update ends (its engine waits for a steady
 * service) history has no record of it, and ECS's primary running a task definition that none of
 * the service's deployments ran before ours started says it (ECS's rollback returns to one of those).
 */
export async function replacingUpdate(
    stack: HistorySource,
    ours: Deployment | undefined,
    before: ReadonlyMap<string, string> | undefined,
    primaryTaskDefinition: string | undefined,
): Promise<string | undefined> {
    const newer =
        ours === undefined
            ? []
            : (await readDeployments(stack).catch(() => [] as Deployment[])).filter((d) => d.operation === "update" && d.version > ours.version);
    if (newer.length > 0) return newer.map(describeUpdate).join(", ");
    if (before === undefined || before.size === 0 || primaryTaskDefinition === undefined) return undefined;
    if ([...before.values()].includes(primaryTaskDefinition)) return undefined;
    return `another update (ECS's primary deployment runs \`${primaryTaskDefinition}\`, which the service did not run before this update started; it is not in the stack's history yet)`;
}

/** `update 3 (deploy v1.0.0 by bob, succeeded)`. */
export function describeUpdate(d: Deployment): string {
    return `update ${d.version} (${d.kind}${d.tag ? ` ${d.tag}` : ""}${d.requestedBy ? ` by ${escapeUnprintable(d.requestedBy)}` : ""}, ${d.result})`;
}
