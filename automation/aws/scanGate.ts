// The scan gate: before `deploy` and `promote` the driver reads the scan
// findings of the exact digest it is about to deploy (DescribeImageScanFindings
// in the stack's own repository) and refuses findings at or above the stack's
// threshold (`<project>:scanThreshold`, default CRITICAL) unless the command
// says why they are accepted (`--accept-findings "<reason>"`), which the
// evidence records with the counts by severity. A scan still running is waited
// for, up to `<project>:scanWait` (default 5m; `0` refuses at once). A digest with
// no findings to read (never scanned, scan failed, unsupported image) is
// deployed with a warning, or refused with `papyrus:scanRequired: true`.
//
// `rollback` is not gated: it puts back a digest that ran before, and an
// incident is no time to be stopped by a finding published since.
import { DescribeImageScanFindingsCommand, ECRClient, ImageNotFoundException, ScanNotFoundException } from "@aws-sdk/client-ecr";
import { awsUnavailable } from "./awsErrors";
import { qualifiedKey, SEVERITIES, Severity } from "../../components/configSchema";
import { DeployError, EXIT_CODES, ImageNotFoundError, InterruptedError, InvalidInputError } from "../record/errors";
import { escapeUnprintable, hasUnprintable } from "../record/printable";
import type { ScanNote } from "../record/evidence";
import { readSetting, StackConfigValues } from "../record/updateConfig";
import { formatDuration } from "../../components/duration";
import { sleep } from "./wait";

/** One DescribeImageScanFindings per poll while a scan runs. */
export const SCAN_POLL_MS = 10_000;
/** A progress line at most this often. */
export const SCAN_PROGRESS_MS = 30_000;

export interface ScanGateSettings {
    /** Findings of this severity or worse refuse the deploy; `off`: the gate reads nothing. */
    readonly threshold: Severity | "off";
    readonly waitMs: number;
    /** Refuse a digest whose findings cannot be read (no scan, failed, unsupported). */
    readonly required: boolean;
}

/** The gate's settings from the stack config (values as text, by qualified key), every bad value refused with its key. */
export function scanGateSettings(config: StackConfigValues): ScanGateSettings {
    return { threshold: readSetting(config, "scanThreshold"), waitMs: readSetting(config, "scanWait"), required: readSetting(config, "scanRequired") };
}

/**
 * `--accept-findings` as given, trimmed: a reason a reviewer can read later, never empty, on one
 * line. A control character or a line break is refused (shown escaped): the reason is printed and
 * recorded, and a line break would forge a line of the output.
 */
export function acceptFindingsReason(text: string): string {
    const reason = text.trim();
    if (reason === "") {
        throw new InvalidInputError(
            "--accept-findings",
            text,
            'must say why the findings are accepted (e.g. `--accept-findings "CVE-2025-1234: the parser is not reachable; fixed in v2.1"`), and is empty',
        );
    }
    if (hasUnprintable(reason)) {
        throw new InvalidInputError(
            "--accept-findings",
            escapeUnprintable(text),
            "has a control character or a line break (shown escaped); give the reason on one line of plain text " +
                '(e.g. `--accept-findings "CVE-2025-1234: the parser is not reachable; fixed in v2.1"`)',
        );
    }
    return reason;
}

/** The counts of `counts` at or above `threshold` (severities ECR adds later, `UNDEFINED`, `UNTRIAGED`, never reach one). */
export function findingsAtOrAbove(counts: Readonly<Record<string, number>>, threshold: Severity): Record<string, number> {
    const reached = SEVERITIES.slice(0, SEVERITIES.indexOf(threshold) + 1);
    return Object.fromEntries(reached.filter((s) => (counts[s] ?? 0) > 0).map((s) => [s, counts[s]]));
}

