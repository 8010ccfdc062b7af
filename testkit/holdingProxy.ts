// Holds one kind of request (e.g. ECR DescribeImages) until the test lets it go, so a test can
// act at an exact point of the driver's run (Ctrl-C while the tag is being resolved) instead of
// after a sleep. Every answer is moto's own.
import { startMotoProxy } from "./motoProxy";

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
    const proxy = await startMotoProxy(upstream, {
        async beforeRequest(op) {
            if (op !== operation) return;
            reach();
            await released;
        },
    });
    return {
        endpoint: proxy.endpoint,
        reached,
        release,
        close: () => {
            release();
            return proxy.close();
        },
    };
}
