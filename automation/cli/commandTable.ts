// The CLI's commands and their flags, in one table: each command declares the
// flags it takes, with help text; `papyrus-deploy --help` and
// `papyrus-deploy <command> --help` are generated from it, and a flag the
// command does not declare is refused with that command's usage.
import { parseArgs } from "util";
import { DEFAULT_REPLICA_WAIT_MS } from "../aws/replica";
import { formatDuration } from "../aws/wait";
import { DEFAULT_RESTORE_WAIT_MS } from "../aws/restore";
import { InvalidInputError } from "../record/errors";
import { escapeUnprintable } from "../record/printable";

export interface FlagSpec {
    readonly type: "string" | "boolean";
    /** The value's placeholder in usage, e.g. `<env>`. */
    readonly value?: string;
    readonly help: string;
    readonly required?: boolean;
    /** Flags of one group exclude each other, shown as `[--a N | --b T]`. */
    readonly group?: string;
}

export interface CommandSpec {
    readonly summary: string;
    /** What the command does, for its own --help. */
    readonly description: string;
    readonly flags: Readonly<Record<string, FlagSpec>>;
}

const stack = (what: string): FlagSpec => ({ type: "string", value: "<env>", required: true, help: `${what}: \`dev\`, or \`organization/papyrus/dev\`` });
const NO_VERIFY: FlagSpec = { type: "boolean", help: "do not compare what ECS runs with what the stack recorded afterwards" };
const WAIT_TIMEOUT: FlagSpec = {
    type: "string",
    value: "<duration>",
    help: "how long to follow the ECS deployment `up` started to COMPLETED or FAILED: `90s`, `15m`, `0` (look once); default 15m, then exit 10",
};
const ON_ROLLBACK: FlagSpec = {
    type: "string",
    value: "fail|reconcile",
    help: "when ECS rolls the deployment back: exit 6 (`fail`, default) or also record what ECS runs with a `reconcile` update (still exit 6)",
};
const EVIDENCE: FlagSpec = { type: "string", value: "<file>", help: "write the evidence record (JSON) to this file; checked before anything runs" };
const ACCEPT_FINDINGS: FlagSpec = {
    type: "string",
    value: "<reason>",
    help: "deploy although the digest's scan findings reach the stack's `papyrus:scanThreshold` (or its scan is unfinished or missing): say why; the evidence records it with the counts",
};

