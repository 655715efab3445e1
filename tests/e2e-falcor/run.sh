#!/usr/bin/env bash
# End-to-end tests: the real falcor Model and falcor-http-datasource (npm,
# pinned in package-lock.json) against examples/e2e_server.rs over HTTP,
# and against `peregrine serve` in front of falcor-node (the remote tests).
#
# Installs the node modules with `npm ci` when they are missing or older
# than the lockfile, installs falcor-node (the reference falcor-router
# server of the peers folder: PEREGRINE_PEERS, absolute or relative to
# this folder, else ../../../shared/peers) in .falcor-node the same way,
# builds the example server and the peregrine binary (debug; PEREGRINE_BIN
# names another and skips that build), then runs node's test runner here,
# so that the closing lines are its summary. Needs node >= 20, npm and
# cargo.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --ignore-scripts --no-audit --no-fund
fi

peers="${PEREGRINE_PEERS:-../../../shared/peers}"
if [ ! -f "$peers/falcor-node/server.js" ]; then
    echo "no falcor-node in $peers: set PEREGRINE_PEERS to the peers folder" >&2
    exit 1
fi
mkdir -p .falcor-node
for file in package.json package-lock.json server.js; do
    # Copied only when changed, so that node_modules stays newer than the lockfile.
    cmp -s "$peers/falcor-node/$file" ".falcor-node/$file" || cp "$peers/falcor-node/$file" ".falcor-node/$file"
done
if [ ! -f .falcor-node/node_modules/.package-lock.json ] ||
    [ .falcor-node/package-lock.json -nt .falcor-node/node_modules/.package-lock.json ]; then
    (cd .falcor-node && npm ci --no-audit --no-fund)
fi

(cd "$root" && cargo build --example e2e_server)
if [ -z "${PEREGRINE_BIN:-}" ]; then
    (cd "$root" && cargo build --bin peregrine)
fi

node --test
