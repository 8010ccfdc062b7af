// moto with IAM enforcement on, as test/engine/iamEnforced.test.ts uses it.
//
// moto_server authenticates and authorizes every request after the first
// `INITIAL_NO_AUTH_ACTION_COUNT` (moto/core/authorization.py): the request must
// be signed (SigV4) with the access key of an IAM user moto knows, and the
// user's policies must allow the action. The first requests are the bootstrap:
// an administrator user created through moto's IAM API with any credentials, as
// an account's root would; everything after is signed with real keys.
//
// What moto 5.2.5 enforces, read from moto/iam/access_control.py and recorded by
// the test: the action, for every service; the resource ARN only for S3 (bucket,
// or bucket/key); every other request is matched against the resource `*`, so a
// statement scoped to an ARN never matches it. Conditions of identity policies
// are not evaluated (only `sts:ExternalId` in trust policies is), so a statement
// with conditions applies as if they held. `sts:GetCallerIdentity` is always allowed.
import { createHash, createHmac, type Hash, type Hmac } from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";
import { SignatureV4 } from "@smithy/signature-v4";
import type { PolicyDocument, PolicyStatement } from "../components/policyDocument";
import { startMoto, MotoServer, TEST_REGION } from "./moto";
import { forward } from "./motoProxy";

export interface AccessKey {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
}

/** The requests moto answers without authentication: the three that create the administrator. */
export const BOOTSTRAP_REQUESTS = 3;
/** Credentials moto knows nothing of: accepted only during the bootstrap. */
export const BOOTSTRAP_KEY: AccessKey = { accessKeyId: "bootstrap", secretAccessKey: "bootstrap" };

const ADMINISTRATOR_POLICY: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

export interface IamEnforcedMoto {
    readonly moto: MotoServer;
    /** An IAM user with `Action: *` on `Resource: *`: sets up what a deploy role may not (buckets, repositories, clusters). */
    readonly admin: AccessKey;
    /** The environment of an AWS client or CLI that signs with `key` (moto's endpoint and region as in `moto.env`). */
    envFor(key: AccessKey): Record<string, string>;
    /** An IAM user whose only permissions are `policy` (one inline policy), and its access key. */
    createUser(name: string, policy: PolicyDocument): Promise<AccessKey>;
    /** S3 CreateBucket, signed by the administrator. */
    createBucket(bucket: string): Promise<void>;
    /** A signed request to moto, for the calls this file's users make outside an SDK. */
    send(request: SignedRequest): Promise<{ status: number; body: string }>;
    /** moto's request log so far, one line per request (method, path and query, status). */
    log(): string;
    stop(): Promise<void>;
}

export interface SignedRequest {
    readonly key: AccessKey;
    readonly service: "iam" | "s3" | "ecr" | "ecs";
    /** @default us-east-1 for IAM (global), else the tests' region */
    readonly region?: string;
    readonly method: string;
    /** The path, without the query. */
    readonly path: string;
    readonly query?: Record<string, string>;
    /** A form-encoded body (IAM's query API). */
    readonly form?: Record<string, string>;
    /** A JSON-protocol call (ECR, ECS): its `x-amz-target` and input. */
    readonly json?: { readonly target: string; readonly input: object };
}

/** Starts moto with IAM enforcement and creates its administrator with the bootstrap requests. */
export async function startMotoWithIam(): Promise<IamEnforcedMoto> {
    let log = "";
    const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: String(BOOTSTRAP_REQUESTS) }, onLog: (text) => (log += text) });
    const send = (request: SignedRequest) => signedRequest(moto.endpoint, request);
    const iam = async (key: AccessKey, action: string, params: Record<string, string>): Promise<string> => {
        const answer = await send({ key, service: "iam", method: "POST", path: "/", form: { Action: action, Version: "2010-05-08", ...params } });
        if (answer.status !== 200) throw new Error(`moto refused IAM ${action} (${answer.status}): ${answer.body}`);
        return answer.body;
    };
    const createUser = async (key: AccessKey, name: string, policy: PolicyDocument): Promise<AccessKey> => {
        await iam(key, "CreateUser", { UserName: name });
        await iam(key, "PutUserPolicy", { UserName: name, PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify(policy) });
        const created = await iam(key, "CreateAccessKey", { UserName: name });
        const field = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(created)?.[1];
        const accessKeyId = field("AccessKeyId");
        const secretAccessKey = field("SecretAccessKey");
        if (!accessKeyId || !secretAccessKey) throw new Error(`moto's CreateAccessKey answered no key: ${created}`);
        return { accessKeyId, secretAccessKey };
    };
    try {
        const admin = await createUser(BOOTSTRAP_KEY, "administrator", ADMINISTRATOR_POLICY);
        return {
            moto,
            admin,
            envFor: (key) => ({ ...moto.env, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey }),
            createUser: (name, policy) => createUser(admin, name, policy),
            async createBucket(bucket) {
                const answer = await send({ key: admin, service: "s3", method: "PUT", path: `/${bucket}` });
                if (answer.status !== 200) throw new Error(`moto could not create bucket ${bucket}: ${answer.status} ${answer.body}`);
            },
            send,
            log: () => log,
            stop: () => moto.stop(),
        };
    } catch (err) {
        await moto.stop();
        throw err;
    }
}

