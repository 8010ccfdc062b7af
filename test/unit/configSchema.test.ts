// The config schema (components/configSchema.ts) is the only place a `papyrus:*`
// key is spelt: the source names keys through it, every key is documented, the
// driver's keys are the schema's, and the docs name exactly the schema's keys.
//
// The rule for the source (automation/, components/, index.ts, policy/, scripts/):
// - no string or template literal holds `papyrus:` but the schema module's, and a
//   component's type token (`"papyrus:aws:DigestPinnedService"`, a Pulumi type, not a key);
// - a comment may name a key (`papyrus:promoteFrom`), but only one the schema has
//   (or a path inside one, `papyrus:https.domain`), so comments cannot go stale;
//   besides keys, comments and docs may name the project's stack tags
//   (`papyrus:release:<n>`, `papyrus:decision:<n>:<k>`, `papyrus:ecs:<n>`, `papyrus:stack`) and type tokens (`papyrus:aws:…`).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import * as ts from "typescript";
import {
    CONFIG_KEYS,
    CONFIG_SCHEMA,
    ConfigKey,
    DRIVER_KEYS,
    formOf,
    isRefusal,
    KeySpec,
    parseSetting,
    qualifiedKey,
    ANY_PROJECT,
    ScalarKey,
} from "../../components/configSchema";
import { readSetting, writeUpdateConfig } from "../../automation/record/updateConfig";
import { CONFIG_TABLE_DOC, documentedConfigTable, renderConfigTable } from "../../scripts/configTable";

const ROOT = path.resolve(__dirname, "..", "..");
const SCHEMA_FILE = path.join("components", "configSchema.ts");
/** Names in the `papyrus:` namespace that are not config keys: type tokens and stack tags. */
const NOT_KEYS = ["aws", "release", "decision", "ecs", "stack"];
/** `papyrus:` where a key, tag or type token starts (not `repo:acme/papyrus:ref:…`, a GitHub subject). */
const NAMESPACE = /(?<![\w/.-])papyrus:/g;
const TYPE_TOKEN = /^(["'`])papyrus:aws:[A-Z]\w*\1$/;

function sourceFiles(): string[] {
    const walk = (dir: string): string[] =>
        fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) return entry.name === "node_modules" ? [] : walk(file);
            return /\.(ts|js|cjs|mjs)$/.test(entry.name) ? [file] : [];
        });
    return [...["automation", "components", "policy", "scripts"].flatMap(walk), "index.ts"];
}

