// The foundation's proof that the engine is real: the Pulumi CLI built by
// setup, through the Automation API, against a temporary file:// backend.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { readCheckpointFile } from "../../automation/engine/checkpointFile";
import { isCancelAcknowledged, withEngineInterrupt } from "../../automation/engine/interrupt";
import { engineCalls, engineTools, PROJECT_ROOT, pulumiExecutable } from "../../automation/engine/tools";
import { engineStack } from "../../automation/engine/workspace";
import { stackIdentity } from "../../automation/engine/stackName";
import { readTagsFile } from "../../automation/engine/tagsFile";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { childProcesses, serviceStepStarted } from "../../testkit/cliProcess";
import { fixtureStack } from "../../testkit/fixture";

const DIGEST_A = "sha256:" + "a".repeat(64);
const IMAGE_A = `123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api@${DIGEST_A}`;

describe("real Pulumi engine (LocalWorkspace, file:// backend)", function () {
    this.timeout(180_000);
    let backend: TempBackend;

    beforeEach(() => (backend = tempBackend()));
    afterEach(() => backend.cleanup());

    it("runs `up` on the fixture project and reports it in history()", async () => {
        const stack = await fixtureStack(backend, "dev");
        await stack.setAllConfig({
            "papyrus:repositoryName": { value: "papyrus-api" },
            "papyrus:image": { value: IMAGE_A },
            "papyrus:imageTag": { value: "v25.10.31" },
        });

        const up = await stack.up();
        assert.strictEqual(up.summary.result, "succeeded");
        assert.strictEqual(up.outputs.image.value, IMAGE_A);
        assert.strictEqual(up.outputs.imageTag.value, "v25.10.31");
        // The stack resource and the stand-in's task definition and service, all created.
        assert.strictEqual(up.summary.resourceChanges?.create, 3);

        const history = await stack.history(10, 1, false);
        assert.strictEqual(history.length, 1);
        assert.strictEqual(history[0].kind, "update");
        assert.strictEqual(history[0].result, "succeeded");
        // The file:// (DIY) backend records no update numbers: every entry says 0.
        // The driver numbers deployments itself from the history's order.
        assert.strictEqual(history[0].version, 0);
        assert.strictEqual(history[0].config["papyrus:image"].value, IMAGE_A);

        // The language host started the program on the Node.js setup linked into .tools/bin,
        // which the driver puts first on the engine's PATH, not on whatever Node runs the tests.
        const toolsBin = path.join(PROJECT_ROOT, ".tools", "bin");
        assert.strictEqual((await engineTools()).env.PATH?.split(path.delimiter)[0], toolsBin);
        assert.strictEqual(up.outputs.nodeVersion.value, execFileSync(path.join(toolsBin, "node"), ["--version"], { encoding: "utf8" }).trim());

        // The state really is on disk in the temporary backend.
        const stateFile = path.join(backend.dir, "state", ".pulumi", "stacks", "papyrus", "dev.json");
        assert.ok(fs.existsSync(stateFile), `expected state at ${stateFile}`);
        // The driver reads that file instead of starting `pulumi stack export` (automation/engine/checkpointFile.ts):
        // it must be the very record the CLI prints. Kills: reading another layout, or `checkpoint` for `checkpoint.latest`.
        const exported = await stack.exportStack();
        assert.ok(exported.deployment.resources.length >= 3, "the stack, the task definition and the service at least");
        assert.deepStrictEqual(readCheckpointFile(backend.url, "papyrus", "dev"), { checkpoint: exported.deployment });
    });

    it("a checkpoint holding a secret is read through `stack export --show-secrets`, not from the file", async () => {
        // kills: reading ciphertext from the checkpoint file as if it were the record
        const stack = await fixtureStack(backend, "dev");
        await stack.setAllConfig({
            "papyrus:repositoryName": { value: "papyrus-api" },
            "papyrus:image": { value: IMAGE_A },
            "papyrus:fixtureSecretOutput": { value: "true" },
        });
        await stack.up();
        const read = readCheckpointFile(backend.url, "papyrus", "dev");
        assert.deepStrictEqual(read, { unreadable: "the checkpoint holds secrets" });
        const cli = engineStack({ stackName: "dev", envVars: backend.env }, stack.workspace.workDir, backend.url, stackIdentity("dev", "papyrus", backend.url));
        const before = engineCalls.length;
        const state = await cli.readState();
        assert.deepStrictEqual(
            engineCalls.slice(before).map((call) => call.args.slice(0, 2)),
            [["stack", "export"]],
            "no `stack select` first: the export names the stack",
        );
        const outputs = state?.resources?.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs as Record<string, { plaintext?: string }>;
        assert.strictEqual(outputs.secretNote.plaintext, JSON.stringify("only the CLI can decrypt this"));
    });

    it("the driver's tags read (release verdicts) is the record `pulumi stack tag ls` prints, and survives `up`", async () => {
        // kills: reading another file than the engine's, a tags file that `up` rewrites, or the CLI asked anyway
        const stack = await fixtureStack(backend, "dev");
        await stack.setAllConfig({ "papyrus:repositoryName": { value: "papyrus-api" }, "papyrus:image": { value: IMAGE_A } });
        const { command, env } = pulumiExecutable();
        const cli = engineStack({ stackName: "dev", envVars: backend.env }, stack.workspace.workDir, backend.url, stackIdentity("dev", "papyrus", backend.url));
        assert.deepStrictEqual(readTagsFile(backend.url, "papyrus", "dev"), { tags: {} }, "no tags file yet: no tags, as the engine reads it");
        const verdict = JSON.stringify({
            ecs: "completed",
            digest: DIGEST_A,
            applied: true,
            started: "2026-12-07T04:00:00.000Z",
            seen: "2026-12-07T04:01:00.000Z",
        });
        await cli.setTag("papyrus:release:1", verdict);
        await cli.setTag("note", 'with spaces and "quotes"');
        await stack.up();
        const listed = JSON.parse(
            execFileSync(command, ["stack", "tag", "ls", "--json", "--stack", "organization/papyrus/dev"], {
                cwd: stack.workspace.workDir,
                env: { ...process.env, ...env, ...backend.env },
                encoding: "utf8",
            }),
        );
        assert.strictEqual(listed["papyrus:release:1"], verdict, "`up` keeps the stack's tags");
        assert.deepStrictEqual(readTagsFile(backend.url, "papyrus", "dev"), { tags: listed });
        const before = engineCalls.length;
        assert.deepStrictEqual(await cli.tags(), listed);
        assert.strictEqual(engineCalls.length, before, "read from the file, no CLI process");
        // A tags file that is there but is not the engine's is an error (the CLI would answer no tags, hiding every verdict);
        // another backend layout is left to the CLI.
        const file = path.join(backend.dir, "state", ".pulumi", "stacks", "papyrus", "dev.pulumi-tags");
        fs.writeFileSync(file, JSON.stringify({ version: 2, tags: {} }));
        assert.deepStrictEqual(readTagsFile(backend.url, "papyrus", "dev"), {
            corrupt: 'is not a version 1 tags file (the engine\'s `{"version": 1, "tags": {…}}`)',
            file,
        });
        fs.writeFileSync(file, "{ truncated");
        const truncated = readTagsFile(backend.url, "papyrus", "dev");
        assert.ok("corrupt" in truncated && /^is not JSON \(.*; truncated\?\)$/.test(truncated.corrupt), JSON.stringify(truncated));
        await assert.rejects(cli.tags(), { name: "TagsFileError", file });
        assert.deepStrictEqual(readTagsFile(`${backend.url}?no_lock=true`, "papyrus", "dev"), { ambiguous: "not a plain file:// backend" });
    });

    it("an interrupt the engine got itself is acknowledged in its typed event stream, and the driver forwards none", async () => {
        // kills: looking for the acknowledgement anywhere else, or taking the `cancelEvent` that ends every
        // operation for it: the driver then sends a second SIGINT after the grace, and the engine terminates at once
        const stack = await fixtureStack(backend, "dev");
        const markerDir = fs.mkdtempSync(path.join(backend.dir, "marker-"));
        await stack.setAllConfig({
            "papyrus:repositoryName": { value: "papyrus-api" },
            "papyrus:image": { value: IMAGE_A },
            // The service step takes 4 s, longer than the driver's 3 s grace.
            "papyrus:fixtureServiceDelayMs": { value: "4000" },
            "papyrus:fixtureMarkerDir": { value: markerDir },
        });
        const workDir = stack.workspace.workDir;
        const adapter = engineStack({ stackName: "dev", envVars: backend.env }, workDir, backend.url, stackIdentity("dev", "papyrus", backend.url));
        const abort = new AbortController();
        const events: EngineEvent[] = [];
        let output = "";
        const up = withEngineInterrupt({ signal: abort.signal, onEvent: (e) => events.push(e), onOutput: (t) => (output += t) }, (engine) =>
            adapter.up({ ...engine, message: "interrupted", configFile: path.join(workDir, "Pulumi.dev.yaml") }),
        ).then(
            () => undefined,
            (err: unknown) => err,
        );
        await serviceStepStarted(markerDir);
        const engine = childProcesses(process.pid).find((c) => path.basename(c.cmdline[0] ?? "") === "pulumi" && c.cmdline[1] === "up");
        assert.ok(engine, "the engine's `pulumi up` runs as a child of this process");
        // A terminal's Ctrl-C reaches the engine and the driver alike.
        process.kill(engine.pid, "SIGINT");
        abort.abort();
        assert.ok(await up, "the update ends cancelled");
        assert.strictEqual(events.filter(isCancelAcknowledged).length, 1, JSON.stringify(events.filter((e) => e.stdoutEvent)));
        assert.strictEqual((output.match(/\^C received; cancelling/g) ?? []).length, 1, output);
        assert.doesNotMatch(output, /received; terminating/);
        assert.deepStrictEqual(events.at(-1)?.cancelEvent, {}, "the stream ends with `cancelEvent`, as every operation's does");
        const [last] = await stack.history(1, 1, false);
        assert.deepStrictEqual([last.message, last.result], ["interrupted", "failed"]);
    });

    it("fails `up` with the validator's message when the image is a tag", async () => {
        const stack = await fixtureStack(backend, "dev");
        await stack.setAllConfig({
            "papyrus:repositoryName": { value: "papyrus-api" },
            "papyrus:image": { value: "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api:latest" },
        });
        await assert.rejects(stack.up(), /`papyrus:image` must be pinned by digest.*`latest` is a moving tag/s);
        const history = await stack.history(10, 1, false);
        assert.strictEqual(history[0].result, "failed");
    });
});
