// A loopback proxy in front of moto that counts ECR API calls by operation
// (from the `x-amz-target` header, e.g. `AmazonEC2ContainerRegistry_V20150921.DescribeImages`)
// and forwards every request unchanged. Counting at the emulator sees every
// call the driver's ECRClient makes, retries included.
import { startMotoProxy } from "../testkit/motoProxy";

export interface CountingProxy {
    readonly endpoint: string;
    /** Calls so far, by operation (`DescribeImages`). */
    counts(): Record<string, number>;
    close(): Promise<void>;
}

const ECR_TARGET = "AmazonEC2ContainerRegistry";

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
    const counted = new Map<string, number>();
    const proxy = await startMotoProxy(upstream, {
        beforeRequest(operation, target) {
            if (target.includes(ECR_TARGET)) counted.set(operation, (counted.get(operation) ?? 0) + 1);
        },
    });
    return { endpoint: proxy.endpoint, counts: () => Object.fromEntries(counted), close: () => proxy.close() };
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
