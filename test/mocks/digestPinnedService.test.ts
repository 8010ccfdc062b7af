// DigestPinnedService on its own: the size table and the defaults (pure),
// the image check for plain values and Outputs, and, under mocks, the inputs it
// gives its children for each shape of service: HTTP-only and HTTPS (a
// certificate of your own, or one for a domain), autoscaling, secrets, the
// hardened container, ECS Exec, blue/green, and the deployment alarms that make
// ECS roll a failing deployment back. The argument checks, which are pure, are
// in test/unit/digestPinnedServiceProblems.test.ts.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    checkedImage,
    DigestPinnedService,
    DigestPinnedServiceArgs,
    fargateMemoryChoices,
    nodeHealthCheckCommand,
    SERVICE_DEFAULTS,
    withDefaults,
} from "../../components/digestPinnedService";
import { FARGATE_CPUS, fargateSizeProblem } from "../../components/fargateSize";
import { ImageDigestRef } from "../../components/imageReference";
import { Evaluation, RecordedResource, runUnderMocks } from "../../testkit/evaluateUnderMocks";

const REPO_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const IMAGE = `${REPO_URL}@sha256:${"d".repeat(64)}` as ImageDigestRef;
const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const PREFIX = "`image` must be pinned by digest (`<registry>/<repository>@sha256:<64 lowercase hex>`), got ";
const CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
const PARAMETER_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/dev/database-password";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:papyrus/dev/api-AbCdEf";
const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const LB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** The component alone, HTTP-only unless the test says otherwise. */
function build(args: Partial<DigestPinnedServiceArgs>, onResource?: (resource: RecordedResource) => void): Promise<Evaluation> {
    return runUnderMocks({
        stack: "test",
        config: { "aws:region": "eu-west-1" },
        onResource,
        program: () => {
            const service = new DigestPinnedService("svc", {
                image: IMAGE,
                repositoryArn: REPO_ARN,
                ...(args.https === undefined ? { httpOnly: true } : {}),
                ...args,
            });
            return {
                image: service.image,
                clusterName: service.clusterName,
                serviceArn: service.serviceArn,
                loadBalancerUrl: service.loadBalancerUrl,
                testListenerUrl: service.testListenerUrl,
                certificateArn: service.certificateArn,
                hostedZoneId: service.hostedZoneId,
                scalableTargetArn: service.scalableTargetArn,
                loadBalancerRoleArn: service.loadBalancerRoleArn,
                deploymentAlarmNames: pulumi.all(service.deploymentAlarmNames),
                deploymentAlarmArns: pulumi.all(service.deploymentAlarmArns),
            };
        },
    });
}

function named(evaluation: Evaluation, name: string): RecordedResource {
    const found = evaluation.resources.filter((r) => r.name === name);
    assert.strictEqual(found.length, 1, `expected one resource named ${name}, found ${found.length}`);
    return found[0];
}

function ofType(evaluation: Evaluation, type: string): RecordedResource[] {
    return evaluation.resources.filter((r) => r.type === type);
}

function containerOf(evaluation: Evaluation): Record<string, any> {
    const [taskDefinition] = ofType(evaluation, "aws:ecs/taskDefinition:TaskDefinition");
    return (JSON.parse(taskDefinition.inputs.containerDefinitions as string) as Array<Record<string, any>>)[0];
}

function statementsOf(resource: RecordedResource): Array<Record<string, unknown>> {
    return (JSON.parse(resource.inputs.policy as string) as { Statement: Array<Record<string, unknown>> }).Statement;
}

