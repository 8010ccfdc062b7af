// `npm run bench`: P1–P4 of docs/BENCHMARKS.md against the built Pulumi CLI
// (.tools/bin), a temporary file:// backend, moto on loopback and the driver's
// fixture project. Prints a table, writes raw numbers to bench/out/results.json
// and regenerates the results section of docs/BENCHMARKS.md.
//
// Environment knobs (for a quick try, not for the committed numbers):
//   BENCH_REPS=5      repetitions for P1 and P3
//   BENCH_HISTORY=50  real updates before the first P3 measurement (×5 by copying for the second)
//   BENCH_ONLY=P1     P1 and P2 only: prints their rows, writes bench/out/results-p1.json, leaves the doc alone
//   BENCH_ONLY=S      the CLI start-up rows only (no moto, no engine): prints them, leaves the doc alone
//   BENCH_STARTUP_REPS=15  repetitions for S
//   BENCH_ONLY=CLI    P6 and P7 only (the CLI as a process): prints their rows, writes bench/out/results-cli.json
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { execFileSync } from "child_process";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { deploy } from "../automation/commands/deploy";
import { rollback } from "../automation/commands/rollback";
import { engineCalls, engineTools, PROJECT_ROOT } from "../automation/engine/tools";
import { chooseRollbackTarget, markRunning, readDeployments, HISTORY_PAGE_SIZE } from "../automation/record/history";
import { engineStack } from "../automation/engine/workspace";
import { readProject } from "../automation/engine/project";
import { stackIdentity } from "../automation/engine/stackName";
import { Checkpoint, recordedImage } from "../automation/engine/state";
import { tempBackend, TempBackend } from "../testkit/backend";
import { fixtureProject, fixtureStack } from "../testkit/fixture";
import { pushImage, PushedImage } from "../testkit/images";
import { startMoto, MotoServer, TEST_ACCOUNT, TEST_REGION } from "../testkit/moto";
import { timedRun } from "./cli";
import { benchCliProcess, cliLaunch, CliProcessResults, compileCli } from "./cliProcess";
import { countsSince, CountingProxy, startCountingProxy, total } from "./countingProxy";
import { ratios, summarize, Summary, fmt } from "./stats";
import { benchStartup, StartupResult } from "./startup";

const REPS = Number(process.env.BENCH_REPS ?? 5);
const HISTORY_REAL = Number(process.env.BENCH_HISTORY ?? 50);
const HISTORY_COPIED = HISTORY_REAL * 5;
const ONLY_P1 = process.env.BENCH_ONLY === "P1";
const ONLY_STARTUP = process.env.BENCH_ONLY === "S";
const ONLY_CLI = process.env.BENCH_ONLY === "CLI";
const REPO = "papyrus-api";
const REPO_URL = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${REPO}`;
const STACK = "dev";
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
const BIN = path.join(PROJECT_ROOT, ".tools", "bin");
const PULUMI = path.join(BIN, "pulumi");
const OUT_DIR = path.join(PROJECT_ROOT, "bench", "out");
const DOC = path.join(PROJECT_ROOT, "docs", "BENCHMARKS.md");

function log(message: string): void {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function timeIt<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const started = performance.now();
    const value = await run();
    return { ms: performance.now() - started, value };
}

interface Env {
    moto: MotoServer;
    proxy: CountingProxy;
    backend: TempBackend;
    workDir: string;
    ecr: ECRClient;
    ecs: ECSClient;
    setupEcr: ECRClient;
    /** Environment for the spawned CLI: what the driver gives the engine. */
    cliEnv: NodeJS.ProcessEnv;
    images: PushedImage[];
}

// ---- P6 + P7: the CLI as a process --------------------------------------------------

async function benchCli(env: Env): Promise<CliProcessResults> {
    log("P6/P7: compiling a copy of the checkout for the compiled launcher");
    const compiled = compileCli();
    try {
        const launchers = [cliLaunch("ts-node"), cliLaunch("compiled", compiled.dir)];
        const results = await benchCliProcess(
            {
                workDir: env.workDir,
                // The driver's AWS clients go straight to moto (the counting proxy is P2's).
                cliEnv: { ...env.cliEnv, ...env.moto.env, PAPYRUS_DEPLOYER: "bench" },
                pulumi: PULUMI,
                stack: STACK,
                tags: env.images.map((image) => image.tag),
                rawUp: (tag) => rawUp(env, env.images.find((image) => image.tag === tag) ?? env.images[0]),
            },
            launchers,
            REPS,
            log,
        );
        return { ...results, compileMs: compiled.ms };
    } finally {
        fs.rmSync(compiled.dir, { recursive: true, force: true });
    }
}

function cliRows(r: CliProcessResults): string[] {
    const sec = (x: Summary) => fmt({ ...x, min: x.min / 1000, median: x.median / 1000, max: x.max / 1000 }, 2, " s");
    const rows: string[] = [];
    for (const l of r.launchers) {
        rows.push(
            `| P6 | \`papyrus-deploy deploy --no-verify\` as a process ÷ raw \`pulumi up\`, ${l.launcher.label} | ${fmt(l.deployRatio)} | ≤ 1.10 | ${verdict(l.deployRatio.median <= 1.1, `${((l.deployRatio.median - 1) * 100).toFixed(0)} % slower than raw`)} |`,
            `| P6 | the same, wall time | ${sec(summarize(l.deployMs))} | | |`,
        );
    }
    rows.push(`| P6 | raw \`pulumi up --yes --skip-preview\` in the same rounds | ${sec(summarize(r.rawUpMs))} | | |`);
    for (const l of r.launchers) {
        rows.push(
            `| P7 | \`papyrus-deploy history\` as a process minus \`pulumi stack history\`, ${l.launcher.label} | ${sec(l.historyExcessMs)} | ≤ 0.5 s | ${verdict(l.historyExcessMs.median <= 500, `${(l.historyExcessMs.median / 1000).toFixed(2)} s more`)} |`,
            `| P7 | the same, wall time | ${sec(summarize(l.historyMs))} | | |`,
            `| P7 | \`papyrus-deploy --help\`, ${l.launcher.label} | ${sec(summarize(l.helpMs))} | < 0.3 s | ${verdict(summarize(l.helpMs).median < 300, `${(summarize(l.helpMs).median / 1000).toFixed(2)} s`)} |`,
        );
    }
    rows.push(`| P7 | \`pulumi stack history\` in the same rounds | ${sec(summarize(r.rawHistoryMs))} | | |`);
    return rows;
}