/** [start, end) of every string, template and regular expression literal in `text`. */
function literalRanges(file: string, text: string): Array<[number, number]> {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS);
    const ranges: Array<[number, number]> = [];
    const visit = (node: ts.Node) => {
        if (
            ts.isStringLiteral(node) ||
            ts.isNoSubstitutionTemplateLiteral(node) ||
            ts.isTemplateHead(node) ||
            ts.isTemplateMiddle(node) ||
            ts.isTemplateTail(node) ||
            ts.isRegularExpressionLiteral(node)
        ) {
            ranges.push([node.getStart(source), node.end]);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return ranges;
}

/** Whether `name` (what follows `papyrus:`) is a schema key, a path inside one, or a tag or type token. */
function namesKnown(name: string): boolean {
    const head = name.split(".")[0];
    return (CONFIG_KEYS as string[]).includes(head) || NOT_KEYS.includes(head);
}

/** `file:line: problem` for every `papyrus:` in `text` the rule above refuses. */
function violations(file: string, text: string, ranges: Array<[number, number]>): string[] {
    const found: string[] = [];
    for (const match of text.matchAll(NAMESPACE)) {
        const at = match.index;
        const line = text.slice(0, at).split("\n").length;
        const literal = ranges.find(([start, end]) => at >= start && at < end);
        const name = /^[A-Za-z][\w.]*/.exec(text.slice(at + match[0].length))?.[0];
        if (literal !== undefined) {
            const code = text.slice(...literal);
            if (file !== SCHEMA_FILE && !TYPE_TOKEN.test(code)) found.push(`${file}:${line}: literal ${code.slice(0, 80)}`);
        } else if (name !== undefined && !namesKnown(name)) {
            found.push(`${file}:${line}: comment names \`papyrus:${name}\`, which the schema does not have`);
        }
    }
    return found;
}

describe("config schema: the one place a key is spelt", () => {
    it("no `papyrus:` literal in the source but the schema's and type tokens; comments name only schema keys", () => {
        const files = sourceFiles();
        assert.ok(files.includes(SCHEMA_FILE) && files.includes("index.ts") && files.length > 50, `scanned ${files.length} files`);
        const found = files.flatMap((file) => {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            return violations(file, text, literalRanges(file, text));
        });
        assert.deepStrictEqual(found, []);
    });

    // The scan itself: what it must refuse and what it must let through.
    const cases: Array<[string, string, number]> = [
        ['const key = "papyrus:image";', "a key in a string", 1],
        ["const m = `set \\`papyrus:promoteFrom\\` to ${x}`;", "a key in a template", 1],
        ["const m = `${a} and papyrus:scanWait`;", "a key in a template's tail", 1],
        ['export const TYPE = "papyrus:aws:DigestPinnedService";', "a type token", 0],
        ['const t = "papyrus:aws:DigestPinnedService extra";', "more than a type token", 1],
        ["// reads `papyrus:promoteFrom` and `papyrus:https.domain`", "schema keys in a comment", 0],
        ["/** `papyrus:release:<n>` tags, `papyrus:<key>` */", "a stack tag and a placeholder in a comment", 0],
        ["// the old `papyrus:imageDigest`", "an unknown key in a comment", 1],
        ['const subject = "repo:acme/papyrus:ref:refs/heads/master";', "a GitHub subject", 0],
    ];
    for (const [code, title, count] of cases) {
        it(`the scan: ${title} → ${count}`, () => {
            assert.strictEqual(violations("x.ts", code, literalRanges("x.ts", code)).length, count);
        });
    }

    it("documents every key in one line, with a value form, and every default reads as a value", () => {
        for (const key of CONFIG_KEYS) {
            const spec: KeySpec = CONFIG_SCHEMA[key];
            assert.match(spec.doc, /^[A-Z`].*\.$/, key);
            assert.doesNotMatch(spec.doc, /\n/, key);
            assert.ok(formOf(key).length > 0, key);
            if (spec.default !== undefined) {
                const parsed = parseSetting(key as ScalarKey, undefined);
                assert.ok(!isRefusal(parsed) && parsed.value !== undefined, `${key}'s default \`${spec.default}\` must read as a value`);
            }
        }
    });

    it("reads a key with a default as that default, and one without as unset, in the project's namespace", () => {
        const none = { project: "orders", values: {} };
        assert.deepStrictEqual(
            {
                protectDeployments: readSetting(none, "protectDeployments"),
                scanThreshold: readSetting(none, "scanThreshold"),
                scanWait: readSetting(none, "scanWait"),
                scanRequired: readSetting(none, "scanRequired"),
                promoteFrom: readSetting(none, "promoteFrom"),
                repositoryName: readSetting({ project: "orders", values: { "orders:repositoryName": "papyrus-api" } }, "repositoryName"),
            },
            {
                protectDeployments: 10,
                scanThreshold: "CRITICAL",
                scanWait: 300_000,
                scanRequired: false,
                promoteFrom: undefined,
                repositoryName: "papyrus-api",
            },
        );
        // Another project's key is not this one's.
        assert.strictEqual(readSetting({ project: "orders", values: { "billing:repositoryName": "x" } }, "repositoryName"), undefined);
        assert.throws(() => readSetting({ project: "orders", values: { "orders:scanWait": "soon" } }, "scanWait"), {
            name: "InvalidInputError",
            message: /^`orders:scanWait` /,
        });
    });

    it("the driver's keys are the schema's driver-owned ones: an update's config file replaces exactly those, in the project's namespace", () => {
        assert.deepStrictEqual(DRIVER_KEYS, ["image", "imageTag", "deployedBy", "deployKind", "promotedFrom", "reconcileOf"]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-schema-"));
        const ordersKey = (key: ConfigKey) => `orders:${key}`;
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: orders\nruntime: nodejs\n");
            const checkout = Object.fromEntries(CONFIG_KEYS.map((key) => [ordersKey(key), `checkout-${key}`]));
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), yaml.dump({ config: checkout }));
            const copy = writeUpdateConfig(dir, "dev", { image: "driver-image", deployKind: "deploy" });
            try {
                const written = (yaml.load(fs.readFileSync(copy.path, "utf8")) as { config: Record<string, string> }).config;
                const expected = Object.fromEntries(
                    CONFIG_KEYS.filter((key) => CONFIG_SCHEMA[key].owner === "stack").map((key) => [ordersKey(key), `checkout-${key}`]),
                );
                assert.deepStrictEqual(written, { ...expected, [ordersKey("image")]: "driver-image", [ordersKey("deployKind")]: "deploy" });
            } finally {
                copy.remove();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the stack files in git set only stack keys the schema has", () => {
        for (const file of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
            const config = (yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as { config: Record<string, unknown> }).config;
            const keys = Object.keys(config).filter((key) => key.startsWith("papyrus:"));
            assert.ok(keys.length > 5, file);
            const unknownOrDriver = keys.filter((key) => {
                const name = key.slice("papyrus:".length) as ConfigKey;
                return !(CONFIG_KEYS as string[]).includes(name) || CONFIG_SCHEMA[name].owner !== "stack";
            });
            assert.deepStrictEqual(unknownOrDriver, [], file);
        }
    });
});

describe("config schema: the docs", () => {
    it("docs/COMPONENTS.md's key table is the schema's (regenerate: npx ts-node --transpile-only scripts/configTable.ts)", () => {
        const documented = documentedConfigTable(fs.readFileSync(CONFIG_TABLE_DOC, "utf8"));
        assert.strictEqual(documented, renderConfigTable());
        for (const key of CONFIG_KEYS) assert.ok(documented.includes(`| \`${qualifiedKey(ANY_PROJECT, key)}\` |`), key);
    });

    it("README and docs/*.md name no `papyrus:` key the schema does not have", () => {
        const docs = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((file) => path.join("docs", file))].filter((file) => file.endsWith(".md"));
        // The test fixture program's own keys (testkit/fixtures/digest-app), which docs/TESTING.md describes.
        const fixture = fs.readFileSync(path.join(ROOT, "testkit", "fixtures", "digest-app", "index.ts"), "utf8");
        const fixtureKeys = [...fixture.matchAll(/config\.\w+\("(fixture\w+)"\)/g)].map((m) => m[1]);
        assert.ok(fixtureKeys.includes("fixtureServiceDelayMs"), fixtureKeys.join());
        const unknown = docs.flatMap((file) =>
            [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/(?<![\w/.-])papyrus:([A-Za-z][\w.]*)/g)]
                .map((m) => m[1])
                .filter((name) => !namesKnown(name) && !fixtureKeys.includes(name))
                .map((name) => `${file}: papyrus:${name}`),
        );
        assert.ok(docs.length >= 5, docs.join());
        assert.deepStrictEqual(unknown, []);
    });
});
