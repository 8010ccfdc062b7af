// Runs the real stack program (index.ts) under the Pulumi SDK's mocks with a
// stack's Pulumi.<stack>.yaml config, and records every resource the program
// registers. Used by `scripts/render.ts` and by the mocks tests, so what the
// tests assert on is exactly what `render` shows.
//
// How several stacks are evaluated in one process (@pulumi/pulumi 3.259):
// - the SDK keeps its state in one global store created on first use; its
//   config is read from PULUMI_CONFIG only when the store is created, so each
//   evaluation also writes the config with `pulumi.runtime.setAllConfig`;
// - `setMocks` resets the store's settings (monitor, project, stack);
// - index.ts is removed from `require.cache` and required again, so the
//   program's top-level code runs once per evaluation;
// - `waitForRPCs` waits until every registration has reached the mocks.
//
// With `papyrus:image` unset the program reads the stack's own last outputs
// through a StackReference (components/runningImage.ts). The mocks answer it
// with `previousOutputs`, standing in for the stack's last update: none (a new
// stack) unless a caller gives some. A reference to any other stack is refused.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readProject } from "../automation/engine/project";
import * as yaml from "js-yaml";

/** The project root: where Pulumi.yaml, Pulumi.<stack>.yaml and index.ts are. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Fixed values the mocks answer with; tests can assert on ARNs built from them. */
export const MOCK_ACCOUNT_ID = "123456789012";

export interface RecordedResource {
    /** e.g. `aws:ecs/taskDefinition:TaskDefinition` */
    readonly type: string;
    readonly name: string;
    /** `<type>::<name>` of the parent resource, or undefined for a top-level resource. */
    readonly parent?: string;
    /** True for provider resources, false for components (including remote ones such as `awsx:ec2:Vpc`). */
    readonly custom: boolean;
    /** The inputs exactly as the provider would receive them (policies are JSON strings). */
    readonly inputs: Record<string, unknown>;
    /** The `ignoreChanges` resource option: inputs the engine leaves as they are after creation. */
    readonly ignoreChanges?: string[];
}

export interface Evaluation {
    readonly project: string;
    readonly stack: string;
    /** The config the program saw, keys fully qualified (`papyrus:image`). */
    readonly config: Record<string, string>;
    /** In registration order. */
    readonly resources: RecordedResource[];
    /** The program's exports, resolved. */
    readonly outputs: Record<string, unknown>;
}

/** Thrown when no Pulumi.<stack>.yaml exists. */
export class UnknownStackError extends Error {
    constructor(
        readonly stack: string,
        readonly available: readonly string[],
        root: string = PROJECT_ROOT,
    ) {
        super(
            `unknown stack \`${stack}\`: there is no Pulumi.${stack}.yaml in ${root}; ` +
                (available.length > 0
                    ? `available: ${available.map((s) => `\`${s}\` (Pulumi.${s}.yaml)`).join(", ")}`
                    : "there are no Pulumi.<stack>.yaml files"),
        );
        this.name = "UnknownStackError";
    }
}

/**
 * Thrown by the mocks when a program calls a provider function they do not answer. The SDK passes
 * only the error's `details` on to the program (as a plain `Error`), so the message is there too.
 */
export class UnmockedCallError extends Error {
    readonly details: string;
    constructor(readonly token: string) {
        super(
            `the program called \`${token}\`, which the mocks do not answer; ` +
                "add it to the `call` mock in testkit/evaluateUnderMocks.ts, or avoid the call",
        );
        this.name = "UnmockedCallError";
        this.details = this.message;
    }
}

