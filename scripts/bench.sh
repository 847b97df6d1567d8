#!/usr/bin/env bash
# The bench command: sync benchmarks on SQLite and PostgreSQL, then the browser's save time.
# Measurements, not tests: figures print here and are kept in target/bench/, from which
# BENCHMARKS.md is written by hand. Safe to run again; takes about 20 minutes on 2 cores.
#
#   scripts/bench.sh                      everything, default sizes
#   scripts/bench.sh --seconds 10         extra arguments go to the sync bench (see --help)
#   BENCH_SKIP_BROWSER=1 scripts/bench.sh only the sync bench
#   BENCH_SKIP_SYNC=1 scripts/bench.sh    only the browser bench
#
# PostgreSQL: MIMAMORI_BENCH_POSTGRES_URL (or MIMAMORI_TEST_POSTGRES_URL) names an admin URL to
# create a fresh database in; without one, a throwaway cluster is started as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"
OUT="$PWD/target/bench"
status=0
mkdir -p "$OUT"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "machine (also in $OUT/machine.txt)"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "rust: $(rustc --version)"
  echo "chromium: $(chromium --version 2>/dev/null || echo none)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo none), $(git status --porcelain 2>/dev/null | wc -l) files changed since"
  echo "uncommitted server+app changes: sha256 $( (git diff HEAD -- server/src app; git ls-files --others --exclude-standard -z server/src app | xargs -0 -r cat) 2>/dev/null | sha256sum | cut -c1-16)"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine shares the cores)"
} | tee "$OUT/machine.txt"

if [ -z "${BENCH_SKIP_SYNC:-}" ]; then
  if [ -z "${MIMAMORI_BENCH_POSTGRES_URL:-${MIMAMORI_TEST_POSTGRES_URL:-}}" ]; then
    step "throwaway PostgreSQL (stopped when this script exits)"
    source scripts/postgres.sh
  fi
  step "sync benchmarks: cargo bench -p server --bench sync -- --db both $*"
  # A failed run (HTTP errors, lost records) still has figures worth keeping: go on, fail at the end.
  cargo bench -p server --bench sync -- --db both "$@" 2>&1 | tee "$OUT/sync.txt" || status=$?
fi

if [ -z "${BENCH_SKIP_BROWSER:-}" ]; then
  if [ ! -x target/release/server ] || [ ! -f target/release/hash.txt ] || [ -z "$(ls target/site/pkg/*.wasm 2>/dev/null)" ]; then
    step "release build for the browser bench (cargo leptos build --release --split)"
    cargo leptos build --release --split
  else
    echo "using the existing release build: target/release/server of $(date -r target/release/server '+%F %T')"
  fi
  scripts/precompress.sh
  # map.bench.ts and pull.bench.ts need a server on the generated data set: see their headers.
  step "browser: tap to durable in IndexedDB; cold start and slow first visit (Playwright, $(chromium --version 2>/dev/null))"
  (cd end2end && MIMAMORI_BENCH_OUT="$OUT/save.json" MIMAMORI_BENCH_START_OUT="$OUT/start.json" \
    npx playwright test --config bench.config.ts save.bench.ts start.bench.ts) 2>&1 \
    | tee "$OUT/save.txt" || status=$?
fi

step "figures: $OUT/{machine,sync,save}.txt and $OUT/{save,start}.json; BENCHMARKS.md records them"
[ "$status" -eq 0 ] || echo "some benchmark reported errors (see above); exit status $status" >&2
exit "$status"
