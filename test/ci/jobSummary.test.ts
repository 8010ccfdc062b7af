// scripts/job-summary.ts: the job summary of deploy.yml, rollback.yml and
// promote.yml. The markdown is asserted exactly for each shape of evidence
// (a clean deploy, an ECS rollback, a reconcile, a promote, a rollback, none at
// all, one from an older driver), then `main` as the workflows run it: files in
// a temporary directory standing for $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { jobSummary, main, SummaryEvidence, SummaryInput, USAGE } from "../../scripts/job-summary";

const REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const URL = "http://papyrus-lb-1234567890.eu-west-1.elb.amazonaws.com";

/** A v2 record as the driver writes it after a clean deploy, with the issue-12 fields. */
const DEPLOYED: SummaryEvidence = {
    schema: "papyrus.deploy-evidence/v2",
    kind: "deploy",
    stack: "dev",
    stackQualified: "organization/papyrus/dev",
    repository: "papyrus-api",
    repositoryUrl: REPO,
    image: `${REPO}@${digest("a")}`,
    imageDigest: digest("a"),
    applied: true,
    requestedImage: `${REPO}@${digest("a")}`,
    requestedDigest: digest("a"),
    imageTag: "v1.2.3",
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    isIndex: false,
    previousDigest: digest("b"),
    updateVersion: 7,
    result: "succeeded",
    startedAt: "2026-11-23T10:00:00Z",
    finishedAt: "2026-11-23T10:04:00Z",
    requestedBy: "alice (github-actions)",
    verify: { inSync: true, running: [`${REPO}@${digest("a")}`] },
    rollout: {
        deploymentId: "ecs-svc/1234567890",
        state: "COMPLETED",
        runningDigest: digest("a"),
        events: ["(service papyrus-service) has reached a steady state."],
    },
    loadBalancerUrl: URL,
};

const base = (input: Partial<SummaryInput>): SummaryInput => ({
    command: "deploy",
    stack: "dev",
    evidencePath: "evidence/deploy.json",
    evidence: { record: DEPLOYED },
    exitCode: 0,
    tag: "v1.2.3",
    ...input,
});

const HEAD = ["", "| | |", "| --- | --- |"];

