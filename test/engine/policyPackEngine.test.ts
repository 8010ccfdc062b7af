// The policy pack in the real engine: `pulumi preview --policy-pack policy` and `pulumi up --policy-pack
// policy` with the CLI and language host `npm run setup` builds (the host starts the pack through
// @pulumi/pulumi's cmd/run-policy-pack), on a temporary file:// backend. The program is the real index.ts
// (testkit/fixtures/policy-app, with an existing VPC so no awsx component is needed), plus at most one
// rogue resource that breaks a mandatory rule; its AWS resources go to the stand-in aws provider
// (testkit/standInAwsProvider.ts), which keeps their inputs as the program gave them. Then deploy.yml's
// policy gate step, taken from the workflow and run under bash as GitHub runs it, with the real `pulumi`
// and the AWS CLI against moto's ECR.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import * as yaml from "js-yaml";
import { PROJECT_ROOT, pulumiBinDirectory } from "../../automation/engine/tools";
import { POLICY_NAMES, githubTrustProblems, repositoryMutabilityProblems, taskDefinitionImageProblems } from "../../policy/rules";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft } from "../../testkit/cliProcess";
import { ROGUES, RogueKind, unscopedTrustPolicy } from "../../testkit/fixtures/policy-app/rogues";
import { pushImage } from "../../testkit/images";
import { SharedMoto, sharedMoto } from "../../testkit/moto";
import { installStandInAwsProvider, STAND_IN_ACCOUNT, typeOfUrn } from "../../testkit/standInAwsProvider";

const FIXTURE_DIR = path.join(PROJECT_ROOT, "testkit", "fixtures", "policy-app");
const STACK = "dev";
/** The real dev stack's config, with an existing VPC instead of a new one (awsx.ec2.Vpc is a remote component: no plugin here). */
const DEV_CONFIG = yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
const REGION = String(DEV_CONFIG.config["aws:region"]);
const REPOSITORY_NAME = String(DEV_CONFIG.config["papyrus:repositoryName"]);
const REPOSITORY_URL = `${STAND_IN_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY_NAME}`;
const DIGEST_A = "sha256:" + "a".repeat(64);
const PACK = "papyrus-digest-pinning@v0.1.0";

/** `Pulumi.dev.yaml` for the fixture: the real dev config, an existing VPC, and `extra` (`papyrus:` keys). */
function stackConfigText(extra: Record<string, string> = {}): string {
    const config: Record<string, unknown> = { ...DEV_CONFIG.config };
    delete config["papyrus:natGateways"];
    Object.assign(config, {
        "papyrus:vpcId": "vpc-0123456789abcdef0",
        "papyrus:publicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        "papyrus:privateSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
    });
    for (const [key, value] of Object.entries(extra)) {
        config[`papyrus:${key}`] = value;
    }
    return yaml.dump({ config });
}

interface Violation {
    readonly level: string;
    readonly policy: string;
    /** As the CLI names it: `aws:iam:Role: rogue-role`. */
    readonly resource: string;
    /** The policy's description, then the violation's own message: the lines under the heading. */
    readonly lines: string[];
}

interface PoliciesSection {
    /** The pack's line: `✅`, `⚠️` (advisory notes only) or `❌` (a mandatory violation), its name and where it came from. */
    readonly verdict: string;
    readonly violations: Violation[];
}

/**
 * The `Policies:` sections of the CLI's output: one for a preview, one per phase for `up` (its preview, then
 * the update, whose values are known), each with the pack's verdict line and the violations reported under it.
 */
function policiesSections(output: string): PoliciesSection[] {
    const lines = output.split("\n");
    const sections: PoliciesSection[] = [];
    for (let start = lines.indexOf("Policies:"); start !== -1; start = lines.indexOf("Policies:", start + 1)) {
        const violations: Violation[] = [];
        let i = start + 2;
        while (i < lines.length && lines[i].trim() !== "") {
            const heading = /^ {8}- \[(\w+)\] {2}(\S+) {2}\((.+)\)$/.exec(lines[i]);
            assert.ok(heading, `not a violation heading: ${JSON.stringify(lines[i])}`);
            const body: string[] = [];
            for (i++; i < lines.length && lines[i].startsWith(" ".repeat(10)); i++) {
                body.push(lines[i].slice(10));
            }
            violations.push({ level: heading[1], policy: heading[2], resource: heading[3], lines: body });
        }
        sections.push({ verdict: lines[start + 1].trim(), violations });
    }
    return sections;
}

