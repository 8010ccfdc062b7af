// Releases you can stop halfway (issue #27): a canary paused at its PAUSE hook, continued by a
// smoke test or a person's `approve`, rolled back by a failing smoke test, `abort` or Ctrl-C, and an
// alarm during the canary step — with the real engine (fixture project whose stand-in sends the
// stack's deploymentConfiguration to ECS), moto, and the lifecycle proxy that plays ECS's
// service-deployments API, strategies and hooks (emulated: docs/TESTING.md). Each path asserts
// the exit code, the message, the evidence, the history and its verdicts, ECS's state in the proxy
// and what ECS runs; the harness asserts that no process is left.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DeploymentConfiguration } from "@aws-sdk/client-ecs";
import { abort } from "../../automation/commands/abort";
import { approve } from "../../automation/commands/approve";
import { deploy } from "../../automation/commands/deploy";
import { history } from "../../automation/commands/history";
import { verify } from "../../automation/commands/verify";
import {
    EXIT_CODES,
    InterruptedError,
    NothingToDecideError,
    NotVerifiedError,
    RolledBackError,
    RolledBackOnRequestError,
    RolloutTimeoutError,
} from "../../automation/record/errors";
import { PushedImage } from "../../testkit/images";
import { rolloutHarness } from "../../testkit/rolloutHarness";

const HOOK_STAGE = "POST_TEST_TRAFFIC_SHIFT";
const CANARY: DeploymentConfiguration = { strategy: "CANARY", canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } };
const CANARY_WITH_PAUSE: DeploymentConfiguration = {
    ...CANARY,
    lifecycleHooks: [{ targetType: "PAUSE", lifecycleStages: [HOOK_STAGE], timeoutConfiguration: { timeoutInMinutes: 60, action: "ROLLBACK" } }],
};