/** Stack names that have a Pulumi.<stack>.yaml in `root`. */
export function availableStacks(root: string = PROJECT_ROOT): string[] {
    return fs
        .readdirSync(readProject(root).stackConfigDirectory)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/**
 * The stack's config as the Pulumi CLI hands it to a program: every value a string, objects and
 * lists as JSON. Secrets cannot be decrypted here and are refused.
 */
export function loadStackConfig(stack: string, root: string = PROJECT_ROOT): Record<string, string> {
    // Where the driver finds it too: Pulumi.yaml's `stackConfigDir`, else beside Pulumi.yaml.
    const project = readProject(root);
    const directory = project.stackConfigDirectory;
    const file = path.join(directory, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        throw new UnknownStackError(stack, availableStacks(root), directory);
    }
    const document = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    // Pulumi.yaml's own `config:` first, as the engine applies it to every stack (the stack's file wins):
    // `key: value`, `key: { value }` or `key: { default }`; a key without a namespace is the project's.
    const config: Record<string, string> = {};
    const projectConfig = typeof project.config === "object" && project.config !== null ? (project.config as Record<string, unknown>) : {};
    for (const [key, raw] of Object.entries(projectConfig)) {
        const given = raw !== null && typeof raw === "object" && !Array.isArray(raw) && ("value" in raw || "default" in raw || "type" in raw);
        const value = given ? ((raw as { value?: unknown }).value ?? (raw as { default?: unknown }).default) : raw;
        if (value === undefined || value === null) continue;
        config[key.includes(":") ? key : `${project.name}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    for (const [key, value] of Object.entries(document?.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in value) {
            throw new Error(`${path.basename(file)}: \`${key}\` is a secret; secrets cannot be decrypted under mocks, override it instead`);
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

export interface EvaluateOptions {
    readonly stack: string;
    /** Config values to set (a string) or remove (undefined) on top of Pulumi.<stack>.yaml. */
    readonly overrides?: Record<string, string | undefined>;
    readonly root?: string;
    /** Called as each resource registers, also when the program later fails (the result then never comes). */
    readonly onResource?: (resource: RecordedResource) => void;
    /** The stack's outputs from its last update, as a StackReference to itself returns them. @default {} (a new stack) */
    readonly previousOutputs?: Record<string, unknown>;
}

/**
 * Runs index.ts for `stack` under mocks and returns what it registered. A program that throws (for
 * example on an image given by tag) rejects with the program's own error, unchanged.
 */
export async function evaluateUnderMocks(options: EvaluateOptions): Promise<Evaluation> {
    const root = options.root ?? PROJECT_ROOT;
    const config = applyOverrides(loadStackConfig(options.stack, root), options.overrides ?? {});
    return runUnderMocks({
        project: readProject(root).name,
        stack: options.stack,
        config,
        onResource: options.onResource,
        previousOutputs: options.previousOutputs,
        program: () => {
            forgetProgramModules(root);
            return require(path.join(root, "index.ts")) as Record<string, unknown>;
        },
    });
}

export interface RunOptions {
    /** The project's name (Pulumi.yaml), the config namespace. @default `MOCK_PROJECT` */
    readonly project?: string;
    readonly stack: string;
    /** Fully qualified keys (`papyrus:image`), string values, as the CLI passes them. */
    readonly config: Record<string, string>;
    /** Creates resources and returns the exports; for component tests, a function that builds components. */
    readonly program: () => Record<string, unknown>;
    /** Called as each resource registers. */
    readonly onResource?: (resource: RecordedResource) => void;
    /** The stack's outputs from its last update, as a StackReference to itself returns them. @default {} */
    readonly previousOutputs?: Record<string, unknown>;
}

/** The project of a component test's program: this repository's own. */
export const MOCK_PROJECT = "papyrus";

/** The organization of every stack on a file or S3 backend, and so of the mocks' stack. */
export const MOCK_ORGANIZATION = "organization";

/** Runs `program` under mocks with `config` and records what it registers. The engine of `evaluateUnderMocks`. */
export async function runUnderMocks(options: RunOptions): Promise<Evaluation> {
    const config = options.config;
    const project = options.project ?? MOCK_PROJECT;
    const region = config["aws:region"] ?? "us-east-1";

    const records: RecordedResource[] = [];
    const registrations = new Map<string, Registration>();
    const mocks: pulumi.runtime.Mocks = {
        newResource(args) {
            const record: RecordedResource = {
                type: args.type,
                name: args.name,
                parent: registrations.get(`${args.type}::${args.name}`)?.parent,
                ignoreChanges: registrations.get(`${args.type}::${args.name}`)?.ignoreChanges,
                custom: args.custom ?? true,
                inputs: args.inputs,
            };
            records.push(record);
            options.onResource?.(record);
            if (args.type === STACK_REFERENCE_TYPE) {
                return { id: String(args.inputs.name), state: stackReferenceState(String(args.inputs.name), options) };
            }
            return { id: args.custom === false ? undefined : `${args.name}-id`, state: mockState(args.type, args.name, args.inputs, region) };
        },
        call(args) {
            throw new UnmockedCallError(args.token);
        },
    };

    process.env.PULUMI_CONFIG = JSON.stringify(config);
    // The evaluation stands for an update the driver runs, with the image given explicitly, so
    // the program's warning about a plain `pulumi up` taking the image from the checkout is off.
    process.env.PAPYRUS_DRIVER ??= "evaluateUnderMocks";
    await pulumi.runtime.setMocks(mocks, project, options.stack, false, MOCK_ORGANIZATION);
    pulumi.runtime.setAllConfig(config);
    recordRegistrations(registrations);

    // A failure inside `apply` rejects many of the SDK's internal promises at once (every resource that
    // depends on the failed value). They are collected here, and every registration is waited for even
    // after a failure, so nothing from this evaluation runs on into the next one.
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    // The SDK records a stack trace for each of its internal promises; mocha raises the limit to
    // Infinity and ts-node source-maps every frame, which made that most of an evaluation's time.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
    const outputs: Record<string, unknown> = {};
    let failure: { error: unknown } | undefined;
    try {
        const program = options.program();
        for (const [name, value] of Object.entries(program)) {
            outputs[name] = await resolve(value);
        }
    } catch (error) {
        failure = { error };
    } finally {
        await settle();
        process.off("unhandledRejection", onRejection);
        Error.stackTraceLimit = stackTraceLimit;
    }
    if (failure !== undefined) {
        throw failure.error;
    }
    if (rejections.length > 0) {
        throw rejections[0];
    }

    return {
        project,
        stack: options.stack,
        config,
        resources: records,
        outputs,
    };
}

function applyOverrides(config: Record<string, string>, overrides: Record<string, string | undefined>): Record<string, string> {
    const result = { ...config };
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) {
            delete result[key];
        } else {
            result[key] = value;
        }
    }
    return result;
}

/** What the mocks' `newResource` is not told: the parent, and the `ignoreChanges` option. */
interface Registration {
    readonly parent?: string;
    readonly ignoreChanges?: string[];
}

/**
 * The mock monitor's `registerResource` is wrapped to note each resource's parent URN (as `<type>::<name>`) and
 * its `ignoreChanges` before passing the request on unchanged (the mock monitor then calls `newResource`
 * synchronously, so the registration is already noted).
 */
function recordRegistrations(registrations: Map<string, Registration>): void {
    type Request = { getType(): string; getName(): string; getParent(): string; getIgnorechangesList(): string[] };
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: Request, cb: unknown): unknown };
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: Request, callback: unknown) => {
        const parentUrn = req.getParent();
        const ignoreChanges = req.getIgnorechangesList();
        registrations.set(`${req.getType()}::${req.getName()}`, {
            parent: parentUrn ? keyOfUrn(parentUrn) : undefined,
            ignoreChanges: ignoreChanges.length > 0 ? ignoreChanges : undefined,
        });
        return registerResource(req, callback);
    };
}

