#!/usr/bin/env bash
# The fleet benchmark (README, "Performance"). On one generated fleet it
# reports:
#   (a) raw YAML parse throughput of saphyr-parser, events only and into
#       anzen's spanned tree, on one thread and on all (the floor);
#   (b) `anzen check` end to end: MB/s and facilities/s (hyperfine, median),
#       and its ratio to the raw all-thread rate measured in the same round
#       (median of the per-round ratios: this machine's speed drifts);
#   (c) peak RSS of that check (GNU time, the largest of three runs);
#   (d) side by side with ajv (issue 18 item 3): the same six rules
#       (BAK-002/004/005, NET-003, USB-001, PAT-001) checked by JSON Schema
#       with ajv (scripts/ajv/), first for exactness (per-rule counts equal
#       anzen's), then in paired rounds: anzen's whole catalogue and anzen's
#       six rules (--select) against ajv's six, wall time and peak RSS,
#       medians and the medians of the per-round ratios. It needs node
#       (npm ci installs the pinned ajv); without node it says so and skips;
#   (e) peak RSS of `check` (every format) and `stats` on two generated
#       fleets ten times apart (FLAT_SMALL, FLAT_LARGE: 300 and 3,000
#       hospitals by default): memory must not follow the fleet;
# and one ordinary hospital (1,000 assets) checked by a fresh process each
# time (hyperfine, median).
#
#   scripts/bench.sh [--peer-only] [HOSPITALS] [RUNS]
#                                   defaults: 1000 hospitals, 5 runs
#
# --peer-only runs (d) alone. The fleets are generated (deterministically,
# seed 1) under target/bench/ (ANZEN_BENCH_DIR to put them elsewhere; a
# 1,000-hospital fleet is ~150 MB). ANZEN_BENCH_PROFILE=release measures the
# release build instead of dist (quicker to build, without fat LTO).
# hyperfine and GNU time come from Debian's packages; the script installs
# them when they are missing (root or sudo needed then).
set -euo pipefail

peer_only=false
if [ "${1:-}" = --peer-only ]; then
    peer_only=true
    shift