// ---- P1 + P2 ------------------------------------------------------------------

interface P1P2 {
    driverMs: number[];
    /** Per driver run: its time outside its own `up` process (reads, ECR, lock, evidence). */
    driverOwnMs: number[];
    rawMs: number[];
    ratio: Summary;
    driver: Summary;
    raw: Summary;
    order: string[];
    deployCalls: Record<string, number>[];
    /** The Pulumi CLI commands each timed `deploy()` started (`up` included). */
    deployCli: string[][];
    rollbackCalls: Record<string, number>[];
    rollbackMs: number[];
}

function imageFor(run: number, env: Env): PushedImage {
    return env.images[run % env.images.length];
}

async function rawUp(env: Env, image: PushedImage): Promise<number> {
    // Same config the driver writes, set outside the timed region.
    await timedRun(
        PULUMI,
        [
            "config",
            "set-all",
            "--stack",
            STACK,
            "--plaintext",
            `papyrus:image=${REPO_URL}@${image.digest}`,
            "--plaintext",
            `papyrus:imageTag=${image.tag}`,
            "--plaintext",
            "papyrus:deployedBy=bench",
            "--plaintext",
            "papyrus:deployKind=deploy",
        ],
        env.workDir,
        env.cliEnv,
    );
    const up = await timedRun(PULUMI, ["up", "--yes", "--skip-preview", "--stack", STACK], env.workDir, env.cliEnv);
    return up.ms;
}

async function driverDeploy(env: Env, image: PushedImage): Promise<{ ms: number; upMs: number; calls: Record<string, number>; cli: string[] }> {
    const before = env.proxy.counts();
    const cliBefore = engineCalls.length;
    const { ms } = await timeIt(() =>
        deploy({
            stackName: STACK,
            workDir: env.workDir,
            envVars: env.backend.env,
            ecr: env.ecr,
            ecs: env.ecs,
            requestedBy: "bench",
            tag: image.tag,
        }),
    );
    const calls = engineCalls.slice(cliBefore);
    const cli = calls.map((call) => cliCommandName(call.args));
    const upMs = calls.find((call) => cliCommandName(call.args) === "up")?.ms ?? NaN;
    return { ms, upMs, calls: countsSince(before, env.proxy.counts()), cli };
}

/** `stack export`, `up`, `stack history`: the command words of a CLI call, without flags and values. */
function cliCommandName(args: readonly string[]): string {
    const words: string[] = [];
    for (const arg of args) {
        if (arg.startsWith("-")) break;
        words.push(arg);
    }
    return words.join(" ");
}

