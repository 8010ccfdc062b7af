// One exit-code table: EXIT_CODES with its one-line EXIT_CODE_MEANINGS (automation/record/errors.ts) is the
// source; the README's and docs/CI.md's tables must say exactly that (every code, none extra, the
// same meaning), and the CLI's help, docs/DRIVER.md's details and the workflows' messages may name
// only those codes. The job summary prints the meanings themselves.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { USAGE } from "../../automation/cli/main";
import { EXIT_CODE_MEANINGS, EXIT_CODES } from "../../automation/record/errors";
import { jobSummary } from "../../scripts/job-summary";

const ROOT = path.resolve(__dirname, "..", "..");

type Row = readonly [code: number, meaning: string];

/** Every code with its meaning, in EXIT_CODES's order. */
const EXPECTED: Row[] = (Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]).map((key) => [EXIT_CODES[key], EXIT_CODE_MEANINGS[key]]);

function read(file: string): string {
    return fs.readFileSync(path.join(ROOT, file), "utf8");
}

function cells(line: string): string[] {
    return line
        .trim()
        .replace(/^\|/, "")
        .replace(/\|$/, "")
        .split("|")
        .map((c) => c.trim());
}

/** The rows of the one markdown table in `text` whose header is `| exit | meaning |` (indented in a list, too). */
function exitCodeTable(text: string, file: string): Row[] {
    const lines = text.split("\n");
    const starts = lines.flatMap((line, i) => (/^\s*\|/.test(line) && cells(line).join("|") === "exit|meaning" ? [i] : []));
    assert.strictEqual(starts.length, 1, `${file} must have exactly one table headed \`| exit | meaning |\`, found ${starts.length}`);
    const rows: Row[] = [];
    for (const line of lines.slice(starts[0] + 2)) {
        if (!/^\s*\|/.test(line)) break;
        const [code, meaning, ...rest] = cells(line);
        assert.ok(/^\d+$/.test(code) && rest.length === 0, `${file}: a row of the exit-code table is not \`| <code> | <meaning> |\`: ${line.trim()}`);
        rows.push([Number(code), meaning]);
    }
    return rows;
}

function markdownTable(rows: readonly Row[]): string {
    return ["| exit | meaning |", "| --- | --- |", ...rows.map(([code, meaning]) => `| ${code} | ${meaning} |`)].join("\n");
}

const codes = (list: Iterable<number>) => [...new Set(list)].sort((a, b) => a - b);
const ALL_CODES = codes(Object.values(EXIT_CODES));

describe("exit codes: one table, from EXIT_CODES and EXIT_CODE_MEANINGS", () => {
    it("each meaning is one line without `|`, so it fits a markdown table cell", () => {
        for (const [code, meaning] of EXPECTED) {
            assert.ok(meaning.length > 0 && !/[|\n]/.test(meaning), `exit ${code}'s meaning must be one line without \`|\`, got ${JSON.stringify(meaning)}`);
        }
    });

    for (const file of ["README.md", "docs/CI.md"]) {
        it(`${file}'s table has every code with its meaning, none extra, in order`, () => {
            const found = exitCodeTable(read(file), file);
            // kills: a code missing (CI.md lacked 8, 9, 11, 130), a code given to another meaning (10 for the scan gate), a stale meaning
            assert.deepStrictEqual(
                found,
                EXPECTED,
                `${file}'s exit-code table must be EXIT_CODE_MEANINGS (automation/record/errors.ts); the table to paste:\n\n${markdownTable(EXPECTED)}\n`,
            );
        });
    }

    it("the parser finds a broken row: a wrong number, a changed meaning, a missing and an extra code", () => {
        const good = markdownTable(EXPECTED);
        const broken = [
            good.replace("| 11 |", "| 10 |"),
            good.replace(`| ${EXIT_CODE_MEANINGS.drift} |`, "| drift |"),
            good.replace(`\n| 130 | ${EXIT_CODE_MEANINGS.interrupted} |`, ""),
            `${good}\n| 14 | something new |`,
        ];
        assert.deepStrictEqual(exitCodeTable(good, "good"), EXPECTED);
        for (const text of broken) assert.notDeepStrictEqual(exitCodeTable(text, "broken"), EXPECTED);
        assert.throws(() => exitCodeTable(`${good}\n\n${good}`, "twice.md"), /twice\.md must have exactly one table headed `\| exit \| meaning \|`, found 2/);
        assert.throws(() => exitCodeTable(good.replace("| 5 |", "| five |"), "odd.md"), /odd\.md: a row of the exit-code table is not/);
    });

    it("the CLI's help lists every code and no other", () => {
        const section = USAGE.slice(USAGE.indexOf("Exit codes"));
        assert.ok(section.length > 0 && USAGE.includes("Exit codes"), "the CLI's help has an `Exit codes` section");
        // Two columns of `<code>  <meaning>`: a code starts a line or follows two spaces, and two spaces follow it.
        const listed = codes([...section.matchAll(/(?:^|\s{2})(\d{1,3}) {2}\S/gm)].map((m) => Number(m[1])));
        assert.deepStrictEqual(listed, ALL_CODES);
    });

    it("docs/DRIVER.md details every code and no other", () => {
        const text = read("docs/DRIVER.md");
        const section = text.slice(text.indexOf("## Exit codes in detail"), text.indexOf("\n## ", text.indexOf("## Exit codes in detail") + 1));
        const detailed = [...section.matchAll(/^- \*\*(\d+)\*\*/gm)].map((m) => Number(m[1]));
        assert.deepStrictEqual(detailed, ALL_CODES);
    });

    it("the workflows explain only codes the driver gives", () => {
        const dir = path.join(ROOT, ".github", "workflows");
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yml"))) {
            const explained = [...fs.readFileSync(path.join(dir, file), "utf8").matchAll(/^\s*(\d+)\) echo/gm)].map((m) => Number(m[1]));
            for (const code of explained) {
                assert.ok(ALL_CODES.includes(code), `${file} explains exit ${code}, which papyrus-deploy never gives`);
            }
        }
    });

    it("the job summary says each code's meaning as EXIT_CODE_MEANINGS has it", () => {
        for (const [code, meaning] of EXPECTED) {
            const { markdown } = jobSummary({
                command: "deploy",
                stack: "dev",
                evidencePath: "evidence/deploy.json",
                evidence: { missing: "not written" },
                exitCode: code,
            });
            assert.ok(markdown.includes(`exit ${code}: ${meaning}`), `the job summary for exit ${code} must say \`${meaning}\`:\n${markdown}`);
        }
    });
});
