// Reading the project's config keys (`<project>:*`) as the config schema types them (configSchema.ts),
// for the stack program. The CLI hands every value over as text: numbers and
// booleans as their YAML spelling, objects and lists as JSON. Each refusal is
// noted in `problems`, naming the key (and, inside an object, the path), and
// the key then reads as unset, so every problem is reported at once.
import { CONFIG_SCHEMA, ConfigKey, isRefusal, parseSetting, qualifiedKey, refusalMessage, ScalarKey, ScalarOf, Shape, StructuredKey } from "./configSchema";
import { nearMiss } from "./nearMiss";

/** The part of `pulumi.Config` read here, so this module stays free of Pulumi imports. */
export interface ConfigReader {
    /** The namespace: the project's name (Pulumi.yaml `name`) for `new pulumi.Config()`. */
    readonly name: string;
    get(key: string): string | undefined;
    require(key: string): string;
}

const SHAPE_NAMES: Record<Exclude<Shape, object>, string> = {
    number: "a number",
    string: "a string",
    boolean: "`true` or `false`",
    strings: "a list of strings",
    numberOrFalse: "a number or `false`",
};

/** Typed reads of the project's keys; each refusal is noted in `problems`, naming the key, and reads as unset. */
export class ConfigValues {
    readonly problems: string[] = [];

    constructor(private readonly config: ConfigReader) {}

    /** `key` as the stack's config file spells it: `<project>:<key>`. */
    key<K extends ConfigKey>(key: K): string {
        return qualifiedKey(this.config.name, key);
    }

    has(key: ConfigKey): boolean {
        return this.config.get(key) !== undefined;
    }

    /** A key written as one YAML scalar (text, a number, `true`/`false`), as its type reads it. */
    scalar<K extends ScalarKey>(key: K): ScalarOf<K> | undefined {
        const text = this.config.get(key);
        if (text === undefined) return undefined;
        const parsed = parseSetting(key, text);
        if (isRefusal(parsed)) {
            this.problems.push(refusalMessage(this.key(key), text, parsed));
            return undefined;
        }
        return parsed.value as ScalarOf<K>;
    }

    /** A key written as a YAML object or list, checked against its shape. */
    structured(key: StructuredKey): unknown {
        const value = this.parse(key);
        if (value === undefined) return undefined;
        const shape = CONFIG_SCHEMA[key].type.json;
        const before = this.problems.length;
        if (shape === "stringMap") {
            checkStringMap(value, this.key(key), this.problems);
        } else {
            checkShape(value, shape, this.key(key), this.problems);
        }
        return this.problems.length > before ? undefined : value;
    }

    private parse(key: ConfigKey): unknown {
        const raw = this.config.get(key);
        if (raw === undefined) return undefined;
        try {
            return JSON.parse(raw);
        } catch (err) {
            if (err instanceof SyntaxError) return raw; // a plain string: refused by the shape check with its value
            throw err;
        }
    }
}

/** An object of strings (`environment`, `secrets`): variable name → value. */
function checkStringMap(value: unknown, path: string, problems: string[]): void {
    if (!isPlainObject(value)) {
        problems.push(`\`${path}\` must be an object of variable names to strings, got ${describe(value)}`);
        return;
    }
    for (const [name, v] of Object.entries(value).filter(([, v]) => typeof v !== "string")) {
        problems.push(`\`${path}.${name}\` must be a string (quote it in YAML), got ${describe(v)}`);
    }
}

function checkShape(value: unknown, shape: Shape, path: string, problems: string[]): void {
    if (typeof shape === "object") {
        if (!isPlainObject(value)) {
            problems.push(
                `\`${path}\` must be an object with ${Object.keys(shape)
                    .map((k) => `\`${k}\``)
                    .join(", ")}, got ${describe(value)}`,
            );
            return;
        }
        for (const [key, field] of Object.entries(value)) {
            const expected = shape[key];
            if (expected === undefined) {
                const meant = nearMiss(key, Object.keys(shape));
                problems.push(
                    meant === undefined
                        ? `\`${path}.${key}\`: unknown key; the keys are ${Object.keys(shape)
                              .map((k) => `\`${k}\``)
                              .join(", ")}`
                        : `\`${path}.${key}\`: unknown key, did you mean \`${meant}\`?`,
                );
            } else if (field === null) {
                problems.push(`\`${path}.${key}\` is empty (YAML reads a key with nothing after it as null); give it a value or remove it`);
            } else {
                checkShape(field, expected, `${path}.${key}`, problems);
            }
        }
        return;
    }
    const fits =
        shape === "number"
            ? typeof value === "number"
            : shape === "string"
              ? typeof value === "string"
              : shape === "boolean"
                ? typeof value === "boolean"
                : shape === "numberOrFalse"
                  ? typeof value === "number" || value === false
                  : Array.isArray(value) && value.every((item) => typeof item === "string");
    if (!fits) {
        problems.push(`\`${path}\` must be ${SHAPE_NAMES[shape]}, got ${describe(value)}`);
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list (\`${JSON.stringify(value)}\`)`;
    if (typeof value === "object") return `an object (\`${JSON.stringify(value)}\`)`;
    if (value === "") return "an empty string";
    return `the ${typeof value} \`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}
