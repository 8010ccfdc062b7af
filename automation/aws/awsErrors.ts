// One place that turns an AWS SDK failure that is not about our input (no
// credentials, no route to the endpoint, an expired token) into a typed error,
// so the CLI prints a sentence and exit 9 instead of a stack trace.
import { UnreachableError } from "../record/errors";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);
const CREDENTIAL_ERRORS = new Set([
    "CredentialsProviderError",
    "ExpiredTokenException",
    "ExpiredToken",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AccessDeniedException",
]);

const THROTTLING_OR_SERVER = new Set([
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServerException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
]);

/** Undefined when `err` is about the request itself (a missing image, a bad name): those have their own errors. */
export function awsUnavailable(err: unknown, service: "ECR" | "ECS", endpointHint = endpointFromEnv(service)): UnreachableError | undefined {
    const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
    const code = e?.code ?? e?.cause?.code;
    const where = `${service}${endpointHint ? ` at ${endpointHint}` : ""}`;
    if ((code && NETWORK_CODES.has(code)) || e?.name === "TimeoutError" || e?.name === "RequestTimeout") {
        return new UnreachableError(
            where,
            `${code ?? e?.name}${e?.message ? ` (${e.message})` : ""}`,
            "Check the network and the endpoint (AWS_ENDPOINT_URL / AWS_REGION), then run the same command again",
            true,
        );
    }
    if (e?.name && CREDENTIAL_ERRORS.has(e.name)) {
        return new UnreachableError(
            where,
            `${e.name}: ${e.message ?? "credentials were refused"}`,
            e.name === "AccessDeniedException"
                ? "The credentials lack a permission the driver needs (docs/CI.md lists them)"
                : "Provide AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or OIDC in CI), then run the same command again",
        );
    }
    const status = e?.$metadata?.httpStatusCode ?? 0;
    if ((e?.name && THROTTLING_OR_SERVER.has(e.name)) || status >= 500 || e?.name === "SyntaxError" || /Deserialization error/i.test(e?.message ?? "")) {
        // Throttled, a service error, or an answer that is not the API's (a proxy's HTML page).
        return new UnreachableError(
            where,
            `${e?.name ?? "error"}${status ? ` (HTTP ${status})` : ""}: ${(e?.message ?? "").split("\n")[0]}`,
            "Nothing was asked of the engine; run the same command again in a moment",
            true,
        );
    }
    if (/region is missing/i.test(e?.message ?? "")) {
        return new UnreachableError(where, "no AWS region is configured", "Set `aws:region` in the stack config, or AWS_REGION");
    }
    return undefined;
}

function endpointFromEnv(service: "ECR" | "ECS"): string | undefined {
    return process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env.AWS_ENDPOINT_URL;
}