export const COMMANDS = {
    deploy: {
        summary: "resolve a tag to its digest and deploy that digest",
        description:
            "Resolves <tag> (v*.*.* or a full commit SHA; never latest) to its digest with one ECR call, runs pulumi up " +
            "with <repositoryUrl>@sha256:<digest> (passed for this update only: the checkout's files are not changed), then " +
            "compares with what ECS runs. On a stack with `papyrus:promoteFrom`, only a digest that succeeded on that stack is taken. " +
            "Before the update the digest's scan findings are read: findings at or above `papyrus:scanThreshold` (default CRITICAL) refuse it " +
            "(exit 11) unless --accept-findings says why. Afterwards the digests the stack runs and ran most recently get its protective tags.",
        flags: {
            stack: stack("the stack to deploy to"),
            tag: { type: "string", value: "<tag>", required: true, help: "the image tag to deploy, e.g. `v25.10.31`" },
            "tag-pattern": { type: "string", value: "<re>", help: "allowed tags (default: ^v\\d+\\.\\d+\\.\\d+$|^[0-9a-f]{40}$)" },
            preview: { type: "boolean", help: "show what the update would change; change nothing" },
            "accept-findings": ACCEPT_FINDINGS,
            "no-verify": NO_VERIFY,
            "wait-timeout": WAIT_TIMEOUT,
            "on-rollback": ON_ROLLBACK,
            evidence: EVIDENCE,
        },
    },
    rollback: {
        summary: "re-run up with an earlier deployment's digest from the stack history",
        description:
            "Re-runs up with the digest of an earlier succeeded deployment (default: the newest one whose digest differs " +
            "from the current one, stepping back from where the current digest came from) after checking that the image " +
            "still exists in ECR. State is never rewritten. A target outside the stack's protected deployments is rolled back to with a warning. " +
            "An archived target exits 3 with the command to run; with --restore it is restored (ECR: typically within 20 minutes), waited for, then deployed.",
        flags: {
            stack: stack("the stack to roll back"),
            "to-version": { type: "string", value: "N", group: "target", help: "the update number from `history`" },
            "to-tag": { type: "string", value: "T", group: "target", help: "the tag of an earlier deployment" },
            "to-digest": { type: "string", value: "sha256:…", group: "target", help: "the digest of an earlier deployment" },
            restore: { type: "boolean", help: "if the target is archived in ECR, restore it (UpdateImageStorageClass), wait, then roll back" },
            wait: {
                type: "string",
                value: "<duration>",
                help: `with --restore: how long to wait for the restore: \`20m\`, \`45m\` (default ${formatDuration(DEFAULT_RESTORE_WAIT_MS)}, at most 60m)`,
            },
            "no-verify": NO_VERIFY,
            "wait-timeout": WAIT_TIMEOUT,
            "on-rollback": ON_ROLLBACK,
            evidence: EVIDENCE,
        },
    },
    promote: {
        summary: "deploy to one stack the digest another stack runs (build once, deploy everywhere)",
        description:
            "Takes the digest stack --from runs now (read from its state, checked against what its ECS service runs; " +
            "exit 6 if it drifted) or its update --version N, finds the same digest in --to's repository (one DescribeImages; " +
            `replication brings it there: waits up to --wait, default ${formatDuration(DEFAULT_REPLICA_WAIT_MS)}, then exit 3), and deploys it ` +
            "to --to by digest. The evidence and `history` name the source's stack, update, digest and tag. --from is only read.",
        flags: {
            from: { type: "string", value: "<env>", required: true, help: "the stack whose digest is promoted (read only), e.g. `dev`" },
            to: { type: "string", value: "<env>", required: true, help: "the stack to deploy it to, e.g. `prod`" },
            version: { type: "string", value: "N", help: "promote --from's update N (`history --stack <from>`) instead of what it runs now; no ECS check" },
            wait: {
                type: "string",
                value: "<duration>",
                help: `how long to wait for replication: \`90s\`, \`10m\`, \`0\` (default ${formatDuration(DEFAULT_REPLICA_WAIT_MS)}, at most 60m)`,
            },
            "accept-findings": ACCEPT_FINDINGS,
            "no-verify": NO_VERIFY,
            "wait-timeout": WAIT_TIMEOUT,
            "on-rollback": ON_ROLLBACK,
            evidence: EVIDENCE,
        },
    },
    up: {
        summary: "apply infrastructure changes, keeping the digest the stack runs",
        description:
            "Runs up with the digest the stack's state runs now: an infrastructure change (a health check, more tasks) " +
            "without touching the image. A plain `pulumi up` keeps the running digest too.",
        flags: { stack: stack("the stack to update"), "no-verify": NO_VERIFY, "wait-timeout": WAIT_TIMEOUT, "on-rollback": ON_ROLLBACK, evidence: EVIDENCE },
    },
    reconcile: {
        summary: "make the stack record the digest ECS runs (after ECS rolled a deployment back)",
        description:
            "Reads the image the ECS service's primary deployment runs; when it is not what the stack's state records " +
            "(ECS's circuit breaker or a deployment alarm rolled the last update back), runs up with that digest, recorded as " +
            "kind `reconcile` linked to the rolled-back update, so state, history and ECS agree and the next plain update keeps it. " +
            "Nothing to do when they already agree.",
        flags: { stack: stack("the stack to reconcile"), "wait-timeout": WAIT_TIMEOUT, evidence: EVIDENCE },
    },
    history: {
        summary: "list the stack's deployments, marking the one its state runs",
        description:
            "Lists every update, newest first: version, times, result, kind (a promote names its source), tag, digest, " +
            "who asked, and RUNS for the update whose digest the stack's state runs.",
        flags: { stack: stack("the stack") },
    },
    status: {
        summary: "show what runs in every stack of the project (read only)",
        description:
            "One row per stack in the backend: the update whose digest its state runs (version, digest, tag, when, who), " +
            "whether ECS runs that image, and whether the repository protects it (a `deployed-<stack>-slot<n>` tag). " +
            "Takes no lock and changes nothing; a stack that cannot be read gets a row that says why. Exit 0 unless the stacks cannot be listed.",
        flags: {},
    },
    verify: {
        summary: "compare what ECS runs with what the stack recorded (exit 6 on drift)",
        description: "Reads the digest the stack's state runs and the task definition of the ECS service's primary deployment, " + "and compares them.",
        flags: { stack: stack("the stack") },
    },
    unlock: {
        summary: "remove the stack's driver lock when no process of this host holds it",
        description:
            "Removes this checkout's driver lock on the stack (`.pulumi-state/driver-locks/<org>+<project>+<stack>.json`) when its holder " +
            "cannot be running here: a process of this host that has ended, a pid now reused by another process, or a lock taken on " +
            "another host name (a container gets a new one each run; run it only when no deploy of the stack runs there). Refuses with " +
            "exit 4, naming the holder, while a process of this host holds it. Prints what it removed; nothing is removed for its age alone. " +
            "The engine's own lock is `pulumi cancel`'s.",
        flags: { stack: stack("the stack whose driver lock to remove") },
    },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Flags every command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
    cwd: { type: "string", value: "<dir>", help: "project directory (default: the nearest directory upwards from here whose Pulumi.yaml is project papyrus)" },
    json: { type: "boolean", help: 'print one JSON object on stdout, also on errors: the evidence record, or {"error": {"code", "message"}}' },
    help: { type: "boolean", help: "this command's flags" },
};

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommand(name: string): name is CommandName {
    return (COMMAND_NAMES as string[]).includes(name);
}

