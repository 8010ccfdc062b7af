#!/usr/bin/env bash
# The smoke test promote.yml hands to `papyrus-deploy promote --smoke-test` (issue #27).
# The driver runs it when the rollout waits at a PAUSE hook (papyrus:deployment.pause),
# with the new tasks behind the test listener and no production traffic on them yet:
# exit 0 continues the rollout (ContinueServiceDeployment CONTINUE), anything else
# rolls it back (ROLLBACK; the driver exits 14). Replace the check with your own.
#
# The driver sets:
#   PAPYRUS_TEST_URL              the stack output testListenerUrl (unset without a test listener)
#   PAPYRUS_STACK, PAPYRUS_IMAGE, PAPYRUS_DIGEST, PAPYRUS_STAGE, PAPYRUS_SERVICE_DEPLOYMENT
# It runs with the job's environment, the deploy role's credentials included: keep it
# in reviewed code (promote.yml runs only a script git tracks).
#
# SMOKE_TEST_PATH: the path to ask (default /health, the stack's healthCheckPath in
# Pulumi.dev.yaml); SMOKE_TEST_RETRIES: retries of an unreachable listener (default 5). The runner must reach the test port: papyrus:deployment.testListener's
# allowedCidrs must hold the runner's address (a self-hosted runner or a fixed egress IP).
set -euo pipefail

if [ -z "${PAPYRUS_TEST_URL:-}" ]; then
  echo "smoke test: ${PAPYRUS_STACK:-the stack} has no test listener (no testListenerUrl output), so nothing reaches the new tasks before production traffic does;" \
    "set papyrus:deployment.testListener, or promote without a smoke test (the hook then waits for papyrus-deploy approve)" >&2
  exit 1
fi

url="${PAPYRUS_TEST_URL%/}${SMOKE_TEST_PATH:-/health}"
echo "smoke test: GET $url (${PAPYRUS_IMAGE:-the new image}, deployment ${PAPYRUS_SERVICE_DEPLOYMENT:-?} at ${PAPYRUS_STAGE:-its hook})"
# New tasks may still be registering behind the test listener: a few retries, each short.
status=$(curl --silent --show-error --max-time 10 --retry "${SMOKE_TEST_RETRIES:-5}" --retry-delay 3 --retry-all-errors \
  --output /dev/null --write-out '%{http_code}' "$url") || {
  echo "smoke test: $url could not be reached" >&2
  exit 1
}
if [ "$status" != 200 ]; then
  echo "smoke test: $url answered $status, not 200" >&2
  exit 1
fi
echo "smoke test: $url answered 200"