/** `urn:pulumi:<stack>::<project>::<parent$type>::<name>` → `<type>::<name>` */
function keyOfUrn(urn: string): string {
    const parts = urn.split("::");
    const qualifiedType = parts[parts.length - 2];
    return `${qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1)}::${parts[parts.length - 1]}`;
}

/**
 * Removes index.ts from the module cache so the next require runs the program again. The components
 * stay cached: they hold no module-level state (everything happens in constructors), and compiling
 * them again for every evaluation only costs time.
 */
function forgetProgramModules(root: string): void {
    delete require.cache[path.join(root, "index.ts")];
}

/** Waits until no registration is in flight, and lets rejections from failed ones be reported. */
async function settle(): Promise<void> {
    const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };
    for (let i = 0; i < 3; i++) {
        await runtime.waitForRPCs().catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
    }
}

async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        // `promise()` rejects when the output failed (e.g. an image refused inside `apply`).
        return (value as unknown as { promise(): Promise<unknown> }).promise();
    }
    return value;
}

const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** What a StackReference to the stack itself reads: its last outputs. Another stack has none to give here. */
function stackReferenceState(name: string, options: RunOptions): Record<string, unknown> {
    const own = `${MOCK_ORGANIZATION}/${options.project ?? MOCK_PROJECT}/${options.stack}`;
    if (name !== own) {
        throw new Error(`the program reads stack \`${name}\` through a StackReference; the mocks answer only the stack itself (\`${own}\`)`);
    }
    return { name, outputs: options.previousOutputs ?? {}, secretOutputNames: [] };
}

