// The scan gate's settings and threshold logic (automation/aws/scanGate.ts), pure and table-driven.
// What it does with ECR's answers is proven against moto in test/engine/guards.test.ts.
import * as assert from "assert";
import { acceptFindingsReason, findingsAtOrAbove, formatCounts, ScanFindingsError, scanGateSettings } from "../../automation/aws/scanGate";
import { EXIT_CODES } from "../../automation/record/errors";

describe("scanGateSettings (papyrus:scanThreshold, papyrus:scanWait, papyrus:scanRequired)", () => {
    const good: Array<[Record<string, string>, ReturnType<typeof scanGateSettings>]> = [
        [{}, { threshold: "CRITICAL", waitMs: 300_000, required: false }],
        [
            { "papyrus:scanThreshold": "HIGH", "papyrus:scanWait": "90s", "papyrus:scanRequired": "true" },
            { threshold: "HIGH", waitMs: 90_000, required: true },
        ],
        [
            { "papyrus:scanThreshold": "off", "papyrus:scanWait": "0", "papyrus:scanRequired": "false" },
            { threshold: "off", waitMs: 0, required: false },
        ],
        [
            { "papyrus:scanThreshold": "INFORMATIONAL", "papyrus:scanWait": "1m30s" },
            { threshold: "INFORMATIONAL", waitMs: 90_000, required: false },
        ],
    ];
    for (const [config, settings] of good) {
        it(JSON.stringify(config), () => assert.deepStrictEqual(scanGateSettings({ project: "papyrus", values: config }), settings));
    }
    const bad: Array<[Record<string, string>, string]> = [
        [
            { "papyrus:scanThreshold": "critical" },
            "`papyrus:scanThreshold` must be one of `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `INFORMATIONAL`, `off` (findings of that severity or worse refuse a deploy; default `CRITICAL`), got `critical`",
        ],
        [
            { "papyrus:scanThreshold": "UNDEFINED" },
            "`papyrus:scanThreshold` must be one of `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `INFORMATIONAL`, `off` (findings of that severity or worse refuse a deploy; default `CRITICAL`), got `UNDEFINED`",
        ],
        [
            { "papyrus:scanWait": "5 minutes" },
            "`papyrus:scanWait` must be a duration of at most 60 minutes such as `90s`, `5m` or `0` (refuse a scan that is still running), got `5 minutes`",
        ],
        [
            { "papyrus:scanWait": "61m" },
            "`papyrus:scanWait` must be a duration of at most 60 minutes such as `90s`, `5m` or `0` (refuse a scan that is still running), got `61m`",
        ],
        [{ "papyrus:scanRequired": "yes" }, "`papyrus:scanRequired` must be `true` or `false`, got `yes`"],
    ];
    for (const [config, message] of bad) {
        it(`refuses ${JSON.stringify(config)}`, () =>
            assert.throws(() => scanGateSettings({ project: "papyrus", values: config }), { name: "InvalidInputError", message }));
    }
});

describe("findingsAtOrAbove", () => {
    const counts = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5, UNDEFINED: 6, UNTRIAGED: 7 };
    const cases: Array<[Parameters<typeof findingsAtOrAbove>[1], Record<string, number>, Record<string, number>]> = [
        ["CRITICAL", counts, { CRITICAL: 1 }],
        ["HIGH", counts, { CRITICAL: 1, HIGH: 2 }],
        ["MEDIUM", counts, { CRITICAL: 1, HIGH: 2, MEDIUM: 3 }],
        ["INFORMATIONAL", counts, { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5 }],
        // Severities without a rank (basic scanning's UNDEFINED, enhanced scanning's UNTRIAGED) never reach a threshold.
        ["INFORMATIONAL", { UNDEFINED: 6, UNTRIAGED: 7 }, {}],
        ["CRITICAL", { HIGH: 9 }, {}],
        ["HIGH", { CRITICAL: 0, HIGH: 1 }, { HIGH: 1 }],
        ["CRITICAL", {}, {}],
    ];
    for (const [threshold, given, reached] of cases) {
        it(`${threshold} of ${JSON.stringify(given)}`, () => assert.deepStrictEqual(findingsAtOrAbove(given, threshold), reached));
    }
});

describe("formatCounts", () => {
    const cases: Array<[Record<string, number>, string]> = [
        [{}, "none"],
        [{ HIGH: 0 }, "none"],
        [{ LOW: 4, CRITICAL: 2, UNTRIAGED: 1, HIGH: 5, UNDEFINED: 3 }, "2 CRITICAL, 5 HIGH, 4 LOW, 3 UNDEFINED, 1 UNTRIAGED"],
    ];
    for (const [counts, text] of cases) it(text, () => assert.strictEqual(formatCounts(counts), text));
});

describe("acceptFindingsReason (--accept-findings)", () => {
    it("keeps the reason, trimmed", () => assert.strictEqual(acceptFindingsReason("  CVE-2025-1234: not reachable  "), "CVE-2025-1234: not reachable"));
    for (const given of ["", "   "]) {
        it(`refuses ${JSON.stringify(given)}`, () =>
            assert.throws(() => acceptFindingsReason(given), {
                name: "InvalidInputError",
                message:
                    '`--accept-findings` must say why the findings are accepted (e.g. `--accept-findings "CVE-2025-1234: the parser is not reachable; fixed in v2.1"`), ' +
                    `and is empty${given === "" ? "" : `, got \`${given}\``}`,
            }));
    }
});

// Exact words of the refusals (from `npm run mutate` survivors).
describe("the scan gate's refusals, word for word", () => {
    it("refuses a reason with a line break, shown escaped", () => {
        // kills: the `hasUnprintable` check and its message
        assert.throws(() => acceptFindingsReason("ok\nforged"), {
            name: "InvalidInputError",
            message:
                "`--accept-findings` has a control character or a line break (shown escaped); give the reason on one line of plain text " +
                '(e.g. `--accept-findings "CVE-2025-1234: the parser is not reachable; fixed in v2.1"`), got `ok\\nforged`',
        });
    });

    it("says what was refused, that nothing changed, and the command to accept it", () => {
        // kills: ScanFindingsError's message and exit code
        const error = new ScanFindingsError("dev", "sha256:abc", "2 CRITICAL findings", "papyrus-deploy deploy --stack dev --tag v2");
        assert.strictEqual(
            error.message,
            "sha256:abc is not deployed to stack `dev`: 2 CRITICAL findings; nothing was changed. Deploy a fixed build, or, if the risk is understood, " +
                'run `papyrus-deploy deploy --stack dev --tag v2 --accept-findings "<why>"` (the reason and the counts go into the evidence)',
        );
        assert.strictEqual(error.exitCode, EXIT_CODES.scanFindings);
    });

    it("orders severities ECR adds later after the ranked ones, by name", () => {
        // kills: `order`'s `i === -1` fallback and the name tie-break
        assert.strictEqual(formatCounts({ ZETA: 1, UNTRIAGED: 2, LOW: 3, ALPHA: 4 }), "3 LOW, 4 ALPHA, 2 UNTRIAGED, 1 ZETA");
    });
});
