// Who asked for an update: recorded in the stack history (`<project>:deployedBy`) and the evidence
// (`requestedBy`), and shown by `history` and `status`.
import { InvalidInputError } from "./errors";
import { escapeUnprintable, hasUnprintable } from "./printable";

/**
 * Who asked: the CI actor (`GITHUB_ACTOR`, in GitHub Actions), else `PAPYRUS_DEPLOYER`, `USER`,
 * `LOGNAME`, else `unknown`. A source that is unset, empty or only blanks is skipped; the one taken
 * is trimmed. One with a control character or a line break is refused (exit 2, naming the variable
 * and showing the value escaped): it would be recorded in the history and the evidence, and a line
 * break in it would forge a row of `history`.
 */
export function requester(env: NodeJS.ProcessEnv = process.env): string {
    if (env.GITHUB_ACTIONS === "true") {
        const actor = requesterValue("GITHUB_ACTOR", env.GITHUB_ACTOR);
        if (actor !== undefined) return `${actor} (github-actions)`;
    }
    for (const name of ["PAPYRUS_DEPLOYER", "USER", "LOGNAME"]) {
        const value = requesterValue(name, env[name]);
        if (value !== undefined) return value;
    }
    return "unknown";
}

/** The library's `requestedBy` when it says something (checked as `requester` checks a variable), else `requester(env)`. */
export function requestedByOf(options: { readonly requestedBy?: string; readonly env?: NodeJS.ProcessEnv }): string {
    return requesterValue("requestedBy", options.requestedBy) ?? requester(options.env);
}

/** One source of the requester: undefined when unset or blank; refused with a control character. */
function requesterValue(name: string, value: string | undefined): string | undefined {
    const trimmed = value?.trim();
    if (trimmed === undefined || trimmed === "") return undefined;
    if (hasUnprintable(trimmed)) {
        throw new InvalidInputError(
            name,
            escapeUnprintable(value!),
            "names who asked, which goes into the stack history and the evidence, and has a control character or a line break (shown escaped); " +
                `set it to a plain name such as \`alice\`, or unset it to use the next of GITHUB_ACTOR (in CI), PAPYRUS_DEPLOYER, USER, LOGNAME`,
        );
    }
    return trimmed;
}
