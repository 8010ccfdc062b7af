// `status` as a person reads it: each cell that could not be filled says what went wrong in one
// clause with a number, and the full message follows the table under that number; `--json`
// (the StatusResult as it is) keeps the full text beside the clause.
import * as assert from "assert";
import { formatStatus } from "../../automation/cli/print";
import { awsUnavailable } from "../../automation/aws/awsErrors";
import { failureClause, StatusResult } from "../../automation/commands/status";
import { StateUnreadableError, UnreachableError } from "../../automation/record/errors";

const DIGEST = `sha256:${"a".repeat(64)}`;
const NO_CREDENTIALS = awsUnavailable({ name: "CredentialsProviderError", message: "Could not load credentials from any providers" }, "ECS", "")!;

describe("status table", () => {
    it("puts one clause and a number in a cell, and the full message under the table", () => {
        assert.ok(NO_CREDENTIALS.message.length > 200, "the message a cell used to hold");
        const result: StatusResult = {
            project: "papyrus",
            backendUrl: "file:///tmp/state",
            stacks: [
                {
                    stack: "dev",
                    version: 3,
                    digest: DIGEST,
                    tag: "v1.2.3",
                    when: "2026-12-07T10:00:00.000Z",
                    who: "alice",
                    ecs: { notChecked: NO_CREDENTIALS.message, reason: failureClause(NO_CREDENTIALS) },
                    release: { verdict: "completed", reason: "ECS completed the deployment" },
                    protection: { unknown: "ThrottlingException: Rate exceeded", reason: "AWS unavailable" },
                },
                { stack: "prod", problem: "the state of stack `prod` cannot be read: `/s/prod.json` is not JSON", reason: "state unreadable" },
                { stack: "qa", problem: "its state runs no service (nothing deployed yet)" },
            ],
        };
        assert.strictEqual(
            formatStatus(result),
            [
                "STACK  VERSION  DIGEST                TAG     WHEN                  WHO    ECS                 RELEASE    PROTECTED            NOTE",
                "dev    3        sha256:aaaaaaaaaaaa…  v1.2.3  2026-12-07T10:00:00Z  alice  no credentials [1]  completed  AWS unavailable [2]",
                "prod   -        -                     -       -                     -      -                   -          -                    state unreadable [3]",
                "qa     -        -                     -       -                     -      -                   -          -                    its state runs no service (nothing deployed yet)",
                "",
                `[1] dev ECS: ${NO_CREDENTIALS.message}`,
                "[2] dev PROTECTED: ThrottlingException: Rate exceeded",
                "[3] prod NOTE: the state of stack `prod` cannot be read: `/s/prod.json` is not JSON",
                "",
            ].join("\n"),
        );
    });

    it("prints no details section when every cell is filled", () => {
        const text = formatStatus({
            project: "papyrus",
            backendUrl: "file:///tmp/state",
            stacks: [{ stack: "qa", problem: "its state runs no service (nothing deployed yet)" }],
        });
        assert.strictEqual(text.split("\n").length, 3, text);
        assert.doesNotMatch(text, /\[1\]/);
    });

    it("names each failure in one clause, from the error's type", () => {
        const aws = (name: string, message = "m") => awsUnavailable({ name, message }, "ECS", "")!;
        const table: [unknown, string][] = [
            [NO_CREDENTIALS, "no credentials"],
            [aws("ExpiredTokenException"), "credentials expired"],
            [aws("AccessDeniedException"), "access denied"],
            [aws("InvalidClientTokenId"), "credentials refused"],
            [aws("ThrottlingException"), "AWS unavailable"],
            [awsUnavailable({ name: "Error", code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" }, "ECS", ""), "AWS unavailable"],
            [awsUnavailable({ name: "Error", message: "Region is missing" }, "ECS", ""), "no region"],
            [new UnreachableError("x", "something else", "do y"), "error"],
            [new StateUnreadableError("dev", "file://x", "is not JSON", "fix it"), "state unreadable"],
            [new Error("ECS service `web` in cluster `c` was not found (MISSING); was the stack deployed to this account and region?"), "not found"],
            [new Error("anything else"), "error"],
        ];
        assert.deepStrictEqual(
            table.map(([err]) => failureClause(err)),
            table.map(([, clause]) => clause),
        );
    });
});
