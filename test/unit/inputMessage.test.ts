// No message ends in an empty value: "`--tag` is required …, got ``" read like a value lost on the
// way. A value never given is not named; an empty one is said to be empty. Checked on the builders
// (inputMessage, InvalidInputError, refusalMessage) and on every refusal an empty flag or key meets.
import * as assert from "assert";
import * as os from "os";
import { CONFIG_SCHEMA, isRefusal, parseSetting, qualifiedKey, refusalMessage, ScalarKey } from "../../components/configSchema";
import { acmCertificateArnProblem, oidcProviderArnProblem, parseEcsServiceArn, s3BucketArnProblem } from "../../components/arns";
import { ConfigValues } from "../../components/configValues";
import { kmsKeyArnProblem, secretReferenceProblem } from "../../components/containerSecrets";
import type { DigestPinnedServiceArgs } from "../../components/digestPinnedServiceArgs";
import { digestPinnedServiceProblems } from "../../components/digestPinnedServiceProblems";
import { immutableRepositoryProblems } from "../../components/immutableRepositoryArgs";
import { inputMessage } from "../../components/inputMessage";
import { parseReplicationDestinations, replicationSourceAccountProblem } from "../../components/replicationSettings";
import { COMMAND_NAMES, flagsOf } from "../../automation/cli/commandTable";
import { commandOptions } from "../../automation/cli/commandOptions";
import type { FlagSpec } from "../../automation/cli/flagSpec";
import { acceptFindingsReason } from "../../automation/aws/scanGate";
import { stackIdentity } from "../../automation/engine/stackName";
import { rollback } from "../../automation/commands/rollback";
import { checkEvidencePath } from "../../automation/record/evidenceFile";
import { InvalidInputError } from "../../automation/record/errors";
import { validateTag } from "../../automation/record/tags";

const EMPTY_GOT = "got ``";
/** Any project name: the messages name the key in the project's own namespace. */
const PROJECT = "orders";

function messageOf(run: () => unknown): string {
    try {
        run();
    } catch (e) {
        return (e as Error).message;
    }
    assert.fail("was accepted");
}

