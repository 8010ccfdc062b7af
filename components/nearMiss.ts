// "Did you mean": the known name a mistyped one was probably meant to be. One
// rule for every place that refuses an unknown name: config keys (configValues.ts,
// githubIdentitySettings.ts) and the CLI's commands and flags (automation/cli/).

/**
 * The known name `name` was probably meant to be: one or two edits away, a prefix of it, or the same
 * but for case. Never by changing as many letters as the shorter name has (`--tag` is not `--to`).
 */
export function nearMiss(name: string, known: readonly string[]): string | undefined {
    const lower = name.toLowerCase();
    let best: { name: string; distance: number } | undefined;
    for (const candidate of known) {
        const c = candidate.toLowerCase();
        const distance = c === lower ? 0 : lower.length >= 3 && (c.startsWith(lower) || lower.startsWith(c)) ? 1 : editDistance(lower, c);
        if (distance <= 2 && distance < Math.min(lower.length, c.length) && (best === undefined || distance < best.distance)) {
            best = { name: candidate, distance };
        }
    }
    return best?.name;
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}
