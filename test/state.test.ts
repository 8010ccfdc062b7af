// Reading what the engine recorded: the image the state's ECS service runs. Pure: checkpoints
// shaped as pulumi-aws records them (and as the test stand-in records them).
import * as assert from "assert";
import { Checkpoint, pendingOperations, recordedImage } from "../automation/state";

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
