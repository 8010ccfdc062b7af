// What a deploy does when ECS pauses its deployment at a PAUSE lifecycle hook: say where the
// rollout stands, then either run the smoke test (`--smoke-test`: exit 0 continues, anything else
// rolls back) or wait, within `--wait-timeout`, for a person's `approve` or `abort` from any
// checkout. Every decision is recorded (decisions.ts) before ECS is asked to act on it.
import { AwaitingHook, decideHook, shortId } from "../aws/serviceDeployments";
import { decisionNow, describeDecision, HookDecision, writeDecision } from "../record/decisions";
import type { RecordedImage } from "../engine/state";
import type { UpdateKind } from "../record/updateKinds";
import { readSetting } from "../record/updateConfig";
import type { UpdateRecord } from "./run";
import type { Session } from "./session";
import { describeSmokeTest, runSmokeTest, SmokeTestNote } from "./smokeTest";
import { ecsClient, progressOf } from "./session";

/** What happened at the hooks while this deploy followed its deployment. */
export interface PauseLog {
    readonly smokeTests: SmokeTestNote[];
    /** Decisions this process made (the smoke test's, Ctrl-C's); a person's come from the stack's tags. */
    readonly decisions: HookDecision[];
    /** Why a decision could not be recorded or sent, when it could not. */
    readonly problems: string[];
}

/** The environment a smoke test gets. */
export function smokeTestEnv(session: Session, record: UpdateRecord, after: RecordedImage, hook: AwaitingHook, arn: string): Record<string, string> {
    const url = record.stackOutputs.testListenerUrl ?? record.stackOutputs.loadBalancerUrl;
    return {
        PAPYRUS_STACK: session.displayName,
        PAPYRUS_IMAGE: after.image,
        PAPYRUS_DIGEST: after.digest ?? "",
        PAPYRUS_STAGE: hook.stage,
        PAPYRUS_SERVICE_DEPLOYMENT: arn,
        ...(typeof url === "string" ? { PAPYRUS_TEST_URL: url } : {}),
    };
}

/** The handler the rollout follower calls at each poll while a hook waits; acts once per hook. */
export function hookHandler(
    session: Session,
    record: UpdateRecord,
    after: RecordedImage,
    log: PauseLog,
    kind?: UpdateKind,
): (hook: AwaitingHook, arn: string) => Promise<void> {
    const seen = new Set<string>();
    const say = progressOf(session.options);
    return async (hook, arn) => {
        if (seen.has(hook.hookId)) return;
        seen.add(hook.hookId);
        const traffic =
            hook.productionPercent !== undefined
                ? `${hook.productionPercent}% of production traffic${hook.testPercent !== undefined ? ` and ${hook.testPercent}% of test traffic` : ""} on the new revision`
                : "no traffic figures from ECS";
        const url = smokeTestEnv(session, record, after, hook, arn).PAPYRUS_TEST_URL;
        say(
            `ECS paused deployment ${shortId(arn)} at its PAUSE hook at ${hook.stage} (${traffic}${url ? `; test URL ${url}` : ""}); ` +
                `unless acted on, ECS will ${hook.timeoutAction ?? "ROLLBACK"} it at ${hook.expiresAt ?? "its timeout"}`,
        );
        if (kind === "reconcile") {
            // A reconcile puts back the revision ECS itself returned to: its deployment goes on, recorded as such.
            const decision = decisionNow("continue", "reconcile", session.requestedBy, arn, hook.stage, "a reconcile restores the revision ECS rolled back to");
            await decide(session, record, arn, hook.hookId, decision, log);
            say(`the reconcile's deployment ${describeDecision(decision)}`);
            return;
        }
        // The flag, else the stack's `smokeTest` (its timeout likewise).
        const smokeTest = session.options.smokeTest ?? readSetting(session.config, "smokeTest");
        if (smokeTest === undefined) {
            say(
                `waiting for \`papyrus-deploy approve --stack ${session.displayName} --reason "…"\` or ` +
                    `\`papyrus-deploy abort --stack ${session.displayName} --reason "…"\` (this deploy waits up to --wait-timeout)`,
            );
            return;
        }
        say(`running the smoke test: ${smokeTest}`);
        const note = await runSmokeTest(smokeTest, hook.stage, smokeTestEnv(session, record, after, hook, arn), {
            timeoutMs: session.options.smokeTestTimeoutMs ?? readSetting(session.config, "smokeTestTimeout"),
            cwd: session.workDir,
            signal: session.options.signal,
            onLine: (line) => say(`smoke test: ${line}`),
        });
        log.smokeTests.push(note);
        if (session.options.signal?.aborted && !note.passed) return; // Ctrl-C: the interrupt decides, not a killed test
        const decision = decisionNow(
            note.passed ? "continue" : "rollback",
            "smoke-test",
            session.requestedBy,
            arn,
            hook.stage,
            `smoke test ${describeSmokeTest(note)}`,
        );
        await decide(session, record, arn, hook.hookId, decision, log);
        say(`the smoke test ${note.passed ? "passed" : "failed"} (${describeSmokeTest(note)}): ${describeDecision(decision)}`);
    };
}

/** Sends a decision to ECS, then records it as the update's; a failure of either is said, not thrown (ECS refusing: not recorded). */
export async function decide(session: Session, record: UpdateRecord, arn: string, hookId: string, decision: HookDecision, log: PauseLog): Promise<void> {
    try {
        await decideHook(ecsClient(session), arn, hookId, decision.action === "continue" ? "CONTINUE" : "ROLLBACK");
    } catch (err) {
        // Someone else decided first (approve or abort from another checkout), or ECS is gone: theirs is the record.
        log.problems.push(
            `ECS refused to ${decision.action} deployment ${shortId(arn)} (${describeDecision(decision)}): ${(err as Error).message.split("\n")[0]}`,
        );
        return;
    }
    await recordDecision(session, record, decision, log);
}

/** Records a decision ECS took; a failure to record it is said (the evidence still has it). */
export async function recordDecision(session: Session, record: UpdateRecord, decision: HookDecision, log: PauseLog): Promise<void> {
    log.decisions.push(decision);
    if (!record.ours) return;
    await writeDecision(session.stack, record.ours.version, decision).catch((err: unknown) =>
        log.problems.push(`the decision (${describeDecision(decision)}) could not be recorded as a stack tag: ${(err as Error).message.split("\n")[0]}`),
    );
}
