// Who asked and why, on one line (issue 23, point 8): the requester's sources and their fallback,
// the refusal of a control character in a requester or an `--accept-findings` reason, and tables
// that escape what an older driver recorded, so no value can forge a row. Pure: no engine.
import * as assert from "assert";
import { formatHistory, formatStatus } from "../../automation/cli/print";
import { EXIT_CODES, InvalidInputError } from "../../automation/record/errors";
import { requestedByOf, requester } from "../../automation/record/requester";
import { Deployment } from "../../automation/record/history";
import { escapeUnprintable, hasUnprintable } from "../../automation/record/printable";
import { acceptFindingsReason } from "../../automation/aws/scanGate";
import { describeUpdate } from "../../automation/aws/supersede";

const digest = `sha256:${"5c".repeat(32)}`;
/** What an older driver recorded from `PAPYRUS_DEPLOYER=$'mallory\n9  …'`: a second, forged history row. */
const FORGED = "mallory\n9        2026-11-23T14:41:10Z  2026-11-23T14:41:15Z  succeeded  deploy  v9.9.9";

function refusal(run: () => unknown): InvalidInputError {
    try {
        run();
    } catch (err) {
        assert.ok(err instanceof InvalidInputError, String(err));
        assert.strictEqual(err.exitCode, EXIT_CODES.usage);
        return err;
    }
    return assert.fail("not refused");
}

