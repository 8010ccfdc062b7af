// The CLI's `main` run in this process, its two streams captured: for tests of paths that stop
// before a stack is opened (parsing, usage errors, --help, --version). The CLI as a process is
// testkit/cliProcess.ts.
import { PassThrough } from "stream";
import { main } from "../automation/cli/main";

/** `signals`: an emitter standing in for the process's signals (emit "SIGINT" on it). */
export async function runMain(args: string[], signals?: NodeJS.EventEmitter): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = "";
    let stderr = "";
    out.on("data", (c) => (stdout += c));
    err.on("data", (c) => (stderr += c));
    const code = await main(args, out, err, signals);
    return { code, stdout, stderr };
}
