// DigestPinnedService on its own: argument checks (pure), the image check for
// plain values and Outputs, and the shapes index.ts does not exercise.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    checkedImage,
    DigestPinnedService,
    DigestPinnedServiceArgs,
    digestPinnedServiceProblems,
    fargateMemoryChoices,
} from "../components/digestPinnedService";
import { ImageDigestRef } from "../components/imageReference";
import { Evaluation, runUnderMocks } from "../scripts/evaluateUnderMocks";

const REPO_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const IMAGE = `${REPO_URL}@sha256:${"d".repeat(64)}` as ImageDigestRef;
const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const PREFIX = "`image` must be pinned by digest (`<registry>/<repository>@sha256:<64 lowercase hex>`), got ";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

function build(args: Partial<DigestPinnedServiceArgs>): Promise<Evaluation> {
    return runUnderMocks({
        stack: "test",
        config: { "aws:region": "eu-west-1" },
        program: () => {
            const service = new DigestPinnedService("svc", { image: IMAGE, repositoryArn: REPO_ARN, ...args });
            return { image: service.image, clusterName: service.clusterName, serviceArn: service.serviceArn };
        },
    });
}

function containerOf(evaluation: Evaluation): Record<string, any> {
    const taskDefinition = evaluation.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!;
    return (JSON.parse(taskDefinition.inputs.containerDefinitions as string) as Array<Record<string, any>>)[0];
}

describe("fargateMemoryChoices", () => {
    it("lists the sizes Fargate accepts for a CPU size", () => {
        assert.deepStrictEqual(fargateMemoryChoices(256), [512, 1024, 2048]);
        assert.deepStrictEqual(fargateMemoryChoices(512), [1024, 2048, 3072, 4096]);
        assert.strictEqual(fargateMemoryChoices(4096).at(-1), 30720);
        assert.deepStrictEqual(fargateMemoryChoices(300), []);
    });
});

describe("digestPinnedServiceProblems", () => {
    const base: DigestPinnedServiceArgs = { image: IMAGE, repositoryArn: REPO_ARN };
    const cases: Array<[string, Partial<DigestPinnedServiceArgs>, string[]]> = [
        ["defaults", {}, []],
        ["prod's size", { cpu: 1024, memory: 2048 }, []],
        [
            "both `network` and `vpc`",
            { network: { vpcId: "vpc-1", publicSubnetIds: [], privateSubnetIds: [] }, vpc: {} },
            ["Only one of `network` or `vpc` can be provided."],
        ],
        [
            "a CPU size Fargate does not have",
            { cpu: 300 as 256 },
            ["`cpu` must be one of 256, 512, 1024, 2048, 4096, 8192 or 16384 (Fargate sizes), got `300`"],
        ],
        [
            "memory that does not fit the CPU",
            { cpu: 256, memory: 4096 },
            ["`memory` 4096 MiB is not a Fargate size for `cpu` 256; use one of 512-2048 MiB (512, 1024, 2048)"],
        ],
        [
            "memory between steps",
            { cpu: 1024, memory: 2500 },
            ["`memory` 2500 MiB is not a Fargate size for `cpu` 1024; use one of 2048-8192 MiB (steps of 1024)"],
        ],
        [
            "a health check timeout not shorter than the interval",
            { healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } },
            ["`healthCheck.timeoutSeconds` (10) must be less than `healthCheck.intervalSeconds` (10)"],
        ],
        [
            "a relative health check path",
            { healthCheck: { path: "health" } },
            ["`healthCheck.path` must start with `/`, got `health`"],
        ],
        [
            "a deregistration delay over an hour",
            { deregistrationDelay: 3601 },
            ["`deregistrationDelay` must be a whole number from 0 to 3600, got `3601`"],
        ],
        ["port 0", { containerPort: 0 }, ["`containerPort` must be a whole number from 1 to 65535, got `0`"]],
        [
            "a NAT strategy awsx does not have",
            { vpc: { natGateways: "Two" as "Single" } },
            ["`vpc.natGateways` must be `Single` or `OnePerAz`, got `Two`"],
        ],
        [
            "a retention CloudWatch does not offer",
            { logRetentionDays: 10 },
            ["`logRetentionDays` must be one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got `10`"],
        ],
    ];
    for (const [title, args, problems] of cases) {
        it(title, () => assert.deepStrictEqual(digestPinnedServiceProblems({ ...base, ...args }), problems));
    }
});

describe("checkedImage", () => {
    it("refuses a plain tag at once, with the validator's message", () => {
        assert.throws(() => checkedImage(`${REPO_URL}:v1` as ImageDigestRef), {
            name: "ImageReferenceError",
            message: `${PREFIX}\`${REPO_URL}:v1\`: it names the tag \`v1\`; resolve the tag to its digest and use \`${REPO_URL}@sha256:<digest>\``,
        });
    });

    it("passes a plain digest reference on unchanged", async () => {
        assert.strictEqual(await valueOf(checkedImage(IMAGE, REPO_URL)), IMAGE);
    });

    it("checks an Output inside apply, and the checked value flows on", async () => {
        assert.strictEqual(await valueOf(checkedImage(pulumi.output(IMAGE))), IMAGE);
        await assert.rejects(valueOf(checkedImage(pulumi.output(`${REPO_URL}:latest` as ImageDigestRef))), {
            message: `${PREFIX}\`${REPO_URL}:latest\`: \`latest\` is a moving tag and is never deployed; deploy a release tag by its digest`,
        });
    });

    it("checks the approved repository when it is only known later", async () => {
        const other = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/other@sha256:${"d".repeat(64)}` as ImageDigestRef;
        await assert.rejects(valueOf(checkedImage(other, pulumi.output(REPO_URL))), {
            message: `${PREFIX}\`${other}\`: it points into \`123456789012.dkr.ecr.eu-west-1.amazonaws.com/other\`, not the approved repository \`${REPO_URL}\``,
        });
    });
});

