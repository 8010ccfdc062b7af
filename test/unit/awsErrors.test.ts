// Which AWS SDK failures are "AWS could not be reached" (exit 9, nothing changed) and which are
// about the request itself (left to their own errors). Pure: errors shaped as the SDK throws them.
import * as assert from "assert";
import { awsUnavailable } from "../../automation/aws/awsErrors";
import { EXIT_CODES } from "../../automation/record/errors";

const sdkError = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe("AWS failures that are not about the request", () => {
    it("maps network failures, missing credentials, throttling, server errors and non-API answers to exit 9", () => {
        const cases: [unknown, RegExp][] = [
            [
                Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
                /^ECR at http:\/\/x could not be reached: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:9\); nothing was changed\. Check the network/,
            ],
            [sdkError("TimeoutError", "socket hang up"), /could not be reached: TimeoutError/],
            [
                sdkError("CredentialsProviderError", "Could not load credentials from any providers"),
                /CredentialsProviderError: Could not load credentials.*Provide AWS credentials/,
            ],
            [sdkError("ExpiredTokenException", "The security token included in the request is expired"), /ExpiredTokenException/],
            [sdkError("AccessDeniedException", "not authorized to perform ecr:DescribeImages"), /lack a permission the driver needs/],
            [
                sdkError("ThrottlingException", "Rate exceeded", { $metadata: { httpStatusCode: 400 } }),
                /ThrottlingException \(HTTP 400\): Rate exceeded.*run the same command again in a moment/,
            ],
            [sdkError("ServerException", "Internal error", { $metadata: { httpStatusCode: 503 } }), /ServerException \(HTTP 503\)/],
            [sdkError("Unknown", "UnknownError", { $metadata: { httpStatusCode: 502 } }), /Unknown \(HTTP 502\)/],
            [sdkError("SyntaxError", "Unexpected token '<', \"<html>\" is not valid JSON\n  Deserialization error: ..."), /SyntaxError: Unexpected token/],
            [new Error("Region is missing"), /no AWS region is configured.*Set `aws:region`/],
        ];
        for (const [err, message] of cases) {
            const mapped = awsUnavailable(err, "ECR", "http://x");
            assert.ok(mapped, String(err));
            assert.strictEqual(mapped.exitCode, EXIT_CODES.unreachable);
            assert.match(mapped.message, message);
        }
    });

    it("leaves errors about the request to their own handling", () => {
        for (const err of [
            sdkError("ImageNotFoundException", "The image requested does not exist", { $metadata: { httpStatusCode: 400 } }),
            sdkError("RepositoryNotFoundException", "no repository", { $metadata: { httpStatusCode: 400 } }),
            sdkError("InvalidParameterException", "bad digest", { $metadata: { httpStatusCode: 400 } }),
            new TypeError("x is not a function"),
        ]) {
            assert.strictEqual(awsUnavailable(err, "ECS", "http://x"), undefined, String(err));
        }
    });
});
