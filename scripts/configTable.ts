// The key table of docs/COMPONENTS.md ("Stack config"), generated from the config schema
// (components/configSchema.ts). test/unit/configSchema.test.ts fails when the docs differ;
// `npx ts-node --transpile-only scripts/configTable.ts` writes the table in place.
import * as fs from "fs";
import * as path from "path";
import { ANY_PROJECT, CONFIG_KEYS, CONFIG_SCHEMA, formOf, qualifiedKey, unsetMeaning } from "../components/configSchema";

export const CONFIG_TABLE_DOC = path.resolve(__dirname, "..", "docs", "COMPONENTS.md");
const BEGIN = "<!-- config keys: generated from components/configSchema.ts by scripts/configTable.ts -->";
const END = "<!-- end of config keys -->";

/** The table, one row per key in the schema's order, between its markers. */
export function renderConfigTable(): string {
    const rows = CONFIG_KEYS.map((key) => {
        const spec = CONFIG_SCHEMA[key];
        const cells = [`\`${qualifiedKey(ANY_PROJECT, key)}\``, spec.owner, formOf(key), unsetMeaning(key), spec.doc];
        return `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
    });
    return [BEGIN, "", "| key | set by | value | unset | what it does |", "| --- | --- | --- | --- | --- |", ...rows, "", END].join("\n");
}

/** The table as the document holds it now (markers included); undefined without markers. */
export function documentedConfigTable(document: string): string | undefined {
    const begin = document.indexOf(BEGIN);
    const end = document.indexOf(END);
    return begin === -1 || end < begin ? undefined : document.slice(begin, end + END.length);
}

if (require.main === module) {
    const document = fs.readFileSync(CONFIG_TABLE_DOC, "utf8");
    const current = documentedConfigTable(document);
    if (current === undefined) throw new Error(`${CONFIG_TABLE_DOC} has no ${BEGIN} … ${END} section`);
    fs.writeFileSync(CONFIG_TABLE_DOC, document.replace(current, renderConfigTable()));
}
