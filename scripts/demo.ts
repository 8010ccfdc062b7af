// `npm run demo`: the main job end to end with no AWS account. Starts moto (the AWS API
// emulator) on a free loopback port and a `file://` state backend in a temporary directory,
// creates the ECR repository, pushes three image manifests under release tags, then runs the
// real CLI: a preview, deploy, deploy, rollback, a canary paused at its PAUSE hook whose smoke test
// passes, one whose smoke test fails (rolled back and reconciled), history, verify, status. Each step prints the
// command it runs and the same command against real AWS, and the engine's work as it happens,
// one line per resource operation (`--progress steps`). moto is stopped on exit and on Ctrl-C; `--keep` leaves
// the state directory for poking at with `pulumi`.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient, StartImageScanCommand } from "@aws-sdk/client-ecr";
import { qualifiedKey } from "../components/configSchema";
import { readProject } from "../automation/engine/project";
import { PROJECT_ROOT } from "../automation/engine/tools";
import { tempBackend, TempBackend } from "../testkit/backend";
import { CLI } from "../testkit/cliProcess";
import { FIXTURE_ECS_CONFIG, fixtureDeploymentConfig, fixtureProject, fixtureStack } from "../testkit/fixture";
import { pushImage } from "../testkit/images";
import { TEST_REGION } from "../testkit/moto";
import { DEMO_PREFIX, DemoServers, SERVERS_FILE, startServersDetached, startServersHere, stopKeptDemos } from "./demoServers";

const REPOSITORY = "papyrus-api";
const TAGS = ["v25.10.29", "v25.10.30", "v25.10.31"];

interface Step {
    readonly say: string;
    readonly args: string[];
    /** The same step against real AWS, from the project directory. */
    readonly real: string;
    /** The exit code the step shows (14: a rollback the smoke test asked for). @default 0 */
    readonly expect?: number;
    /** A change to the stack's configuration before the step runs, said as it is made. */
    readonly before?: { readonly say: string; readonly config: Record<string, { value: string }> };
}

/**
 * The stand-in's ECS deploymentConfiguration for what `deployment: { strategy: CANARY, canary: { percent: 10 },
 * pause: { stages: [POST_TEST_TRAFFIC_SHIFT] } }` makes the real component send (components/deploymentStrategy.ts).
 */
const CANARY_WITH_PAUSE = {
    strategy: "CANARY",
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
    lifecycleHooks: [
        { targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { timeoutInMinutes: 1440, action: "ROLLBACK" } },
    ],
};
/** The demo's smoke tests: one that passes, one that finds the new revision broken (no service answers on the emulator). */
const PASSING_SMOKE_TEST = 'echo "GET $PAPYRUS_STACK /health at $PAPYRUS_STAGE: 200 ($PAPYRUS_DIGEST)"';
const FAILING_SMOKE_TEST = 'echo "GET $PAPYRUS_STACK /health at $PAPYRUS_STAGE: 503" >&2; exit 1';

/**
 * The engine's work as one line per resource operation (automation/cli/progress.ts), live; and ECS asked every
 * second: the emulator moves a rollout one stage per look (real ECS takes minutes, and the default 5 s suits it).
 */
const PROGRESS = ["--progress", "steps", "--poll-interval", "1s"];

