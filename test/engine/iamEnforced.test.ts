// The deploy roles' rendered policies, enforced: deploy, rollback, promote and `status` run through
// the real CLI and engine with credentials whose only permissions are a stack's deploy policy,
// against moto started with IAM enforcement on (testkit/motoIam.ts), with the state in moto's S3.
//
// The policies are rendered from the real program under mocks (testkit/evaluateUnderMocks.ts) for
// this test's bucket and key prefix, as test/mocks/leastPrivilege.test.ts evaluates them, and each is
// attached to an IAM user of its own. moto checks each request's signature and action, and the
// resource ARN of S3 requests; it matches every other request against `*` and evaluates no condition
// of an identity policy (the first test records both). So:
// - the users get their policy with non-S3 resources widened to `*` (`motoEnforceable`): moto enforces
//   every ECR and ECS action; their ARNs and conditions are the simulator's (leastPrivilege.test.ts);
// - the state's S3 requests pass a gate that asks the IAM simulator about each, with its real
//   `s3:prefix`, and refuses as S3 does what AWS would refuse (`startS3Gate`); moto then checks the
//   signature, action and ARN again.
//
// The engine runs the stand-in project (testkit/fixtures/digest-app): its task definition and service
// call ECS (RegisterTaskDefinition, UpdateService) as pulumi-aws would, through the proxy that plays
// ECS's deployments (testkit/ecsRollout.ts). The real program's provider (its refresh's reads, its
// `sts:GetCallerIdentity`, `iam:PassRole`) cannot run here. Creating the cluster and the service is not
// the deploy role's (CreateCluster, CreateService): an administrator's first deploy of each stack does
// it, as a stack's bootstrap does.
//
// The tests run in order on one set of stacks; each says what it leaves.
import * as assert from "assert";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { AWS_CALLS, Operation } from "../../components/awsCalls";
import { GITHUB_OIDC_HOST } from "../../components/githubSubject";
import { EXIT_CODES } from "../../automation/record/errors";
import { EvidenceRecord } from "../../automation/record/evidence";
import { tempBackend, TempBackend } from "../../testkit/backend";
import { assertNoProcessLeft, runCli } from "../../testkit/cliProcess";
import { EcsRolloutProxy, startEcsRolloutProxy } from "../../testkit/ecsRollout";
import { evaluateUnderMocks, MOCK_ACCOUNT_ID } from "../../testkit/evaluateUnderMocks";
import { fixtureProject, fixtureStack } from "../../testkit/fixture";
import { evaluateIdentityRequest, IamRequest } from "../../testkit/iamSimulator";
import { pushImage, PushedImage } from "../../testkit/images";
import {
    AccessKey,
    BOOTSTRAP_KEY,
    IamEnforcedMoto,
    motoEnforceable,
    S3Gate,
    S3Request,
    s3RequestsIn,
    startMotoWithIam,
    startS3Gate,
} from "../../testkit/motoIam";
import { MotoProxy, startMotoProxy } from "../../testkit/motoProxy";
import { RenderedStack, renderedStack, requestFor } from "../../testkit/roleRequests";

const BUCKET = "papyrus-state";
const KEY_PREFIX = "papyrus";
const REPO = "papyrus-api";
/** The names the rendered policies grant (Pulumi.dev.yaml and Pulumi.prod.yaml under mocks): the stand-in uses the same. */
const CLUSTER = "papyrus-cluster";
const SERVICE = "papyrus-service";
const REGION = { dev: "eu-west-1", prod: "eu-central-1" } as const;
type StackName = keyof typeof REGION;
/** What each stack ran last, as its outputs say: with it the program renders its service (and the policy its grants on it). */
const RUNNING: Record<StackName, { image: string; imageTag: string }> = {
    dev: { image: `${MOCK_ACCOUNT_ID}.dkr.ecr.${REGION.dev}.amazonaws.com/${REPO}@sha256:${"b".repeat(64)}`, imageTag: "v0.9.0" },
    prod: { image: `${MOCK_ACCOUNT_ID}.dkr.ecr.${REGION.prod}.amazonaws.com/${REPO}@sha256:${"e".repeat(64)}`, imageTag: "v0.9.0" },
};
const PROVIDER_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`;
const ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921";
const ECS_TARGET = "AmazonEC2ContainerServiceV20141113";
/** The listing every engine login sends: the DIY backend looks for legacy-layout stacks to warn about (pkg/backend/diy/backend.go). */
const LEGACY_SCAN = `ListBucket ${KEY_PREFIX}/.pulumi/stacks/ /`;
const user = (name: string) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/${name}`;

