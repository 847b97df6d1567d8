#!/usr/bin/env bash
# The first README command: install what is missing, build in release, and start mimamori on an
# embedded SQLite database (data/mimamori.db) with the demo municipality loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

echo "==> building (release; the first build takes a few minutes)"
cargo leptos build --release --split

export MIMAMORI_DATABASE_URL="${MIMAMORI_DATABASE_URL:-sqlite://data/mimamori.db}"
export MIMAMORI_DEMO="${MIMAMORI_DEMO:-1}"
export MIMAMORI_DEMO_HISTORY="${MIMAMORI_DEMO_HISTORY:-1}"
export MIMAMORI_SITE_ROOT="${MIMAMORI_SITE_ROOT:-target/site}"
exec target/release/server