const PASSED: PoliciesSection = { verdict: `✅ ${PACK} (local: policy)`, violations: [] };

/** The advisory note the pack gives for a policy whose input `property` is unknown during preview. */
function cannotCheckDuringPreview(policy: string, resource: string, property: string): Violation {
    return {
        level: "advisory",
        policy,
        resource,
        lines: [`can't run policy '${policy}' from policy pack '${PACK}' during preview: string value at .${property} can't be known during preview`],
    };
}

/** What the pack must report for a rogue: each problem its rule returns, under the rule's description. */
function expectedViolations(kind: RogueKind): { level: string; policy: string; resource: string; problems: string[] } {
    switch (kind) {
        case "taggedImage":
            return {
                level: "mandatory",
                policy: POLICY_NAMES.taskDefinitionImagesPinned,
                resource: `aws:ecs:TaskDefinition: ${ROGUES.taggedImage.name}`,
                problems: taskDefinitionImageProblems({ ...ROGUES.taggedImage.inputs }),
            };
        case "mutableRepository":
            return {
                level: "mandatory",
                policy: POLICY_NAMES.repositoryTagsImmutable,
                resource: `aws:ecr:Repository: ${ROGUES.mutableRepository.name}`,
                problems: repositoryMutabilityProblems({ ...ROGUES.mutableRepository.inputs }),
            };
        case "unscopedTrust":
            return {
                level: "mandatory",
                policy: POLICY_NAMES.githubOidcTrustScoped,
                resource: `aws:iam:Role: ${ROGUES.unscopedTrust.name}`,
                problems: githubTrustProblems({ ...ROGUES.unscopedTrust.inputs }),
            };
        case "unscopedTrustLate":
            return {
                level: "mandatory",
                policy: POLICY_NAMES.githubOidcTrustScoped,
                resource: `aws:iam:Role: ${ROGUES.unscopedTrustLate.name}`,
                // The ARN the stand-in gives the rogue's OIDC provider once it is created.
                problems: githubTrustProblems({
                    assumeRolePolicy: unscopedTrustPolicy(`arn:aws:iam::${STAND_IN_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`),
                }),
            };
    }
}

/** The pack's verdict on `kind` in one section: a mandatory violation, the rogue's and no other, with the rule's message. */
function assertStoppedBy(kind: RogueKind, section: PoliciesSection | undefined): void {
    const expected = expectedViolations(kind);
    // Sanity: the rule itself refuses the rogue with one problem (else this test would prove nothing).
    assert.strictEqual(expected.problems.length, 1, `the rule should find one problem in ${kind}`);
    assert.ok(section, "no `Policies:` section");
    assert.strictEqual(section.verdict, `❌ ${PACK} (local: policy)`);
    assert.strictEqual(section.violations.length, 1, `exactly one violation, the rogue's: ${JSON.stringify(section.violations)}`);
    const [violation] = section.violations;
    assert.deepStrictEqual(
        { level: violation.level, policy: violation.policy, resource: violation.resource, problems: violation.lines.slice(1) },
        { level: expected.level, policy: expected.policy, resource: expected.resource, problems: expected.problems },
    );
    assert.ok(violation.lines[0].length > 0, "the policy's description comes first");
}

