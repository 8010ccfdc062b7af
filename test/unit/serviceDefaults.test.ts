// How SERVICE_DEFAULTS is applied (components/serviceDefaults.ts), without
// mocks: literal defaults section by section, optional sections only when
// given, computed defaults from the filled arguments, and the resolved
// listener and deployment. The full resolved object for the bare minimum is in
// test/digestPinnedService.test.ts (withDefaults).
import * as assert from "assert";
import { DigestPinnedServiceArgs } from "../../components/digestPinnedServiceArgs";
import { ImageDigestRef } from "../../components/imageReference";
import {
    applyDefaults,
    definedOnly,
    isWhenGiven,
    nodeHealthCheckCommand,
    ResolvedServiceArgs,
    SERVICE_DEFAULTS,
    whenGiven,
    withDefaults,
} from "../../components/serviceDefaults";

const IMAGE = `r/x@sha256:${"0".repeat(64)}` as ImageDigestRef;
const BASE: DigestPinnedServiceArgs = { image: IMAGE, repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/x", httpOnly: true };
const AT = { name: "svc", stack: "dev" };

interface Shape {
    readonly size?: number;
    readonly label?: string;
    readonly list?: string[];
    readonly nested?: { readonly a?: number; readonly b?: number };
    readonly optional?: { readonly required: string; readonly c?: number; readonly d?: number };
    readonly computed?: string;
}

describe("applyDefaults", () => {
    const defaults = {
        size: 1,
        label: "x",
        list: [],
        nested: { a: 2, b: 3 },
        optional: whenGiven({ c: 4, d: (filled: { readonly size: number }) => filled.size * 10 }),
        computed: (filled: { readonly label: string; readonly nested: { readonly a: number } }, at: { name: string }) =>
            `${at.name}:${filled.label}:${filled.nested.a}`,
    };

    it("fills every field not given, and an object's fields one by one", () => {
        assert.deepStrictEqual(applyDefaults<Shape, typeof defaults>({ nested: { b: 30 } }, defaults, AT), {
            size: 1,
            label: "x",
            list: [],
            nested: { a: 2, b: 30 },
            computed: "svc:x:2",
        });
    });

    it("keeps what is given, including false, 0 and empty values, and treats an undefined field as not given", () => {
        const filled = applyDefaults<Shape, typeof defaults>(
            { size: 0, label: "", list: ["a"], nested: { a: undefined, b: 0 }, computed: "mine" },
            defaults,
            AT,
        );
        assert.deepStrictEqual(filled, { size: 0, label: "", list: ["a"], nested: { a: 2, b: 0 }, computed: "mine" });
    });

    it("leaves an optional section absent, and fills it (computed fields from the filled arguments) when given", () => {
        assert.strictEqual("optional" in applyDefaults<Shape, typeof defaults>({}, defaults, AT), false);
        assert.deepStrictEqual(applyDefaults<Shape, typeof defaults>({ size: 7, optional: { required: "r" } }, defaults, AT).optional, {
            required: "r",
            c: 4,
            d: 70,
        });
        assert.deepStrictEqual(applyDefaults<Shape, typeof defaults>({ optional: { required: "r", c: 5, d: 6 } }, defaults, AT).optional, {
            required: "r",
            c: 5,
            d: 6,
        });
    });

    it("computes a default from the arguments after the literal defaults, and from the context", () => {
        assert.strictEqual(
            applyDefaults<Shape, typeof defaults>({ label: "y", nested: { a: 9 } }, defaults, { name: "api", stack: "prod" }).computed,
            "api:y:9",
        );
    });

    it("changes neither the arguments nor the defaults", () => {
        const given: Shape = { nested: { b: 1 } };
        applyDefaults<Shape, typeof defaults>(given, defaults, AT);
        assert.deepStrictEqual(given, { nested: { b: 1 } });
        assert.deepStrictEqual(defaults.nested, { a: 2, b: 3 });
    });
});

describe("whenGiven", () => {
    it("marks a section without adding a field to it", () => {
        const section = whenGiven({ c: 1 });
        assert.strictEqual(isWhenGiven(section), true);
        assert.deepStrictEqual(Object.keys(section), ["c"]);
        assert.strictEqual(isWhenGiven({ c: 1 }), false);
        assert.strictEqual(isWhenGiven(undefined), false);
        assert.strictEqual(isWhenGiven(null), false);
        assert.strictEqual(isWhenGiven("c"), false);
    });

    it("marks the optional sections of SERVICE_DEFAULTS, and only those", () => {
        assert.strictEqual(isWhenGiven(SERVICE_DEFAULTS.autoscaling), true);
        assert.strictEqual(isWhenGiven(SERVICE_DEFAULTS.https), true);
        assert.strictEqual(isWhenGiven(SERVICE_DEFAULTS.deployment.testListener), true);
        assert.strictEqual(isWhenGiven(SERVICE_DEFAULTS.healthCheck), false);
        assert.strictEqual(isWhenGiven(SERVICE_DEFAULTS.deployment), false);
    });
});

describe("definedOnly", () => {
    it("drops undefined fields and keeps every other value", () => {
        assert.deepStrictEqual(definedOnly({ a: undefined, b: 0, c: false, d: "" }), { b: 0, c: false, d: "" });
        assert.deepStrictEqual(definedOnly(undefined), {});
    });
});

describe("withDefaults", () => {
    it("names the family after the component and the stack unless given", () => {
        assert.strictEqual(withDefaults(BASE, "api", "prod").family, "api-prod");
        assert.strictEqual(withDefaults({ ...BASE, family: "papyrus-prod" }, "api", "prod").family, "papyrus-prod");
    });

    it("serves plain HTTP without `https`; with it, the given certificate or the domain and zone, and the default TLS policy", () => {
        assert.deepStrictEqual(withDefaults(BASE, "svc", "dev").listener, { protocol: "HTTP" });
        const domain = { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" };
        assert.deepStrictEqual(withDefaults({ ...BASE, httpOnly: undefined, https: domain }, "svc", "dev").listener, {
            protocol: "HTTPS",
            certificate: domain,
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        });
        const arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
        assert.deepStrictEqual(
            withDefaults({ ...BASE, httpOnly: undefined, https: { certificateArn: arn, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" } }, "svc", "dev")
                .listener,
            {
                protocol: "HTTPS",
                certificate: { arn },
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
            },
        );
    });

    it("keeps no blue/green settings on a rolling deployment, and gives blue/green's test listener the port next to production's", () => {
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "ROLLING" } }, "svc", "dev").deployment, { strategy: "ROLLING" });
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 0 } }, "svc", "dev").deployment, {
            strategy: "BLUE_GREEN",
            bakeTimeMinutes: 0,
            testListener: undefined,
        });
        const testListener = { allowedCidrs: ["203.0.113.0/24"] };
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "BLUE_GREEN", testListener } }, "svc", "dev").deployment, {
            strategy: "BLUE_GREEN",
            bakeTimeMinutes: 10,
            testListener: { port: 8080, allowedCidrs: ["203.0.113.0/24"] },
        });
        const tested = { ...testListener, port: 9443 };
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "BLUE_GREEN", testListener: tested } }, "svc", "dev").deployment, {
            strategy: "BLUE_GREEN",
            bakeTimeMinutes: 10,
            testListener: tested,
        });
    });

    it("fills linear's and canary's steps with ECS's defaults when not given, and keeps only the chosen strategy's", () => {
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "LINEAR" } }, "svc", "dev").deployment, {
            strategy: "LINEAR",
            bakeTimeMinutes: 10,
            testListener: undefined,
            linear: { stepPercent: 10, stepBakeTimeMinutes: 6 },
        });
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "LINEAR", linear: { stepPercent: 20 } } }, "svc", "dev").deployment, {
            strategy: "LINEAR",
            bakeTimeMinutes: 10,
            testListener: undefined,
            linear: { stepPercent: 20, stepBakeTimeMinutes: 6 },
        });
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "CANARY", canary: { bakeTimeMinutes: 30 } } }, "svc", "dev").deployment, {
            strategy: "CANARY",
            bakeTimeMinutes: 10,
            testListener: undefined,
            canary: { percent: 5, bakeTimeMinutes: 30 },
        });
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "CANARY" } }, "svc", "dev").deployment, {
            strategy: "CANARY",
            bakeTimeMinutes: 10,
            testListener: undefined,
            canary: { percent: 5, bakeTimeMinutes: 10 },
        });
    });

    it("gives a pause ECS's timeout (a day) and rolls back when it passes, unless told otherwise; no pause unless asked", () => {
        assert.strictEqual(withDefaults({ ...BASE, deployment: { strategy: "CANARY" } }, "svc", "dev").deployment.pause, undefined);
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { pause: { stages: ["PRE_SCALE_UP"] } } }, "svc", "dev").deployment, {
            strategy: "ROLLING",
            pause: { stages: ["PRE_SCALE_UP"], timeoutMinutes: 1440, onTimeout: "ROLLBACK" },
        });
        const pause = { stages: ["POST_TEST_TRAFFIC_SHIFT" as const], timeoutMinutes: 30, onTimeout: "CONTINUE" as const };
        assert.deepStrictEqual(withDefaults({ ...BASE, deployment: { strategy: "BLUE_GREEN", pause } }, "svc", "dev").deployment.pause, pause);
    });

    it("starts at `desiredCount` without autoscaling, and at the minimum with it", () => {
        assert.strictEqual(withDefaults({ ...BASE, desiredCount: 4 }, "svc", "dev").desiredCount, 4);
        assert.strictEqual(withDefaults({ ...BASE, autoscaling: { minCount: 2, maxCount: 6, requestsPerTarget: false } }, "svc", "dev").desiredCount, 2);
        assert.strictEqual(
            withDefaults({ ...BASE, autoscaling: { minCount: 2, maxCount: 6, requestsPerTarget: false } }, "svc", "dev").autoscaling?.requestsPerTarget,
            false,
        );
    });

    it("derives the container's health check command from the port and path, unless one is given", () => {
        assert.deepStrictEqual(
            withDefaults({ ...BASE, containerPort: 3000 }, "svc", "dev").containerHealthCheck.command,
            nodeHealthCheckCommand(3000, "/health"),
        );
        const command = ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/healthz || exit 1"];
        assert.deepStrictEqual(withDefaults({ ...BASE, containerHealthCheck: { command, retries: 5 } }, "svc", "dev").containerHealthCheck, {
            command,
            intervalSeconds: 15,
            timeoutSeconds: 5,
            retries: 5,
            startPeriodSeconds: 10,
        });
    });

    it("passes arguments without a default through as given", () => {
        const network = { vpcId: "vpc-1", publicSubnetIds: ["subnet-a"], privateSubnetIds: ["subnet-b"] };
        const resolved = withDefaults({ ...BASE, imageTag: "v1", network, tags: { Stack: "dev" } }, "svc", "dev");
        assert.strictEqual(resolved.imageTag, "v1");
        assert.strictEqual(resolved.network, network);
        assert.deepStrictEqual(resolved.tags, { Stack: "dev" });
        assert.strictEqual(resolved.image, IMAGE);
    });
});

