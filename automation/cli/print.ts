// What the CLI prints for a person (`--json` prints the results as they are): an update's
// result, the history and status tables, all laid out by one table printer.
import { describeDecision } from "../record/decisions";
import { formatCounts } from "../aws/scanGate";
import type { EcsState, ProtectionState, StatusResult } from "../commands/status";
import type { Deployment } from "../record/history";
import { escapeUnprintable } from "../record/printable";
import type { DeployResult } from "../update/outcome";

/**
 * Columns padded to their widest cell, two spaces apart, one line a row. Each cell on one line: a line
 * break an older driver recorded (in a requester, say) is shown escaped and must not forge a row.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => escapeUnprintable(r[i]).length)));
    const line = (cells: readonly string[]) =>
        cells
            .map((c, i) => escapeUnprintable(c).padEnd(widths[i]))
            .join("  ")
            .trimEnd() + "\n";
    return [line(header), ...rows.map(line)].join("");
}

export function printResult(result: DeployResult, json: boolean, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
    if (result.evidenceWriteError) err.write(`warning: ${result.evidenceWriteError}\n`);
    for (const warning of result.warnings ?? []) err.write(`warning: ${warning}\n`);
    for (const problem of result.evidence?.protection?.problems ?? []) err.write(`warning: protection: ${problem}\n`);
    if (json) {
        out.write(
            JSON.stringify(
                result.evidence ?? { kind: result.kind, stack: result.stack, image: result.image, resolved: result.resolved, unchanged: result.unchanged },
                null,
                2,
            ) + "\n",
        );
        return;
    }
    if (result.unchanged) {
        out.write(`${result.stack}: ${result.unchanged}\n`);
        return;
    }
    for (const line of result.recovered) out.write(`recovered: ${line}\n`);
    const index = result.resolved.isIndex ? " (image index: multi-platform or with attestations)" : "";
    const verb = {
        preview: "would deploy",
        rollback: "rolled back",
        up: "updated (image unchanged)",
        deploy: "deployed",
        promote: "promoted",
        reconcile: "reconciled",
    }[result.kind];
    out.write(`${verb} ${result.stack}: ${result.kind === "preview" ? "" : "the stack runs "}${result.image}${index}\n`);
    const from = result.promotedFrom;
    if (from) out.write(`from: ${from.stack} update ${from.version}${from.tag ? ` (${from.tag})` : ""}, ${from.digest}\n`);
    if (result.previousImage) out.write(`previous: ${result.previousImage}\n`);
    if (result.rollout) out.write(`rollout: ${result.rollout.deploymentId ?? "no new ECS deployment"} ${result.rollout.state}\n`);
    printGuards(result, out);
    if (result.verify) out.write(`verify: ${result.verify.inSync ? "ECS runs the recorded image" : "DRIFT"}\n`);
    else if (result.verifySkipped && result.kind !== "preview") out.write(`verify: not run: ${result.verifySkipped}\n`);
}

/** What the scan gate, a restore and the protective tags did, from the evidence. */
function printGuards(result: DeployResult, out: NodeJS.WritableStream): void {
    const evidence = result.evidence;
    const scan = evidence?.scan;
    if (scan && scan.decision !== "off") {
        const counts = scan.counts ? `; findings: ${formatCounts(scan.counts)}` : "";
        out.write(
            scan.decision === "accepted"
                ? `scan: ACCEPTED (${scan.status}${counts}, threshold ${scan.threshold}): "${scan.accepted?.reason}" (${scan.accepted?.by})\n`
                : `scan: ${scan.decision} (${scan.status}${counts}, threshold ${scan.threshold})\n`,
        );
    }
    const restore = evidence?.restore;
    if (restore)
        out.write(
            `restored: ${evidence.requestedDigest} was ${restore.found}${restore.requested ? ", restore requested" : ""}, ACTIVE after ${Math.round(restore.waitedMs / 1000)}s\n`,
        );
    const protection = evidence?.protection;
    if (protection) {
        const digests = new Set(Object.values(protection.protected));
        out.write(
            `protected: ${digests.size} digest(s) (${protection.tags})` +
                `${protection.released.length > 0 ? `; released ${protection.released.join(", ")}` : ""}\n`,
        );
    }
}

