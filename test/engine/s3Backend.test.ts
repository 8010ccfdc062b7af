// The driver against `s3://` state, as a team keeps it: the same fixture project, with the
// state, its history and the engine's locks in a bucket of moto's S3. What differs from a
// `file://` backend is the lock: a lock in a bucket cannot be proven stale from one machine, so
// after a SIGKILL the next deploy exits 4 with the `pulumi cancel` hint instead of breaking it.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { rollback } from "../../automation/commands/rollback";
import { engineTools } from "../../automation/engine/tools";
import { StackBusyError } from "../../automation/record/errors";
import { s3Backend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, startCli, waitFor } from "../../testkit/cliProcess";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";

describe("deploy driver with S3 state (real engine + moto's S3 and ECR)", function () {
    this.timeout(300_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let backend: TempBackend;
    let workDir: string;
    let v1: PushedImage;
    let v2: PushedImage;
    let bucket = 0;

    before(async () => {
        moto = await sharedMoto();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    });
    after(async () => {
        ecr?.destroy();
        await moto?.release();
    });
    beforeEach(async () => {
        await moto.reset();
        backend = await s3Backend(moto, `papyrus-state-${++bucket}`);
        workDir = fixtureProject(backend.dir);
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        [v1, v2] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0")];
    });
    afterEach(async () => {
        try {
            await assertNoProcessLeft(backend.dir);
        } finally {
            backend.cleanup();
        }
    });

    const ctx = (extra: Record<string, unknown> = {}) => ({ stackName: "dev", workDir, envVars: backend.env, ecr, requestedBy: "alice", ...extra });

    it("deploys, deploys, rolls back, and reads the history back from the bucket", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        await deploy({ ...ctx({ requestedBy: "bob" }), tag: "v2.0.0" });
        const back = await rollback(ctx());
        assert.strictEqual(back.resolved.digest, v1.digest);
        const after = await history(ctx());
        assert.deepStrictEqual(
            after.deployments.map((d) => [d.version, d.kind, d.digest, d.requestedBy, d.running]),
            [
                [3, "rollback", v1.digest, "alice", true],
                [2, "deploy", v2.digest, "bob", false],
                [1, "deploy", v1.digest, "alice", false],
            ],
        );
        const listing = await (await fetch(`${moto.endpoint}/papyrus-state-${bucket}?list-type=2&prefix=papyrus/.pulumi/history/`)).text();
        assert.match(listing, /<Key>papyrus\/\.pulumi\/history\/papyrus\/dev\/dev-\d+\.history\.json<\/Key>/, "the history is in the bucket");
    });

    it("tells a deploy from another checkout that the bucket's lock is held, and changes nothing", async () => {
        const otherCheckout = fixtureProject(backend.dir);
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "8000" });
        const slow = startCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir], { ...process.env, ...backend.env, PAPYRUS_DEPLOYER: "alice" });
        await waitFor("the update to start", () => /Updating \(/.test(slow.stderr()), 90_000, slow);
        await fixtureStack(backend, "dev", {}, otherCheckout).then((s) => s.setConfig("papyrus:repositoryName", { value: REPO }));
        await assert.rejects(
            deploy({ ...ctx({ workDir: otherCheckout, requestedBy: "bob" }), tag: "v2.0.0" }),
            (err: unknown) =>
                err instanceof StackBusyError && err.exitCode === 4 && /engine lock; if no deploy is running, clear it with `pulumi cancel`/.test(err.message),
        );
        assert.strictEqual((await slow.exited).code, 0);
        assert.deepStrictEqual(
            (await history(ctx())).deployments.map((d) => [d.digest, d.requestedBy]),
            [[v1.digest, "alice"]],
        );
    });

    it("after a SIGKILL leaves the bucket's lock alone (exit 4, `pulumi cancel` hint); after `pulumi cancel` the next deploy runs", async () => {
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "8000" });
        const killed = startCli(["deploy", "--stack", "dev", "--tag", "v1.0.0", "--cwd", workDir], { ...process.env, ...backend.env, PAPYRUS_DEPLOYER: "ci" });
        await waitFor("the update to start", () => /Updating \(/.test(killed.stderr()), 90_000, killed);
        process.kill(-killed.child.pid!, "SIGKILL"); // a lost CI runner
        await killed.exited;
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "0" });

        const blocked = await startCli(["deploy", "--stack", "dev", "--tag", "v2.0.0", "--cwd", workDir, "--json"], { ...process.env, ...backend.env }).exited;
        assert.strictEqual(blocked.code, 4, blocked.stderr);
        assert.match(
            blocked.stderr,
            /stack `dev` is being deployed by .*\(engine lock; if no deploy is running, clear it with `pulumi cancel`\); nothing was changed/,
        );
        assert.strictEqual(JSON.parse(blocked.stdout).error.code, 4);

        const { command, env } = await engineTools();
        execFileSync(command.command, ["cancel", "--yes", "-s", "dev", "--cwd", workDir], { env: { ...process.env, ...env, ...backend.env }, stdio: "pipe" });
        const next = await deploy({ ...ctx(), tag: "v2.0.0" });
        // The refused deploy already took over the dead driver's lock (and released its own); the
        // killed update never reached a resource, so nothing is left to recover.
        assert.deepStrictEqual(next.recovered, []);
        assert.strictEqual((await history(ctx())).running?.digest, v2.digest);
    });
});
