// The engine adapter (automation/engine/engineStack.ts, errors.ts, interrupt.ts) against a stand-in
// `pulumi`: a shell script that logs its arguments and signals and answers as told. What the
// Automation API sends the CLI, how its failures are classified, and how an abort reaches the engine,
// without an engine.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { EngineStack } from "../../automation/engine/engineStack";
import { classifyEngineError, engineErrorSummary, engineStderr } from "../../automation/engine/errors";
import { withEngineInterrupt } from "../../automation/engine/interrupt";
import { stackIdentity } from "../../automation/engine/stackName";
import { pulumiExecutable, readTools } from "../../automation/engine/tools";
import { InvalidInputError, StackBusyError, StackNotFoundError, StateUnreadableError } from "../../automation/record/errors";

const STACK = "organization/papyrus/dev";

// `pulumi version` answers the SDK's version; any other command logs its arguments, prints what
// FAKE_<command>_STDOUT/_STDERR say and exits with FAKE_<command>_CODE (`up`, `refresh`, …;
// `stack_export`, `stack_history`, … for `stack` subcommands). With FAKE_up_WAIT it logs each SIGINT it gets and ends only when told to (a file appears).
const FAKE_PULUMI = `#!/bin/sh
if [ "$1" = version ]; then echo v3.259.0; exit 0; fi
dir=$(dirname "$0")/..
printf '%s\\n' "$*" >> "$dir/calls.log"
cmd=$1; [ "$1" = stack ] && cmd=stack_$2
eval "out=\\"\\$FAKE_\${cmd}_STDOUT\\" err=\\"\\$FAKE_\${cmd}_STDERR\\" code=\\"\\$FAKE_\${cmd}_CODE\\" wait=\\"\\$FAKE_\${cmd}_WAIT\\""
if [ -n "$wait" ]; then
  trap 'echo INT >> "$dir/signals.log"' INT
  trap 'echo TERM >> "$dir/signals.log"' TERM
  touch "$dir/started"
  while [ ! -e "$dir/finish" ]; do sleep 0.02; done
fi
[ -n "$out" ] && printf '%s\\n' "$out"
[ -n "$err" ] && printf '%s\\n' "$err" >&2
exit \${code:-0}
`;

