// `papyrus-deploy promote` and the promotion gate against the real engine
// (fixture project, file:// backend) and moto, with dev and prod in two
// regions of one moto: dev in us-east-1, prod in eu-central-1, each with its
// own `papyrus-api` repository. moto stores a replication configuration but
// copies nothing (the first test records that), so pushing the same manifest
// into prod's repository stands in for replication: ECR replication copies the
// manifest unchanged, and moto computes the same digest from it.
//
// dev's stand-in registers task definitions and updates its service in moto's ECS through a
// loopback proxy that plays ECS's deployment lifecycle (testkit/ecsRollout.ts), so every dev
// deploy records a real release verdict: ECS completed it, rolled it back, or was still rolling it
// out. prod and qa have no ECS service (the engine's result is their whole verdict).
//
// The tests run in order on one set of stacks (every update costs seconds);
// each says what it leaves. Every refusal asserts its exit code and that
// nothing changed: both stacks' history and state, the stack files, git status.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutReplicationConfigurationCommand } from "@aws-sdk/client-ecr";
import { DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { deploy, DeployOptions } from "../../automation/commands/deploy";
import { history, HistoryResult } from "../../automation/commands/history";
import { EXIT_CODES, RolledBackError, RolloutTimeoutError } from "../../automation/record/errors";
import { EvidenceRecord } from "../../automation/record/evidence";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, runCli, startCli, waitFor } from "../../testkit/cliProcess";
import { EcsRolloutProxy, startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { imageManifest, pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_ACCOUNT } from "../../testkit/moto";

const REPO = "papyrus-api";
const DEV_REGION = "us-east-1";
const PROD_REGION = "eu-central-1";
const DEV_URL = `${TEST_ACCOUNT}.dkr.ecr.${DEV_REGION}.amazonaws.com/${REPO}`;
const PROD_URL = `${TEST_ACCOUNT}.dkr.ecr.${PROD_REGION}.amazonaws.com/${REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("promote dev → prod, and the promotion gate (real engine + moto, two regions)", function () {
    this.timeout(600_000);
    let moto: SharedMoto;
    let devEcr: ECRClient;
    let prodEcr: ECRClient;
    let devEcs: ECSClient;
    let lifecycle: EcsRolloutProxy;
    let backend: TempBackend;
    let workDir: string;
    const dev: Record<string, PushedImage> = {};

    /** What ecr-push does (dev's registry), and what replication does (prod's): the same manifest. */
    const push = async (tag: string, where: "dev" | "prod" | "both") => {
        if (where !== "prod") dev[tag] = await pushImage(devEcr, REPO, tag);
        if (where !== "dev") {
            const pushed = await pushImage(prodEcr, REPO, tag, imageManifest(tag));
            if (where === "both") assert.strictEqual(pushed.digest, dev[tag].digest, "the same manifest has the same digest in both registries");
            else dev[tag] ??= pushed;
        }
    };
    // The engine's stand-in and every reader of dev's ECS go through the lifecycle proxy.
    const engineEnv = () => ({ ...backend.env, ...moto.env, AWS_ENDPOINT_URL_ECS: lifecycle.endpoint });
    const ctx = (stackName: string) => ({ stackName, workDir, envVars: engineEnv(), requestedBy: "alice" });
    const deployDev = (tag: string, extra: Partial<DeployOptions> = {}) =>
        deploy({ ...ctx("dev"), ecr: devEcr, ecs: devEcs, tag, rolloutPollMs: 50, progressMs: 0, ...extra });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
    const cliEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...engineEnv(), PAPYRUS_DEPLOYER: "ci-test" });
    const cli = (...args: string[]) => runCli([...args, "--cwd", workDir], cliEnv());
    const evidenceFile = (name: string) => path.join(backend.dir, "evidence", name);
    const readEvidence = (name: string): EvidenceRecord => JSON.parse(fs.readFileSync(evidenceFile(name), "utf8"));

    /** Everything a refused promote or deploy must leave as it was. */
    async function snapshot() {
        const rows = (h: HistoryResult) => h.deployments.map((d) => [d.version, d.kind, d.result, d.release.verdict, d.digest, d.running]);
        const [devHistory, prodHistory] = await Promise.all([history(ctx("dev")), history(ctx("prod"))]);
        return {
            dev: rows(devHistory),
            devRuns: devHistory.running?.digest,
            prod: rows(prodHistory),
            prodRuns: prodHistory.running?.digest,
            files: ["Pulumi.dev.yaml", "Pulumi.prod.yaml"].map((f) => fs.readFileSync(path.join(workDir, f), "utf8")),
            git: git("status", "--porcelain", "--untracked-files=all"),
        };
    }

    before(async () => {
        moto = await sharedMoto();
        devEcr = new ECRClient({ region: DEV_REGION, endpoint: moto.endpoint, credentials });
        prodEcr = new ECRClient({ region: PROD_REGION, endpoint: moto.endpoint, credentials });
        lifecycle = await startEcsRolloutProxy(moto.endpoint);
        devEcs = new ECSClient({ region: DEV_REGION, endpoint: lifecycle.endpoint, credentials });
        for (const ecr of [devEcr, prodEcr]) {
            await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        }
        await push("v1.0.0", "dev");
        await push("v2.0.0", "dev");

        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        const devStack = await fixtureStack(backend, "dev", {}, workDir);
        const prodStack = await fixtureStack(backend, "prod", {}, workDir);
        const qaStack = await fixtureStack(backend, "qa", {}, workDir);
        await devStack.setAllConfig({
            "aws:region": { value: DEV_REGION },
            "papyrus:repositoryName": { value: REPO },
            "papyrus:fixtureEcs": { value: "true" },
            "papyrus:fixtureClusterName": { value: "papyrus" },
            "papyrus:fixtureServiceName": { value: "api" },
        });
        await prodStack.setAllConfig({
            "aws:region": { value: PROD_REGION },
            "papyrus:repositoryName": { value: REPO },
            "papyrus:promoteFrom": { value: "dev" },
        });
        await qaStack.setAllConfig({ "aws:region": { value: DEV_REGION }, "papyrus:repositoryName": { value: REPO } });
        // The checkout is a git work tree, so `git status` shows exactly what a run left in it.
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "checkout");

        await deployDev("v1.0.0");
        await deployDev("v2.0.0");
    });
    after(async () => {
        try {
            if (backend) await assertNoProcessLeft(backend.dir);
        } finally {
            backend?.cleanup();
            [devEcr, prodEcr, devEcs].forEach((c) => c?.destroy());
            await lifecycle?.close();
            await moto?.release();
        }
    });

    it("records that moto stores a replication configuration but copies nothing (so the tests push to prod themselves)", async () => {
        await devEcr.send(
            new PutReplicationConfigurationCommand({
                replicationConfiguration: {
                    rules: [
                        {
                            destinations: [{ region: PROD_REGION, registryId: TEST_ACCOUNT }],
                            repositoryFilters: [{ filter: REPO, filterType: "PREFIX_MATCH" }],
                        },
                    ],
                },
            }),
        );
        const probe = await pushImage(devEcr, REPO, "replication-probe");
        await assert.rejects(prodEcr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: probe.digest }] })), {
            name: "ImageNotFoundException",
        });
    });

    it("refuses, changing nothing: the same stack twice (2), a source with no deployment (7), missing stacks (2), an unknown --version (7), a digest that never reached prod (3)", async () => {
        const before = await snapshot();
        const started = Date.now();
        const [same, sameSpelt, none, noTarget, noSource, version, notReplicated] = await Promise.all([
            cli("promote", "--from", "dev", "--to", "dev", "--json"),
            cli("promote", "--from", "dev", "--to", "organization/papyrus/dev"),
            cli("promote", "--from", "qa", "--to", "prod"),
            cli("promote", "--from", "dev", "--to", "staging"),
            cli("promote", "--from", "nope", "--to", "prod"),
            cli("promote", "--from", "dev", "--to", "prod", "--version", "9"),
            cli("promote", "--from", "dev", "--to", "prod", "--wait", "4s"),
        ]);
        const elapsed = Date.now() - started;
        const cases: [typeof same, number, RegExp][] = [
            [
                same,
                2,
                /^error: `--to` names the same stack as the source \(`organization\/papyrus\/dev`\); promote takes the digest one stack runs to another stack, got `dev`$/m,
            ],
            [sameSpelt, 2, /`--to` names the same stack as the source \(`organization\/papyrus\/dev`\).*got `organization\/papyrus\/dev`/],
            [
                none,
                7,
                /^error: stack `qa` has nothing to promote: its state runs no service \(nothing was deployed to it yet\); nothing was changed\. See `papyrus-deploy history --stack qa`$/m,
            ],
            [noTarget, 2, /^error: stack `staging` does not exist in file:\/\//m],
            [noSource, 2, /^error: stack `nope` does not exist in file:\/\//m],
            [version, 7, /^error: stack `dev` has nothing to promote: no update 9 in its history; nothing was changed/m],
            [
                notReplicated,
                3,
                new RegExp(
                    `^error: ${dev["v2.0.0"].digest} from stack \`dev\` is not in \`papyrus-api\` of stack \`prod\` \\(eu-central-1\\) after waiting 4s; nothing was changed\\. ` +
                        "Replication from dev's registry \\(`replicateTo` in its stack config\\) has not delivered it",
                    "m",
                ),
            ],
        ];
        for (const [result, code, message] of cases) {
            assert.strictEqual(result.code, code, result.stderr);
            assert.match(result.stderr, message);
        }
        assert.deepStrictEqual(JSON.parse(same.stdout).error.code, 2);
        // The wait is bounded and says what it waits for (a line at most every 15 s: one in 4 s).
        assert.strictEqual(notReplicated.stderr.split("\n").filter((l) => l.startsWith("waiting for ")).length, 1, notReplicated.stderr);
        assert.match(
            notReplicated.stderr,
            new RegExp(`^waiting for ${dev["v2.0.0"].digest} from \`dev\` to reach \`papyrus-api\` of \`prod\` \\(eu-central-1\\): 0s of 4s$`, "m"),
        );
        assert.ok(elapsed < 60_000, `the refusals took ${elapsed} ms`);
        assert.deepStrictEqual(await snapshot(), before);
    });

    it("promotes the digest dev runs (checked against dev's ECS) to prod by digest; evidence and history name dev's update", async () => {
        await push("v2.0.0", "prod"); // replication, by hand
        const configBefore = fs.readFileSync(path.join(workDir, "Pulumi.prod.yaml"), "utf8");
        const { code, stdout, stderr } = await cli("promote", "--from", "dev", "--to", "prod", "--evidence", evidenceFile("promote.json"), "--json");
        assert.strictEqual(code, 0, stderr);
        const evidence = readEvidence("promote.json");
        assert.deepStrictEqual(JSON.parse(stdout), evidence);
        const digest = dev["v2.0.0"].digest;
        assert.deepStrictEqual(
            [evidence.kind, evidence.stack, evidence.imageDigest, evidence.image, evidence.imageTag, evidence.result, evidence.applied, evidence.requestedBy],
            ["promote", "prod", digest, `${PROD_URL}@${digest}`, "v2.0.0", "succeeded", true, "ci-test"],
        );
        assert.deepStrictEqual(evidence.promotedFrom, {
            stack: "dev",
            version: 2,
            digest,
            tag: "v2.0.0",
            image: `${DEV_URL}@${digest}`,
            sourceVerify: { inSync: true, running: [`${DEV_URL}@${digest}`] },
            release: "completed",
        });
        // prod has no ECS service: the engine's result is its whole verdict, recorded as such.
        assert.deepStrictEqual(
            [evidence.release?.verdict, evidence.release?.ecs, evidence.release?.tag, evidence.release?.recorded],
            ["completed", "no-service", "papyrus:release:1", true],
        );

        const prod = await history(ctx("prod"));
        assert.strictEqual(prod.running?.digest, digest, "prod's state runs the digest dev ran");
        assert.deepStrictEqual(
            prod.deployments.map((d) => [d.version, d.kind, d.result, d.digest, d.tag, d.requestedBy, d.promotedFrom]),
            [[1, "promote", "succeeded", digest, "v2.0.0", "ci-test", { stack: "dev", version: 2, digest, tag: "v2.0.0" }]],
        );
        const table = (await cli("history", "--stack", "prod")).stdout.split("\n");
        assert.match(table[1], /^1\s+\S+\s+\S+\s+succeeded\s+completed\s+promote \(dev #2\)\s+v2\.0\.0\s+sha256:\S+\s+ci-test\s+\*$/);
        assert.strictEqual(fs.readFileSync(path.join(workDir, "Pulumi.prod.yaml"), "utf8"), configBefore);
        assert.strictEqual(git("status", "--porcelain", "--untracked-files=all"), "");
    });

    // Issue 23, point 1: the gates read ECS's verdict, not the engine's "succeeded".
    it("never promotes a digest ECS rolled back on dev (13), by default, by --version or through prod's promoteFrom, also after reconcile", async () => {
        await push("v3.0.0", "both");
        lifecycle.script({ outcome: "rollback", polls: 1 });
        await assert.rejects(deployDev("v3.0.0"), RolledBackError); // dev update 3: the engine succeeded, ECS rolled it back
        const devHistory = await history(ctx("dev"));
        assert.deepStrictEqual(
            devHistory.deployments.map((d) => [d.version, d.result, d.release.verdict, d.running]),
            [
                [3, "succeeded", "rolled-back", true],
                [2, "succeeded", "completed", false],
                [1, "succeeded", "completed", false],
            ],
        );
        const v3 = dev["v3.0.0"].digest;
        const refusedBecause = (gate: string) =>
            new RegExp(
                `^error: ${escape(gate)} refused: update 3 of stack \`dev\` \\(${v3}\\) has release verdict \`rolled-back\`: ECS deployment ecs-svc/\\d+ was rolled back`,
                "m",
            );
        /** `withDefault`: also `promote` of what dev runs (while that is update 3). */
        const refusals = async (withDefault: boolean) => {
            const before = await snapshot();
            // One after another: a deploy holds prod's driver lock while its gate reads dev.
            const byDefault = withDefault ? await cli("promote", "--from", "dev", "--to", "prod") : undefined;
            const byVersion = await cli("promote", "--from", "dev", "--to", "prod", "--version", "3", "--json");
            const byDeploy = await cli("deploy", "--stack", "prod", "--tag", "v3.0.0");
            for (const r of [byDefault ?? byVersion, byVersion, byDeploy]) assert.strictEqual(r.code, EXIT_CODES.notReleased, r.stderr);
            assert.match(byVersion.stderr, refusedBecause("promote from `dev`"));
            assert.strictEqual(JSON.parse(byVersion.stdout).error.code, 13);
            assert.match(byDeploy.stderr, refusedBecause("deploy to `prod` (`papyrus:promoteFrom`)"));
            assert.match(byDeploy.stderr, /Deploy a fixed build to dev first, or pick an update whose RELEASE is `completed`/);
            assert.deepStrictEqual(await snapshot(), before, "a refusal changes nothing");
            return byDefault;
        };
        const byDefault = await refusals(true);
        assert.match(byDefault!.stderr, refusedBecause("promote from `dev`"));

        // reconcile records what ECS runs (v2) as dev's update 4; update 3's verdict stays what ECS did with it.
        const reconciled = await cli("reconcile", "--stack", "dev");
        assert.strictEqual(reconciled.code, 0, reconciled.stderr);
        const after = await history(ctx("dev"));
        assert.deepStrictEqual(
            after.deployments.slice(0, 2).map((d) => [d.version, d.kind, d.reconcileOf?.version, d.digest, d.release.verdict, d.running]),
            [
                [4, "reconcile", 3, dev["v2.0.0"].digest, "completed", true],
                [3, "deploy", undefined, v3, "rolled-back", false],
            ],
        );
        // dev now runs v2 again (update 4, completed), so its default is v2; v3 itself stays refused everywhere.
        await refusals(false);
    });

    it("refuses a drifted source (6) and takes a named update with --version, without the ECS check", async () => {
        // Someone points dev's service at v1 by hand: dev's state (update 4) still says v2.
        const [svc] = (await devEcs.send(new DescribeServicesCommand({ cluster: "papyrus", services: ["api"] }))).services!;
        const byHand = await devEcs.send(
            new RegisterTaskDefinitionCommand({
                family: "papyrus-by-hand",
                containerDefinitions: [{ name: "app", image: `${DEV_URL}@${dev["v1.0.0"].digest}`, essential: true, memory: 512 }],
            }),
        );
        await devEcs.send(new UpdateServiceCommand({ cluster: "papyrus", service: svc.serviceName, taskDefinition: byHand.taskDefinition!.taskDefinitionArn }));
        const before = await snapshot();
        const drifted = await cli("promote", "--from", "dev", "--to", "prod");
        assert.strictEqual(drifted.code, 6, drifted.stderr);
        assert.match(
            drifted.stderr,
            new RegExp(
                `^error: stack \`dev\` recorded \`${escape(`${DEV_URL}@${dev["v2.0.0"].digest}`)}\` but ECS runs \`${escape(`${DEV_URL}@${dev["v1.0.0"].digest}`)}\`, ` +
                    "so it is not known to run as recorded; nothing was changed\\. .*promote a named deployment with `--version N`",
                "m",
            ),
        );
        assert.deepStrictEqual(await snapshot(), before);

        await push("v1.0.0", "prod");
        const named = await cli("promote", "--from", "dev", "--to", "prod", "--version", "1", "--evidence", evidenceFile("v1.json"));
        assert.strictEqual(named.code, 0, named.stderr);
        assert.match(named.stdout, new RegExp(`^from: dev update 1 \\(v1\\.0\\.0\\), ${dev["v1.0.0"].digest}$`, "m"));
        assert.deepStrictEqual(readEvidence("v1.json").promotedFrom, {
            stack: "dev",
            version: 1,
            digest: dev["v1.0.0"].digest,
            tag: "v1.0.0",
            image: `${DEV_URL}@${dev["v1.0.0"].digest}`,
            protected: true,
            release: "completed",
        });
        assert.strictEqual((await history(ctx("prod"))).running?.digest, dev["v1.0.0"].digest);
    });

    // Issue 23, point 3: exit 10 is not a release; `verify` tells "still rolling out" apart and records the end.
    it("refuses a source whose rollout has not finished (13); verify says it is still rolling out (10), then records ECS's completion, and promote goes ahead", async () => {
        await push("v4.0.0", "both");
        lifecycle.script({ outcome: "hang" });
        const timedOut = await deployDev("v4.0.0", { waitTimeoutMs: 0 }).then(
            () => assert.fail("a rollout still in progress must not end as a success"),
            (err: unknown) => err as RolloutTimeoutError,
        );
        assert.ok(timedOut instanceof RolloutTimeoutError, String(timedOut));
        assert.match(
            timedOut.message,
            /its release verdict is `in-progress` \(promote refuses it\)\. `papyrus-deploy verify --stack dev` answers later and records the verdict/,
        );
        assert.deepStrictEqual([timedOut.evidence?.release?.verdict, timedOut.evidence?.release?.ecs], ["in-progress", "in-progress"]);

        const before = await snapshot();
        const refused = await cli("promote", "--from", "dev", "--to", "prod");
        assert.strictEqual(refused.code, 13, refused.stderr);
        assert.match(
            refused.stderr,
            /update 5 of stack `dev` \(sha256:[0-9a-f]{64}\) has release verdict `in-progress`: ECS deployment ecs-svc\/\d+ was still IN_PROGRESS/,
        );
        assert.match(refused.stderr, /Run `papyrus-deploy verify --stack dev` once ECS has finished/);
        const rolling = await cli("verify", "--stack", "dev");
        assert.strictEqual(rolling.code, EXIT_CODES.rolloutTimeout, rolling.stderr);
        assert.match(
            rolling.stdout,
            /^rolling out: api runs \S+@sha256:[0-9a-f]{64}, but ECS's primary deployment is still IN_PROGRESS; run verify again later$/m,
        );
        assert.match(rolling.stdout, /^release: update 5 is in-progress$/m);
        assert.deepStrictEqual(await snapshot(), before, "neither a refused promote nor a look changes anything");

        lifecycle.finish("complete");
        const done = await cli("verify", "--stack", "dev", "--json");
        assert.strictEqual(done.code, 0, done.stderr);
        const report = JSON.parse(done.stdout);
        assert.deepStrictEqual(
            [report.inSync, report.rollingOut, report.version, report.release.verdict, report.verdictTag],
            [true, false, 5, "completed", "papyrus:release:5"],
        );
        assert.strictEqual((await history(ctx("dev"))).deployments[0].release.verdict, "completed", "verify's verdict is durable");
        const again = await cli("verify", "--stack", "dev", "--json");
        assert.strictEqual(JSON.parse(again.stdout).verdictTag, undefined, "a settled verdict is not written again");

        const promoted = await cli("promote", "--from", "dev", "--to", "prod", "--json");
        assert.strictEqual(promoted.code, 0, promoted.stderr);
        assert.deepStrictEqual([JSON.parse(promoted.stdout).promotedFrom.version, JSON.parse(promoted.stdout).imageDigest], [5, dev["v4.0.0"].digest]);
    });

    it("gate: prod refuses a tag that never ran on dev (2, with the promote command); after dev ran it and it was promoted, the tag is accepted; rollback stays allowed", async () => {
        await push("v9.0.0", "prod"); // in prod's registry, never run on dev
        const before = await snapshot();
        const refused = await cli("deploy", "--stack", "prod", "--tag", "v9.0.0", "--json");
        assert.strictEqual(refused.code, 2, refused.stderr);
        assert.strictEqual(
            JSON.parse(refused.stdout).error.message,
            `stack \`prod\` takes only digests whose release completed on \`dev\` (\`papyrus:promoteFrom\` in its stack config), and \`v9.0.0\` (${dev["v9.0.0"].digest}) never ran there; ` +
                "nothing was changed. Deploy it to dev first, then run `papyrus-deploy promote --from dev --to prod`",
        );
        assert.deepStrictEqual(await snapshot(), before);

        await pushImage(devEcr, REPO, "v9.0.0"); // the same build in dev's registry
        await deployDev("v9.0.0"); // dev update 6
        const promoted = await cli("promote", "--from", "dev", "--to", "prod", "--version", "6");
        assert.strictEqual(promoted.code, 0, promoted.stderr);
        const accepted = await cli("deploy", "--stack", "prod", "--tag", "v9.0.0");
        assert.strictEqual(accepted.code, 0, accepted.stderr);

        const back = await cli("rollback", "--stack", "prod", "--to-version", "1", "--json");
        assert.strictEqual(back.code, 0, back.stderr);
        assert.strictEqual(JSON.parse(back.stdout).imageDigest, dev["v2.0.0"].digest);
        assert.deepStrictEqual(
            (await history(ctx("prod"))).deployments.map((d) => [d.version, d.kind, d.digest]),
            [
                [6, "rollback", dev["v2.0.0"].digest],
                [5, "deploy", dev["v9.0.0"].digest],
                [4, "promote", dev["v9.0.0"].digest],
                [3, "promote", dev["v4.0.0"].digest],
                [2, "promote", dev["v1.0.0"].digest],
                [1, "promote", dev["v2.0.0"].digest],
            ],
        );
        assert.strictEqual(git("status", "--porcelain", "--untracked-files=all"), "");
    });

    // Issue 23, point 2: `promote` honours the target's promoteFrom exactly as `deploy` does.
    it("promote from another stack than prod's promoteFrom takes only a digest that completed on dev (2), as deploy does", async () => {
        await push("v5.0.0", "both");
        await deploy({ ...ctx("qa"), ecr: devEcr, tag: "v5.0.0" }); // v5 runs on qa only
        const before = await snapshot();
        const refused = await cli("promote", "--from", "qa", "--to", "prod", "--json");
        assert.strictEqual(refused.code, 2, refused.stderr);
        assert.strictEqual(
            JSON.parse(refused.stdout).error.message,
            `stack \`prod\` takes only digests whose release completed on \`dev\` (\`papyrus:promoteFrom\` in its stack config), and \`qa's v5.0.0\` (${dev["v5.0.0"].digest}) never ran there; ` +
                "nothing was changed. Deploy it to dev first, then run `papyrus-deploy promote --from dev --to prod`",
        );
        assert.deepStrictEqual(await snapshot(), before);

        await deployDev("v5.0.0"); // dev update 7: now it completed on dev too
        const accepted = await cli("promote", "--from", "qa", "--to", "prod", "--json");
        assert.strictEqual(accepted.code, 0, accepted.stderr);
        assert.deepStrictEqual(JSON.parse(accepted.stdout).promotedFrom.stack, "qa");
    });

    it("waits for replication that arrives late, saying what it waits for, then deploys", async () => {
        await push("v10.0.0", "dev");
        await deployDev("v10.0.0"); // dev update 8
        const started = Date.now();
        const run = startCli(["promote", "--from", "dev", "--to", "prod", "--version", "8", "--wait", "2m", "--cwd", workDir], cliEnv());
        await waitFor("the first progress line", () => /^waiting for sha256:/m.test(run.stderr()), 120_000, run);
        await pushImage(prodEcr, REPO, "v10.0.0", imageManifest("v10.0.0")); // replication arrives
        const { code, stderr } = await run.exited;
        assert.strictEqual(code, 0, stderr);
        assert.ok(Date.now() - started < 120_000);
        assert.strictEqual((await history(ctx("prod"))).running?.digest, dev["v10.0.0"].digest);
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
