// `--progress steps`: the engine's work as one line per resource operation, read from its typed
// events (not its text): what a person follows during an update without the engine's full output.
import type { EngineEvent, OpMap, OpType } from "@pulumi/pulumi/automation";

const SYMBOLS: Partial<Record<OpType, string>> = {
    create: "+",
    update: "~",
    delete: "-",
    replace: "+-",
    import: "=",
};

/** The resource's name: the last `::` part of its URN. */
function resourceName(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/**
 * One line for an event a person should see, else undefined: a resource step that changes something
 * (`~ update aws:ecs/service:Service web [diff: taskDefinition]`), a failed step, an error diagnostic, the
 * summary. Steps that change nothing (`same`, reads, the stack itself), provider plugins' own steps and
 * a replacement's two halves (its `replace` line says it) are left out.
 */
export function engineStepLine(event: EngineEvent): string | undefined {
    const step = event.resourcePreEvent?.metadata;
    if (step) {
        const symbol = SYMBOLS[step.op];
        if (symbol === undefined || step.type === "pulumi:pulumi:Stack" || step.type.startsWith("pulumi:providers:")) return undefined;
        const changed = step.diffs?.length ? step.diffs : Object.keys(step.detailedDiff ?? {});
        const diff = (step.op === "update" || step.op === "replace") && changed.length > 0 ? ` [diff: ${changed.join(", ")}]` : "";
        return `${symbol} ${step.op} ${step.type} ${resourceName(step.urn)}${diff}`;
    }
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) return `! ${failed.op} failed: ${failed.type} ${resourceName(failed.urn)}`;
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error") return `error: ${diagnostic.message.trim().split("\n")[0]}`;
    const summary = event.summaryEvent;
    if (summary) return `= ${formatChanges(summary.resourceChanges)} (${summary.durationSeconds}s)`;
    return undefined;
}

/** `1 update, 3 same`, in the engine's order of operations. */
function formatChanges(changes: OpMap): string {
    const parts = Object.entries(changes)
        .filter(([, count]) => (count ?? 0) > 0)
        .map(([op, count]) => `${count} ${op}`);
    return parts.length > 0 ? parts.join(", ") : "no changes";
}