fi
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
profile=${ANZEN_BENCH_PROFILE:-dist}
examples=(--example genfleet --example parsebench)
$peer_only && examples=(--example genfleet)
cargo build --profile "$profile" --locked --quiet --bin anzen "${examples[@]}"
bin=target/$profile
[ "$profile" = dev ] && bin=target/debug
anzen=$bin/anzen
out=${ANZEN_BENCH_DIR:-target/bench}
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
echo "== machine: $cores cores, $(uname -m); fleet: $hospitals hospitals, $((bytes / 1000000)) MB of YAML; $profile build"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# (d) is a function so that --peer-only can run it alone.
six=BAK-002,BAK-004,BAK-005,NET-003,USB-001,PAT-001
peer() {
    echo
    echo "== (d) side by side with ajv on the six rules $six"
    if ! command -v node >/dev/null 2>&1; then
        echo "node is not installed: the ajv comparison is SKIPPED (install Node.js >= 18 and npm to run it)"
        return 0
    fi
    if [ ! -d scripts/ajv/node_modules ]; then
        echo "installing the pinned ajv, ajv-formats and js-yaml: npm ci --prefix scripts/ajv" >&2
        if ! npm ci --prefix scripts/ajv --no-audit --no-fund --silent >&2; then
            echo "npm ci failed: the ajv comparison is SKIPPED"
            return 0
        fi
    fi
    echo "node $(node --version), ajv $(node -p 'require("./scripts/ajv/node_modules/ajv/package.json").version'), one thread"
    local ajv=(node scripts/ajv/check.js "$fleet" --as-of "$as_of")
    # Exactness first: the same counts per rule, or the timing means nothing.
    "$anzen" check "$fleet" --select "$six" --as-of "$as_of" --format json --fail-on never -o "$out/six.json"
    node -e 'const f = require(process.argv[1]).findings; const c = {};
        for (const x of f) if (!x.suppressed) c[x.rule] = (c[x.rule] || 0) + 1;
        for (const r of process.argv[2].split(",")) console.log(r, c[r] || 0);' \
        "$(realpath "$out/six.json")" "$six" >"$out/six-anzen.txt"
    "${ajv[@]}" | grep -v '^facilities' >"$out/six-ajv.txt"
    if cmp -s "$out/six-anzen.txt" "$out/six-ajv.txt"; then
        echo "exact: the same violations per rule ($(tr '\n' ' ' <"$out/six-ajv.txt"))"
    else
        echo "NOT EXACT: violations per rule differ (rule anzen ajv):"
        join "$out/six-anzen.txt" "$out/six-ajv.txt"
        status=1
    fi
    # Paired rounds, the order rotating each round: this machine's speed
    # drifts within minutes, so each round compares runs made back to back.
    local cmds=(
        "${ajv[*]}"
        "$anzen check $fleet --as-of $as_of --format json -o /dev/null"
        "$anzen check $fleet --select $six --as-of $as_of --format json -o /dev/null"
    )
    : >"$out/peer.txt"
    for round in $(seq "$runs"); do
        local line=() i j
        for j in 0 1 2; do
            i=$(((j + round) % 3))
            /usr/bin/time -f '%e %M' -o "$out/peer.t" ${cmds[$i]} >/dev/null 2>&1 || true
            line[i]=$(tail -1 "$out/peer.t")
        done
        echo "${line[0]} ${line[1]} ${line[2]} $(cut -d' ' -f1 /proc/loadavg)" >>"$out/peer.txt"
    done
    # Columns: ajv s, ajv KB, whole s, whole KB, six s, six KB, load.
    awk 'function med(a, n,   i, j, t) {
             for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {t = a[j]; a[j] = a[j - 1]; a[j - 1] = t}
             return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
         {n++; at[n] = $1; am[n] = $2; wt[n] = $3; wm[n] = $4; st[n] = $5; sm[n] = $6; ld[n] = $7
          rw[n] = $3 / $1; rs[n] = $5 / $1
          printf "round %d: ajv %.2f s, whole catalogue %.2f s (%.2fx), six rules %.2f s (%.2fx); load %s\n", n, $1, $3, rw[n], $5, rs[n], $7}
         END {
          printf "ajv, six rules:           median %.2f s, peak RSS %.0f MiB\n", med(at, n), med(am, n) / 1024
          printf "anzen, whole catalogue:   median %.2f s, peak RSS %.0f MiB\n", med(wt, n), med(wm, n) / 1024
          printf "anzen, six rules:         median %.2f s, peak RSS %.0f MiB\n", med(st, n), med(sm, n) / 1024
          w = med(rw, n); s = med(rs, n)
          printf "whole catalogue / ajv six: %.2f (median of per-round ratios; target <= 1): %s\n", w, w <= 1 ? "met" : "NOT met"
          printf "six rules / ajv six:       %.2f (median of per-round ratios; target <= 0.6): %s\n", s, s <= 0.6 ? "met" : "NOT met" }' \
        "$out/peer.txt"
}
status=0
if $peer_only; then
    peer
    exit "$status"
fi

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

peer

echo
echo "== (e) peak RSS on two fleet sizes (largest of 2 runs, MiB)"
small=${FLAT_SMALL:-300}
large=${FLAT_LARGE:-3000}
for n in "$small" "$large"; do
    f=$out/fleet-$n
    [ -d "$f" ] || $bin/examples/genfleet --hospitals "$n" --seed 1 --out "$f" >&2
    for what in json human sarif junit github stats; do
        rss=0
        for _ in 1 2; do
            if [ "$what" = stats ]; then
                set -- stats "$f" --as-of "$as_of" --format json
            else
                set -- check "$f" --as-of "$as_of" --format "$what" --color never
            fi
            kb=$( (/usr/bin/time -f '%M' "$anzen" "$@" -o /dev/null 2>&1 >/dev/null || true) | tail -1)
            [ "$kb" -gt "$rss" ] && rss=$kb
        done
        echo "$n hospitals, $what: $((rss / 1024)) MiB"
    done
done

echo
echo "== one hospital, 1,000 assets, fresh process each run"
hyperfine --style basic --warmup 3 --runs 30 -i \
    --export-json "$out/one.json" \
    "$anzen check $one --as-of $as_of --format json -o /dev/null"
awk -v t="$(median "$out/one.json")" 'BEGIN {printf "median %.1f ms\n", t * 1000}'
exit "$status"
