// The command line: find the command, then parse its own flags strictly
// (from the command table); a flag it does not take, a stray argument or a
// string flag given twice is refused with that command's usage.
import { parseArgs } from "util";
import { InvalidInputError } from "../record/errors";
import { escapeUnprintable } from "../record/printable";
import { CommandName, COMMAND_NAMES, COMMANDS, COMMON_FLAGS, isCommand } from "./commandTable";
import type { FlagSpec } from "./flagSpec";
import { commandUsage } from "./usage";

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