/**
 * The ECR and ECS operations one deploy, rollback or promote sends, as moto's request log names them (sorted, once each).
 * The service-deployments API is answered by the lifecycle proxy (moto lacks it), so moto does not evaluate those three;
 * the call table and the IAM simulator (test/mocks/leastPrivilege.test.ts) hold them.
 */
const UPDATE_OPERATIONS = [
    "ecr:BatchGetImage",
    "ecr:DescribeImageScanFindings",
    "ecr:DescribeImages",
    "ecr:ListImages",
    "ecr:PutImage",
    "ecs:DescribeServiceDeployments",
    "ecs:DescribeServiceRevisions",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:ListServiceDeployments",
    "ecs:RegisterTaskDefinition",
    "ecs:UpdateService",
];

describe("the deploy roles' policies enforced (moto with IAM on, the simulator for S3 conditions; real CLI and engine)", function () {
    this.timeout(900_000);
    let aws: IamEnforcedMoto;
    let gate: S3Gate;
    let lifecycle: EcsRolloutProxy;
    /** In front of ECR and of the ECS lifecycle proxy: the operations each command sent. */
    let ecrRecorder: MotoProxy;
    let ecsRecorder: MotoProxy;
    let sent: string[] = [];
    let refusedOperations: string[] = [];
    let backend: TempBackend;
    let workDir: string;
    const rendered = {} as Record<StackName, RenderedStack>;
    const keys = {} as Record<StackName, AccessKey>;
    const images: Record<string, PushedImage> = {};

    /** The state in moto's S3, through the gate. */
    const backendUrl = () =>
        `s3://${BUCKET}/${KEY_PREFIX}?endpoint=${encodeURIComponent(gate.endpoint)}&use_path_style=true&disable_https=true&region=us-east-1`;
    /** The CLI's environment, signing with `key`: the state in moto's S3, ECR and ECS through the recorders. */
    const envWith = (key: AccessKey): NodeJS.ProcessEnv => ({
        ...process.env,
        ...backend.env,
        ...aws.envFor(key),
        PULUMI_BACKEND_URL: backendUrl(),
        AWS_ENDPOINT_URL_ECR: ecrRecorder.endpoint,
        AWS_ENDPOINT_URL_ECS: ecsRecorder.endpoint,
        PAPYRUS_DEPLOYER: "ci-test",
    });

    /** Runs the CLI with `key`; returns its exit, output, and what it asked of AWS: operations, S3 requests, refusals. */
    async function cli(key: AccessKey, ...args: string[]) {
        const logFrom = aws.log().length;
        const gateFrom = gate.decided.length;
        sent = [];
        refusedOperations = [];
        const run = await runCli([...args, "--cwd", workDir], envWith(key));
        const log = aws.log().slice(logFrom);
        return {
            ...run,
            operations: [...new Set(sent)].sort(),
            /** ECR and ECS operations moto refused (403). */
            refusedOperations: [...new Set(refusedOperations)].sort(),
            s3: s3RequestsIn(log, BUCKET),
            /** What moto refused (403). */
            motoRefused: refusedLines(log),
            /** What the gate refused, as `<action> <prefix> <delimiter>` for listings, `<action> <key>` for objects. */
            gateRefused: [
                ...new Set(
                    gate.decided
                        .slice(gateFrom)
                        .filter((d) => !d.allowed)
                        .map(label),
                ),
            ].sort(),
            /** The CopyObject sources the gate allowed (`s3:GetObject`, which moto does not check). */
            copySources: gate.decided
                .slice(gateFrom)
                .filter((d) => d.allowed && d.action === "s3:GetObject" && /x-id=CopyObject/.test(d.line))
                .map(label),
        };
    }

    /** The S3 request as AWS authorizes it for the stack's deploy role: the session, and a listing's keys. */
    const asRole = (stack: RenderedStack, request: S3Request): IamRequest =>
        requestFor({ roleArn: stack.deploy.arn, providerArn: PROVIDER_ARN }, request.action, request.resource, stack.resources, {
            ...(request.prefix === undefined ? {} : { "s3:prefix": request.prefix }),
            ...(request.delimiter === undefined ? {} : { "s3:delimiter": request.delimiter }),
            ...(request.maxKeys === undefined ? {} : { "s3:max-keys": request.maxKeys }),
        });

    before(async () => {
        aws = await startMotoWithIam();
        lifecycle = await startEcsRolloutProxy(aws.moto.endpoint);
        // Each operation as it is sent, and those moto refused (403).
        const record = (service: string) => ({
            beforeRequest: (operation: string) => void sent.push(`${service}:${operation}`),
            onAnswer: (operation: string, status: number) => void (status === 403 && refusedOperations.push(`${service}:${operation}`)),
        });
        ecrRecorder = await startMotoProxy(aws.moto.endpoint, record("ecr"));
        ecsRecorder = await startMotoProxy(lifecycle.endpoint, record("ecs"));

        // What the administrator sets up: the state bucket, both registries with the same builds (ECR
        // replication copies manifests unchanged, so the digests agree), and a user per deploy role.
        await aws.createBucket(BUCKET);
        for (const stack of ["dev", "prod"] as const) {
            const ecr = new ECRClient({ region: REGION[stack], endpoint: aws.moto.endpoint, credentials: aws.admin });
            try {
                await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO, imageTagMutability: "IMMUTABLE" }));
                for (const tag of ["v1.0.0", "v2.0.0"]) images[tag] = await pushImage(ecr, REPO, tag);
            } finally {
                ecr.destroy();
            }
            rendered[stack] = renderedStack(
                await evaluateUnderMocks({
                    stack,
                    overrides: { "papyrus:stateBucketArn": `arn:aws:s3:::${BUCKET}`, "papyrus:stateKeyPrefix": KEY_PREFIX },
                    previousOutputs: RUNNING[stack],
                }),
                MOCK_ACCOUNT_ID,
            );
            keys[stack] = await aws.createUser(`papyrus-ci-deploy-${stack}`, motoEnforceable(rendered[stack].deploy.policy));
        }
        const roleOf = new Map((["dev", "prod"] as const).map((stack) => [keys[stack].accessKeyId, rendered[stack]]));
        gate = await startS3Gate(aws.moto.endpoint, BUCKET, async (request, accessKeyId) => {
            const stack = roleOf.get(accessKeyId);
            return stack === undefined || (await evaluateIdentityRequest(stack.deploy.policy, asRole(stack, request))).decision === "Allowed";
        });

        backend = tempBackend("papyrus-iam-");
        workDir = fixtureProject(backend.dir);
        const engineEnv = { ...backend.env, ...aws.envFor(aws.admin), PULUMI_BACKEND_URL: backendUrl() };
        for (const stack of ["dev", "prod"] as const) {
            const created = await fixtureStack(backend, stack, engineEnv, workDir);
            await created.setAllConfig({
                "aws:region": { value: REGION[stack] },
                "papyrus:repositoryName": { value: REPO },
                "papyrus:fixtureEcs": { value: "true" },
                "papyrus:fixtureClusterName": { value: CLUSTER },
                "papyrus:fixtureServiceName": { value: SERVICE },
                ...(stack === "prod" ? { "papyrus:promoteFrom": { value: "dev" } } : {}),
            });
        }
        // The bootstrap: each stack's first deploy creates its cluster and service, which the deploy role may not.
        for (const stack of ["dev", "prod"] as const) {
            const first = await cli(aws.admin, "deploy", "--stack", stack, "--tag", "v1.0.0", "--json");
            assert.strictEqual(first.code, 0, `the administrator's first deploy of ${stack}:\n${first.stderr}`);
        }
    });
    afterEach(() => assert.deepStrictEqual(gate.failures, [], "the S3 gate could not decide or pass on a request"));
    after(async () => {
        try {
            if (backend) await assertNoProcessLeft(backend.dir);
        } finally {
            backend?.cleanup();
            for (const server of [gate, ecrRecorder, ecsRecorder, lifecycle]) await server?.close();
            await aws?.stop();
        }
    });

    it("moto records: every request is authenticated, every action checked, and a policy statement on an ECR or ECS ARN never matches", async () => {
        // A key moto does not know (the bootstrap's) is refused now.
        const unknown = await aws.send({ key: BOOTSTRAP_KEY, service: "s3", method: "GET", path: `/${BUCKET}`, query: { "list-type": "2" } });
        assert.deepStrictEqual([unknown.status, xmlField(unknown.body, "Code")], [403, "InvalidAccessKeyId"]);

        const describeImages = (key: AccessKey) =>
            aws.send({
                key,
                service: "ecr",
                region: REGION.dev,
                method: "POST",
                path: "/",
                json: { target: `${ECR_TARGET}.DescribeImages`, input: { repositoryName: REPO } },
            });
        // The rendered policy as written allows ecr:DescribeImages on the repository's ARN (`ResolveImageTags`);
        // moto asks about `*`, which no ARN matches, and refuses, in IAM's XML (AWS answers ECR's refusals in JSON).
        const verbatim = await aws.createUser("papyrus-ci-deploy-dev-verbatim", rendered.dev.deploy.policy);
        const refused = await describeImages(verbatim);
        assert.deepStrictEqual(
            [refused.status, xmlField(refused.body, "Code"), xmlField(refused.body, "Message")],
            [403, "AccessDenied", `User: ${user("papyrus-ci-deploy-dev-verbatim")} is not authorized to perform: ecr:DescribeImages`],
        );
        // With the resources widened to `*` (what the tests' users get), the action is what moto checks.
        assert.strictEqual((await describeImages(keys.dev)).status, 200);
    });

    it("moto records: dev's user is refused what its policy does not grant (BatchDeleteImage, CreateService, prod's state), and allowed an ECS call and an S3 listing the policy scopes to dev", async () => {
        const ecr = (operation: string, input: object) =>
            aws.send({ key: keys.dev, service: "ecr", region: REGION.dev, method: "POST", path: "/", json: { target: `${ECR_TARGET}.${operation}`, input } });
        const ecs = (region: string, operation: string, input: object) =>
            aws.send({ key: keys.dev, service: "ecs", region, method: "POST", path: "/", json: { target: `${ECS_TARGET}.${operation}`, input } });
        const refusal = (answer: { status: number; body: string }) => [answer.status, xmlField(answer.body, "Code"), xmlField(answer.body, "Message")];
        const dev = user("papyrus-ci-deploy-dev");
        assert.deepStrictEqual(refusal(await ecr("BatchDeleteImage", { repositoryName: REPO, imageIds: [{ imageTag: "v1.0.0" }] })), [
            403,
            "AccessDenied",
            `User: ${dev} is not authorized to perform: ecr:BatchDeleteImage`,
        ]);
        assert.deepStrictEqual(refusal(await ecs(REGION.dev, "CreateService", { cluster: CLUSTER, serviceName: "another", taskDefinition: "papyrus-dev:1" })), [
            403,
            "AccessDenied",
            `User: ${dev} is not authorized to perform: ecs:CreateService`,
        ]);
        // S3 ARNs are enforced: dev's checkpoint is readable, prod's is not.
        const object = (stack: StackName) =>
            aws.send({ key: keys.dev, service: "s3", method: "GET", path: `/${BUCKET}/${KEY_PREFIX}/.pulumi/stacks/papyrus/${stack}.json` });
        assert.strictEqual((await object("dev")).status, 200);
        const prodObject = await object("prod");
        assert.deepStrictEqual([prodObject.status, xmlField(prodObject.body, "Code")], [403, "AccessDenied"]);

        // Not enforced by moto, refused by the simulator (and so by AWS): prod's service, on which `WatchService`
        // grants dev nothing, and a listing of prod's checkpoint prefix, which `ListStackState`'s `s3:prefix` does not take.
        const prodService = await ecs(REGION.prod, "DescribeServices", { cluster: CLUSTER, services: [SERVICE] });
        assert.deepStrictEqual([prodService.status, JSON.parse(prodService.body).services?.[0]?.serviceName], [200, SERVICE]);
        const prodServiceArn = `arn:aws:ecs:${REGION.prod}:${MOCK_ACCOUNT_ID}:service/${CLUSTER}/${SERVICE}`;
        const caller = { roleArn: rendered.dev.deploy.arn, providerArn: PROVIDER_ARN };
        const asked = requestFor(caller, "ecs:DescribeServices", prodServiceArn, rendered.prod.resources, {
            "ecs:cluster": `arn:aws:ecs:${REGION.prod}:${MOCK_ACCOUNT_ID}:cluster/${CLUSTER}`,
        });
        assert.strictEqual((await evaluateIdentityRequest(rendered.dev.deploy.policy, asked)).decision, "ImplicitlyDenied");
        const prefix = `${KEY_PREFIX}/.pulumi/stacks/papyrus/prod.json`;
        const listing = await aws.send({ key: keys.dev, service: "s3", method: "GET", path: `/${BUCKET}`, query: { "list-type": "2", prefix } });
        assert.deepStrictEqual([listing.status, xmlField(listing.body, "Key")], [200, prefix]);
        const listed = asRole(rendered.dev, { line: "", action: "s3:ListBucket", resource: `arn:aws:s3:::${BUCKET}`, prefix });
        assert.strictEqual((await evaluateIdentityRequest(rendered.dev.deploy.policy, listed)).decision, "ImplicitlyDenied");
    });

    // kills: `ecr:ListImages` dropped from ProtectDeployedImages (moto refuses it; the deploy still exits 0, its
    // protection only warns); the history directory dropped from the layout's list prefixes (the gate refuses the
    // listing; the deploy still exits 0, with no release verdict recorded).
    it("deploys v2 to dev with dev's deploy role: every call allowed, each a row of the call table; only the login's legacy scan refused", async () => {
        const run = await cli(keys.dev, "deploy", "--stack", "dev", "--tag", "v2.0.0", "--json");
        assert.strictEqual(run.code, 0, run.stderr);
        const evidence = JSON.parse(run.stdout) as EvidenceRecord;
        assert.deepStrictEqual(
            [evidence.kind, evidence.result, evidence.imageDigest, evidence.release?.verdict, verifiedInSync(evidence)],
            ["deploy", "succeeded", images["v2.0.0"].digest, "completed", true],
        );
        assertAllowedBut(run, [LEGACY_SCAN]);
        assert.deepStrictEqual(run.operations, UPDATE_OPERATIONS);
        assertInCallTable(run.operations, "deploy");
        assertWroteOnly(run.s3, "dev");
        // The engine copies the checkpoint (to `.bak`, and into the history): AWS authorizes reading the source too.
        assert.deepStrictEqual([...new Set(run.copySources)], [`GetObject ${BUCKET}/${KEY_PREFIX}/.pulumi/stacks/papyrus/dev.json`]);
    });

    it("rolls dev back to v1 with dev's deploy role: every call allowed; only the legacy scan refused", async () => {
        const run = await cli(keys.dev, "rollback", "--stack", "dev", "--json");
        assert.strictEqual(run.code, 0, run.stderr);
        const evidence = JSON.parse(run.stdout) as EvidenceRecord;
        assert.deepStrictEqual(
            [evidence.kind, evidence.result, evidence.imageDigest, evidence.rollbackOf?.version, verifiedInSync(evidence)],
            ["rollback", "succeeded", images["v1.0.0"].digest, 1, true],
        );
        assertAllowedBut(run, [LEGACY_SCAN]);
        // A rollback reads no scan findings and moves no protective tag (its target keeps its slot): the rest of an update's.
        assert.deepStrictEqual(
            run.operations,
            UPDATE_OPERATIONS.filter((op) => !["ecr:BatchGetImage", "ecr:DescribeImageScanFindings", "ecr:PutImage"].includes(op)),
        );
        assertInCallTable(run.operations, "rollback");
        assertWroteOnly(run.s3, "dev");
    });

    it("promotes dev's v2 deploy (update 2) to prod with prod's deploy role, reading dev's history: every call allowed; only the legacy scan refused", async () => {
        const run = await cli(keys.prod, "promote", "--from", "dev", "--to", "prod", "--version", "2", "--json");
        assert.strictEqual(run.code, 0, run.stderr);
        const evidence = JSON.parse(run.stdout) as EvidenceRecord;
        assert.deepStrictEqual(
            [evidence.kind, evidence.result, evidence.imageDigest, evidence.promotedFrom?.stack, evidence.promotedFrom?.version, verifiedInSync(evidence)],
            ["promote", "succeeded", images["v2.0.0"].digest, "dev", 2, true],
        );
        assertAllowedBut(run, [LEGACY_SCAN]);
        // dev's history and verdicts were read (ReadPromotionSourceHistory), and nothing of dev's written.
        const devHistory = `arn:aws:s3:::${BUCKET}/${KEY_PREFIX}/.pulumi/history/papyrus/dev/`;
        assert.ok(
            run.s3.some((r) => r.action === "s3:GetObject" && r.resource.startsWith(devHistory)),
            "promote read dev's history",
        );
        assertWroteOnly(run.s3, "prod");
        assert.deepStrictEqual(run.operations, UPDATE_OPERATIONS);
        assertInCallTable(run.operations, "promote");
    });

    // kills: dropping the refusal check from classifyEngineError (seen before it existed: `status` exited 9 with
    // "could not be reached: 2 errors occurred:", `history --stack prod` 12 with "cannot be decoded by the engine").
    it("`status` with dev's deploy role: the list of every stack is refused; exit 9 says `status` needs read access to the whole backend", async () => {
        const run = await cli(keys.dev, "status", "--json");
        const message =
            `the state backend \`${backendUrl()}\` refused these credentials while listing every stack: S3 ListObjectsV2 answered 403 AccessDenied; ` +
            "nothing was changed. A stack's deploy role may read and write only that stack's state (and read the history of its `papyrus:promoteFrom` stack): " +
            "`status` lists and reads every stack, so run it with read access to the whole backend, not with a stack's deploy role " +
            '(docs/COMPONENTS.md, "The roles, evaluated")';
        assert.strictEqual(run.code, EXIT_CODES.unreachable, run.stderr);
        assert.strictEqual(run.stderr, `error: ${message}\n`);
        assert.deepStrictEqual(JSON.parse(run.stdout), { error: { code: 9, message } });
        // `pulumi stack ls` lists every project's stacks; the simulator refused it, as AWS would. Before, it
        // reads the workspace's current stack (prod, the last stack the setup created; the driver selects none): refused too, and passed over.
        assert.deepStrictEqual(run.gateRefused, [
            `GetObject ${BUCKET}/${KEY_PREFIX}/.pulumi/stacks/papyrus/prod.json`,
            `ListBucket ${KEY_PREFIX}/.pulumi/stacks/ -`,
            LEGACY_SCAN,
            `ListBucket ${KEY_PREFIX}/.pulumi/stacks/papyrus/prod.json /`,
        ]);
        assert.deepStrictEqual(run.motoRefused, []);
    });

    it("dev's deploy role on prod's state: `history` and `deploy --stack prod` refused with exit 9, prod unchanged", async () => {
        const prodBefore = await cli(aws.admin, "history", "--stack", "prod", "--json");
        assert.strictEqual(prodBefore.code, 0, prodBefore.stderr);

        const history = await cli(keys.dev, "history", "--stack", "prod", "--json");
        const deploy = await cli(keys.dev, "deploy", "--stack", "prod", "--tag", "v1.0.0", "--json");
        for (const run of [history, deploy]) {
            assert.strictEqual(run.code, EXIT_CODES.unreachable, run.stderr);
            const { error } = JSON.parse(run.stdout) as { error: { code: number; message: string } };
            assert.strictEqual(error.code, 9);
            assert.strictEqual(run.stderr, `error: ${error.message}\n`);
            assert.strictEqual(
                error.message,
                `the state backend \`${backendUrl()}\` refused these credentials access to stack \`prod\`: ` +
                    "S3 HeadObject of `.pulumi/stacks/papyrus/prod.json` answered 403 Forbidden; nothing was changed. " +
                    "A stack's deploy role may read and write only that stack's state (and read the history of its `papyrus:promoteFrom` stack): " +
                    'run this with the credentials for stack `prod` (docs/COMPONENTS.md, "The roles, evaluated")',
            );
            // The engine looks for prod's checkpoint with a listing (refused, and passed over), then reads it (refused: the error).
            assert.deepStrictEqual(run.gateRefused, [
                `GetObject ${BUCKET}/${KEY_PREFIX}/.pulumi/stacks/papyrus/prod.json`,
                LEGACY_SCAN,
                `ListBucket ${KEY_PREFIX}/.pulumi/stacks/papyrus/prod.json /`,
            ]);
            assert.deepStrictEqual(run.motoRefused, []);
            assertWroteOnly(run.s3, "dev");
        }
        const prodAfter = await cli(aws.admin, "history", "--stack", "prod", "--json");
        assert.deepStrictEqual(JSON.parse(prodAfter.stdout), JSON.parse(prodBefore.stdout));
    });
});

