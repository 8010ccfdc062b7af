// A state backend that refuses the credentials (S3 answers 403) is told as such, exit 9: not as a
// broken checkpoint (the engine says `failed to load checkpoint` for both), not as an unreachable
// backend. The stderr texts are the engine's, as test/engine/iamEnforced.test.ts measured them
// against moto with IAM enforcement (a deploy role reading another stack's state, `status`).
import * as assert from "assert";
import { classifyEngineError, stateAccessRefusal } from "../../automation/engine/errors";
import { EXIT_CODES, StateAccessDeniedError, StateUnreadableError } from "../../automation/record/errors";

const BACKEND = "s3://papyrus-state/papyrus?region=eu-west-1";

/** `pulumi stack history --stack prod` with dev's deploy role (measured). */
const HEAD_REFUSED =
    'error: failed to load checkpoint: blob (key ".pulumi/stacks/papyrus/prod.json") (code=PermissionDenied): operation error S3: HeadObject, ' +
    "https response error StatusCode: 403, RequestID: , HostID: , api error Forbidden: Forbidden\n";
/** `pulumi stack ls --json` with dev's deploy role: it reads every stack's checkpoint (measured). */
const LIST_REFUSED =
    "error: 2 errors occurred:\n" +
    "    1) operation error S3: GetObject, https response error StatusCode: 403, RequestID: k0GN3Y40dVpHQf4MHUwaot7p5FcWyxAkDgjfqIv1rtAHrynsKTwc, " +
    "HostID: 9Gjjt1m+cjU4OPvX9O9/8RuvnG41MRb/18Oux2o5H5MY7ISNTlXN+Dz9IG62/ILVxhAGI0qyPfg=, api error AccessDenied: Access Denied\n" +
    "    2) PermissionDenied\n";

const session = (stack: string) => ({
    displayName: stack,
    identity: { qualified: stack === "" ? "" : `organization/papyrus/${stack}`, organization: "organization", project: "papyrus", name: stack },
    backendUrl: BACKEND,
});
// The Automation API's error for a CLI run that failed with `stderr`, built as its cmd.js builds one:
// `CommandResult` and `createCommandError` are exported at run time but marked @internal (untyped).
const automation = require("@pulumi/pulumi/automation") as {
    CommandResult: new (stdout: string, stderr: string, code: number) => unknown;
    createCommandError: (result: unknown) => Error;
};
const failed = (stderr: string) => automation.createCommandError(new automation.CommandResult("", stderr, 255));

describe("a state backend that refuses the credentials", () => {
    const cases: [string, string, string | undefined][] = [
        ["HeadObject of a named object", HEAD_REFUSED, "S3 HeadObject of `.pulumi/stacks/papyrus/prod.json` answered 403 Forbidden"],
        ["GetObject among several errors", LIST_REFUSED, "S3 GetObject answered 403 AccessDenied"],
        [
            "a refused listing, as AWS answers a prefix the policy does not grant",
            "error: blob (code=PermissionDenied): operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: X, HostID: Y, api error AccessDenied: Access Denied\n",
            "S3 ListObjectsV2 answered 403 AccessDenied",
        ],
        [
            "a missing object (404) is not a refusal",
            'error: failed to load checkpoint: blob (key ".pulumi/stacks/papyrus/prod.json") (code=NotFound): operation error S3: HeadObject, https response error StatusCode: 404, RequestID: , HostID: , api error NotFound: Not Found\n',
            undefined,
        ],
        [
            "a server error is not a refusal",
            "error: operation error S3: GetObject, https response error StatusCode: 503, RequestID: , HostID: , api error SlowDown: Please reduce\n",
            undefined,
        ],
        ["a checkpoint that cannot be decoded", "error: failed to load checkpoint: unexpected end of JSON input\n", undefined],
    ];
    for (const [what, stderr, expected] of cases) {
        it(`stateAccessRefusal: ${what}`, () => assert.strictEqual(stateAccessRefusal(stderr), expected));
    }

    // kills: dropping the refusal check from classifyEngineError (this read is then exit 12, "cannot be decoded by the engine").
    it("a stack's refused state is StateAccessDeniedError (exit 9), not an unreadable checkpoint, with what to do", () => {
        const error = classifyEngineError(failed(HEAD_REFUSED), session("prod"));
        assert.ok(error instanceof StateAccessDeniedError, String(error));
        assert.strictEqual(error.exitCode, EXIT_CODES.unreachable);
        assert.strictEqual(
            error.message,
            `the state backend \`${BACKEND}\` refused these credentials access to stack \`prod\`: S3 HeadObject of \`.pulumi/stacks/papyrus/prod.json\` answered 403 Forbidden; ` +
                "nothing was changed. A stack's deploy role may read and write only that stack's state (and read the history of its `papyrus:promoteFrom` stack): " +
                'run this with the credentials for stack `prod` (docs/COMPONENTS.md, "The roles, evaluated")',
        );
    });

    // kills: the same (the list is then exit 9 "could not be reached: 2 errors occurred:", saying nothing of permissions).
    it("the list of every stack refused (`status`): says `status` needs read access to the whole backend", () => {
        const error = classifyEngineError(failed(LIST_REFUSED), session(""));
        assert.ok(error instanceof StateAccessDeniedError, String(error));
        assert.strictEqual(
            error.message,
            `the state backend \`${BACKEND}\` refused these credentials while listing every stack: S3 GetObject answered 403 AccessDenied; nothing was changed. ` +
                "A stack's deploy role may read and write only that stack's state (and read the history of its `papyrus:promoteFrom` stack): " +
                "`status` lists and reads every stack, so run it with read access to the whole backend, not with a stack's deploy role " +
                '(docs/COMPONENTS.md, "The roles, evaluated")',
        );
    });

    it("a checkpoint that cannot be decoded is still StateUnreadableError (exit 12)", () => {
        const error = classifyEngineError(failed("error: failed to load checkpoint: unexpected end of JSON input\n"), session("prod"));
        assert.ok(error instanceof StateUnreadableError, String(error));
        assert.strictEqual(error.exitCode, EXIT_CODES.stateUnreadable);
    });
});
