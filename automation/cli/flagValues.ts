// What a flag's text becomes: each parser names the flag, quotes the value and
// says what to give instead. The command table (commandTable.ts) names one of
// these per flag, so a flag's type, help and conversion are written once.
import { parseDuration } from "../../components/duration";
import { nearestProjectDirectory } from "../engine/project";
import { InvalidInputError } from "../record/errors";
import type { RollbackTarget } from "../record/history";
import type { TagPolicy } from "../record/tags";

export const text = (value: string): string => value;

/** Plain decimal only: Number() would also take `0x2`, `1e0` and ` 2 `. */
export function updateNumber(value: string, flag: string): number {
    if (!/^[1-9][0-9]{0,8}$/.test(value)) {
        throw new InvalidInputError(flag, value, "must be an update number from `history` (1, 2, …)");
    }
    return Number(value);
}

export function onRollback(value: string, flag: string): "fail" | "reconcile" {
    if (value === "fail" || value === "reconcile") return value;
    throw new InvalidInputError(flag, value, "must be `fail` (exit 6 when ECS rolls the deployment back) or `reconcile` (also record what ECS runs)");
}

export function onInterrupt(value: string, flag: string): "ask" | "leave" | "abort" {
    if (value === "ask" || value === "leave" || value === "abort") return value;
    throw new InvalidInputError(
        flag,
        value,
        "must be `ask` (at a terminal, ask whether to roll back), `leave` (leave the rollout running) or `abort` (roll it back and reconcile)",
    );
}

export function progressStyle(value: string, flag: string): "engine" | "steps" {
    if (value === "engine" || value === "steps") return value;
    throw new InvalidInputError(flag, value, "must be `engine` (the engine's own output) or `steps` (one line per resource operation)");
}

export function waitDuration(value: string, flag: string): number {
    const ms = parseDuration(value);
    if (ms === undefined) {
        throw new InvalidInputError(flag, value, "must be a duration of at most 60 minutes such as `90s`, `10m`, `1m30s` or `0` (look once, do not wait)");
    }
    return ms;
}

export function pollInterval(value: string, flag: string): number {
    const ms = parseDuration(value);
    if (ms === undefined || ms < 1000 || ms > 5 * 60_000) {
        throw new InvalidInputError(flag, value, "must be a duration from `1s` to `5m` such as `5s` or `30s`");
    }
    return ms;
}

export function tagPolicy(value: string, flag: string): TagPolicy {
    if (value === "") throw new InvalidInputError(flag, value, "must be a regular expression such as `^v\\d+\\.\\d+\\.\\d+$`, and is empty");
    try {
        return { pattern: new RegExp(value) };
    } catch (e) {
        throw new InvalidInputError(flag, value, `is not a valid regular expression (${(e as Error).message})`);
    }
}

export const toVersion = (value: string, flag: string): RollbackTarget => ({ toVersion: updateNumber(value, flag) });
export function toTag(value: string, flag: string): RollbackTarget {
    if (value === "") throw new InvalidInputError(flag, value, "must name the tag of an earlier deployment (`history` lists them), e.g. `v25.10.31`");
    return { toTag: value };
}

/** `--cwd ""` would read as the working directory, unchecked: a directory is named, or `--cwd` left out. */
export function projectDirectory(value: string, flag: string): string {
    if (value === "") throw new InvalidInputError(flag, value, "must name the project directory (or be left out to find it upwards from here)");
    return value;
}
export const toDigest = (value: string): RollbackTarget => ({ toDigest: value });

// Stryker disable all: reads the file system (tested by test/unit/cli.test.ts); left out of `npm run mutate` (docs/TESTING.md).
/**
 * `--cwd` not given: the nearest directory upwards from the working directory with a Pulumi.yaml,
 * as the Pulumi CLI finds its project; whatever it names is the project driven (its name is the
 * config namespace). Nothing is read or created outside a project.
 */
export function findProjectDirectory(from: string = process.cwd()): string {
    return nearestProjectDirectory(from, "--cwd", "pass `--cwd <project>`");
}
// Stryker restore all