describe("engine adapter (Automation API) against a stand-in CLI", function () {
    this.timeout(20_000);
    let root: string;
    let workDir: string;
    let command: PulumiCommand;

    before(async () => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-fake-pulumi-"));
        fs.mkdirSync(path.join(root, "bin"));
        fs.writeFileSync(path.join(root, "bin", "pulumi"), FAKE_PULUMI, { mode: 0o755 });
        command = await PulumiCommand.get({ root, skipVersionCheck: true });
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    beforeEach(() => {
        workDir = fs.mkdtempSync(path.join(root, "project-"));
        for (const file of ["calls.log", "signals.log", "started", "finish"]) fs.rmSync(path.join(root, file), { force: true });
    });

    let workspacesMade = 0;
    const stackOn = async (env: Record<string, string> = {}) => {
        workspacesMade = 0;
        const workspace = () => {
            workspacesMade++;
            return LocalWorkspace.create({ workDir, pulumiCommand: command, envVars: env });
        };
        return new EngineStack({ workDir, cli: Promise.resolve({ command, env }), workspace }, STACK, "s3://bucket"); // off file://: every read is the CLI's
    };
    const calls = () => fs.readFileSync(path.join(root, "calls.log"), "utf8").trimEnd().split("\n");
    const session = { displayName: "dev", identity: stackIdentity("dev", "papyrus", "s3://bucket"), backendUrl: "s3://bucket" };
    const failure = (run: () => Promise<unknown>) =>
        run().then(
            () => assert.fail("expected the command to fail"),
            (err: unknown) => err,
        );

    it("runs a deploy's engine commands and nothing else: `up` as the Automation API builds it, then the driver's own history read and verdict", async () => {
        // kills: an `up` without the driver's config copy or message, one history would not credit to automation, and the API's own
        // reads around it (`stack select`, then `stack output` ×2 and a one-entry `stack history` for its `UpResult`): 0.9–1.5 s a deploy
        const stack = await stackOn({ FAKE_stack_history_STDOUT: "[]" });
        const events: unknown[] = [];
        await stack.up({ message: "deploy v1 sha256:abc by alice", configFile: "/tmp/copy/Pulumi.dev.yaml", onEvent: (e) => events.push(e) });
        await stack.history(500, 1);
        await stack.setTag("papyrus:release:1", "{}");
        assert.strictEqual(workspacesMade, 1, "one workspace, for the engine operation");
        const log = calls();
        assert.match(log[0], / --event-log tcp:\/\/127\.0\.0\.1:\d+ /, "typed events streamed to the driver");
        assert.deepStrictEqual(
            [log[0].replace(/ --event-log tcp:\/\/127\.0\.0\.1:\d+/, ""), ...log.slice(1)],
            [
                `up --yes --skip-preview --message deploy v1 sha256:abc by alice --config-file /tmp/copy/Pulumi.dev.yaml --exec-kind auto.local --stack ${STACK} --non-interactive`,
                // The driver's history read hides secrets (the API's default shows them).
                `stack history --json --page-size 500 --page 1 --stack ${STACK} --non-interactive`,
                `stack tag set papyrus:release:1 {} --stack ${STACK} --non-interactive`,
            ],
        );
    });

    it("reads run through the CLI alone, as the API's `Stack` runs them: no workspace (no Pulumi runtime loaded), times as `Date`s", async () => {
        // kills: a read that makes the workspace (loading the runtime: 0.5–1.1 s a process), history times left as strings, secrets shown
        const record = { version: 0, kind: "update", result: "succeeded", startTime: "2026-12-07T10:00:00.000Z", endTime: "2026-12-07T10:00:05.000Z" };
        const stack = await stackOn({ FAKE_stack_history_STDOUT: JSON.stringify([record]), FAKE_stack_tag_STDOUT: '{"papyrus:release:1":"{}"}' });
        const [summary] = await stack.history(500, 1);
        assert.deepStrictEqual([summary.startTime, summary.endTime], [new Date(record.startTime), new Date(record.endTime)]);
        assert.deepStrictEqual(await stack.tags(), { "papyrus:release:1": "{}" });
        assert.strictEqual(workspacesMade, 0);
        assert.deepStrictEqual(calls(), [
            `stack history --json --page-size 500 --page 1 --stack ${STACK} --non-interactive`,
            `stack tag ls --json --stack ${STACK} --non-interactive`,
        ]);
    });

    it("refresh clears pending creates and reads nothing after; a state read off a file:// backend is `stack export`, checked for its shape", async () => {
        // kills: a refresh that leaves pending creates or is followed by the API's one-entry `stack history`, and an export that
        // is not JSON passed on as a SyntaxError
        const stack = await stackOn({ FAKE_stack_export_STDOUT: "{ truncated" });
        await stack.refreshClearingPending();
        const err = await failure(() => stack.readState());
        assert.deepStrictEqual([(err as Error).name, (err as { file?: string }).file], ["StateReadError", undefined]);
        assert.match((err as Error).message, /^the state `stack export` printed is not JSON \(/);
        assert.deepStrictEqual(calls(), [
            `refresh --skip-preview --yes --clear-pending-creates --exec-kind auto.local --stack ${STACK} --non-interactive`,
            `stack export --show-secrets --stack ${STACK} --non-interactive`,
        ]);
        assert.ok(classifyEngineError(err, session) instanceof StateUnreadableError);
    });

    it("preview runs alone, with the config copy and the event stream", async () => {
        // kills: a preview followed by reads, or one without the driver's config copy
        const stack = await stackOn();
        await stack.preview({ configFile: "/tmp/copy/Pulumi.dev.yaml" });
        assert.deepStrictEqual(
            calls().map((c) => c.replace(/ --event-log tcp:\/\/127\.0\.0\.1:\d+/, " --event-log <port>")),
            [`preview --config-file /tmp/copy/Pulumi.dev.yaml --exec-kind auto.local --event-log <port> --stack ${STACK} --non-interactive`],
        );
    });

    it("a stack the backend lacks is the API's `StackNotFoundError` from whichever command runs first (nothing selects it beforehand)", async () => {
        // kills: a missing stack taken for some other failure once `stack select` no longer runs first
        const stack = await stackOn({ FAKE_stack_history_CODE: "255", FAKE_stack_history_STDERR: "error: no stack named 'organization/papyrus/dev' found" });
        const err = await failure(() => stack.history(500, 1));
        assert.ok(classifyEngineError(err, session) instanceof StackNotFoundError);
        assert.deepStrictEqual(calls(), [`stack history --json --page-size 500 --page 1 --stack ${STACK} --non-interactive`]);
    });

    it("a failed `up`: the command line (which names the config copy `Pulumi.dev.yaml`) is not taken for the engine's words", async () => {
        // kills: classifying every failed update as a broken config file because execa's message starts with the command line
        const stack = await stackOn({ FAKE_up_CODE: "255", FAKE_up_STDERR: "error: update failed", FAKE_up_STDOUT: "    error: the program threw: boom" });
        const err = await failure(() => stack.up({ message: "deploy v1 sha256:abc by alice", configFile: "/tmp/copy/Pulumi.dev.yaml" }));
        assert.strictEqual(classifyEngineError(err, session), undefined, "the update's own failure");
        assert.strictEqual(engineStderr(err), "error: update failed\n    error: the program threw: boom");
        assert.strictEqual(engineErrorSummary(err), "error: the program threw: boom");
    });

    const refusals: [string, string, (e: unknown) => void][] = [
        [
            "a lock another update holds",
            "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
                "  s3://bucket/.pulumi/locks/organization/papyrus/dev/1.json: created by alice@ci (pid 42) at 2026-12-07T10:00:00Z",
            (e) => {
                assert.ok(e instanceof StackBusyError);
                assert.strictEqual(e.holder, "alice@ci (pid 42) at 2026-12-07T10:00:00Z (engine lock; if no deploy is running, clear it with `pulumi cancel`)");
            },
        ],
        ["no such stack", "error: no stack named 'organization/papyrus/dev' found", (e) => assert.ok(e instanceof StackNotFoundError)],
        [
            "a checkpoint the engine cannot load",
            "error: failed to load checkpoint: unexpected end of JSON input",
            (e) => {
                assert.ok(e instanceof StateUnreadableError);
                assert.strictEqual(e.problem, "cannot be decoded by the engine (unexpected end of JSON input)");
            },
        ],
        [
            "a wrong passphrase",
            'error: constructing secrets manager of type "passphrase": incorrect passphrase',
            (e) => assert.ok(e instanceof InvalidInputError && e.input === "PULUMI_CONFIG_PASSPHRASE"),
        ],
    ];
    for (const [label, stderr, check] of refusals) {
        it(`classifies ${label} from the Automation API's error`, async () => {
            const stack = await stackOn({ FAKE_up_CODE: "255", FAKE_up_STDERR: stderr });
            check(classifyEngineError(await failure(() => stack.up({ message: "m", configFile: "/tmp/copy/Pulumi.dev.yaml" })), session));
        });
    }

    it("an aborted update: the engine gets exactly one SIGINT, after the grace, when it did not acknowledge one", async () => {
        // kills: killing the engine (SIGKILL leaves pending operations), a second signal (it terminates at once), or no signal at all
        const stack = await stackOn({ FAKE_up_WAIT: "1", FAKE_up_CODE: "255" });
        const abort = new AbortController();
        const events: unknown[] = [];
        const up = withEngineInterrupt(
            { signal: abort.signal, onEvent: (e) => events.push(e) },
            (engine) => stack.up({ ...engine, message: "m", configFile: "/tmp/copy/Pulumi.dev.yaml" }),
            50,
        ).catch((err: unknown) => err);
        await waitFor(() => fs.existsSync(path.join(root, "started")));
        abort.abort();
        await waitFor(() => fs.existsSync(path.join(root, "signals.log")));
        await new Promise((resolve) => setTimeout(resolve, 200)); // room for a second signal, were one sent
        fs.writeFileSync(path.join(root, "finish"), "");
        await up;
        assert.deepStrictEqual(fs.readFileSync(path.join(root, "signals.log"), "utf8").trimEnd().split("\n"), ["INT"]);
        assert.match(calls()[0], / --event-log tcp:\/\/127\.0\.0\.1:\d+ /, "the update streams typed events to the driver");
    });
});

describe("readTools", () => {
    it("is the CLI the driver finds, made without `PulumiCommand.get`'s `pulumi version` probe (a read-only process starts none)", () => {
        // kills: reads going through `PulumiCommand.get` again (one more process, 0.2–0.35 s, for `history` and `status`)
        const { command, env } = readTools();
        assert.deepStrictEqual([command.command, command.version, env], [pulumiExecutable().command, null, pulumiExecutable().env]);
    });
});

describe("withEngineInterrupt", () => {
    const ack = (message: string) => ({ sequence: 1, timestamp: 0, stdoutEvent: { message, color: "always" } });
    const aborted = async (events: object[], graceMs = 30): Promise<boolean> => {
        const abort = new AbortController();
        return withEngineInterrupt(
            { signal: abort.signal },
            async (engine) => {
                abort.abort();
                for (const event of events) engine.onEvent(event as Parameters<typeof engine.onEvent>[0]);
                await new Promise((resolve) => setTimeout(resolve, graceMs * 3));
                return engine.signal.aborted;
            },
            graceMs,
        );
    };

    it("does not forward the abort when the engine's event stream acknowledged its own ^C or SIGTERM", async () => {
        // kills: a second interrupt on top of the terminal's (the engine then terminates at once, leaving pending operations)
        assert.strictEqual(await aborted([ack("^C received; cancelling. If you would like to terminate immediately, press ^C again.\n")]), false);
        assert.strictEqual(await aborted([ack("SIGTERM received; cancelling. If you would like to terminate immediately, send SIGTERM again.\n")]), false);
    });

    it("forwards it when the engine said nothing of the kind: not the end-of-stream `cancelEvent`, a diagnostic, or its `terminating`", async () => {
        // kills: taking the `cancelEvent` every operation ends with (or any mention of the words) for the engine's acknowledgement
        assert.strictEqual(await aborted([]), true);
        assert.strictEqual(await aborted([{ sequence: 1, timestamp: 0, cancelEvent: {} }]), true);
        assert.strictEqual(
            await aborted([{ sequence: 1, timestamp: 0, diagnosticEvent: { message: "^C received; cancelling", color: "never", severity: "info" } }]),
            true,
        );
        assert.strictEqual(await aborted([ack("^C received; terminating")]), true);
    });

    it("passes output and events on, and forwards nothing without an abort", async () => {
        const output: string[] = [];
        const events: unknown[] = [];
        const signal = await withEngineInterrupt(
            { onOutput: (t) => output.push(t), onEvent: (e) => events.push(e) },
            async (engine) => {
                engine.onOutput("Updating (dev)\n");
                engine.onEvent(ack("hello") as Parameters<typeof engine.onEvent>[0]);
                await new Promise((resolve) => setTimeout(resolve, 40));
                return engine.signal;
            },
            10,
        );
        assert.deepStrictEqual([output, events.length, signal.aborted], [["Updating (dev)\n"], 1, false]);
    });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error("timed out waiting");
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