describe("DigestPinnedService under mocks", () => {
    it("fails at construction on a tag, before creating any child", async () => {
        const registered: string[] = [];
        await assert.rejects(
            runUnderMocks({
                stack: "test",
                config: { "aws:region": "eu-west-1" },
                onResource: (resource) => registered.push(resource.type),
                program: () => {
                    new DigestPinnedService("svc", { image: `${REPO_URL}:v2` as ImageDigestRef, repositoryArn: REPO_ARN });
                    return {};
                },
            }),
            { name: "ImageReferenceError", message: `${PREFIX}\`${REPO_URL}:v2\`: it names the tag \`v2\`; resolve the tag to its digest and use \`${REPO_URL}@sha256:<digest>\`` },
        );
        // Only the component itself was registered (by `super`), none of its children.
        assert.deepStrictEqual(registered, ["papyrus:aws:DigestPinnedService"]);
    });

    it("takes an image Output and puts exactly the checked reference in the container definition", async () => {
        const evaluation = await build({ image: pulumi.output(IMAGE) });
        assert.strictEqual(containerOf(evaluation).image, IMAGE);
        assert.strictEqual(evaluation.outputs.image, IMAGE);
    });

    it("without a tag, sets neither the ImageTag tag nor the label; passes plain environment variables", async () => {
        const evaluation = await build({ environment: { LOG_LEVEL: "info" }, tags: { Team: "papyrus" } });
        const container = containerOf(evaluation);
        assert.strictEqual(container.dockerLabels, undefined);
        assert.deepStrictEqual(container.environment, [{ name: "LOG_LEVEL", value: "info" }]);
        const taskDefinition = evaluation.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!;
        assert.deepStrictEqual(taskDefinition.inputs.tags, { Team: "papyrus" });
        assert.strictEqual(taskDefinition.inputs.family, "svc-test");
    });

    it("reuses an existing cluster and network, and honours the rollout settings", async () => {
        const evaluation = await build({
            clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/platform",
            network: { vpcId: "vpc-9", publicSubnetIds: ["subnet-p1", "subnet-p2"], privateSubnetIds: ["subnet-q1", "subnet-q2"] },
            deregistrationDelay: 5,
            healthCheck: { path: "/ready", intervalSeconds: 10, timeoutSeconds: 3, healthyThreshold: 3, unhealthyThreshold: 2, matcher: "200" },
        });
        const types = evaluation.resources.map((r) => r.type);
        assert.ok(!types.includes("awsx:ec2:Vpc"));
        assert.ok(!types.includes("aws:ecs/cluster:Cluster"));
        assert.strictEqual(evaluation.outputs.clusterName, "platform");
        assert.strictEqual(evaluation.outputs.serviceArn, "arn:aws:ecs:eu-west-1:123456789012:service/platform/svc-service");
        const targetGroup = evaluation.resources.find((r) => r.type === "aws:lb/targetGroup:TargetGroup")!;
        assert.strictEqual(targetGroup.inputs.deregistrationDelay, 5);
        assert.deepStrictEqual(targetGroup.inputs.healthCheck, {
            enabled: true, protocol: "HTTP", path: "/ready", interval: 10, timeout: 3, healthyThreshold: 3, unhealthyThreshold: 2, matcher: "200",
        });
    });

    it("lets only the load balancer reach the tasks, on the container port", async () => {
        const evaluation = await build({ containerPort: 3000 });
        const rule = (name: string) => evaluation.resources.find((r) => r.name === name)!.inputs;
        assert.deepStrictEqual(rule("svc-tasks-from-lb"), {
            securityGroupId: "svc-task-sg-id", ipProtocol: "tcp", fromPort: 3000, toPort: 3000, referencedSecurityGroupId: "svc-lb-sg-id",
        });
        assert.deepStrictEqual(rule("svc-lb-to-tasks"), {
            securityGroupId: "svc-lb-sg-id", ipProtocol: "tcp", fromPort: 3000, toPort: 3000, referencedSecurityGroupId: "svc-task-sg-id",
        });
        assert.deepStrictEqual(rule("svc-lb-http-in"), {
            securityGroupId: "svc-lb-sg-id", ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0",
        });
        const ingress = evaluation.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.strictEqual(ingress.length, 2, "HTTP into the load balancer, the container port into the tasks; nothing else");
    });

    it("refuses conflicting arguments right away, naming them", async () => {
        await assert.rejects(
            build({ network: { vpcId: "vpc-1", publicSubnetIds: [], privateSubnetIds: [] }, vpc: { natGateways: "Single" } }),
            { message: "DigestPinnedService `svc`: Only one of `network` or `vpc` can be provided." },
        );
    });
});
