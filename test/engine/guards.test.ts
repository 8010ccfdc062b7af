// Issue 14 against the real engine (fixture project, file:// backend) and moto's ECR and ECS on
// loopback: protective tags kept across deploys and rollbacks and released beyond
// `papyrus:protectDeployments` (nothing deleted), the ECR calls that costs, a rollback to an
// archived target (moto has no archiving: testkit/archivingProxy.ts plays ECR's archive and
// restore, every other answer is moto's), the scan gate on deploy and promote (findings set
// through moto's own API for scan results), and `status` over three stacks in two regions.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, StartImageScanCommand } from "@aws-sdk/client-ecr";
import { ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { rollback } from "../../automation/commands/rollback";
import { EvidenceRecord } from "../../automation/record/evidence";
import { StatusResult } from "../../automation/commands/status";
import { startArchivingProxy } from "../../testkit/archivingProxy";
import { startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, runCli } from "../../testkit/cliProcess";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { imageManifest, pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_ACCOUNT, TEST_REGION } from "../../testkit/moto";
import { MotoProxy, startMotoProxy } from "../../testkit/motoProxy";

const REPO = "papyrus-api";
const PROD_REGION = "eu-central-1";
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const AS_THE_COMPONENT_MAKES_IT = {
    imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" as const,
    imageTagMutabilityExclusionFilters: [{ filter: "deployed-*", filterType: "WILDCARD" as const }],
};

describe("protected digests, archived targets, the scan gate and status (real engine + moto)", function () {
    this.timeout(600_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let ecs: ECSClient;
    /** Counts every ECR request the driver makes, by operation; answers are moto's. */
    let counter: MotoProxy;
    let counted: ECRClient;
    let calls: Record<string, number> = {};
    let backend: TempBackend;
    let workDir: string;
    let v1: PushedImage;
    let v2: PushedImage;
    let v3: PushedImage;

    before(async () => {
        moto = await sharedMoto();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
        ecs = new ECSClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
        counter = await startMotoProxy(moto.endpoint, {
            beforeRequest(operation, target) {
                if (target.startsWith("AmazonEC2ContainerRegistry")) calls[operation] = (calls[operation] ?? 0) + 1;
            },
        });
        counted = new ECRClient({ region: TEST_REGION, endpoint: counter.endpoint, credentials });
    });
    after(async () => {
        [ecr, ecs, counted].forEach((c) => c?.destroy());
        await counter?.close();
        await moto?.release();
    });
    beforeEach(async () => {
        await moto.reset();
        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, ...AS_THE_COMPONENT_MAKES_IT }));
        [v1, v2, v3] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0"), await pushImage(ecr, REPO, "v3.0.0")];
    });
    afterEach(async function () {
        const leak = await assertNoProcessLeft(backend.dir).then(
            () => undefined,
            (e: Error) => e,
        );
        backend.cleanup();
        if (leak && this.currentTest?.state === "passed") throw leak;
    });

    const ctx = (extra: Record<string, unknown> = {}) => ({ stackName: "dev", workDir, envVars: backend.env, ecr, ecs, requestedBy: "alice", ...extra });
    const setConfig = async (stackName: string, values: Record<string, string>) =>
        (await fixtureStack(backend, stackName, {}, workDir)).setAllConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }])));
    const cli = (args: string[], env: Record<string, string> = {}) =>
        runCli([...args, "--cwd", workDir], { ...process.env, ...backend.env, ...moto.env, PAPYRUS_DEPLOYER: "ci-test", ...env });
    const tagsOf = async (digest: string, client = ecr) =>
        (await client.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: digest }] }))).imageDetails?.[0].imageTags ?? [];
    const readEvidence = (file: string): EvidenceRecord => JSON.parse(fs.readFileSync(file, "utf8"));
    const evidenceFile = (name: string) => path.join(backend.dir, "evidence", name);
    const measured = async <T>(run: () => Promise<T>): Promise<[T, Record<string, number>]> => {
        calls = {};
        const result = await run();
        return [result, calls];
    };
    /** A scan result for `digest`, set through moto's API for scan findings (after StartImageScan, as ECR scans on push). */
    async function scanned(client: ECRClient, region: string, digest: string, counts: Record<string, number>): Promise<void> {
        await client.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: digest } }));
        const result = {
            registryId: TEST_ACCOUNT,
            repositoryName: REPO,
            imageId: { imageDigest: digest },
            imageScanStatus: { status: "COMPLETE", description: "set by the test" },
            imageScanFindings: { findingSeverityCounts: counts, imageScanCompletedAt: 1_795_000_000, findings: [] },
        };
        const res = await fetch(`${moto.endpoint}/moto-api/static/ecr/scan-finding-results`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ results: [result], region }),
        });
        assert.ok(res.ok, `moto-api: ${res.status}`);
    }

    // Kills: no protection after an update, a protected set taken from the newest deploys only (a rollback's
    // digest unprotected), releases by deleting, a release that leaves the old slot, a rollback outside the
    // set without a warning, and extra ECR calls per deploy.
    it("keeps the digests of the last N deployments protected across deploys and rollbacks, releases older ones without deleting them, and says so for a target outside the set", async () => {
        await setConfig("dev", { "papyrus:protectDeployments": "2" });
        const [first, firstCalls] = await measured(() => deploy({ ...ctx({ ecr: counted }), tag: "v1.0.0" }));
        // P2 with the gate and protection on: resolve, read the findings, list the slots, read the manifest, put the tag.
        assert.deepStrictEqual(firstCalls, { DescribeImages: 1, DescribeImageScanFindings: 1, ListImages: 1, BatchGetImage: 1, PutImage: 1 });
        assert.deepStrictEqual(first.evidence?.protection?.protected, { "deployed-dev-slot1": v1.digest });
        assert.deepStrictEqual(first.evidence?.scan, { threshold: "CRITICAL", status: "NOT_FOUND", decision: "unavailable" }, "moto scans nothing on push");

        await deploy({ ...ctx(), tag: "v2.0.0" });
        const [third, thirdCalls] = await measured(() => deploy({ ...ctx({ ecr: counted }), tag: "v3.0.0" }));
        assert.deepStrictEqual(
            thirdCalls,
            { DescribeImages: 1, DescribeImageScanFindings: 1, ListImages: 1, BatchGetImage: 1, PutImage: 1 },
            "one slot moves: v1's",
        );
        assert.deepStrictEqual(third.evidence?.protection, {
            tags: "deployed-dev-slot1…2",
            keep: 2,
            protected: { "deployed-dev-slot1": v3.digest, "deployed-dev-slot2": v2.digest },
            moved: [{ slot: 1, tag: "deployed-dev-slot1", digest: v3.digest, from: v1.digest }],
            released: [v1.digest],
        });
        assert.deepStrictEqual(await tagsOf(v1.digest), ["v1.0.0"], "released, not deleted: it keeps its release tag");

        // Back to v2: inside the protected set, nothing moves, two ECR calls.
        const [back, backCalls] = await measured(() => rollback(ctx({ ecr: counted })));
        assert.strictEqual(back.resolved.digest, v2.digest);
        assert.deepStrictEqual(backCalls, { DescribeImages: 1, ListImages: 1 });
        assert.deepStrictEqual([back.warnings, back.evidence?.protection?.moved], [[], []]);

        // Back to v1, outside the set: done, with a warning in the output and the evidence; then v1 is protected again.
        const outside = await rollback({ ...ctx(), target: { toVersion: 1 } });
        const warning =
            `rollback target (update 1, ${v1.digest}) is outside the stack's protected deployments (it carries no \`deployed-dev-slot<n>\` tag in \`${REPO}\`), ` +
            "so the repository's lifecycle policy may expire or archive it; it exists now, and once it runs it is protected again";
        assert.deepStrictEqual([outside.warnings, outside.evidence?.warnings], [[warning], [warning]]);
        assert.deepStrictEqual(
            [outside.evidence?.protection?.protected, outside.evidence?.protection?.released],
            [{ "deployed-dev-slot1": v1.digest, "deployed-dev-slot2": v2.digest }, [v3.digest]],
        );
        assert.deepStrictEqual(
            [await tagsOf(v1.digest), await tagsOf(v2.digest), await tagsOf(v3.digest)],
            [["v1.0.0", "deployed-dev-slot1"], ["v2.0.0", "deployed-dev-slot2"], ["v3.0.0"]],
        );
    });

    // Kills: an archived target refused without the way forward, a restore without --restore, a deploy before the
    // image is ACTIVE, and a restore that is not recorded.
    it("rollback to an archived target exits 3 with the exact command; running it restores, waits and deploys", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx(), tag: "v2.0.0" });
        const proxy = await startArchivingProxy(moto.endpoint, 0);
        try {
            proxy.archived.add(v1.digest);
            const refused = await cli(["rollback", "--stack", "dev"], { AWS_ENDPOINT_URL_ECR: proxy.endpoint });
            assert.strictEqual(refused.code, 3, refused.stderr);
            const command = "papyrus-deploy rollback --stack dev --to-version 1 --restore";
            assert.match(
                refused.stderr,
                new RegExp(
                    `^error: rollback target \\(update 1, ${v1.digest}\\) is ARCHIVED in \`${REPO}\` and cannot be pulled by ECS; nothing was changed\\. ` +
                        `ECR restores an archived image typically within 20 minutes; restore it and roll back in one step with: \`${command.replace(/-/g, "\\-")}\`$`,
                    "m",
                ),
            );
            assert.deepStrictEqual([(await history(ctx())).deployments.length, proxy.storageClassRequests.length], [2, 0], "nothing ran, nothing was asked");

            const file = evidenceFile("restore.json");
            const restored = await cli([...command.split(" ").slice(1), "--evidence", file], { AWS_ENDPOINT_URL_ECR: proxy.endpoint });
            assert.strictEqual(restored.code, 0, restored.stderr);
            assert.match(
                restored.stderr,
                new RegExp(
                    `^asked ECR to restore ${v1.digest} in \`${REPO}\` \\(now ACTIVATING\\); ECR restores typically within 20 minutes; waiting up to 30m0s$`,
                    "m",
                ),
            );
            assert.match(restored.stdout, new RegExp(`^restored: ${v1.digest} was ARCHIVED, restore requested, ACTIVE after \\d+s$`, "m"));
            const evidence = readEvidence(file);
            assert.deepStrictEqual(
                [evidence.kind, evidence.imageDigest, evidence.restore?.found, evidence.restore?.requested],
                ["rollback", v1.digest, "ARCHIVED", true],
            );
            assert.deepStrictEqual(proxy.storageClassRequests, [{ repositoryName: REPO, imageId: { imageDigest: v1.digest }, targetStorageClass: "STANDARD" }]);
        } finally {
            await proxy.close();
        }
    });

    // Kills: a gate that does not run, runs after the update, ignores the threshold, or accepts without recording why.
    it("the scan gate refuses findings at the stack's threshold with exit 11 and changes nothing; --accept-findings deploys and records why", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await scanned(ecr, TEST_REGION, v2.digest, { CRITICAL: 1, HIGH: 2 });
        const refused = await cli(["deploy", "--stack", "dev", "--tag", "v2.0.0"]);
        assert.strictEqual(refused.code, 11, refused.stderr);
        assert.match(
            refused.stderr,
            new RegExp(
                `^error: ${v2.digest} is not deployed to stack \`dev\`: its scan found 1 CRITICAL \\(at or above the stack's threshold CRITICAL, ` +
                    "`papyrus:scanThreshold`; all findings: 1 CRITICAL, 2 HIGH\\); nothing was changed\\. Deploy a fixed build, or, if the risk is understood, " +
                    'run `papyrus-deploy deploy --stack dev --tag v2\\.0\\.0 --accept-findings "<why>"` \\(the reason and the counts go into the evidence\\)$',
                "m",
            ),
        );
        assert.strictEqual((await history(ctx())).deployments.length, 1, "no update ran");

        const file = evidenceFile("accepted.json");
        const accepted = await cli([
            "deploy",
            "--stack",
            "dev",
            "--tag",
            "v2.0.0",
            "--accept-findings",
            "CVE-2026-0001: the parser is not reachable",
            "--evidence",
            file,
        ]);
        assert.strictEqual(accepted.code, 0, accepted.stderr);
        assert.match(
            accepted.stdout,
            /^scan: ACCEPTED \(COMPLETE; findings: 1 CRITICAL, 2 HIGH, threshold CRITICAL\): "CVE-2026-0001: the parser is not reachable" \(ci-test\)$/m,
        );
        assert.deepStrictEqual(readEvidence(file).scan, {
            threshold: "CRITICAL",
            status: "COMPLETE",
            counts: { CRITICAL: 1, HIGH: 2 },
            completedAt: new Date(1_795_000_000_000).toISOString(),
            decision: "accepted",
            accepted: { reason: "CVE-2026-0001: the parser is not reachable", by: "ci-test" },
        });

        // The threshold is the stack's: HIGH refuses moto's fixed HIGH finding; `off` reads nothing.
        await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageDigest: v3.digest } }));
        await setConfig("dev", { "papyrus:scanThreshold": "HIGH" });
        const high = await cli(["deploy", "--stack", "dev", "--tag", "v3.0.0"]);
        assert.strictEqual(high.code, 11, high.stderr);
        assert.match(high.stderr, /its scan found 1 HIGH \(at or above the stack's threshold HIGH/);
        await setConfig("dev", { "papyrus:scanThreshold": "off" });
        const [off, offCalls] = await measured(() => deploy({ ...ctx({ ecr: counted }), tag: "v3.0.0" }));
        assert.deepStrictEqual([off.evidence?.scan, offCalls.DescribeImageScanFindings], [{ threshold: "off", decision: "off" }, undefined]);
        await setConfig("dev", { "papyrus:scanThreshold": "LOUD" });
        const bad = await cli(["deploy", "--stack", "dev", "--tag", "v1.0.0"]);
        assert.strictEqual(bad.code, 2, bad.stderr);
        assert.match(bad.stderr, /^error: `papyrus:scanThreshold` must be one of `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `INFORMATIONAL`, `off` .*got `LOUD`$/m);
        assert.strictEqual((await history(ctx())).deployments.length, 3);
    });

    // Kills: a `status` whose ECS column says "in sync" for a stack whose ECS runs another image than its state
    // records (ecsState or ecsCell ignoring `inSync`), or that names the recorded image as the one running.
    it("status shows a drifted stack as DRIFT, naming what ECS runs, in the table and as `ecs.inSync: false` in --json", async () => {
        await setConfig("dev", { "papyrus:fixtureEcs": "true", "papyrus:fixtureClusterName": "papyrus", "papyrus:fixtureServiceName": "api" });
        // moto runs no ECS deployments: the proxy plays them, for the deploy and for the change by hand below.
        const lifecycle = await startEcsRolloutProxy(moto.endpoint);
        const lifecycleEcs = new ECSClient({ region: TEST_REGION, endpoint: lifecycle.endpoint, credentials });
        try {
            await deploy({ ...ctx({ envVars: { ...backend.env, ...moto.env, AWS_ENDPOINT_URL_ECS: lifecycle.endpoint }, ecs: lifecycleEcs }), tag: "v2.0.0" });
            const ecsEnv = { AWS_ENDPOINT_URL_ECS: lifecycle.endpoint };
            const inSync = JSON.parse((await cli(["status", "--json"], ecsEnv)).stdout) as StatusResult;
            assert.strictEqual((inSync.stacks[0].ecs as { inSync: boolean }).inSync, true, "in sync before the change by hand");

            // Someone points the service at v1 in ECS directly: the state still records v2.
            const repositoryUrl = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
            const { taskDefinition } = await lifecycleEcs.send(
                new RegisterTaskDefinitionCommand({
                    family: "papyrus-dev",
                    containerDefinitions: [{ name: "app", image: `${repositoryUrl}@${v1.digest}`, essential: true, memory: 512 }],
                }),
            );
            await lifecycleEcs.send(new UpdateServiceCommand({ cluster: "papyrus", service: "api", taskDefinition: taskDefinition!.taskDefinitionArn }));

            const json = await cli(["status", "--json"], ecsEnv);
            assert.strictEqual(json.code, 0, json.stderr);
            const dev = (JSON.parse(json.stdout) as StatusResult).stacks[0];
            assert.deepStrictEqual(
                [dev.stack, dev.version, dev.digest, dev.ecs],
                ["dev", 1, v2.digest, { inSync: false, running: [`${repositoryUrl}@${v1.digest}`], rollingOut: false }],
            );
            const table = await cli(["status"], ecsEnv);
            assert.strictEqual(table.code, 0, table.stderr);
            const lines = table.stdout.trimEnd().split("\n");
            assert.strictEqual(lines.length, 2, table.stdout);
            assert.match(lines[1], new RegExp(`^dev\\s+1\\s+${v2.digest.slice(0, 19)}…\\s.*\\sDRIFT \\(runs ${v1.digest.slice(0, 19)}…\\)\\s`));
            assert.doesNotMatch(lines[1], /in sync/);
        } finally {
            lifecycleEcs.destroy();
            await lifecycle.close();
        }
    });

    // Kills: a promote without the gate, a gate that reads the source's repository instead of the target's,
    // `status` rows taken from the newest update instead of the state, a protection column that ignores the
    // stack's own tags, and a status that locks or writes.
    it("promote is gated on the target's findings; status shows every stack, in sync or not, protected or not", async () => {
        const prodEcr = new ECRClient({ region: PROD_REGION, endpoint: moto.endpoint, credentials });
        try {
            await prodEcr.send(new CreateRepositoryCommand({ repositoryName: REPO, ...AS_THE_COMPONENT_MAKES_IT }));
            const replica = await pushImage(prodEcr, REPO, "v2.0.0", imageManifest("v2.0.0")); // what replication copies
            assert.strictEqual(replica.digest, v2.digest);
            await setConfig("dev", { "papyrus:fixtureEcs": "true", "papyrus:fixtureClusterName": "papyrus", "papyrus:fixtureServiceName": "api" });
            await setConfig("prod", { "aws:region": PROD_REGION, "papyrus:repositoryName": REPO, "papyrus:promoteFrom": "dev" });
            await setConfig("qa", { "papyrus:repositoryName": REPO });
            // One deploy: moto's UpdateService runs no rollout, so a second one would read as drift. moto
            // runs no ECS deployments either: a proxy plays the one this deploy starts (testkit/ecsRollout.ts).
            const lifecycle = await startEcsRolloutProxy(moto.endpoint);
            const lifecycleEcs = new ECSClient({ region: TEST_REGION, endpoint: lifecycle.endpoint, credentials });
            await deploy({
                ...ctx({ envVars: { ...backend.env, ...moto.env, AWS_ENDPOINT_URL_ECS: lifecycle.endpoint }, ecs: lifecycleEcs }),
                tag: "v2.0.0",
            }).finally(() => {
                lifecycleEcs.destroy();
                return lifecycle.close();
            });

            // dev's copy has no findings; prod's has a critical one: the gate reads the repository prod pulls from.
            await scanned(prodEcr, PROD_REGION, v2.digest, { CRITICAL: 3 });
            const refused = await cli(["promote", "--from", "dev", "--to", "prod", "--version", "1"]);
            assert.strictEqual(refused.code, 11, refused.stderr);
            assert.match(refused.stderr, /its scan found 3 CRITICAL .*run `papyrus-deploy promote --from dev --to prod --accept-findings "<why>"`/);
            const promoted = await cli([
                "promote",
                "--from",
                "dev",
                "--to",
                "prod",
                "--version",
                "1",
                "--accept-findings",
                "prod accepts it for the test",
                "--json",
            ]);
            assert.strictEqual(promoted.code, 0, promoted.stderr);
            const record = JSON.parse(promoted.stdout) as EvidenceRecord;
            assert.deepStrictEqual([record.scan?.decision, record.scan?.counts, record.promotedFrom?.protected], ["accepted", { CRITICAL: 3 }, true]);
            assert.deepStrictEqual(await tagsOf(v2.digest, prodEcr), ["v2.0.0", "deployed-prod-slot1"]);

            const before = fs.readdirSync(workDir).sort();
            const json = await cli(["status", "--json"]);
            assert.strictEqual(json.code, 0, json.stderr);
            const status = JSON.parse(json.stdout) as StatusResult;
            const row = (stack: string) => status.stacks.find((s) => s.stack === stack);
            assert.deepStrictEqual(
                status.stacks.map((s) => s.stack),
                ["dev", "prod", "qa"],
            );
            const dev = row("dev")!;
            assert.deepStrictEqual([dev.version, dev.digest, dev.tag, dev.who, dev.kind], [1, v2.digest, "v2.0.0", "alice", "deploy"]);
            assert.deepStrictEqual(dev.ecs, {
                inSync: true,
                running: [`${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}@${v2.digest}`],
                // status reads moto directly (the lifecycle proxy is gone), and moto never moves a deployment's rollout state.
                rollingOut: true,
            });
            assert.strictEqual(dev.release?.verdict, "completed", "ECS completed dev's deployment, and the deploy recorded it");
            assert.deepStrictEqual(dev.protection, { protected: true, tags: ["deployed-dev-slot1"], imageStatus: "ACTIVE" });
            const prod = row("prod")!;
            assert.deepStrictEqual(
                [prod.version, prod.digest, prod.who, prod.kind, prod.image],
                [1, v2.digest, "ci-test", "promote", `${TEST_ACCOUNT}.dkr.ecr.${PROD_REGION}.amazonaws.com/${REPO}@${v2.digest}`],
            );
            assert.deepStrictEqual(prod.ecs, { notChecked: "the stack has no `clusterName`/`serviceName` outputs", reason: "no service outputs" });
            assert.deepStrictEqual([prod.release?.verdict, prod.release?.ecs], ["completed", "no-service"]);
            assert.deepStrictEqual(prod.protection, { protected: true, tags: ["deployed-prod-slot1"], imageStatus: "ACTIVE" });
            assert.deepStrictEqual(row("qa"), { stack: "qa", problem: "its state runs no service (nothing deployed yet)" });
            assert.deepStrictEqual(fs.readdirSync(workDir).sort(), before, "status writes nothing");

            const table = await cli(["status"]);
            assert.strictEqual(table.code, 0, table.stderr);
            const lines = table.stdout.trimEnd().split("\n");
            assert.match(lines[0], /^STACK\s+VERSION\s+DIGEST\s+TAG\s+WHEN\s+WHO\s+ECS\s+RELEASE\s+PROTECTED\s+NOTE$/);
            assert.match(
                lines[1],
                new RegExp(
                    `^dev\\s+1\\s+${v2.digest.slice(0, 19)}…\\s+v2\\.0\\.0\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+alice\\s+in sync \\(rolling out\\)\\s+completed\\s+yes \\(deployed-dev-slot1\\)$`,
                ),
            );
            assert.match(lines[2], /^prod\s+1\s+.*ci-test\s+no service outputs \[1\]\s+completed\s+yes \(deployed-prod-slot1\)$/);
            assert.match(lines[3], /^qa(\s+-){8}\s+its state runs no service \(nothing deployed yet\)$/);
            assert.deepStrictEqual(lines.slice(4), ["", "[1] prod ECS: the stack has no `clusterName`/`serviceName` outputs"]);
        } finally {
            prodEcr.destroy();
        }
    });
});
