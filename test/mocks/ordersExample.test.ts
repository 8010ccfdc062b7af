// examples/orders, a second service that uses the packed package as an adopter does: its program
// (`serviceStack()` from `papyrus-deploy/components`) and its own stack files render under the SDK's
// mocks with its own namespace (`orders:*`), repository, GitHub owner and resource names.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluateUnderMocks, Evaluation } from "../../testkit/evaluateUnderMocks";
import { linkPackedPackage } from "../../testkit/packedPackage";
import { main } from "../../scripts/render";

const EXAMPLE = path.resolve(__dirname, "..", "..", "examples", "orders");
const DIGEST = `sha256:${"b".repeat(64)}`;
const IMAGE = `123456789012.dkr.ecr.us-east-2.amazonaws.com/orders-api@${DIGEST}`;
/** The same digest in prod's registry (us-west-2), where dev's replication delivers it. */
const PROD_IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/orders-api@${DIGEST}`;

describe("examples/orders: the package's program in another project, under mocks", function () {
    this.timeout(300_000);
    let project: string;
    let installed: string;

    before(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "orders-example-"));
        for (const file of fs.readdirSync(EXAMPLE)) fs.cpSync(path.join(EXAMPLE, file), path.join(project, file), { recursive: true });
        installed = linkPackedPackage(project);
    });
    after(() => fs.rmSync(project, { recursive: true, force: true }));

    const render = (stack: string, overrides: Record<string, string | undefined> = {}) => evaluateUnderMocks({ stack, root: project, overrides });
    const ofType = (evaluation: Evaluation, type: string) => evaluation.resources.filter((r) => r.type === type);

    it("loads the components from the installed package, not from this checkout's sources", async () => {
        const evaluation = await render("dev");
        const loaded = Object.keys(require.cache).filter((file) => file.endsWith(path.join("dist", "components", "serviceStack.js")));
        assert.deepStrictEqual(loaded, [path.join(fs.realpathSync(installed), "dist", "components", "serviceStack.js")]);
        assert.strictEqual(evaluation.project, "orders");
    });

    it("dev before its first deploy: the orders-api repository and orders' GitHub roles, no service", async () => {
        const evaluation = await render("dev");
        assert.deepStrictEqual(
            ofType(evaluation, "aws:ecr/repository:Repository").map((r) => [r.inputs.name, r.inputs.imageTagMutability]),
            [["orders-api", "IMMUTABLE_WITH_EXCLUSION"]],
        );
        assert.deepStrictEqual(ofType(evaluation, "aws:ecs/service:Service"), []);
        const names = evaluation.resources.filter((r) => !r.custom).map((r) => r.name);
        for (const name of ["orders-images", "orders-ci"]) assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
        assert.ok(!names.some((name) => name.startsWith("papyrus")), names.join(", "));
        const trust = ofType(evaluation, "aws:iam/role:Role").map((r) => String(r.inputs.assumeRolePolicy));
        assert.ok(trust.length >= 2 && trust.every((policy) => policy.includes("repo:acme-shop/orders:")), trust.join("\n"));
        assert.strictEqual(evaluation.outputs.repositoryName, "orders-api");
        assert.strictEqual(evaluation.outputs.serviceName, undefined);
    });

    it("dev with the driver's `orders:image`: the service `orders` runs that digest", async () => {
        const evaluation = await render("dev", { "orders:image": IMAGE, "orders:imageTag": "v1.0.0" });
        assert.strictEqual(ofType(evaluation, "aws:ecs/service:Service").length, 1);
        const [taskDefinition] = ofType(evaluation, "aws:ecs/taskDefinition:TaskDefinition");
        assert.strictEqual(JSON.parse(String(taskDefinition.inputs.containerDefinitions))[0].image, IMAGE);
        assert.ok(evaluation.resources.some((r) => !r.custom && r.name === "orders"));
        assert.strictEqual(evaluation.outputs.image, IMAGE);
        assert.strictEqual(evaluation.outputs.imageTag, "v1.0.0");
    });

    it("prod: HTTPS with its certificate, two to six tasks", async () => {
        const evaluation = await render("prod", { "orders:image": PROD_IMAGE });
        const listeners = ofType(evaluation, "aws:lb/listener:Listener").map((r) => r.inputs.port);
        assert.ok(listeners.includes(443), String(listeners));
        const [target] = ofType(evaluation, "aws:appautoscaling/target:Target");
        assert.deepStrictEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [2, 6]);
    });

    it("render --cwd: the project's name, its resources, and the command that shows its service in its namespace", async () => {
        const written: string[] = [];
        const write = process.stdout.write;
        process.stdout.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
        let code: number;
        try {
            code = await main(["--stack", "dev", "--cwd", project]);
        } finally {
            process.stdout.write = write;
        }
        assert.strictEqual(code, 0);
        const lines = written.join("").trimEnd().split("\n");
        assert.match(lines[0], /^stack dev \(project orders\): \d+ resources, evaluated under mocks$/);
        assert.match(
            lines[lines.length - 1],
            new RegExp(`--stack dev --cwd ${project} --set orders:image=123456789012\\.dkr\\.ecr\\.us-east-2\\.amazonaws\\.com/orders-api@sha256:<64 hex>$`),
        );
    });

    it("names a refused key in the orders namespace, and a `papyrus:` key is not its config", async () => {
        await assert.rejects(render("dev", { "orders:desiredCount": "many" }), /`orders:desiredCount` must be a number, got `many`/);
        const evaluation = await render("dev", { "papyrus:image": IMAGE });
        assert.deepStrictEqual(ofType(evaluation, "aws:ecs/service:Service"), [], "another namespace's image is not this stack's");
    });
});
