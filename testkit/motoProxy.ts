// One loopback proxy in front of moto for the features moto lacks or the moments a test must
// act at: every request goes to moto unchanged; a hook may hold a request until the test lets it
// go, a rewrite may change moto's real JSON answer, and `answer` may answer an operation moto
// does not implement at all (say so in the test that uses it).
import * as http from "http";
import { AddressInfo } from "net";

export interface MotoProxyHooks {
    /**
     * Called before the request goes to moto, with the operation (`DescribeImages`) and the whole
     * `x-amz-target` (`AmazonEC2ContainerRegistry_V20150921.DescribeImages`); may wait.
     */
    readonly beforeRequest?: (operation: string, target: string) => Promise<void> | void;
    /** Changes moto's successful JSON answer to `operation`. */
    readonly rewrite?: (operation: string, answer: any) => any;
    /** Answers `operation` without asking moto (an API moto lacks): the JSON answer, or undefined to ask moto. */
    readonly answer?: (operation: string, request: any) => object | undefined;
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
                const own = hooks.answer && operation ? hooks.answer(operation, body.length ? JSON.parse(body.toString("utf8")) : {}) : undefined;
                if (own !== undefined) {
                    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
                    res.end(JSON.stringify(own));
                    return;
                }
                const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host")) as Record<string, string>;
                const answer = await fetch(upstream + (req.url ?? "/"), { method: req.method, headers, body: body.length ? body : undefined });
                let payload: Buffer | string = Buffer.from(await answer.arrayBuffer());
                if (hooks.rewrite && answer.ok && operation) {
                    payload = JSON.stringify(hooks.rewrite(operation, JSON.parse(payload.toString("utf8"))));
                }
                const out: Record<string, string> = {};
                answer.headers.forEach((v, k) => {
                    if (!["content-length", "content-encoding", "transfer-encoding"].includes(k)) out[k] = v;
                });
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
