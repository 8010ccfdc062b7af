// DigestPinnedService's defaults, once: SERVICE_DEFAULTS holds every value an
// argument takes when it is not given, shaped like the arguments, and
// `withDefaults` applies it. The type the component builds from
// (`ResolvedServiceArgs`) is derived from the argument types and this object,
// so a default added here is a required field there without a second list.
// The `@default` tags in digestPinnedServiceArgs.ts document these values;
// test/unit/serviceDefaultsDocs.test.ts fails when the two disagree.
// Pure: no Pulumi or AWS import at run time (the driver loads the checks that use it).
import type { DigestPinnedServiceArgs } from "./digestPinnedServiceArgs";

/** What a computed default may depend on besides the other arguments: the component's name and the stack. */
export interface DefaultContext {
    readonly name: string;
    readonly stack: string;
}

const WHEN_GIVEN: unique symbol = Symbol("whenGiven");
/** A section of SERVICE_DEFAULTS whose defaults apply only when the caller gives the section; an absent one stays absent. */
export type WhenGiven = { readonly [WHEN_GIVEN]: true };

/** Marks `defaults` as the defaults of an optional section's fields (`autoscaling`, `https`): they fill the section when given, and never create it. */
export function whenGiven<T extends object>(defaults: T): T & WhenGiven {
    return Object.defineProperty(defaults, WHEN_GIVEN, { value: true, enumerable: false }) as T & WhenGiven;
}

/** True for a section marked by `whenGiven`. */
export function isWhenGiven(value: unknown): boolean {
    return typeof value === "object" && value !== null && WHEN_GIVEN in value;
}

/**
 * The defaults `A` can take: each field a value, a function that computes it from the arguments filled so far
 * (the literal defaults applied) and the `DefaultContext`, or, for an object, the defaults of its fields.
 */
export type DefaultsOf<A> = { readonly [K in keyof A]?: DefaultOf<NonNullable<A[K]>> };
type DefaultOf<V> = V | ((filled: never, at: DefaultContext) => V) | (V extends readonly unknown[] ? never : V extends object ? DefaultsOf<V> : never);
type Computed = (filled: never, at: DefaultContext) => unknown;

/**
 * `A` with the defaults `D` applied: every field `D` has a default for is required, except a section marked
 * `whenGiven`, which stays optional (its fields filled when it is there); every other field is as `A` declares it.
 */
export type WithDefaults<A, D> = Readonly<Omit<A, keyof D>> & {
    readonly [K in keyof A & Exclude<keyof D, WhenGivenKeys<D>>]-?: Filled<A[K], D[K]>;
} & { readonly [K in keyof A & WhenGivenKeys<D>]?: WithDefaults<NonNullable<A[K]>, D[K]> };
type WhenGivenKeys<D> = { [K in keyof D]: D[K] extends WhenGiven ? K : never }[keyof D];
type Filled<V, DV> = DV extends Computed | readonly unknown[]
    ? NonNullable<V>
    : [keyof DV] extends [never]
      ? NonNullable<V>
      : DV extends object
        ? WithDefaults<NonNullable<V>, DV>
        : NonNullable<V>;

/**
 * The container health check command that needs nothing but `node` in the image: fetch the health path on the
 * loopback address, exit 0 on a 2xx, 1 otherwise (examples/app answers `/health` and `/healthz`).
 */
