// The engine gets exactly one interrupt when the driver is aborted (Ctrl-C, a CI cancel).
/**
 * How long the driver waits, after an abort, for the engine to say it got an interrupt of its own
 * before it sends one. The Pulumi CLI cancels at a safe point on the first SIGINT or SIGTERM and
 * terminates at once on the second, and a terminal's Ctrl-C, a closed terminal or a CI runner's
 * cancel signal reaches the whole process group, the engine included. So the driver forwards its
 * abort only when the engine has not printed `received; cancelling` by then.
 */
export const ENGINE_INTERRUPT_GRACE_MS = 3000;
const ENGINE_CANCELLING = /(\^C|SIGTERM) received; cancelling/;

/** Runs an engine command so that it gets exactly one interrupt when `options.signal` aborts. */
export async function withEngineInterrupt<T>(
    options: { readonly onOutput?: (text: string) => void; readonly signal?: AbortSignal },
    run: (engine: { onOutput: (text: string) => void; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
    const engineAbort = new AbortController();
    let tail = "";
    let engineHeard = false;
    const onOutput = (text: string) => {
        tail = (tail + text).slice(-200);
        if (ENGINE_CANCELLING.test(tail)) engineHeard = true;
        options.onOutput?.(text);
    };
    let timer: NodeJS.Timeout | undefined;
    const forward = () => {
        timer = setTimeout(() => {
            if (!engineHeard) engineAbort.abort();
        }, ENGINE_INTERRUPT_GRACE_MS);
    };
    options.signal?.addEventListener("abort", forward, { once: true });
    try {
        return await run({ onOutput, signal: engineAbort.signal });
    } finally {
        options.signal?.removeEventListener("abort", forward);
        if (timer) clearTimeout(timer);
    }
}
