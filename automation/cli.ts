// papyrus-deploy: a thin CLI over the driver. It parses flags, calls one
// driver function, prints the result (a table, or JSON with --json) and picks
// the exit code from the typed error. Engine output goes to stderr so that
// stdout stays machine-readable.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { PROJECT_NAME } from "../components/stackConfig";
import { deploy, history, reapply, rollback, verify, DeployResult } from "./driver";
import { DeployError, EXIT_CODES, InvalidInputError } from "./errors";
import { Deployment, RollbackTarget } from "./history";

export const USAGE = `papyrus-deploy: deploy container images to ECS by digest, roll back from stack history

Usage:
  papyrus-deploy deploy   --stack <env> --tag <tag> [--preview] [--no-verify] [--evidence <file>] [--json]
  papyrus-deploy rollback --stack <env> [--to-version N | --to-tag T | --to-digest sha256:…] [--no-verify] [--evidence <file>] [--json]
  papyrus-deploy up       --stack <env> [--no-verify] [--evidence <file>] [--json]
  papyrus-deploy history  --stack <env> [--json]
  papyrus-deploy verify   --stack <env> [--json]

deploy resolves <tag> (v*.*.* or a full commit SHA; never latest) to its digest
with one ECR call, sets papyrus:image to <repositoryUrl>@sha256:<digest> and runs
pulumi up, then compares with what ECS runs. rollback re-runs up with the digest
of an earlier succeeded deployment (default: the newest one whose digest differs
from the current one) after checking that the image still exists in ECR. up
applies infrastructure changes with the digest that runs now (from history),
whatever this checkout's Pulumi.<env>.yaml says.

Options:
  --cwd <dir>        project directory (default: the nearest directory upwards
                     from here whose Pulumi.yaml is project papyrus)
  --tag-pattern <re> allowed tags (default: ^v\\d+\\.\\d+\\.\\d+$|^[0-9a-f]{40}$)
  --json             print one JSON object on stdout, also on errors:
                     the evidence record, or {"error": {"code", "message"}}

Environment:
  PULUMI_BACKEND_URL     state backend (default: file://<project>/.pulumi-state)
  PULUMI_CONFIG_PASSPHRASE  secrets passphrase for file/S3 backends
  AWS_REGION, AWS_PROFILE / credentials, AWS_ENDPOINT_URL[_ECR|_ECS]  AWS access

Exit codes (what the stack runs afterwards is always read from its state):
  0  success                        5  pulumi up failed (the message says what the stack runs)
  1  unexpected error (a bug)       6  drift: ECS runs another image than the stack recorded
  2  bad input or usage             7  nothing to roll back to
  3  image/repository missing or    8  updated, but what ECS runs could not be checked
     archived (nothing changed)     9  AWS, credentials or the state backend unreachable
  4  stack is being deployed by         (nothing changed)
     someone else (nothing changed) 130  interrupted (the message says whether
                                         the image was applied)
`;

