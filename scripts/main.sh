#!/usr/bin/env bash
# Set up, then run the main job (rdfer main): everything it makes is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg PYTHONUNBUFFERED=1
rdfer main "$@"
