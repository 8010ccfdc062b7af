// Reading what the engine recorded: the image the state's ECS service runs. Pure: checkpoints
// shaped as pulumi-aws records them (and as the test stand-in records them).
import * as assert from "assert";
import { Checkpoint, checkpointProblem, pendingOperations, recordedImage } from "../../automation/engine/state";

const REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const A = `${REPO}@sha256:${"a".repeat(64)}`;
const B = `${REPO}@sha256:${"b".repeat(64)}`;
const arn = (revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/papyrus-dev:${revision}`;

function taskDefinition(revision: number, images: string[], urn = `urn:pulumi:dev::papyrus::aws:ecs/taskDefinition:TaskDefinition::task-${revision}`) {
    return {
        urn,
        type: "aws:ecs/taskDefinition:TaskDefinition",
        custom: true,
        outputs: { arn: arn(revision), containerDefinitions: JSON.stringify(images.map((image, i) => ({ name: `c${i}`, image }))) },
    };
}
function service(taskDefinitionArn: string, name = "svc") {
    return {
        urn: `urn:pulumi:dev::papyrus::aws:ecs/service:Service::${name}`,
        type: "aws:ecs/service:Service",
        custom: true,
        outputs: { taskDefinition: taskDefinitionArn },
    };
}

describe("recorded image (what the state runs)", () => {
    it("follows the service to the task definition it names, not the newest one", () => {
        // Mid-replacement: both revisions are in the state and the service still names revision 1.
        const checkpoint: Checkpoint = { resources: [taskDefinition(1, [A]), taskDefinition(2, [B]), service(arn(1))] };
        assert.deepStrictEqual(recordedImage(checkpoint), {
            image: A,
            digest: `sha256:${"a".repeat(64)}`,
            taskDefinitionArn: arn(1),
            serviceUrn: "urn:pulumi:dev::papyrus::aws:ecs/service:Service::svc",
        });
        assert.strictEqual(recordedImage({ resources: [taskDefinition(1, [A]), taskDefinition(2, [B]), service(arn(2))] })?.image, B);
    });

    it("has no image for a stack without a service (bootstrap) or without state", () => {
        assert.strictEqual(recordedImage(undefined), undefined);
        assert.strictEqual(recordedImage({}), undefined);
        assert.strictEqual(recordedImage({ resources: [taskDefinition(1, [A])] }), undefined);
    });

    it("ignores sidecars that are not pinned by digest, and refuses what it cannot read without guessing", () => {
        assert.strictEqual(
            recordedImage({ resources: [taskDefinition(1, ["public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0", A]), service(arn(1))] })?.image,
            A,
        );
        assert.throws(
            () => recordedImage({ resources: [taskDefinition(1, [A, B]), service(arn(1))] }),
            /task definition urn:.*task-1 names 2 digest-pinned images .*; expected exactly one/,
        );
        assert.throws(
            () => recordedImage({ resources: [service(arn(7))] }),
            /the state's service urn:.*::svc runs task definition arn:aws:ecs:eu-west-1:123456789012:task-definition\/papyrus-dev:7, which is not in the state; run `pulumi refresh`/,
        );
        assert.throws(
            () => recordedImage({ resources: [taskDefinition(1, [A]), taskDefinition(2, [B]), service(arn(1), "a"), service(arn(2), "b")] }),
            /the state holds 2 ECS services running different images/,
        );
        const broken = { ...taskDefinition(1, [A]), outputs: { arn: arn(1), containerDefinitions: "[{" } };
        assert.throws(() => recordedImage({ resources: [broken, service(arn(1))] }), /containerDefinitions that are not JSON/);
    });

    it("says which images it found when it refuses, in the exact message", () => {
        // kills: the images' list or its separator in the two-services message, and the `none` and `, ` of the
        // digest-pinned count
        assert.throws(() => recordedImage({ resources: [taskDefinition(1, [A]), taskDefinition(2, [B]), service(arn(1), "a"), service(arn(2), "b")] }), {
            message: `the state holds 2 ECS services running different images (${A}, ${B}); the driver deploys one service per stack`,
        });
        assert.throws(() => recordedImage({ resources: [taskDefinition(1, ["nginx:1.27", "redis:7"]), service(arn(1))] }), {
            message:
                "the state's task definition urn:pulumi:dev::papyrus::aws:ecs/taskDefinition:TaskDefinition::task-1 names 0 digest-pinned images (nginx:1.27, redis:7); expected exactly one",
        });
        const notAList = { ...taskDefinition(1, [A]), outputs: { arn: arn(1), containerDefinitions: "{}" } };
        assert.throws(() => recordedImage({ resources: [notAList, service(arn(1))] }), {
            message:
                "the state's task definition urn:pulumi:dev::papyrus::aws:ecs/taskDefinition:TaskDefinition::task-1 names 0 digest-pinned images (none); expected exactly one",
        });
    });

    it("skips container entries without a string image, and a bare digest that names no repository", () => {
        // kills: `?.` on a null entry, the `typeof image === "string"` filter, and `at !== -1` (a bare `sha256:…` has no `@`)
        const definitions = JSON.stringify([
            null,
            { name: "meta", image: 7 },
            { name: "pinned-alone", image: `sha256:${"c".repeat(64)}` },
            { name: "app", image: A },
        ]);
        const td = { ...taskDefinition(1, [A]), outputs: { arn: arn(1), containerDefinitions: definitions } };
        assert.strictEqual(recordedImage({ resources: [td, service(arn(1))] })?.image, A);
    });

    it("refuses a pinned image the validator refuses, naming the input it checked", () => {
        // kills: the validator's `input` option emptied
        assert.throws(() => recordedImage({ resources: [taskDefinition(1, [`papyrus-api@sha256:${"a".repeat(64)}`]), service(arn(1))] }), {
            message:
                `\`containerDefinitions[].image\` must be pinned by digest (\`<registry>/<repository>@sha256:<64 lowercase hex>\`), got \`papyrus-api@sha256:${"a".repeat(64)}\`: ` +
                "it has no registry; use the full repository URL, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app`",
        });
    });

    it("recognises task definition ARNs exactly: any partition, revisions past 9, nothing before or after", () => {
        // kills: the ARN pattern's anchors, its partition suffix negated, and `\d+` cut to one digit
        const cn = "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/papyrus-dev:12";
        const cnTask = { ...taskDefinition(12, [A]), outputs: { arn: cn, containerDefinitions: JSON.stringify([{ name: "app", image: A }]) } };
        assert.strictEqual(recordedImage({ resources: [cnTask, service(cn)] })?.taskDefinitionArn, cn);
        // An output that merely contains an ARN is not one: such a resource is not followed as a service.
        for (const notAnArn of [`${arn(1)}/x`, `family ${arn(1)}`]) {
            assert.strictEqual(recordedImage({ resources: [taskDefinition(1, [A]), service(notAnArn)] }), undefined, notAnArn);
        }
    });

    it("takes a task definition only from a resource that records its containers", () => {
        // A resource recording a task definition's ARN without containerDefinitions (here after the real one) is not it.
        // kills: the `containerDefinitions` type check dropped
        const withoutContainers = {
            urn: "urn:pulumi:dev::papyrus::aws:ecs/taskDefinition:TaskDefinition::half",
            type: "aws:ecs/taskDefinition:TaskDefinition",
            custom: true,
            outputs: { arn: arn(1) },
        };
        assert.strictEqual(recordedImage({ resources: [taskDefinition(1, [A]), withoutContainers, service(arn(1))] })?.image, A);
    });

    it("does not take component outputs or a stack output for the running image", () => {
        const component = {
            urn: "urn:pulumi:dev::papyrus::papyrus:aws:DigestPinnedService::svc",
            type: "papyrus:aws:DigestPinnedService",
            custom: false,
            outputs: { taskDefinition: arn(1) },
        };
        assert.strictEqual(recordedImage({ resources: [taskDefinition(1, [A]), component] }), undefined);
    });

    it("lists pending operations left by an interrupted update", () => {
        const pending = [{ type: "updating", resource: { urn: "urn:pulumi:dev::papyrus::aws:ecs/service:Service::svc" } }];
        assert.deepStrictEqual(pendingOperations({ pending_operations: pending }), pending);
        assert.deepStrictEqual(pendingOperations(undefined), []);
    });
});

