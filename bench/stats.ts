// Min / median / max of a handful of repetitions: enough to see spread, no more.
export interface Summary {
    readonly n: number;
    readonly min: number;
    readonly median: number;
    readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) throw new Error("summarize: no values");
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { n: sorted.length, min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** Pairwise ratios a[i] / b[i]: each ratio compares two runs taken next to each other. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
    if (a.length !== b.length) throw new Error(`ratios: ${a.length} vs ${b.length} values`);
    return a.map((x, i) => x / b[i]);
}

export function fmt(s: Summary, digits = 2, unit = ""): string {
    const f = (v: number) => v.toFixed(digits) + unit;
    return `${f(s.median)} (min ${f(s.min)}, max ${f(s.max)}, n=${s.n})`;
}