describe("policy pack in the real engine (`--policy-pack policy`, the real program on a stand-in aws provider)", function () {
    this.timeout(900_000);
    let backend: TempBackend;
    let project: string;
    let env: NodeJS.ProcessEnv;
    let pulumiBin: string;

    function writeStackConfig(extra: Record<string, string> = {}): string {
        const text = stackConfigText(extra);
        fs.writeFileSync(path.join(project, `Pulumi.${STACK}.yaml`), text);
        return text;
    }

    function pulumi(args: string[]): { status: number | null; output: string } {
        const result = spawnSync(path.join(pulumiBin, "pulumi"), args, { cwd: project, env, encoding: "utf8", timeout: 600_000, maxBuffer: 64 << 20 });
        if (result.error) throw result.error;
        return { status: result.status, output: result.stdout + result.stderr };
    }

    function resourceUrns(): string[] {
        const exported = pulumi(["stack", "export", "--stack", STACK]);
        assert.strictEqual(exported.status, 0, exported.output);
        return (JSON.parse(exported.output).deployment.resources as { urn: string }[]).map((r) => r.urn).sort();
    }

    before(function () {
        const bin = pulumiBinDirectory();
        assert.ok(bin, "no Pulumi CLI: run `npm run setup`");
        pulumiBin = bin;
        backend = tempBackend("papyrus-policy-engine-");
        const standInBin = path.join(backend.dir, "stand-in-bin");
        fs.mkdirSync(standInBin);
        installStandInAwsProvider(standInBin);
        project = path.join(backend.dir, "project");
        fs.mkdirSync(project);
        for (const file of ["Pulumi.yaml", "package.json"]) {
            fs.copyFileSync(path.join(FIXTURE_DIR, file), path.join(project, file));
        }
        for (const file of ["index.ts", "tsconfig.json"]) {
            fs.symlinkSync(path.join(FIXTURE_DIR, file), path.join(project, file));
        }
        // `--policy-pack policy` names a directory beside the program, as in the repository.
        fs.symlinkSync(path.join(PROJECT_ROOT, "policy"), path.join(project, "policy"));
        env = {
            ...process.env,
            ...backend.env,
            PATH: [standInBin, bin, process.env.PATH ?? ""].join(path.delimiter),
            AWS_REGION: REGION,
        };

        assert.strictEqual(pulumi(["stack", "init", STACK, "--non-interactive"]).status, 0);
        // The stack's first deploy, with the pack. Its preview cannot know what new resources' outputs feed (the task
        // definition's log group ARN, the roles' OIDC provider ARN): the pack notes those as advisory and blocks
        // nothing. The update then checks every input with its real value, and passes.
        writeStackConfig({ image: `${REPOSITORY_URL}@${DIGEST_A}`, imageTag: "v1.0.0" });
        const up = pulumi(["up", "--yes", "--stack", STACK, "--policy-pack", "policy", "--non-interactive"]);
        assert.strictEqual(up.status, 0, up.output);
        assert.deepStrictEqual(policiesSections(up.output), [
            {
                verdict: `⚠️ ${PACK} (local: policy)`,
                violations: [
                    cannotCheckDuringPreview(POLICY_NAMES.taskDefinitionImagesPinned, "aws:ecs:TaskDefinition: papyrus-task", "containerDefinitions"),
                    cannotCheckDuringPreview(POLICY_NAMES.taskDefinitionNoPlainSecrets, "aws:ecs:TaskDefinition: papyrus-task", "containerDefinitions"),
                    cannotCheckDuringPreview(POLICY_NAMES.githubOidcTrustScoped, "aws:iam:Role: papyrus-ci-deploy", "assumeRolePolicy"),
                    cannotCheckDuringPreview(POLICY_NAMES.githubOidcTrustScoped, "aws:iam:Role: papyrus-ci-push", "assumeRolePolicy"),
                ],
            },
            PASSED,
        ]);
    });

    after(async () => {
        if (backend !== undefined) {
            await assertNoProcessLeft(backend.dir);
            backend.cleanup();
        }
    });

    it("passes the real program: a preview with a new digest exits 0 and the pack reports nothing, not even a value it could not check", () => {
        // kills: a pack that refuses what the components build, or a gate that cannot check the new task definition
        writeStackConfig({ image: `${REPOSITORY_URL}@sha256:${"b".repeat(64)}`, imageTag: "v1.0.1" });
        const run = pulumi(["preview", "--stack", STACK, "--policy-pack", "policy", "--non-interactive"]);
        assert.strictEqual(run.status, 0, run.output);
        assert.deepStrictEqual(policiesSections(run.output), [PASSED]);
        // The new image replaces the task definition: the pack saw its inputs, known during this preview.
        assert.match(run.output, /^ \+- aws:ecs:TaskDefinition papyrus-task replace \[diff: ~containerDefinitions/m);
    });

    for (const [kind, what] of [
        ["taggedImage", "a task definition running an image by tag"],
        ["mutableRepository", "a repository whose tags can move"],
        ["unscopedTrust", "a role any GitHub repository may assume"],
    ] as [RogueKind, string][]) {
        it(`stops a preview of the program with ${what} (${kind}), with the rule's message`, () => {
            // kills: a rule not wired to the engine's type token, a pack that is not run, or one that only advises
            writeStackConfig({ fixtureRogue: kind });
            const run = pulumi(["preview", "--stack", STACK, "--policy-pack", "policy", "--non-interactive"]);
            assert.strictEqual(run.status, 1, run.output);
            const sections = policiesSections(run.output);
            assert.strictEqual(sections.length, 1, run.output);
            assertStoppedBy(kind, sections[0]);
            assert.match(run.output, /error: preview failed/);
        });
    }

    it("stops `pulumi up --policy-pack policy` before anything changes", () => {
        // kills: a pack that lets an update apply the resources it did not object to
        const before = resourceUrns();
        writeStackConfig({ fixtureRogue: "mutableRepository" });
        const run = pulumi(["up", "--yes", "--stack", STACK, "--policy-pack", "policy", "--non-interactive"]);
        assert.strictEqual(run.status, 1, run.output);
        // Stopped in the update's preview: no update section, no step taken.
        const sections = policiesSections(run.output);
        assert.strictEqual(sections.length, 1, run.output);
        assertStoppedBy("mutableRepository", sections[0]);
        assert.doesNotMatch(run.output, /^Updating \(dev\):$/m);
        assert.deepStrictEqual(resourceUrns(), before);
    });

    it("lets a preview through when the violating value is known only once the update runs: an advisory note, exit 0", () => {
        // The gate's limit, recorded: a trust policy built from a resource created in the same update is unknown
        // during preview. kills: a pack that turns unknown values into a pass without saying so
        writeStackConfig({ fixtureRogue: "unscopedTrustLate" });
        const run = pulumi(["preview", "--stack", STACK, "--policy-pack", "policy", "--non-interactive"]);
        assert.strictEqual(run.status, 0, run.output);
        assert.deepStrictEqual(policiesSections(run.output), [
            {
                verdict: `⚠️ ${PACK} (local: policy)`,
                violations: [
                    cannotCheckDuringPreview(POLICY_NAMES.githubOidcTrustScoped, `aws:iam:Role: ${ROGUES.unscopedTrustLate.name}`, "assumeRolePolicy"),
                ],
            },
        ]);
    });

    it("`pulumi up --policy-pack policy` stops that value once it is known, after creating what came before it", () => {
        // kills: an update that applies a resource its pack objects to. What came before (the OIDC provider) stays created.
        const before = resourceUrns();
        writeStackConfig({ fixtureRogue: "unscopedTrustLate" });
        const run = pulumi(["up", "--yes", "--stack", STACK, "--policy-pack", "policy", "--non-interactive"]);
        assert.strictEqual(run.status, 1, run.output);
        const [preview, update, ...more] = policiesSections(run.output);
        assert.deepStrictEqual(preview, {
            verdict: `⚠️ ${PACK} (local: policy)`,
            violations: [cannotCheckDuringPreview(POLICY_NAMES.githubOidcTrustScoped, `aws:iam:Role: ${ROGUES.unscopedTrustLate.name}`, "assumeRolePolicy")],
        });
        assertStoppedBy("unscopedTrustLate", update);
        assert.deepStrictEqual(more, []);
        // AWS resources only: this update also records the program's read of its own stack (the StackReference).
        const added = resourceUrns().filter((urn) => !before.includes(urn) && typeOfUrn(urn).startsWith("aws:"));
        assert.deepStrictEqual(added, [
            `urn:pulumi:${STACK}::papyrus::aws:iam/openIdConnectProvider:OpenIdConnectProvider::${ROGUES.unscopedTrustLate.provider.name}`,
        ]);
    });

    describe("deploy.yml's policy gate, run as the workflow runs it (real `pulumi`, the AWS CLI against moto's ECR)", () => {
        const workflow = yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "deploy.yml"), "utf8")) as {
            jobs: Record<string, { env: Record<string, string>; steps: { name?: string; run?: string; env?: Record<string, string> }[] }>;
        };
        const job = Object.values(workflow.jobs)[0];
        const gate = job.steps.find((step) => /pulumi preview --stack "\$STACK" --policy-pack policy\b/.test(step.run ?? ""));
        const TAG = "v1.2.3";
        let moto: SharedMoto;
        let digest: string;

        before(async () => {
            assert.ok(gate?.run, "deploy.yml has no policy gate step");
            const aws = spawnSync("aws", ["--version"], { encoding: "utf8" });
            assert.strictEqual(aws.status, 0, "the gate runs the AWS CLI (`aws`), as GitHub's runners have it: put it on PATH");
            moto = await sharedMoto();
            const ecr = new ECRClient({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
            await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY_NAME, imageTagMutability: "IMMUTABLE" }));
            digest = (await pushImage(ecr, REPOSITORY_NAME, TAG)).digest;
            ecr.destroy();
        });

        after(async () => {
            await moto?.release();
        });

        /** The gate step's script under bash, as GitHub runs a `run:` step, with the job's and the step's environment. */
        function runGate(): { status: number | null; output: string; configAfter: string } {
            const runnerTemp = fs.mkdtempSync(path.join(backend.dir, "runner-temp-"));
            const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", gate!.run!], {
                cwd: project,
                env: {
                    ...env,
                    ...moto.env,
                    // The job's env (vars.*), then the step's (inputs.*, secrets.*).
                    PULUMI_BACKEND_URL: backend.url,
                    AWS_REGION: REGION,
                    AWS_DEFAULT_REGION: REGION,
                    PULUMI_SKIP_UPDATE_CHECK: "true",
                    STACK,
                    TAG,
                    PULUMI_CONFIG_PASSPHRASE: backend.env.PULUMI_CONFIG_PASSPHRASE,
                    RUNNER_TEMP: runnerTemp,
                },
                encoding: "utf8",
                timeout: 600_000,
                maxBuffer: 64 << 20,
            });
            if (result.error) throw result.error;
            return {
                status: result.status,
                output: result.stdout + result.stderr,
                configAfter: fs.readFileSync(path.join(project, `Pulumi.${STACK}.yaml`), "utf8"),
            };
        }

        it("uses the environment this test gives it, and no more", () => {
            // kills: a gate step that starts reading a variable or secret this test does not pass (it would run here on an empty value)
            assert.deepStrictEqual(Object.keys(gate!.env ?? {}).sort(), ["PULUMI_CONFIG_PASSPHRASE", "STACK", "TAG"]);
            assert.deepStrictEqual(Object.keys(job.env).sort(), ["AWS_REGION", "PULUMI_BACKEND_URL", "PULUMI_SKIP_UPDATE_CHECK"]);
        });

        it("passes the real program with the tag's digest from ECR, and puts the stack config back", () => {
            // kills: a gate that previews another image than the tag's, or leaves the preview's config behind
            const committed = writeStackConfig();
            const run = runGate();
            assert.strictEqual(run.status, 0, run.output);
            assert.deepStrictEqual(policiesSections(run.output), [PASSED]);
            assert.ok(run.output.includes(`${REPOSITORY_URL}@${digest}`), `the preview runs ${REPOSITORY_URL}@${digest}:\n${run.output}`);
            assert.strictEqual(run.configAfter, committed);
        });

        it("fails the step with the rule's message when the program holds a rogue resource, and puts the stack config back", () => {
            // kills: a gate whose failure does not fail the step (no pipefail, `|| true`), or one that keeps the preview's config
            const committed = writeStackConfig({ fixtureRogue: "unscopedTrust" });
            const run = runGate();
            // The step fails with the preview's exit code (`set -e`).
            assert.strictEqual(run.status, 1, run.output);
            const sections = policiesSections(run.output);
            assert.strictEqual(sections.length, 1, run.output);
            assertStoppedBy("unscopedTrust", sections[0]);
            assert.strictEqual(run.configAfter, committed);
        });
    });
});
