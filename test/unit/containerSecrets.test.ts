// Container secret references and the execution role statements built from
// them (components/containerSecrets.ts): which references are accepted, what
// IAM grants on for each, and that the grant is exactly the references given.
import * as assert from "assert";
import { kmsKeyArnProblem, parseSecretReference, secretReadStatements, secretReferenceProblem } from "../../components/containerSecrets";

const PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/prod/database-password";
const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:papyrus/prod/api-AbCdEf";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const FORMS =
    "the ARN of an SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`) or of a Secrets Manager secret " +
    "(`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`, optionally followed by `:<json key>::`)";

describe("secret references", () => {
    const accepted: Array<[string, ReturnType<typeof parseSecretReference>]> = [
        [PARAMETER, { store: "ssm", resourceArn: PARAMETER, region: "eu-west-1" }],
        [
            "arn:aws:ssm:us-east-1:123456789012:parameter/db_password",
            { store: "ssm", resourceArn: "arn:aws:ssm:us-east-1:123456789012:parameter/db_password", region: "us-east-1" },
        ],
        [SECRET, { store: "secretsmanager", resourceArn: SECRET, region: "eu-west-1" }],
        // A JSON key (and version stage / id): ECS takes it, IAM grants on the secret itself.
        [`${SECRET}:password::`, { store: "secretsmanager", resourceArn: SECRET, region: "eu-west-1" }],
        [`${SECRET}:password:AWSPREVIOUS:`, { store: "secretsmanager", resourceArn: SECRET, region: "eu-west-1" }],
        [
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf",
            { store: "secretsmanager", resourceArn: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf", region: "us-gov-west-1" },
        ],
    ];
    for (const [value, parsed] of accepted) {
        it(`accepts ${value}`, () => {
            assert.strictEqual(secretReferenceProblem(value, "secrets.X"), undefined);
            assert.deepStrictEqual(parseSecretReference(value), parsed);
        });
    }

    const refused: Array<[unknown, string]> = [
        ["database-password", `\`secrets.X\` must be ${FORMS}, got \`database-password\``],
        ["/papyrus/prod/database-password", `\`secrets.X\` must be ${FORMS}, got \`/papyrus/prod/database-password\``],
        ["arn:aws:s3:::bucket/secret.txt", `\`secrets.X\` must be ${FORMS}, got \`arn:aws:s3:::bucket/secret.txt\``],
        [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/*",
            `\`secrets.X\` must be ${FORMS}, got \`arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/*\`: a wildcard would let the task read every matching secret; name one`,
        ],
        [`${SECRET}:a:b`, `\`secrets.X\` must be ${FORMS}, got \`${SECRET}:a:b\``],
        [42, `\`secrets.X\` must be ${FORMS}, got a value of type number`],
    ];
    for (const [value, problem] of refused) {
        it(`refuses ${JSON.stringify(value)}`, () => {
            assert.strictEqual(secretReferenceProblem(value, "secrets.X"), problem);
        });
    }

    it("accepts a KMS key or a multi-Region key, refuses an alias and a wildcard", () => {
        assert.strictEqual(kmsKeyArnProblem(KEY, "k"), undefined);
        assert.strictEqual(kmsKeyArnProblem(`arn:aws:kms:eu-west-1:123456789012:key/mrk-${"a".repeat(32)}`, "k"), undefined);
        assert.strictEqual(
            kmsKeyArnProblem("arn:aws:kms:eu-west-1:123456789012:key/*", "k"),
            "`k` must be the ARN of a KMS key (`arn:aws:kms:<region>:<account>:key/<key id>`), got `arn:aws:kms:eu-west-1:123456789012:key/*`",
        );
    });
});

describe("secretReadStatements", () => {
    it("grants nothing without secrets, even with a key", () => {
        assert.deepStrictEqual(secretReadStatements({}, KEY), []);
    });

    it("grants each store only its own references, each once, and nothing of KMS without a key", () => {
        assert.deepStrictEqual(secretReadStatements({ A: `${SECRET}:user::`, B: `${SECRET}:password::` }), [
            { Sid: "ReadSecretsManagerSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [SECRET] },
        ]);
        assert.deepStrictEqual(secretReadStatements({ A: PARAMETER }), [
            { Sid: "ReadSecretParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: [PARAMETER] },
        ]);
    });

    it("lets the key decrypt only through the services and regions the secrets are in", () => {
        const elsewhere = "arn:aws:ssm:us-east-1:123456789012:parameter/shared";
        const [, decrypt] = secretReadStatements({ A: PARAMETER, B: elsewhere }, KEY);
        assert.deepStrictEqual(decrypt, {
            Sid: "DecryptSecrets",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: KEY,
            Condition: { StringEquals: { "kms:ViaService": ["ssm.eu-west-1.amazonaws.com", "ssm.us-east-1.amazonaws.com"] } },
        });
    });

    it("refuses a reference it cannot scope, naming the variable", () => {
        assert.throws(() => secretReadStatements({ DB: "db-password" }), { message: `\`secrets.DB\` must be ${FORMS}, got \`db-password\`` });
    });
});
