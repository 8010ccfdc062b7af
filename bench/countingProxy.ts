// A loopback proxy in front of moto that counts ECR API calls by operation
// (from the `x-amz-target` header, e.g. `AmazonEC2ContainerRegistry_V20150921.DescribeImages`)
// and forwards every request unchanged. Counting at the emulator sees every
// call the driver's ECRClient makes, retries included.
import * as http from "http";
import { AddressInfo } from "net";

export interface CountingProxy {
    readonly endpoint: string;
    /** Calls so far, by operation (`DescribeImages`). */
    counts(): Record<string, number>;
    close(): Promise<void>;
}

const ECR_TARGET = "AmazonEC2ContainerRegistry";

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
    const counted = new Map<string, number>();
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", async () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            if (target.includes(ECR_TARGET)) {
                const operation = target.slice(target.lastIndexOf(".") + 1);
                counted.set(operation, (counted.get(operation) ?? 0) + 1);
            }
            try {
                const body = Buffer.concat(chunks);
                const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host")) as Record<string, string>;
                const answer = await fetch(upstream + (req.url ?? "/"), { method: req.method, headers, body: body.length ? body : undefined });
                const text = Buffer.from(await answer.arrayBuffer());
                const out: Record<string, string> = {};
                answer.headers.forEach((v, k) => {
                    if (!["content-length", "content-encoding", "transfer-encoding"].includes(k)) out[k] = v;
                });
                res.writeHead(answer.status, out);
                res.end(text);
            } catch (err) {
                res.writeHead(502, { "content-type": "text/plain" });
                res.end(`counting proxy: upstream ${upstream} failed: ${String(err)}`);
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        counts: () => Object.fromEntries(counted),
        close: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

/** Calls made between two snapshots, by operation, zero counts left out. */
export function countsSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
    const diff: Record<string, number> = {};
    for (const [op, n] of Object.entries(after)) {
        const d = n - (before[op] ?? 0);
        if (d > 0) diff[op] = d;
    }
    return diff;
}

export function total(counts: Record<string, number>): number {
    return Object.values(counts).reduce((a, b) => a + b, 0);
}
