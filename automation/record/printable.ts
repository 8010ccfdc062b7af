// Text that came from outside (an environment variable, a flag, a value an older driver recorded in
// the history) shown on one line: control characters, line breaks and bidirectional overrides are
// escaped, so a value can never start a forged row in a table or a forged line in a message, nor
// reorder what a reviewer reads.

/** C0 and C1 controls (newline, tab, escape, …), DEL, the Unicode line and paragraph separators, and bidi controls. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

export function hasUnprintable(text: string): boolean {
    return UNPRINTABLE.test(text);
}

/** `text` with each unprintable character written as `\n`, `\r`, `\t` or `\uXXXX`; backslashes are left alone. */
export function escapeUnprintable(text: string): string {
    return text.replace(new RegExp(UNPRINTABLE.source, "g"), (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