const OPTIONS = {
    stack: { type: "string" },
    tag: { type: "string" },
    "tag-pattern": { type: "string" },
    preview: { type: "boolean" },
    "no-verify": { type: "boolean" },
    evidence: { type: "string" },
    json: { type: "boolean" },
    "to-version": { type: "string" },
    "to-tag": { type: "string" },
    "to-digest": { type: "string" },
    cwd: { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

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
        err.write(`error: ${known ? message : (e as Error)?.stack ?? message}\n`);
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
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
        throw new InvalidInputError("arguments", argv.join(" "), `are not valid (${(e as Error).message}); see --help`);
    }
    const { values, positionals } = parsed;
    const command = positionals[0];
    if (values.help || command === undefined || command === "help") {
        out.write(USAGE);
        return command === undefined && !values.help ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    if (!values.stack) {
        throw new InvalidInputError("--stack", "", "is required (e.g. `--stack dev`)");
    }
    const context = {
        stackName: values.stack,
        workDir: projectDirectory(values.cwd),
        onOutput: (text: string) => err.write(text),
        signal,
    };
    const json = values.json === true;

    switch (command) {
        case "deploy": {
            if (values.tag === undefined) throw new InvalidInputError("--tag", "", "is required (e.g. `--tag v25.10.31`)");
            const result = await deploy({
                ...context,
                tag: values.tag,
                tagPolicy: values["tag-pattern"] === undefined ? undefined : { pattern: tagPattern(values["tag-pattern"]) },
                preview: values.preview,
                verify: !values["no-verify"],
                evidenceFile: values.evidence,
            });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "rollback": {
            const result = await rollback({
                ...context,
                target: rollbackTarget(values),
                verify: !values["no-verify"],
                evidenceFile: values.evidence,
            });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "up": {
            const result = await reapply({ ...context, verify: !values["no-verify"], evidenceFile: values.evidence });
            printResult(result, json, out, err);
            return EXIT_CODES.ok;
        }
        case "history": {
            const result = await history(context);
            if (result.runningProblem) err.write(`warning: no RUNS mark: the stack's state does not say what runs: ${result.runningProblem}\n`);
            out.write(json ? JSON.stringify(result, null, 2) + "\n" : formatHistory(result.deployments));
            return EXIT_CODES.ok;
        }
        case "verify": {
            const result = await verify(context);
            if (json) out.write(JSON.stringify(result, null, 2) + "\n");
            else out.write(result.inSync
                ? `in sync: ${result.service} runs ${result.recorded}\n`
                : `DRIFT: stack recorded ${result.recorded}; ${result.service} runs ${result.running.join(", ")}\n`);
            return result.inSync ? EXIT_CODES.ok : EXIT_CODES.drift;
        }
        default:
            throw new InvalidInputError("command", command, "must be one of deploy, rollback, up, history, verify");
    }
}

function rollbackTarget(values: { "to-version"?: string; "to-tag"?: string; "to-digest"?: string }): RollbackTarget {
    const given = (["to-version", "to-tag", "to-digest"] as const).filter((k) => values[k] !== undefined);
    if (given.length > 1) {
        throw new InvalidInputError(`--${given[0]}`, given.map((k) => `--${k}`).join(" "), "can be given with none of the other target flags");
    }
    if (values["to-version"] !== undefined) {
        // Plain decimal only: Number() would also take `0x2`, `1e0` and ` 2 `.
        const version = /^[1-9][0-9]{0,8}$/.test(values["to-version"]) ? Number(values["to-version"]) : NaN;
        if (!Number.isInteger(version)) {
            throw new InvalidInputError("--to-version", values["to-version"], "must be an update number from `history` (1, 2, …)");
        }
        return { toVersion: version };
    }
    if (values["to-tag"] !== undefined) return { toTag: values["to-tag"] };
    if (values["to-digest"] !== undefined) return { toDigest: values["to-digest"] };
    return {};
}

function tagPattern(source: string): RegExp {
    if (source === "") throw new InvalidInputError("--tag-pattern", source, "must be a regular expression such as `^v\\d+\\.\\d+\\.\\d+$`, and is empty");
    try {
        return new RegExp(source);
    } catch (e) {
        throw new InvalidInputError("--tag-pattern", source, `is not a valid regular expression (${(e as Error).message})`);
    }
}

/**
 * `--cwd` as given; else the nearest directory upwards from the working directory whose
 * Pulumi.yaml is this project's, so the CLI never silently acts on another checkout's stacks.
 */
function projectDirectory(cwd: string | undefined, from: string = process.cwd()): string {
    if (cwd !== undefined) return cwd;
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        const file = path.join(dir, "Pulumi.yaml");
        if (fs.existsSync(file) && new RegExp(`^name:\\s*${PROJECT_NAME}\\s*$`, "m").test(fs.readFileSync(file, "utf8"))) return dir;
        if (path.dirname(dir) === dir) break;
    }
    throw new InvalidInputError("--cwd", "", `is needed: neither ${from} nor a directory above it holds this project's Pulumi.yaml (name: ${PROJECT_NAME}); run from the project or pass \`--cwd <project>\``);
}

function printResult(result: DeployResult, json: boolean, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
    if (result.evidenceWriteError) err.write(`warning: ${result.evidenceWriteError}\n`);
    for (const warning of result.warnings ?? []) err.write(`warning: ${warning}\n`);
    if (json) {
        out.write(JSON.stringify(result.evidence ?? { kind: result.kind, stack: result.stack, image: result.image, resolved: result.resolved }, null, 2) + "\n");
        return;
    }
    for (const line of result.recovered) out.write(`recovered: ${line}\n`);
    const index = result.resolved.isIndex ? " (image index: multi-platform or with attestations)" : "";
    const verb = { preview: "would deploy", rollback: "rolled back", infra: "updated (image unchanged)", deploy: "deployed" }[result.kind];
    out.write(`${verb} ${result.stack}: ${result.kind === "preview" ? "" : "the stack runs "}${result.image}${index}\n`);
    if (result.previousImage) out.write(`previous: ${result.previousImage}\n`);
    if (result.verify) out.write(`verify: ${result.verify.inSync ? "ECS runs the recorded image" : "DRIFT"}\n`);
    else if (result.verifySkipped && result.kind !== "preview") out.write(`verify: not run: ${result.verifySkipped}\n`);
}

export function formatHistory(deployments: readonly Deployment[]): string {
    if (deployments.length === 0) return "no deployments\n";
    const rows = deployments.map((d) => [
        String(d.version),
        d.startTime.toISOString().replace(".000Z", "Z"),
        d.endTime ? d.endTime.toISOString().replace(".000Z", "Z") : "-",
        d.result,
        d.kind === "other" ? d.operation : d.kind,
        d.tag ?? "-",
        d.digest ? `${d.digest.slice(0, 19)}…` : "-",
        d.requestedBy ?? (d.kind === "manual" ? "(pulumi up by hand)" : "-"),
        d.running ? "*" : "",
    ]);
    const header = ["VERSION", "STARTED", "FINISHED", "RESULT", "KIND", "TAG", "DIGEST", "WHO", "RUNS"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
    return [line(header), ...rows.map(line)].join("");
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
