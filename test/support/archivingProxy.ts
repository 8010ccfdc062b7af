// moto 5.2.5 does not implement ECR image archiving (no `imageStatus`), so
// this loopback proxy passes every request to moto unchanged and, in
// DescribeImages answers only, marks the chosen digests `ARCHIVED` the way
// ECR reports an archived image. Everything else is moto's real answer.
import * as http from "http";
import { AddressInfo } from "net";

export interface ArchivingProxy {
    readonly endpoint: string;
    readonly archived: Set<string>;
    close(): Promise<void>;
}

export async function startArchivingProxy(upstream: string): Promise<ArchivingProxy> {
    const archived = new Set<string>();
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", async () => {
            const body = Buffer.concat(chunks);
            const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host")) as Record<string, string>;
            const answer = await fetch(upstream + (req.url ?? "/"), { method: req.method, headers, body: body.length ? body : undefined });
            let text = await answer.text();
            if (String(req.headers["x-amz-target"]).endsWith(".DescribeImages") && answer.ok) {
                const json = JSON.parse(text);
                for (const detail of json.imageDetails ?? []) {
                    if (archived.has(detail.imageDigest)) detail.imageStatus = "ARCHIVED";
                }
                text = JSON.stringify(json);
            }
            const out: Record<string, string> = {};
            answer.headers.forEach((v, k) => {
                if (!["content-length", "content-encoding", "transfer-encoding"].includes(k)) out[k] = v;
            });
            res.writeHead(answer.status, out);
            res.end(text);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        archived,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
