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
#       hospitals by default), with their ratio: memory must not follow the
#       fleet (issue 18 item 1: at most 1.25x). Twice: with the generator's
#       mix (ledgers of 20 to 5,000 assets) and with the mix bounded by
#       FLAT_MAX_ASSETS (default 1000; `json` and `stats` only), each with
#       --jobs 1 and --jobs 2 for `json`: peak memory follows the largest
#       facilities in flight, so the largest hospitals of each fleet and the
#       most assets among any four consecutive ones (two per worker ahead of
#       the writer) are printed too;
#   (f) the national count (issue 18 item 5): `stats --format json` and
#       `check --format json` over 8,117 generated hospitals (NATIONAL to
#       change the count), wall time and peak RSS, one run each; the fleet
#       (~1.6 GB) is deleted afterwards;
# and one ordinary hospital (1,000 assets) checked by a fresh process each
# time (hyperfine, median).
#
#   scripts/bench.sh [--peer-only | --flat-only | --national-only] [HOSPITALS] [RUNS]
#                                   defaults: 1000 hospitals, 5 runs
#
# --peer-only runs (d) alone, --flat-only (e) alone, --national-only (f)
# alone. The fleets are generated (deterministically, seed 1) under
# target/bench/ (ANZEN_BENCH_DIR to put them elsewhere; a 1,000-hospital
# fleet is ~200 MB). Every figure is printed with the load average (the
# machine may be shared; peak RSS does not depend on it, wall times do). ANZEN_BENCH_PROFILE=release measures the
# release build instead of dist (quicker to build, without fat LTO).
# hyperfine and GNU time come from Debian's packages; the script installs
# them when they are missing (root or sudo needed then).
set -euo pipefail

only=all
case "${1:-}" in
--peer-only) only=peer && shift ;;
--flat-only) only=flat && shift ;;
--national-only) only=national && shift ;;
esac
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
[ "$only" = all ] || examples=(--example genfleet)
cargo build --profile "$profile" --locked --quiet --bin anzen "${examples[@]}"
bin=target/$profile
[ "$profile" = dev ] && bin=target/debug
anzen=$bin/anzen
out=${ANZEN_BENCH_DIR:-target/bench}
fleet=$out/fleet-$hospitals
one=$out/hospital-1000
mkdir -p "$out"
yaml_bytes() { find "$1" -name '*.yaml' -printf '%s\n' | awk '{s += $1} END {print s}'; }
median() { grep -o '"median": *[0-9.e-]*' "$1" | head -1 | sed 's/.*: *//'; }
load() { cut -d' ' -f1 /proc/loadavg; }
cores=$(nproc)
as_of=2025-06-30
if [ "$only" = all ] || [ "$only" = peer ]; then
    rm -rf "$fleet" "$one"
    $bin/examples/genfleet --hospitals "$hospitals" --seed 1 --out "$fleet" >&2
    $bin/examples/genfleet --hospitals 1 --seed 7 --assets 1000 --out "$one" >&2
    bytes=$(yaml_bytes "$fleet")
    echo
    echo "== machine: $cores cores, $(uname -m); fleet: $hospitals hospitals, $((bytes / 1000000)) MB of YAML; $profile build"
else
    echo
    echo "== machine: $cores cores, $(uname -m); $profile build"
