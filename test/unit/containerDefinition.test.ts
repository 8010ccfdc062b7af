// The service's container definition (components/containerDefinition.ts),
// without mocks: the values known only later are placed as given, plain
// settings and secrets by reference, the hardened runtime, and the log driver.
import * as assert from "assert";
import { ContainerSettings, containerDefinition, IMAGE_TAG_LABEL } from "../../components/containerDefinition";

const SETTINGS: ContainerSettings = {
    containerName: "app",
    containerPort: 8080,
    environment: { LOG_LEVEL: "info", MODE: "api" },
    secrets: {},
    containerHealthCheck: { command: ["CMD", "true"], intervalSeconds: 15, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 10 },
    readonlyRootFilesystem: true,
    user: "1000:1000",
    stopTimeoutSeconds: 30,
};
const REFS = { image: "r/x@sha256:abc", logGroupName: "svc-logs", region: "eu-west-1" };

describe("containerDefinition", () => {
    it("runs the image it is given, hardened, logging to the log group in its region", () => {
        assert.deepStrictEqual(containerDefinition(SETTINGS, REFS), {
            name: "app",
            image: "r/x@sha256:abc",
            essential: true,
            portMappings: [{ containerPort: 8080, protocol: "tcp" }],
            environment: [
                { name: "LOG_LEVEL", value: "info" },
                { name: "MODE", value: "api" },
            ],
            secrets: undefined,
            dockerLabels: undefined,
            healthCheck: { command: ["CMD", "true"], interval: 15, timeout: 5, retries: 3, startPeriod: 10 },
            readonlyRootFilesystem: true,
            user: "1000:1000",
            stopTimeout: 30,
            linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
            logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": "svc-logs", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app" },
            },
        });
    });

    it("passes secrets by reference, and the tag as a label only", () => {
        const secret = "arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/dev/database-password";
        const container = containerDefinition({ ...SETTINGS, secrets: { DATABASE_PASSWORD: secret } }, { ...REFS, imageTag: "v1.2.3" });
        assert.deepStrictEqual(container.secrets, [{ name: "DATABASE_PASSWORD", valueFrom: secret }]);
        assert.deepStrictEqual(container.dockerLabels, { [IMAGE_TAG_LABEL]: "v1.2.3" });
        assert.strictEqual(IMAGE_TAG_LABEL, "org.opencontainers.image.version");
        assert.strictEqual(container.image, "r/x@sha256:abc");
    });

    it("keeps the given order and field names ECS reads (the task definition's JSON is compared byte for byte)", () => {
        assert.deepStrictEqual(Object.keys(containerDefinition(SETTINGS, REFS)), [
            "name",
            "image",
            "essential",
            "portMappings",
            "environment",
            "secrets",
            "dockerLabels",
            "healthCheck",
            "readonlyRootFilesystem",
            "user",
            "stopTimeout",
            "linuxParameters",
            "logConfiguration",
        ]);
    });
});
