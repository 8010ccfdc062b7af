// DigestPinnedService's defaults exist once, in SERVICE_DEFAULTS; the
// `@default` tags of its argument types document them. This suite reads the
// tags from components/digestPinnedServiceArgs.ts (with the TypeScript parser,
// following each argument into the interface it names) and holds them to the
// object, both ways:
// - a tag with a value (`@default 30`, `@default { path: "/health" }`) must
//   equal the default at its path (an object tag: each field it names);
// - `@default undefined …` must name a field without a default, or an optional
//   section (`whenGiven`) that stays absent unless given;
// - any other tag (prose, such as `8443 with HTTPS, 8080 with httpOnly`) must
//   name a computed default (a function in SERVICE_DEFAULTS);
// - every default must be documented, by its own tag or by an object tag of a
//   field above it.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { isWhenGiven, SERVICE_DEFAULTS } from "../../components/serviceDefaults";

const ARGS_FILE = path.resolve(__dirname, "..", "..", "components", "digestPinnedServiceArgs.ts");
const ROOT_INTERFACE = "DigestPinnedServiceArgs";

/** One `@default` tag: the argument's path from the root interface (`healthCheck.path`) and the tag's text. */
interface DefaultTag {
    readonly path: string;
    readonly text: string;
}

/** Every `@default` tag of the root interface's arguments, following arguments whose type is another interface of the file. */
function documentedDefaults(source: string, root = ROOT_INTERFACE): DefaultTag[] {
    const file = ts.createSourceFile("args.ts", source, ts.ScriptTarget.ES2022, true);
    const interfaces = new Map<string, ts.InterfaceDeclaration>();
    file.forEachChild((node) => {
        if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
    });
    const tags: DefaultTag[] = [];
    const walk = (declaration: ts.InterfaceDeclaration, prefix: string) => {
        for (const member of declaration.members) {
            if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
            const at = `${prefix}${member.name.text}`;
            for (const tag of ts.getJSDocTags(member)) {
                if (tag.tagName.text === "default") tags.push({ path: at, text: ts.getTextOfJSDocComment(tag.comment) ?? "" });
            }
            const type = member.type;
            if (type !== undefined && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && interfaces.has(type.typeName.text)) {
                walk(interfaces.get(type.typeName.text)!, `${at}.`);
            }
        }
    };
    const start = interfaces.get(root);
    if (start === undefined) throw new Error(`${root} is not declared in the arguments file`);
    walk(start, "");
    return tags;
}

type TagReading = { kind: "value"; value: unknown } | { kind: "none" } | { kind: "prose" };

/**
 * What a tag says: a value written as a JavaScript literal (numbers, double-quoted strings, booleans, arrays,
 * objects with plain keys), optionally followed by a note in parentheses; `undefined` (no default); or prose.
 */
function readTag(text: string): TagReading {
    const parsed = literal(text.trim());
    if (parsed === undefined || !/^(\s*\(.*\))?$/s.test(parsed.rest)) return { kind: "prose" };
    return parsed.value === undefined ? { kind: "none" } : { kind: "value", value: parsed.value };
}

function literal(text: string): { value: unknown; rest: string } | undefined {
    const s = text.trimStart();
    const keyword = /^(true|false|undefined)(?![\w$])/.exec(s);
    if (keyword) return { value: { true: true, false: false, undefined: undefined }[keyword[1]], rest: s.slice(keyword[0].length) };
    const number = /^-?\d+(\.\d+)?(?![\w$])/.exec(s);
    if (number) return { value: Number(number[0]), rest: s.slice(number[0].length) };
    const string = /^"(?:[^"\\]|\\.)*"/.exec(s);
    if (string) return { value: JSON.parse(string[0]), rest: s.slice(string[0].length) };
    if (s.startsWith("[")) {
        const items: unknown[] = [];
        let rest = s.slice(1).trimStart();
        while (!rest.startsWith("]")) {
            const item = literal(rest);
            if (item === undefined) return undefined;
            items.push(item.value);
            rest = item.rest.trimStart().replace(/^,\s*/, "");
            if (rest === "") return undefined;
        }
        return { value: items, rest: rest.slice(1) };
    }
    if (s.startsWith("{")) {
        const fields: Record<string, unknown> = {};
        let rest = s.slice(1).trimStart();
        while (!rest.startsWith("}")) {
            const key = /^([A-Za-z_$][\w$]*)\s*:/.exec(rest);
            if (!key) return undefined;
            const value = literal(rest.slice(key[0].length));
            if (value === undefined) return undefined;
            fields[key[1]] = value.value;
            rest = value.rest.trimStart().replace(/^,\s*/, "");
            if (rest === "") return undefined;
        }
        return { value: fields, rest: rest.slice(1) };
    }
    return undefined;
}