/** `--stack <env> --tag <tag> [--preview] [--to-version N | --to-tag T]`: required flags first, a group once. */
export function synopsis(name: CommandName): string {
    const flags = Object.entries(COMMANDS[name].flags as Record<string, FlagSpec>);
    const one = (flag: string, spec: FlagSpec) => `--${flag}${spec.value ? ` ${spec.value}` : ""}`;
    const parts = flags.filter(([, spec]) => spec.required).map(([flag, spec]) => one(flag, spec));
    const groups = new Set<string>();
    for (const [flag, spec] of flags.filter(([, s]) => !s.required)) {
        if (spec.group === undefined) {
            parts.push(`[${one(flag, spec)}]`);
        } else if (!groups.has(spec.group)) {
            groups.add(spec.group);
            parts.push(
                `[${flags
                    .filter(([, s]) => s.group === spec.group)
                    .map(([f, s]) => one(f, s))
                    .join(" | ")}]`,
            );
        }
    }
    return [...parts, "[--json]"].join(" ");
}

/** `papyrus-deploy <command> --help`. */
export function commandUsage(name: CommandName): string {
    const spec = COMMANDS[name];
    const rows = [...Object.entries(spec.flags as Record<string, FlagSpec>), ...Object.entries(COMMON_FLAGS)].map(([flag, f]) => [
        `--${flag}${f.value ? ` ${f.value}` : ""}${flag === "help" ? ", -h" : ""}`,
        `${f.help}${f.required ? " (required)" : ""}`,
    ]);
    const width = Math.max(...rows.map(([left]) => left.length)) + 2;
    return [
        `papyrus-deploy ${name}: ${spec.summary}`,
        "",
        "Usage:",
        `  papyrus-deploy ${name} ${synopsis(name)}`,
        "",
        ...wrap(spec.description, 78),
        "",
        "Flags:",
        ...rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`),
        "",
    ].join("\n");
}

/** The general usage: every command's synopsis, then what they share. */
export function usage(epilogue: string): string {
    const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
    return [
        "papyrus-deploy: deploy container images to ECS by digest, roll back from stack history, promote between stacks",
        "",
        "Usage:",
        ...COMMAND_NAMES.map((n) => `  papyrus-deploy ${n.padEnd(width)} ${synopsis(n)}`),
        `  papyrus-deploy ${"<command>".padEnd(width)} --help   that command's flags`,
        "",
        "Commands:",
        ...COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
        "",
        "Flags of every command:",
        ...Object.entries(COMMON_FLAGS).map(([flag, f]) => `  --${flag}${f.value ? ` ${f.value}` : ""}`.padEnd(16) + f.help),
        "",
        epilogue,
    ].join("\n");
}

type ParseArgsOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>;

export type ParsedCommandLine =
    | { readonly kind: "usage"; readonly exitCode: 0 | 2 }
    | { readonly kind: "commandHelp"; readonly command: CommandName }
    | { readonly kind: "run"; readonly command: CommandName; readonly values: Readonly<Record<string, string | boolean | undefined>> };

