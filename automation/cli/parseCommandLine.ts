// The command line: find the command, then parse its own flags strictly
// (from the command table); a flag it does not take, a stray argument or a
// string flag given twice is refused in one line that says what to do
// (commandLineMistakes.ts): no help dump.
import { parseArgs } from "util";
import { escapeUnprintable } from "../record/printable";
import { CommandName, COMMAND_NAMES, COMMANDS, COMMON_FLAGS, flagsOf, isCommand, TOP_LEVEL_FLAGS } from "./commandTable";
import { badFlagValue, commandRequired, strayArguments, unknownCommand, unknownFlag, unknownTopLevelFlag } from "./commandLineMistakes";
import type { FlagSpec } from "./flagSpec";
import { InvalidInputError } from "../record/errors";

type ParseArgsOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>;
type Token = { kind: string; name?: string; rawName?: string; value?: string };

export type ParsedCommandLine =
    | { readonly kind: "usage"; readonly exitCode: 0 | 2 }
    | { readonly kind: "version"; readonly json: boolean }
    | { readonly kind: "commandHelp"; readonly command: CommandName }
    | { readonly kind: "run"; readonly command: CommandName; readonly values: Readonly<Record<string, string | boolean | undefined>> };

/** Finds the command, then parses its own flags strictly. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
    // A loose first pass only finds the command, wherever it stands among the flags.
    const everyFlag = Object.fromEntries(
        [...COMMAND_NAMES.flatMap((n) => Object.entries(COMMANDS[n].flags as Record<string, FlagSpec>)), ...Object.entries(COMMON_FLAGS)].map(
            ([flag, spec]) => [flag, { type: spec.type }],
        ),
    );
    const loose = parseArgs({
        args: [...argv],
        options: { ...everyFlag, help: { type: "boolean", short: "h" } },
        strict: false,
        allowPositionals: true,
        tokens: true,
    });
    const [command, ...rest] = loose.positionals;
    if (command === undefined || command === "help") {
        if (command === "help" && rest[0] !== undefined) {
            if (!isCommand(rest[0])) throw unknownCommand(rest[0]);
            return { kind: "commandHelp", command: rest[0] };
        }
        return withoutCommand(argv, loose.tokens as Token[], command === "help" || loose.values.help === true, Object.keys(everyFlag));
    }
    if (!isCommand(command)) throw unknownCommand(command);

    const flags = flagsOf(command);
    const options = Object.fromEntries(
        Object.entries(flags).map(([flag, spec]) => [flag, flag === "help" ? { type: spec.type, short: "h" } : { type: spec.type }]),
    );
    let parsed;
    try {
        parsed = parseArgs({ args: [...argv], options: options as ParseArgsOptions, strict: true, allowPositionals: true, tokens: true });
    } catch (e) {
        const flag = /'(-{1,2}[^' ,]+)/.exec((e as Error).message)?.[1] ?? argv.join(" ");
        if ((e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw unknownFlag(command, flag);
        throw badFlagValue(command, flag, argv, (e as Error).message);
    }
    const extra = parsed.positionals.slice(1);
    if (extra.length > 0) throw strayArguments(command, extra);
    refuseRepeatedFlags(parsed.tokens ?? [], flags);
    if (parsed.values.help) return { kind: "commandHelp", command };
    return { kind: "run", command, values: parsed.values as Record<string, string | boolean | undefined> };
}

/**
 * No command: `--version`, `--help`, or the usage (exit 2). A flag `papyrus-deploy` does not take
 * alone is refused, and so is `--json` alone: it promises one JSON object, which the usage is not.
 */
function withoutCommand(argv: readonly string[], tokens: readonly Token[], help: boolean, commandFlags: readonly string[]): ParsedCommandLine {
    const options = tokens.filter((t) => t.kind === "option");
    const foreign = options.find((t) => !(TOP_LEVEL_FLAGS as readonly string[]).includes(t.rawName ?? ""));
    // A command's flag (`--stack dev`) means a command was forgotten; anything else was mistyped.
    if (foreign !== undefined && !help) throw commandFlags.includes(foreign.name ?? "") ? commandRequired() : unknownTopLevelFlag(foreign.rawName ?? "");
    if (options.some((t) => t.rawName === "--version" || t.rawName === "-V")) return { kind: "version", json: argv.includes("--json") };
    if (help) return { kind: "usage", exitCode: 0 };
    if (argv.includes("--json")) throw commandRequired();
    return { kind: "usage", exitCode: 2 };
}

/**
 * parseArgs keeps the last of `--stack dev --stack prod`: a command line that names two stacks (or
 * tags, or evidence files) is refused, naming both values, rather than deploying to one silently.
 */
function refuseRepeatedFlags(tokens: readonly Token[], flags: Readonly<Record<string, FlagSpec>>): void {
    const given = new Map<string, string[]>();
    for (const token of tokens) {
        if (token.kind !== "option" || token.name === undefined || flags[token.name]?.type !== "string") continue;
        given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? ""]);
    }
    for (const [flag, values] of given) {
        if (values.length < 2) continue;
        const shown = values.map((v) => `\`${escapeUnprintable(v)}\``);
        throw new InvalidInputError(
            `--${flag}`,
            values.map((v) => `--${flag} ${escapeUnprintable(v)}`).join(" "),
            `is given ${values.length} times (${shown.join(", then ")}); give it once, with the value you mean`,
        );
    }
}
