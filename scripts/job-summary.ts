// The GitHub job summary of a deploy, rollback or promote: what the stack runs
// now (stack, tag, digest, previous digest), how the command ended, what ECS did
// with the rollout, and where the service answers. It reads the driver's evidence
// record and writes markdown to $GITHUB_STEP_SUMMARY and `url=<load balancer>` to
// $GITHUB_OUTPUT (the job's environment URL). It runs after the command whatever
// happened (`if: always()`): with no evidence file it writes what it knows and
// says the evidence is missing.
//
//   npx ts-node --transpile-only scripts/job-summary.ts --command deploy --stack dev \
//     --evidence evidence/deploy.json --result evidence/deploy-result.json --exit-code 0 --tag v1.2.3
//
// Exit 0 when the summary was written (whatever the command's result: the command's
// own step fails the job), 2 for a usage error, 1 when the summary could not be written.
import * as fs from "fs";
import { parseArgs } from "util";
import { EXIT_CODE_MEANINGS, EXIT_CODES } from "../automation/record/errors";
import type { EvidenceRecord } from "../automation/record/evidence";
import { updateKindOf } from "../automation/record/updateKinds";

/** What ECS did with the deployment the update started (the driver follows it by its ECS deployment id). */
export type RolloutState = "COMPLETED" | "FAILED" | "IN_PROGRESS" | "UNCHANGED";

/**
 * The evidence record as this script reads it: `EvidenceRecord`, every field optional (a record from an older
 * driver, or one cut short, still renders), plus the fields the driver records since issue 12.
 */
export type SummaryEvidence = Partial<Omit<EvidenceRecord, "kind" | "rollout" | "loadBalancerUrl" | "reconcileOf" | "reconciledBy">> & {
    /** `infra`: what drivers before the name `up` recorded for it (read as `up`). */
    readonly kind?: EvidenceRecord["kind"] | "infra";
    readonly rollout?: {
        readonly deploymentId?: string;
        readonly state: RolloutState;
        /** The digest ECS runs at the end of the rollout. */
        readonly runningDigest?: string;
        /** New ECS service events seen while following the rollout. */
        readonly events?: readonly string[];
    };
    readonly loadBalancerUrl?: string;
    /** For `kind: reconcile`: the update ECS rolled back, and the digest it had asked for. */
    readonly reconcileOf?: { readonly version?: number; readonly digest?: string };
    /** On the update ECS rolled back: the reconcile that `--on-rollback reconcile` ran after it. */
    readonly reconciledBy?: { readonly updateVersion?: number; readonly digest: string | null; readonly result: string; readonly error?: string };
};

export type SummaryCommand = "deploy" | "rollback" | "promote";

export interface SummaryInput {
    readonly command: SummaryCommand;
    /** The stack as the workflow names it (its input). */
    readonly stack: string;
    /** The path the evidence was asked for, as the summary names it. */
    readonly evidencePath: string;
    /** The record, or why there is none. */
    readonly evidence: { readonly record: SummaryEvidence; readonly from?: string } | { readonly missing: string };
    /** The command's exit code; undefined when its step did not run (an earlier step failed, or the run was cancelled). */
    readonly exitCode?: number;
    /** `{"error": {"code", "message"}}` from `--json` when nothing ran. */
    readonly error?: string;
    /** The tag the workflow was asked to deploy (deploy), or the source's tag (promote). */
    readonly tag?: string;
    /** promote: the source stack's update, as the source job picked it. */
    readonly source?: { readonly stack: string; readonly version?: string; readonly digest?: string };
}

export interface Summary {
    readonly markdown: string;
    /** The load balancer's URL, when the evidence has one that is http(s): the job environment's URL. */
    readonly url?: string;
}

const ROLLOUT_MEANINGS: Record<RolloutState, string> = {
    COMPLETED: "ECS finished the deployment",
    FAILED: "ECS failed the deployment and rolled it back",
    IN_PROGRESS: "still rolling out when the driver stopped waiting",
    UNCHANGED: "no new ECS deployment: the service already ran this task definition",
};

