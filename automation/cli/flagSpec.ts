// What a flag is: its type, its help, the library option it fills and the
// parser that turns its text into that option's value. The command table
// (commandTable.ts) is written in these terms.
/** A flag that takes a value: `parse` turns its text into the library option `option` (errors name the flag). */
export interface StringFlag<T = unknown> {
    readonly type: "string";
    /** The value's placeholder in usage, e.g. `<env>`. */
    readonly value: string;
    readonly help: string;
    /** The library option the flag fills (`--to` fills `stackName`); unset for flags the CLI itself reads. */
    readonly option?: string;
    /** The library's name for the input, where it differs from `option` (`--to-digest` is `target.toDigest`). */
    readonly input?: string;
    readonly parse: (text: string, flag: string) => T;
    /** When not given: computed (e.g. `--cwd`, found upwards from here). */
    readonly default?: () => T;
    readonly required?: boolean;
    /** For the "is required" message: `--stack dev`. */
    readonly example?: string;
    /** Flags of one group exclude each other, shown as `[--a N | --b T]`. */
    readonly group?: string;
    /** Given without that flag, the command line is refused with `problem`. */
    readonly requires?: { readonly flag: string; readonly problem: string };
    /** Given with that flag (and, if `when` is set, with a value it accepts), refused with `problem`. */
    readonly excludes?: { readonly flag: string; readonly when?: (text: string) => boolean; readonly problem: string };
}

/** A switch: given, it sets `option` to `value`. */
export interface BooleanFlag<T = unknown> {
    readonly type: "boolean";
    readonly help: string;
    readonly option?: string;
    readonly set?: T;
    readonly value?: never;
    readonly required?: never;
    readonly group?: never;
}

export type FlagSpec = StringFlag | BooleanFlag;

export interface CommandSpec {
    readonly summary: string;
    /** What the command does, for its own --help. */
    readonly description: string;
    readonly flags: Readonly<Record<string, FlagSpec>>;
}
