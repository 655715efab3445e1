#!/usr/bin/env bash
# End-to-end tests: the real falcor Model and falcor-http-datasource (npm,
# pinned in package-lock.json) against examples/e2e_server.rs over HTTP.
#
# Installs the node modules with `npm ci` when they are missing or older
# than the lockfile, builds the example server, then runs node's test
# runner here, so that the closing lines are its summary. Needs node >= 20,
# npm and cargo.
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

(cd "$root" && cargo build --example e2e_server)

node --test