/** How many of the rollout's ECS events the summary lists (the newest). */
const MAX_EVENTS = 10;

/** The markdown of the summary, and the environment URL. Pure: every input is in `input`. */
export function jobSummary(input: SummaryInput): Summary {
    const record = "record" in input.evidence ? input.evidence.record : undefined;
    const lines: string[] = [`### ${title(input)}: ${outcome(input, record)}`, "", "| | |", "| --- | --- |"];
    const row = (key: string, value: string) => lines.push(`| ${key} | ${cell(value)} |`);
    const digest = text(record?.imageDigest);
    const url = httpUrl(record?.loadBalancerUrl);

    row("stack", code(input.stack));
    if (input.command === "promote" && input.source !== undefined) {
        const source = input.source;
        row(
            "promoted from",
            [code(source.stack), source.version && `update ${source.version}`, source.digest && code(source.digest)].filter(Boolean).join(", "),
        );
    }
    row("tag", orElse(text(record?.imageTag) ?? input.tag, code, "none"));
    row(
        "digest",
        record === undefined ? "unknown (no evidence)" : record.imageDigest === null ? "none: the stack runs no service" : orElse(digest, code, "not recorded"),
    );
    const requested = text(record?.requestedDigest);
    if (requested !== undefined && requested !== digest) {
        row("requested digest", `${code(requested)}, not what the stack runs`);
    }
    row("previous digest", record === undefined ? "unknown (no evidence)" : orElse(text(record.previousDigest), code, "none"));
    row("result", resultText(input, record));
    row("ECS rollout", rolloutText(record));
    row("verify", verifyText(record));
    row(
        "load balancer",
        record?.loadBalancerUrl === undefined
            ? "not recorded"
            : (url ?? `${code(String(record.loadBalancerUrl))} (not an http(s) URL: the environment gets no link)`),
    );
    for (const [key, value] of historyRows(record)) {
        row(key, value);
    }
    if (text(record?.requestedBy) !== undefined) {
        row("requested by", text(record!.requestedBy)!);
    }

    const running = text(record?.rollout?.runningDigest);
    if (running !== undefined && digest !== undefined && running !== digest) {
        lines.push(
            "",
            `**ECS runs ${code(running)}, not the digest the stack records (${code(digest)}).** The next plain \`up\` would put the recorded one back; see the log for what to run.`,
        );
    }
    const events = (record?.rollout?.events ?? []).filter((e): e is string => typeof e === "string");
    if (events.length > 0) {
        lines.push("", `ECS service events${events.length > MAX_EVENTS ? ` (the last ${MAX_EVENTS} of ${events.length})` : ""}:`, "");
        lines.push(...events.slice(-MAX_EVENTS).map((event) => `- ${oneLine(event)}`));
    }
    const warnings = (record?.warnings ?? []).filter((w): w is string => typeof w === "string");
    if (warnings.length > 0) {
        lines.push("", "Warnings:", "", ...warnings.map((warning) => `- ${oneLine(warning)}`));
    }
    if ("missing" in input.evidence) {
        lines.push("", `No evidence record: ${input.evidence.missing}.`);
    } else if (input.evidence.from !== undefined) {
        lines.push("", `The evidence file ${code(input.evidencePath)} is missing; this record is ${input.evidence.from}.`);
    }
    const error = text(record?.error) ?? input.error;
    if (error !== undefined) {
        lines.push("", "Error:", "", fenced(error));
    }
    return { markdown: lines.join("\n") + "\n", url };
}

function title(input: SummaryInput): string {
    switch (input.command) {
        case "deploy":
            return `Deploy ${input.tag === undefined ? "" : `${code(input.tag)} `}to ${code(input.stack)}`;
        case "rollback":
            return `Roll back ${code(input.stack)}`;
        case "promote":
            return `Promote ${input.source === undefined ? "" : `${code(input.source.stack)} `}→ ${code(input.stack)}`;
    }
}