/** `2 CRITICAL, 5 HIGH`; `none` for no findings. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
    const order = (s: string) => {
        const i = (SEVERITIES as readonly string[]).indexOf(s);
        return i === -1 ? SEVERITIES.length : i;
    };
    const entries = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b));
    return entries.length === 0 ? "none" : entries.map(([s, n]) => `${n} ${s}`).join(", ");
}

/** The gate refused: nothing was changed. */
export class ScanFindingsError extends DeployError {
    readonly exitCode = EXIT_CODES.scanFindings;
    constructor(
        readonly stack: string,
        readonly digest: string,
        reason: string,
        command: string,
    ) {
        super(
            `${digest} is not deployed to stack \`${stack}\`: ${reason}; nothing was changed. Deploy a fixed build, or, if the risk is understood, ` +
                `run \`${command} --accept-findings "<why>"\` (the reason and the counts go into the evidence)`,
        );
    }
}

export interface ScanGateArgs {
    readonly ecr: ECRClient;
    readonly repositoryName: string;
    readonly digest: string;
    readonly stack: string;
    /** The stack's project: its keys are named `<project>:scanThreshold`, …. */
    readonly project: string;
    readonly settings: ScanGateSettings;
    /** `--accept-findings`, checked with `acceptFindingsReason`. */
    readonly acceptReason?: string;
    readonly requestedBy: string;
    /** The command to repeat with `--accept-findings`, for the refusal. */
    readonly command: string;
    readonly pollMs?: number;
    readonly progressMs?: number;
    readonly onProgress?: (line: string) => void;
    readonly signal?: AbortSignal;
}

// Stryker disable all: the gate's ECR reads and its wait (DescribeImageScanFindings, polls, progress), tested
// against moto by the engine suites; left out of `npm run mutate` (docs/TESTING.md).
/** Settled statuses that carry findings; ENHANCED scanning reports `ACTIVE` for a digest it keeps scanning. */
const WITH_FINDINGS = ["COMPLETE", "ACTIVE"];
const RUNNING = ["IN_PROGRESS", "PENDING"];

/** Reads the digest's findings (waiting for a running scan) and returns what the evidence records; throws `ScanFindingsError` on a refusal. */
export async function checkScanGate(args: ScanGateArgs): Promise<ScanNote> {
    const { settings, digest } = args;
    if (settings.threshold === "off") return { threshold: "off", decision: "off" };
    const threshold = settings.threshold;
    const accepted = args.acceptReason === undefined ? undefined : { reason: args.acceptReason, by: args.requestedBy };
    const pollMs = args.pollMs ?? SCAN_POLL_MS;
    const progressMs = args.progressMs ?? SCAN_PROGRESS_MS;
    const started = Date.now();
    let lastProgress: number | undefined;
    let polls = 0;
    for (;;) {
        const scan = await readFindings(args);
        const waitedMs = Date.now() - started;
        const waited = polls > 0 ? { waitedMs } : {};
        if (WITH_FINDINGS.includes(scan.status)) {
            const counts = scan.counts;
            const reached = findingsAtOrAbove(counts, threshold);
            const base = { threshold, status: scan.status, counts, completedAt: scan.completedAt, ...waited };
            if (Object.keys(reached).length === 0) {
                if (accepted)
                    args.onProgress?.(
                        `note: --accept-findings was not needed: the scan of ${digest} found nothing at or above ${threshold} (${formatCounts(counts)})\n`,
                    );
                return { ...base, decision: "passed" };
            }
            if (accepted) return { ...base, decision: "accepted", accepted };
            throw new ScanFindingsError(
                args.stack,
                digest,
                `its scan found ${formatCounts(reached)} (at or above the stack's threshold ${threshold}, \`${qualifiedKey(args.project, "scanThreshold")}\`; all findings: ${formatCounts(counts)})`,
                args.command,
            );
        }
        if (RUNNING.includes(scan.status) && waitedMs < settings.waitMs) {
            if (lastProgress === undefined || Date.now() - lastProgress >= progressMs) {
                lastProgress = Date.now();
                args.onProgress?.(
                    `waiting for the scan of ${digest} in \`${args.repositoryName}\` (${scan.status}): ${formatDuration(waitedMs)} of ${formatDuration(settings.waitMs)}\n`,
                );
            }
            if (await sleep(Math.min(pollMs, settings.waitMs - waitedMs), args.signal)) {
                throw new InterruptedError(args.stack, "interrupted while waiting for the image's scan; nothing was changed");
            }
            polls++;
            continue;
        }
        const base = { threshold, status: scan.status, ...waited };
        if (RUNNING.includes(scan.status)) {
            if (accepted) return { ...base, decision: "accepted", accepted };
            throw new ScanFindingsError(
                args.stack,
                digest,
                `its scan is still ${scan.status} after waiting ${formatDuration(settings.waitMs)} (\`${qualifiedKey(args.project, "scanWait")}\`), so its findings are unknown; run the command again when the scan is done`,
                args.command,
            );
        }
        // No findings to read: never scanned, failed, unsupported, archived, …
        const why =
            scan.status === "NOT_FOUND"
                ? "it has no scan (scan on push was off when it was pushed, or it was never scanned)"
                : `its scan is ${scan.status}${scan.description ? ` (${scan.description})` : ""}`;
        if (accepted) return { ...base, decision: "accepted", accepted };
        if (settings.required) {
            throw new ScanFindingsError(
                args.stack,
                digest,
                `${why}, and \`${qualifiedKey(args.project, "scanRequired")}\` is true; start one with \`aws ecr start-image-scan --repository-name ${args.repositoryName} --image-id imageDigest=${digest}\``,
                args.command,
            );
        }
        args.onProgress?.(
            `warning: no scan findings for ${digest}: ${why}; deploying without the gate (\`${qualifiedKey(args.project, "scanRequired")}: true\` refuses this)\n`,
        );
        return { ...base, decision: "unavailable" };
    }
}