const STEPS: Step[] = [
    {
        say: "preview the first deploy: what the update would create, with nothing changed",
        args: ["deploy", "--stack", "dev", "--tag", TAGS[1], "--preview", ...PROGRESS],
        real: `npm run deploy -- --stack dev --tag ${TAGS[1]} --preview`,
    },
    {
        say: "deploy a release tag: the driver resolves it to its digest, reads its scan findings (the gate), runs `pulumi up`, and protects the digest from the lifecycle policy",
        args: ["deploy", "--stack", "dev", "--tag", TAGS[1], ...PROGRESS],
        real: `npm run deploy -- --stack dev --tag ${TAGS[1]}`,
    },
    {
        say: "deploy the next release",
        args: ["deploy", "--stack", "dev", "--tag", TAGS[2], ...PROGRESS],
        real: `npm run deploy -- --stack dev --tag ${TAGS[2]}`,
    },
    {
        say: "roll back: the newest earlier deployment with another digest, found in the stack history",
        args: ["rollback", "--stack", "dev", ...PROGRESS],
        real: "npm run rollback -- --stack dev",
    },
    {
        say: "a canary with a PAUSE hook: ECS stops the deployment after the test traffic shift, the smoke test passes, the driver continues it",
        args: ["deploy", "--stack", "dev", "--tag", TAGS[2], "--smoke-test", PASSING_SMOKE_TEST, ...PROGRESS],
        real: `npm run deploy -- --stack dev --tag ${TAGS[2]} --smoke-test ./scripts/smoke-test.sh`,
        before: {
            say: "the stack's service becomes a canary (10 %) with a PAUSE hook at POST_TEST_TRAFFIC_SHIFT (against AWS: `deployment: { strategy: CANARY, canary: { percent: 10 }, pause: { stages: [POST_TEST_TRAFFIC_SHIFT] } }` in Pulumi.dev.yaml)",
            config: fixtureDeploymentConfig(CANARY_WITH_PAUSE),
        },
    },
    {
        say: "the next release's smoke test fails at the hook: ECS rolls the canary back, the driver reconciles the stack, exit 14",
        args: ["deploy", "--stack", "dev", "--tag", TAGS[0], "--smoke-test", FAILING_SMOKE_TEST, ...PROGRESS],
        real: `npm run deploy -- --stack dev --tag ${TAGS[0]} --smoke-test ./scripts/smoke-test.sh`,
        expect: 14,
    },
    {
        say: "read the history: which digest each update asked for, who asked, which one runs (RUNS), and what ECS and the smoke tests decided",
        args: ["history", "--stack", "dev"],
        real: "npm run history -- --stack dev",
    },
    { say: "verify: what ECS runs against what the stack's state recorded", args: ["verify", "--stack", "dev"], real: "npm run verify -- --stack dev" },
    { say: "status: what runs in every stack, in sync with ECS or not, protected or not", args: ["status"], real: "npm run status" },
];

const USAGE = "usage: npm run demo [-- --keep]   or   npm run demo -- --stop [<dir>]";