async function benchP1P2(env: Env): Promise<P1P2> {
    log("P1: warm-up (one driver deploy, one raw up; not timed)");
    let run = 0;
    await driverDeploy(env, imageFor(run++, env));
    await rawUp(env, imageFor(run++, env));

    const driverMs: number[] = [];
    const driverOwnMs: number[] = [];
    const rawMs: number[] = [];
    const order: string[] = [];
    const deployCalls: Record<string, number>[] = [];
    const deployCli: string[][] = [];
    for (let i = 0; i < REPS; i++) {
        // Pairs alternate their order (D R, R D, …) so drift cancels; every run changes the image.
        const pair = i % 2 === 0 ? ["driver", "raw"] : ["raw", "driver"];
        for (const which of pair) {
            const image = imageFor(run++, env);
            if (which === "driver") {
                const d = await driverDeploy(env, image);
                driverMs.push(d.ms);
                driverOwnMs.push(d.ms - d.upMs);
                deployCalls.push(d.calls);
                deployCli.push(d.cli);
            } else {
                rawMs.push(await rawUp(env, image));
            }
            order.push(which);
        }
        log(`P1 pair ${i + 1}/${REPS}: driver ${driverMs[i].toFixed(0)} ms, raw ${rawMs[i].toFixed(0)} ms`);
    }

    log("P2: rollbacks (default target), ECR calls counted at the proxy");
    const rollbackCalls: Record<string, number>[] = [];
    const rollbackMs: number[] = [];
    for (let i = 0; i < Math.min(REPS, 3); i++) {
        const before = env.proxy.counts();
        const { ms } = await timeIt(() =>
            rollback({
                stackName: STACK,
                workDir: env.workDir,
                envVars: env.backend.env,
                ecr: env.ecr,
                ecs: env.ecs,
                requestedBy: "bench",
            }),
        );
        rollbackCalls.push(countsSince(before, env.proxy.counts()));
        rollbackMs.push(ms);
    }
    return {
        driverMs,
        driverOwnMs,
        rawMs,
        order,
        ratio: summarize(ratios(driverMs, rawMs)),
        driver: summarize(driverMs),
        raw: summarize(rawMs),
        deployCalls,
        deployCli,
        rollbackCalls,
        rollbackMs,
    };
}

// ---- P3 -------------------------------------------------------------------------

interface P3Size {
    updates: number;
    driverMs: number[];
    /** `pulumi stack history --json --show-secrets=false`: the CLI's default page, the newest 10. */
    cliMs: number[];
    /** The same with `--page-size <all>`: the whole history in one call, what the driver needs. */
    cliAllMs: number[];
    ratio: Summary;
    ratioAll: Summary;
    driver: Summary;
    cli: Summary;
    cliAll: Summary;
    historyCalls: number;
}

interface P3 {
    sizes: P3Size[];
    buildMs: number;
    realUpdates: number;
    growthDriver: number;
    growthCli: number;
    growthCliAll: number;
}

/** Larger than any history here: `--page-size` with this returns everything in one call. */
const ALL = 100000;
const HISTORY_ARGS = ["stack", "history", "--json", "--show-secrets=false", "--stack", STACK];

async function historyLength(env: Env): Promise<number> {
    // Without --page-size the CLI returns only the newest 10.
    const out = await timedRun(PULUMI, [...HISTORY_ARGS, "--page-size", String(ALL)], env.workDir, env.cliEnv);
    return (JSON.parse(out.stdout) as unknown[]).length;
}

