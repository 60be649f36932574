#!/usr/bin/env bash
# Shows that a change left anzen's findings alone: builds REV (default
# `main`) and the working tree, runs both on the example hospital and on a
# generated 200-hospital fleet, and compares `check --format json` and
# `--format sarif` (and `stats --format json`) byte for byte. Used for
# refactors that must not change behaviour (issue 13).
#
#   scripts/same-output.sh [REV] [HOSPITALS]
#
# Exit 0 when every output is identical, 1 when one differs (the diff is
# shown), 2 on a setup error. Debug builds (bytes do not depend on the
# profile); both share target/ so only anzen itself is rebuilt.
set -euo pipefail
rev=${1:-main}
hospitals=${2:-200}
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/anzen-same.XXXXXX")
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "== building $rev and the working tree" >&2
git worktree add --detach --quiet "$work/base" "$rev"
(cd "$work/base" && cargo build --locked --quiet --bin anzen --target-dir "$root/target")
cp "$root/target/debug/anzen" "$work/anzen-base"
cargo build --locked --quiet --bin anzen --example genfleet
cp target/debug/anzen "$work/anzen-new"
target/debug/examples/genfleet --hospitals "$hospitals" --seed 1 --out "$work/fleet" >/dev/null

status=0
compare() { # name, args...
    local name=$1
    shift
    set +e
    "$work/anzen-base" "$@" >"$work/$name.base" 2>"$work/$name.base.err"
    local a=$?
    "$work/anzen-new" "$@" >"$work/$name.new" 2>"$work/$name.new.err"
    local b=$?
    set -e
    if [ "$a" != "$b" ]; then
        echo "DIFFERENT exit codes: $name ($a vs $b)"
        status=1
    elif cmp -s "$work/$name.base" "$work/$name.new"; then
        echo "same: $name ($(wc -c <"$work/$name.new") bytes, exit $b)"
    else
        echo "DIFFERENT: $name"
        diff "$work/$name.base" "$work/$name.new" | head -20
        status=1
    fi
}
for format in json sarif; do
    compare "example.$format" check fixtures/example-hospital --as-of 2025-06-30 --format "$format"
    compare "fleet.$format" check "$work/fleet" --as-of 2025-06-30 --format "$format"
done
compare "fleet.stats.json" stats "$work/fleet" --as-of 2025-06-30 --format json
exit $status