/**
 * `policy` as moto can enforce it: statements of S3 actions exactly as written (moto checks their
 * resource ARNs); every other statement on `Resource: *`, since moto matches each non-S3 request
 * against `*` and an ARN would refuse them all. Actions, effects and conditions stay (moto does not
 * evaluate identity-policy conditions). Whether the ARNs and conditions allow each call is the IAM
 * simulator's to judge (test/mocks/leastPrivilege.test.ts).
 */
export function motoEnforceable(policy: PolicyDocument): PolicyDocument {
    return { ...policy, Statement: policy.Statement.map(enforceableStatement) };
}

function enforceableStatement(statement: PolicyStatement): PolicyStatement {
    const actions = [statement.Action].flat();
    const s3 = actions.filter((action) => action.startsWith("s3:"));
    if (s3.length === actions.length) return statement;
    if (s3.length > 0) {
        throw new Error(`statement \`${statement.Sid ?? "(no Sid)"}\` mixes S3 and other actions; moto checks the resources of the S3 ones only: split it`);
    }
    return { ...statement, Resource: "*" };
}

// ---------------------------------------------------------------------------
// S3 requests as AWS authorizes them: from moto's log, and live in front of moto.

/** One S3 request on the state bucket, and what IAM authorizes for it. */
export interface S3Request {
    /** `GET /bucket?list-type=2&prefix=…`, as sent. */
    readonly line: string;
    /** `s3:GetObject`, `s3:PutObject`, `s3:DeleteObject` or `s3:ListBucket`. */
    readonly action: string;
    /** The object's ARN, or the bucket's for a listing. */
    readonly resource: string;
    /** A listing's `prefix`, `delimiter` and `max-keys` (the keys `s3:prefix`, `s3:delimiter`, `s3:max-keys`). */
    readonly prefix?: string;
    readonly delimiter?: string;
    readonly maxKeys?: string;
    /** A CopyObject's source object (ARN), which AWS also authorizes (`s3:GetObject`); the log does not show it. */
    readonly copySource?: string;
}

/**
 * `method` on `target` (path and query) as the request AWS authorizes: HEAD and GET of an object are
 * `s3:GetObject`, PUT `s3:PutObject` (a copy's destination too), DELETE `s3:DeleteObject`, ListObjectsV2
 * `s3:ListBucket`. Undefined for another bucket; a request the state backend never makes throws.
 */