async function measureHistory(env: Env, automationStack: Stack, updates: number): Promise<P3Size> {
    // Read as the driver reads it: the history, and the release verdicts from the stack's tags file.
    const stack = engineStack(
        { stackName: STACK, envVars: env.backend.env },
        env.workDir,
        env.backend.url,
        stackIdentity(STACK, readProject(env.workDir).name, env.backend.url),
    );
    // One untimed call of each first: file cache and the CLI binary warm.
    await readDeployments(stack);
    await timedRun(PULUMI, HISTORY_ARGS, env.workDir, env.cliEnv);
    // What the state runs: the driver reads it once per session (untimed here, as P3 compares history reads).
    const running = recordedImage((await automationStack.exportStack()).deployment as Checkpoint);
    const driverMs: number[] = [];
    const cliMs: number[] = [];
    const cliAllMs: number[] = [];
    const measurements: Array<() => Promise<void>> = [
        async () => {
            const { ms, value } = await timeIt(async () => {
                const deployments = await readDeployments(stack);
                if (deployments.length !== updates) throw new Error(`P3: readDeployments saw ${deployments.length} updates, expected ${updates}`);
                return chooseRollbackTarget(markRunning(deployments, running), {});
            });
            // The copied history records carry no verdicts (their times are shifted), so the default may find no
            // released target; it still walks the whole history to say so. Any other answer is a broken read.
            if (!value.target && !/^no earlier update whose release verdict is `completed`/.test(value.reason ?? "")) {
                throw new Error(`P3: no rollback target at ${updates} updates: ${value.reason}`);
            }
            driverMs.push(ms);
        },
        async () => {
            const out = await timedRun(PULUMI, HISTORY_ARGS, env.workDir, env.cliEnv);
            const n = (JSON.parse(out.stdout) as unknown[]).length;
            if (n !== Math.min(10, updates)) throw new Error(`P3: the CLI's default page held ${n} updates`);
            cliMs.push(out.ms);
        },
        async () => {
            const out = await timedRun(PULUMI, [...HISTORY_ARGS, "--page-size", String(ALL)], env.workDir, env.cliEnv);
            const n = (JSON.parse(out.stdout) as unknown[]).length;
            if (n !== updates) throw new Error(`P3: expected ${updates} updates in history, the CLI reports ${n}`);
            cliAllMs.push(out.ms);
        },
    ];
    for (let i = 0; i < REPS; i++) {
        // Rotate the order each repetition so drift falls on every measurement alike.
        for (let j = 0; j < measurements.length; j++) await measurements[(i + j) % measurements.length]();
    }
    return {
        updates,
        driverMs,
        cliMs,
        cliAllMs,
        ratio: summarize(ratios(driverMs, cliMs)),
        ratioAll: summarize(ratios(driverMs, cliAllMs)),
        driver: summarize(driverMs),
        cli: summarize(cliMs),
        cliAll: summarize(cliAllMs),
        historyCalls: Math.floor(updates / HISTORY_PAGE_SIZE) + 1,
    };
}

/**
 * The file backend keeps one `<stack>-<unix nanos>.history.json` (and `.checkpoint.json`) per
 * update. The copies are the engine's own records, renamed to older timestamps with their
 * start/end times shifted by the same amount, so the real records stay the newest.
 */
export function copyHistory(env: Pick<Env, "backend">, times: number): number {
    const dir = findHistoryDir(path.join(env.backend.dir, "state", ".pulumi", "history"));
    const pattern = new RegExp(`^${STACK}-(\\d+)\\.(history|checkpoint)\\.json$`);
    const files = fs
        .readdirSync(dir)
        .map((f) => ({ f, m: pattern.exec(f) }))
        .filter((x) => x.m);
    const stamps = files.map((x) => BigInt(x.m![1]));
    const oldest = stamps.reduce((a, b) => (a < b ? a : b));
    const newest = stamps.reduce((a, b) => (a > b ? a : b));
    const span = newest - oldest + 1_000_000_000n;
    let written = 0;
    for (let c = 1; c <= times; c++) {
        const shiftNs = span * BigInt(c);
        const shiftS = Number(shiftNs / 1_000_000_000n);
        for (const { f, m } of files) {
            const stamp = BigInt(m![1]) - shiftNs;
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            let out = text;
            if (m![2] === "history") {
                const record = JSON.parse(text);
                for (const key of ["startTime", "endTime"]) {
                    if (typeof record[key] === "number") record[key] -= shiftS;
                }
                out = JSON.stringify(record);
                written++;
            }
            fs.writeFileSync(path.join(dir, `${STACK}-${stamp}.${m![2]}.json`), out);
        }
    }
    return written;
}

function findHistoryDir(root: string): string {
    // Project-scoped layout: history/<project>/<stack>; the legacy layout: history/<stack>.
    for (const candidate of [path.join(root, "papyrus", STACK), path.join(root, STACK)]) {
        if (fs.existsSync(candidate)) return candidate;
    }
    throw new Error(`P3: no history directory for stack \`${STACK}\` under ${root}`);
}