describe("checkpointProblem (the state checked before it is read)", () => {
    it("passes what the engine writes, and a stack never updated", () => {
        for (const good of [
            undefined,
            null,
            {},
            { resources: null },
            { resources: [] },
            { resources: [service(arn(1)), taskDefinition(1, [A])], pending_operations: [{ type: "updating", resource: { urn: "urn:x" } }] },
            { resources: [{ urn: "urn:pulumi:dev::papyrus::pulumi:pulumi:Stack::papyrus-dev", type: "pulumi:pulumi:Stack" }], manifest: { anything: 1 } },
        ]) {
            assert.strictEqual(checkpointProblem(good, "deployment."), undefined, JSON.stringify(good));
        }
    });

    it("names the first misshaped part, with its path, for each shape that would crash a reader", () => {
        // Each would have thrown a TypeError in `recordedImage`, `stackOutputsOf` or `pendingOperations`.
        const cases: [unknown, string][] = [
            [[], "holds a list where the checkpoint (an object) goes (`deployment`)"],
            [7, "holds a number (`7`) where the checkpoint (an object) goes (`deployment`)"],
            [{ resources: {} }, "holds an object as `deployment.resources`, which must be a list"],
            [{ resources: "x" }, 'holds a string (`"x"`) as `deployment.resources`, which must be a list'],
            [{ resources: [null] }, "holds `null` as `deployment.resources[0]`, which must be an object"],
            [{ resources: [service(arn(1)), 3] }, "holds a number (`3`) as `deployment.resources[1]`, which must be an object"],
            // What `stack export` prints for `resources: [null]` in the file: a resource with no urn and no type.
            [{ resources: [{ urn: "", custom: false, type: "" }] }, "has `deployment.resources[0]` without a `urn` and a `type`"],
            [{ resources: [{ urn: "urn:a" }] }, "has `deployment.resources[0]` without a `urn` and a `type`"],
            [{ resources: [{ urn: "urn:a", type: "t", outputs: [] }] }, "holds a list as `deployment.resources[0].outputs` (urn:a), which must be an object"],
            [
                { resources: [{ urn: "urn:a", type: "t", outputs: "o" }] },
                'holds a string (`"o"`) as `deployment.resources[0].outputs` (urn:a), which must be an object',
            ],
            [{ pending_operations: {} }, "holds an object as `deployment.pending_operations`, which must be a list"],
            [{ pending_operations: [{ type: "creating" }] }, "has `deployment.pending_operations[0]` without a `type` and a `resource.urn`"],
            [{ pending_operations: [{ resource: { urn: "u" } }] }, "has `deployment.pending_operations[0]` without a `type` and a `resource.urn`"],
            [{ pending_operations: [null] }, "has `deployment.pending_operations[0]` without a `type` and a `resource.urn`"],
        ];
        for (const [checkpoint, expected] of cases) {
            assert.strictEqual(checkpointProblem(checkpoint, "deployment."), expected, JSON.stringify(checkpoint));
        }
        assert.strictEqual(checkpointProblem({ resources: {} }), "holds an object as `resources`, which must be a list", "no path prefix by default");
        assert.strictEqual(checkpointProblem([]), "holds a list where the checkpoint (an object) goes");
    });
});
