// Fargate task sizes: one table, from which the CPU type, the memory choices
// and the refusal message are all derived (AWS's "Task CPU and memory" table
// for Linux tasks). Nothing else in the project lists a size.

/** Memory sizes (MiB) from `from` to `to` in steps of `step`. */
function range(from: number, to: number, step: number): number[] {
    return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/** Task CPU units → the memory sizes (MiB) Fargate accepts with them. */
export const FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: range(1024, 4096, 1024),
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
} as const satisfies Record<number, readonly number[]>;

/** Fargate task CPU units: the table's keys. */
export type FargateCpu = keyof typeof FARGATE_SIZES;

/** The CPU sizes, smallest first. */
export const FARGATE_CPUS: readonly FargateCpu[] = Object.keys(FARGATE_SIZES).map(Number) as FargateCpu[];

/** Valid Fargate memory sizes (MiB) for a CPU size; empty for a size Fargate does not have. */
export function fargateMemoryChoices(cpu: number): number[] {
    return isFargateCpu(cpu) ? [...FARGATE_SIZES[cpu]] : [];
}

export function isFargateCpu(cpu: number): cpu is FargateCpu {
    return Object.prototype.hasOwnProperty.call(FARGATE_SIZES, cpu);
}

/**
 * Why `cpu` and `memory` are not a Fargate size, naming the inputs as given (`cpu`, or `<project>:cpu`), or
 * undefined. The message lists the choices: the whole list when it is short, the range and step otherwise.
 */
export function fargateSizeProblem(cpu: number, memory: number, names: { cpu: string; memory: string } = { cpu: "cpu", memory: "memory" }): string | undefined {
    if (!isFargateCpu(cpu)) {
        const sizes = FARGATE_CPUS.join(", ").replace(/, (\d+)$/, " or $1");
        return `\`${names.cpu}\` must be one of ${sizes} (Fargate sizes), got \`${cpu}\``;
    }
    const choices = FARGATE_SIZES[cpu];
    if ((choices as readonly number[]).includes(memory)) {
        return undefined;
    }
    const first = choices[0];
    const last = choices[choices.length - 1];
    const detail = choices.length > 3 ? `steps of ${choices[1] - first}` : choices.join(", ");
    return `\`${names.memory}\` ${memory} MiB is not a Fargate size for \`${names.cpu}\` ${cpu}; use one of ${first}-${last} MiB (${detail})`;
}
