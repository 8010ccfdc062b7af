// The help text, generated from the command table: the general usage with
// every command's synopsis, and each command's own flags.
import { CommandName, COMMAND_NAMES, COMMANDS, COMMON_FLAGS, flagsOf } from "./commandTable";
import type { CommandSpec, FlagSpec } from "./flagSpec";
import { EXIT_CODE_MEANINGS, EXIT_CODES } from "../record/errors";

const ENVIRONMENT = `Environment:
  PULUMI_BACKEND_URL     state backend (default: file://<project>/.pulumi-state)
  PULUMI_CONFIG_PASSPHRASE  secrets passphrase for file/S3 backends
  AWS_REGION, AWS_PROFILE / credentials, AWS_ENDPOINT_URL[_ECR|_ECS]  AWS access
`;

/** The exit codes, generated from the typed errors' table (record/errors.ts), one code a paragraph. */
export function exitCodeHelp(width = 78): string {
    const lines = ["Exit codes (what the stack runs afterwards is always read from its state):"];
    for (const [name, code] of Object.entries(EXIT_CODES) as [keyof typeof EXIT_CODES, number][]) {
        const [first, ...rest] = wrap(EXIT_CODE_MEANINGS[name], width - 7);
        lines.push(`  ${String(code).padStart(3)}  ${first}`, ...rest.map((line) => `       ${line}`));
    }
    return lines.join("\n") + "\n";
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
    const spec: CommandSpec = COMMANDS[name];
    const rows = Object.entries(flagsOf(name)).map(([flag, f]) => [
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
export function usage(): string {
    const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
    return [
        "papyrus-deploy: deploy container images to ECS by digest, roll back from stack history, promote between stacks",
        "",
        "Usage:",
        ...COMMAND_NAMES.map((n) => `  papyrus-deploy ${n.padEnd(width)} ${synopsis(n)}`),
        `  papyrus-deploy ${"<command>".padEnd(width)} --help   that command's flags`,
        `  papyrus-deploy ${"--version".padEnd(width)} [--json] this CLI's version (\`-V\` too)`,
        "",
        "Commands:",
        ...COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
        "",
        "Flags of every command:",
        ...Object.entries(COMMON_FLAGS as Record<string, FlagSpec>).map(([flag, f]) => `  --${flag}${f.value ? ` ${f.value}` : ""}`.padEnd(16) + f.help),
        "",
        ENVIRONMENT,
        exitCodeHelp(),
    ].join("\n");
}

export function wrap(text: string, width: number): string[] {
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
