// moto 5.2.5 does not implement ECR image archiving (no `imageStatus`; UpdateImageStorageClass
// answers HTTP 500 with an HTML page), so this proxy plays ECR's archive storage class for the
// chosen digests: DescribeImages answers mark them `ARCHIVED`, UpdateImageStorageClass (answered
// here, as ECR documents it) moves one to `ACTIVATING`, and after `activeAfterPolls` more
// DescribeImages answers it is `ACTIVE` again, as a restore ends. Everything else is moto's real answer.
import { startMotoProxy } from "./motoProxy";

export interface ArchivingProxy {
    readonly endpoint: string;
    readonly archived: Set<string>;
    /** Digest → DescribeImages answers left until its restore ends (ACTIVATING until then). */
    readonly activating: Map<string, number>;
    /** Every UpdateImageStorageClass request, as sent. */
    readonly storageClassRequests: Array<{ repositoryName: string; imageId: { imageDigest?: string }; targetStorageClass: string }>;
    close(): Promise<void>;
}

/** `activeAfterPolls`: how many DescribeImages answers a restored image stays ACTIVATING (Infinity: the restore never ends). */
export async function startArchivingProxy(upstream: string, activeAfterPolls = 0): Promise<ArchivingProxy> {
    const archived = new Set<string>();
    const activating = new Map<string, number>();
    const storageClassRequests: ArchivingProxy["storageClassRequests"] = [];
    const proxy = await startMotoProxy(upstream, {
        answer(operation, request) {
            if (operation !== "UpdateImageStorageClass") return undefined;
            storageClassRequests.push(request);
            const digest = request.imageId?.imageDigest;
            if (request.targetStorageClass === "STANDARD" && archived.delete(digest)) activating.set(digest, activeAfterPolls);
            return {
                registryId: "123456789012",
                repositoryName: request.repositoryName,
                imageId: request.imageId,
                imageStatus: activating.has(digest) ? "ACTIVATING" : "ACTIVE",
            };
        },
        rewrite(operation, answer) {
            if (operation !== "DescribeImages") return answer;
            for (const detail of answer.imageDetails ?? []) {
                if (archived.has(detail.imageDigest)) detail.imageStatus = "ARCHIVED";
                const left = activating.get(detail.imageDigest);
                if (left !== undefined) {
                    if (left > 0) {
                        detail.imageStatus = "ACTIVATING";
                        activating.set(detail.imageDigest, left - 1);
                    } else {
                        activating.delete(detail.imageDigest);
                    }
                }
            }
            return answer;
        },
    });
    return { endpoint: proxy.endpoint, archived, activating, storageClassRequests, close: () => proxy.close() };
}