async function benchP3(env: Env): Promise<P3> {
    const stack = await LocalWorkspace.selectStack(
        { stackName: STACK, workDir: env.workDir },
        { pulumiCommand: (await engineTools()).command, envVars: { PULUMI_SKIP_UPDATE_CHECK: "true", ...(await engineTools()).env, ...env.backend.env } },
    );
    let have = await historyLength(env);
    log(`P3: history has ${have} updates; running ${Math.max(0, HISTORY_REAL - have)} more real updates`);
    // The same program without type-checking (3–4 s an update instead of 7–12 s here). The fixture's
    // own tsconfig fails ts-node's transpile-only mode (TS5110), so a copy with `moduleResolution` is used.
    const buildEnv = {
        ...env.cliEnv,
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        PULUMI_NODEJS_TSCONFIG_PATH: path.join(PROJECT_ROOT, "bench", "transpileOnly.tsconfig.json"),
    };
    const { ms: buildMs } = await timeIt(async () => {
        for (let run = 0; have < HISTORY_REAL; run++, have++) {
            const image = env.images[run % env.images.length];
            await timedRun(
                PULUMI,
                [
                    "up",
                    "--yes",
                    "--skip-preview",
                    "--stack",
                    STACK,
                    "--config",
                    `papyrus:image=${REPO_URL}@${image.digest}`,
                    "--config",
                    `papyrus:imageTag=${image.tag}`,
                    "--config",
                    "papyrus:deployedBy=bench-history",
                    "--config",
                    "papyrus:deployKind=deploy",
                ],
                env.workDir,
                buildEnv,
            );
        }
    });
    const realUpdates = await historyLength(env);
    log(`P3: measuring at ${realUpdates} updates`);
    const small = await measureHistory(env, stack, realUpdates);
    copyHistory(env, Math.max(1, Math.round(HISTORY_COPIED / realUpdates) - 1));
    const copied = await historyLength(env);
    log(`P3: measuring at ${copied} updates (${realUpdates} real + copies)`);
    const large = await measureHistory(env, stack, copied);
    return {
        sizes: [small, large],
        buildMs,
        realUpdates,
        growthDriver: large.driver.median / small.driver.median,
        growthCli: large.cli.median / small.cli.median,
        growthCliAll: large.cliAll.median / small.cliAll.median,
    };
}

// ---- P4 -------------------------------------------------------------------------

interface P4 {
    specs: string[];
    suiteMs: number[];
    suite: Summary;
    tests: string;
    tscMs: number[];
    tsc: Summary;
    evalProcessMs: number[];
    evalFirstMs: number[];
    evalWarmMs: number[];
    evalProcess: Summary;
    evalFirst: Summary;
    evalWarm: Summary;
    resources: number;
}

function unitSpecs(): string[] {
    const testDir = path.join(PROJECT_ROOT, "test");
    // The tests live in tier folders (test/unit, test/mocks, test/policy): `mocks/stack.test.ts`.
    return fs
        .readdirSync(testDir, { recursive: true, encoding: "utf8" })
        .filter((f) => /mocks.*\.test\.ts$/.test(f) || f === "unit/imageReference.test.ts" || /^policy.*\.test\.ts$/.test(f))
        .sort()
        .map((f) => path.join("test", f));
}

