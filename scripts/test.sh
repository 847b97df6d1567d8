#!/usr/bin/env bash
# The second README command: installs what the tests need, then runs every check and test.
# .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

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

step "first-load size (brotli)"
scripts/size.sh

step "end-to-end tests in Chromium (server on SQLite)"
(cd end2end && npx playwright test)

step "end-to-end tests in Chromium (server on PostgreSQL)"
(cd end2end && MIMAMORI_E2E_DATABASE=postgres npx playwright test)
