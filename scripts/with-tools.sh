#!/usr/bin/env bash
# Runs a command with .tools/bin first on PATH: `bash scripts/with-tools.sh node …`.
#
# Why: `npm run <script>` starts the script's `node` from the PATH npm was
# started with, which may be a Node older than `engines` (setup then put
# Node 24 in .tools/bin instead of replacing the system's). `exec` keeps one
# process, so Ctrl-C and SIGTERM reach node directly, as the CLI expects.
# Without setup, .tools/bin is missing and the command runs as it would anyway.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/.tools/bin:$PATH"
exec "$@"
