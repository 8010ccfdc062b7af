// scripts/render.ts as a user runs it (a child process), plus its argument
// parsing and tree output in-process.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { evaluateUnderMocks, loadStackConfig } from "../../testkit/evaluateUnderMocks";
import { parseRenderArgs, renderTree } from "../../scripts/render";

const ROOT = path.resolve(__dirname, "..", "..");
const NO_SERVICE_DEV =
    "no service yet: the stack runs no image, so its service (task definition, ECS service, load balancer) appears with the first deploy; " +
    "to see it now: npm run render -- --stack dev --set papyrus:image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:<64 hex>";
const run = promisify(execFile);

/** `node -r ts-node/register/transpile-only scripts/render.ts ...`: what `npx ts-node --transpile-only` runs, without npx's startup. */
function render(args: string[]) {
    return run(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/render.ts", ...args], {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
    });
}

describe("render (child process)", function () {
    this.timeout(60_000);

    it("prints the dev stack as JSON: a new stack without a service, and with `--set papyrus:image` that digest as the task definition's image", async () => {
        type Rendered = { stack: string; resources: Array<{ type: string; inputs: Record<string, unknown> }> };
        const taskDefinitions = (evaluation: Rendered) => evaluation.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
        const fresh = JSON.parse((await render(["--stack", "dev", "--json"])).stdout) as Rendered & { note?: string };
        assert.strictEqual(fresh.stack, "dev");
        assert.deepStrictEqual(taskDefinitions(fresh), [], "git's Pulumi.dev.yaml names no image");
        assert.strictEqual(fresh.note, NO_SERVICE_DEV, "the JSON says why there is no service, and how to see it");

        const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:${"d".repeat(64)}`;
        const given = JSON.parse((await render(["--stack", "dev", "--json", "--set", `papyrus:image=${image}`])).stdout) as Rendered;
        assert.strictEqual(taskDefinitions(given).length, 1);
        const containers = JSON.parse(taskDefinitions(given)[0].inputs.containerDefinitions as string) as Array<{ image: string }>;
        assert.strictEqual(containers[0].image, image);
        assert.ok(!("note" in given), "no note once there is a service");
    });

    it("ends a stack with no deployed image with one line: the service comes with the first deploy, and the command that shows it now", async () => {
        const { stdout } = await render(["--stack", "prod"]);
        const lines = stdout.trimEnd().split("\n");
        assert.strictEqual(lines[0], "stack prod (project papyrus): 9 resources, evaluated under mocks");
        assert.strictEqual(lines[lines.length - 2], "");
        assert.strictEqual(
            lines[lines.length - 1],
            "no service yet: the stack runs no image, so its service (task definition, ECS service, load balancer) appears with the first deploy; " +
                "to see it now: npm run render -- --stack prod --set papyrus:image=123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api@sha256:<64 hex>",
        );
        // The command it names works: with a digest in place of `<64 hex>`, the service is there and the line is gone.
        const image = `123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api@sha256:${"a".repeat(64)}`;
        const withImage = (await render(["--stack", "prod", "--set", `papyrus:image=${image}`])).stdout;
        assert.match(withImage, /^ {2}papyrus-service {2}\[aws:ecs\/service:Service\]$/m);
        assert.doesNotMatch(withImage, /no service yet/);
    });

    it("shows a canary with a PAUSE hook set from the command line: the service's strategy, steps and hook, and no steady-state wait", async () => {
        type Rendered = { resources: Array<{ type: string; name: string; inputs: Record<string, unknown> }> };
        const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:${"d".repeat(64)}`;
        const deployment = { strategy: "CANARY", canary: { percent: 10 }, pause: { stages: ["PRE_PRODUCTION_TRAFFIC_SHIFT"], timeoutMinutes: 120 } };
        const rendered = JSON.parse(
            (await render(["--stack", "dev", "--json", "--set", `papyrus:image=${image}`, "--set", `papyrus:deployment=${JSON.stringify(deployment)}`])).stdout,
        ) as Rendered;
        const [service] = rendered.resources.filter((r) => r.type === "aws:ecs/service:Service");
        assert.deepStrictEqual(service.inputs.deploymentConfiguration, {
            strategy: "CANARY",
            bakeTimeInMinutes: "10",
            canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "10" },
            lifecycleHooks: [
                {
                    targetType: "PAUSE",
                    lifecycleStages: ["PRE_PRODUCTION_TRAFFIC_SHIFT"],
                    timeoutConfiguration: { timeoutInMinutes: "120", action: "ROLLBACK" },
                },
            ],
        });
        assert.strictEqual(service.inputs.waitForSteadyState, false);
        assert.deepStrictEqual(
            rendered.resources.filter((r) => r.type === "aws:lb/targetGroup:TargetGroup").map((r) => r.name),
            ["papyrus-tg", "papyrus-tg-green"],
        );
    });

    it("exits 2 for an unknown stack, naming it and the available stack files", async () => {
        await assert.rejects(render(["--stack", "qa"]), (err: { code: number; stdout: string; stderr: string }) => {
            assert.strictEqual(err.code, 2);
            assert.strictEqual(err.stdout, "");
            assert.match(
                err.stderr,
                /^render: unknown stack `qa`: there is no Pulumi\.qa\.yaml in .+; available: `dev` \(Pulumi\.dev\.yaml\), `prod` \(Pulumi\.prod\.yaml\)\n$/,
            );
            return true;
        });
    });

    it("exits 2, naming what is missing, for a --cwd that is no directory, has a bad Pulumi.yaml or no index.ts (no stack trace)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-cwd-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
            const refused = async (cwd: string, message: RegExp) =>
                assert.rejects(render(["--stack", "dev", "--cwd", cwd]), (err: { code: number; stdout: string; stderr: string }) => {
                    assert.strictEqual(err.code, 2, err.stderr);
                    assert.strictEqual(err.stdout, "");
                    assert.match(err.stderr, message);
                    assert.doesNotMatch(err.stderr, /Require stack|\n\s+at /);
                    return true;
                });
            await refused(path.join(dir, "missing"), /^render: `--cwd` must be a project directory .*got `.*missing`\n$/);
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x y\n");
            await refused(dir, /^render: `.*Pulumi\.yaml` must give a project `name`.*got `x y`\n$/);
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: acme-orders\nruntime: nodejs\n");
            await refused(dir, /^render: there is no program to run: render runs `.*index\.ts`, which does not exist\n$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("render (in process)", () => {
    it("parses its arguments", () => {
        assert.deepStrictEqual(
            parseRenderArgs(["--stack", "prod", "--json", "--unset", "papyrus:image", "--set", "papyrus:desiredCount=5", "--last-output", "imageTag=v1.2.3"]),
            {
                stack: "prod",
                json: true,
                overrides: { "papyrus:image": undefined, "papyrus:desiredCount": "5" },
                lastOutputs: { imageTag: "v1.2.3" },
            },
        );
        assert.throws(() => parseRenderArgs(["--stack", "dev", "--last-output", "image"]), { message: /^`--last-output` takes `<output>=<value>`/ });
        assert.throws(() => parseRenderArgs(["--json"]), /^UsageError: `--stack` is required\nusage: render\.ts --stack <name>/m);
        assert.throws(() => parseRenderArgs(["--stack", "dev", "--color"]), { message: /^unknown argument `--color`\n/ });
    });

    it("prints a tree: components, their children with parent, policies pretty-printed", async () => {
        const running = `123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api@sha256:${"e".repeat(64)}`;
        const text = renderTree(await evaluateUnderMocks({ stack: "prod", previousOutputs: { image: running, imageTag: "v1.4.1" } }));
        const lines = text.split("\n");
        // 26 before issue 15, plus the HTTPS listener, its ingress rule, the scalable target and its two
        // policies (issue 15), plus the StackReference that reads the image the stack runs (issue 11), plus
        // the two deployment alarms (issue 12).
        assert.strictEqual(lines[0], "stack prod (project papyrus): 34 resources, evaluated under mocks");
        assert.ok(lines.includes("  papyrus-target-5xx  [aws:cloudwatch/metricAlarm:MetricAlarm]"), "the 5xx alarm under the service component");
        assert.ok(lines.includes("papyrus-ci  [papyrus:aws:GithubDeployIdentity]  (component)"));
        const role = lines.indexOf("  papyrus-ci-deploy  [aws:iam/role:Role]");
        assert.ok(role > 0, "the deploy role is indented under its component");
        assert.strictEqual(lines[role + 1], "    parent: papyrus:aws:GithubDeployIdentity::papyrus-ci");
        assert.strictEqual(lines[role + 2], "    assumeRolePolicy: (JSON) {");
        assert.ok(lines.includes('                "repo:acme/papyrus:environment:prod",'), "the subject, pretty-printed inside the trust policy");
        assert.ok(lines.includes('                "repo:acme/papyrus:environment:prod-approval"'), "deploy.yml's approve job's subject");
        assert.ok(
            lines.some((l) => l.trim() === "desiredCount: 3"),
            "prod starts with three tasks",
        );
        const service = lines.indexOf("  papyrus-service  [aws:ecs/service:Service]");
        assert.strictEqual(
            lines[service + 2],
            "    ignoreChanges: desiredCount (set at creation only; later changes are left alone)",
            "the scaler owns the count",
        );
        assert.ok(lines.includes('    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"'), "the HTTPS listener's TLS policy");
        assert.ok(lines.includes(`  image: ${JSON.stringify(running)}`), "outputs are listed, the image the stack's last outputs named");
    });
});

describe("the config render reads (loadStackConfig)", () => {
    it("applies Pulumi.yaml's project-level config first, as the engine does: bare keys in the project's namespace, the stack's file wins", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-render-config-"));
        try {
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                [
                    "name: orders",
                    "runtime: nodejs",
                    "config:",
                    "  repositoryName: from-project",
                    "  desiredCount: { type: integer, default: 2 }",
                    "  aws:region: { value: us-east-2 }",
                    "  environment: { value: { LOG_LEVEL: info } }",
                    "  containerPort: 3000",
                    "",
                ].join("\n"),
            );
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  orders:containerPort: 8080\n");
            assert.deepStrictEqual(loadStackConfig("dev", dir), {
                "orders:repositoryName": "from-project",
                "orders:desiredCount": "2",
                "aws:region": "us-east-2",
                "orders:environment": '{"LOG_LEVEL":"info"}',
                "orders:containerPort": "8080",
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
