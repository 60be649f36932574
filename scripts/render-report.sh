#!/usr/bin/env bash
# Renders the example hospital's checklist report (`anzen report --format
# html`) with headless Chromium, in Japanese and English, for checking the
# layout by eye:
#   OUTDIR/example-hospital.<lang>.html       the report itself
#   OUTDIR/example-hospital.<lang>.png        first screen, 1240x1754 (A4 at 150 dpi)
#   OUTDIR/example-hospital.<lang>.full.png   the whole page (1240 wide)
#   OUTDIR/example-hospital.<lang>.pdf        printed on A4 (page breaks, print CSS)
#
# Usage: scripts/render-report.sh [OUTDIR]     (default: target/report-render)
#
# Needs Debian's `chromium` and a Japanese font (`fonts-noto-cjk`); installs
# them with apt-get when missing (as root). CI (.ci/run) does not run this.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/report-render}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=ja family | grep -q .; }; then
  need+=(fonts-noto-cjk)
fi
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "render-report: missing ${need[*]}; install them (apt-get install -y ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "render-report: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cargo build --quiet
anzen=target/debug/anzen

# Headless Chromium with no network, no profile, no first-run work.
render() { # URL, then extra chromium flags
  local url="$1"
  shift
  local profile
  profile="$(mktemp -d)"
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    "$@" "$url" >/dev/null 2>&1
  rm -rf "$profile"
}

for lang in ja en; do
  html="$out/example-hospital.$lang.html"
  "$anzen" report fixtures/example-hospital --as-of 2025-06-30 --lang "$lang" --format html --output "$html"
  render "file://$html" --screenshot="$out/example-hospital.$lang.png" --window-size=1240,1754
  render "file://$html" --screenshot="$out/example-hospital.$lang.full.png" --window-size=1240,6000
  render "file://$html" --no-pdf-header-footer --print-to-pdf="$out/example-hospital.$lang.pdf"
  for f in png full.png pdf; do
    [ -s "$out/example-hospital.$lang.$f" ] || { echo "render-report: no $f for $lang" >&2; exit 1; }
  done
done
ls -l "$out"
