// Mutation testing of the pure core (`npm run mutate`, not part of `npm test`):
// Stryker changes one thing at a time in these files and runs the unit suites
// that cover it; a change no test notices is a gap, or an equivalent mutant
// listed with why in docs/TESTING.md, which also has the score per file.
import { readFileSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { fileURLToPath } from "node:url";

// The files to mutate and the pure unit suites that test them, listed once, in
// tsconfig.mutate.json: the TypeScript checker compiles those (and what they import) instead of
// the whole project, whose @pulumi/aws declarations would make every check slow, and mocha runs
// the suites. No engine, no moto, no network.
const files = JSON.parse(readFileSync(new URL("./tsconfig.mutate.json", import.meta.url), "utf8")).include;
const suites = files.filter((file) => file.endsWith(".test.ts"));
const script = (name) => fileURLToPath(new URL(`./scripts/${name}`, import.meta.url));

// Node's compile cache (V8 code of Stryker, TypeScript, mocha) for this process and the worker
// processes it starts, which inherit the variable: each static mutant starts a fresh test process.
process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL("./node_modules/.cache/node-compile-cache", import.meta.url));
enableCompileCache?.(process.env.NODE_COMPILE_CACHE);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    // automation/engine/lock.ts: its pure parts only; the file marks the rest `Stryker disable` and says why.
    mutate: files.filter((file) => !file.endsWith(".test.ts")),
    testRunner: "mocha",
    // In place of .mocharc.json's ts-node: the same transpilation, cached on disk (see the script).
    mochaOptions: { spec: suites, require: [script("mutate-ts-register.cjs")] },
    checkers: ["typescript"],
    tsconfigFile: "tsconfig.mutate.json",
    // Reuses parsed node_modules declarations between checks and drops the watch debounce (see the script).
    checkerNodeArgs: ["--require", script("stryker-checker-cache.cjs")],
    // `npm run mutate -- --incremental` re-tests only mutants whose code or covering tests changed
    // since the last run (kept here, git-ignored). Off by default: it reuses a static mutant's
    // result even when a new test would now kill it (docs/TESTING.md).
    incrementalFile: "reports/mutation/stryker-incremental.json",
    coverageAnalysis: "perTest",
    concurrency: 2,
    reporters: ["clear-text", "progress", "html", "json"],
    htmlReporter: { fileName: "reports/mutation/index.html" },
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    tempDirName: ".stryker-tmp",
    // The sandbox is a copy of the project: leave out the Python venv, the tools, state and reports.
    ignorePatterns: [".venv", ".tools", ".pulumi-state", "evidence", "bench/out", "reports"],
    thresholds: { high: 95, low: 90, break: null },
};
