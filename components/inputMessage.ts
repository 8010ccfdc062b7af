// How a refusal names the input and the value it got: "`<input>` <problem>, got `<value>`".
// A value that was never given adds nothing (the problem says it is required), and an empty one
// is said to be empty: no message ends in "got ``", which reads like a value lost on the way.

/**
 * "`<input>` <problem>" and then the value: `, got \`<value>\``; `, and is empty` for `""` (unless
 * the problem already says it is empty); nothing for `undefined` (no value was given).
 */
export function inputMessage(input: string, problem: string, value: string | undefined): string {
    return `\`${input}\` ${problem}${gotClause(problem, value)}`;
}

/** The part of `inputMessage` after the problem: nothing for no value, and "is empty" said once. */
export function gotClause(problem: string, value: string | undefined): string {
    if (value === undefined) return "";
    return value === "" && /\bis empty\b/.test(problem) ? "" : got(value);
}

/** `, got \`<value>\``, or `, and is empty` for an empty string: for messages that build their own sentence. */
export function got(value: unknown): string {
    return value === "" ? ", and is empty" : `, got \`${String(value)}\``;
}