/** A group of defaults for an object's fields (as `healthCheck`), as opposed to one default value (as `tags: {}`). */
function isSection(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
}

const MISSING = Symbol("missing");

function defaultAt(defaults: object, at: string): unknown {
    let value: unknown = defaults;
    for (const key of at.split(".")) {
        if (typeof value !== "object" || value === null || !(key in value)) return MISSING;
        value = (value as Record<string, unknown>)[key];
    }
    return value;
}

/**
 * How `documented` (the value of the tag at `tagAt`) differs from `actual` (the default at `at`); an object tag
 * names some of the fields.
 */
function valueMismatches(at: string, documented: unknown, actual: unknown, tagAt = at): string[] {
    const where = at === tagAt ? "" : ` (in the tag of \`${tagAt}\`)`;
    if (isSection(documented) && isSection(actual)) {
        return Object.entries(documented).flatMap(([key, value]) =>
            key in actual
                ? valueMismatches(`${at}.${key}`, value, actual[key], tagAt)
                : [`\`${at}.${key}\`: documented as ${JSON.stringify(value)} (in the tag of \`${tagAt}\`), but it has no default`],
        );
    }
    if (typeof actual === "function") {
        return [`\`${at}\`: documented as ${JSON.stringify(documented)}${where}, but its default is computed; say how in words`];
    }
    try {
        assert.deepStrictEqual(documented, actual);
        return [];
    } catch {
        return [`\`${at}\`: documented as ${JSON.stringify(documented)}${where}, but the default is ${JSON.stringify(actual)}`];
    }
}

/** Every disagreement between the tags and the defaults object, as sentences naming the argument. */
function defaultsDocProblems(tags: readonly DefaultTag[], defaults: object): string[] {
    const problems: string[] = [];
    const covered = new Set<string>();
    for (const { path: at, text } of tags) {
        const reading = readTag(text);
        const actual = defaultAt(defaults, at);
        covered.add(at);
        if (reading.kind === "none") {
            if (actual !== MISSING && !isWhenGiven(actual)) {
                problems.push(`\`${at}\`: documented as \`${text}\`, but it has a default`);
            }
        } else if (actual === MISSING) {
            problems.push(`\`${at}\`: documented as \`${text}\`, but it has no default`);
        } else if (isWhenGiven(actual)) {
            problems.push(`\`${at}\`: documented as \`${text}\`, but it stays absent unless given (\`@default undefined\`)`);
        } else if (typeof actual === "function") {
            // A computed default: the tag says in words how it is computed; `command`'s spells the array out.
        } else if (reading.kind === "prose") {
            problems.push(`\`${at}\`: documented as \`${text}\`, which is not a value; the default is ${JSON.stringify(actual)}`);
        } else {
            problems.push(...valueMismatches(at, reading.value, actual));
            if (isSection(reading.value)) coverFields(reading.value, at, covered);
        }
    }
    const walk = (section: Record<string, unknown>, prefix: string) => {
        for (const [key, value] of Object.entries(section)) {
            const at = `${prefix}${key}`;
            if (isSection(value) && !isWhenGiven(value)) {
                walk(value, `${at}.`);
                continue;
            }
            if (!covered.has(at)) problems.push(`\`${at}\` has a default but no \`@default\` tag`);
            if (isWhenGiven(value)) walk(value as Record<string, unknown>, `${at}.`);
        }
    };
    walk(defaults as Record<string, unknown>, "");
    return problems;
}