/** The command's end in a few words: from its exit code, or from the record when the step left none. */
function outcome(input: SummaryInput, record: SummaryEvidence | undefined): string {
    if (input.exitCode === undefined) {
        return record === undefined ? "did not run" : String(text(record.result) ?? "unknown");
    }
    if (input.exitCode === EXIT_CODES.ok) {
        return "succeeded";
    }
    return input.exitCode === EXIT_CODES.interrupted ? "interrupted (exit 130)" : `failed (exit ${input.exitCode})`;
}

function resultText(input: SummaryInput, record: SummaryEvidence | undefined): string {
    const parts: string[] = [];
    if (record !== undefined) {
        const kind = updateKindOf(text(record.kind)) ?? text(record.kind);
        const version = typeof record.updateVersion === "number" ? `, update ${record.updateVersion}` : "";
        parts.push(`${text(record.result) ?? "unknown"}${kind === undefined ? "" : ` (${kind}${version})`}`);
    }
    if (input.exitCode === undefined) {
        parts.push(`the ${input.command} step did not run or did not finish: an earlier step failed, or the run was cancelled`);
    } else {
        const name = (Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]).find((key) => EXIT_CODES[key] === input.exitCode);
        parts.push(`exit ${input.exitCode}: ${name === undefined ? "not an exit code papyrus-deploy gives" : EXIT_CODE_MEANINGS[name]}`);
    }
    return parts.join("; ");
}

function rolloutText(record: SummaryEvidence | undefined): string {
    const rollout = record?.rollout;
    if (rollout === undefined) {
        return "not recorded";
    }
    const state = String(rollout.state);
    const meaning = (ROLLOUT_MEANINGS as Record<string, string | undefined>)[state];
    const id = text(rollout.deploymentId);
    return `${code(state)}${id === undefined ? "" : ` (deployment ${code(id)})`}${meaning === undefined ? "" : `: ${meaning}`}`;
}

function verifyText(record: SummaryEvidence | undefined): string {
    const verify = record?.verify;
    if (verify === undefined) {
        return "not recorded";
    }
    if ("skipped" in verify) return `skipped: ${verify.skipped}`;
    if ("failed" in verify) return `could not check: ${verify.failed}`;
    if (verify.inSync) return "ECS runs the recorded digest";
    return `DRIFT: ECS runs ${(verify.running ?? []).map((image) => code(String(image))).join(", ") || "no task"}`;
}

/** Where this update's digest came from, when the record says: a rollback's target, a promote's source, a reconcile's failed update. */
function historyRows(record: SummaryEvidence | undefined): [string, string][] {
    const rows: [string, string][] = [];
    if (record?.rollbackOf !== undefined) {
        const of = record.rollbackOf;
        rows.push(["rolled back to", `update ${of.version}${of.digest === undefined ? "" : ` (${code(of.digest)})`}`]);
    }
    if (record?.promotedFrom !== undefined) {
        const from = record.promotedFrom;
        rows.push([
            "source",
            `${code(from.stack)} update ${from.version}, ${code(from.digest)}${from.digest === record.imageDigest ? ": the same digest" : ""}`,
        ]);
    }
    if (record?.reconcileOf !== undefined) {
        const of = record.reconcileOf;
        const update = [typeof of.version === "number" ? `update ${of.version}` : "an update", text(of.digest) && `(${code(of.digest!)})`]
            .filter(Boolean)
            .join(" ");
        rows.push(["reconciled", `ECS rolled back ${update}; this update records the digest ECS runs`]);
    }
    if (record?.reconciledBy !== undefined) {
        const by = record.reconciledBy;
        const update = typeof by.updateVersion === "number" ? `update ${by.updateVersion}` : "a reconcile";
        const records = text(by.digest) === undefined ? "" : `: the stack records ${code(by.digest!)}${by.result === "succeeded" ? ", what ECS runs" : ""}`;
        rows.push(["reconciled by", `${update} ${String(by.result)}${records}${text(by.error) === undefined ? "" : `; ${by.error}`}`]);
    }
    return rows;
}

