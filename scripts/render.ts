// Shows what a stack would create, without a cloud or a Pulumi backend: runs
// index.ts under the SDK's mocks with Pulumi.<stack>.yaml and prints every
// resource with its inputs.
//
//   npx ts-node --transpile-only scripts/render.ts --stack dev          # readable tree
//   npx ts-node --transpile-only scripts/render.ts --stack prod --json   # for machines
//   ... --set papyrus:image=<ref>  --unset papyrus:image                 # try other config (keys in the project's namespace)
//   ... --last-output image=<ref> --last-output imageTag=v1.2.3          # as if the stack ran <ref>
//   ... --cwd examples/orders                                            # another project (its own namespace)
//
// Git's Pulumi.<stack>.yaml holds no image, so a stack renders as a new one
// (repository and roles, no service) until the driver's `--set papyrus:image`
// or the stack's last outputs (what a plain `pulumi up` keeps) name an image;
// the output then ends with a line saying so (`note` in the JSON).
//
// Values come from the mocks (fixed account 123456789012, names derived from
// resource names), not from AWS: ARNs and DNS names are illustrative.
import * as fs from "fs";
import * as path from "path";
import { qualifiedKey } from "../components/configSchema";
import { readProject } from "../automation/engine/project";
import { InvalidInputError } from "../automation/record/errors";
import { evaluateUnderMocks, Evaluation, RecordedResource, UnknownStackError } from "../testkit/evaluateUnderMocks";

const USAGE = "usage: render.ts --stack <name> [--cwd <project>] [--json] [--set <key>=<value>]... [--unset <key>]... [--last-output <name>=<value>]...";

export interface RenderOptions {
    readonly stack: string;
    /** The project directory (`--cwd`): its Pulumi.yaml names the project, its index.ts is the program. @default this repository */
    readonly cwd?: string;
    readonly json: boolean;
    readonly overrides: Record<string, string | undefined>;
    /** The stack's outputs from its last update (`--last-output`); none for a new stack. */
    readonly lastOutputs: Record<string, string>;
}

/** Parses the command line, or throws a usage error. */
export function parseRenderArgs(argv: readonly string[]): RenderOptions {
    let stack: string | undefined;
    let cwd: string | undefined;
    let json = false;
    const overrides: Record<string, string | undefined> = {};
    const lastOutputs: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const next = argv[++i];
            if (next === undefined) {
                throw new UsageError(`\`${arg}\` needs a value`);
            }
            return next;
        };
        if (arg === "--stack" || arg === "-s") {
            stack = value();
        } else if (arg.startsWith("--stack=")) {
            stack = arg.slice("--stack=".length);
        } else if (arg === "--cwd") {
            cwd = value();
        } else if (arg === "--json") {
            json = true;
        } else if (arg === "--set") {
            const pair = value();
            const eq = pair.indexOf("=");
            if (eq <= 0) {
                throw new UsageError(`\`--set\` takes \`<key>=<value>\`, got \`${pair}\``);
            }
            overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
        } else if (arg === "--unset") {
            overrides[value()] = undefined;
        } else if (arg === "--last-output") {
            const pair = value();
            const eq = pair.indexOf("=");
            if (eq <= 0) {
                throw new UsageError(`\`--last-output\` takes \`<output>=<value>\` (e.g. \`image=<repository>@sha256:…\`), got \`${pair}\``);
            }
            lastOutputs[pair.slice(0, eq)] = pair.slice(eq + 1);
        } else {
            throw new UsageError(`unknown argument \`${arg}\``);
        }
    }
    if (stack === undefined) {
        throw new UsageError("`--stack` is required");
    }
    return { stack, json, overrides, lastOutputs, ...(cwd === undefined ? {} : { cwd }) };
}

export class UsageError extends Error {
    constructor(message: string) {
        super(`${message}\n${USAGE}`);
        this.name = "UsageError";
    }
}

const SERVICE_TYPE = "aws:ecs/service:Service";

/**
 * For a stack that runs no image yet (git's Pulumi.<stack>.yaml names none, and no last outputs were
 * given): one line saying that the service comes with the first deploy, and the flag that shows it now.
 * Unset when the evaluation has an ECS service.
 */
export function noServiceNote(evaluation: Evaluation, cwd?: string): string | undefined {
    if (evaluation.resources.some((r) => r.type === SERVICE_TYPE)) return undefined;
    const repository = typeof evaluation.outputs.repositoryUrl === "string" ? evaluation.outputs.repositoryUrl : "<repository-url>";
    return (
        `no service yet: the stack runs no image, so its service (task definition, ECS service, load balancer) appears with the first deploy; ` +
        `to see it now: npm run render -- --stack ${evaluation.stack}${cwd === undefined ? "" : ` --cwd ${cwd}`} --set ${qualifiedKey(evaluation.project, "image")}=${repository}@sha256:<64 hex>`
    );
}

/** The machine form: the evaluation as it is, inputs exactly as the provider would get them, plus `note` when there is no service yet. */
export function renderJson(evaluation: Evaluation, cwd?: string): string {
    const note = noServiceNote(evaluation, cwd);
    return JSON.stringify(note === undefined ? evaluation : { ...evaluation, note }, null, 2);
}

