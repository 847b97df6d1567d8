#!/usr/bin/env bash
# The second README command: installs what the tests need, then runs every check and test.
# .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
# The suite in Chromium; when a test fails, the page as it was (Playwright's snapshot of it) is
# printed too, so a failure on a CI machine can be read from the log alone.
e2e() {
  rm -rf end2end/test-results
  if ! (cd end2end && env "$@" npx playwright test); then
    find end2end/test-results -name error-context.md -print -exec cat {} \; 2>/dev/null | head -400
    return 1
  fi
}

step "formatting (cargo fmt --check)"
cargo fmt --all --check

step "clippy: every crate (native: server, core, client and screens for their tests)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy: browser bundle (wasm32: screens, device client, core)"
cargo clippy -p app -p mimamori-client -p mimamori-core --lib --target wasm32-unknown-unknown --features app/csr -- -D warnings

step "unit and integration tests (server on a random port, fresh database per test, SQLite and PostgreSQL)"
source scripts/postgres.sh
cargo test --workspace

step "release build (cargo leptos)"
cargo leptos build --release --split
scripts/precompress.sh

step "first-load size (brotli)"
scripts/size.sh

step "end-to-end tests in Chromium (server on SQLite)"
e2e MIMAMORI_E2E_DATABASE=sqlite

step "end-to-end tests in Chromium (server on PostgreSQL)"
e2e MIMAMORI_E2E_DATABASE=postgres
