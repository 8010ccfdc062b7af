// Who let a paused rollout go on, or stopped it, and why: one stack tag per decision,
// `papyrus:decision:<update>:<n>`, beside the update's release verdict (verdict.ts), so the deploy
// that waits at a PAUSE hook, a later `history`, and a second `approve` all read the same record,
// whichever checkout or runner made it. `approve` and `abort` write it before they ask ECS (the
// deploy that waits reads it when it sees ECS act) and take it back when ECS refuses (another
// decision came first); a deploy's own decisions are written once ECS took them. `<n>` is the
// decision's time in milliseconds, so two writers never pick the same tag.
import { shortId } from "./ecsFacts";
import { RELEASE_TAG_NAMESPACE } from "./verdict";

export const DECISION_TAG_PREFIX = `${RELEASE_TAG_NAMESPACE}:decision:`;

/** How a decision was made: a person's command, the smoke test's exit code, Ctrl-C answered, a reconcile restoring what ECS ran. */
export type DecisionVia = "approve" | "abort" | "smoke-test" | "interrupt" | "reconcile";

export interface HookDecision {
    /** `continue` lets the deployment go on; `rollback` returns the service to its previous revision. */
    readonly action: "continue" | "rollback";
    readonly via: DecisionVia;
    /** Who: the local user, or the CI identity (requester.ts). */
    readonly by: string;
    readonly reason?: string;
    readonly at: string;
    /** The lifecycle stage the deployment waited at; unset for an abort outside a hook. */
    readonly stage?: string;
    /** The service deployment's ID (the last part of its ARN). */
    readonly deployment: string;
}

/** A decision made now about the service deployment `arn`. */
export function decisionNow(
    action: HookDecision["action"],
    via: DecisionVia,
    by: string,
    arn: string,
    stage: string | undefined,
    reason: string | undefined,
): HookDecision {
    return { action, via, by, reason, at: new Date().toISOString(), stage, deployment: shortId(arn) };
}

/** Pulumi's limit on a stack tag's value (pkg/util/validation/stack.go): the reason is shortened to fit. */
const TAG_VALUE_LIMIT = 256;

export function decisionTagName(version: number, n: number): string {
    return `${DECISION_TAG_PREFIX}${version}:${n}`;
}

export function formatDecision(decision: HookDecision): string {
    const full = JSON.stringify(decision);
    if (full.length <= TAG_VALUE_LIMIT || decision.reason === undefined) return full;
    const keep = Math.max(0, decision.reason.length - (full.length - TAG_VALUE_LIMIT) - 1);
    return JSON.stringify({ ...decision, reason: `${decision.reason.slice(0, keep)}…` });
}

export function parseDecision(text: string): HookDecision | undefined {
    try {
        const value = JSON.parse(text) as Partial<HookDecision>;
        if (value.action !== "continue" && value.action !== "rollback") return undefined;
        if (typeof value.by !== "string" || typeof value.at !== "string" || typeof value.deployment !== "string" || typeof value.via !== "string")
            return undefined;
        return value as HookDecision;
    } catch {
        return undefined;
    }
}

/** The decisions recorded for one update, in the order they were made. */
export function decisionsOf(tags: Readonly<Record<string, string>>, version: number): HookDecision[] {
    const prefix = `${DECISION_TAG_PREFIX}${version}:`;
    return Object.entries(tags)
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, value]) => ({ n: Number(name.slice(prefix.length)), decision: parseDecision(value) }))
        .filter((d): d is { n: number; decision: HookDecision } => Number.isInteger(d.n) && d.decision !== undefined)
        .sort((a, b) => a.n - b.n)
        .map((d) => d.decision);
}

/** Every update's decisions, by update version. */
export function decisionsByVersion(tags: Readonly<Record<string, string>>): Map<number, HookDecision[]> {
    const versions = new Set(
        Object.keys(tags)
            .filter((name) => name.startsWith(DECISION_TAG_PREFIX))
            .map((name) => Number(name.slice(DECISION_TAG_PREFIX.length).split(":")[0])),
    );
    return new Map([...versions].filter(Number.isInteger).map((v) => [v, decisionsOf(tags, v)]));
}

/** Records a decision of the update under its own time; the tag's name. */
export async function writeDecision(stack: { setTag(name: string, value: string): Promise<void> }, version: number, decision: HookDecision): Promise<string> {
    const name = decisionTagName(version, Date.parse(decision.at));
    await stack.setTag(name, formatDecision(decision));
    return name;
}

/** One phrase: `approved by alice at … ("looks good")`. */
export function describeDecision(d: HookDecision): string {
    const verb = d.action === "continue" ? "continued" : "rolled back";
    const how = { approve: "approve", abort: "abort", "smoke-test": "the smoke test", interrupt: "Ctrl-C", reconcile: "reconcile" }[d.via];
    return `${verb} by ${d.by} via ${how} at ${d.at}${d.stage ? ` (stage ${d.stage})` : ""}${d.reason ? `: "${d.reason}"` : ""}`;
}