/** Outputs the providers would compute, derived from the name and region so they are predictable. */
function mockState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
    const account = MOCK_ACCOUNT_ID;
    const physicalName: string = inputs.name ?? name;
    switch (type) {
        case "aws:ecr/repository:Repository":
            return {
                ...inputs,
                name: physicalName,
                arn: `arn:aws:ecr:${region}:${account}:repository/${physicalName}`,
                registryId: account,
                repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${physicalName}`,
            };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { ...inputs, arn: `arn:aws:iam::${account}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
        case "aws:iam/role:Role":
            return { ...inputs, name: physicalName, arn: `arn:aws:iam::${account}:role/${physicalName}` };
        case "aws:ecs/cluster:Cluster":
            return { ...inputs, name: physicalName, arn: `arn:aws:ecs:${region}:${account}:cluster/${physicalName}` };
        case "aws:ecs/taskDefinition:TaskDefinition":
            return { ...inputs, revision: 1, arn: `arn:aws:ecs:${region}:${account}:task-definition/${inputs.family}:1` };
        case "aws:ecs/service:Service": {
            const cluster = String(inputs.cluster ?? "default");
            return {
                ...inputs,
                name: physicalName,
                arn: `arn:aws:ecs:${region}:${account}:service/${cluster.slice(cluster.lastIndexOf("/") + 1)}/${physicalName}`,
            };
        }
        case "aws:cloudwatch/logGroup:LogGroup":
            return { ...inputs, name: physicalName, arn: `arn:aws:logs:${region}:${account}:log-group:${physicalName}` };
        case "aws:lb/loadBalancer:LoadBalancer":
            return {
                ...inputs,
                arn: `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${name}/0123456789abcdef`,
                arnSuffix: `app/${name}/0123456789abcdef`,
                dnsName: `${name}-1234567890.${region}.elb.amazonaws.com`,
                // The ALBs' canonical hosted zone in eu-west-1 (the alias record's target zone).
                zoneId: "Z32O12XQLNTSW2",
            };
        case "aws:lb/targetGroup:TargetGroup":
            return {
                ...inputs,
                arn: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${name}/0123456789abcdef`,
                arnSuffix: `targetgroup/${name}/0123456789abcdef`,
            };
        case "aws:lb/listener:Listener":
            return { ...inputs, arn: `arn:aws:elasticloadbalancing:${region}:${account}:listener/app/lb/0123456789abcdef/${name}` };
        case "aws:lb/listenerRule:ListenerRule":
            return { ...inputs, arn: `arn:aws:elasticloadbalancing:${region}:${account}:listener-rule/app/lb/0123456789abcdef/${name}` };
        case "aws:acm/certificate:Certificate":
            return {
                ...inputs,
                arn: `arn:aws:acm:${region}:${account}:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b`,
                domainValidationOptions: [
                    {
                        domainName: inputs.domainName,
                        resourceRecordName: `_3f1c.${inputs.domainName}.`,
                        resourceRecordType: "CNAME",
                        resourceRecordValue: "_9a7e.acm-validations.aws.",
                    },
                ],
            };
        case "aws:route53/record:Record":
            return { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") };
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { ...inputs, name: physicalName, arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${physicalName}` };
        case "aws:appautoscaling/target:Target":
            return { ...inputs, arn: `arn:aws:application-autoscaling:${region}:${account}:scalable-target/0ec5a1b2c3d4e5f60718293a4b5c6d7e` };
        case "awsx:ec2:Vpc":
            // A remote component: under mocks it is this one resource, without the subnets it would create.
            return {
                vpcId: `vpc-${name}`,
                publicSubnetIds: [`subnet-${name}-public-a`, `subnet-${name}-public-b`],
                privateSubnetIds: [`subnet-${name}-private-a`, `subnet-${name}-private-b`],
            };
        default:
            return { ...inputs, arn: `arn:aws:mock:${region}:${account}:${type}/${name}` };
    }
}
