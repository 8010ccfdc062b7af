// What `approve` and `abort` act on: the stack's ECS deployment still in flight, the PAUSE hook it
// waits at (if any), the update it belongs to, and what was already decided about it. Read only.
import type { ServiceDeployment } from "@aws-sdk/client-ecs";
import { AwaitingHook, awaitingHook, describeStanding, inFlightServiceDeployment, newestServiceDeployment, shortId } from "../aws/serviceDeployments";
import { engineCall } from "../engine/errors";
import { SERVICE_OUTPUTS } from "../engine/project";
import { decisionsOf, describeDecision, HookDecision, writeDecision } from "../record/decisions";
import { NothingToDecideError } from "../record/errors";
import { readDeployments } from "../record/history";
import { ecsClient, Session } from "./session";

export interface InFlight {
    readonly cluster: string;
    readonly service: string;
    readonly deployment: ServiceDeployment;
    readonly arn: string;
    readonly awaiting?: AwaitingHook;
    /** The update whose deployment it is: the stack's newest update (its `up` started it). */
    readonly updateVersion?: number;
    /** That update's tag, as its history records it. */
    readonly updateTag?: string;
    readonly decisions: readonly HookDecision[];
}

/** The stack's deployment in flight; NothingToDecideError (exit 15) naming what there is instead. */
export async function inFlight(session: Session, command: "approve" | "abort"): Promise<InFlight> {
    const { clusterName: cluster, serviceName: service } = session.stackOutputs;
    if (typeof cluster !== "string" || typeof service !== "string") {
        throw new NothingToDecideError(
            session.displayName,
            `the stack has no ECS service (outputs ${SERVICE_OUTPUTS.map((o) => `\`${o}\``).join(" and ")} are unset), so there is no deployment to ${command}`,
        );
    }
    const ecs = ecsClient(session);
    const [deployment, deployments, tags] = await Promise.all([
        inFlightServiceDeployment(ecs, cluster, service),
        engineCall(session, () => readDeployments(session.stack)),
        engineCall(session, () => session.stack.tags()),
    ]);
    const update = deployments.find((d) => d.operation === "update");
    const decisions = update ? decisionsOf(tags, update.version) : [];
    if (!deployment?.serviceDeploymentArn) {
        const newest = await newestServiceDeployment(ecs, cluster, service);
        const last = newest ? `; the newest, ${describeStanding(newest)}${newest.statusReason ? ` (${newest.statusReason})` : ""}` : "";
        throw new NothingToDecideError(session.displayName, `no ECS deployment of service \`${service}\` is in flight${last}${alreadyDecided(decisions)}`);
    }
    return {
        cluster,
        service,
        deployment,
        arn: deployment.serviceDeploymentArn,
        awaiting: awaitingHook(deployment),
        updateVersion: update?.version,
        updateTag: update?.tag,
        decisions: decisions.filter((d) => d.deployment === shortId(deployment.serviceDeploymentArn)),
    };
}

/** `; already: continued by alice via approve at …` when something was decided. */
export function alreadyDecided(decisions: readonly HookDecision[]): string {
    return decisions.length > 0 ? `; already: ${decisions.map(describeDecision).join("; ")}` : "";
}

/**
 * Records the decision, then asks ECS to act on it: the deploy that waits reads the record when it sees ECS act, so
 * the record comes first. ECS refusing because the hook or the deployment moved on (another `approve` or `abort` acted
 * first) takes the record back and is NothingToDecideError (exit 15) naming what was decided; any other failure takes
 * it back too and is thrown. The tag, or undefined when there is no update to keep it with.
 */
export async function decideRecorded(session: Session, found: InFlight, decision: HookDecision, act: () => Promise<void>): Promise<string | undefined> {
    const tag = found.updateVersion === undefined ? undefined : await engineCall(session, () => writeDecision(session.stack, found.updateVersion!, decision));
    try {
        await act();
        return tag;
    } catch (err) {
        if (tag) await session.stack.removeTag(tag).catch(() => undefined);
        const name = (err as Error).name;
        if (name !== "InvalidParameterException" && name !== "ConflictException" && name !== "ServiceDeploymentNotFoundException") throw err;
        const tags = await session.stack.tags().catch(() => ({}) as Record<string, string>);
        const decided = found.updateVersion === undefined ? [] : decisionsOf(tags, found.updateVersion).filter((d) => d.deployment === shortId(found.arn));
        throw new NothingToDecideError(
            session.displayName,
            `ECS refused to act on deployment ${shortId(found.arn)}: ${(err as Error).message.split("\n")[0]} (another \`approve\` or \`abort\` acted first?)${alreadyDecided(decided)}`,
        );
    }
}
