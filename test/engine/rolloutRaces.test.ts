// Edge cases of a deploy that follows ECS's rollout (test/engine/rollout.test.ts has the main
// paths): another checkout's update replacing its deployment, ECS failing it without rolling back,
// ECS going away mid-wait, an engine refusing the stack's secrets at `up`. The real engine, moto,
// and the lifecycle proxy of testkit/ecsRollout.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { verify } from "../../automation/commands/verify";
import { EXIT_CODES, InvalidInputError, NotVerifiedError, RolledBackError, SupersededError } from "../../automation/record/errors";
import { fixtureProject } from "../../testkit/fixture";
import { PushedImage } from "../../testkit/images";
import { escapeRegExp, rolloutHarness } from "../../testkit/rolloutHarness";

describe("rollout edge cases: another update, ECS failing without rollback, ECS gone, refused secrets (real engine + moto + lifecycle proxy)", function () {
    this.timeout(300_000);
    const h = rolloutHarness(["v1.0.0", "v2.0.0", "v3.0.0"]);
    const { ctx, engineEnv, image, evidenceFile, readEvidence } = h;
    let v2: PushedImage;
    let v3: PushedImage;
    beforeEach(() => {
        ({ "v2.0.0": v2, "v3.0.0": v3 } = h.pushed);
    });
    const rows = async () => (await history(ctx())).deployments.map((d) => [d.version, d.kind, d.tag, d.requestedBy, d.running ?? false]);
    /** Resolves once a progress line starting with `prefix` was printed. */
    const printed = (lines: string[], prefix: string) =>
        new Promise<void>((resolve, reject) => {
            const deadline = Date.now() + 120_000;
            const check = () =>
                lines.some((l) => l.startsWith(prefix))
                    ? resolve()
                    : Date.now() > deadline
                      ? reject(new Error(`no line starting with ${prefix}: ${lines.join("\n")}`))
                      : setTimeout(check, 50);
            check();
        });

    it("another checkout's deploy during the wait replaces the deployment: exit 6 naming that update, not 'ECS rolled back', and no reconcile", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        // alice's deployment never finishes; bob's completes (his checkout has its own driver lock, and up's engine lock has ended).
        h.proxy.script({ outcome: "hang" }, { outcome: "complete" });
        const lines: string[] = [];
        const alice = deploy({
            ...ctx({ onProgress: (line: string) => lines.push(line) }),
            tag: "v2.0.0",
            waitTimeoutMs: 120_000,
            onRollback: "reconcile",
            evidenceFile: evidenceFile("alice.json"),
        }).then(
            () => undefined,
            (err: unknown) => err,
        );
        await printed(lines, "rollout ecs-svc/");
        const bobsCheckout = fixtureProject(h.backend.dir);
        fs.copyFileSync(path.join(h.workDir, "Pulumi.dev.yaml"), path.join(bobsCheckout, "Pulumi.dev.yaml"));
        await deploy({ ...ctx(), workDir: bobsCheckout, requestedBy: "bob", tag: "v3.0.0" });
        const error = await alice;
        assert.ok(error instanceof SupersededError, String(error));
        assert.strictEqual(error.exitCode, EXIT_CODES.drift);
        // Named from the history when bob's update has ended by then, else from ECS's task definition (timing decides which).
        const by =
            "(update 3 \\(deploy v3\\.0\\.0 by bob, succeeded\\)|another update \\(ECS's primary deployment runs `arn:aws:ecs:us-east-1:123456789012:task-definition/papyrus-dev:3`, " +
            "which the service did not run before this update started; it is not in the stack's history yet\\))";
        assert.match(
            error.message,
            new RegExp(
                `^stack \`dev\` was updated to \`${escapeRegExp(image(v2))}\`, but ${by} ran while ECS rolled it out and replaced it: ` +
                    `ECS runs \`${escapeRegExp(image(v3))}\`\\. That is not ECS rolling it back, so nothing was reconciled; see \`papyrus-deploy history --stack dev\` and deploy again if this image should run$`,
            ),
        );
        // kills: the rollback path, which ran a reconcile recording bob's digest as "of update 2".
        assert.deepStrictEqual(await rows(), [
            [3, "deploy", "v3.0.0", "bob", true],
            [2, "deploy", "v2.0.0", "alice", false],
            [1, "deploy", "v1.0.0", "alice", false],
        ]);
        const evidence = readEvidence("alice.json");
        assert.deepStrictEqual([evidence.reconciledBy, evidence.error], [undefined, error.message]);
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("a wrong PULUMI_CONFIG_PASSPHRASE that only `up` notices is exit 2 naming it, nothing recorded; not 'update failed' (5) nor 'the image was applied'", async () => {
        // The state holds no secret, so `stack export` reads it with any passphrase; the engine refuses at `up`.
        await deploy({ ...ctx(), tag: "v1.0.0" });
        const wrong = { ...engineEnv(), PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" };
        for (const tag of ["v2.0.0", "v1.0.0"]) {
            // v1.0.0: the digest the state already runs
            await assert.rejects(deploy({ ...ctx({ envVars: wrong }), tag, evidenceFile: evidenceFile(`${tag}.json`) }), (err: unknown) => {
                assert.ok(err instanceof InvalidInputError, String(err));
                assert.strictEqual(err.exitCode, EXIT_CODES.usage);
                assert.strictEqual(
                    err.message,
                    "`PULUMI_CONFIG_PASSPHRASE` is missing or wrong for this stack's secrets; export the passphrase the stack was created with, got `(hidden)`",
                );
                return true;
            });
        }
        assert.deepStrictEqual(await rows(), [[1, "deploy", "v1.0.0", "alice", true]]);
    });

    it("ECS fails the deployment without rolling back: exit 6 saying the primary is still the recorded image, not 'recorded X but ECS runs X'", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "fail", polls: 1 });
        await assert.rejects(deploy({ ...ctx(), tag: "v2.0.0", onRollback: "reconcile" }), (err: unknown) => {
            assert.ok(err instanceof RolledBackError, String(err));
            assert.strictEqual(err.exitCode, EXIT_CODES.drift);
            assert.match(
                err.message,
                new RegExp(
                    `^ECS marked deployment ecs-svc/\\d+ FAILED \\(Service deployment stopped because the circuit breaker threshold was exceeded\\.\\) without rolling back on stack \`dev\`: ` +
                        `its primary deployment is still the recorded \`${escapeRegExp(image(v2))}\`, whose tasks fail\\. The stack's record is what ECS tries to run;`,
                ),
            );
            return true;
        });
        // Nothing to reconcile: the stack records what ECS (tries to) run.
        assert.deepStrictEqual(await rows(), [
            [2, "deploy", "v2.0.0", "alice", true],
            [1, "deploy", "v1.0.0", "alice", false],
        ]);
    });

    it("ECS unreachable in the middle of the wait: exit 8 saying the stack was updated, without 'nothing was changed, run the same command again'", async () => {
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "hang" });
        const lines: string[] = [];
        const deploying = deploy({ ...ctx({ onProgress: (line: string) => lines.push(line) }), tag: "v2.0.0", waitTimeoutMs: 120_000 }).then(
            () => undefined,
            (err: unknown) => err,
        );
        await printed(lines, "rollout ecs-svc/");
        await h.proxy.close();
        const error = await deploying;
        assert.ok(error instanceof NotVerifiedError, String(error));
        assert.strictEqual(error.exitCode, EXIT_CODES.notVerified);
        assert.match(
            error.message,
            /^stack `dev` was updated, but what ECS runs could not be checked: ECS could not be reached: ECONNREFUSED \(.*\), while ECS deployment ecs-svc\/\d+ was IN_PROGRESS\. Run `papyrus-deploy verify --stack dev` once ECS is reachable/,
        );
        assert.doesNotMatch(error.message, /nothing was changed|run the same command again/);
        assert.strictEqual(error.evidence?.imageDigest, v2.digest);
        // kills: losing the deployment `up` started when ECS stops answering, and giving up at the first unanswered call
        assert.match(error.evidence?.rollout?.deploymentId ?? "", /^ecs-svc\/\d+$/);
        assert.strictEqual(error.evidence?.rollout?.state, "IN_PROGRESS");
        assert.deepStrictEqual(
            lines.filter((line) => line.startsWith("ECS did not answer")).map((line) => line.replace(/ \(ECONNREFUSED.*\); asking/, " (ECONNREFUSED); asking")),
            ["ECS did not answer (ECONNREFUSED); asking again (1/2)", "ECS did not answer (ECONNREFUSED); asking again (2/2)"],
        );
    });

    it("a blip in ECS's answers mid-wait costs nothing: the driver asks again and follows the rollout to COMPLETED", async () => {
        // kills: a wait that gives up (exit 8) at the first DescribeServices the SDK could not get answered
        await deploy({ ...ctx(), tag: "v1.0.0" });
        h.proxy.script({ outcome: "complete", polls: 3 });
        const lines: string[] = [];
        const deploying = deploy({ ...ctx({ onProgress: (line: string) => lines.push(line) }), tag: "v2.0.0", waitTimeoutMs: 120_000 });
        await printed(lines, "rollout ecs-svc/");
        h.proxy.unavailable(4); // the SDK's own three attempts, then one more
        const result = await deploying;
        assert.deepStrictEqual([result.rollout?.state, result.verify?.inSync], ["COMPLETED", true]);
        assert.ok(
            lines.some((line) => /^ECS did not answer \(.*\); asking again \(1\/2\)$/.test(line)),
            lines.join("\n"),
        );
    });
});
