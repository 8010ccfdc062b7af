// A loopback proxy in front of moto that holds one kind of request (e.g. ECR
// DescribeImages) until the test lets it go, so a test can act at an exact
// point of the driver's run (Ctrl-C while the tag is being resolved) instead
// of after a sleep. Every answer is moto's own.
import * as http from "http";
import { AddressInfo } from "net";

export interface HoldingProxy {
    readonly endpoint: string;
    /** Resolves when the first held request arrives. */
    readonly reached: Promise<void>;
    /** Lets held requests (and all later ones) through. */
    release(): void;
    close(): Promise<void>;
}

export async function startHoldingProxy(upstream: string, operation: string): Promise<HoldingProxy> {
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", async () => {
            if (String(req.headers["x-amz-target"]).endsWith(`.${operation}`)) {
                reach();
                await released;
            }
            const body = Buffer.concat(chunks);
            const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host")) as Record<string, string>;
            try {
                const answer = await fetch(upstream + (req.url ?? "/"), { method: req.method, headers, body: body.length ? body : undefined });
                const out: Record<string, string> = {};
                answer.headers.forEach((v, k) => {
                    if (!["content-length", "content-encoding", "transfer-encoding"].includes(k)) out[k] = v;
                });
                res.writeHead(answer.status, out);
                res.end(Buffer.from(await answer.arrayBuffer()));
            } catch {
                res.destroy();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        reached,
        release,
        close: () => {
            release();
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
