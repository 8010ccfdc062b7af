#!/usr/bin/env bash
# The one test command (`npm test`): type-check everything, lint the
# workflows, then run every mocha suite (unit, mocks, policy, and the
# integration suites against the real Pulumi engine and moto).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
for tool in node pulumi; do
  [ -x ".tools/bin/$tool" ] || { echo "run \`npm run setup\` first: .tools/bin/$tool is missing" >&2; exit 1; }
done
# .tools/bin first: its node is the one setup chose within `engines` (npx, tsc,
# mocha and the engine's language host all start `node` from PATH), whatever
# Node started npm.
export PATH="$ROOT/.tools/bin:$PATH"
echo "==> node $(node --version) ($(readlink -f "$(command -v node)"))"

echo "==> type-check (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

if [ -d .github/workflows ]; then
  echo "==> actionlint"
  actionlint -no-color
fi

echo "==> mocha"
# With no arguments, every suite; `npm test -- test/cli.test.ts` runs one file.
if [ "$#" -eq 0 ]; then set -- 'test/**/*.test.ts'; fi
npx mocha "$@"
