// The refusals of a command line that was mistyped: each one line naming what was typed, with
// "did you mean" when a command or flag is a near miss (the rule config keys use too,
// components/nearMiss.ts) and the `--help` to run for the rest. No help dump: the line says what
// to fix, and `--help` is one command away. What was typed is shown escaped: one line stays one line.
import { nearMiss } from "../../components/nearMiss";
import { InvalidInputError } from "../record/errors";
import { escapeUnprintable } from "../record/printable";
import { CommandName, COMMAND_NAMES, flagsOf, TOP_LEVEL_FLAGS } from "./commandTable";

const COMMANDS_HINT = "run `papyrus-deploy --help` for the commands";
const EACH_COMMAND_HINT = "run `papyrus-deploy --help` for what each does";
const flagsHint = (command: CommandName) => `run \`papyrus-deploy ${command} --help\` for its flags`;
const eachFlagHint = (command: CommandName) => `run \`papyrus-deploy ${command} --help\` for what each does`;
const listed = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");

/** `deplyo`: not a command, perhaps `deploy`. */
export function unknownCommand(name: string): InvalidInputError {
    const meant = nearMiss(name, COMMAND_NAMES);
    return new InvalidInputError(
        escapeUnprintable(name),
        undefined,
        meant !== undefined
            ? `is not a command; did you mean \`${meant}\`? (${COMMANDS_HINT})`
            : `is not a command; the commands are ${listed(COMMAND_NAMES)} (${EACH_COMMAND_HINT})`,
    );
}

/** `--stak` given to `deploy`: not one of its flags, perhaps `--stack`. */
export function unknownFlag(command: CommandName, flag: string): InvalidInputError {
    const flags = Object.keys(flagsOf(command));
    const meant = flag.startsWith("--") ? nearMiss(flag.slice(2), flags) : undefined;
    return new InvalidInputError(
        escapeUnprintable(flag),
        undefined,
        meant !== undefined
            ? `is not a flag of \`${command}\`; did you mean \`--${meant}\`? (${flagsHint(command)})`
            : `is not a flag of \`${command}\`; its flags are ${listed(flags.map((f) => `--${f}`))} (${eachFlagHint(command)})`,
    );
}

/** `papyrus-deploy --verison`: without a command, only `--help`, `--version` and `--json` are flags. */
export function unknownTopLevelFlag(flag: string): InvalidInputError {
    const long = TOP_LEVEL_FLAGS.filter((f) => f.startsWith("--")).map((f) => f.slice(2));
    const meant = flag.startsWith("--") ? nearMiss(flag.slice(2), long) : undefined;
    const takes = long.map((f) => `\`--${f}\``);
    return new InvalidInputError(
        escapeUnprintable(flag),
        undefined,
        meant !== undefined
            ? `is not a flag of \`papyrus-deploy\`; did you mean \`--${meant}\`? (${COMMANDS_HINT})`
            : `is not a flag of \`papyrus-deploy\`, which takes ${takes.slice(0, -1).join(", ")} and ${takes[takes.length - 1]} before a command (${COMMANDS_HINT})`,
    );
}

/** A command's flags with no command (`papyrus-deploy --stack dev`), or `--json` alone. */
export function commandRequired(): InvalidInputError {
    return new InvalidInputError(
        "command",
        undefined,
        `is required, one of ${listed(COMMAND_NAMES)}, e.g. \`papyrus-deploy history --stack dev\` (${COMMANDS_HINT})`,
    );
}

/** `deploy dev`: values go with their flag. */
export function strayArguments(command: CommandName, extra: readonly string[]): InvalidInputError {
    return new InvalidInputError(
        escapeUnprintable(extra.join(" ")),
        undefined,
        `${extra.length > 1 ? "are arguments" : "is an argument"}, and \`${command}\` takes flags only: give each value with its flag, e.g. \`--stack dev\` (${flagsHint(command)})`,
    );
}

/** `--stack` with no value after it, or a switch given one (`--preview=yes`), as parseArgs reports them. */
export function badFlagValue(command: CommandName, flag: string, argv: readonly string[], parseError: string): InvalidInputError {
    const spec = flagsOf(command)[flag.replace(/^-+/, "")];
    if (spec?.type === "boolean" || /does not take an argument/.test(parseError)) {
        const given = argv.find((a) => a.startsWith(`${flag}=`)) ?? flag;
        return new InvalidInputError(flag, undefined, `is a switch and takes no value (\`${escapeUnprintable(given)}\`); give it alone, as \`${flag}\``);
    }
    const example = spec?.type === "string" ? `\`${flag} ${spec.example ?? spec.value}\`` : `\`${flag} <value>\``;
    // The occurrence parseArgs refused: the one with nothing after it, or a flag after it.
    const at = argv.findIndex((a, i) => a === flag && (argv[i + 1] === undefined || argv[i + 1].startsWith("-")));
    const next = argv[at + 1];
    return new InvalidInputError(
        flag,
        undefined,
        next === undefined
            ? `needs a value, e.g. ${example}`
            : `needs a value, and is followed by the flag \`${escapeUnprintable(next)}\`; give one, e.g. ${example} (a value that starts with \`-\` is written \`${flag}=-…\`)`,
    );
}
