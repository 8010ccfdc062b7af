// papyrus-deploy: a thin CLI over the driver. It parses flags, calls one
// driver function, prints the result (a table, or JSON with --json) and picks
// the exit code from the typed error. Engine output goes to stderr so that
// stdout stays machine-readable.
import { CommandName } from "./commandTable";
import { commandOptions, flagForInput } from "./commandOptions";
import { CommandLineError, parseCommandLine, ParsedCommandLine } from "./parseCommandLine";
import { commandUsage, usage } from "./usage";
import { deploy, history, promote, reapply, reconcile, rollback, unlock, verify, DeployResult } from "../driver";
import { DeployError, EXIT_CODES, ImageNotFoundError, InvalidInputError } from "../record/errors";
import { Deployment } from "../record/history";
import { describeHolder } from "../engine/lock";
import { escapeUnprintable } from "../record/printable";
import { formatCounts } from "../aws/scanGate";
import { formatStatus, status } from "../commands/status";

/** The general usage, generated from the command table (cliCommands.ts). */
export const USAGE = usage();

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
        err.write(`\nreceived ${signal}: cancelling the update (the engine stops at a safe point)…\n`);
        controller.abort();
    };
    // SIGHUP too: a closed terminal or a lost SSH session must cancel like Ctrl-C, not kill mid-step.
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const s of signals) process.on(s, onSignal);
    const json = argv.includes("--json");
    try {
        return await run(argv, out, err, controller.signal);
    } catch (e) {
        const known = e instanceof DeployError;
        const message = known ? e.message : String((e as Error)?.message ?? e);
        // A bug gets its stack trace; everything the driver knows about gets a sentence.
        err.write(`error: ${known ? message : ((e as Error)?.stack ?? message)}\n`);
        if (e instanceof CommandLineError) err.write(`\n${e.usageText}`);
        const code = known ? e.exitCode : EXIT_CODES.unexpected;
        if (json) {
            const payload = known && e.evidence ? e.evidence : { error: { code, message } };
            out.write(JSON.stringify(payload, null, 2) + "\n");
        }
        return code;
    } finally {
        for (const s of signals) process.off(s, onSignal);
    }
}

async function run(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
    const parsed = parseCommandLine(argv);
    try {
        return await runParsed(parsed, out, err, signal);
    } catch (e) {
        throw parsed.kind === "run" ? namingFlags(e, parsed.command) : e;
    }
}

/**
 * The library names its inputs (`tag`, `stackName`); a user of the CLI typed flags. An error that
 * names an input is told again with the flag that gave it, found in the command table.
 */
function namingFlags(e: unknown, command: CommandName): unknown {
    if ((e instanceof InvalidInputError && !(e instanceof CommandLineError)) || e instanceof ImageNotFoundError) {
        const flag = flagForInput(command, e.input);
        return flag === undefined ? e : e.withInput(flag);
    }
    return e;
}

async function runParsed(parsed: ParsedCommandLine, out: NodeJS.WritableStream, err: NodeJS.WritableStream, signal: AbortSignal): Promise<number> {
    if (parsed.kind === "usage") {
        out.write(USAGE);
        return parsed.exitCode;
    }
    if (parsed.kind === "commandHelp") {
        out.write(commandUsage(parsed.command));
        return EXIT_CODES.ok;
    }
    const { command, values } = parsed;
    const json = values.json === true;
    const printer = (result: DeployResult) => {
        printResult(result, json, out, err);
        return EXIT_CODES.ok;
    };
    if (command === "status") {
        // Every stack of the project: no --stack, no lock.
        const result = await status(commandOptions(command, values));
        if (result.note !== undefined) err.write(`warning: ${result.note}\n`);
        out.write(json ? JSON.stringify(result, null, 2) + "\n" : formatStatus(result));
        return EXIT_CODES.ok;
    }
    const context = { onOutput: (text: string) => err.write(text), signal };
    switch (command) {
        case "deploy":
            return printer(await deploy({ ...commandOptions(command, values), ...context }));
        case "rollback":
            return printer(await rollback({ ...commandOptions(command, values), ...context }));
        case "promote":
            return printer(await promote({ ...commandOptions(command, values), ...context }));
        case "up":
            return printer(await reapply({ ...commandOptions(command, values), ...context }));
        case "reconcile":
            return printer(await reconcile({ ...commandOptions(command, values), ...context }));
        case "history": {
            const result = await history({ ...commandOptions(command, values), ...context });
            if (result.runningProblem) err.write(`warning: no RUNS mark: the stack's state does not say what runs: ${result.runningProblem}\n`);
            out.write(json ? JSON.stringify(result, null, 2) + "\n" : formatHistory(result.deployments));
            return EXIT_CODES.ok;
        }
        case "unlock": {
            const result = await unlock({ ...commandOptions(command, values), ...context });
            if (json) out.write(JSON.stringify(result, null, 2) + "\n");
            else
                out.write(
                    result.removed === null && result.reason === undefined
                        ? `${result.stack}: no driver lock in this checkout (\`${result.lockFile}\`); nothing was removed\n`
                        : `unlocked ${result.stack}: removed driver lock \`${result.lockFile}\`` +
                              `${result.removed ? ` held by ${describeHolder(result.removed)}, ${result.age} old` : ""}: ${result.reason}\n`,
                );
            return EXIT_CODES.ok;
        }
        case "verify": {
            const result = await verify({ ...commandOptions(command, values), ...context });
            if (json) out.write(JSON.stringify(result, null, 2) + "\n");
            else {
                out.write(
                    !result.inSync
                        ? `DRIFT: stack recorded ${result.recorded}; ${result.service} runs ${result.running.join(", ")}\n`
                        : result.rolloutFailed
                          ? `FAILED: ${result.service} runs ${result.recorded}, but ECS marked its primary deployment FAILED (without rolling back); deploy a fixed tag or roll back\n`
                          : result.rollingOut
                            ? `rolling out: ${result.service} runs ${result.recorded}, but ECS's primary deployment is still IN_PROGRESS; run verify again later\n`
                            : `in sync: ${result.service} runs ${result.recorded}, rollout completed\n`,
                );
                if (result.release) {
                    const settled = result.verdictTag ? ` (recorded now as stack tag ${result.verdictTag})` : "";
                    out.write(`release: update ${result.version} is ${result.release.verdict}${settled}\n`);
                }
            }
            return !result.inSync || result.rolloutFailed ? EXIT_CODES.drift : result.rollingOut ? EXIT_CODES.rolloutTimeout : EXIT_CODES.ok;
        }
    }
}

function printResult(result: DeployResult, json: boolean, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
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
        infra: "updated (image unchanged)",
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
    const header = ["VERSION", "STARTED", "FINISHED", "RESULT", "RELEASE", "KIND", "TAG", "DIGEST", "WHO", "RUNS"];
    // Each cell on one line: a line break an older driver recorded (in a requester, say) must not forge a row.
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => escapeUnprintable(r[i]).length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => escapeUnprintable(c).padEnd(widths[i]))
            .join("  ")
            .trimEnd() + "\n";
    return [line(header), ...rows.map(line)].join("");
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
