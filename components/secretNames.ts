// What a plain environment variable must not look like: a secret. One rule for
// the DigestPinnedService component (its `environment` argument, and so
// `<project>:environment`) and for the policy pack (every container definition's
// `environment`), so both refuse the same variables with the same words.
//
// Plain environment variables are stored in the task definition in clear text:
// anyone who can call `ecs:DescribeTaskDefinition` (the deploy role can, by
// design) reads them, and every revision keeps them forever (`skipDestroy`).
// Secrets belong in `secrets`, which ECS resolves from SSM Parameter Store or
// Secrets Manager when the task starts.

/** Words that name a secret when a word of the variable's name is one of them. */
const SECRET_WORDS = ["PASSWORD", "PASSWD", "PASS", "PWD", "PASSPHRASE", "SECRET", "TOKEN", "KEY", "APIKEY", "PRIVATEKEY"];
/** Endings that name a secret inside a longer word (`DBPASSWORD`, `CLIENTSECRET`, `AUTHTOKEN`); `KEY` is not one (`MONKEY`). */
const SECRET_ENDINGS = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY"];

/** The words of a variable name: split at `_`, `-`, `.` and lower-to-upper case changes, upper-cased. */
export function nameWords(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .split(/[_.-]+/)
        .filter((word) => word !== "")
        .map((word) => word.toUpperCase());
}

/** The secret word a variable name carries (`PASSWORD` for `DB_PASSWORD` and `dbPassword`), or undefined. */
export function secretWordOf(name: string): string | undefined {
    for (const word of nameWords(name)) {
        const singular = word.endsWith("S") && word.length > 3 ? word.slice(0, -1) : word;
        for (const candidate of [word, singular]) {
            if (SECRET_WORDS.includes(candidate)) {
                return candidate;
            }
            const ending = SECRET_ENDINGS.find((end) => candidate.endsWith(end));
            if (ending !== undefined) {
                return ending;
            }
        }
    }
    return undefined;
}

/** `scheme://user:password@host…`: a URL that carries a password. */
const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*):\/\/([^/\s:@]+):[^/\s@]+@/i;

const REMEDY = "pass it in `secrets` (`valueFrom` an SSM parameter or a Secrets Manager secret), never as plain text";

/**
 * Why the plain environment variable `name` (with `value`) looks like a secret, or undefined. `input` names
 * where it was found (`environment`, `<project>:environment`, `containerDefinitions[0].environment`).
 */
export function plainEnvironmentProblem(name: string, value: unknown, input: string): string | undefined {
    const word = secretWordOf(name);
    if (word !== undefined) {
        return `\`${input}\` variable \`${name}\` looks like a secret (its name has \`${word}\`); ${REMEDY}`;
    }
    const url = typeof value === "string" ? URL_WITH_PASSWORD.exec(value) : null;
    if (url !== null) {
        return `\`${input}\` variable \`${name}\` carries a password in its URL (\`${url[1]}://${url[2]}:…@…\`); ${REMEDY}`;
    }
    return undefined;
}