export function formatHistory(deployments: readonly Deployment[]): string {
    if (deployments.length === 0) return "no deployments\n";
    const rows = deployments.map((d) => [
        String(d.version),
        d.startTime.toISOString().replace(".000Z", "Z"),
        d.endTime ? d.endTime.toISOString().replace(".000Z", "Z") : "-",
        d.result,
        d.operation === "update" ? d.release.verdict : "-",
        d.kind === "other"
            ? d.operation
            : d.promotedFrom
              ? `promote (${d.promotedFrom.stack} #${d.promotedFrom.version})`
              : d.reconcileOf?.version !== undefined
                ? `reconcile (of #${d.reconcileOf.version})`
                : d.kind,
        d.tag ?? "-",
        d.digest ? `${d.digest.slice(0, 19)}…` : "-",
        d.requestedBy ?? (d.kind === "manual" ? "(pulumi up by hand)" : "-"),
        d.running ? "*" : "",
    ]);
    const table = formatTable(["VERSION", "STARTED", "FINISHED", "RESULT", "RELEASE", "KIND", "TAG", "DIGEST", "WHO", "RUNS"], rows);
    // ECS's own record and the decisions at PAUSE hooks, under the table: one line per update that has them.
    const notes = deployments.flatMap((d) => {
        // A plain success says nothing the RELEASE column does not: no line for it.
        const plain = d.ecs?.status === "SUCCESSFUL" && !d.ecs.alarms?.length && !d.ecs.early && !d.decisions?.length;
        if (plain) return [];
        const why = d.ecs?.status === "SUCCESSFUL" ? undefined : (d.ecs?.rollback ?? d.ecs?.reason);
        const said = [
            ...(d.ecs ? [`ECS ${d.ecs.status}${why ? `: ${why}` : ""}`] : []),
            ...(d.ecs?.alarms?.length ? [`alarms ${d.ecs.alarms.join(", ")}`] : []),
            ...(d.ecs?.early ? ["ended early (the circuit breaker and alarms stopped watching)"] : []),
            ...(d.decisions ?? []).map(describeDecision),
        ];
        return said.length > 0 ? [`#${d.version}: ${said.join("; ")}`] : [];
    });
    return notes.length > 0 ? `${table}\n${notes.join("\n")}\n` : table;
}

/**
 * The table `status` prints. A cell that could not be filled gets one clause and a number (`no
 * credentials [1]`); the full messages follow the table, numbered, so the table stays readable.
 */
export function formatStatus(result: StatusResult): string {
    if (result.stacks.length === 0) {
        return `no stacks of project \`${result.project}\` in ${result.backendUrl}${result.note === undefined ? "" : ` (${result.note})`}
`;
    }
    const details: string[] = [];
    const noted = (stack: string, column: string, reason: string, message: string) => {
        details.push(`[${details.length + 1}] ${stack} ${column}: ${message}`);
        return `${reason} [${details.length}]`;
    };
    const rows = result.stacks.map((s) =>
        s.problem !== undefined
            ? [s.stack, "-", "-", "-", "-", "-", "-", "-", "-", s.reason === undefined ? s.problem : noted(s.stack, "NOTE", s.reason, s.problem)]
            : [
                  s.stack,
                  s.version === undefined ? "-" : String(s.version),
                  s.digest ? `${s.digest.slice(0, 19)}…` : "-",
                  s.tag ?? "-",
                  s.when ? s.when.replace(/\.\d{3}Z$/, "Z") : "-",
                  s.who ?? "-",
                  s.ecs !== undefined && "notChecked" in s.ecs ? noted(s.stack, "ECS", s.ecs.reason, s.ecs.notChecked) : ecsCell(s.ecs),
                  s.release?.verdict ?? "-",
                  s.protection !== undefined && "unknown" in s.protection
                      ? noted(s.stack, "PROTECTED", s.protection.reason, s.protection.unknown)
                      : protectionCell(s.protection),
                  "",
              ],
    );
    const table = formatTable(["STACK", "VERSION", "DIGEST", "TAG", "WHEN", "WHO", "ECS", "RELEASE", "PROTECTED", "NOTE"], rows);
    return details.length === 0 ? table : `${table}\n${details.map((d) => escapeUnprintable(d) + "\n").join("")}`;
}

function ecsCell(ecs: Exclude<EcsState, { notChecked: string }> | undefined): string {
    if (ecs === undefined) return "-";
    return ecs.inSync
        ? ecs.rolloutFailed
            ? "in sync (deployment FAILED)"
            : ecs.rollingOut
              ? "in sync (rolling out)"
              : "in sync"
        : `DRIFT (runs ${ecs.running.map((r) => r.slice(r.indexOf("@") + 1, r.indexOf("@") + 20) + "…").join(", ") || "nothing"})`;
}

function protectionCell(protection: Exclude<ProtectionState, { unknown: string }> | undefined): string {
    if (protection === undefined) return "-";
    const archived = protection.imageStatus !== "ACTIVE" ? ` (${protection.imageStatus})` : "";
    return protection.protected ? `yes (${protection.tags.join(", ")})${archived}` : `no${archived}`;
}
