// Which image the real program (index.ts) runs, under mocks: git's
// Pulumi.<stack>.yaml names none, so a plain `pulumi up` keeps the image the
// stack's last outputs name (a StackReference to itself, answered by the
// mocks with `previousOutputs`); the driver's `papyrus:image` wins and then
// the outputs are not read; a new stack runs no service.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { evaluateUnderMocks, Evaluation, runUnderMocks } from "../../testkit/evaluateUnderMocks";

const REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/papyrus-api";
const RUNNING = `${REPO}@sha256:${"a".repeat(64)}`;
const GIVEN = `${REPO}@sha256:${"b".repeat(64)}`;
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

function imageOfTaskDefinition(evaluation: Evaluation): { image: string; label: string } {
    const taskDefinitions = evaluation.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
    assert.strictEqual(taskDefinitions.length, 1);
    const [container] = JSON.parse(taskDefinitions[0].inputs.containerDefinitions as string) as { image: string; dockerLabels: Record<string, string> }[];
    return { image: container.image, label: container.dockerLabels["org.opencontainers.image.version"] };
}

describe("the image an update runs (index.ts under mocks)", () => {
    it("keeps what the stack runs now when the update names no image: same digest, same tag label", async () => {
        // kills: a plain `pulumi up` that drops the service (no image in the checkout) or changes its tag label
        const evaluation = await evaluateUnderMocks({ stack: "prod", previousOutputs: { image: RUNNING, imageTag: "v1.4.1" } });
        assert.deepStrictEqual(imageOfTaskDefinition(evaluation), { image: RUNNING, label: "v1.4.1" });
        assert.deepStrictEqual(
            [evaluation.outputs.image, evaluation.outputs.imageTag],
            [RUNNING, "v1.4.1"],
            "the outputs the next plain `up` keeps are the ones it kept",
        );
        assert.deepStrictEqual(
            evaluation.resources.filter((r) => r.type === STACK_REFERENCE).map((r) => r.inputs),
            [{ name: "organization/papyrus/prod" }],
        );
    });

    it("runs the driver's `papyrus:image` when given, and then does not read the stack's outputs", async () => {
        // kills: outputs winning over the driver's image (a deploy would change nothing), or a read on every update
        const evaluation = await evaluateUnderMocks({
            stack: "prod",
            overrides: { "papyrus:image": GIVEN, "papyrus:imageTag": "v2.0.0" },
            previousOutputs: { image: RUNNING, imageTag: "v1.4.1" },
        });
        assert.deepStrictEqual(imageOfTaskDefinition(evaluation), { image: GIVEN, label: "v2.0.0" });
        assert.deepStrictEqual(
            evaluation.resources.filter((r) => r.type === STACK_REFERENCE),
            [],
        );
    });

    it("creates no service for a new stack (no outputs yet) and none when the last outputs name no image", async () => {
        for (const previousOutputs of [undefined, { repositoryName: "papyrus-api" }]) {
            const evaluation = await evaluateUnderMocks({ stack: "prod", previousOutputs });
            assert.deepStrictEqual(
                evaluation.resources.filter((r) => /^aws:ecs\//.test(r.type)),
                [],
                JSON.stringify(previousOutputs),
            );
            assert.strictEqual(evaluation.outputs.image, undefined);
            assert.strictEqual(evaluation.outputs.serviceName, undefined);
        }
    });

    it("refuses last outputs that name an image by tag, with the validator's message", async () => {
        await assert.rejects(evaluateUnderMocks({ stack: "prod", previousOutputs: { image: `${REPO}:v1.4.1` } }), {
            name: "ImageReferenceError",
            message: /^`outputs\.image` must be pinned by digest .*got `123456789012\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/papyrus-api:v1\.4\.1`/,
        });
    });

    it("the mocks answer a StackReference to the stack itself only", async () => {
        // kills: mocks that hand the stack's outputs to a reference to another stack (a test would then pass for the wrong read)
        await assert.rejects(
            runUnderMocks({
                stack: "prod",
                config: { "aws:region": "eu-central-1" },
                program: () => ({ other: new pulumi.StackReference("other", { name: "organization/papyrus/dev" }).getOutput("image") }),
            }),
            {
                message:
                    /the program reads stack `organization\/papyrus\/dev` through a StackReference; the mocks answer only the stack itself \(`organization\/papyrus\/prod`\)/,
            },
        );
    });
});
