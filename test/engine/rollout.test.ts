// Following the ECS deployment `up` started, and what the driver does when ECS rolls it back:
// the real engine (fixture project whose stand-in registers task definitions and updates the
// service in moto's ECS) and moto, with a loopback proxy that plays ECS's deployment lifecycle
// on top of moto's real answers, because moto runs no deployments (the first test records that).
import * as assert from "assert";
import * as fs from "fs";
import {
    CreateClusterCommand,
    CreateServiceCommand,
    DescribeServicesCommand,
    ECSClient,
    RegisterTaskDefinitionCommand,
    UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { reconcile } from "../../automation/commands/reconcile";
import { verify } from "../../automation/commands/verify";
import { EXIT_CODES, InterruptedError, ReconcileTargetGoneError, RolledBackError, RolloutTimeoutError } from "../../automation/record/errors";
import { EvidenceRecord } from "../../automation/record/evidence";
import { runCli } from "../../testkit/cliProcess";
import { fixtureStack } from "../../testkit/fixture";
import { PushedImage } from "../../testkit/images";
import { TEST_REGION } from "../../testkit/moto";
import { escapeRegExp, rolloutHarness, ROLLOUT_REPO, ROLLOUT_REPO_URL } from "../../testkit/rolloutHarness";

const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

describe("rollout truth: following ECS's deployment, and reconciling an ECS rollback (real engine + moto + lifecycle proxy)", function () {
    this.timeout(300_000);
    const h = rolloutHarness(["v1.0.0", "v2.0.0"]);
    const { ctx, engineEnv, image, evidenceFile, readEvidence } = h;
    let v1: PushedImage;
    let v2: PushedImage;
    beforeEach(() => {
        ({ "v1.0.0": v1, "v2.0.0": v2 } = h.pushed);
    });
    const rows = async () => (await history(ctx())).deployments.map((d) => [d.version, d.kind, d.result, d.digest, d.running ?? false]);

    it("moto's ECS runs no deployments: UpdateService keeps the one deployment and its task definition, and records no events", async () => {
        // Why the proxy exists; if moto ever grows rollouts, this fails and the proxy can go.
        const direct = new ECSClient({ region: TEST_REGION, endpoint: h.moto.endpoint, credentials });
        try {
            await direct.send(new CreateClusterCommand({ clusterName: "probe" }));
            const register = async (family: string) =>
                (
                    await direct.send(
                        new RegisterTaskDefinitionCommand({
                            family,
                            containerDefinitions: [{ name: "app", image: image(v1), essential: true, memory: 512 }],
                        }),
                    )
                ).taskDefinition!.taskDefinitionArn!;
            const first = await register("probe-1");
            const second = await register("probe-2");
            await direct.send(new CreateServiceCommand({ cluster: "probe", serviceName: "svc", taskDefinition: first, desiredCount: 1 }));
            await direct.send(new UpdateServiceCommand({ cluster: "probe", service: "svc", taskDefinition: second }));
            const [svc] = (await direct.send(new DescribeServicesCommand({ cluster: "probe", services: ["svc"] }))).services!;
            assert.strictEqual(svc.taskDefinition, second);
            // The one deployment still names the first task definition, and its rollout state never moves
            // (IN_PROGRESS: moto runs no tasks unless told to with MOTO_ECS_SERVICE_RUNNING).
            assert.deepStrictEqual(
                svc.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState]),
                [["PRIMARY", first, "IN_PROGRESS"]],
            );
            assert.deepStrictEqual(svc.events ?? [], []);
        } finally {
            direct.destroy();
        }
    });

    it("follows the deployment `up` started by its ID to COMPLETED, printing progress while it runs", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "complete", polls: 3 });
        const lines: string[] = [];
        const result = await deploy({ ...ctx({ onProgress: (line: string) => lines.push(line) }), tag: "v2.0.0", evidenceFile: evidenceFile("v2.json") });
        const [svc] = (await h.ecs.send(new DescribeServicesCommand({ cluster: "papyrus", services: ["api"] }))).services!;
        assert.strictEqual(result.rollout?.state, "COMPLETED");
        assert.strictEqual(result.rollout?.deploymentId, svc.deployments?.[0].id, "the deployment followed is the one ECS runs now");
        assert.match(result.rollout?.deploymentId ?? "", /^ecs-svc\/\d+$/);
        assert.strictEqual(result.verify?.inSync, true);
        // kills: a follower that reports the first answer (IN_PROGRESS is printed while it waits).
        const status = lines.filter((l) => l.startsWith(`rollout ${result.rollout?.deploymentId}: IN_PROGRESS, running 0/1, pending 1`));
        assert.ok(status.length >= 2, lines.join("\n"));
        assert.ok(lines.includes(`ECS: (service api) (deployment ${result.rollout?.deploymentId}) deployment completed.`), lines.join("\n"));
        assert.deepStrictEqual(readEvidence("v2.json").rollout?.state, "COMPLETED");
        assert.strictEqual(readEvidence("v2.json").rollout?.deploymentId, result.rollout?.deploymentId);
    });

    it("ECS rolls the deploy back: exit 6 naming both digests and ECS's events, the exact reconcile command, and then `reconcile` makes state, history and ECS agree", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "rollback", polls: 1 });
        let error: RolledBackError | undefined;
        await assert.rejects(deploy({ ...ctx(), tag: "v2.0.0", evidenceFile: evidenceFile("v2.json") }), (err: unknown) => {
            error = err as RolledBackError;
            return err instanceof RolledBackError;
        });
        assert.strictEqual(error!.exitCode, EXIT_CODES.drift);
        assert.match(
            error!.message,
            // ECS's own reason, from its service deployment record (the service-deployments API).
            new RegExp(
                `^ECS rolled back deployment ecs-svc/\\d+ \\(Service deployment rolled back because the circuit breaker threshold was exceeded\\.\\) on stack \`dev\`: the update recorded \`${image(v2)}\` but ECS runs \`${image(v1)}\`\\.`,
            ),
        );
        assert.match(error!.message, /ECS said: .*deployment failed: tasks failed to start\..*rolling back to deployment ecs-svc\/\d+\./);
        assert.match(error!.message, /run `papyrus-deploy reconcile --stack dev` to record what ECS runs/);
        const evidence = readEvidence("v2.json");
        assert.deepStrictEqual(
            [evidence.result, evidence.imageDigest, evidence.rollout?.state, evidence.rollout?.runningDigest],
            // `failed`: the command's end, though the engine's update succeeded (kills a record saying `succeeded` with exit 6)
            ["failed", v2.digest, "FAILED", v1.digest],
        );
        assert.strictEqual(evidence.error, error!.message);
        // The stack still claims v2 (the engine succeeded), and says so nowhere else but here and in verify.
        assert.deepStrictEqual(await rows(), [
            [2, "deploy", "succeeded", v2.digest, true],
            [1, "deploy", "succeeded", v1.digest, false],
        ]);
        assert.strictEqual((await verify(ctx())).inSync, false);

        const reconciled = await reconcile({ ...ctx(), evidenceFile: evidenceFile("reconcile.json") });
        assert.strictEqual(reconciled.image, image(v1));
        assert.deepStrictEqual(readEvidence("reconcile.json").reconcileOf, { version: 2, digest: v2.digest });
        assert.strictEqual(readEvidence("reconcile.json").kind, "reconcile");
        assert.deepStrictEqual(await rows(), [
            [3, "reconcile", "succeeded", v1.digest, true],
            [2, "deploy", "succeeded", v2.digest, false],
            [1, "deploy", "succeeded", v1.digest, false],
        ]);
        assert.deepStrictEqual((await history(ctx())).deployments[0].reconcileOf, { version: 2, digest: v2.digest });
        assert.strictEqual((await verify(ctx())).inSync, true);
        // Nothing left to do: a second reconcile changes nothing.
        const again = await reconcile({ ...ctx(), evidenceFile: evidenceFile("again.json") });
        assert.match(again.unchanged ?? "", /agree/);
        // kills: a no-op reconcile leaving CI's `--evidence` file unwritten
        const record = readEvidence("again.json");
        assert.deepStrictEqual(
            [record.kind, record.result, record.imageDigest, record.previousDigest, record.updateVersion, record.unchanged, record.verify],
            ["reconcile", "succeeded", v1.digest, v1.digest, undefined, again.unchanged, { inSync: true, running: [image(v1)] }],
        );
        // kills: a no-op reconcile naming the current update (3, the reconcile itself) as the one ECS rolled back
        assert.ok(!("reconcileOf" in record), `no update was rolled back, so none is named: ${JSON.stringify(record.reconcileOf)}`);
        const noop = await runCli(["reconcile", "--stack", "dev", "--json", "--cwd", h.workDir], {
            ...process.env,
            ...engineEnv(),
            PAPYRUS_DEPLOYER: "ci-test",
        });
        assert.strictEqual(noop.code, 0, noop.stderr);
        const printed = JSON.parse(noop.stdout) as EvidenceRecord;
        assert.deepStrictEqual([printed.unchanged, printed.reconcileOf], [again.unchanged, undefined]);
        assert.strictEqual((await history(ctx())).deployments.length, 3);
    });

    it("`reconcile` refuses to record an image ECS runs that is gone from ECR: exit 3, naming it, nothing changed", async () => {
        // kills: recording a digest ECS could not pull again, or the rollback error's advice (`--to-version`) for a reconcile
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const gone = `${ROLLOUT_REPO_URL}@sha256:${"e".repeat(64)}`; // never pushed: as if deleted from ECR
        const arn = (
            await h.ecs.send(
                new RegisterTaskDefinitionCommand({
                    family: "papyrus-dev",
                    containerDefinitions: [{ name: "app", image: gone, essential: true, memory: 512 }],
                }),
            )
        ).taskDefinition!.taskDefinitionArn!;
        await h.ecs.send(new UpdateServiceCommand({ cluster: "papyrus", service: "api", taskDefinition: arn })); // drift, by hand
        await assert.rejects(reconcile({ ...ctx(), evidenceFile: evidenceFile("gone.json") }), (err: unknown) => {
            assert.ok(err instanceof ReconcileTargetGoneError, String(err));
            assert.strictEqual(err.exitCode, EXIT_CODES.imageUnavailable);
            assert.strictEqual(
                err.message,
                `ECS runs \`${gone}\` on stack \`dev\`, but its digest is not in \`${ROLLOUT_REPO}\`: recording it would name an image ECS cannot pull again ` +
                    "(a scale-out or a replaced task would fail); nothing was changed. Deploy a tag or roll back to a digest still in ECR (see `papyrus-deploy history --stack dev`)",
            );
            return true;
        });
        assert.deepStrictEqual(await rows(), [[1, "deploy", "succeeded", v1.digest, true]]);
        assert.ok(!fs.existsSync(evidenceFile("gone.json")), "no update ran, so no record");
    });

    it("`--on-rollback reconcile` from the CLI: exit 6 still, the reconcile recorded and linked, progress on stderr, --json prints the evidence", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "rollback", polls: 1 });
        const env = { ...process.env, ...engineEnv(), PAPYRUS_DEPLOYER: "ci-test" };
        const { code, stdout, stderr } = await runCli(
            ["deploy", "--stack", "dev", "--tag", "v2.0.0", "--on-rollback", "reconcile", "--json", "--evidence", evidenceFile("v2.json"), "--cwd", h.workDir],
            env,
        );
        assert.strictEqual(code, 6, stderr);
        const printed = JSON.parse(stdout) as EvidenceRecord;
        assert.deepStrictEqual(printed, readEvidence("v2.json"));
        assert.deepStrictEqual(
            [printed.rollout?.state, printed.reconciledBy?.result, printed.reconciledBy?.digest, printed.reconciledBy?.updateVersion],
            ["FAILED", "succeeded", v1.digest, 3],
        );
        assert.match(stderr, /rollout ecs-svc\/\d+: IN_PROGRESS, running 0\/1, pending 1/);
        assert.match(stderr, /ECS: \(service api\) \(deployment ecs-svc\/\d+\) deployment failed: tasks failed to start\./);
        assert.match(stderr, /Reconciled: update 3 records sha256:[0-9a-f]{64}, so the stack, its history and ECS agree again/);
        const rowsNow = await rows();
        assert.deepStrictEqual(rowsNow[0], [3, "reconcile", "succeeded", v1.digest, true]);
        // The link back, from the reconcile's own history entry to the update ECS rolled back (2, v2); kills: the
        // reconcile recording no `reconcileOf`, or naming the reconcile itself, the update before, or the digest ECS runs.
        assert.deepStrictEqual((await history(ctx())).deployments[0].reconcileOf, { version: 2, digest: v2.digest });
        const table = await runCli(["history", "--stack", "dev", "--cwd", h.workDir], env);
        assert.strictEqual(table.code, 0, table.stderr);
        assert.match(table.stdout.split("\n")[1], /^3\s+\S+\s+\S+\s+succeeded\s+completed\s+reconcile \(of #2\)\s+v1\.0\.0\s+sha256:\S+\s+ci-test\s+\*$/);
        assert.match(table.stdout.split("\n")[2], /^2\s+\S+\s+\S+\s+succeeded\s+rolled-back\s+deploy\s+v2\.0\.0\s/);
        // kills: the reconcile forgetting the tag the digest ECS runs was deployed under
        assert.strictEqual((await history(ctx())).deployments[0].tag, "v1.0.0");
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("Ctrl-C while `--on-rollback reconcile` reconciles is an interrupt (exit 130), and the record says ECS rolled back and the reconcile was cancelled", async () => {
        // kills: reporting the cancelled reconcile as a failed one (exit 6), or the record saying `failed`/`succeeded`
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const stack = await fixtureStack(h.backend, "dev", {}, h.workDir);
        await stack.setConfig("papyrus:fixtureDelayMs", { value: "6000" }); // the reconcile's program waits before it registers anything
        h.proxy.script({ outcome: "rollback", polls: 1 });
        const abort = new AbortController();
        let reconciling = false;
        let error: InterruptedError | undefined;
        await assert.rejects(
            deploy({
                ...ctx({
                    signal: abort.signal,
                    // Ctrl-C once the reconcile's own `up` is under way (its program waits 6 s before it registers anything).
                    onOutput: (text: string) => {
                        if (text.includes("reconciling, so the stack records what ECS runs")) reconciling = true;
                        else if (reconciling && /Updating \(/.test(text)) abort.abort();
                    },
                }),
                tag: "v2.0.0",
                onRollback: "reconcile",
                evidenceFile: evidenceFile("v2.json"),
            }),
            (err: unknown) => {
                error = err as InterruptedError;
                return err instanceof InterruptedError;
            },
        );
        assert.strictEqual(error!.exitCode, EXIT_CODES.interrupted);
        assert.match(
            error!.message,
            new RegExp(
                `^deploy of stack \`dev\` was interrupted: ECS rolled back deployment ecs-svc/\\d+ \\(Service deployment rolled back because the circuit breaker threshold was exceeded\\.\\) and runs \`${escapeRegExp(image(v1))}\`; ` +
                    `the reconcile that would record it was cancelled, so the stack may still claim \`${escapeRegExp(image(v2))}\`: run \`papyrus-deploy reconcile --stack dev\`$`,
            ),
        );
        const evidence = readEvidence("v2.json");
        assert.deepStrictEqual([evidence.result, evidence.imageDigest, evidence.reconciledBy?.result], ["cancelled", v2.digest, "cancelled"]);
        assert.strictEqual(evidence.error, error!.message);
        // The cancelled reconcile changed nothing (the engine records a cancelled update as failed): the
        // stack still claims v2, which ECS rolled back, as the message says.
        assert.deepStrictEqual((await rows()).slice(0, 2), [
            [3, "reconcile", "failed", v1.digest, false],
            [2, "deploy", "succeeded", v2.digest, true],
        ]);
    });

    it("`up` failing after the service took the image while ECS rolls it back is exit 6 (the news), naming the engine's failure too", async () => {
        // kills: following the rollout only after a successful `up` (the provider's wait for a steady
        // service can fail the update when ECS fails the deployment, after the state took the image)
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const stack = await fixtureStack(h.backend, "dev", {}, h.workDir);
        await stack.setConfig("papyrus:fixtureFailAfterService", { value: "true" });
        h.proxy.script({ outcome: "rollback", polls: 1 });
        let error: RolledBackError | undefined;
        await assert.rejects(deploy({ ...ctx(), tag: "v2.0.0", evidenceFile: evidenceFile("v2.json") }), (err: unknown) => {
            error = err as RolledBackError;
            return err instanceof RolledBackError;
        });
        assert.strictEqual(error!.exitCode, EXIT_CODES.drift);
        assert.match(error!.message, new RegExp(`the update recorded \`${image(v2)}\` but ECS runs \`${image(v1)}\``));
        assert.match(error!.message, /`pulumi up` failed too: .*fixtureFailAfterService: a resource after the service failed/);
        const evidence = readEvidence("v2.json");
        assert.deepStrictEqual(
            [evidence.result, evidence.applied, evidence.imageDigest, evidence.rollout?.state, evidence.rollout?.runningDigest],
            ["failed", true, v2.digest, "FAILED", v1.digest],
        );
    });

    it("a rollout still IN_PROGRESS when `--wait-timeout` ends: exit 10 with its own message, and lines were printed while it waited", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "hang" });
        const lines: { at: number; line: string }[] = [];
        const started = Date.now();
        let error: RolloutTimeoutError | undefined;
        await assert.rejects(
            deploy({
                ...ctx({ onProgress: (line: string) => lines.push({ at: Date.now(), line }), rolloutPollMs: 100, progressMs: 300 }),
                tag: "v2.0.0",
                waitTimeoutMs: 2000,
                evidenceFile: evidenceFile("v2.json"),
            }),
            (err: unknown) => {
                error = err as RolloutTimeoutError;
                return err instanceof RolloutTimeoutError;
            },
        );
        assert.strictEqual(error!.exitCode, EXIT_CODES.rolloutTimeout);
        assert.match(
            error!.message,
            /^stack `dev` was updated, but ECS deployment ecs-svc\/\d+ was still IN_PROGRESS after 2s; .*`papyrus-deploy verify --stack dev` answers later and records the verdict: exit 0 once ECS completed it, 10 while it still rolls out, 6 if ECS rolled it back/,
        );
        const status = lines.filter((l) => l.line.startsWith("rollout "));
        assert.ok(status.length >= 3, JSON.stringify(lines));
        // At most one status line per progress interval.
        for (let i = 1; i < status.length; i++) assert.ok(status[i].at - status[i - 1].at >= 290, JSON.stringify(status));
        assert.ok(status[0].at - started < 60_000);
        const evidence = readEvidence("v2.json");
        // kills: a record saying `succeeded` for an exit-10 command
        assert.deepStrictEqual([evidence.rollout?.state, evidence.imageDigest, evidence.result], ["IN_PROGRESS", v2.digest, "failed"]);
    });
});
