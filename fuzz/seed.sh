#!/usr/bin/env bash
# Seed the fuzz corpus with every YAML fixture of the repository.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/check
find ../fixtures -name '*.yaml' -size -64k -print0 | while IFS= read -r -d '' f; do
  cp "$f" "corpus/check/$(echo "${f#../}" | tr '/' '_')"
done
echo "corpus/check: $(ls corpus/check | wc -l) files"
