// A stand-in for the `aws` provider plugin, so that the real engine can run programs written with
// @pulumi/aws here: the real plugin (pulumi-resource-aws) cannot be downloaded or built offline.
//
// It keeps each resource's inputs as they come (pulumi-aws's Check would add defaults, such as
// `imageTagMutability: MUTABLE`), names what the program leaves unnamed as pulumi-aws does
// (`<logical name>-<7 hex>`), and creates, updates and deletes nothing but the engine's state: its
// outputs are the inputs plus `id`, `arn` in AWS's form for the type (what the components parse), and
// the few outputs they read (an ECR repository's `repositoryUrl`, a load balancer's `dnsName`…), in
// account 123456789012 (moto's) and `$AWS_REGION` (default us-east-1). It answers
// no invoke (`aws:…/get…`) and says so. The engine analyzes the inputs Check returns, so a policy
// pack run against a program on this provider sees what the program gave @pulumi/aws.
//
// Tests install it on the engine's PATH only (`installStandInAwsProvider`), never in .tools/bin: it must
// not shadow a real provider anywhere else. Run as a plugin: `node <this file> <engine address>`.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";

export const STAND_IN_ACCOUNT = "123456789012";
/** The version @pulumi/aws asks the engine for; the engine takes an ambient plugin of any version. */
const VERSION: string = require("@pulumi/aws/package.json").version;
const ROOT = path.resolve(__dirname, "..");

/** `aws:ecr/repository:Repository` from `urn:pulumi:dev::papyrus::papyrus:aws:ImmutableRepository$aws:ecr/repository:Repository::images`. */
export function typeOfUrn(urn: string): string {
    const parts = urn.split("::");
    const types = parts[2].split("$");
    return types[types.length - 1];
}

function nameOfUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** The AWS service of a type token: `ecr` for `aws:ecr/repository:Repository`. */
function serviceOf(type: string): string {
    return type.split(":")[1].split("/")[0];
}

function region(): string {
    return process.env.AWS_REGION ?? "us-east-1";
}

/** Types whose resources pulumi-aws names `<logical name>-<7 hex>` when the program gives no `name`. */
const AUTONAMED = new Set([
    "aws:ecr/repository:Repository",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:ec2/securityGroup:SecurityGroup",
]);

