// Time per test file, for measuring the suite (docs/BENCHMARKS.md): a mocha root-hook plugin that,
// with PAPYRUS_TEST_TIMES=<file> set, appends one JSON line per test file to <file>:
//   {"file":"test/engine/driver.test.ts","wallMs":…,"cpuMs":…,"tests":…,"loadavg":…}
// `cpuMs` is the CPU time of the mocha process and of every child it waited for (the engine, the
// language host, the CLI processes; not the shared moto, which outlives the file): on a machine
// shared with other work it moves far less than the wall time.
//
//   PAPYRUS_TEST_TIMES=/tmp/times.jsonl npx mocha --parallel --jobs 2 --require testkit/fileTimes.ts 'test/**/*.test.ts'
//
// Root hooks run once per file only under `--parallel` (each worker runs one file at a time);
// without it, one line covers every file of the run.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Context } from "mocha";

const out = process.env.PAPYRUS_TEST_TIMES;
// Paths relative to where mocha runs (the repository root; this file may load as an ES module).
const ROOT = process.cwd();

/** CPU milliseconds of this process and of the children it has waited for (/proc/self/stat). */
function cpuMs(): number {
    const own = process.cpuUsage();
    const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return (own.user + own.system) / 1000 + (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

let started: { wall: number; cpu: number } | undefined;

export const mochaHooks =
    out === undefined
        ? {}
        : {
              beforeAll() {
                  started = { wall: Date.now(), cpu: cpuMs() };
              },
              afterAll(this: Context) {
                  if (started === undefined) return;
                  const root = this.test?.parent;
                  const files = [...new Set((root?.suites ?? []).map((s) => s.file).filter((f): f is string => f !== undefined))];
                  const line = {
                      file: files.length === 1 ? path.relative(ROOT, files[0]) : `${files.length} files`,
                      wallMs: Date.now() - started.wall,
                      cpuMs: Math.round(cpuMs() - started.cpu),
                      tests: root?.total() ?? 0,
                      loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
                  };
                  fs.appendFileSync(out, JSON.stringify(line) + "\n");
              },
          };