async function benchP4(): Promise<P4> {
    const env = { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}` };
    const npx = "npx";
    const specs = unitSpecs();
    const suiteMs: number[] = [];
    let tests = "";
    const suiteReps = Math.min(REPS, 3);
    for (let i = 0; i < suiteReps; i++) {
        // --no-config: .mocharc.json's spec glob would add the integration suites.
        const out = await timedRun(
            npx,
            [
                "mocha",
                "--no-config",
                "--require",
                "ts-node/register/transpile-only",
                "--extension",
                "ts",
                "--timeout",
                "120000",
                "--reporter",
                "dot",
                ...specs.flatMap((s) => ["--spec", s]),
            ],
            PROJECT_ROOT,
            env,
        );
        suiteMs.push(out.ms);
        tests =
            (/(\d+) passing[^\n]*/.exec(out.stdout)?.[0] ?? "?") + (/(\d+) pending/.exec(out.stdout)?.[0] ? `, ${/(\d+) pending/.exec(out.stdout)![0]}` : "");
        log(`P4: unit suite run ${i + 1}/${suiteReps}: ${out.ms.toFixed(0)} ms (${tests})`);
    }
    const tscMs: number[] = [];
    for (let i = 0; i < 1; i++) {
        const out = await timedRun(npx, ["tsc", "--noEmit", "-p", "tsconfig.json"], PROJECT_ROOT, env);
        tscMs.push(out.ms);
        log(`P4: tsc --noEmit run ${i + 1}/1: ${out.ms.toFixed(0)} ms`);
    }
    const evalProcessMs: number[] = [];
    const evalFirstMs: number[] = [];
    const evalWarmMs: number[] = [];
    let resources = 0;
    for (let i = 0; i < 3; i++) {
        const out = await timedRun(npx, ["ts-node", "--transpile-only", "bench/evalOnce.ts", "2"], PROJECT_ROOT, env);
        const parsed = JSON.parse(out.stdout.trim().split("\n").pop()!) as { firstMs: number; warmMs: number[]; resources: number };
        evalProcessMs.push(out.ms);
        evalFirstMs.push(parsed.firstMs);
        evalWarmMs.push(...parsed.warmMs);
        resources = parsed.resources;
    }
    return {
        specs,
        suiteMs,
        suite: summarize(suiteMs),
        tests,
        tscMs,
        tsc: summarize(tscMs),
        evalProcessMs,
        evalFirstMs,
        evalWarmMs,
        evalProcess: summarize(evalProcessMs),
        evalFirst: summarize(evalFirstMs),
        evalWarm: summarize(evalWarmMs),
        resources,
    };
}

// ---- machine, report --------------------------------------------------------------

function machine(): Record<string, string> {
    const cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "";
    const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
    const nproc = (() => {
        try {
            return execFileSync("nproc").toString().trim();
        } catch {
            return String(os.cpus().length);
        }
    })();
    const pulumiVersion = (() => {
        try {
            return execFileSync(PULUMI, ["version"]).toString().trim();
        } catch {
            return "unknown";
        }
    })();
    const motoVersion = (() => {
        try {
            return execFileSync(path.join(PROJECT_ROOT, ".venv", "bin", "python"), ["-c", "import moto; print(moto.__version__)"])
                .toString()
                .trim();
        } catch {
            return "unknown";
        }
    })();
    return {
        nproc,
        memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        cpu: model,
        os: `${os.type()} ${os.release()}`,
        node: process.version,
        pulumi: pulumiVersion,
        moto: motoVersion,
        load: os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" "),
    };
}

function callsText(calls: Record<string, number>[]): string {
    const totals = calls.map(total);
    const ops = new Set(calls.flatMap((c) => Object.keys(c)));
    return `${summarize(totals).median} (min ${summarize(totals).min}, max ${summarize(totals).max}, n=${calls.length}; ${[...ops].join(", ") || "none"})`;
}

/** The extra CLI processes per deploy (all but `up`), as a median and the commands of the first run. */
function cliText(runs: string[][]): string {
    const extra = runs.map((r) => r.length - 1);
    const first = runs[0] ?? [];
    return `${summarize(extra).median} (min ${summarize(extra).min}, max ${summarize(extra).max}, n=${runs.length}; ${first.map((c) => `\`${c}\``).join(", ")})`;
}

function verdict(ok: boolean, text: string): string {
    return ok ? `met (${text})` : `**missed** (${text})`;
}

/** The S rows: the CLI's start-up, spawn to exit; the target on the compiled `--help`. */
function startupRows(startup: readonly StartupResult[]): string[] {
    const s = (ms: Summary) => fmt({ ...ms, min: ms.min / 1000, median: ms.median / 1000, max: ms.max / 1000 }, 3, " s");
    return startup.map((row) =>
        row.targetMs === undefined
            ? `| S | ${row.label} | ${s(row.ms)} | | |`
            : `| S | ${row.label} | ${s(row.ms)} | < ${row.targetMs / 1000} s | ${verdict(row.ms.median < row.targetMs, `${(row.ms.median / 1000).toFixed(3)} s`)} |`,
    );
}

function renderResults(r: Results): string {
    const s = (ms: Summary) => fmt({ ...ms, min: ms.min / 1000, median: ms.median / 1000, max: ms.max / 1000 }, 2, " s");
    const p3 = r.p3.sizes;
    const deployTotals = summarize(r.p1p2.deployCalls.map(total));
    const rollbackTotals = summarize(r.p1p2.rollbackCalls.map(total));
    const m = r.machine;
    const lines = [
        `Run on ${r.date} (total bench time ${(r.totalMs / 60000).toFixed(1)} min).`,
        "",
        `Machine: ${m.nproc} cores (\`nproc\`), ${m.memory} memory, ${m.cpu}; ${m.os}; Node ${m.node}; Pulumi CLI ${m.pulumi}; moto ${m.moto}; load average at the end ${m.load}.`,
        "The machine may be shared (the load average above says how busy it was), so absolute times are noisy; the ratios interleave their two sides to cancel most of that.",
        "",
        "| | Figure | Median (min, max, n) | Target | Verdict |",
        "|---|---|---|---|---|",
        ...startupRows(r.startup),
        `| P1 | driver \`deploy()\` ÷ raw \`pulumi up\` | ${fmt(r.p1p2.ratio)} | ≤ 1.10 | ${verdict(r.p1p2.ratio.median <= 1.1, `${((r.p1p2.ratio.median - 1) * 100).toFixed(0)} % slower than raw`)} |`,
        `| P1 | driver \`deploy()\` wall time | ${s(r.p1p2.driver)} | | |`,
        `| P1 | raw \`pulumi up --yes --skip-preview\` | ${s(r.p1p2.raw)} | | |`,
        `| P1 | driver's own time per \`deploy()\` (wall time minus its \`up\` process) | ${s(summarize(r.p1p2.driverOwnMs))} | | |`,
        `| P1 | Pulumi CLI processes per \`deploy()\` beyond \`up\` | ${cliText(r.p1p2.deployCli)} | ≤ 2 | ${verdict(Math.max(...r.p1p2.deployCli.map((c) => c.length - 1)) <= 2, `max ${Math.max(...r.p1p2.deployCli.map((c) => c.length - 1))}`)} |`,
        ...cliRows(r.cli),
        `| P2 | ECR calls per deploy | ${callsText(r.p1p2.deployCalls)} | 1 | ${verdict(deployTotals.max === 1, `max ${deployTotals.max}`)} |`,
        `| P2 | ECR calls per rollback | ${callsText(r.p1p2.rollbackCalls)} | ≤ 2 | ${verdict(rollbackTotals.max <= 2, `max ${rollbackTotals.max}`)} |`,
        `| P2 | driver \`rollback()\` wall time | ${s(summarize(r.p1p2.rollbackMs))} | | |`,
        ...p3.map(
            (z) =>
                `| P3 | choose rollback target ÷ \`pulumi stack history --json --show-secrets=false\` (CLI default page: newest 10), ${z.updates} updates | ${fmt(z.ratio)} | ≤ 1.1 | ${verdict(z.ratio.median <= 1.1, `driver makes ${z.historyCalls} \`stack history\` call(s) at page size ${HISTORY_PAGE_SIZE}`)} |`,
        ),
        ...p3.map(
            (z) =>
                `| P3 | choose rollback target ÷ the same with \`--page-size ${ALL}\` (whole history, one call), ${z.updates} updates | ${fmt(z.ratioAll)} | ≤ 1.1 | ${verdict(z.ratioAll.median <= 1.1, `${z.historyCalls} call(s) against 1`)} |`,
        ),
        ...p3.map((z) => `| P3 | readDeployments + chooseRollbackTarget, ${z.updates} updates | ${s(z.driver)} | | |`),
        ...p3.map((z) => `| P3 | \`pulumi stack history --json --show-secrets=false\`, ${z.updates} updates | ${s(z.cli)} | | |`),
        ...p3.map((z) => `| P3 | the same with \`--page-size ${ALL}\`, ${z.updates} updates | ${s(z.cliAll)} | | |`),
        `| P3 | growth ${p3[0].updates} → ${p3[1].updates} updates (median ÷ median) | driver ×${r.p3.growthDriver.toFixed(2)}; CLI default page ×${r.p3.growthCli.toFixed(2)}; CLI whole history ×${r.p3.growthCliAll.toFixed(2)} | | |`,
        `| P4 | unit suite under mocks (${r.p4.specs.map((x) => `\`${path.basename(x)}\``).join(", ")}; ${r.p4.tests}) | ${s(r.p4.suite)} | < 15 s | ${verdict(r.p4.suite.median < 15000, `${(r.p4.suite.median / 1000).toFixed(1)} s`)} |`,
        `| P4 | \`npx tsc --noEmit\` (separate from the suite) | ${s(r.p4.tsc)} | | |`,
        `| P4 | one evaluation of index.ts under mocks, first in a fresh process (${r.p4.resources} resources) | ${s(r.p4.evalFirst)} | | |`,
        `| P4 | one more evaluation in the same process | ${s(r.p4.evalWarm)} | | |`,
        `| P4 | \`ts-node bench/evalOnce.ts\` process, start to exit (3 evaluations) | ${s(r.p4.evalProcess)} | | |`,
        "",
        `P3's history was built with ${r.p3.realUpdates} real updates (those of P1/P2 plus \`pulumi up\` runs in ${(r.p3.buildMs / 1000).toFixed(0)} s); the ${p3[1].updates}-update figure adds ${p3[1].updates - r.p3.realUpdates} copies of those real records (see Method).`,
        "",
        "Raw numbers: `bench/out/results.json` (not committed).",
    ];
    return lines.join("\n");
}

