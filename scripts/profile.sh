#!/usr/bin/env bash
# Where the time of `anzen check` goes, per pipeline stage (README,
# "Performance"; issue 18 item 3). Samples the release binary with
# `perf record` (DWARF call graphs: the release build keeps no frame
# pointers) for each --jobs value, then attributes every sample to a stage
# through the symbol prefixes of the table below:
#
#   self      the stage of the frame nearest the leaf that matches a prefix
#             (a memcpy or a hash-map probe counts for the stage that called
#             it; a sample in the allocator counts as allocation, whoever
#             called it): the columns add up to 100 %;
#   children  the share of samples with any frame of the stage on the stack
#             (inclusive: load's children include the allocation it does).
#
#   scripts/profile.sh FLEET [JOBS...]          default JOBS: 1 2
#
# ANZEN_PROFILE_BIN (default target/release/anzen, built if missing),
# ANZEN_PROFILE_FREQ (samples per second per thread, default 99),
# ANZEN_PROFILE_DIR (perf data and reports, default target/profile),
# ANZEN_PROFILE_ARGS (default: --as-of 2025-06-30 --format json -o /dev/null).
# perf comes from Debian's linux-perf; kernel frames need
# kernel.perf_event_paranoid <= 1 (or root): without them page faults and
# reads count for the user frame that caused them.
set -euo pipefail

# Stage → symbol prefixes. A frame belongs to the stage of its longest
# matching prefix (so `anzen::load::schema` is validation while the rest of
# `anzen::load::` is loading, and `anzen::` alone is the engine's glue);
# the first line is matched against the frame's DSO instead (kernel frames:
# page faults, reads). Module paths before and after the src/ restructuring
# of issue 13 (crate::document::*, crate::pipeline::*, crate::expr::*,
# crate::output::*) are both listed; a leading `<` (trait impls:
# `<T as Trait>::f`) is ignored when matching.
read -r -d '' STAGES <<'EOF' || true
kernel       [kernel.kallsyms]
allocation   mi_ _mi_ __rust_alloc __rust_dealloc __rust_realloc __rdl_ alloc::alloc:: malloc free realloc calloc cfree core::ptr::drop_in_place alloc::raw_vec:: mimalloc:: libmimalloc_sys::
discover     anzen::discover:: anzen::pipeline::discover:: ignore:: globset:: walkdir:: same_file::
validate     anzen::validate:: anzen::pipeline::validate:: anzen::load::schema anzen::document::tree anzen::document::schemas jsonschema:: referencing:: fancy_regex:: regex:: regex_automata:: regex_syntax:: email_address:: idna::
load         anzen::load:: anzen::document:: anzen::pipeline::load:: saphyr_parser:: saphyr:: compact_str::
facility     anzen::facility:: anzen::pipeline::facility:: anzen::pipeline::facts anzen::assess::
evaluate     anzen::evaluate:: anzen::expr:: anzen::model::walk anzen::document::model::walk anzen::pipeline::evaluate:: anzen::rules:: anzen::catalog:: cel:: cel_interpreter::
output       anzen::report:: anzen::output:: anzen::app::Engine::deliver anzen::pipeline::engine::Engine::deliver anzen::suppress:: anzen::pipeline::suppress:: anzen::policy:: anzen::pipeline::policy:: anzen::finding:: anzen::kernel::finding anzen::source:: anzen::kernel::source serde_json:: anzen::escape:: anzen::kernel::escape
engine       anzen::app:: anzen::pipeline::engine:: anzen::pipeline:: anzen::
EOF

fleet=${1:?usage: scripts/profile.sh FLEET [JOBS...]}
shift
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(1 2)
cd "$(dirname "$0")/.."
command -v perf >/dev/null 2>&1 || { echo "profile: perf is not installed (Debian: linux-perf)" >&2; exit 2; }
bin=${ANZEN_PROFILE_BIN:-target/release/anzen}
[ -x "$bin" ] || cargo build --release --locked --quiet --bin anzen
freq=${ANZEN_PROFILE_FREQ:-99}
out=${ANZEN_PROFILE_DIR:-target/profile}
read -r -a args <<<"${ANZEN_PROFILE_ARGS:---as-of 2025-06-30 --format json -o /dev/null}"
mkdir -p "$out"
mb=$(find "$fleet" -name '*.yaml' -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}')
echo "== $bin check $fleet ($mb MB of YAML) ${args[*]}; perf at $freq Hz, DWARF call graphs; $(nproc) cores"

for j in "${jobs[@]}"; do
    data=$out/perf-jobs$j.data
    l0=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    perf record -q -F "$freq" --call-graph dwarf,16384 -o "$data" -- \
        "$bin" check "$fleet" --jobs "$j" "${args[@]}" >/dev/null 2>"$out/stderr-jobs$j.txt" || true
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
    echo
    echo "== --jobs $j: ${wall} s under perf (load average $l0 before, $(cut -d' ' -f1 /proc/loadavg) after)"
    # One stack per sample: a header line, then frames leaf first
    # ("ADDR SYMBOL (DSO)"), then a blank line.
    perf script -i "$data" -F comm,ip,sym,dso --no-inline 2>/dev/null |
        awk -v stages="$STAGES" '
        BEGIN {
            n = split(stages, lines, "\n")
            for (i = 1; i <= n; i++) {
                m = split(lines[i], w, " ")
                if (m < 2) continue
                ns++; name[ns] = w[1]
                for (k = 2; k <= m; k++) { np++; pre[np] = w[k]; of[np] = ns }
            }
            ns++; name[ns] = "other"
        }
        function stage(sym, dso,   p, best, len) {
            if (dso == pre[1]) return of[1]
            sub(/^</, "", sym)
            best = 0; len = 0
            for (p = 2; p <= np; p++)
                if (length(pre[p]) > len && index(sym, pre[p]) == 1) { best = of[p]; len = length(pre[p]) }
            return best
        }
        function flush(   f, s, first, seen) {
            if (nf == 0) return
            samples++
            first = 0; delete seen
            for (f = 1; f <= nf; f++) {
                s = stage(sym[f], dso[f])
                if (s && !first) first = s
                if (s) seen[s] = 1
            }
            if (!first) first = ns
            self[first]++
            for (s in seen) child[s]++
            nf = 0
        }
        /^[^ \t]/ { flush(); next }        # sample header (comm)
        /^[ \t]*$/ { flush(); next }
        {
            line = $0; sub(/^[ \t]+[0-9a-f]+ /, "", line)
            d = line; sub(/.*\(/, "", d); sub(/\)$/, "", d)
            sub(/ \([^()]*\)$/, "", line); sub(/\+0x[0-9a-f]+$/, "", line)
            nf++; sym[nf] = line; dso[nf] = d
        }
        END {
            flush()
            printf "%-11s %7s %9s   (%d samples)\n", "stage", "self", "children", samples
            for (s = 1; s <= ns; s++)
                printf "%-11s %6.1f%% %8.1f%%\n", name[s], 100 * self[s] / samples, 100 * child[s] / samples
        }' | tee "$out/stages-jobs$j.txt"
done
