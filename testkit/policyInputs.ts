// Inputs shared by the policy rule tests and the served pack's tests: a pinned image,
// container definitions and GitHub trust policies as the engine hands them to the pack.
export const REPO_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/papyrus-api";
export const DIGEST = "sha256:" + "ab".repeat(32);
export const PINNED = `${REPO_URL}@${DIGEST}`;
export const FORM = "`<registry>/<repository>@sha256:<64 lowercase hex>`";
export const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
export const SUB = "token.actions.githubusercontent.com:sub";
export const AUD = "token.actions.githubusercontent.com:aud";

/** `containerDefinitions` as a JSON string: the first container `app` (essential), then sidecars. */
export function containers(...images: unknown[]): string {
    return JSON.stringify(images.map((image, i) => ({ name: i === 0 ? "app" : `sidecar${i}`, image, essential: i === 0 })));
}

/** An `assumeRolePolicy` JSON string with one web-identity statement and the given condition. */
export function githubTrust(condition: Record<string, unknown> | undefined, federated: unknown = PROVIDER_ARN): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: federated },
                Action: "sts:AssumeRoleWithWebIdentity",
                ...(condition === undefined ? {} : { Condition: condition }),
            },
        ],
    });
}

export const AUD_OK = { [AUD]: "sts.amazonaws.com" };