describe("jobSummary: the markdown, exactly, for each shape of evidence", () => {
    it("a clean deploy: every row, the rollout, the events, and the load balancer as the environment URL", () => {
        const summary = jobSummary(base({}));
        assert.strictEqual(
            summary.markdown,
            [
                "### Deploy `v1.2.3` to `dev`: succeeded",
                ...HEAD,
                "| stack | `dev` |",
                "| tag | `v1.2.3` |",
                `| digest | \`${digest("a")}\` |`,
                `| previous digest | \`${digest("b")}\` |`,
                "| result | succeeded (deploy, update 7); exit 0: done |",
                "| ECS rollout | `COMPLETED` (deployment `ecs-svc/1234567890`): ECS finished the deployment |",
                "| verify | ECS runs the recorded digest |",
                `| load balancer | ${URL} |`,
                "| requested by | alice (github-actions) |",
                "",
                "ECS service events:",
                "",
                "- (service papyrus-service) has reached a steady state.",
                "",
            ].join("\n"),
        );
        assert.strictEqual(summary.url, URL);
    });

    it("ECS rolled the deploy back: exit 6, both digests, the ECS events (the newest ten), and the stack's claim called out", () => {
        const events = Array.from({ length: 12 }, (_, i) => `event ${i + 1}`);
        const record: SummaryEvidence = {
            ...DEPLOYED,
            verify: { inSync: false, running: [`${REPO}@${digest("b")}`] },
            rollout: {
                deploymentId: "ecs-svc/99",
                state: "FAILED",
                runningDigest: digest("b"),
                events: [...events.slice(0, 11), "deployment failed: alarm papyrus-target-5xx-3f2a1b0 | in ALARM"],
            },
        };
        const { markdown } = jobSummary(base({ evidence: { record }, exitCode: 6 }));
        assert.strictEqual(
            markdown,
            [
                "### Deploy `v1.2.3` to `dev`: failed (exit 6)",
                ...HEAD,
                "| stack | `dev` |",
                "| tag | `v1.2.3` |",
                `| digest | \`${digest("a")}\` |`,
                `| previous digest | \`${digest("b")}\` |`,
                "| result | succeeded (deploy, update 7); exit 6: ECS rolled the deployment back or failed it, or runs another image than the stack recorded |",
                "| ECS rollout | `FAILED` (deployment `ecs-svc/99`): ECS failed the deployment and rolled it back |",
                `| verify | DRIFT: ECS runs \`${REPO}@${digest("b")}\` |`,
                `| load balancer | ${URL} |`,
                "| requested by | alice (github-actions) |",
                "",
                `**ECS runs \`${digest("b")}\`, not the digest the stack records (\`${digest("a")}\`).** The next plain \`up\` would put the recorded one back; see the log for what to run.`,
                "",
                "ECS service events (the last 10 of 12):",
                "",
                ...events.slice(2, 11).map((e) => `- ${e}`),
                "- deployment failed: alarm papyrus-target-5xx-3f2a1b0 | in ALARM",
                "",
            ].join("\n"),
        );
    });

    it("a reconcile after ECS's rollback: which update ECS rolled back, and that the stack now records what ECS runs", () => {
        const record: SummaryEvidence = {
            ...DEPLOYED,
            kind: "reconcile",
            imageDigest: digest("b"),
            requestedDigest: digest("b"),
            previousDigest: digest("a"),
            updateVersion: 8,
            reconcileOf: { version: 7, digest: digest("a") },
            rollout: { state: "UNCHANGED", runningDigest: digest("b") },
        };
        const { markdown } = jobSummary(base({ evidence: { record }, exitCode: 6 }));
        assert.strictEqual(
            markdown,
            [
                "### Deploy `v1.2.3` to `dev`: failed (exit 6)",
                ...HEAD,
                "| stack | `dev` |",
                "| tag | `v1.2.3` |",
                `| digest | \`${digest("b")}\` |`,
                `| previous digest | \`${digest("a")}\` |`,
                "| result | succeeded (reconcile, update 8); exit 6: ECS rolled the deployment back or failed it, or runs another image than the stack recorded |",
                "| ECS rollout | `UNCHANGED`: no new ECS deployment: the service already ran this task definition |",
                "| verify | ECS runs the recorded digest |",
                `| load balancer | ${URL} |`,
                `| reconciled | ECS rolled back update 7 (\`${digest("a")}\`); this update records the digest ECS runs |`,
                "| requested by | alice (github-actions) |",
                "",
            ].join("\n"),
        );
    });

    it("the rolled-back deploy that `--on-rollback reconcile` followed: the reconcile's update and the digest the stack now records", () => {
        const record: SummaryEvidence = {
            ...DEPLOYED,
            rollout: { state: "FAILED", runningDigest: digest("b") },
            reconciledBy: { updateVersion: 8, digest: digest("b"), result: "succeeded" },
        };
        const { markdown } = jobSummary(base({ evidence: { record }, exitCode: 6 }));
        assert.ok(markdown.split("\n").includes(`| reconciled by | update 8 succeeded: the stack records \`${digest("b")}\`, what ECS runs |`), markdown);
        const failed = jobSummary(
            base({ evidence: { record: { ...record, reconciledBy: { digest: null, result: "failed", error: "pulumi up failed" } } }, exitCode: 6 }),
        ).markdown;
        assert.ok(failed.split("\n").includes("| reconciled by | a reconcile failed; pulumi up failed |"), failed);
    });

    it("a promote: the source's update as the job picked it, and as the record names it", () => {
        const record: SummaryEvidence = {
            ...DEPLOYED,
            kind: "promote",
            stack: "prod",
            imageTag: "v3.0.0",
            previousDigest: undefined,
            rollout: undefined,
            loadBalancerUrl: "https://api.example.com",
            promotedFrom: { stack: "dev", version: 4, digest: digest("a"), tag: "v3.0.0" },
        };
        const summary = jobSummary({
            command: "promote",
            stack: "prod",
            evidencePath: "evidence/promote.json",
            evidence: { record },
            exitCode: 0,
            tag: "v3.0.0",
            source: { stack: "dev", version: "4", digest: digest("a") },
        });
        assert.strictEqual(
            summary.markdown,
            [
                "### Promote `dev` → `prod`: succeeded",
                ...HEAD,
                "| stack | `prod` |",
                `| promoted from | \`dev\`, update 4, \`${digest("a")}\` |`,
                "| tag | `v3.0.0` |",
                `| digest | \`${digest("a")}\` |`,
                "| previous digest | none |",
                "| result | succeeded (promote, update 7); exit 0: done |",
                "| ECS rollout | not recorded |",
                "| verify | ECS runs the recorded digest |",
                "| load balancer | https://api.example.com |",
                `| source | \`dev\` update 4, \`${digest("a")}\`: the same digest |`,
                "| requested by | alice (github-actions) |",
                "",
            ].join("\n"),
        );
        assert.strictEqual(summary.url, "https://api.example.com");
    });

    it("a rollback that nothing was found for (exit 7): no evidence, the CLI's error, no URL", () => {
        const summary = jobSummary({
            command: "rollback",
            stack: "prod",
            evidencePath: "evidence/rollback.json",
            exitCode: 7,
            evidence: { missing: "`evidence/rollback.json` was not written (the command stopped before it ran an update, or did not run)" },
            error: "nothing to roll back to: no earlier succeeded deployment of `prod` has another digest than `sha256:…`",
        });
        assert.strictEqual(
            summary.markdown,
            [
                "### Roll back `prod`: failed (exit 7)",
                ...HEAD,
                "| stack | `prod` |",
                "| tag | none |",
                "| digest | unknown (no evidence) |",
                "| previous digest | unknown (no evidence) |",
                "| result | exit 7: nothing to roll back to or to promote (for `up`: no running digest recorded yet); nothing changed |",
                "| ECS rollout | not recorded |",
                "| verify | not recorded |",
                "| load balancer | not recorded |",
                "",
                "No evidence record: `evidence/rollback.json` was not written (the command stopped before it ran an update, or did not run).",
                "",
                "Error:",
                "",
                "```text",
                "nothing to roll back to: no earlier succeeded deployment of `prod` has another digest than `sha256:…`",
                "```",
                "",
            ].join("\n"),
        );
        assert.strictEqual(summary.url, undefined);
    });

    it("a rollback that ran: the target update, and the engine's error fenced past its own backticks", () => {
        const record: SummaryEvidence = {
            ...DEPLOYED,
            kind: "rollback",
            result: "failed",
            imageDigest: digest("a"),
            requestedDigest: digest("c"),
            previousDigest: digest("a"),
            rollbackOf: { version: 3, digest: digest("c") },
            rollout: undefined,
            loadBalancerUrl: undefined,
            verify: { skipped: "the update failed" },
            warnings: ["update 6 ran between\nthis command's read and its own update"],
            error: "pulumi up failed:\n```\nerror: 1 error occurred\n```\n",
        };
        const { markdown, url } = jobSummary({ command: "rollback", stack: "dev", evidencePath: "evidence/rollback.json", evidence: { record }, exitCode: 5 });
        assert.strictEqual(
            markdown,
            [
                "### Roll back `dev`: failed (exit 5)",
                ...HEAD,
                "| stack | `dev` |",
                "| tag | `v1.2.3` |",
                `| digest | \`${digest("a")}\` |`,
                `| requested digest | \`${digest("c")}\`, not what the stack runs |`,
                `| previous digest | \`${digest("a")}\` |`,
                "| result | failed (rollback, update 7); exit 5: `pulumi up` failed; the message says what the stack runs now |",
                "| ECS rollout | not recorded |",
                "| verify | skipped: the update failed |",
                "| load balancer | not recorded |",
                `| rolled back to | update 3 (\`${digest("c")}\`) |`,
                "| requested by | alice (github-actions) |",
                "",
                "Warnings:",
                "",
                "- update 6 ran between this command's read and its own update",
                "",
                "Error:",
                "",
                "````text",
                "pulumi up failed:",
                "```",
                "error: 1 error occurred",
                "```",
                "````",
                "",
            ].join("\n"),
        );
        assert.strictEqual(url, undefined);
    });

    it("a step that never ran (an earlier step failed): says so, and nothing else is claimed", () => {
        const { markdown } = jobSummary(base({ exitCode: undefined, evidence: { missing: "`evidence/deploy.json` was not written (…)" } }));
        assert.match(markdown, /^### Deploy `v1\.2\.3` to `dev`: did not run\n/);
        assert.match(markdown, /^\| result \| the deploy step did not run or did not finish: an earlier step failed, or the run was cancelled \|$/m);
    });

    it("a record from an older driver (no rollout, no URL) and values that are not what they should be", () => {
        const record = {
            ...DEPLOYED,
            rollout: { state: "PAUSED" },
            loadBalancerUrl: "javascript:alert(1)",
            imageDigest: null,
            imageTag: "v1|2",
        } as unknown as SummaryEvidence;
        const { markdown, url } = jobSummary(base({ evidence: { record }, exitCode: 42 }));
        assert.strictEqual(url, undefined, "only an http(s) URL becomes the environment's link");
        for (const line of [
            "| tag | `v1\\|2` |",
            "| digest | none: the stack runs no service |",
            "| result | succeeded (deploy, update 7); exit 42: not an exit code papyrus-deploy gives |",
            "| ECS rollout | `PAUSED` |",
            "| load balancer | `javascript:alert(1)` (not an http(s) URL: the environment gets no link) |",
        ]) {
            assert.ok(markdown.split("\n").includes(line), `missing line ${line} in\n${markdown}`);
        }
    });

    it("a record from a driver that called `up` `infra` names it `up`", () => {
        const record = { ...DEPLOYED, kind: "infra" } as SummaryEvidence;
        const { markdown } = jobSummary(base({ evidence: { record } }));
        assert.ok(markdown.split("\n").includes("| result | succeeded (up, update 7); exit 0: done |"), markdown);
    });
});

describe("job-summary main: as the workflows run it", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-summary-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function run(argv: string[], files: Record<string, string> = {}) {
        for (const [name, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
            fs.writeFileSync(path.join(dir, name), text);
        }
        // What the runner has in them already: other steps' summaries and outputs stay.
        fs.writeFileSync(path.join(dir, "summary.md"), "earlier step\n");
        fs.writeFileSync(path.join(dir, "output"), "exit-code=0\n");
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let out = "";
        let err = "";
        stdout.on("data", (chunk) => (out += chunk));
        stderr.on("data", (chunk) => (err += chunk));
        const code = main(
            argv.map((a) => a.replace("<dir>", dir)),
            { GITHUB_STEP_SUMMARY: path.join(dir, "summary.md"), GITHUB_OUTPUT: path.join(dir, "output") },
            stdout,
            stderr,
        );
        return {
            code,
            out,
            err,
            summary: fs.readFileSync(path.join(dir, "summary.md"), "utf8"),
            output: fs.readFileSync(path.join(dir, "output"), "utf8"),
        };
    }
    const deployArgs = [
        "--command",
        "deploy",
        "--stack",
        "dev",
        "--tag",
        "v1.2.3",
        "--evidence",
        "<dir>/evidence/deploy.json",
        "--result",
        "<dir>/evidence/deploy-result.json",
    ];

    it("appends the summary of the evidence file and the URL to what the runner's files hold", () => {
        const result = run([...deployArgs, "--exit-code", "0"], { "evidence/deploy.json": JSON.stringify(DEPLOYED) });
        assert.deepStrictEqual([result.code, result.err, result.out], [0, "", ""]);
        assert.strictEqual(result.summary, "earlier step\n" + jobSummary(base({})).markdown);
        assert.strictEqual(result.output, `exit-code=0\nurl=${URL}\n`);
    });

    it("without the evidence file: the CLI's error from `--json`, the evidence called missing, no URL, exit 0", () => {
        const result = run([...deployArgs, "--exit-code", "3"], {
            "evidence/deploy-result.json": JSON.stringify({ error: { code: 3, message: "tag `v1.2.3` is not in `papyrus-api`" } }),
        });
        assert.strictEqual(result.code, 0);
        assert.strictEqual(result.output, "exit-code=0\n");
        const summary = result.summary.replace(dir, "<dir>");
        assert.ok(summary.startsWith("earlier step\n### Deploy `v1.2.3` to `dev`: failed (exit 3)\n"), summary);
        assert.ok(
            summary.endsWith(
                [
                    "No evidence record: `<dir>/evidence/deploy.json` was not written (the command stopped before it ran an update, or did not run).",
                    "",
                    "Error:",
                    "",
                    "```text",
                    "tag `v1.2.3` is not in `papyrus-api`",
                    "```",
                    "",
                ].join("\n"),
            ),
            summary,
        );
    });

    it("takes the record from `--json` when only the evidence file is missing, and says where it came from", () => {
        const result = run([...deployArgs, "--exit-code", "8"], { "evidence/deploy-result.json": JSON.stringify(DEPLOYED) });
        assert.strictEqual(result.code, 0);
        assert.match(result.summary, new RegExp(`^\\| digest \\| \`${digest("a")}\` \\|$`, "m"));
        assert.ok(
            result.summary
                .replace(new RegExp(dir, "g"), "<dir>")
                .endsWith(
                    "\nThe evidence file `<dir>/evidence/deploy.json` is missing; this record is the command's `--json` output (`<dir>/evidence/deploy-result.json`).\n",
                ),
        );
        assert.strictEqual(result.output, `exit-code=0\nurl=${URL}\n`);
    });

    it("says so when the evidence file is not JSON or not an evidence record", () => {
        const broken = run([...deployArgs, "--exit-code", "5"], { "evidence/deploy.json": '{"schema": ' });
        assert.match(broken.summary.replace(dir, "<dir>"), /^No evidence record: `<dir>\/evidence\/deploy\.json` could not be read \(not JSON: .+\)\.$/m);
        const other = run([...deployArgs, "--exit-code", "5"], { "evidence/deploy.json": JSON.stringify({ schema: "papyrus.push-evidence/v1" }) });
        assert.match(other.summary.replace(dir, "<dir>"), /^No evidence record: `<dir>\/evidence\/deploy\.json` is not a papyrus-deploy evidence record\.$/m);
    });

    it("an empty exit code is a step that did not run", () => {
        const result = run([...deployArgs, "--exit-code", ""]);
        assert.match(result.summary, /: did not run\n/);
    });

    const usage: [string[], string][] = [
        [["--stack", "dev", "--evidence", "e.json"], "`--command` is required: the papyrus-deploy command the job ran"],
        [["--command", "up", "--stack", "dev", "--evidence", "e.json"], "`--command` must be `deploy`, `rollback` or `promote`, got `up`"],
        [
            ["--command", "deploy", "--stack", "dev", "--evidence", "e.json", "--exit-code", "6x"],
            "`--exit-code` must be the command's exit code (0-255) or empty when its step did not run, got `6x`",
        ],
        [["--command", "deploy", "--stack", "dev", "--evidence", "e.json", "--to-version", "3"], "`--to-version` is not a flag of job-summary.ts"],
    ];
    for (const [argv, message] of usage) {
        it(`refuses ${argv.join(" ")} with exit 2, the problem and the usage, and writes nothing`, () => {
            const result = run(argv);
            assert.strictEqual(result.code, 2);
            assert.strictEqual(result.err, `job-summary: ${message}\n\n${USAGE}\n`);
            assert.deepStrictEqual([result.summary, result.output], ["earlier step\n", "exit-code=0\n"]);
        });
    }
});