describe("the Fargate size table", () => {
    it("lists the sizes Fargate accepts for a CPU size", () => {
        assert.deepStrictEqual(FARGATE_CPUS, [256, 512, 1024, 2048, 4096, 8192, 16384]);
        assert.deepStrictEqual(fargateMemoryChoices(256), [512, 1024, 2048]);
        assert.deepStrictEqual(fargateMemoryChoices(512), [1024, 2048, 3072, 4096]);
        assert.strictEqual(fargateMemoryChoices(4096).at(-1), 30720);
        assert.deepStrictEqual(fargateMemoryChoices(16384).slice(0, 2), [32768, 40960]);
        assert.deepStrictEqual(fargateMemoryChoices(300), []);
    });

    const cases: Array<[number, number, string | undefined]> = [
        [256, 512, undefined],
        [16384, 122880, undefined],
        [300, 512, "`cpu` must be one of 256, 512, 1024, 2048, 4096, 8192 or 16384 (Fargate sizes), got `300`"],
        [256, 4096, "`memory` 4096 MiB is not a Fargate size for `cpu` 256; use one of 512-2048 MiB (512, 1024, 2048)"],
        [8192, 20000, "`memory` 20000 MiB is not a Fargate size for `cpu` 8192; use one of 16384-61440 MiB (steps of 4096)"],
    ];
    for (const [cpu, memory, problem] of cases) {
        it(`${cpu} CPU with ${memory} MiB: ${problem === undefined ? "a Fargate size" : "refused"}`, () => {
            assert.strictEqual(fargateSizeProblem(cpu, memory), problem);
        });
    }

    it("names the inputs as the caller does", () => {
        assert.strictEqual(
            fargateSizeProblem(1024, 1536, { cpu: "papyrus:cpu", memory: "papyrus:memory" }),
            "`papyrus:memory` 1536 MiB is not a Fargate size for `papyrus:cpu` 1024; use one of 2048-8192 MiB (steps of 1024)",
        );
    });
});

