// What the user and the environment give the CLI, end to end (issue 23, points 8 and 11c): who asked
// (PAPYRUS_DEPLOYER and the sources after it), an `--accept-findings` reason, and a secure
// `papyrus:repositoryName`, against the real engine (fixture project, file:// backend) and moto. Each
// case asserts exit code, message, `--json`'s one object, history and `git status` together.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { history } from "../../automation/commands/history";
import { EvidenceRecord } from "../../automation/record/evidence";
import { engineStack } from "../../automation/engine/workspace";
import { stackIdentity } from "../../automation/engine/stackName";
import { writeUpdateConfig } from "../../automation/record/updateConfig";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, runCli } from "../../testkit/cliProcess";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";
const REPO_URL = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("what the user gives the CLI: who asked, why, and the stack's config (real engine + moto)", function () {
    this.timeout(300_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let backend: TempBackend;
    let workDir: string;
    let v1: PushedImage;

    before(async () => {
        moto = await sharedMoto();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
    });
    after(async () => {
        ecr?.destroy();
        await moto?.release();
    });
    beforeEach(async () => {
        await moto.reset();
        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        v1 = await pushImage(ecr, REPO, "v1.0.0");
        await pushImage(ecr, REPO, "v2.0.0");
        // The checkout is a git work tree, so `git status` shows exactly what a run left in it.
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "checkout");
    });
    afterEach(async function () {
        const leak = await assertNoProcessLeft(backend.dir).then(
            () => undefined,
            (e: Error) => e,
        );
        backend.cleanup();
        if (leak && this.currentTest?.state === "passed") throw leak;
    });

    function git(...args: string[]): string {
        return execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
    }
    const gitStatus = () => git("status", "--porcelain", "--untracked-files=all").trimEnd();
    const ctx = () => ({ stackName: "dev", workDir, envVars: backend.env, ecr });
    /** The CLI as a shell runs it, with the requester's sources set as given (the test's own USER and LOGNAME dropped). */
    const cli = (args: string[], who: Record<string, string>) => {
        const env: NodeJS.ProcessEnv = { ...process.env, ...backend.env, ...moto.env, ...who };
        for (const name of ["PAPYRUS_DEPLOYER", "USER", "LOGNAME", "GITHUB_ACTIONS", "GITHUB_ACTOR"]) if (!(name in who)) delete env[name];
        return runCli([...args, "--cwd", workDir], env);
    };
    const errorLine = (stderr: string) =>
        stderr
            .split("\n")
            .find((l) => l.startsWith("error: "))
            ?.slice("error: ".length);

    // Kills: `PAPYRUS_DEPLOYER ?? USER` (an empty or blank variable recorded as who asked), a requester with a line
    // break recorded (a forged `history` row), a refusal that prints it raw or comes after the update, and tables
    // that print a requester an older driver recorded without escaping it.
    it("a blank PAPYRUS_DEPLOYER falls back to USER; one with a line break is refused before anything runs; one an older driver recorded is escaped in `history` and `status`", async () => {
        const evidenceFile = path.join(backend.dir, "evidence", "v1.json");
        const blank = await cli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--evidence", evidenceFile], { PAPYRUS_DEPLOYER: "  ", USER: "bob" });
        assert.strictEqual(blank.code, 0, blank.stderr);
        assert.strictEqual((JSON.parse(fs.readFileSync(evidenceFile, "utf8")) as EvidenceRecord).requestedBy, "bob");
        const empty = await cli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"], { PAPYRUS_DEPLOYER: "", LOGNAME: "carol" });
        assert.strictEqual(empty.code, 0, empty.stderr);
        assert.strictEqual((JSON.parse(empty.stdout) as EvidenceRecord).requestedBy, "carol");
        assert.deepStrictEqual(
            (await history(ctx())).deployments.map((d) => d.requestedBy),
            ["carol", "bob"],
        );

        const forged = "eve\n9        2026-11-23T14:41:10Z  2026-11-23T14:41:15Z  succeeded  deploy  v9.9.9";
        const refused = await cli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--json"], { PAPYRUS_DEPLOYER: forged, USER: "bob" });
        const message =
            "`PAPYRUS_DEPLOYER` names who asked, which goes into the stack history and the evidence, and has a control character or a line break (shown escaped); " +
            "set it to a plain name such as `alice`, or unset it to use the next of GITHUB_ACTOR (in CI), PAPYRUS_DEPLOYER, USER, LOGNAME, " +
            `got \`${forged.replace("\n", "\\n")}\``;
        assert.strictEqual(refused.code, 2, refused.stderr);
        assert.strictEqual(errorLine(refused.stderr), message);
        assert.deepStrictEqual(JSON.parse(refused.stdout), { error: { code: 2, message } });
        const reason = await cli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--accept-findings", "CVE-1\nscan: passed", "--json"], { USER: "bob" });
        assert.strictEqual(reason.code, 2, reason.stderr);
        assert.match(errorLine(reason.stderr) ?? "", /^`--accept-findings` has a control character or a line break .*got `CVE-1\\nscan: passed`$/);
        assert.strictEqual(JSON.parse(reason.stdout).error.code, 2);
        assert.strictEqual((await history(ctx())).deployments.length, 2, "neither ran an update");
        assert.strictEqual(gitStatus(), "");

        // An update an older driver ran with that PAPYRUS_DEPLOYER: its history entry carries the line break.
        const older = engineStack(
            { stackName: "dev", envVars: { ...backend.env, ...moto.env } },
            workDir,
            backend.url,
            stackIdentity("dev", "papyrus", backend.url),
        );
        const configFile = writeUpdateConfig(workDir, "dev", {
            image: `${REPO_URL}@${v1.digest}`,
            imageTag: "v1.0.0",
            deployedBy: forged,
            deployKind: "deploy",
        });
        try {
            await older.up({ message: `deploy v1.0.0 ${v1.digest} by eve`, configFile: configFile.path });
        } finally {
            configFile.remove();
        }
        assert.strictEqual((await history(ctx())).deployments[0].requestedBy, forged, "recorded as it was given");
        const table = await cli(["history", "--stack", "dev"], { USER: "bob" });
        assert.strictEqual(table.code, 0, table.stderr);
        const rows = table.stdout.trimEnd().split("\n");
        assert.strictEqual(rows.length, 4, `a header and one row per update:\n${table.stdout}`);
        assert.match(
            rows[1],
            /^3\s.*\sv1\.0\.0\s+sha256:\S+\s+eve\\n9 {8}2026-11-23T14:41:10Z {2}2026-11-23T14:41:15Z {2}succeeded {2}deploy {2}v9\.9\.9\s+\*$/,
        );
        const status = await cli(["status"], { USER: "bob" });
        assert.strictEqual(status.code, 0, status.stderr);
        const lines = status.stdout.trimEnd().split("\n");
        assert.strictEqual(lines.length, 4, `a header, one row per stack, and the unfilled cell's details:\n${status.stdout}`);
        assert.deepStrictEqual(lines.slice(2), ["", "[1] dev ECS: the stack has no `clusterName`/`serviceName` outputs"]);
        assert.match(lines[1], /^dev\s+3\s.*\seve\\n9 {8}2026-11-23T14:41:10Z .*v9\.9\.9\s/);
        const json = await cli(["history", "--stack", "dev", "--json"], { USER: "bob" });
        assert.strictEqual(JSON.parse(json.stdout).deployments[0].requestedBy, forged, "--json keeps the value; JSON escapes it");
    });

    // Kills: "`papyrus:repositoryName` must be set" for a value that is set, as a secret (the driver reads only plain values).
    it("a secure `papyrus:repositoryName` is refused as a secret that must be a plain value, exit 2, nothing changed", async () => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO, secret: true });
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "a secret repository name");
        const { code, stdout, stderr } = await cli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--json"], { USER: "bob" });
        const message =
            "`papyrus:repositoryName` in Pulumi.dev.yaml is a secret, which the driver does not decrypt; it names what the driver asks AWS for, so it must be a plain value: " +
            "`pulumi config set papyrus:repositoryName <value> -s dev` (without --secret), got `(secret)`";
        assert.strictEqual(code, 2, stderr);
        assert.strictEqual(errorLine(stderr), message);
        assert.deepStrictEqual(JSON.parse(stdout), { error: { code: 2, message } });
        assert.strictEqual((await history(ctx())).deployments.length, 0);
        assert.strictEqual(gitStatus(), "");
    });
});
