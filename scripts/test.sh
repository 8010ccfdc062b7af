#!/usr/bin/env bash
# The one test command (`npm test`): type-check everything, lint the code
# and check its layout, lint the workflows, then run every mocha suite (unit, mocks, policy, and the
# integration suites against the real Pulumi engine and moto).
#
# Without the Pulumi CLI, moto or actionlint (setup not run, or a build that
# failed), the suites that need none of them still run, and the command then
# fails, naming what was skipped: a partial run never passes for a whole one.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -x ".tools/bin/node" ] || { echo "run \`npm run setup\` first: .tools/bin/node is missing" >&2; exit 1; }
missing=()
for tool in pulumi pulumi-language-nodejs moto_server actionlint; do
  [ -x ".tools/bin/$tool" ] || missing+=("$tool")
done
# .tools/bin first: its node is the one setup chose within `engines` (npx, tsc,
# mocha and the engine's language host all start `node` from PATH), whatever
# Node started npm.
export PATH="$ROOT/.tools/bin:$PATH"
echo "==> node $(node --version) ($(readlink -f "$(command -v node)"))"

echo "==> type-check (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

echo "==> lint (eslint) and layout (prettier --check; \`npm run format\` fixes it)"
npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .

if [ -d .github/workflows ] && [ -x .tools/bin/actionlint ]; then
  echo "==> actionlint"
  actionlint -no-color
fi

echo "==> mocha"
# With no arguments, every suite; `npm test -- test/unit/cli.test.ts` runs one file.
# The tier is the folder: test/unit, test/mocks, test/policy and test/ci need neither the engine nor
# moto; test/emulator needs moto; test/engine needs the Pulumi engine and moto.
# PAPYRUS_TEST_TIMES=<file> appends each file's wall and CPU time to <file> (testkit/fileTimes.ts).
timing=()
[ -z "${PAPYRUS_TEST_TIMES:-}" ] || timing=(--require testkit/fileTimes.ts)
if [ "$#" -gt 0 ]; then
  npx mocha "${timing[@]}" "$@"
elif [ "${#missing[@]}" -eq 0 ]; then
  # Two files at a time: the engine suites spend most of their time waiting on the engine and
  # moto. Each test has its own backend and project directory; each worker has one moto, reset
  # between files (docs/TESTING.md).
  npx mocha "${timing[@]}" --parallel --jobs 2 'test/**/*.test.ts'
else
  npx mocha "${timing[@]}" 'test/{unit,mocks,policy,ci}/**/*.test.ts'
  skipped="the engine and emulator suites"
  [ -x .tools/bin/actionlint ] || skipped="actionlint and $skipped"
  echo "incomplete: .tools/bin lacks ${missing[*]}, so $skipped did not run; run \`npm run setup\`" >&2
  exit 1
fi
