// The engine gets exactly one interrupt when the driver is aborted (Ctrl-C, a CI cancel).
import type { EngineEvent } from "@pulumi/pulumi/automation";

/**
 * How long the driver waits, after an abort, for the engine to say it got an interrupt of its own
 * before it sends one. The Pulumi CLI cancels at a safe point on the first SIGINT or SIGTERM and
 * terminates at once on the second, and a terminal's Ctrl-C, a closed terminal or a CI runner's
 * cancel signal reaches the whole process group, the engine included. So the driver forwards its
 * abort only when the engine has not acknowledged a signal by then.
 */
export const ENGINE_INTERRUPT_GRACE_MS = 3000;

/**
 * The engine's acknowledgement of its first SIGINT or SIGTERM. It comes as a typed `stdoutEvent` in
 * the event stream (pkg/backend/cancellation_scope.go sends "^C received; cancelling. …" or "SIGTERM
 * received; cancelling. …"); the stream's `cancelEvent` is not it: the engine sends that at the end
 * of every operation, cancelled or not.
 */
export function isCancelAcknowledged(event: EngineEvent): boolean {
    return /^(\^C|SIGTERM) received; cancelling/.test(event.stdoutEvent?.message ?? "");
}

/** What an engine command is run with: output and events passed on, and the abort it may forward. */
export interface EngineWiring {
    readonly onOutput: (text: string) => void;
    readonly onEvent: (event: EngineEvent) => void;
    readonly signal: AbortSignal;
}

/**
 * Runs an engine command so that it gets exactly one interrupt when `options.signal` aborts: the
 * abort is forwarded (the Automation API then sends one SIGINT) unless the engine acknowledged a
 * signal of its own within `graceMs`.
 */
export async function withEngineInterrupt<T>(
    options: {
        readonly onOutput?: (text: string) => void;
        /** The engine's output, when it goes elsewhere than `onOutput`. */
        readonly onEngineOutput?: (text: string) => void;
        readonly onEvent?: (event: EngineEvent) => void;
        readonly signal?: AbortSignal;
    },
    run: (engine: EngineWiring) => Promise<T>,
    graceMs = ENGINE_INTERRUPT_GRACE_MS,
): Promise<T> {
    const engineAbort = new AbortController();
    let engineHeard = false;
    const onEvent = (event: EngineEvent) => {
        if (isCancelAcknowledged(event)) engineHeard = true;
        options.onEvent?.(event);
    };
    const onOutput = (text: string) => (options.onEngineOutput ?? options.onOutput)?.(text);
    let timer: NodeJS.Timeout | undefined;
    const forward = () => {
        timer = setTimeout(() => {
            if (!engineHeard) engineAbort.abort();
        }, graceMs);
    };
    options.signal?.addEventListener("abort", forward, { once: true });
    try {
        return await run({ onOutput, onEvent, signal: engineAbort.signal });
    } finally {
        options.signal?.removeEventListener("abort", forward);
        if (timer) clearTimeout(timer);
    }
}