async function readFindings(args: ScanGateArgs): Promise<{ status: string; description?: string; counts: Record<string, number>; completedAt?: string }> {
    try {
        const out = await args.ecr.send(
            new DescribeImageScanFindingsCommand({
                repositoryName: args.repositoryName,
                imageId: { imageDigest: args.digest },
                maxResults: 1,
            }),
        );
        const findings = out.imageScanFindings;
        return {
            status: out.imageScanStatus?.status ?? "NOT_FOUND",
            description: out.imageScanStatus?.description,
            counts: { ...(findings?.findingSeverityCounts ?? {}) },
            completedAt: findings?.imageScanCompletedAt?.toISOString(),
        };
    } catch (err) {
        if (err instanceof ScanNotFoundException) return { status: "NOT_FOUND", counts: {} };
        if (err instanceof ImageNotFoundException) throw new ImageNotFoundError(args.repositoryName, "digest", args.digest);
        throw awsUnavailable(err, "ECR") ?? err;
    }
}

/** What the gate needs of the driver's session (structurally: the driver passes its session). */
export interface GateSession {
    /** The stack as the caller named it. */
    readonly displayName: string;
    /** The stack's plain config values (`Pulumi.<stack>.yaml`). */
    readonly config: StackConfigValues;
    readonly requestedBy: string;
    readonly options: { readonly onOutput?: (text: string) => void; readonly signal?: AbortSignal };
}

/** The gate on the digest `resolved` names, with the stack's settings; `accept` is `--accept-findings` (checked). */
export function gateDigest(
    session: GateSession,
    ecr: ECRClient,
    resolved: { readonly repositoryName: string; readonly digest: string },
    accept: string | undefined,
    command: string,
): Promise<ScanNote> {
    const settings = scanGateSettings(session.config);
    return checkScanGate({
        ecr,
        repositoryName: resolved.repositoryName,
        digest: resolved.digest,
        stack: session.displayName,
        project: session.config.project,
        settings,
        acceptReason: accept,
        requestedBy: session.requestedBy,
        command,
        onProgress: session.options.onOutput,
        signal: session.options.signal,
    });
}
// Stryker restore all