describe("withDefaults", () => {
    it("fills every default from SERVICE_DEFAULTS, in one place", () => {
        const resolved = withDefaults({ image: IMAGE, repositoryArn: REPO_ARN, httpOnly: true }, "svc", "dev");
        assert.deepStrictEqual(resolved, {
            image: IMAGE,
            repositoryArn: REPO_ARN,
            family: "svc-dev",
            cpu: 256,
            memory: 512,
            containerName: "app",
            containerPort: 8080,
            environment: {},
            secrets: {},
            desiredCount: 1,
            listener: { protocol: "HTTP" },
            healthCheck: { path: "/health", intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200-399" },
            containerHealthCheck: {
                intervalSeconds: 15,
                timeoutSeconds: 5,
                retries: 3,
                startPeriodSeconds: 10,
                command: nodeHealthCheckCommand(8080, "/health"),
            },
            readonlyRootFilesystem: true,
            user: "1000:1000",
            stopTimeoutSeconds: 30,
            enableExecuteCommand: false,
            deployment: { strategy: "ROLLING" },
            deploymentAlarms: {
                target5xx: { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 },
                unhealthyHosts: { threshold: 1, periodSeconds: 60, evaluationPeriods: 3 },
            },
            deregistrationDelay: 30,
            healthCheckGracePeriodSeconds: 30,
            logRetentionDays: 30,
            vpc: { numberOfAvailabilityZones: 2, natGateways: "Single" },
            assignPublicIp: false,
            tags: {},
        });
    });

    it("starts a scaled service at its minimum, fills the scaling and TLS defaults, and checks the port and path it was given", () => {
        const resolved = withDefaults(
            {
                image: IMAGE,
                repositoryArn: REPO_ARN,
                containerPort: 3000,
                healthCheck: { path: "/healthz" },
                https: { certificateArn: CERTIFICATE_ARN },
                autoscaling: { minCount: 3, maxCount: 9 },
                deployment: { strategy: "BLUE_GREEN", testListener: { allowedCidrs: ["203.0.113.0/24"] } },
            },
            "svc",
            "prod",
        );
        assert.strictEqual(resolved.desiredCount, 3);
        assert.deepStrictEqual(resolved.autoscaling, {
            minCount: 3,
            maxCount: 9,
            cpuTargetPercent: 60,
            requestsPerTarget: 1000,
            scaleInCooldownSeconds: 300,
            scaleOutCooldownSeconds: 60,
        });
        assert.deepStrictEqual(resolved.listener, { protocol: "HTTPS", certificate: { arn: CERTIFICATE_ARN }, sslPolicy: SERVICE_DEFAULTS.https.sslPolicy });
        assert.deepStrictEqual(resolved.deployment, {
            strategy: "BLUE_GREEN",
            bakeTimeMinutes: 10,
            testListener: { port: 8443, allowedCidrs: ["203.0.113.0/24"] },
        });
        assert.deepStrictEqual(resolved.containerHealthCheck.command, [
            "CMD",
            "node",
            "-e",
            'fetch("http://127.0.0.1:3000/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))',
        ]);
    });

    it("fills each alarm setting that is not given from its own default, alarm by alarm", () => {
        const resolved = withDefaults(
            {
                image: IMAGE,
                repositoryArn: REPO_ARN,
                httpOnly: true,
                deploymentAlarms: { target5xx: { threshold: 25 }, unhealthyHosts: { periodSeconds: 120, evaluationPeriods: undefined } },
            },
            "svc",
            "prod",
        );
        assert.deepStrictEqual(resolved.deploymentAlarms, {
            target5xx: { threshold: 25, periodSeconds: 60, evaluationPeriods: 2 },
            unhealthyHosts: { threshold: 1, periodSeconds: 120, evaluationPeriods: 3 },
        });
    });
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
            build({ image: `${REPO_URL}:v2` as ImageDigestRef }, (resource) => registered.push(resource.type)),
            {
                name: "ImageReferenceError",
                message: `${PREFIX}\`${REPO_URL}:v2\`: it names the tag \`v2\`; resolve the tag to its digest and use \`${REPO_URL}@sha256:<digest>\``,
            },
        );
        // Only the component itself was registered (by `super`), none of its children.
        assert.deepStrictEqual(registered, ["papyrus:aws:DigestPinnedService"]);
    });

    it("refuses conflicting arguments before creating any child, every problem at once", async () => {
        const registered: string[] = [];
        await assert.rejects(
            build(
                {
                    network: { vpcId: "vpc-1", publicSubnetIds: [], privateSubnetIds: [] },
                    vpc: { natGateways: "Single" },
                    https: { certificateArn: CERTIFICATE_ARN, domain: "api.example.com" },
                },
                (resource) => registered.push(resource.type),
            ),
            {
                message:
                    "DigestPinnedService `svc`: Only one of `network` or `vpc` can be provided.; " +
                    "Only one of `https.certificateArn` or `https.domain` can be provided: a certificate you have, or one this stack requests and validates for the domain.; " +
                    "`https.hostedZoneId` is required with `https.domain`: the Route 53 zone the validation and alias records go in",
            },
        );
        assert.deepStrictEqual(registered, ["papyrus:aws:DigestPinnedService"]);
    });

    it("takes an image Output and puts exactly the checked reference in the container definition", async () => {
        const evaluation = await build({ image: pulumi.output(IMAGE) });
        assert.strictEqual(containerOf(evaluation).image, IMAGE);
        assert.strictEqual(evaluation.outputs.image, IMAGE);
    });

    it("without a tag, sets neither the ImageTag tag nor the label; passes plain environment variables, and no secrets", async () => {
        const evaluation = await build({ environment: { LOG_LEVEL: "info" }, tags: { Team: "papyrus" } });
        const container = containerOf(evaluation);
        assert.strictEqual(container.dockerLabels, undefined);
        assert.deepStrictEqual(container.environment, [{ name: "LOG_LEVEL", value: "info" }]);
        assert.strictEqual(container.secrets, undefined);
        const [taskDefinition] = ofType(evaluation, "aws:ecs/taskDefinition:TaskDefinition");
        assert.deepStrictEqual(taskDefinition.inputs.tags, { Team: "papyrus" });
        assert.strictEqual(taskDefinition.inputs.family, "svc-test");
        assert.deepStrictEqual(
            statementsOf(named(evaluation, "svc-execution-policy")).map((s) => s.Sid),
            ["EcrLogin", "PullFromRepository", "WriteLogs"],
        );
    });

    it("hardens the container: health check that fits examples/app, read-only root, non-root user, stop timeout, no capabilities, ECS Exec off", async () => {
        const evaluation = await build({});
        const container = containerOf(evaluation);
        assert.deepStrictEqual(container.healthCheck, {
            command: ["CMD", "node", "-e", 'fetch("http://127.0.0.1:8080/health").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))'],
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: 10,
        });
        assert.strictEqual(container.readonlyRootFilesystem, true);
        assert.strictEqual(container.user, "1000:1000");
        assert.strictEqual(container.stopTimeout, 30);
        assert.deepStrictEqual(container.linuxParameters, { initProcessEnabled: true, capabilities: { drop: ["ALL"] } });
        assert.strictEqual(named(evaluation, "svc-service").inputs.enableExecuteCommand, false);
        // The task role has no policy of its own.
        assert.deepStrictEqual(
            ofType(evaluation, "aws:iam/rolePolicy:RolePolicy").map((r) => r.name),
            ["svc-execution-policy"],
        );
    });

    it("takes the container health check, user and stop timeout it is given", async () => {
        const command = ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/healthz || exit 1"];
        const container = containerOf(
            await build({
                containerHealthCheck: { command, intervalSeconds: 30, timeoutSeconds: 3, retries: 5, startPeriodSeconds: 60 },
                user: "65532:65532",
                stopTimeoutSeconds: 90,
                readonlyRootFilesystem: false,
            }),
        );
        assert.deepStrictEqual(container.healthCheck, { command, interval: 30, timeout: 3, retries: 5, startPeriod: 60 });
        assert.strictEqual(container.user, "65532:65532");
        assert.strictEqual(container.stopTimeout, 90);
        assert.strictEqual(container.readonlyRootFilesystem, false);
    });

    it("turns ECS Exec on only when asked, with the task role's channels", async () => {
        const evaluation = await build({ enableExecuteCommand: true, readonlyRootFilesystem: false });
        assert.strictEqual(named(evaluation, "svc-service").inputs.enableExecuteCommand, true);
        assert.deepStrictEqual(statementsOf(named(evaluation, "svc-task-policy")), [
            {
                Sid: "EcsExecChannels",
                Effect: "Allow",
                Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
                Resource: "*",
            },
        ]);
        assert.strictEqual(named(evaluation, "svc-task-policy").inputs.role, "svc-task-role-id");
    });

    it("passes secrets by reference and lets the execution role read exactly them, and decrypt only through their services", async () => {
        const evaluation = await build({
            secrets: { DATABASE_PASSWORD: PARAMETER_ARN, API_TOKEN: `${SECRET_ARN}:token::`, API_USER: `${SECRET_ARN}:user::` },
            secretsKmsKeyArn: KMS_KEY_ARN,
        });
        assert.deepStrictEqual(containerOf(evaluation).secrets, [
            { name: "DATABASE_PASSWORD", valueFrom: PARAMETER_ARN },
            { name: "API_TOKEN", valueFrom: `${SECRET_ARN}:token::` },
            { name: "API_USER", valueFrom: `${SECRET_ARN}:user::` },
        ]);
        assert.deepStrictEqual(statementsOf(named(evaluation, "svc-execution-policy")).slice(3), [
            { Sid: "ReadSecretParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: [PARAMETER_ARN] },
            // The secret's own ARN, once, without the JSON key: IAM grants on the secret.
            { Sid: "ReadSecretsManagerSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [SECRET_ARN] },
            {
                Sid: "DecryptSecrets",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: KMS_KEY_ARN,
                Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"] } },
            },
        ]);
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
        const [targetGroup] = ofType(evaluation, "aws:lb/targetGroup:TargetGroup");
        assert.strictEqual(targetGroup.inputs.deregistrationDelay, 5);
        assert.deepStrictEqual(targetGroup.inputs.healthCheck, {
            enabled: true,
            protocol: "HTTP",
            path: "/ready",
            interval: 10,
            timeout: 3,
            healthyThreshold: 3,
            unhealthyThreshold: 2,
            matcher: "200",
        });
        // The container's own check asks the same path.
        assert.match(containerOf(evaluation).healthCheck.command[3], /http:\/\/127\.0\.0\.1:8080\/ready/);
    });

    it("HTTP-only: one listener on 80 forwarding to the tasks, and only the load balancer reaches them, on the container port", async () => {
        const evaluation = await build({ containerPort: 3000 });
        assert.deepStrictEqual(
            ofType(evaluation, "aws:lb/listener:Listener").map((l) => [l.name, l.inputs.port, l.inputs.protocol, l.inputs.defaultActions]),
            [["svc-http", 80, "HTTP", [{ type: "forward", targetGroupArn: `${LB}:targetgroup/svc-tg/0123456789abcdef` }]]],
        );
        assert.strictEqual(evaluation.outputs.loadBalancerUrl, "http://svc-lb-1234567890.eu-west-1.elb.amazonaws.com");
        const rule = (name: string) => named(evaluation, name).inputs;
        assert.deepStrictEqual(rule("svc-tasks-from-lb"), {
            securityGroupId: "svc-task-sg-id",
            ipProtocol: "tcp",
            fromPort: 3000,
            toPort: 3000,
            referencedSecurityGroupId: "svc-lb-sg-id",
        });
        assert.deepStrictEqual(rule("svc-lb-to-tasks"), {
            securityGroupId: "svc-lb-sg-id",
            ipProtocol: "tcp",
            fromPort: 3000,
            toPort: 3000,
            referencedSecurityGroupId: "svc-task-sg-id",
        });
        assert.deepStrictEqual(rule("svc-lb-http-in"), {
            securityGroupId: "svc-lb-sg-id",
            ipProtocol: "tcp",
            fromPort: 80,
            toPort: 80,
            cidrIpv4: "0.0.0.0/0",
        });
        const ingress = ofType(evaluation, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.strictEqual(ingress.length, 2, "HTTP into the load balancer, the container port into the tasks; nothing else");
        assert.strictEqual(named(evaluation, "svc-lb").inputs.dropInvalidHeaderFields, true);
        assert.deepStrictEqual(ofType(evaluation, "aws:acm/certificate:Certificate"), []);
    });

    it("HTTPS with a certificate of your own: 443 with the current TLS policy, 80 redirecting to it", async () => {
        const evaluation = await build({ https: { certificateArn: CERTIFICATE_ARN } });
        const https = named(evaluation, "svc-https").inputs;
        assert.deepStrictEqual(
            {
                port: https.port,
                protocol: https.protocol,
                sslPolicy: https.sslPolicy,
                certificateArn: https.certificateArn,
                defaultActions: https.defaultActions,
            },
            {
                port: 443,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                certificateArn: CERTIFICATE_ARN,
                defaultActions: [{ type: "forward", targetGroupArn: `${LB}:targetgroup/svc-tg/0123456789abcdef` }],
            },
        );
        assert.deepStrictEqual(named(evaluation, "svc-http").inputs.defaultActions, [
            { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
        ]);
        assert.deepStrictEqual(named(evaluation, "svc-lb-https-in").inputs, {
            securityGroupId: "svc-lb-sg-id",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrIpv4: "0.0.0.0/0",
        });
        assert.strictEqual(evaluation.outputs.loadBalancerUrl, "https://svc-lb-1234567890.eu-west-1.elb.amazonaws.com");
        // A certificate the stack was given is not the stack's: nothing to create, nothing for a refresh to read.
        assert.deepStrictEqual(ofType(evaluation, "aws:acm/certificate:Certificate"), []);
        assert.strictEqual(evaluation.outputs.certificateArn, undefined);
    });

    it("HTTPS for a domain: a DNS-validated certificate, the listener on the validated ARN, an alias record to the load balancer", async () => {
        const evaluation = await build({ https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } });
        assert.deepStrictEqual(named(evaluation, "svc-certificate").inputs, { domainName: "api.example.com", validationMethod: "DNS", tags: {} });
        assert.deepStrictEqual(named(evaluation, "svc-certificate-validation-record").inputs, {
            zoneId: "Z0123456789ABCDEFGHIJ",
            name: "_3f1c.api.example.com.",
            type: "CNAME",
            records: ["_9a7e.acm-validations.aws."],
            ttl: 60,
            allowOverwrite: true,
        });
        const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
        assert.deepStrictEqual(named(evaluation, "svc-certificate-validation").inputs, {
            certificateArn,
            validationRecordFqdns: ["_3f1c.api.example.com"],
        });
        assert.strictEqual(named(evaluation, "svc-https").inputs.certificateArn, certificateArn);
        assert.deepStrictEqual(named(evaluation, "svc-alias").inputs, {
            zoneId: "Z0123456789ABCDEFGHIJ",
            name: "api.example.com",
            type: "A",
            aliases: [{ name: "svc-lb-1234567890.eu-west-1.elb.amazonaws.com", zoneId: "Z32O12XQLNTSW2", evaluateTargetHealth: true }],
        });
        assert.strictEqual(evaluation.outputs.loadBalancerUrl, "https://api.example.com");
        assert.strictEqual(evaluation.outputs.certificateArn, certificateArn);
        assert.strictEqual(evaluation.outputs.hostedZoneId, "Z0123456789ABCDEFGHIJ");
        assert.strictEqual(evaluation.outputs.testListenerUrl, undefined);
    });

    it("a canary for a domain with a test listener: its URL is the domain's on the test port (8443 with HTTPS), which the certificate matches", async () => {
        const evaluation = await build({
            https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
            deployment: { strategy: "CANARY", testListener: { allowedCidrs: ["203.0.113.0/24"] } },
        });
        assert.strictEqual(named(evaluation, "svc-test").inputs.port, 8443);
        assert.strictEqual(evaluation.outputs.testListenerUrl, "https://api.example.com:8443");
    });

    it("autoscales on CPU and on requests per task between min and max, and leaves desiredCount to the scaler", async () => {
        const evaluation = await build({
            autoscaling: { minCount: 2, maxCount: 8, cpuTargetPercent: 50, requestsPerTarget: 600, scaleInCooldownSeconds: 120 },
        });
        const service = named(evaluation, "svc-service");
        assert.strictEqual(service.inputs.desiredCount, 2);
        assert.deepStrictEqual(service.ignoreChanges, ["desiredCount"]);
        assert.deepStrictEqual(named(evaluation, "svc-scaling-target").inputs, {
            serviceNamespace: "ecs",
            scalableDimension: "ecs:service:DesiredCount",
            resourceId: "service/svc-cluster/svc-service",
            minCapacity: 2,
            maxCapacity: 8,
            tags: {},
        });
        const policy = (name: string, metric: Record<string, unknown>, targetValue: number) => ({
            policyType: "TargetTrackingScaling",
            serviceNamespace: "ecs",
            scalableDimension: "ecs:service:DesiredCount",
            resourceId: "service/svc-cluster/svc-service",
            targetTrackingScalingPolicyConfiguration: { targetValue, predefinedMetricSpecification: metric, scaleInCooldown: 120, scaleOutCooldown: 60 },
        });
        assert.deepStrictEqual(named(evaluation, "svc-scale-on-cpu").inputs, policy("cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, 50));
        assert.deepStrictEqual(
            named(evaluation, "svc-scale-on-requests").inputs,
            policy(
                "requests",
                {
                    predefinedMetricType: "ALBRequestCountPerTarget",
                    resourceLabel: "app/svc-lb/0123456789abcdef/targetgroup/svc-tg/0123456789abcdef",
                },
                600,
            ),
        );
        assert.strictEqual(
            evaluation.outputs.scalableTargetArn,
            "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0ec5a1b2c3d4e5f60718293a4b5c6d7e",
        );
    });

    it("without autoscaling, Pulumi owns the task count; with requestsPerTarget false, scales on CPU only", async () => {
        const fixed = await build({ desiredCount: 2 });
        assert.strictEqual(named(fixed, "svc-service").inputs.desiredCount, 2);
        assert.strictEqual(named(fixed, "svc-service").ignoreChanges, undefined);
        assert.deepStrictEqual(ofType(fixed, "aws:appautoscaling/target:Target"), []);
        const cpuOnly = await build({ autoscaling: { minCount: 1, maxCount: 3, requestsPerTarget: false } });
        assert.deepStrictEqual(
            ofType(cpuOnly, "aws:appautoscaling/policy:Policy").map((p) => p.name),
            ["svc-scale-on-cpu"],
        );
    });

    it("rolling by default: ECS controller, circuit breaker with rollback, steady-state wait", async () => {
        const service = named(await build({}), "svc-service").inputs;
        assert.deepStrictEqual(service.deploymentConfiguration, { strategy: "ROLLING" });
        assert.deepStrictEqual(service.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.deepStrictEqual(service.deploymentController, { type: "ECS" });
        assert.strictEqual(service.waitForSteadyState, true);
        assert.strictEqual((service.loadBalancers as Array<Record<string, unknown>>)[0].advancedConfiguration, undefined);
    });

    it("rolling: a 5xx alarm and an unhealthy-host alarm on the target group, wired into the deployment alarms with rollback", async () => {
        const evaluation = await build({ deploymentAlarms: { target5xx: { threshold: 12, periodSeconds: 120 }, unhealthyHosts: { evaluationPeriods: 4 } } });
        const dimensions = { LoadBalancer: "app/svc-lb/0123456789abcdef", TargetGroup: "targetgroup/svc-tg/0123456789abcdef" };
        assert.deepStrictEqual(
            ofType(evaluation, "aws:cloudwatch/metricAlarm:MetricAlarm").map((alarm) => [alarm.name, alarm.parent]),
            [
                ["svc-target-5xx", "papyrus:aws:DigestPinnedService::svc"],
                ["svc-unhealthy-hosts", "papyrus:aws:DigestPinnedService::svc"],
            ],
        );
        assert.deepStrictEqual(named(evaluation, "svc-target-5xx").inputs, {
            alarmDescription:
                "The service's tasks answer with 5xx errors: ECS rolls a deployment back when this fires (HTTPCode_Target_5XX_Count, Sum per 120 s >= 12 for 2 periods)",
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: 12,
            evaluationPeriods: 2,
            datapointsToAlarm: 2,
            treatMissingData: "notBreaching",
            tags: {},
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_Target_5XX_Count",
            statistic: "Sum",
            period: 120,
            dimensions,
        });
        const unhealthy = named(evaluation, "svc-unhealthy-hosts").inputs;
        assert.deepStrictEqual(
            [
                unhealthy.metricName,
                unhealthy.statistic,
                unhealthy.threshold,
                unhealthy.period,
                unhealthy.evaluationPeriods,
                unhealthy.datapointsToAlarm,
                unhealthy.dimensions,
            ],
            ["UnHealthyHostCount", "Maximum", 1, 60, 4, 4, dimensions],
        );
        const service = named(evaluation, "svc-service").inputs;
        assert.deepStrictEqual(service.alarms, { enable: true, rollback: true, alarmNames: ["svc-target-5xx", "svc-unhealthy-hosts"] });
        assert.deepStrictEqual(service.deploymentCircuitBreaker, { enable: true, rollback: true }, "the circuit breaker stays");
        assert.deepStrictEqual(evaluation.outputs.deploymentAlarmNames, ["svc-target-5xx", "svc-unhealthy-hosts"]);
        assert.deepStrictEqual(evaluation.outputs.deploymentAlarmArns, [
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-target-5xx",
            "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:svc-unhealthy-hosts",
        ]);
    });

    it("blue/green: two target groups, weighted rules ECS moves (production and test), its role, bake time; Pulumi leaves the swaps alone", async () => {
        const evaluation = await build({
            https: { certificateArn: CERTIFICATE_ARN },
            autoscaling: { minCount: 2, maxCount: 4, requestsPerTarget: false },
            deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 15, testListener: { allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"] } },
        });
        const blue = `${LB}:targetgroup/svc-tg/0123456789abcdef`;
        const green = `${LB}:targetgroup/svc-tg-green/0123456789abcdef`;
        assert.deepStrictEqual(
            ofType(evaluation, "aws:lb/targetGroup:TargetGroup").map((t) => t.name),
            ["svc-tg", "svc-tg-green"],
        );
        const notFound = [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "not found\n", statusCode: "404" } }];
        assert.deepStrictEqual(named(evaluation, "svc-https").inputs.defaultActions, notFound);
        const test = named(evaluation, "svc-test").inputs;
        assert.deepStrictEqual(
            [test.port, test.protocol, test.certificateArn, test.sslPolicy, test.defaultActions],
            [8443, "HTTPS", CERTIFICATE_ARN, "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", notFound],
        );
        const weighted = [
            {
                type: "forward",
                forward: {
                    targetGroups: [
                        { arn: blue, weight: 100 },
                        { arn: green, weight: 0 },
                    ],
                },
            },
        ];
        for (const [rule, listener] of [
            ["svc-production-rule", "svc-https"],
            ["svc-test-rule", "svc-test"],
        ]) {
            const recorded = named(evaluation, rule);
            assert.deepStrictEqual(recorded.inputs, {
                listenerArn: `${LB}:listener/app/lb/0123456789abcdef/${listener}`,
                priority: 1,
                conditions: [{ pathPattern: { values: ["/*"] } }],
                actions: weighted,
                tags: {},
            });
            assert.deepStrictEqual(recorded.ignoreChanges, ["actions"], `${rule}: ECS moves the weights`);
        }
        assert.deepStrictEqual(
            ofType(evaluation, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.name.startsWith("svc-lb-test-in"))
                .map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]),
            [
                [8443, "203.0.113.0/24"],
                [8443, "198.51.100.7/32"],
            ],
        );

        const role = named(evaluation, "svc-lb-role");
        assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy as string), {
            Version: "2012-10-17",
            Statement: [{ Sid: "EcsShiftsTraffic", Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        assert.deepStrictEqual(named(evaluation, "svc-lb-role-policy").inputs, {
            role: "svc-lb-role",
            policyArn: "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        });

        const service = named(evaluation, "svc-service");
        assert.deepStrictEqual(service.inputs.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "15" });
        assert.strictEqual(service.inputs.deploymentCircuitBreaker, undefined, "the circuit breaker is for rolling deployments only");
        assert.deepStrictEqual(service.inputs.loadBalancers, [
            {
                targetGroupArn: blue,
                containerName: "app",
                containerPort: 8080,
                advancedConfiguration: {
                    alternateTargetGroupArn: green,
                    productionListenerRule: `${LB}:listener-rule/app/lb/0123456789abcdef/svc-production-rule`,
                    testListenerRule: `${LB}:listener-rule/app/lb/0123456789abcdef/svc-test-rule`,
                    roleArn: "arn:aws:iam::123456789012:role/svc-lb-role",
                },
            },
        ]);
        assert.deepStrictEqual(service.ignoreChanges, ["desiredCount", "loadBalancers"]);
        assert.strictEqual(evaluation.outputs.loadBalancerRoleArn, "arn:aws:iam::123456789012:role/svc-lb-role");
        // Without the circuit breaker, the alarms are what fails a blue/green deployment that serves errors.
        assert.deepStrictEqual(service.inputs.alarms, { enable: true, rollback: true, alarmNames: ["svc-target-5xx", "svc-unhealthy-hosts"] });
    });

    it("blue/green: each alarm sums its metric over both target groups, since ECS swaps which one serves production", async () => {
        const evaluation = await build({ deployment: { strategy: "BLUE_GREEN" }, deploymentAlarms: { target5xx: { threshold: 3 } } });
        const query = (id: string, group: string, metricName: string, stat: string) => ({
            id,
            returnData: false,
            metric: {
                namespace: "AWS/ApplicationELB",
                metricName,
                stat,
                period: 60,
                dimensions: { LoadBalancer: "app/svc-lb/0123456789abcdef", TargetGroup: `targetgroup/${group}/0123456789abcdef` },
            },
        });
        const target5xx = named(evaluation, "svc-target-5xx").inputs;
        assert.deepStrictEqual(target5xx.metricQueries, [
            query("m1", "svc-tg", "HTTPCode_Target_5XX_Count", "Sum"),
            query("m2", "svc-tg-green", "HTTPCode_Target_5XX_Count", "Sum"),
            { id: "total", expression: "FILL(m1, 0) + FILL(m2, 0)", label: "HTTPCode_Target_5XX_Count, both target groups", returnData: true },
        ]);
        assert.deepStrictEqual([target5xx.threshold, target5xx.evaluationPeriods, target5xx.metricName, target5xx.dimensions], [3, 2, undefined, undefined]);
        assert.deepStrictEqual(named(evaluation, "svc-unhealthy-hosts").inputs.metricQueries, [
            query("m1", "svc-tg", "UnHealthyHostCount", "Maximum"),
            query("m2", "svc-tg-green", "UnHealthyHostCount", "Maximum"),
            { id: "total", expression: "FILL(m1, 0) + FILL(m2, 0)", label: "UnHealthyHostCount, both target groups", returnData: true },
        ]);
    });

    it("blue/green without test traffic: the production rule only, no test listener", async () => {
        const evaluation = await build({ deployment: { strategy: "BLUE_GREEN" } });
        assert.deepStrictEqual(
            ofType(evaluation, "aws:lb/listenerRule:ListenerRule").map((r) => r.name),
            ["svc-production-rule"],
        );
        assert.deepStrictEqual(
            ofType(evaluation, "aws:lb/listener:Listener").map((r) => r.name),
            ["svc-http"],
        );
        const advanced = (named(evaluation, "svc-service").inputs.loadBalancers as Array<Record<string, any>>)[0].advancedConfiguration;
        assert.strictEqual(advanced.testListenerRule, undefined);
        assert.deepStrictEqual(named(evaluation, "svc-service").inputs.deploymentConfiguration, { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" });
    });
});
