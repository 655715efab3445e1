#!/usr/bin/env bash
# Every test of client-js, as the repository's test command runs them:
# installs what is missing (node modules, Chromium), builds the package and
# the demo page, then runs the unit tests, the size budget, the end-to-end
# tests against the Peregrine binary (with Apollo Client's normalized cache
# over /graphql among them), the interop tests against the
# falcor-node reference server and the browser tests of the demo page and
# the explorer.
#
# Relative paths are taken from client-js/.
# PEREGRINE_BIN: the server binary (default ../target/release/peregrine,
#   built with `cargo build --release` when missing).
# PEREGRINE_PEERS: the reference servers (default ../../shared/peers, from
#   client-js: the shared/ folder beside the repository).
# CHROMIUM_BIN: the browser (default /usr/bin/chromium, installed with
#   apt-get when missing).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

step() {
    printf '\n==> client-js: %s\n' "$*"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

step "tools"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci
    touch node_modules
fi
chromium_bin="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
export PEREGRINE_BIN="${PEREGRINE_BIN:-../target/release/peregrine}"
if [ ! -x "$PEREGRINE_BIN" ]; then
    (cd .. && cargo build --release --bin peregrine)
fi
echo "node $(node --version); $("$chromium_bin" --version 2>/dev/null || echo "chromium at $chromium_bin"); server $PEREGRINE_BIN"

step "build (package and demo page)"
npm run --silent build:lib
npm run --silent build:demo -- --logLevel error
npx tsc -p tsconfig.json

step "unit tests (the client, and the explorer's trace layout and tree leaves)"
npx vitest run src demo/src

step "the committed GraphQL types match schema/catalog.graphql"
npx vitest run test/schema-types.test.ts

step "the built package and its size budget"
npx vitest run test/package.test.ts test/size.test.ts --silent=false

step "end-to-end tests against $PEREGRINE_BIN (the client, and Apollo Client's normalized cache over /graphql)"
npx vitest run test/e2e.test.ts test/normalized-cache.test.ts

step "interop tests against falcor-node"
npx vitest run test/interop.test.ts

step "browser tests of the demo page, the explorer and a server-rendered page (headless Chromium)"
npx vitest run test/browser.test.ts test/explorer.test.ts test/ssr.test.ts
echo "screenshots: client-js/test-results/demo.png, client-js/test-results/explorer.png"