export function s3RequestOf(method: string, target: string, bucket: string, copySourceHeader?: string): S3Request | undefined {
    const url = new URL(target, "http://moto");
    const parts = url.pathname.split("/").slice(1);
    if (parts[0] !== bucket) return undefined;
    const key = parts.slice(1).map(decodeURIComponent).join("/");
    const line = `${method} ${target}`;
    if (key === "") {
        if (method !== "GET" || url.searchParams.get("list-type") !== "2") throw new Error(`not a request the state backend makes: ${line}`);
        const param = (name: string) => url.searchParams.get(name) ?? undefined;
        return {
            line,
            action: "s3:ListBucket",
            resource: `arn:aws:s3:::${bucket}`,
            prefix: param("prefix") ?? "",
            delimiter: param("delimiter"),
            maxKeys: param("max-keys"),
        };
    }
    const action = { GET: "s3:GetObject", HEAD: "s3:GetObject", PUT: "s3:PutObject", DELETE: "s3:DeleteObject" }[method];
    if (action === undefined) throw new Error(`not a request the state backend makes: ${line}`);
    const source = copySourceHeader === undefined ? undefined : decodeURIComponent(copySourceHeader.split("?")[0]).replace(/^\//, "");
    return { line, action, resource: `arn:aws:s3:::${bucket}/${key}`, ...(source === undefined ? {} : { copySource: `arn:aws:s3:::${source}` }) };
}

/** The requests for `bucket` in moto's `log` (werkzeug's lines: `"GET /bucket/key?x-id=GetObject HTTP/1.1" 200 -`), with moto's status. */
export function s3RequestsIn(log: string, bucket: string): (S3Request & { readonly status: number })[] {
    const requests: (S3Request & { readonly status: number })[] = [];
    for (const [, method, target, status] of log.replace(/\x1b\[[0-9;]*m/g, "").matchAll(/"(GET|HEAD|PUT|DELETE|POST) (\/[^ ]*) HTTP\/[0-9.]+" (\d{3})/g)) {
        const request = s3RequestOf(method, target, bucket);
        if (request !== undefined) requests.push({ ...request, status: Number(status) });
    }
    return requests;
}

/** Whether AWS would allow `request` by the user whose access key is `accessKeyId`: true lets it through to moto. */
export type S3Decision = (request: S3Request, accessKeyId: string) => Promise<boolean>;

export interface S3Gate {
    readonly endpoint: string;
    /** Every decision so far (a CopyObject's two), with the access key that signed the request. */
    readonly decided: readonly (S3Request & { readonly accessKeyId: string; readonly allowed: boolean })[];
    /** The requests refused so far. */
    readonly refused: readonly (S3Request & { readonly accessKeyId: string })[];
    /** Requests the gate could not decide or pass on (answered 500): a test asserts there are none. */
    readonly failures: readonly string[];
    close(): Promise<void>;
}

/**
 * A loopback gate in front of moto's S3 for the conditions moto does not evaluate: each request on `bucket`
 * is decided by `decide` (the test asks the IAM simulator, which evaluates `s3:prefix`), and refused as S3
 * refuses (403 `AccessDenied`, no body for HEAD) when it says no, else passed to moto unchanged, signature
 * and all, where moto checks the signature, the action and the ARN again. A CopyObject is decided twice, as
 * AWS authorizes it: `s3:PutObject` on the destination and `s3:GetObject` on the source.
 */
export async function startS3Gate(upstream: string, bucket: string, decide: S3Decision): Promise<S3Gate> {
    const decided: (S3Request & { accessKeyId: string; allowed: boolean })[] = [];
    const refused: (S3Request & { accessKeyId: string })[] = [];
    const failures: string[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", async () => {
            try {
                const copySource = req.headers["x-amz-copy-source"];
                const request = s3RequestOf(req.method ?? "GET", req.url ?? "/", bucket, typeof copySource === "string" ? copySource : undefined);
                const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
                const asked =
                    request === undefined
                        ? []
                        : [request, ...(request.copySource ? [{ ...request, action: "s3:GetObject", resource: request.copySource }] : [])];
                for (const one of asked) {
                    const allowed = await decide(one, accessKeyId);
                    decided.push({ ...one, accessKeyId, allowed });
                    if (allowed) continue;
                    refused.push({ ...one, accessKeyId });
                    const body = req.method === "HEAD" ? undefined : S3_ACCESS_DENIED;
                    res.writeHead(403, { "content-type": "application/xml", ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) });
                    res.end(body);
                    return;
                }
                const answer = await forward(upstream, req, Buffer.concat(chunks));
                const headers = Object.fromEntries(
                    Object.entries(answer.headers).filter(([k, v]) => v !== undefined && !["transfer-encoding", "connection"].includes(k)),
                );
                res.writeHead(answer.status, headers as http.OutgoingHttpHeaders);
                res.end(answer.body);
            } catch (err) {
                failures.push(`${req.method} ${req.url}: ${(err as Error).message}`);
                res.writeHead(500);
                res.end(String((err as Error).message));
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        decided,
        refused,
        failures,
        close: () => {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

const S3_ACCESS_DENIED =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>s3-gate</RequestId><HostId>s3-gate</HostId></Error>';

// ---------------------------------------------------------------------------
// SigV4 for the few requests made without an SDK client (IAM, S3 CreateBucket).

async function signedRequest(endpoint: string, request: SignedRequest): Promise<{ status: number; body: string }> {
    const url = new URL(endpoint);
    const body = request.form !== undefined ? formBody(request.form) : request.json !== undefined ? JSON.stringify(request.json.input) : undefined;
    const contentType: Record<string, string> =
        request.form !== undefined
            ? { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }
            : request.json !== undefined
              ? { "content-type": "application/x-amz-json-1.1", "x-amz-target": request.json.target }
              : {};
    const signer = new SignatureV4({
        service: request.service,
        // IAM is global (signed for us-east-1); moto serves every region from one endpoint.
        region: request.region ?? (request.service === "iam" ? "us-east-1" : TEST_REGION),
        credentials: request.key,
        sha256: NodeSha256,
        uriEscapePath: request.service !== "s3",
        applyChecksum: request.service === "s3",
    });
    const signed = await signer.sign({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: request.path,
        query: request.query ?? {},
        headers: { host: url.host, ...contentType },
        body,
    });
    const query = new URLSearchParams(request.query ?? {}).toString();
    const answer = await fetch(`${endpoint}${request.path}${query ? `?${query}` : ""}`, { method: request.method, headers: signed.headers, body });
    return { status: answer.status, body: await answer.text() };
}

/**
 * A form body percent-encoded as botocore encodes it (RFC 3986: only `A-Z a-z 0-9 - _ . ~` kept). moto
 * checks the signature of what it parsed, encoded that way: `URLSearchParams`' `*` would not match.
 */
function formBody(form: Record<string, string>): string {
    const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return Object.entries(form)
        .map(([key, value]) => `${encode(key)}=${encode(value)}`)
        .join("&");
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 asks for. */
class NodeSha256 {
    private hash: Hash | Hmac;
    constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
        this.hash = this.fresh();
    }
    update(data: string | ArrayBuffer | ArrayBufferView): void {
        this.hash.update(toBuffer(data));
    }
    async digest(): Promise<Uint8Array> {
        return new Uint8Array(this.hash.digest());
    }
    reset(): void {
        this.hash = this.fresh();
    }
    private fresh(): Hash | Hmac {
        return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
    }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
    if (typeof data === "string") return Buffer.from(data, "utf8");
    if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return Buffer.from(data);
}