function xmlField(xml: string, tag: string): string | undefined {
    return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** `ListBucket <prefix> <delimiter or ->` for a listing, `<Action> <bucket/key>` for an object. */
function label(request: S3Request): string {
    return request.action === "s3:ListBucket"
        ? `ListBucket ${request.prefix} ${request.delimiter ?? "-"}`
        : `${request.action.replace("s3:", "")} ${request.resource.split(":::")[1]}`;
}

/** moto's log lines answered 403 in `log`. */
function refusedLines(log: string): string[] {
    return [...log.replace(/\x1b\[[0-9;]*m/g, "").matchAll(/"([A-Z]+ [^"]*) HTTP\/[0-9.]+" 403/g)].map((m) => m[1]);
}

function verifiedInSync(evidence: EvidenceRecord): boolean | undefined {
    return evidence.verify !== undefined && "inSync" in evidence.verify ? evidence.verify.inSync : undefined;
}

/** Nothing refused by moto; the gate (the simulator, for AWS's conditions) refused exactly `expected`. */
function assertAllowedBut(run: { motoRefused: string[]; refusedOperations: string[]; gateRefused: string[] }, expected: string[]): void {
    assert.deepStrictEqual(run.refusedOperations, [], "moto refused ECR or ECS calls");
    assert.deepStrictEqual(run.motoRefused, [], "moto refused calls");
    assert.deepStrictEqual(run.gateRefused, expected, "the simulator refused S3 requests");
}

/** Every object written or deleted is `stack`'s own state. */
function assertWroteOnly(requests: readonly S3Request[], stack: StackName): void {
    const own = [
        `.pulumi/stacks/papyrus/${stack}.`,
        `.pulumi/history/papyrus/${stack}/`,
        `.pulumi/locks/organization/papyrus/${stack}/`,
        `.pulumi/backups/papyrus/${stack}/`,
    ];
    const foreign = requests
        .filter((r) => r.action === "s3:PutObject" || r.action === "s3:DeleteObject")
        .map((r) => r.resource.split(`:::${BUCKET}/${KEY_PREFIX}/`)[1])
        .filter((key) => !own.some((prefix) => key.startsWith(prefix)));
    assert.deepStrictEqual(foreign, [], `wrote outside ${stack}'s state`);
}

/** Every operation sent is a row of components/awsCalls.ts for the deploy role and `operation`. */
function assertInCallTable(operations: readonly string[], operation: Operation): void {
    const table = new Set(AWS_CALLS.filter((c) => c.role === "deploy" && c.operations.includes(operation)).flatMap((c) => c.actions));
    assert.deepStrictEqual(
        operations.filter((op) => !table.has(op)),
        [],
        `calls ${operation} made that components/awsCalls.ts does not list for it`,
    );
}
