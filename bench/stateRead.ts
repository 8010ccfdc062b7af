// Not part of the bench: what reading a stack's state costs each way, for the choice in
// automation/engine/engineStack.ts (`readState`). The fixture stack after two updates, on a
// temporary file:// backend; 20 reads of the checkpoint file and 20 `exportStack()` calls through the
// Automation API, interleaved, each checked to be the same record.
// `bash scripts/with-tools.sh npx ts-node --transpile-only bench/stateRead.ts [reads]`
import * as assert from "assert";
import * as os from "os";
import { performance } from "perf_hooks";
import { readCheckpointFile } from "../automation/engine/checkpointFile";
import { engineStack } from "../automation/engine/workspace";
import { readProject } from "../automation/engine/project";
import { stackIdentity } from "../automation/engine/stackName";
import { tempBackend } from "../testkit/backend";
import { fixtureStack } from "../testkit/fixture";
import { fmt, summarize } from "./stats";

const READS = Number(process.argv[2] ?? 20);
const DIGESTS = ["a", "b"].map((c) => `sha256:${c.repeat(64)}`);

async function main(): Promise<void> {
    const backend = tempBackend("papyrus-stateread-");
    try {
        const stack = await fixtureStack(backend, "dev");
        for (const digest of DIGESTS) {
            await stack.setAllConfig({
                "papyrus:repositoryName": { value: "papyrus-api" },
                "papyrus:image": { value: `123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api@${digest}` },
            });
            await stack.up();
        }
        const adapter = engineStack(
            { stackName: "dev", envVars: backend.env },
            stack.workspace.workDir,
            backend.url,
            stackIdentity("dev", readProject(stack.workspace.workDir).name, backend.url),
        );
        // One untimed call each: the stack selected, the file cache and the CLI binary warm.
        const expected = await adapter.exportState();
        const fileMs: number[] = [];
        const apiMs: number[] = [];
        for (let i = 0; i < READS; i++) {
            let started = performance.now();
            const read = readCheckpointFile(backend.url, "papyrus", "dev");
            fileMs.push(performance.now() - started);
            assert.deepStrictEqual(read, { checkpoint: expected });
            started = performance.now();
            const exported = await adapter.exportState();
            apiMs.push(performance.now() - started);
            assert.deepStrictEqual(exported, expected);
        }
        const load = os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ");
        process.stdout.write(
            [
                `${new Date().toISOString()}: ${READS} reads each of a checkpoint with ${expected?.resources?.length} resources (load ${load})`,
                `checkpoint file: ${fmt(summarize(fileMs), 2, " ms")}`,
                `exportStack() through the Automation API: ${fmt(summarize(apiMs), 0, " ms")}`,
            ].join("\n") + "\n",
        );
    } finally {
        backend.cleanup();
    }
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
