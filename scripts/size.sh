#!/usr/bin/env bash
# Brotli size of what the first load downloads (wasm + js + css), of everything the service worker
# precaches (that, the split loader, the field screens' chunks, shell files), and of the management
# chunk a coordinator's browser fetches on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
# The first load: what a cold first visit fetches before the first screen works (the main wasm, its
# JS glue, the CSS and the split loader; screens behind split points come later). The goal is
# 200 KB brotli (stretch 150). Until it is reached this ceiling stops the growth: it is today's
# figure with a little room, and is lowered with every change that cuts the first load, never raised
# without saying why in BENCHMARKS.md. Above it this script, and so the test command, fails.
FIRST_LOAD_CEILING=380000
FIRST_LOAD_GOAL=204800
site=target/site
hash=target/release/hash.txt
[ -f "$hash" ] || { echo "no release build; run cargo leptos build --release --split" >&2; exit 1; }
h() { awk -v k="$1" -F': ' '$1==k{print $2}' "$hash"; }
files=("$site/pkg/mimamori.$(h wasm).wasm" "$site/pkg/mimamori.$(h js).js" "$site/pkg/mimamori.$(h css).css"
       "$site/sw.js" "$site/manifest.webmanifest" "$site/icons/icon-192.png" "$site/icons/icon-512.png" "$site/icons/maskable-512.png")
[ -n "$(h split)" ] && files+=("$site/pkg/__wasm_split.$(h split).js")
# wasm-split's manifest: {"split point": ["chunk", …]}; the service worker precaches all but admin_screen's.
manifest="$site/pkg/__wasm_split_manifest.$(h manifest).json"
field=(); admin=()
if [ -f "$manifest" ]; then
  while read -r point chunk; do
    case "$point" in admin_screen*) admin+=("$site/pkg/$chunk.wasm");; *) field+=("$site/pkg/$chunk.wasm");; esac
  done < <(python3 -c 'import json,sys; [print(k, c) for k, v in json.load(open(sys.argv[1])).items() for c in v]' "$manifest")
fi
mapfile -t field < <(printf '%s\n' "${field[@]}" | sort -u)
total=0; code=0; first=0
printf '%-70s %10s %10s\n' file bytes brotli
row() { printf '%-70s %10d %10d\n' "${1#"$site"/}" "$(stat -c%s "$1")" "$2"; }
for f in "${files[@]}" "${field[@]}"; do
  [ -n "$f" ] || continue
  br=$(brotli -c -q 11 "$f" | wc -c); total=$((total + br))
  case "$f" in */mimamori.*.wasm|*/mimamori.*.js|*/mimamori.*.css) code=$((code + br)); first=$((first + br));; esac
  case "$f" in */__wasm_split.*.js) first=$((first + br));; esac
  row "$f" "$br"
done
for f in "${admin[@]}"; do
  case " ${field[*]} " in *" $f "*) continue;; esac
  row "$f" "$(brotli -c -q 11 "$f" | wc -c)"; echo "  (management screens: fetched on first use, not precached)"
done
printf 'wasm+js+css: %d B brotli (%d KB); everything precached: %d B (%d KB)\n' \
  "$code" $((code / 1024)) "$total" $((total / 1024))
printf 'first load: %d B brotli (%d KB); ceiling %d B; goal %d B\n' "$first" $((first / 1024)) "$FIRST_LOAD_CEILING" "$FIRST_LOAD_GOAL"
if [ "$first" -gt "$FIRST_LOAD_CEILING" ]; then
  echo "FAIL: the first load grew past its ceiling ($first B > $FIRST_LOAD_CEILING B brotli). Move the new code" \
       "behind a split point, or cut something else; see ARCHITECTURE.md (first-load budget)." >&2
  exit 1
fi
