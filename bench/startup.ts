// S: how long the CLI takes to start, as a user at a shell sees it (spawn to exit): the compiled
// CLI (dist/, as the package's bin runs it) for `--help` and a command's `--help`, next to
// `node -e 0` (the floor: Node itself) and the TypeScript run through ts-node (the launcher's
// fallback before a build, and every start before the package had one). Interleaved: each round
// runs each command once, so a busy neighbour hits all of them alike.
import { execFileSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../automation/engine/tools";
import { timedRun } from "./cli";
import { summarize, Summary } from "./stats";

export const STARTUP_REPS = Number(process.env.BENCH_STARTUP_REPS ?? 15);
const BIN = path.join(PROJECT_ROOT, "dist", "automation", "cli", "bin.js");
const LAUNCHER = path.join(PROJECT_ROOT, "automation", "bin", "papyrus-deploy.js");

export interface StartupCase {
    readonly label: string;
    readonly args: readonly string[];
    readonly env?: NodeJS.ProcessEnv;
    /** The target the median must stay under, where there is one. */
    readonly targetMs?: number;
}

export const STARTUP_CASES: readonly StartupCase[] = [
    { label: "`node -e 0` (the floor)", args: ["-e", "0"] },
    { label: "compiled `papyrus-deploy --help` (this checkout's bin: the launcher, then dist/)", args: [BIN, "--help"], targetMs: 300 },
    { label: "compiled `papyrus-deploy deploy --help`", args: [BIN, "deploy", "--help"] },
    { label: "compiled `papyrus-deploy history --stak dev` (a usage error, exit 2)", args: [BIN, "history", "--stak", "dev"] },
    {
        label: "TypeScript via ts-node: `papyrus-deploy --help` (the launcher without a current build)",
        args: [LAUNCHER, "--help"],
        env: { PAPYRUS_DEPLOY_FROM_SOURCE: "1" },
    },
];

export interface StartupResult {
    readonly label: string;
    readonly ms: Summary;
    readonly targetMs?: number;
}

/** Builds dist/ if it is not current, then times each case `reps` times, interleaved. */
export async function benchStartup(reps = STARTUP_REPS, log: (line: string) => void = () => {}): Promise<StartupResult[]> {
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "build.js"), "--if-stale"], { stdio: "inherit" });
    const times = STARTUP_CASES.map(() => [] as number[]);
    for (let round = 0; round < reps; round++) {
        for (const [i, c] of STARTUP_CASES.entries()) {
            times[i].push((await timedRun(process.execPath, c.args, PROJECT_ROOT, { ...process.env, ...c.env }, { allowExit: [0, 2] })).ms);
        }
        log(`start-up round ${round + 1}/${reps}`);
    }
    return STARTUP_CASES.map((c, i) => ({ label: c.label, ms: summarize(times[i]), targetMs: c.targetMs }));
}