async function main(argv: string[]): Promise<number> {
    if (argv[0] === "--stop") {
        if (argv.length > 2) {
            process.stderr.write(`demo: \`--stop\` takes at most one directory, got \`${argv.slice(1).join(" ")}\`; ${USAGE}\n`);
            return 2;
        }
        return stopKeptDemos(argv[1], say);
    }
    const keep = argv.includes("--keep");
    const unknown = argv.filter((a) => a !== "--keep");
    if (unknown.length > 0) {
        process.stderr.write(`demo: unknown argument \`${unknown.join(" ")}\`; ${USAGE}\n`);
        return 2;
    }
    const started = Date.now();
    say(
        "papyrus-deploy demo: preview, deploy, deploy, roll back, a paused canary with a passing and a failing smoke test, history, verify, status, with moto as AWS and a local state backend.",
    );
    say("It runs the real driver and Pulumi engine on the stand-in project testkit/fixtures/digest-app (the AWS provider");
    say("plugin cannot be installed offline): its task definition and service call moto's ECS API instead of pulumi-aws.\n");

    const backend = tempBackend(DEMO_PREFIX);
    // moto runs no ECS deployments: a loopback proxy plays their lifecycle (testkit/ecsRollout.ts). A kept
    // demo's pair runs in a process of its own, so that they outlive this one.
    let servers: DemoServers;
    try {
        servers = keep ? await startServersDetached(backend.dir) : await startServersHere();
    } catch (err) {
        backend.cleanup();
        throw err;
    }
    let child: { process: ReturnType<typeof spawn>; closed: Promise<number | null> } | undefined;
    let stopping = false;
    let finished = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        if (child) {
            // Let the running step cancel its update at a safe point before moto and the state go.
            child.process.kill("SIGINT");
            const killer = setTimeout(() => child?.process.kill("SIGKILL"), 60_000);
            await child.closed;
            clearTimeout(killer);
        }
        if (keep && finished) {
            printKept(backend, servers, workDir);
            return;
        }
        await servers.stop();
        if (keep) {
            say(
                `\nkept the state in ${backend.dir}/state (moto is stopped, as the demo did not finish); remove it with: npm run demo -- --stop ${backend.dir}`,
            );
            fs.writeFileSync(path.join(backend.dir, SERVERS_FILE), JSON.stringify({ pid: 0, motoPid: 0, motoPort: servers.motoPort }) + "\n");
        } else {
            backend.cleanup();
        }
    };
    // `on`, not `once`: the Automation API's execa (signal-exit) re-raises a SIGINT that no other
    // listener is left to handle, which killed the demo half way through `stop()`.
    process.on("SIGINT", () => {
        if (stopping) return;
        process.stderr.write("\ndemo: interrupted; stopping moto\n");
        void stop().then(() => process.exit(130));
    });
    const workDir = fixtureProject(backend.dir);
    try {
        say(`moto (AWS API emulator): ${servers.motoEndpoint}   state: ${backend.url}   project: ${workDir}`);
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setAllConfig({
            [qualifiedKey(readProject(workDir).name, "repositoryName")]: { value: REPOSITORY },
            "aws:region": { value: TEST_REGION },
            ...FIXTURE_ECS_CONFIG,
        });
        const ecr = new ECRClient({ region: TEST_REGION, endpoint: servers.motoEndpoint, credentials: { accessKeyId: "demo", secretAccessKey: "demo" } });
        // As ImmutableRepository makes it: release tags fixed, the protective deployed-* tags movable.
        await ecr.send(
            new CreateRepositoryCommand({
                repositoryName: REPOSITORY,
                imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
                imageTagMutabilityExclusionFilters: [{ filter: "deployed-*", filterType: "WILDCARD" }],
            }),
        );
        for (const tag of TAGS) {
            const image = await pushImage(ecr, REPOSITORY, tag);
            // ECR scans on push; moto scans when asked (and reports one HIGH finding), so the scan gate has findings to read.
            await ecr.send(new StartImageScanCommand({ repositoryName: REPOSITORY, imageId: { imageDigest: image.digest } }));
            say(`pushed ${REPOSITORY}:${tag} -> ${image.digest} (scanned)`);
        }
        ecr.destroy();
        say("(against AWS: the ecr-push workflow builds and pushes each release; docs/CI.md)\n");

        const env = { ...process.env, ...backend.env, ...servers.env, PAPYRUS_DEPLOYER: process.env.USER ?? "demo" };
        for (const [i, step] of STEPS.entries()) {
            if (step.before) {
                say(`--- ${step.before.say}`);
                await stack.setAllConfig(step.before.config);
            }
            say(`--- ${i + 1}/${STEPS.length}: ${step.say}`);
            say(`$ papyrus-deploy ${step.args.map((a) => (/[\s"$>;]/.test(a) ? quote(a) : a)).join(" ")}`);
            say(`  (against AWS: ${step.real})`);
            // stderr live: with `--progress steps` it holds one line per resource operation, the rollout's progress and any error.
            const run = spawn(process.execPath, [CLI, ...step.args, "--cwd", workDir], { env, stdio: ["ignore", "inherit", "inherit"] });
            child = { process: run, closed: new Promise<number | null>((resolve) => run.on("close", resolve)) };
            const code = await child.closed;
            if (stopping) return 130;
            child = undefined;
            if (code !== (step.expect ?? 0)) {
                say(`demo: step ${i + 1} exited ${code}${step.expect ? ` instead of ${step.expect}` : ""}`);
                return code || 1;
            }
            if (step.expect) say(`(exit ${code}, as this step shows)`);
            say("");
        }
        say(`done in ${Math.round((Date.now() - started) / 1000)} s. The same commands against real AWS: README, "Using it against real AWS".`);
        finished = true;
        return 0;
    } catch (err) {
        // A step that Ctrl-C cut short (the engine got the signal too) is the interrupt, not a failure.
        if (stopping) return 130;
        throw err;
    } finally {
        await stop();
    }
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** What `--keep` leaves: where things are, the environment to drive it from another shell, commands to try, and how to stop it. */
function printKept(backend: TempBackend, servers: DemoServers, workDir: string): void {
    const cli = path.join(PROJECT_ROOT, "automation", "bin", "papyrus-deploy.js");
    say(`\nkept: moto (AWS API emulator) on port ${servers.motoPort} and the ECS rollout proxy run on (pids in ${path.join(backend.dir, SERVERS_FILE)});`);
    say(`the state is in ${backend.dir}/state and the project in ${workDir}. To drive it, in a shell:\n`);
    const env: Record<string, string> = { ...servers.env, ...backend.env };
    for (const [key, value] of Object.entries(env)) say(`  export ${key}=${quote(value)}`);
    say(`  export PATH=${quote(path.join(PROJECT_ROOT, ".tools", "bin"))}:"$PATH"`);
    say(`  alias papyrus-deploy=${quote(`node ${cli}`)}`);
    say(`  cd ${quote(workDir)}\n`);
    say("then try:");
    say("  papyrus-deploy status");
    say("  papyrus-deploy history --stack dev");
    say("  papyrus-deploy verify --stack dev");
    say(`  papyrus-deploy deploy --stack dev --tag ${TAGS[0]} --progress steps`);
    say("  papyrus-deploy rollback --stack dev --progress steps");
    say(`\nstop moto and remove the demo (state included): npm run demo -- --stop   (from ${PROJECT_ROOT})`);
}

function say(line: string): void {
    process.stdout.write(line + "\n");
}

main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
        process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
        process.exitCode = 1;
    },
);
