// Updates of the stack that ran after this command's own while it followed ECS's rollout.
// The driver's lock is per checkout and the engine's lock ends with `up`, so another
// checkout's deploy (or a `pulumi up` by hand) can start a new ECS deployment during the
// wait; ECS then makes that one primary, which looks like a rollback from here but is not:
// reconciling would record the other update's digest as "what ECS rolled back to".
import { Deployment, HistorySource, readDeployments } from "./history";

/** Updates newer than `ours` in the stack's history; none when `ours` is unknown or the history is unreadable. */
export async function updatesAfter(stack: HistorySource, ours: Deployment | undefined): Promise<Deployment[]> {
    if (ours === undefined) return [];
    const deployments = await readDeployments(stack).catch(() => [] as Deployment[]);
    return deployments.filter((d) => d.operation === "update" && d.version > ours.version);
}

/** `update 3 (deploy v1.0.0 by bob, succeeded)`. */
export function describeUpdate(d: Deployment): string {
    return `update ${d.version} (${d.kind}${d.tag ? ` ${d.tag}` : ""}${d.requestedBy ? ` by ${d.requestedBy}` : ""}, ${d.result})`;
}
