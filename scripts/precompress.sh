#!/usr/bin/env bash
# Brotli copies (quality 11, `name.br`, the source's timestamps) of the built front end, so servers
# started on a copy of target/site (the end-to-end suite starts dozens) find them up to date
# instead of each making its own. The server makes any missing copy itself at start
# (server/src/assets.rs), so this only saves work; it changes nothing a browser receives.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for f in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css target/site/pkg/*.json; do
  if [ -e "$f.br" ] && ! [ "$f" -nt "$f.br" ]; then continue; fi
  brotli -q 11 -f -k "$f"
  touch -r "$f" "$f.br" # the same time to the nanosecond: up to date for the server too
done