describe("pausing a rollout: smoke test, approve, abort, Ctrl-C (real engine + moto + lifecycle proxy)", function () {
    this.timeout(300_000);
    const h = rolloutHarness(["v1.0.0", "v2.0.0"]);
    const { ctx, evidenceFile, readEvidence } = h;
    let v1: PushedImage;
    let v2: PushedImage;
    beforeEach(async () => {
        ({ "v1.0.0": v1, "v2.0.0": v2 } = h.pushed);
        await deploy({ ...ctx(), tag: "v1.0.0" });
    });
    const latest = () => h.proxy.serviceDeployments().at(-1)!;
    const rows = async () => (await history(ctx())).deployments.map((d) => [d.version, d.kind, d.digest, d.release.verdict, d.running ?? false]);
    /** Resolves once the deploy's progress says it waits at the hook. */
    const waitingAtHook = () => {
        let reached!: () => void;
        const promise = new Promise<void>((resolve) => (reached = resolve));
        const onProgress = (line: string) => {
            if (line.startsWith("waiting for `papyrus-deploy approve")) reached();
        };
        return { promise, onProgress };
    };

    it("a passing smoke test continues the canary at its hook: exit 0, verdict completed, the test's run and the decision in evidence and history", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        const lines: string[] = [];
        const result = await deploy({
            ...ctx(),
            tag: "v2.0.0",
            smokeTest: 'echo "checking $PAPYRUS_STACK at $PAPYRUS_STAGE for $PAPYRUS_DIGEST"',
            evidenceFile: evidenceFile("v2.json"),
            onProgress: (l: string) => lines.push(l),
        });
        assert.strictEqual(result.image, h.image(v2));
        assert.ok(
            lines.some((l) => l.startsWith(`ECS paused deployment `) && l.includes(`at its PAUSE hook at ${HOOK_STAGE}`)),
            lines.join("\n"),
        );
        const evidence = readEvidence("v2.json");
        const [test] = evidence.rollout!.smokeTests!;
        assert.deepStrictEqual(
            [test.passed, test.exitCode, test.stage, test.output],
            [true, 0, HOOK_STAGE, [`checking dev at ${HOOK_STAGE} for ${v2.digest}`]],
        );
        assert.deepStrictEqual(
            evidence.rollout!.decisions!.map((d) => [d.action, d.via, d.by, d.stage]),
            [["continue", "smoke-test", "alice", HOOK_STAGE]],
        );
        const sd = evidence.rollout!.serviceDeployment!;
        assert.deepStrictEqual([sd.status, sd.strategy, sd.arn], ["SUCCESSFUL", "CANARY", latest().arn]);
        assert.ok(sd.stages.map((s) => s.stage).includes(HOOK_STAGE) && sd.stages.map((s) => s.stage).includes("BAKE_TIME"), JSON.stringify(sd.stages));
        assert.deepStrictEqual(evidence.release?.verdict, "completed");
        assert.deepStrictEqual(
            h.proxy.continues.map((c) => c.action),
            ["CONTINUE"],
        );
        const [newest] = (await history(ctx())).deployments;
        assert.deepStrictEqual(
            [newest.release.verdict, newest.ecs?.status, newest.ecs?.deployment],
            ["completed", "SUCCESSFUL", latest().arn.split("/").pop()],
        );
        assert.deepStrictEqual(
            newest.decisions?.map((d) => d.via),
            ["smoke-test"],
        );
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("a failing smoke test rolls the canary back at its hook and reconciles: exit 14, ECS and the stack back on v1, verdict rolled-back", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        let error: RolledBackOnRequestError | undefined;
        await assert.rejects(
            deploy({ ...ctx(), tag: "v2.0.0", smokeTest: "echo 'health: 503' >&2; exit 7", evidenceFile: evidenceFile("v2.json") }),
            (err: unknown) => {
                error = err as RolledBackOnRequestError;
                return err instanceof RolledBackOnRequestError;
            },
        );
        assert.strictEqual(error!.exitCode, EXIT_CODES.rolledBackOnRequest);
        assert.match(error!.message, /was rolled back by alice via the smoke test at .* \(stage POST_TEST_TRAFFIC_SHIFT\): "smoke test exit 7 after/);
        assert.match(error!.message, /Reconciled: update 3 records sha256:/);
        const evidence = readEvidence("v2.json");
        assert.deepStrictEqual(
            [evidence.result, evidence.rollout?.smokeTests?.[0].exitCode, evidence.rollout?.smokeTests?.[0].output],
            ["failed", 7, ["health: 503"]],
        );
        assert.strictEqual(evidence.rollout?.serviceDeployment?.status, "ROLLBACK_SUCCESSFUL");
        assert.strictEqual(evidence.reconciledBy?.result, "succeeded");
        const v2Deployment = h.proxy.serviceDeployments().find((d) => d.hooks.length > 0 && d.hooks[0].actions.includes("ROLLBACK"));
        assert.ok(v2Deployment, JSON.stringify(h.proxy.serviceDeployments()));
        assert.deepStrictEqual(await rows(), [
            [3, "reconcile", v1.digest, "completed", true],
            [2, "deploy", v2.digest, "rolled-back", false],
            [1, "deploy", v1.digest, "completed", false],
        ]);
        const [, rolledBack] = (await history(ctx())).deployments;
        assert.strictEqual(rolledBack.ecs?.status, "ROLLBACK_SUCCESSFUL");
        assert.deepStrictEqual(
            rolledBack.decisions?.map((d) => [d.action, d.via]),
            [["rollback", "smoke-test"]],
        );
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("a smoke test that hangs is ended at --smoke-test-timeout and counts as failed: exit 14", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        await assert.rejects(
            deploy({ ...ctx(), tag: "v2.0.0", smokeTest: "sleep 60", smokeTestTimeoutMs: 1000, evidenceFile: evidenceFile("v2.json") }),
            (err: unknown) => err instanceof RolledBackOnRequestError && /smoke test timed out after/.test(err.message),
        );
        const [test] = readEvidence("v2.json").rollout!.smokeTests!;
        assert.deepStrictEqual([test.timedOut, test.passed, test.exitCode], [true, false, null]);
    });

    it("`approve` from another checkout lets the waiting deploy go on, recording who and why; a second approve is refused naming it (exit 15)", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        const other = path.join(path.dirname(h.workDir), "other-checkout");
        fs.cpSync(h.workDir, other, { recursive: true });
        const hook = waitingAtHook();
        const deploying = deploy({ ...ctx(), tag: "v2.0.0", evidenceFile: evidenceFile("v2.json"), onProgress: hook.onProgress });
        await hook.promise;
        // `--tag` (what CI passes): another tag's approval leaves this deployment alone.
        await assert.rejects(
            approve({ ...ctx(), workDir: other, requestedBy: "bob", tag: "v1.0.0" }),
            (err: unknown) =>
                err instanceof NothingToDecideError &&
                /waits at POST_TEST_TRAFFIC_SHIFT, but the stack's newest update \(2\) is of tag `v2\.0\.0`, not `v1\.0\.0`; nothing was approved$/.test(
                    err.message,
                ),
        );
        assert.strictEqual(h.proxy.continues.length, 0);
        const approved = await approve({
            tag: "v2.0.0",
            ...ctx(),
            workDir: other,
            requestedBy: "bob",
            reason: "canary dashboards are green",
            evidenceFile: path.join(other, "approve.json"),
        });
        assert.match(
            approved.message,
            /^approved: ECS deployment \S+ continued by bob via approve at .* \(stage POST_TEST_TRAFFIC_SHIFT\): "canary dashboards are green"$/,
        );
        const result = await deploying;
        assert.strictEqual(result.image, h.image(v2));
        const evidence = readEvidence("v2.json");
        assert.deepStrictEqual(
            evidence.rollout?.decisions?.map((d) => [d.action, d.via, d.by, d.reason]),
            [["continue", "approve", "bob", "canary dashboards are green"]],
        );
        const own = JSON.parse(fs.readFileSync(path.join(other, "approve.json"), "utf8"));
        assert.deepStrictEqual(
            [own.schema, own.kind, own.decision.by, own.updateVersion, own.tag],
            ["papyrus.decision-evidence/v1", "approve", "bob", 2, `papyrus:decision:2:${Date.parse(own.decision.at)}`],
        );

        let refusal: NothingToDecideError | undefined;
        await assert.rejects(approve({ ...ctx(), requestedBy: "carol" }), (err: unknown) => {
            refusal = err as NothingToDecideError;
            return err instanceof NothingToDecideError;
        });
        assert.strictEqual(refusal!.exitCode, EXIT_CODES.nothingToDecide);
        assert.match(refusal!.message, /no ECS deployment of service `api` is in flight; the newest, service deployment \S+: SUCCESSFUL/);
        assert.match(refusal!.message, /already: continued by bob via approve at .*"canary dashboards are green"/);
        assert.deepStrictEqual(
            h.proxy.continues.map((c) => c.action),
            ["CONTINUE"],
        );
    });

    it("two `approve`s at once: ECS takes one, the other exits 15 naming it, and only the one ECS took is recorded", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        const hook = waitingAtHook();
        const deploying = deploy({ ...ctx(), tag: "v2.0.0", evidenceFile: evidenceFile("v2.json"), onProgress: hook.onProgress });
        await hook.promise;
        const settled = await Promise.allSettled([
            approve({ ...ctx(), requestedBy: "bob", reason: "A" }),
            approve({ ...ctx(), requestedBy: "carol", reason: "B" }),
        ]);
        const won = settled.filter((s) => s.status === "fulfilled");
        const lost = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
        assert.deepStrictEqual([won.length, lost.length], [1, 1], JSON.stringify(settled));
        assert.ok(lost[0].reason instanceof NothingToDecideError, String(lost[0].reason));
        assert.strictEqual(lost[0].reason.exitCode, EXIT_CODES.nothingToDecide);
        const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof approve>>>).value.evidence.decision;
        await deploying;
        assert.deepStrictEqual(
            (await history(ctx())).deployments[0].decisions?.map((d) => [d.by, d.reason]),
            [[winner.by, winner.reason]],
        );
        assert.deepStrictEqual(
            readEvidence("v2.json").rollout?.decisions?.map((d) => d.by),
            [winner.by],
        );
        assert.deepStrictEqual(
            h.proxy.continues.filter((c) => !c.refused).map((c) => c.action),
            ["CONTINUE"],
        );
    });

    it("`abort` whose rollback ECS took but then stopped answering: exit 8 saying the rollback was taken, the evidence written", async () => {
        await h.deploymentConfiguration(CANARY);
        await assert.rejects(deploy({ ...ctx(), tag: "v2.0.0", waitTimeoutMs: 0 }), (err: unknown) => err instanceof RolloutTimeoutError);
        h.proxy.unavailable(1000); // DescribeServices stops answering; the service-deployments API still does
        let error: NotVerifiedError | undefined;
        await assert.rejects(abort({ ...ctx(), reason: "latency", evidenceFile: evidenceFile("abort.json") }), (err: unknown) => {
            error = err as NotVerifiedError;
            return err instanceof NotVerifiedError;
        });
        h.proxy.unavailable(0);
        assert.strictEqual(error!.exitCode, EXIT_CODES.notVerified);
        assert.match(
            error!.message,
            /ECS took the rollback of deployment \S+ \(rolled back by alice via abort at .*: "latency"\), but stopped answering while it rolled back: /,
        );
        assert.doesNotMatch(error!.message, /nothing was changed/);
        const own = readEvidence("abort.json") as unknown as { decision: { via: string }; error: string };
        assert.deepStrictEqual([own.decision.via, own.error], ["abort", error!.message]);
        assert.deepStrictEqual(
            h.proxy
                .serviceDeployments()
                .filter((d) => d.stopTypes.length > 0)
                .map((d) => d.stopTypes),
            [["ROLLBACK"]],
        );
    });

    it("`abort` at the hook rolls back; the waiting deploy reconciles (exit 14) and `abort` says the deploy records it", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        const hook = waitingAtHook();
        const deploying = deploy({ ...ctx(), tag: "v2.0.0", evidenceFile: evidenceFile("v2.json"), onProgress: hook.onProgress }).then(
            () => undefined,
            (err: unknown) => err,
        );
        await hook.promise;
        const aborted = await abort({ ...ctx(), requestedBy: "bob", reason: "errors up in the canary" });
        assert.match(aborted.message, /^aborted: ECS deployment \S+ ended ROLLBACK_SUCCESSFUL/);
        const error = await deploying;
        assert.ok(error instanceof RolledBackOnRequestError, String(error));
        assert.match(error.message, /rolled back by bob via abort at .*: "errors up in the canary"/);
        assert.deepStrictEqual(
            aborted.evidence.reconcile?.result === "left" || aborted.evidence.reconcile?.result === "unchanged",
            true,
            JSON.stringify(aborted.evidence.reconcile),
        );
        assert.deepStrictEqual((await rows()).slice(0, 2), [
            [3, "reconcile", v1.digest, "completed", true],
            [2, "deploy", v2.digest, "rolled-back", false],
        ]);
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("`abort` mid-bake, with no hook and no deploy waiting: StopServiceDeployment ROLLBACK, followed to its end, reconciled by `abort` itself", async () => {
        await h.deploymentConfiguration(CANARY);
        // `--wait-timeout 0`: the deploy looks once and leaves the canary rolling out (exit 10).
        await assert.rejects(deploy({ ...ctx(), tag: "v2.0.0", waitTimeoutMs: 0 }), (err: unknown) => err instanceof RolloutTimeoutError);
        assert.strictEqual(latest().status, "IN_PROGRESS");
        const aborted = await abort({ ...ctx(), requestedBy: "bob", reason: "bake shows latency", evidenceFile: evidenceFile("abort.json") });
        const stopped = h.proxy.serviceDeployments().filter((d) => d.stopTypes.length > 0);
        assert.deepStrictEqual(
            stopped.map((d) => [d.stopTypes, d.status]),
            [[["ROLLBACK"], "ROLLBACK_SUCCESSFUL"]],
        );
        assert.match(aborted.message, /ended ROLLBACK_SUCCESSFUL.*reconciled: update 3 records/);
        const own = readEvidence("abort.json") as unknown as { decision: { via: string; stage?: string }; reconcile: { result: string } };
        assert.deepStrictEqual([own.decision.via, own.reconcile.result], ["abort", "succeeded"]);
        assert.deepStrictEqual((await rows()).slice(0, 2), [
            [3, "reconcile", v1.digest, "completed", true],
            [2, "deploy", v2.digest, "in-progress", false],
        ]);
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("`approve` or `abort` with nothing in flight changes nothing: exit 15 naming the newest deployment", async () => {
        for (const decide of [() => approve(ctx()), () => abort({ ...ctx(), reason: "just in case" })]) {
            await assert.rejects(
                decide(),
                (err: unknown) =>
                    err instanceof NothingToDecideError &&
                    /no ECS deployment of service `api` is in flight; the newest, service deployment \S+: SUCCESSFUL/.test(err.message),
            );
        }
        assert.deepStrictEqual(h.proxy.continues, []);
        assert.strictEqual((await rows()).length, 1);
    });

    it("Ctrl-C at the hook with --on-interrupt abort rolls back and reconciles (exit 14); with leave the hook still waits (exit 130)", async () => {
        await h.deploymentConfiguration(CANARY_WITH_PAUSE);
        const interrupted = async (onInterrupt: "abort" | "leave") => {
            const controller = new AbortController();
            const hook = waitingAtHook();
            const run = deploy({
                ...ctx(),
                tag: "v2.0.0",
                signal: controller.signal,
                onInterrupt,
                onProgress: hook.onProgress,
            }).then(
                () => undefined,
                (err: unknown) => err,
            );
            await hook.promise;
            controller.abort();
            return run;
        };
        const left = await interrupted("leave");
        assert.ok(left instanceof InterruptedError, String(left));
        assert.strictEqual(latest().hooks[0].status, "AWAITING_ACTION");
        // The paused deployment is still the stack's in flight: abort it, so the next deploy starts clean.
        await abort({ ...ctx(), reason: "clean up" });
        const aborted = await interrupted("abort");
        assert.ok(aborted instanceof RolledBackOnRequestError, String(aborted));
        assert.match(aborted.message, /rolled back by alice via Ctrl-C/);
        // The aborted canary got ROLLBACK at its hook; the reconcile after it went on at its own (CONTINUE).
        const [aborted2, reconciled] = h.proxy.serviceDeployments().slice(-2);
        assert.deepStrictEqual([aborted2.hooks[0].actions, aborted2.status, reconciled.hooks[0].actions], [["ROLLBACK"], "ROLLBACK_SUCCESSFUL", ["CONTINUE"]]);
        assert.strictEqual((await verify(ctx())).inSync, true);
    });

    it("an alarm during the canary's production traffic shift: ECS rolls back by itself (exit 6), history keeps the alarm", async () => {
        await h.deploymentConfiguration({ ...CANARY, alarms: { alarmNames: ["api-5xx"], enable: true, rollback: true } });
        h.proxy.script({ outcome: "alarm", atStage: "PRODUCTION_TRAFFIC_SHIFT" });
        await assert.rejects(deploy({ ...ctx(), tag: "v2.0.0", onRollback: "reconcile" }), (err: unknown) => err instanceof RolledBackError);
        const [, rolledBack] = (await history(ctx())).deployments;
        assert.deepStrictEqual(
            [rolledBack.release.verdict, rolledBack.ecs?.status, rolledBack.ecs?.alarms],
            ["rolled-back", "ROLLBACK_SUCCESSFUL", ["api-5xx"]],
        );
        assert.strictEqual(rolledBack.decisions, undefined);
    });
});