function coverFields(documented: Record<string, unknown>, at: string, covered: Set<string>): void {
    for (const [key, value] of Object.entries(documented)) {
        covered.add(`${at}.${key}`);
        if (isSection(value)) coverFields(value, `${at}.${key}`, covered);
    }
}

describe("the `@default` tags of DigestPinnedService's arguments", () => {
    const source = fs.readFileSync(ARGS_FILE, "utf8");

    it("are found for every argument that has one, nested arguments by their path", () => {
        const paths = documentedDefaults(source).map((tag) => tag.path);
        for (const expected of [
            "cpu",
            "healthCheck",
            "healthCheck.path",
            "deployment.testListener.port",
            "deploymentAlarms.unhealthyHosts.periodSeconds",
            "tags",
        ]) {
            assert.ok(paths.includes(expected), `no tag found for \`${expected}\``);
        }
    });

    it("say what SERVICE_DEFAULTS holds, and SERVICE_DEFAULTS holds nothing they do not say", () => {
        assert.deepStrictEqual(defaultsDocProblems(documentedDefaults(source), SERVICE_DEFAULTS), []);
    });

    it("fail the check when a value, a missing default, an absent section or an undocumented default disagrees", () => {
        const changed = source
            .replace("@default 30 */\n    readonly logRetentionDays", "@default 31 */\n    readonly logRetentionDays")
            .replace('matcher: "200-399" } */', 'matcher: "200" } */')
            .replace("@default undefined (a fixed `desiredCount`)", "@default { cpuTargetPercent: 60 }")
            .replace("@default undefined (AWS-managed keys)", "@default an AWS-managed key")
            .replace("/** Tags for every taggable child. @default {} */", "/** Tags for every taggable child. */");
        assert.deepStrictEqual(defaultsDocProblems(documentedDefaults(changed), SERVICE_DEFAULTS), [
            "`secretsKmsKeyArn`: documented as `an AWS-managed key`, but it has no default",
            "`autoscaling`: documented as `{ cpuTargetPercent: 60 }`, but it stays absent unless given (`@default undefined`)",
            '`healthCheck.matcher`: documented as "200" (in the tag of `healthCheck`), but the default is "200-399"',
            "`logRetentionDays`: documented as 31, but the default is 30",
            "`tags` has a default but no `@default` tag",
        ]);
    });

    it("fail the check when a default changes and its tag does not", () => {
        const defaults = { ...SERVICE_DEFAULTS, stopTimeoutSeconds: 45, healthCheck: { ...SERVICE_DEFAULTS.healthCheck, intervalSeconds: 20 } };
        assert.deepStrictEqual(defaultsDocProblems(documentedDefaults(source), defaults), [
            "`healthCheck.intervalSeconds`: documented as 15 (in the tag of `healthCheck`), but the default is 20",
            "`healthCheck.intervalSeconds`: documented as 15, but the default is 20",
            "`stopTimeoutSeconds`: documented as 30, but the default is 45",
        ]);
    });

    it("read values as the docs write them: literals with an optional note, `undefined`, or prose", () => {
        const cases: Array<[string, TagReading]> = [
            ["30", { kind: "value", value: 30 }],
            ['"1000:1000" (examples/app\'s `node` user)', { kind: "value", value: "1000:1000" }],
            ["{}", { kind: "value", value: {} }],
            ["false", { kind: "value", value: false }],
            ['{ target5xx: { threshold: 5 }, natGateways: "Single" }', { kind: "value", value: { target5xx: { threshold: 5 }, natGateways: "Single" } }],
            ['["CMD", "node"]', { kind: "value", value: ["CMD", "node"] }],
            ["undefined", { kind: "none" }],
            ["undefined (a new cluster)", { kind: "none" }],
            ["8443 with HTTPS, 8080 with `httpOnly`", { kind: "prose" }],
            ["`${name}-${stack}`", { kind: "prose" }],
            ["a new cluster", { kind: "prose" }],
            ["{ path: }", { kind: "prose" }],
            ["[1, 2", { kind: "prose" }],
        ];
        for (const [text, expected] of cases) {
            assert.deepStrictEqual(readTag(text), expected, text);
        }
    });
});
