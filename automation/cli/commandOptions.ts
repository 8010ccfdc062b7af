// A parsed command line as the options of the command's library function,
// typed from the command table: no flag is converted or renamed by hand.
import { InvalidInputError } from "../record/errors";
import { CommandName, COMMANDS, COMMON_FLAGS, flagsOf } from "./commandTable";

type FlagsOf<C extends CommandName> = (typeof COMMANDS)[C]["flags"] & typeof COMMON_FLAGS;
type OptionOf<S> = S extends { readonly option: infer K extends string } ? K : never;
type ValueOf<S> = S extends { readonly parse: (...args: never[]) => infer T } ? T : S extends { readonly set: infer T } ? T : never;
type Always<S> = S extends { readonly required: true } ? true : S extends { readonly default: unknown } ? true : false;

/**
 * What a command line gives the command's library function, typed from the table: each flag's
 * `option` with its parser's type; required flags and flags with a default always present.
 */
export type CommandOptions<C extends CommandName> = {
    -readonly [F in keyof FlagsOf<C> as Always<FlagsOf<C>[F]> extends true ? OptionOf<FlagsOf<C>[F]> : never]: ValueOf<FlagsOf<C>[F]>;
} & {
    -readonly [F in keyof FlagsOf<C> as Always<FlagsOf<C>[F]> extends true ? never : OptionOf<FlagsOf<C>[F]>]?: ValueOf<FlagsOf<C>[F]>;
};

/**
 * The parsed flags as the library's options: required flags first (in table order), then every
 * given value through its parser, then the relations between flags, then defaults.
 */
export function commandOptions<C extends CommandName>(command: C, values: Readonly<Record<string, string | boolean | undefined>>): CommandOptions<C> {
    const flags = Object.entries(flagsOf(command));
    for (const [flag, spec] of flags) {
        if (spec.type === "string" && spec.required && values[flag] === undefined) {
            throw new InvalidInputError(`--${flag}`, undefined, `is required (e.g. \`--${flag} ${spec.example ?? spec.value}\`)`);
        }
    }
    const groups = new Map<string, string[]>();
    for (const [flag, spec] of flags) {
        if (spec.type === "string" && spec.group !== undefined && values[flag] !== undefined) groups.set(spec.group, [...(groups.get(spec.group) ?? []), flag]);
    }
    for (const [group, given] of groups) {
        if (given.length > 1) {
            throw new InvalidInputError(`--${given[0]}`, given.map((f) => `--${f}`).join(" "), `can be given with none of the other ${group} flags`);
        }
    }
    const options: Record<string, unknown> = {};
    for (const [flag, spec] of flags) {
        const given = values[flag];
        if (given === undefined || spec.option === undefined) continue;
        options[spec.option] = spec.type === "string" ? spec.parse(given as string, `--${flag}`) : spec.set;
    }
    for (const [flag, spec] of flags) {
        const given = values[flag];
        if (spec.type !== "string" || given === undefined) continue;
        if (spec.excludes && values[spec.excludes.flag] !== undefined && (spec.excludes.when?.(given as string) ?? true)) {
            throw new InvalidInputError(`--${flag}`, given as string, spec.excludes.problem);
        }
        if (spec.requires && values[spec.requires.flag] === undefined) throw new InvalidInputError(`--${flag}`, given as string, spec.requires.problem);
    }
    for (const [, spec] of flags) {
        if (spec.type === "string" && spec.option !== undefined && spec.default !== undefined && options[spec.option] === undefined) {
            options[spec.option] = spec.default();
        }
    }
    return options as CommandOptions<C>;
}

/**
 * The flag of `command` that gives the library input `input` (`stackName` is `--to` for promote,
 * `target.toDigest` is `--to-digest`): how an error the library raised is told with the flag typed.
 */
export function flagForInput(command: CommandName, input: string): string | undefined {
    const found = Object.entries(flagsOf(command)).find(
        ([, spec]) => spec.option !== undefined && ((spec.type === "string" && spec.input) || spec.option) === input,
    );
    return found && `--${found[0]}`;
}
