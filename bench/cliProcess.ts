// The CLI as a user runs it: `papyrus-deploy deploy` and `papyrus-deploy history` as processes,
// start to exit, against a raw `pulumi up` / `pulumi stack history` on the same fixture, stack and
// backend. P1 times `deploy()` inside the bench's own process, so the CLI's start-up (Node, loading
// the driver, `pulumi version`) never shows there; these rows show it (issue 26).
//
// Two launchers, interleaved with the raw command in rotating triples: today's bin (ts-node
// compiles the TypeScript on every start, transpile-only) and a compiled copy of the same checkout
// (`tsc --outDir`, then plain Node), so the figure a compiled CLI gives is known before it lands.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { PROJECT_ROOT } from "../automation/engine/tools";
import { timedRun } from "./cli";
import { summarize, Summary } from "./stats";

export type LauncherKind = "ts-node" | "compiled";

export interface CliLauncher {
    readonly kind: LauncherKind;
    /** What the table says about it. */
    readonly label: string;
    readonly command: string;
    readonly args: readonly string[];
}

/**
 * How the bench starts `papyrus-deploy`: the one place that knows the launcher. `compiledDir` is a
 * directory `compileCli` made; without it, today's bin (`automation/bin/papyrus-deploy.js`, ts-node).
 */
export function cliLaunch(kind: LauncherKind, compiledDir?: string): CliLauncher {
    if (kind === "compiled") {
        if (compiledDir === undefined) throw new Error("cliLaunch: the compiled launcher needs the directory compileCli made");
        return {
            kind,
            label: "compiled copy (`tsc --outDir`, plain Node)",
            command: process.execPath,
            args: [path.join(compiledDir, "automation", "bin", "papyrus-deploy.js")],
        };
    }
    return {
        kind,
        label: "today's bin (`automation/bin/papyrus-deploy.js`, ts-node transpile-only)",
        command: process.execPath,
        args: [path.join(PROJECT_ROOT, "automation", "bin", "papyrus-deploy.js")],
    };
}

/**
 * Compiles this checkout to JavaScript in a temporary directory (`tsc --noEmit false --outDir`) with
 * a bin that runs `automation/cli/main.js` without ts-node, and links `node_modules`, `.tools` and
 * `package.json` beside it (the driver finds the CLI under `<root>/.tools/bin`): the JavaScript
 * `npm run build` makes, in a directory of its own, so the checkout's dist/ is never rebuilt under a
 * run that uses it.
 */
export function compileCli(): { dir: string; ms: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-js-"));
    const started = Date.now();
    execFileSync(
        process.execPath,
        [
            path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"),
            "-p",
            path.join(PROJECT_ROOT, "tsconfig.json"),
            "--noEmit",
            "false",
            "--outDir",
            dir,
        ],
        {
            stdio: ["ignore", "pipe", "pipe"],
        },
    );
    const ms = Date.now() - started;
    fs.mkdirSync(path.join(dir, "automation", "bin"), { recursive: true });
    fs.writeFileSync(
        path.join(dir, "automation", "bin", "papyrus-deploy.js"),
        'require("../cli/main").main(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n',
    );
    for (const name of ["node_modules", ".tools", "package.json"]) fs.symlinkSync(fs.realpathSync(path.join(PROJECT_ROOT, name)), path.join(dir, name));
    return { dir, ms };
}

export interface CliProcessEnv {
    readonly workDir: string;
    /** Environment for the raw CLI and for `papyrus-deploy`: backend, passphrase, PATH with `.tools/bin`, AWS endpoints. */
    readonly cliEnv: NodeJS.ProcessEnv;
    readonly pulumi: string;
    readonly stack: string;
    /** The tags pushed to the fixture's repository; every deploy changes the image. */
    readonly tags: readonly string[];
    /** A raw `pulumi up` with the image of `tag` (its config set outside the timed region): its ms. */
    readonly rawUp: (tag: string) => Promise<number>;
}

