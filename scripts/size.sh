#!/usr/bin/env bash
# Brotli size of everything the first load downloads (the service worker precaches all of it).
set -euo pipefail
cd "$(dirname "$0")/.."
site=target/site
hash=target/release/hash.txt
[ -f "$hash" ] || { echo "no release build; run cargo leptos build --release --split" >&2; exit 1; }
h() { awk -v k="$1" -F': ' '$1==k{print $2}' "$hash"; }
files=("$site/pkg/mimamori.$(h wasm).wasm" "$site/pkg/mimamori.$(h js).js" "$site/pkg/mimamori.$(h css).css"
       "$site/sw.js" "$site/manifest.webmanifest" "$site/icons/icon-192.png" "$site/icons/icon-512.png" "$site/icons/maskable-512.png")
total=0; code=0
printf '%-58s %10s %10s\n' file bytes brotli
for f in "${files[@]}"; do
  raw=$(stat -c%s "$f"); br=$(brotli -c -q 11 "$f" | wc -c)
  total=$((total + br))
  case "$f" in *.wasm|*.js|*.css) code=$((code + br));; esac
  printf '%-58s %10d %10d\n' "${f#"$site"/}" "$raw" "$br"
done
printf 'wasm+js+css: %d B brotli (%d KB); everything precached: %d B (%d KB); budget 150 KB\n' \
  "$code" $((code / 1024)) "$total" $((total / 1024))