/** A stable 16-hex suffix for ARNs that AWS makes unique (load balancers, target groups). */
function suffixOf(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The outputs pulumi-aws would report that the project's components read: ARNs in AWS's forms, URLs, names. */
function outputsOf(urn: string, inputs: Record<string, any>, id: string): Record<string, any> {
    const type = typeOfUrn(urn);
    const r = region();
    const a = STAND_IN_ACCOUNT;
    const name: string = inputs.name ?? id;
    const outs: Record<string, any> = { ...inputs, id };
    switch (type) {
        case "aws:ecr/repository:Repository":
            return { ...outs, arn: `arn:aws:ecr:${r}:${a}:repository/${name}`, registryId: a, repositoryUrl: `${a}.dkr.ecr.${r}.amazonaws.com/${name}` };
        case "aws:iam/role:Role":
            return { ...outs, arn: `arn:aws:iam::${a}:role/${name}` };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { ...outs, arn: `arn:aws:iam::${a}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
        case "aws:ecs/cluster:Cluster":
            return { ...outs, arn: `arn:aws:ecs:${r}:${a}:cluster/${name}` };
        case "aws:ecs/service:Service": {
            const cluster = String(inputs.cluster ?? "default");
            return { ...outs, arn: `arn:aws:ecs:${r}:${a}:service/${cluster.slice(cluster.lastIndexOf("/") + 1)}/${name}` };
        }
        case "aws:ecs/taskDefinition:TaskDefinition":
            return { ...outs, revision: 1, arn: `arn:aws:ecs:${r}:${a}:task-definition/${inputs.family}:1` };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { ...outs, arn: `arn:aws:logs:${r}:${a}:log-group:${name}` };
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { ...outs, arn: `arn:aws:cloudwatch:${r}:${a}:alarm:${name}` };
        case "aws:lb/loadBalancer:LoadBalancer": {
            const arnSuffix = `app/${name}/${suffixOf(urn)}`;
            return {
                ...outs,
                arn: `arn:aws:elasticloadbalancing:${r}:${a}:loadbalancer/${arnSuffix}`,
                arnSuffix,
                dnsName: `${name}-${parseInt(suffixOf(urn).slice(0, 8), 16)}.${r}.elb.amazonaws.com`,
                zoneId: "Z32O12XQLNTSW2",
            };
        }
        case "aws:lb/targetGroup:TargetGroup": {
            const arnSuffix = `targetgroup/${name}/${suffixOf(urn)}`;
            return { ...outs, arn: `arn:aws:elasticloadbalancing:${r}:${a}:${arnSuffix}`, arnSuffix };
        }
        case "aws:appautoscaling/target:Target":
            return { ...outs, arn: `arn:aws:application-autoscaling:${r}:${a}:scalable-target/${suffixOf(urn)}` };
        default: {
            const resource = type.split(":")[2].replace(/^./, (c) => c.toLowerCase());
            return { ...outs, arn: `arn:aws:${serviceOf(type)}:${r}:${a}:${resource}/${name}` };
        }
    }
}

/** Outputs the stand-in adds to the inputs: never a change by themselves. */
const OUTPUT_ONLY = new Set(["id", "arn", "arnSuffix", "dnsName", "zoneId", "repositoryUrl", "registryId", "revision"]);

export const standInAwsProvider: provider.Provider = {
    version: VERSION,
    async check(urn, olds, news) {
        const type = typeOfUrn(urn);
        if (AUTONAMED.has(type) && news.name === undefined) {
            const name = olds?.name ?? `${nameOfUrn(urn)}-${crypto.randomBytes(4).toString("hex").slice(0, 7)}`;
            return { inputs: { ...news, name } };
        }
        return { inputs: news };
    },
    async diff(_id, urn, olds, news) {
        const changed = Object.keys({ ...olds, ...news }).filter((key) => !OUTPUT_ONLY.has(key) && JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
        // As pulumi-aws: an ECS task definition cannot change (a new one is registered); elsewhere a new name replaces.
        const replaces =
            typeOfUrn(urn) === "aws:ecs/taskDefinition:TaskDefinition"
                ? changed.filter((key) => !["tags", "skipDestroy"].includes(key))
                : changed.filter((key) => key === "name");
        return { changes: changed.length > 0, replaces };
    },
    async create(urn, inputs) {
        const id = inputs.name ?? `${nameOfUrn(urn)}-${crypto.randomBytes(4).toString("hex")}`;
        return { id, outs: outputsOf(urn, inputs, id) };
    },
    async read(id, _urn, props) {
        return { id, props };
    },
    async update(id, urn, _olds, news) {
        return { outs: outputsOf(urn, news, id) };
    },
    async delete() {
        // Nothing exists but the engine's state.
    },
    async invoke(token) {
        throw new Error(`the stand-in aws provider (testkit/standInAwsProvider.ts) answers no invoke; the program called \`${token}\``);
    },
};

/**
 * Writes `pulumi-resource-aws` into `binDir` (put it first on the engine's PATH): it runs this file under
 * ts-node, ending with the engine as the project's other plugins do (tools/exit-with-parent.js).
 */
export function installStandInAwsProvider(binDir: string): string {
    const plugin = path.join(binDir, "pulumi-resource-aws");
    const node = (p: string) => `'${path.join(ROOT, p)}'`;
    fs.writeFileSync(
        plugin,
        [
            "#!/bin/sh",
            "# The stand-in aws provider (testkit/standInAwsProvider.ts), for tests only.",
            `TS_NODE_PROJECT=${node("tsconfig.json")} exec node -r ${node("tools/exit-with-parent.js")} -r ${node("node_modules/ts-node/register/transpile-only")} ${node("testkit/standInAwsProvider.ts")} "$@"`,
        ].join("\n") + "\n",
        { mode: 0o755 },
    );
    return plugin;
}

if (require.main === module) {
    void provider.main(standInAwsProvider, process.argv.slice(2));
}
