// moto 5.2.5 does not implement ECR image archiving (no `imageStatus`), so this proxy marks the
// chosen digests `ARCHIVED` in DescribeImages answers the way ECR reports an archived image.
// Everything else is moto's real answer.
import { startMotoProxy } from "./motoProxy";

export interface ArchivingProxy {
    readonly endpoint: string;
    readonly archived: Set<string>;
    close(): Promise<void>;
}

export async function startArchivingProxy(upstream: string): Promise<ArchivingProxy> {
    const archived = new Set<string>();
    const proxy = await startMotoProxy(upstream, {
        rewrite(operation, answer) {
            if (operation !== "DescribeImages") return answer;
            for (const detail of answer.imageDetails ?? []) {
                if (archived.has(detail.imageDigest)) detail.imageStatus = "ARCHIVED";
            }
            return answer;
        },
    });
    return { endpoint: proxy.endpoint, archived, close: () => proxy.close() };
}