/** The human form: resources as a tree under their parents, JSON-valued inputs (policies, container definitions) pretty-printed. */
export function renderTree(evaluation: Evaluation, cwd?: string): string {
    const lines: string[] = [`stack ${evaluation.stack} (project ${evaluation.project}): ${evaluation.resources.length} resources, evaluated under mocks`, ""];
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const resource of evaluation.resources) {
        const siblings = children.get(resource.parent) ?? [];
        siblings.push(resource);
        children.set(resource.parent, siblings);
    }
    const known = new Set(evaluation.resources.map(keyOf));
    const roots = evaluation.resources.filter((r) => r.parent === undefined || !known.has(r.parent));

    const visit = (resource: RecordedResource, depth: number) => {
        const pad = "  ".repeat(depth);
        lines.push(`${pad}${resource.name}  [${resource.type}]${resource.custom ? "" : "  (component)"}`);
        if (resource.parent !== undefined) {
            lines.push(`${pad}  parent: ${resource.parent}`);
        }
        if (resource.ignoreChanges !== undefined) {
            lines.push(`${pad}  ignoreChanges: ${resource.ignoreChanges.join(", ")} (set at creation only; later changes are left alone)`);
        }
        for (const [key, value] of Object.entries(resource.inputs).sort(([a], [b]) => a.localeCompare(b))) {
            lines.push(...formatInput(key, value, `${pad}  `));
        }
        for (const child of children.get(keyOf(resource)) ?? []) {
            visit(child, depth + 1);
        }
        if (depth === 0) {
            lines.push("");
        }
    };
    roots.forEach((root) => visit(root, 0));

    lines.push("outputs:");
    for (const [key, value] of Object.entries(evaluation.outputs)) {
        lines.push(`  ${key}: ${value === undefined ? "(unset)" : JSON.stringify(value)}`);
    }
    const note = noServiceNote(evaluation, cwd);
    if (note !== undefined) lines.push("", note);
    return lines.join("\n");
}

function keyOf(resource: RecordedResource): string {
    return `${resource.type}::${resource.name}`;
}

function formatInput(key: string, value: unknown, pad: string): string[] {
    const parsed = typeof value === "string" ? parseJsonDocument(value) : undefined;
    const shown = parsed ?? value;
    if (shown !== null && typeof shown === "object") {
        const text = JSON.stringify(shown, null, 2).split("\n");
        return [`${pad}${key}:${parsed !== undefined ? " (JSON)" : ""} ${text[0]}`, ...text.slice(1).map((line) => `${pad}${line}`)];
    }
    return [`${pad}${key}: ${JSON.stringify(shown)}`];
}

/** A string input that holds a JSON object or array (an IAM policy, container definitions), parsed. */
function parseJsonDocument(value: string): unknown {
    if (!/^\s*[[{]/.test(value)) {
        return undefined;
    }
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

/** Why `--cwd` names no project render can run (exit 2), or undefined: no directory, a Pulumi.yaml the driver refuses, no index.ts. */
function projectRefusal(cwd: string | undefined): string | undefined {
    if (cwd === undefined) return undefined;
    const root = path.resolve(cwd);
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
        return new InvalidInputError("--cwd", cwd, "must be a project directory (one that holds Pulumi.yaml and index.ts)").message;
    }
    try {
        readProject(root);
    } catch (err) {
        if (err instanceof InvalidInputError) return err.message;
        throw err;
    }
    const program = path.join(root, "index.ts");
    return fs.existsSync(program) ? undefined : `there is no program to run: render runs \`${program}\`, which does not exist`;
}

export async function main(argv: readonly string[]): Promise<number> {
    let options: RenderOptions;
    try {
        options = parseRenderArgs(argv);
    } catch (err) {
        process.stderr.write(`render: ${(err as Error).message}\n`);
        return 2;
    }
    const refusal = projectRefusal(options.cwd);
    if (refusal !== undefined) {
        process.stderr.write(`render: ${refusal}\n`);
        return 2;
    }
    try {
        const evaluation = await evaluateUnderMocks({
            stack: options.stack,
            overrides: options.overrides,
            previousOutputs: options.lastOutputs,
            ...(options.cwd === undefined ? {} : { root: path.resolve(options.cwd) }),
        });
        process.stdout.write((options.json ? renderJson(evaluation, options.cwd) : renderTree(evaluation, options.cwd)) + "\n");
        return 0;
    } catch (err) {
        // No such stack file, or no project where `--cwd` points: bad input, not a failed program.
        if (err instanceof UnknownStackError || err instanceof InvalidInputError) {
            process.stderr.write(`render: ${err.message}\n`);
            return 2;
        }
        process.stderr.write(`render: the program failed for stack \`${options.stack}\`: ${(err as Error).message ?? String(err)}\n`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            process.stderr.write(`render: ${err instanceof Error ? err.stack : String(err)}\n`);
            process.exitCode = 1;
        },
    );
}
