// Container secrets: environment variables ECS resolves when a task starts,
// `valueFrom` an SSM Parameter Store parameter or a Secrets Manager secret.
// The execution role (which ECS uses to fetch them) is allowed exactly the
// parameters and secrets named here, and the KMS key when one is given.
import { PolicyStatement } from "./policyDocument";
import { got } from "./inputMessage";

const PARTITION = "(aws|aws-cn|aws-us-gov)";
const REGION = "([a-z]{2}(?:-[a-z]+)+-[0-9])";
const ACCOUNT = "([0-9]{12})";
const SSM_PARAMETER_ARN = new RegExp(`^arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/[A-Za-z0-9_.\\-/]{1,2048}$`);
// The secret's ARN (name and the 6 random characters Secrets Manager adds), then optionally
// `:<json key>:<version stage>:<version id>` (each part may be empty), as ECS takes it.
const SECRETS_MANAGER_REFERENCE = new RegExp(
    `^(arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:[A-Za-z0-9/_+=.@-]{1,512})(?::([^:]*):([^:]*):([^:]*))?$`,
);
const KMS_KEY_ARN = new RegExp(
    `^arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`,
);
/** A variable name the container's environment can carry. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export interface SecretReference {
    readonly store: "ssm" | "secretsmanager";
    /** What IAM grants on: the parameter's ARN, or the secret's ARN without the JSON key and version parts. */
    readonly resourceArn: string;
    readonly region: string;
}

const SECRET_FORMS =
    "the ARN of an SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`) or of a Secrets Manager secret " +
    "(`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`, optionally followed by `:<json key>::`)";

/** Why `value` is not a secret reference the execution role can be scoped to, or undefined. */
export function secretReferenceProblem(value: unknown, input: string): string | undefined {
    if (typeof value !== "string") {
        return `\`${input}\` must be ${SECRET_FORMS}, got a value of type ${value === null ? "null" : typeof value}`;
    }
    if (/[*?]/.test(value)) {
        return `\`${input}\` must be ${SECRET_FORMS}${got(value)}: a wildcard would let the task read every matching secret; name one`;
    }
    if (!SSM_PARAMETER_ARN.test(value) && !SECRETS_MANAGER_REFERENCE.test(value)) {
        return `\`${input}\` must be ${SECRET_FORMS}${got(value)}`;
    }
    return undefined;
}

/** The store, region and grantable ARN of a checked reference; throws on one `secretReferenceProblem` refuses. */
export function parseSecretReference(value: string, input = "valueFrom"): SecretReference {
    const problem = secretReferenceProblem(value, input);
    if (problem !== undefined) {
        throw new Error(problem);
    }
    const ssm = SSM_PARAMETER_ARN.exec(value);
    if (ssm !== null) {
        return { store: "ssm", resourceArn: value, region: ssm[2] };
    }
    const secret = SECRETS_MANAGER_REFERENCE.exec(value)!;
    return { store: "secretsmanager", resourceArn: secret[1], region: secret[3] };
}

/** Why `value` is not the ARN of one KMS key, or undefined. An alias cannot scope `kms:Decrypt`. */
export function kmsKeyArnProblem(value: unknown, input: string): string | undefined {
    const expected = `\`${input}\` must be the ARN of a KMS key (\`arn:aws:kms:<region>:<account>:key/<key id>\`)`;
    if (typeof value !== "string") {
        return `${expected}, got a value of type ${value === null ? "null" : typeof value}`;
    }
    if (/:alias\//.test(value)) {
        return `${expected}${got(value)}: IAM matches \`kms:Decrypt\` on the key, never on an alias; give the key's ARN`;
    }
    return KMS_KEY_ARN.test(value) && !/[*?]/.test(value) ? undefined : `${expected}${got(value)}`;
}

/** Why `name` cannot be an environment variable's name, or undefined. */
export function variableNameProblem(name: string, input: string): string | undefined {
    return VARIABLE_NAME.test(name) ? undefined : `\`${input}\` has the variable name \`${name}\`; use letters, digits and \`_\`, not starting with a digit`;
}

/**
 * The execution role's statements for the container's secrets: `ssm:GetParameters` on exactly the parameters,
 * `secretsmanager:GetSecretValue` on exactly the secrets, and `kms:Decrypt` on the key, only through those
 * services in those regions. No statement for a store that is not used; none at all without secrets.
 */
export function secretReadStatements(secrets: Readonly<Record<string, string>>, kmsKeyArn?: string): PolicyStatement[] {
    const references = Object.entries(secrets).map(([name, value]) => parseSecretReference(value, `secrets.${name}`));
    const unique = (values: string[]) => [...new Set(values)];
    const arnsIn = (store: SecretReference["store"]) => unique(references.filter((r) => r.store === store).map((r) => r.resourceArn));
    const statements: PolicyStatement[] = [];
    const parameters = arnsIn("ssm");
    if (parameters.length > 0) {
        statements.push({ Sid: "ReadSecretParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: parameters });
    }
    const secretArns = arnsIn("secretsmanager");
    if (secretArns.length > 0) {
        statements.push({ Sid: "ReadSecretsManagerSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArns });
    }
    if (kmsKeyArn !== undefined && references.length > 0) {
        const problem = kmsKeyArnProblem(kmsKeyArn, "secretsKmsKeyArn");
        if (problem !== undefined) {
            throw new Error(problem);
        }
        statements.push({
            Sid: "DecryptSecrets",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: kmsKeyArn,
            // Only as SSM or Secrets Manager decrypt for the task, not for direct calls with the role.
            Condition: { StringEquals: { "kms:ViaService": unique(references.map((r) => `${r.store}.${r.region}.amazonaws.com`)).sort() } },
        });
    }
    return statements;
}