export interface LauncherFigures {
    readonly launcher: CliLauncher;
    readonly deployMs: number[];
    /** Per triple: this launcher's deploy ÷ the raw `up` of the same triple. */
    readonly deployRatio: Summary;
    readonly historyMs: number[];
    /** Per triple: this launcher's `history` minus `pulumi stack history` of the same triple, ms. */
    readonly historyExcessMs: Summary;
    /** `--help`, start to exit. */
    readonly helpMs: number[];
}

export interface CliProcessResults {
    readonly compileMs?: number;
    readonly rawUpMs: number[];
    readonly rawHistoryMs: number[];
    readonly launchers: LauncherFigures[];
}

/** Runs one of `launchers`' CLI with `args` in the fixture, failing on a non-zero exit. */
async function runCli(launcher: CliLauncher, args: readonly string[], env: CliProcessEnv): Promise<number> {
    return (await timedRun(launcher.command, [...launcher.args, ...args], env.workDir, env.cliEnv)).ms;
}

/** `reps` rotating triples (each launcher's deploy, a raw `up`), then the same for history and `--help`. */
export async function benchCliProcess(
    env: CliProcessEnv,
    launchers: readonly CliLauncher[],
    reps: number,
    log: (m: string) => void,
): Promise<CliProcessResults> {
    let run = 0;
    const nextTag = () => env.tags[run++ % env.tags.length];
    const deploy = (launcher: CliLauncher) => runCli(launcher, ["deploy", "--stack", env.stack, "--tag", nextTag(), "--no-verify"], env);
    const history = (launcher: CliLauncher) => runCli(launcher, ["history", "--stack", env.stack], env);
    const rawHistory = async () => (await timedRun(env.pulumi, ["stack", "history", "--stack", env.stack], env.workDir, env.cliEnv)).ms;

    log("CLI process: warm-up (one deploy and one history per launcher, one raw up and stack history; not timed)");
    for (const launcher of launchers) {
        await deploy(launcher);
        await history(launcher);
    }
    await env.rawUp(nextTag());
    await rawHistory();

    const deployMs = launchers.map(() => [] as number[]);
    const historyMs = launchers.map(() => [] as number[]);
    const helpMs = launchers.map(() => [] as number[]);
    const rawUpMs: number[] = [];
    const rawHistoryMs: number[] = [];
    // Slot k of a round is launcher k, the last slot the raw command; the order rotates each round.
    const rounds = async (launcherStep: (l: CliLauncher, k: number) => Promise<void>, rawStep: () => Promise<void>, what: string) => {
        const slots = launchers.length + 1;
        for (let i = 0; i < reps; i++) {
            for (let j = 0; j < slots; j++) {
                const k = (i + j) % slots;
                if (k === launchers.length) await rawStep();
                else await launcherStep(launchers[k], k);
            }
            log(`CLI process ${what} ${i + 1}/${reps}`);
        }
    };
    await rounds(
        async (l, k) => void deployMs[k].push(await deploy(l)),
        async () => void rawUpMs.push(await env.rawUp(nextTag())),
        "deploy",
    );
    await rounds(
        async (l, k) => void historyMs[k].push(await history(l)),
        async () => void rawHistoryMs.push(await rawHistory()),
        "history",
    );
    await rounds(
        async (l, k) => void helpMs[k].push(await runCli(l, ["--help"], env)),
        async () => undefined,
        "--help",
    );
    return {
        rawUpMs,
        rawHistoryMs,
        launchers: launchers.map((launcher, k) => ({
            launcher,
            deployMs: deployMs[k],
            deployRatio: summarize(deployMs[k].map((ms, i) => ms / rawUpMs[i])),
            historyMs: historyMs[k],
            historyExcessMs: summarize(historyMs[k].map((ms, i) => ms - rawHistoryMs[i])),
            helpMs: helpMs[k],
        })),
    };
}