fi
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
# (e) as a function, for --flat-only.
rss_of() { # prints "KB SECONDS" of the largest-RSS of $1 runs of the rest
    local n=$1 best=0 secs=0 r
    shift
    for _ in $(seq "$n"); do
        /usr/bin/time -f '%M %e' -o "$out/rss.t" "$@" >/dev/null 2>&1 || true
        r=$(tail -1 "$out/rss.t")
        [ "${r% *}" -gt "$best" ] && best=${r% *} && secs=${r#* }
    done
    echo "$best $secs"
}
flat() {
    local small=${FLAT_SMALL:-300} large=${FLAT_LARGE:-3000} bound=${FLAT_MAX_ASSETS:-1000}
    local mix n f what jobs a b
    echo
    echo "== (e) peak RSS on $small and $large hospitals (largest of 3 runs; --as-of $as_of, -o /dev/null)"
    for mix in default "$bound"; do
        local gen=() tag=$mix whats=(json:1 json:2 human:2 sarif:2 junit:2 github:2 stats:2)
        if [ "$mix" != default ]; then
            gen=(--max-assets "$mix")
            tag=max$mix
            whats=(json:1 json:2 stats:2)
        fi
        echo "-- ledgers of 20 to ${mix/default/5000} assets$([ "$mix" = default ] && echo " (the generator's mix)")"
        for n in "$small" "$large"; do
            f=$out/fleet-$n-$tag
            [ -d "$f" ] || $bin/examples/genfleet --hospitals "$n" --seed 1 "${gen[@]}" --out "$f" >&2
            # The manifest lists hospitals in directory (= facility) order.
            grep -o '"assets": [0-9]*' "$f/manifest.json" | awk -v n="$n" -v mb="$(($(yaml_bytes "$f") / 1000000))" '
                {a[NR] = $2; if ($2 > max) {max = $2; c = 0} if ($2 == max) c++}
                END {for (i = 1; i <= NR; i++) {s = 0; for (k = i; k < i + 4 && k <= NR; k++) s += a[k]; if (s > w) w = s}
                     printf "%d hospitals, %d MB of YAML: largest ledger %d assets (%d hospitals); most assets in 4 consecutive hospitals %d\n", n, mb, max, c, w}'
        done
        printf '%-18s %16s %16s %6s\n' run "$small hospitals" "$large hospitals" ratio
        for what in "${whats[@]}"; do
            jobs=${what#*:}
            what=${what%:*}
            local args=(check --format "$what" --color never)
            [ "$what" = stats ] && args=(stats --format json)
            a=$(rss_of 3 "$anzen" "${args[@]}" "$out/fleet-$small-$tag" --as-of "$as_of" --jobs "$jobs" -o /dev/null)
            local la=$(load)
            b=$(rss_of 3 "$anzen" "${args[@]}" "$out/fleet-$large-$tag" --as-of "$as_of" --jobs "$jobs" -o /dev/null)
            awk -v w="$what --jobs $jobs" -v a="$a" -v b="$b" -v la="$la" -v lb="$(load)" 'BEGIN {
                split(a, x, " "); split(b, y, " ")
                printf "%-18s %8.0f MiB %5.0fs %8.0f MiB %5.0fs %5.2fx  (load %s, %s)\n", w, x[1] / 1024, x[2], y[1] / 1024, y[2], y[1] / x[1], la, lb }'
        done
    done
}

# (f) as a function, for --national-only.
national() {
    local n=${NATIONAL:-8117} f r l0
    f=$out/fleet-$n
    rm -rf "$f"
    $bin/examples/genfleet --hospitals "$n" --seed 1 --out "$f" >&2
    echo
    echo "== (f) the national count: $n hospitals, $(($(yaml_bytes "$f") / 1000000)) MB of YAML, $(find "$f" -name '*.yaml' | wc -l) files; one run each"
    for what in stats check; do
        l0=$(load)
        r=$(rss_of 1 "$anzen" "$what" "$f" --as-of "$as_of" --format json -o /dev/null)
        echo "$what --format json: ${r#* } s, peak RSS $((${r% *} / 1024)) MiB (load $l0 before, $(load) after)"
    done
    rm -rf "$f"
}

status=0
case "$only" in
peer) peer && exit "$status" ;;
flat) flat && exit 0 ;;
national) national && exit 0 ;;
esac

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

flat
national

echo
echo "== one hospital, 1,000 assets, fresh process each run"
hyperfine --style basic --warmup 3 --runs 30 -i \
    --export-json "$out/one.json" \
    "$anzen check $one --as-of $as_of --format json -o /dev/null"
awk -v t="$(median "$out/one.json")" 'BEGIN {printf "median %.1f ms\n", t * 1000}'
exit "$status"