/** A string value, or undefined for anything else (a record read from disk is not trusted to have the right types). */
function text(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

function orElse(value: string | undefined, format: (value: string) => string, otherwise: string): string {
    return value === undefined ? otherwise : format(value);
}

/** The URL when it is http(s), for the environment link; anything else gets no link. */
function httpUrl(value: unknown): string | undefined {
    if (typeof value !== "string" || /\s/.test(value)) return undefined;
    try {
        const url = new URL(value);
        return url.protocol === "https:" || url.protocol === "http:" ? value : undefined;
    } catch {
        return undefined;
    }
}

/** An inline code span that survives backticks inside the value. */
function code(value: string): string {
    const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    return longest === 0 ? `${fence}${value}${fence}` : `${fence} ${value} ${fence}`;
}

/** A fenced block longer than any backtick run inside the text. */
function fenced(value: string): string {
    const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(Math.max(3, longest + 1));
    return `${fence}text\n${value.replace(/\n+$/, "")}\n${fence}`;
}

/** A table cell: a `|` would end it and a line break would end the row. */
function cell(value: string): string {
    return oneLine(value).replace(/\|/g, "\\|");
}

function oneLine(value: string): string {
    return value.replace(/\s*\r?\n\s*/g, " ").trim();
}

// ---------------------------------------------------------------------------
// The command line: read the files, write the summary and the output.

const FLAGS = {
    command: { type: "string", value: "<deploy|rollback|promote>", help: "the papyrus-deploy command the job ran", required: true },
    stack: { type: "string", value: "<env>", help: "the stack the job changed (for promote: the target)", required: true },
    evidence: { type: "string", value: "<file>", help: "the evidence record the command was asked to write (`--evidence`)", required: true },
    result: { type: "string", value: "<file>", help: "the command's `--json` output: the error when nothing ran" },
    "exit-code": { type: "string", value: "<n>", help: "the command's exit code; empty when its step did not run" },
    tag: { type: "string", value: "<tag>", help: "deploy: the tag asked for; promote: the source's tag" },
    from: { type: "string", value: "<env>", help: "promote: the source stack" },
    "from-version": { type: "string", value: "<n>", help: "promote: the source's update" },
    "from-digest": { type: "string", value: "sha256:…", help: "promote: the source's digest" },
    help: { type: "boolean", help: "print this help" },
} as const;

export const USAGE = [
    "usage: job-summary.ts --command <deploy|rollback|promote> --stack <env> --evidence <file> [options]",
    "",
    "Writes the job summary to $GITHUB_STEP_SUMMARY (stdout without it) and url=<load balancer URL> to $GITHUB_OUTPUT.",
    "",
    ...Object.entries(FLAGS).map(([flag, spec]) => `  --${`${flag} ${"value" in spec ? spec.value : ""}`.padEnd(40)}${spec.help}`),
].join("\n");

class UsageError extends Error {}

/** Reads the evidence (and the `--json` output), writes the summary and the URL; returns the exit code. */
export function main(
    argv: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
    stdout: NodeJS.WritableStream = process.stdout,
    stderr: NodeJS.WritableStream = process.stderr,
): number {
    let input: SummaryInput;
    try {
        const parsed = parseCommandLine(argv);
        if (parsed === "help") {
            stdout.write(USAGE + "\n");
            return 0;
        }
        input = parsed;
    } catch (err) {
        const code = (err as { code?: string }).code;
        if (!(err instanceof UsageError || code?.startsWith("ERR_PARSE_ARGS"))) throw err;
        // Node's own words for an unknown flag change between versions; this one does not.
        const unknown = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'([^']+)'/.exec((err as Error).message)?.[1] : undefined;
        stderr.write(`job-summary: ${unknown === undefined ? (err as Error).message : `\`${unknown}\` is not a flag of job-summary.ts`}\n\n${USAGE}\n`);
        return 2;
    }
    const summary = jobSummary(input);
    try {
        if (env.GITHUB_STEP_SUMMARY) {
            fs.appendFileSync(env.GITHUB_STEP_SUMMARY, summary.markdown);
        } else {
            stdout.write(summary.markdown);
        }
        if (summary.url !== undefined && env.GITHUB_OUTPUT) {
            fs.appendFileSync(env.GITHUB_OUTPUT, `url=${summary.url}\n`);
        }
    } catch (err) {
        stderr.write(`job-summary: could not write the summary: ${(err as Error).message}\n`);
        return 1;
    }
    return 0;
}

function parseCommandLine(argv: readonly string[]): SummaryInput | "help" {
    const { values } = parseArgs({
        args: [...argv],
        options: Object.fromEntries(Object.entries(FLAGS).map(([flag, spec]) => [flag, { type: spec.type }])) as Record<
            keyof typeof FLAGS,
            { type: "string" | "boolean" }
        >,
        strict: true,
        allowPositionals: false,
    });
    const v = values as Partial<Record<keyof typeof FLAGS, string | boolean>>;
    if (v.help === true) return "help";
    const given = (flag: keyof typeof FLAGS) => (typeof v[flag] === "string" && v[flag] !== "" ? (v[flag] as string) : undefined);
    for (const [flag, spec] of Object.entries(FLAGS)) {
        if ("required" in spec && given(flag as keyof typeof FLAGS) === undefined) {
            throw new UsageError(`\`--${flag}\` is required: ${spec.help}`);
        }
    }
    const command = given("command")!;
    if (command !== "deploy" && command !== "rollback" && command !== "promote") {
        throw new UsageError(`\`--command\` must be \`deploy\`, \`rollback\` or \`promote\`, got \`${command}\``);
    }
    const exitText = given("exit-code");
    if (exitText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(exitText)) {
        throw new UsageError(`\`--exit-code\` must be the command's exit code (0-255) or empty when its step did not run, got \`${exitText}\``);
    }
    const evidencePath = given("evidence")!;
    const resultPath = given("result");
    const result = resultPath === undefined ? undefined : readJson(resultPath);
    const resultRecord = result !== undefined && "value" in result && isEvidence(result.value) ? result.value : undefined;
    const resultError = result !== undefined && "value" in result ? errorMessage(result.value) : undefined;
    const evidence = readJson(evidencePath);
    const from = given("from");
    return {
        command,
        stack: given("stack")!,
        evidencePath,
        evidence:
            "value" in evidence && isEvidence(evidence.value)
                ? { record: evidence.value }
                : resultRecord !== undefined && "absent" in evidence
                  ? { record: resultRecord, from: `the command's \`--json\` output (${code(resultPath!)})` }
                  : {
                        missing:
                            "absent" in evidence
                                ? `${code(evidencePath)} was not written (the command stopped before it ran an update, or did not run)`
                                : "value" in evidence
                                  ? `${code(evidencePath)} is not a papyrus-deploy evidence record`
                                  : `${code(evidencePath)} could not be read (${evidence.unreadable})`,
                    },
        exitCode: exitText === undefined ? undefined : Number(exitText),
        error: resultError,
        tag: given("tag"),
        source: from === undefined ? undefined : { stack: from, version: given("from-version"), digest: given("from-digest") },
    };
}

function readJson(file: string): { value: unknown } | { absent: true } | { unreadable: string } {
    let raw: string;
    try {
        raw = fs.readFileSync(file, "utf8");
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "ENOENT" ? { absent: true } : { unreadable: (err as Error).message };
    }
    try {
        return { value: JSON.parse(raw) };
    } catch (err) {
        return { unreadable: `not JSON: ${(err as Error).message}` };
    }
}

function isEvidence(value: unknown): value is SummaryEvidence {
    return typeof value === "object" && value !== null && /^papyrus\.deploy-evidence\//.test(String((value as { schema?: unknown }).schema));
}

/** The message of `--json`'s `{"error": {"code", "message"}}`. */
function errorMessage(value: unknown): string | undefined {
    const error = typeof value === "object" && value !== null ? (value as { error?: { message?: unknown } }).error : undefined;
    return typeof error?.message === "string" ? error.message : undefined;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
