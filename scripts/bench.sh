#!/usr/bin/env bash
# The fleet benchmark (README, "Performance"). On one generated fleet it
# reports:
#   (a) raw YAML parse throughput of saphyr-parser, events only and into
#       anzen's spanned tree, on one thread and on all (the floor);
#   (b) `anzen check` end to end: MB/s and facilities/s (hyperfine, median),
#       and its ratio to the raw all-thread rate measured in the same round
#       (median of the per-round ratios: this machine's speed drifts);
#   (c) peak RSS of that check (GNU time, the largest of three runs);
# and one ordinary hospital (1,000 assets) checked by a fresh process each
# time (hyperfine, median).
#
#   scripts/bench.sh [HOSPITALS] [RUNS]     defaults: 1000 hospitals, 5 runs
#
# The fleets are generated (deterministically, seed 1) under target/bench/.
# hyperfine and GNU time come from Debian's packages; the script installs
# them when they are missing (root or sudo needed then).
set -euo pipefail

hospitals=${1:-1000}
runs=${2:-5}
cd "$(dirname "$0")/.."

need() { # command package
    command -v "$1" >/dev/null 2>&1 && return
    echo "bench: installing $2 (Debian package)" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
need hyperfine hyperfine
[ -x /usr/bin/time ] || need /usr/bin/time time

# The dist profile (fat LTO, one codegen unit: Cargo.toml) is what a
# packager ships; it takes a few minutes to build.
cargo build --profile dist --quiet --bin anzen --example genfleet --example parsebench
bin=target/dist
anzen=$bin/anzen
out=target/bench
fleet=$out/fleet-$hospitals
one=$out/hospital-1000
mkdir -p "$out"
rm -rf "$fleet" "$one"
$bin/examples/genfleet --hospitals "$hospitals" --seed 1 --out "$fleet" >&2
$bin/examples/genfleet --hospitals 1 --seed 7 --assets 1000 --out "$one" >&2

yaml_bytes() { find "$1" -name '*.yaml' -printf '%s\n' | awk '{s += $1} END {print s}'; }
median() { grep -o '"median": *[0-9.e-]*' "$1" | head -1 | sed 's/.*: *//'; }
bytes=$(yaml_bytes "$fleet")
cores=$(nproc)
as_of=2025-06-30

echo
echo "== machine: $cores cores, $(uname -m); fleet: $hospitals hospitals, $((bytes / 1000000)) MB of YAML"
echo
echo "== (a) raw parse (median of $runs; same allocator as anzen)"
$bin/examples/parsebench "$fleet" "$runs" | tee "$out/parse.txt"
raw=$(awk '/events, all threads/ {print $(NF-1)}' "$out/parse.txt")

echo
echo "== (b) anzen check, end to end (exit code 1 = findings, expected)"
hyperfine --style basic --warmup 1 --runs "$runs" -i \
    --export-json "$out/check.json" \
    "$anzen check $fleet --as-of $as_of --format json -o /dev/null"
t=$(median "$out/check.json")
awk -v b="$bytes" -v t="$t" -v n="$hospitals" -v raw="$raw" \
    'BEGIN {mb = b / 1e6 / t; printf "median %.2f s: %.1f MB/s, %.0f facilities/s (%.2f of the raw all-thread parse rate)\n", t, mb, n / t, mb / raw}'

echo
echo "== (b) paired with the floor: $runs rounds of the raw all-thread events rate, then the check"
# This machine's speed drifts within minutes; a ratio from two medians taken
# minutes apart drifts with it. Each round measures both back to back, and
# the median of the per-round ratios is the figure to quote.
for _ in $(seq "$runs"); do
    ev=$($bin/examples/parsebench "$fleet" 1 events | awk '/events, all threads/ {print $(NF-1)}')
    /usr/bin/time -f '%e' -o "$out/paired.t" "$anzen" check "$fleet" --as-of "$as_of" --format json \
        -o /dev/null >/dev/null 2>&1 || true
    awk -v b="$bytes" -v t="$(tail -1 "$out/paired.t")" -v ev="$ev" \
        'BEGIN {mb = b / 1e6 / t; printf "%.3f %.1f %.1f\n", mb / ev, ev, mb}'
done | sort -n >"$out/paired.txt"
awk '{r[NR] = $0} END {split(r[int((NR + 1) / 2)], m, " ");
    printf "per-round ratios:"; for (i = 1; i <= NR; i++) {split(r[i], x, " "); printf " %s", x[1]}
    printf "\nmedian ratio %.2f (that round: raw %.1f MB/s, check %.1f MB/s)\n", m[1], m[2], m[3]}' "$out/paired.txt"

echo
echo "== (c) peak RSS of the check (largest of 3 runs)"
rss=0
for _ in 1 2 3; do
    kb=$( (/usr/bin/time -f '%M' "$anzen" check "$fleet" --as-of "$as_of" --format json -o /dev/null \
        2>&1 >/dev/null || true) | tail -1)
    [ "$kb" -gt "$rss" ] && rss=$kb
done
echo "peak RSS $((rss / 1024)) MiB"

echo
echo "== one hospital, 1,000 assets, fresh process each run"
hyperfine --style basic --warmup 3 --runs 30 -i \
    --export-json "$out/one.json" \
    "$anzen check $one --as-of $as_of --format json -o /dev/null"
awk -v t="$(median "$out/one.json")" 'BEGIN {printf "median %.1f ms\n", t * 1000}'