describe("who asked, and why, on one line", () => {
    it("escapes control characters, line breaks and bidi overrides, and nothing else", () => {
        assert.strictEqual(
            escapeUnprintable("a\nb\rc\td\u0000e\u001bf\u007fg\u0085h\u2028i\u202ej"),
            "a\\nb\\rc\\td\\u0000e\\u001bf\\u007fg\\u0085h\\u2028i\\u202ej",
        );
        assert.strictEqual(escapeUnprintable("Zoë O'Brien (github-actions) \\n"), "Zoë O'Brien (github-actions) \\n");
        assert.deepStrictEqual(["a b", "é", "a\nb", "a\u2029b", "\u2066x"].map(hasUnprintable), [false, false, true, true, true]);
    });

    it("takes the first requester source that says something: an empty or blank one falls back to the next, the one taken is trimmed", () => {
        // kills: `??` (an empty PAPYRUS_DEPLOYER recorded as an empty requester), and blanks recorded as who asked
        assert.strictEqual(requester({ PAPYRUS_DEPLOYER: "", USER: "bob" }), "bob");
        assert.strictEqual(requester({ PAPYRUS_DEPLOYER: "   ", USER: "", LOGNAME: "carol" }), "carol");
        assert.strictEqual(requester({ PAPYRUS_DEPLOYER: " \t ", USER: " " }), "unknown");
        assert.strictEqual(requester({ PAPYRUS_DEPLOYER: "  alice ", USER: "bob" }), "alice");
        assert.strictEqual(requester({ GITHUB_ACTIONS: "true", GITHUB_ACTOR: "octocat", PAPYRUS_DEPLOYER: "alice" }), "octocat (github-actions)");
        assert.strictEqual(requester({ GITHUB_ACTIONS: "true", GITHUB_ACTOR: " ", PAPYRUS_DEPLOYER: "alice" }), "alice");
        assert.strictEqual(requester({ GITHUB_ACTOR: "octocat", USER: "bob" }), "bob", "GITHUB_ACTOR only in GitHub Actions");
        assert.strictEqual(requestedByOf({ requestedBy: "", env: { USER: "bob" } }), "bob");
        assert.strictEqual(requestedByOf({ requestedBy: " dave ", env: { USER: "bob" } }), "dave");
    });

    it("refuses a requester with a control character or a line break, naming the variable and showing the value escaped", () => {
        // kills: a requester recorded with a line break (a forged `history` row), or a refusal that prints the value raw
        const err = refusal(() => requester({ PAPYRUS_DEPLOYER: FORGED, USER: "bob" }));
        assert.strictEqual(
            err.message,
            "`PAPYRUS_DEPLOYER` names who asked, which goes into the stack history and the evidence, and has a control character or a line break (shown escaped); " +
                "set it to a plain name such as `alice`, or unset it to use the next of GITHUB_ACTOR (in CI), PAPYRUS_DEPLOYER, USER, LOGNAME, " +
                `got \`${FORGED.replace("\n", "\\n")}\``,
        );
        assert.ok(!err.message.includes("\n"));
        assert.strictEqual(refusal(() => requester({ USER: "bob\u001b[2J" })).input, "USER");
        assert.strictEqual(refusal(() => requester({ GITHUB_ACTIONS: "true", GITHUB_ACTOR: "oct\tocat" })).input, "GITHUB_ACTOR");
        assert.strictEqual(refusal(() => requestedByOf({ requestedBy: "ev\re", env: { USER: "bob" } })).input, "requestedBy");
        // A bad source after the one taken is never read.
        assert.strictEqual(requester({ PAPYRUS_DEPLOYER: "alice", USER: "b\nob" }), "alice");
    });

    it("refuses an `--accept-findings` reason with a control character or a line break, shown escaped; a plain one is trimmed", () => {
        // kills: a reason printed and recorded raw (it is printed on the `scan: ACCEPTED` line of the output)
        const err = refusal(() => acceptFindingsReason("CVE-1: fine\nscan: passed"));
        assert.strictEqual(
            err.message,
            "`--accept-findings` has a control character or a line break (shown escaped); give the reason on one line of plain text " +
                '(e.g. `--accept-findings "CVE-2025-1234: the parser is not reachable; fixed in v2.1"`), got `CVE-1: fine\\nscan: passed`',
        );
        assert.strictEqual(acceptFindingsReason("  CVE-1: not reachable "), "CVE-1: not reachable");
    });

    it("`history` and `status` escape a requester an older driver recorded with a line break: no forged row", () => {
        // kills: printing a recorded requester raw in either table, or in the message naming an intervening update
        const deployments: Deployment[] = [
            {
                version: 2,
                operation: "update",
                kind: "deploy",
                result: "succeeded",
                startTime: new Date("2026-11-23T14:40:02Z"),
                digest,
                tag: "v1.0.0",
                requestedBy: FORGED,
                runner: "driver",
                running: true,
                release: { verdict: "completed", reason: "ECS deployment completed" },
            },
            {
                version: 1,
                operation: "update",
                kind: "deploy",
                result: "succeeded",
                startTime: new Date("2026-11-23T14:39:48Z"),
                runner: "driver",
                release: { verdict: "unknown", reason: "an update that recorded no image" },
            },
        ];
        const history = formatHistory(deployments).trimEnd().split("\n");
        assert.strictEqual(history.length, 3, "a header and one row per update");
        assert.match(history[1], /^2\s+.*\s+mallory\\n9 {8}2026-11-23T14:41:10Z {2}2026-11-23T14:41:15Z {2}succeeded {2}deploy {2}v9\.9\.9\s+\*$/);
        const status = formatStatus({
            project: "papyrus",
            backendUrl: "file:///tmp/state",
            stacks: [
                { stack: "dev", version: 2, digest, tag: "v1.0.0", when: "2026-11-23T14:40:07.000Z", who: FORGED, ecs: { notChecked: "x", reason: "error" } },
                { stack: "prod", problem: "line one\nline two" },
            ],
        })
            .trimEnd()
            .split("\n");
        assert.strictEqual(status.length, 5, "a header, one row per stack, a blank line and the one detail");
        assert.match(status[1], /^dev\s+2\s+.*\s+mallory\\n9 {8}2026-11-23T14:41:10Z .* v9\.9\.9\s+error \[1\]/);
        assert.strictEqual(status[4], "[1] dev ECS: x");
        assert.match(status[2], /^prod\s.*line one\\nline two$/);
        assert.strictEqual(describeUpdate(deployments[0]), `update 2 (deploy v1.0.0 by ${FORGED.replace("\n", "\\n")}, succeeded)`);
    });
});
