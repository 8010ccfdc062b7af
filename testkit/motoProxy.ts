// One loopback proxy in front of moto for the features moto lacks or the moments a test must
// act at: every request goes to moto unchanged; a hook may hold a request until the test lets it
// go, a rewrite may change moto's real JSON answer (seeing the request it answered), and `answer`
// may answer an operation moto does not implement at all, with an error too (say so in the test
// that uses it).
import * as http from "http";
import { AddressInfo } from "net";

export interface MotoProxyHooks {
    /**
     * Called before the request goes to moto, with the operation (`DescribeImages`) and the whole
     * `x-amz-target` (`AmazonEC2ContainerRegistry_V20150921.DescribeImages`); may wait.
     */
    readonly beforeRequest?: (operation: string, target: string) => Promise<void> | void;
    /** Changes moto's successful JSON answer to `operation`; `request` is the JSON body the client sent. */
    readonly rewrite?: (operation: string, answer: any, request: any) => any;
    /**
     * Answers `operation` without asking moto (an API moto lacks): the JSON answer (HTTP 200), a
     * `ProxyAnswer` for another status (an AWS error), or undefined to ask moto.
     */
    readonly answer?: (operation: string, request: any) => object | undefined | Promise<object | undefined>;
    /** Told moto's HTTP status for each `operation` it answered (a refusal is 403). */
    readonly onAnswer?: (operation: string, status: number) => void;
}

/** An answer of the proxy's own with an HTTP status, e.g. a JSON 1.1 error: `new ProxyAnswer(400, { __type: "InvalidParameterException", message })`. */
export class ProxyAnswer {
    constructor(
        readonly status: number,
        readonly body: object,
    ) {}
}

export interface MotoProxy {
    readonly endpoint: string;
    close(): Promise<void>;
}

export async function startMotoProxy(upstream: string, hooks: MotoProxyHooks): Promise<MotoProxy> {
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", async () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            const operation = target.split(".").pop() ?? "";
            try {
                await hooks.beforeRequest?.(operation, target);
                const body = Buffer.concat(chunks);
                const request = () => {
                    try {
                        return body.length ? JSON.parse(body.toString("utf8")) : {};
                    } catch {
                        return {}; // not a JSON protocol request
                    }
                };
                const own = hooks.answer && operation ? await hooks.answer(operation, request()) : undefined;
                if (own !== undefined) {
                    const status = own instanceof ProxyAnswer ? own.status : 200;
                    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
                    res.end(JSON.stringify(own instanceof ProxyAnswer ? own.body : own));
                    return;
                }
                const answer = await forward(upstream, req, body);
                hooks.onAnswer?.(operation, answer.status);
                let payload: Buffer | string = answer.body;
                if (hooks.rewrite && answer.status >= 200 && answer.status < 300 && operation) {
                    payload = JSON.stringify(hooks.rewrite(operation, JSON.parse(payload.toString("utf8")), request()));
                }
                const out: Record<string, string | string[]> = {};
                for (const [k, v] of Object.entries(answer.headers)) {
                    if (v !== undefined && !["content-length", "transfer-encoding", "connection"].includes(k)) out[k] = v;
                }
                res.writeHead(answer.status, out);
                res.end(payload);
            } catch {
                res.destroy();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        close: () => {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

/**
 * The request as the client sent it, headers and all. The client's `Host` is kept: it is signed (SigV4),
 * and moto checks signatures when it enforces IAM (testkit/motoIam.ts).
 */
export function forward(
    upstream: string,
    req: http.IncomingMessage,
    body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const target = new URL(req.url ?? "/", upstream);
    return new Promise((resolve, reject) => {
        const request = http.request(
            { hostname: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
            (answer) => {
                const chunks: Buffer[] = [];
                answer.on("data", (c) => chunks.push(c));
                answer.on("end", () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
                answer.on("error", reject);
            },
        );
        request.on("error", reject);
        request.end(body.length ? body : undefined);
    });
}
