#!/usr/bin/env bash
# Make README.md from nbs/index.ipynb (nbconvert; Quarto, which nbdev_readme needs, is not used).
# --check: fail if the committed README.md differs from what the notebook makes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
.venv/bin/jupyter nbconvert --to markdown --execute nbs/index.ipynb --output-dir "$out" --output README --log-level WARN --TagRemovePreprocessor.remove_input_tags=remove_input
# drop the notebook's front matter cell marks nbconvert leaves (none expected) and keep files tidy
if [ "${1:-}" = "--check" ]; then
  if ! diff -q "$out/README.md" README.md >/dev/null; then
    echo "[readme] README.md is not what nbs/index.ipynb makes; run: bash scripts/readme.sh"; diff "$out/README.md" README.md | head -20; exit 1
  fi
  echo "[readme] README.md is up to date"
else
  cp "$out/README.md" README.md; echo "[readme] wrote README.md"
fi