/** Thrown for a flag the command does not take, or a bad command line: carries the usage to show. */
export class CommandLineError extends InvalidInputError {
    constructor(
        input: string,
        value: string,
        problem: string,
        readonly usageText: string,
    ) {
        super(input, value, problem);
    }
}

/** Finds the command, then parses its own flags strictly. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
    // A loose first pass only finds the command, wherever it stands among the flags.
    const everyFlag = Object.fromEntries(
        [...COMMAND_NAMES.flatMap((n) => Object.entries(COMMANDS[n].flags as Record<string, FlagSpec>)), ...Object.entries(COMMON_FLAGS)].map(
            ([flag, spec]) => [flag, { type: spec.type }],
        ),
    );
    const loose = parseArgs({ args: [...argv], options: { ...everyFlag, help: { type: "boolean", short: "h" } }, strict: false, allowPositionals: true });
    const [command, ...rest] = loose.positionals;
    if (command === undefined || command === "help") {
        if (command === "help" && rest[0] !== undefined) {
            if (!isCommand(rest[0])) throw unknownCommand(rest[0]);
            return { kind: "commandHelp", command: rest[0] };
        }
        return { kind: "usage", exitCode: command === undefined && loose.values.help !== true ? 2 : 0 };
    }
    if (!isCommand(command)) throw unknownCommand(command);

    const flags = { ...(COMMANDS[command].flags as Record<string, FlagSpec>), ...COMMON_FLAGS };
    const options = Object.fromEntries(
        Object.entries(flags).map(([flag, spec]) => [flag, flag === "help" ? { type: spec.type, short: "h" } : { type: spec.type }]),
    );
    let parsed;
    try {
        parsed = parseArgs({ args: [...argv], options: options as ParseArgsOptions, strict: true, allowPositionals: true, tokens: true });
    } catch (e) {
        const flag = /'(-{1,2}[^' ]+)/.exec((e as Error).message)?.[1] ?? argv.join(" ");
        const known = `its flags: ${Object.keys(flags)
            .map((f) => `--${f}`)
            .join(", ")}`;
        const problem =
            (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
                ? `is not a flag of \`${command}\` (${known})`
                : `is not valid here (${(e as Error).message.split("\n")[0]}); ${known}`;
        throw new CommandLineError(flag, argv.join(" "), problem, commandUsage(command));
    }
    const extra = parsed.positionals.slice(1);
    if (extra.length > 0) {
        throw new CommandLineError(
            "arguments",
            extra.join(" "),
            `are not flags of \`${command}\`; give values with their flag, e.g. \`--stack dev\``,
            commandUsage(command),
        );
    }
    refuseRepeatedFlags(parsed.tokens ?? [], flags, command);
    if (parsed.values.help) return { kind: "commandHelp", command };
    return { kind: "run", command, values: parsed.values as Record<string, string | boolean | undefined> };
}

/**
 * parseArgs keeps the last of `--stack dev --stack prod`: a command line that names two stacks (or
 * tags, or evidence files) is refused, naming both values, rather than deploying to one silently.
 */
function refuseRepeatedFlags(tokens: readonly { kind: string; name?: string; value?: string }[], flags: Record<string, FlagSpec>, command: CommandName): void {
    const given = new Map<string, string[]>();
    for (const token of tokens) {
        if (token.kind !== "option" || token.name === undefined || flags[token.name]?.type !== "string") continue;
        given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? ""]);
    }
    for (const [flag, values] of given) {
        if (values.length < 2) continue;
        const shown = values.map((v) => `\`${escapeUnprintable(v)}\``);
        throw new CommandLineError(
            `--${flag}`,
            values.map((v) => `--${flag} ${escapeUnprintable(v)}`).join(" "),
            `is given ${values.length} times (${shown.join(", then ")}); give it once, with the value you mean`,
            commandUsage(command),
        );
    }
}

function unknownCommand(name: string): InvalidInputError {
    return new InvalidInputError("command", name, `must be one of ${COMMAND_NAMES.join(", ")}`);
}

function wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
        if (line !== "" && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        } else {
            line = line === "" ? word : `${line} ${word}`;
        }
    }
    if (line !== "") lines.push(line);
    return lines;
}