export function nodeHealthCheckCommand(port: number, path: string): string[] {
    const url = JSON.stringify(`http://127.0.0.1:${port}${path}`);
    return ["CMD", "node", "-e", `fetch(${url}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}

/** Every default of DigestPinnedService's arguments, shaped like them. */
export const SERVICE_DEFAULTS = {
    family: (_filled: unknown, at: DefaultContext) => `${at.name}-${at.stack}`,
    cpu: 256,
    memory: 512,
    containerName: "app",
    containerPort: 8080,
    environment: {},
    secrets: {},
    desiredCount: 1,
    autoscaling: whenGiven({ cpuTargetPercent: 60, requestsPerTarget: 1000, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 }),
    https: whenGiven({ sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09" }),
    httpOnly: false,
    healthCheck: { path: "/health", intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200-399" },
    containerHealthCheck: {
        command: (filled: { readonly containerPort: number; readonly healthCheck: { readonly path: string } }) =>
            nodeHealthCheckCommand(filled.containerPort, filled.healthCheck.path),
        intervalSeconds: 15,
        timeoutSeconds: 5,
        retries: 3,
        startPeriodSeconds: 10,
    },
    readonlyRootFilesystem: true,
    user: "1000:1000",
    stopTimeoutSeconds: 30,
    enableExecuteCommand: false,
    deployment: {
        strategy: "ROLLING",
        bakeTimeMinutes: 10,
        // The production listener has 443 (and 80) with HTTPS, 80 alone without.
        testListener: whenGiven({ port: (filled: { readonly https?: object }) => (filled.https === undefined ? 8080 : 8443) }),
        // ECS's own defaults (API reference, LinearConfiguration and CanaryConfiguration), written out so the service says them.
        linear: whenGiven({ stepPercent: 10, stepBakeTimeMinutes: 6 }),
        canary: whenGiven({ percent: 5, bakeTimeMinutes: 10 }),
        pause: whenGiven({ timeoutMinutes: 1440, onTimeout: "ROLLBACK" as const }),
    },
    deploymentAlarms: {
        target5xx: { threshold: 5, periodSeconds: 60, evaluationPeriods: 2 },
        unhealthyHosts: { threshold: 1, periodSeconds: 60, evaluationPeriods: 3 },
    },
    deregistrationDelay: 30,
    healthCheckGracePeriodSeconds: 30,
    logRetentionDays: 30,
    vpc: { numberOfAvailabilityZones: 2, natGateways: "Single" },
    assignPublicIp: false,
    tags: {},
} as const satisfies DefaultsOf<DigestPinnedServiceArgs>;

/** The arguments with SERVICE_DEFAULTS applied, before the listener and deployment are put in their resolved forms. */
type FilledServiceArgs = WithDefaults<DigestPinnedServiceArgs, typeof SERVICE_DEFAULTS>;

/** The listener the service is reached through: HTTPS with a certificate of one of two kinds, or plain HTTP. */
export type ResolvedListener =
    | {
          readonly protocol: "HTTPS";
          readonly certificate: { readonly arn: string } | { readonly domain: string; readonly hostedZoneId: string };
          readonly sslPolicy: string;
      }
    | { readonly protocol: "HTTP" };

type FilledDeployment = FilledServiceArgs["deployment"];
/** The PAUSE hook with its timeout and action filled in. */
export type ResolvedPause = NonNullable<FilledDeployment["pause"]>;
/** What every traffic-shifting strategy has: its bake time and, when asked for, a test listener. */
type TrafficShift = Pick<FilledDeployment, "bakeTimeMinutes" | "testListener">;

/**
 * Rolling has no settings of its own; blue/green, linear and canary have their bake time, a test listener when
 * asked for, and linear and canary their steps. Any of them may pause.
 */
export type ResolvedDeployment = { readonly pause?: ResolvedPause } & (
    | { readonly strategy: "ROLLING" }
    | (TrafficShift & { readonly strategy: "BLUE_GREEN" })
    | (TrafficShift & { readonly strategy: "LINEAR"; readonly linear: NonNullable<FilledDeployment["linear"]> })
    | (TrafficShift & { readonly strategy: "CANARY"; readonly canary: NonNullable<FilledDeployment["canary"]> })
);

/** The arguments with every default applied: what the component builds from. */
export type ResolvedServiceArgs = Omit<FilledServiceArgs, "https" | "httpOnly" | "deployment"> & {
    readonly listener: ResolvedListener;
    readonly deployment: ResolvedDeployment;
};

/** The arguments with every default applied. Call after `digestPinnedServiceProblems` found nothing. */
export function withDefaults(args: DigestPinnedServiceArgs, name: string, stack: string): ResolvedServiceArgs {
    const { https, httpOnly: _httpOnly, deployment, ...filled } = applyDefaults(args, SERVICE_DEFAULTS, { name, stack });
    return {
        ...filled,
        // A scaled service starts at its minimum; the scaler moves it from there.
        desiredCount: filled.autoscaling?.minCount ?? filled.desiredCount,
        listener:
            https === undefined
                ? { protocol: "HTTP" }
                : {
                      protocol: "HTTPS",
                      certificate:
                          https.certificateArn !== undefined ? { arn: https.certificateArn } : { domain: https.domain!, hostedZoneId: https.hostedZoneId! },
                      sslPolicy: https.sslPolicy,
                  },
        deployment: resolveDeployment(deployment),
    };
}

/** The deployment in its resolved form: only the settings its strategy has; linear and canary steps filled even when not given. */
function resolveDeployment(deployment: FilledDeployment): ResolvedDeployment {
    const pause = deployment.pause === undefined ? {} : { pause: deployment.pause };
    const shift = { bakeTimeMinutes: deployment.bakeTimeMinutes, testListener: deployment.testListener, ...pause };
    const d = SERVICE_DEFAULTS.deployment;
    switch (deployment.strategy) {
        case "ROLLING":
            return { strategy: "ROLLING", ...pause };
        case "BLUE_GREEN":
            return { strategy: "BLUE_GREEN", ...shift };
        case "LINEAR":
            return { strategy: "LINEAR", ...shift, linear: deployment.linear ?? { ...d.linear } };
        case "CANARY":
            return { strategy: "CANARY", ...shift, canary: deployment.canary ?? { ...d.canary } };
    }
}

/**
 * `given` with `defaults` applied: first every literal default (section by section; a `whenGiven` section only
 * when given), then every computed one, which sees the arguments with the literal defaults applied.
 */
export function applyDefaults<A extends object, D extends DefaultsOf<A>>(given: A, defaults: D, at: DefaultContext): WithDefaults<A, D> {
    const filled = fillLiterals(given, defaults);
    return fillComputed(filled, defaults, filled, at) as WithDefaults<A, D>;
}

type Fields = Record<string, unknown>;

function fillLiterals(given: object | undefined, defaults: object): Fields {
    const result: Fields = { ...given };
    for (const [key, fallback] of Object.entries(defaults)) {
        const value = result[key];
        if (isSection(fallback)) {
            if (value !== undefined || !isWhenGiven(fallback)) {
                result[key] = fillLiterals(value as object | undefined, fallback);
            }
        } else if (value === undefined && typeof fallback !== "function") {
            result[key] = fallback;
        }
    }
    return result;
}

function fillComputed(section: Fields, defaults: object, root: Fields, at: DefaultContext): Fields {
    const result: Fields = { ...section };
    for (const [key, fallback] of Object.entries(defaults)) {
        const value = result[key];
        if (isSection(fallback)) {
            if (value !== undefined) {
                result[key] = fillComputed(value as Fields, fallback, root, at);
            }
        } else if (value === undefined && typeof fallback === "function") {
            result[key] = (fallback as (filled: Fields, at: DefaultContext) => unknown)(root, at);
        }
    }
    return result;
}

/** A group of defaults for an object's fields (an empty one, such as `tags: {}`, fills nothing and stands for `{}`). */
function isSection(value: unknown): value is object {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object without its undefined fields, so spreading it over defaults keeps the defaults. */
export function definedOnly<T extends object>(value: T | undefined): Partial<T> {
    return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