describe("nodeHealthCheckCommand", () => {
    it("fetches the path on the loopback address and exits 0 only on a 2xx", () => {
        assert.deepStrictEqual(nodeHealthCheckCommand(8080, "/health"), [
            "CMD",
            "node",
            "-e",
            'fetch("http://127.0.0.1:8080/health").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))',
        ]);
    });
});

describe("ResolvedServiceArgs, derived from the argument types and SERVICE_DEFAULTS", () => {
    // Checked by the compiler (`tsc --noEmit`): a field with a default is required, with the argument's own type;
    // an optional section and a field without a default stay optional.
    type Optional<T, K extends keyof T> = object extends Pick<T, K> ? true : false;
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    type R = ResolvedServiceArgs;

    it("makes every defaulted field required and keeps the rest as the arguments declare them", () => {
        const required: [Optional<R, "cpu">, Optional<R, "family">, Optional<R, "tags">, Optional<R, "healthCheck">, Optional<R, "deploymentAlarms">] = [
            false,
            false,
            false,
            false,
            false,
        ];
        const optional: [
            Optional<R, "autoscaling">,
            Optional<R, "imageTag">,
            Optional<R, "network">,
            Optional<R, "clusterArn">,
            Optional<R, "secretsKmsKeyArn">,
        ] = [true, true, true, true, true];
        const types: [
            Same<R["cpu"], 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384>,
            Same<R["containerHealthCheck"]["command"], string[]>,
            Same<R["healthCheck"]["path"], string>,
            Same<NonNullable<R["autoscaling"]>["requestsPerTarget"], number | false>,
            Same<NonNullable<R["autoscaling"]>["minCount"], number>,
            Same<R["deploymentAlarms"]["unhealthyHosts"]["threshold"], number>,
            Same<R["vpc"]["natGateways"], "Single" | "OnePerAz">,
        ] = [true, true, true, true, true, true, true];
        assert.deepStrictEqual(
            [...required, ...optional, ...types],
            [false, false, false, false, false, true, true, true, true, true, true, true, true, true, true, true, true],
        );
    });
});