const START = "<!-- bench:results:start (generated by `npm run bench`; edits here are overwritten) -->";
const END = "<!-- bench:results:end -->";

function writeDoc(results: string): void {
    const doc = fs.readFileSync(DOC, "utf8");
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a === -1 || b === -1 || b < a) throw new Error(`${DOC} has no results markers (${START} … ${END})`);
    fs.writeFileSync(DOC, doc.slice(0, a + START.length) + "\n" + results + "\n" + doc.slice(b));
}

interface Results {
    date: string;
    totalMs: number;
    machine: Record<string, string>;
    startup: StartupResult[];
    p1p2: P1P2;
    cli: CliProcessResults;
    p3: P3;
    p4: P4;
}

async function main(): Promise<void> {
    const startedAt = performance.now();
    const cleanups: Array<() => unknown> = [];
    try {
        // First, before moto and the engine add to the load.
        const startup = await benchStartup(undefined, log);
        if (ONLY_STARTUP) {
            const text = [
                `S only, ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, load ${machine().load}`,
                "| | Figure | Median (min, max, n) | Target | Verdict |",
                "|---|---|---|---|---|",
                ...startupRows(startup),
            ].join("\n");
            process.stdout.write(text + "\n");
            return;
        }
        const moto = await startMoto();
        cleanups.push(() => moto.stop());
        const proxy = await startCountingProxy(moto.endpoint);
        cleanups.push(() => proxy.close());
        const backend = tempBackend("papyrus-bench-");
        cleanups.push(() => backend.cleanup());
        const workDir = fixtureProject(backend.dir);
        const ecr = new ECRClient({ region: TEST_REGION, endpoint: proxy.endpoint, credentials });
        const ecs = new ECSClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
        const setupEcr = new ECRClient({ region: TEST_REGION, endpoint: moto.endpoint, credentials });
        cleanups.push(() => {
            ecr.destroy();
            ecs.destroy();
            setupEcr.destroy();
        });
        const tools = await engineTools();
        const cliEnv: NodeJS.ProcessEnv = { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", ...tools.env, ...backend.env };

        log(`moto on ${moto.endpoint}, counting proxy on ${proxy.endpoint}, backend ${backend.url}`);
        const stack = await fixtureStack(backend, STACK, {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: REPO });
        await setupEcr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
        const images = [await pushImage(setupEcr, REPO, "v1.0.0"), await pushImage(setupEcr, REPO, "v2.0.0")];
        const env: Env = { moto, proxy, backend, workDir, ecr, ecs, setupEcr, cliEnv, images };

        if (ONLY_CLI) {
            const cli = await benchCli(env);
            const text = [`P6/P7 only, ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, load ${machine().load}`, ...cliRows(cli)].join("\n");
            fs.mkdirSync(OUT_DIR, { recursive: true });
            fs.writeFileSync(path.join(OUT_DIR, "results-cli.json"), JSON.stringify({ machine: machine(), cli }, null, 2) + "\n");
            process.stdout.write(text + "\n");
            return;
        }
        const p1p2 = await benchP1P2(env);
        if (ONLY_P1) {
            const own = summarize(p1p2.driverOwnMs);
            const text = [
                `P1 only, ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, load ${machine().load}`,
                `driver deploy() ÷ raw pulumi up: ${fmt(p1p2.ratio)}`,
                `driver deploy(): ${fmt(p1p2.driver, 0, " ms")}; raw up: ${fmt(p1p2.raw, 0, " ms")}`,
                `driver's own time (wall minus its up process): ${fmt(own, 0, " ms")}`,
                `CLI processes beyond up: ${cliText(p1p2.deployCli)}`,
                `rollback(): ${fmt(summarize(p1p2.rollbackMs), 0, " ms")}`,
            ].join("\n");
            fs.mkdirSync(OUT_DIR, { recursive: true });
            fs.writeFileSync(path.join(OUT_DIR, "results-p1.json"), JSON.stringify({ machine: machine(), p1p2 }, null, 2) + "\n");
            process.stdout.write(text + "\n");
            return;
        }
        const cli = await benchCli(env);
        const p3 = await benchP3(env);
        await moto.stop();
        const p4 = await benchP4();

        const results: Results = {
            date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            totalMs: performance.now() - startedAt,
            machine: machine(),
            startup,
            p1p2,
            cli,
            p3,
            p4,
        };
        fs.mkdirSync(OUT_DIR, { recursive: true });
        fs.writeFileSync(path.join(OUT_DIR, "results.json"), JSON.stringify(results, null, 2) + "\n");
        const text = renderResults(results);
        writeDoc(text);
        process.stdout.write(text + "\n");
        log(`wrote ${path.relative(PROJECT_ROOT, path.join(OUT_DIR, "results.json"))} and the results section of ${path.relative(PROJECT_ROOT, DOC)}`);
    } finally {
        for (const cleanup of cleanups.reverse()) {
            try {
                await cleanup();
            } catch (err) {
                log(`cleanup failed: ${String(err)}`);
            }
        }
    }
}

if (require.main === module)
    main().catch((err) => {
        process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = 1;
    });
