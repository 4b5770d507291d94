#!/usr/bin/env bash
# Set up, then run the main job (rdfer main): everything it makes lands in outputs/main (printed at the end).
# --publish: then copy outputs/main/figures into figures/ and regenerate README.md (the only step that changes them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg PYTHONUNBUFFERED=1
rdfer main "$@"
