// A plain `pulumi up` is safe (issue 11): git's Pulumi.<stack>.yaml holds no
// image, the driver passes its keys for its own update only, and with no image
// the program keeps what the stack's last outputs name. Run on the fixture
// project (the same image choice as index.ts, components/runningImage.ts) with
// the real engine and moto.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { Stack, UpdateSummary } from "@pulumi/pulumi/automation";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { engineTools } from "../../automation/engine/tools";
import { Checkpoint, recordedImage, StateResource } from "../../automation/engine/state";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft } from "../../testkit/cliProcess";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { pushImage, PushedImage } from "../../testkit/images";
import { sharedMoto, SharedMoto, TEST_REGION } from "../../testkit/moto";

const REPO = "papyrus-api";
const REPO_URL = `123456789012.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
const DRIVER_KEYS = ["papyrus:image", "papyrus:imageTag", "papyrus:deployedBy", "papyrus:deployKind"];

describe("a plain `pulumi up` never changes the image (real engine + moto)", function () {
    this.timeout(600_000);
    let moto: SharedMoto;
    let ecr: ECRClient;
    let backend: TempBackend;
    let workDir: string;
    let stack: Stack;
    let v1: PushedImage;
    let v2: PushedImage;

    before(async () => {
        moto = await sharedMoto();
        ecr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        [v1, v2] = [await pushImage(ecr, REPO, "v1.0.0"), await pushImage(ecr, REPO, "v2.0.0")];
        backend = tempBackend();
        workDir = fixtureProject(backend.dir);
        stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
    });
    after(async () => {
        try {
            if (backend) await assertNoProcessLeft(backend.dir);
        } finally {
            backend?.cleanup();
            ecr?.destroy();
            await moto?.release();
        }
    });

    /** `pulumi up` by hand, as the docs say, from `dir` (no driver: no PAPYRUS_DRIVER, no config file). */
    async function plainUp(dir: string, stackName: string): Promise<void> {
        const { command, env } = await engineTools();
        execFileSync(command.command, ["up", "--yes", "--skip-preview", "--non-interactive", "-s", stackName, "--cwd", dir], {
            env: { ...process.env, ...env, ...backend.env },
            stdio: "pipe",
        });
    }
    const state = async (s: Stack) => (await s.exportStack()).deployment as Checkpoint;
    /** The custom resources of the state (service, task definitions) by URN, with their outputs. */
    const resources = (checkpoint: Checkpoint) =>
        Object.fromEntries(
            (checkpoint.resources ?? []).filter((r: StateResource) => r.custom !== false && !r.type.startsWith("pulumi:")).map((r) => [r.urn, r.outputs]),
        );
    const newest = async (s: Stack): Promise<UpdateSummary> => (await s.history(1, 1, false))[0];

    it("deploy v1, deploy v2, then a plain `pulumi up` from a clean copy keeps v2 and changes no resource", async () => {
        // kills: a program that treats a missing `papyrus:image` as a new stack (checked: the service is deleted, v2 gone)
        await deploy({ stackName: "dev", workDir, envVars: backend.env, ecr, requestedBy: "alice", tag: "v1.0.0" });
        await deploy({ stackName: "dev", workDir, envVars: backend.env, ecr, requestedBy: "bob", tag: "v2.0.0" });
        const checkout = fs.readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8");
        for (const key of DRIVER_KEYS) assert.ok(!checkout.includes(key), `the checkout holds ${key}`);
        // The engine kept each update's config in its history entry all the same.
        const entries = await stack.history(10, 1, false);
        assert.deepStrictEqual(
            entries.map((e) => DRIVER_KEYS.map((key) => e.config[key]?.value)),
            [
                [`${REPO_URL}@${v2.digest}`, "v2.0.0", "bob", "deploy"],
                [`${REPO_URL}@${v1.digest}`, "v1.0.0", "alice", "deploy"],
            ],
        );
        const before = await state(stack);
        assert.strictEqual(recordedImage(before)?.digest, v2.digest);

        // A fresh clone: the project and git's Pulumi.dev.yaml, nothing else.
        const clean = fixtureProject(backend.dir);
        fs.writeFileSync(path.join(clean, "Pulumi.dev.yaml"), checkout);
        await plainUp(clean, "dev");
        const after = await state(stack);
        assert.strictEqual(recordedImage(after)?.digest, v2.digest, "the state runs v2, as before");
        assert.deepStrictEqual(resources(after), resources(before), "no custom resource was created, replaced, updated or deleted");
        const changes: Record<string, number> = { ...(await newest(stack)).resourceChanges };
        assert.deepStrictEqual(
            Object.keys(changes).filter((k) => !["same", "read"].includes(k) && changes[k] > 0),
            [],
            JSON.stringify(changes),
        );

        // Its outputs carry the image on, so the next plain `up` keeps it too; history marks where v2 came from.
        await plainUp(clean, "dev");
        assert.strictEqual(recordedImage(await state(stack))?.digest, v2.digest);
        const listed = await history({ stackName: "dev", workDir, envVars: backend.env });
        assert.deepStrictEqual(
            listed.deployments.map((d) => [d.version, d.kind, d.digest, d.running]),
            [
                [4, "manual", undefined, false],
                [3, "manual", undefined, false],
                [2, "deploy", v2.digest, true],
                [1, "deploy", v1.digest, false],
            ],
        );
    });

    it("a new stack's first plain `pulumi up` creates no service and deletes nothing", async () => {
        const qa = await fixtureStack(backend, "qa", {}, workDir);
        await qa.setConfig("papyrus:repositoryName", { value: REPO });
        await plainUp(workDir, "qa");
        const checkpoint = await state(qa);
        assert.strictEqual(recordedImage(checkpoint), undefined);
        assert.deepStrictEqual(resources(checkpoint), {}, "no service, no task definition");
        const changes: Record<string, number> = { ...(await newest(qa)).resourceChanges };
        assert.deepStrictEqual([changes.delete ?? 0, changes.replace ?? 0], [0, 0], JSON.stringify(changes));
        const outputs = (checkpoint.resources ?? []).find((r) => r.type === "pulumi:pulumi:Stack")?.outputs;
        assert.deepStrictEqual(outputs, { repositoryName: REPO });
    });
});