describe("no message ends in an empty value", () => {
    it("inputMessage: a value is quoted, an empty one is said to be empty (once), a missing one is not named", () => {
        // kills: the "" case falling through to "got ``", "is empty" said twice, or `undefined` printed
        const table: [string | undefined, string, string][] = [
            ["v1", "must match x", "`--tag` must match x, got `v1`"],
            [" ", "must match x", "`--tag` must match x, got ` `"],
            ["", "must match x", "`--tag` must match x, and is empty"],
            ["", "must name a tag, and is empty", "`--tag` must name a tag, and is empty"],
            [undefined, "is required (e.g. `--tag v1`)", "`--tag` is required (e.g. `--tag v1`)"],
        ];
        for (const [value, problem, message] of table) {
            assert.strictEqual(inputMessage("--tag", problem, value), message, JSON.stringify(value));
            assert.strictEqual(new InvalidInputError("--tag", value, problem).message, message);
        }
        // The value survives `withInput` (the CLI's flag for a library input), missing or empty.
        assert.strictEqual(new InvalidInputError("tag", undefined, "is required").withInput("--tag").message, "`--tag` is required");
        assert.strictEqual(new InvalidInputError("tag", "", "must match x").withInput("--tag").message, "`--tag` must match x, and is empty");
    });

    it("refusalMessage: every scalar config key refusing an empty value says it is empty", () => {
        // kills: refusalMessage building its own "got `…`" again
        let refused = 0;
        for (const key of Object.keys(CONFIG_SCHEMA) as ScalarKey[]) {
            if (typeof CONFIG_SCHEMA[key].type !== "object" || "json" in CONFIG_SCHEMA[key].type) continue;
            const parsed = parseSetting(key, "");
            if (!isRefusal(parsed)) continue;
            const message = refusalMessage(qualifiedKey(PROJECT, key), "", parsed);
            assert.strictEqual(message, `\`${qualifiedKey(PROJECT, key)}\` ${parsed.refused}, and is empty`);
            refused++;
        }
        assert.ok(refused >= 3, `only ${refused} keys refuse an empty value`);
        assert.strictEqual(
            refusalMessage(qualifiedKey(PROJECT, "scanRequired"), "yes", { refused: "must be `true` or `false`" }),
            `\`${qualifiedKey(PROJECT, "scanRequired")}\` must be \`true\` or \`false\`, got \`yes\``,
        );
    });

    it("the config checks that describe a value: an empty string is named so (`papyrus:replicateTo[0].region`, an object's number)", () => {
        // kills: `describe` quoting "" as "``" again
        const replicateTo = qualifiedKey(PROJECT, "replicateTo");
        assert.deepStrictEqual(parseReplicationDestinations([{ region: "" }], replicateTo, "eu-west-1").problems, [
            `\`${replicateTo}[0].region\` must be an AWS region such as \`eu-central-1\`, got an empty string`,
        ]);
        assert.strictEqual(
            replicationSourceAccountProblem("", qualifiedKey(PROJECT, "replicationSourceAccount")),
            `\`${qualifiedKey(PROJECT, "replicationSourceAccount")}\` must be the 12-digit account id of the build registry that replicates into this one, in quotes (\`"111122223333"\`), got an empty string`,
        );
        const key = qualifiedKey(PROJECT, "taggedImageRetention");
        const values = new ConfigValues({
            name: PROJECT,
            get: (k) => (k === "taggedImageRetention" ? '{"keepNewest": ""}' : undefined),
            require: () => assert.fail(),
        });
        values.structured("taggedImageRetention");
        assert.deepStrictEqual(values.problems, [`\`${key}.keepNewest\` must be a number, got an empty string`]);
    });

    it('the component checks name an empty argument as empty (a config key such as `user: ""` reaches them)', () => {
        // kills: a check quoting its value by hand again (`got \`${value}\``)
        const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:${"d".repeat(64)}` as const;
        const args = {
            image,
            repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/api",
            httpOnly: true,
            containerName: "",
            user: "",
            healthCheck: { path: "" },
        };
        assert.deepStrictEqual(digestPinnedServiceProblems(args as DigestPinnedServiceArgs), [
            "`containerName` must be 1-255 letters, digits, `-` or `_`, and is empty",
            "`healthCheck.path` must start with `/`, and is empty",
            "`user` must be `<uid>`, `<uid>:<gid>` or a user name, and is empty",
        ]);
        assert.deepStrictEqual(immutableRepositoryProblems({ mutableTagExclusions: [""] } as never), [
            "`mutableTagExclusions[0]` must be 1-128 letters, digits or `._*-` with at most two `*`, and is empty",
        ]);
        const table: [string | undefined, string][] = [
            [s3BucketArnProblem("", "bucket", "prefix"), "`bucket` must be the ARN of the state bucket (`arn:aws:s3:::<bucket>`), and is empty"],
            [
                oidcProviderArnProblem("", "token.actions.githubusercontent.com", "provider"),
                "`provider` must be the ARN of the account's GitHub OIDC provider (`arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`), and is empty",
            ],
            [
                acmCertificateArnProblem("", "cert"),
                "`cert` must be the ARN of an ACM certificate (`arn:aws:acm:<region>:<account>:certificate/<uuid>`), and is empty",
            ],
            [kmsKeyArnProblem("", "key"), "`key` must be the ARN of a KMS key (`arn:aws:kms:<region>:<account>:key/<key id>`), and is empty"],
            [
                messageOf(() => parseEcsServiceArn("")),
                "`serviceArn` must be an ECS service ARN (`arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`), and is empty",
            ],
        ];
        for (const [message, expected] of table) assert.strictEqual(message, expected);
        assert.match(secretReferenceProblem("", "secret") ?? "", /^`secret` must be the ARN of an SSM parameter .*, and is empty$/);
    });

    it("every flag of every command: missing when required, or given empty, is said so (`--tag` is required (e.g. `--tag v25.10.31`))", () => {
        // kills: a required flag's refusal naming the empty value again, or a parser quoting an empty value
        const seen: string[] = [];
        for (const command of COMMAND_NAMES) {
            for (const [flag, spec] of Object.entries(flagsOf(command)) as [string, FlagSpec][]) {
                if (spec.type !== "string") continue;
                if (spec.required) {
                    const missing = messageOf(() => commandOptions(command, {}));
                    assert.ok(!missing.includes(EMPTY_GOT) && /is required \(e\.g\. `--\S+ \S+`\)$/.test(missing), `${command}: ${missing}`);
                }
                let empty: string | undefined;
                try {
                    spec.parse("", `--${flag}`);
                } catch (e) {
                    empty = (e as Error).message;
                }
                if (empty === undefined) continue;
                assert.ok(!empty.includes(EMPTY_GOT) && empty.endsWith("is empty"), `${command} --${flag}: ${empty}`);
                seen.push(`--${flag}`);
            }
        }
        assert.deepStrictEqual([...new Set(seen)].sort(), [
            "--cwd",
            "--on-interrupt",
            "--on-rollback",
            "--poll-interval",
            "--progress",
            "--smoke-test-timeout",
            "--tag-pattern",
            "--to-tag",
            "--to-version",
            "--version",
            "--wait",
            "--wait-timeout",
        ]);
        assert.strictEqual(
            messageOf(() => commandOptions("deploy", { stack: "dev" })),
            "`--tag` is required (e.g. `--tag v25.10.31`)",
        );
        assert.strictEqual(
            messageOf(() => commandOptions("rollback", { stack: "dev", "to-tag": "" })),
            "`--to-tag` must name the tag of an earlier deployment (`history` lists them), e.g. `v25.10.31`, and is empty",
        );
        assert.strictEqual(
            messageOf(() => commandOptions("up", { stack: "dev", cwd: "" })),
            "`--cwd` must name the project directory (or be left out to find it upwards from here), and is empty",
        );
    });

    it("the library's checks of the flags given as text (`--tag`, `--stack`, `--evidence`, `--accept-findings`, `--to-digest`) say a value is empty", async () => {
        const table: [string, () => unknown][] = [
            ["`tag` must name a release tag such as `v25.10.31` or a full commit SHA, and is empty", () => validateTag("")],
            ["`evidenceFile` must name a file (e.g. `evidence/deploy.json`), and is empty", () => checkEvidencePath("", os.tmpdir())],
            [
                '`--accept-findings` must say why the findings are accepted (e.g. `--accept-findings "CVE-2025-1234: the parser is not reachable; fixed in v2.1"`), and is empty',
                () => acceptFindingsReason(""),
            ],
        ];
        for (const [message, run] of table) assert.strictEqual(messageOf(run), message);
        assert.match(
            messageOf(() => stackIdentity("", PROJECT, "file:///tmp/state")),
            /^`stackName` must be a stack name \(letters, digits, .*, and is empty$/,
        );
        await assert.rejects(rollback({ stackName: "dev", workDir: "/nonexistent", target: { toDigest: "" } }), {
            message: "`target.toDigest` must be `sha256:<64 lowercase hex>`, and is empty",
        });
        // Not "no succeeded deployment of tag ``" after reading the history: refused before the stack is opened.
        await assert.rejects(rollback({ stackName: "dev", workDir: "/nonexistent", target: { toTag: "" } }), {
            message: "`target.toTag` must name the tag of an earlier deployment (`history` lists them), and is empty",
        });
    });
});
