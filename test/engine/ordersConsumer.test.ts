// examples/orders driven by the packed package's own CLI, as its team would run it: `papyrus-deploy`
// from node_modules/.bin (compiled JavaScript), in a project named `orders` with the example's stack
// files, on the real engine and moto. The program is the fixture's stand-in (the AWS provider cannot
// be had here) renamed `orders`, so every key the driver sets and reads is `orders:*`; ECS runs
// through the rollout proxy, as in the rollout suites. Deploy, deploy, rollback and history, each
// checked for exit code, output, the engine's recorded config, ECR tags and the untouched checkout.
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import * as yaml from "js-yaml";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft } from "../../testkit/cliProcess";
import { EcsRolloutProxy, startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_ACCOUNT, TEST_REGION } from "../../testkit/moto";
import { linkPackedPackage } from "../../testkit/packedPackage";

const EXAMPLE = path.resolve(__dirname, "..", "..", "examples", "orders");
const REPO = "orders-api";
const REPO_URL = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("examples/orders: the packed CLI deploys, rolls back and reads history in project `orders` (real engine + moto)", function () {
    this.timeout(600_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let proxy: EcsRolloutProxy;
    let backend: TempBackend;
    let workDir: string;
    let bin: string;
    let v1: PushedImage;
    let v2: PushedImage;

    before(async () => {
        moto = await sharedMoto();
        await moto.reset();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
        proxy = await startEcsRolloutProxy(moto.endpoint);
        backend = tempBackend("orders-backend-");
        // The example's checkout: its stack file, the stand-in program under its name, the package installed.
        workDir = fixtureProject(backend.dir, "orders");
        const example = yaml.load(fs.readFileSync(path.join(EXAMPLE, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const config = {
            ...example.config,
            "aws:region": TEST_REGION,
            "orders:fixtureEcs": true,
            "orders:fixtureClusterName": "orders",
            "orders:fixtureServiceName": "orders-api",
        };
        fs.writeFileSync(path.join(workDir, "Pulumi.dev.yaml"), yaml.dump({ config }));
        linkPackedPackage(workDir);
        bin = path.join(workDir, "node_modules", ".bin", "papyrus-deploy");
        await fixtureStack(backend, "dev", {}, workDir);
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        [v1, v2] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0")];
        fs.writeFileSync(path.join(workDir, ".gitignore"), ".pulumi-state/\nnode_modules/\n");
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "orders checkout");
    });
    after(async () => {
        ecr?.destroy();
        await proxy?.close();
        try {
            if (backend) await assertNoProcessLeft(backend.dir);
        } finally {
            backend?.cleanup();
            await moto?.release();
        }
    });

    function git(...args: string[]): string {
        return execFileSync("git", args, { cwd: workDir, encoding: "utf8" });
    }
    /** The installed bin, from the checkout, as its CI runs it (no --cwd). */
    const papyrus = (...args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn(bin, args, {
                cwd: workDir,
                env: {
                    ...process.env,
                    ...backend.env,
                    ...moto.env,
                    AWS_ENDPOINT_URL_ECS: proxy.endpoint,
                    PAPYRUS_DEPLOYER: "orders-ci",
                    PAPYRUS_DEPLOY_FROM_SOURCE: "",
                },
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c) => (stdout += c));
            child.stderr.on("data", (c) => (stderr += c));
            child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
    const json = (run: { code: number | null; stdout: string; stderr: string }, code = 0) => {
        assert.strictEqual(run.code, code, `exit ${run.code}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`);
        return JSON.parse(run.stdout);
    };
    const tagsOf = async (digest: string) =>
        (await ecr.send(new DescribeImagesCommand({ repositoryName: REPO, imageIds: [{ imageDigest: digest }] }))).imageDetails?.[0].imageTags ?? [];

    it("deploys v1 then v2 by digest, rolls back to v1, and history reads all three from `orders:*` keys", async () => {
        const first = json(await papyrus("deploy", "--stack", "dev", "--tag", "v1.0.0", "--json"));
        assert.strictEqual(first.image, `${REPO_URL}@${v1.digest}`);
        const second = json(await papyrus("deploy", "--stack", "dev", "--tag", "v2.0.0", "--json"));
        assert.strictEqual(second.image, `${REPO_URL}@${v2.digest}`);
        const back = json(await papyrus("rollback", "--stack", "dev", "--json"));
        assert.strictEqual(back.image, `${REPO_URL}@${v1.digest}`);

        const history = json(await papyrus("history", "--stack", "dev", "--json"));
        assert.deepStrictEqual(
            history.deployments.map((d: { version: number; kind: string; digest: string; tag: string; requestedBy: string; release: { verdict: string } }) => [
                d.version,
                d.kind,
                d.digest,
                d.tag,
                d.requestedBy,
                d.release.verdict,
            ]),
            [
                [3, "rollback", v1.digest, "v1.0.0", "orders-ci", "completed"],
                [2, "deploy", v2.digest, "v2.0.0", "orders-ci", "completed"],
                [1, "deploy", v1.digest, "v1.0.0", "orders-ci", "completed"],
            ],
        );
        assert.strictEqual(history.stack, "dev");

        // The engine recorded the driver's keys in the project's namespace, and none in another.
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        const [latest] = await stack.history(1, 1);
        assert.strictEqual(latest.config["orders:image"]?.value, `${REPO_URL}@${v1.digest}`);
        assert.strictEqual(latest.config["orders:deployKind"]?.value, "rollback");
        assert.deepStrictEqual(
            Object.keys(latest.config).filter((key) => key.startsWith("papyrus:")),
            [],
        );

        // Both digests protected in ECR; the checkout as committed (the driver's keys never written to it).
        assert.ok(
            (await tagsOf(v1.digest)).some((t) => /^deployed-dev-slot\d+$/.test(t)),
            String(await tagsOf(v1.digest)),
        );
        assert.ok(
            (await tagsOf(v2.digest)).some((t) => /^deployed-dev-slot\d+$/.test(t)),
            String(await tagsOf(v2.digest)),
        );
        assert.strictEqual(git("status", "--porcelain", "--untracked-files=all").trim(), "");
        assert.ok(!fs.readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8").includes("orders:image"));
    });

    it("names the project's own keys and stack spelling in its refusals", async () => {
        const other = await papyrus("history", "--stack", "organization/papyrus/dev", "--json");
        assert.strictEqual(other.code, 2, other.stderr);
        assert.match(
            JSON.parse(other.stdout).error.message,
            /^`--stack` names project `papyrus`, but this is project `orders` \(Pulumi\.yaml\); use `dev` or `organization\/orders\/dev`/,
        );
        const same = json(await papyrus("history", "--stack", "organization/orders/dev", "--json"));
        assert.strictEqual(same.deployments.length, 3);
    });
});
