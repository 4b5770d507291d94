#!/usr/bin/env bash
# Create .venv (if missing) and install torch and rdfer with its dev extras. Safe to run again: when the venv already
# holds what settings.ini, setup.py and pyproject.toml ask for (their checksum, kept in .venv/.rdfer-setup), nothing is reinstalled.
# RDFER_TORCH overrides the torch requirement, e.g. a CUDA build on a GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then for c in python3.11 python3; do command -v "$c" >/dev/null && PY=$c && break; done; fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
TORCH_REQ=${RDFER_TORCH:-"torch==2.14.1 torchvision==0.29.1"}
REPORT="import torch, rdfer; print(f'[setup] rdfer {rdfer.__version__}, torch {torch.__version__}, cuda={torch.cuda.is_available()}')"
stamp=$( (cat settings.ini setup.py pyproject.toml; echo "$TORCH_REQ") | sha256sum | cut -c1-16)
if [ "$(cat .venv/.rdfer-setup 2>/dev/null)" = "$stamp" ] && .venv/bin/python -c "import torchvision, nbdev, pytest; $REPORT" 2>/dev/null; then
  echo "[setup] nothing to install: .venv holds rdfer[dev] for these settings (.venv/.rdfer-setup)"; exit 0
fi
rm -f .venv/.rdfer-setup
if ! .venv/bin/python -c "import torch, torchvision" 2>/dev/null; then
  echo "[setup] installing $TORCH_REQ"
  .venv/bin/python -m pip install -q $TORCH_REQ
fi
echo "[setup] installing rdfer[dev]"
.venv/bin/python -m pip install -q -e ".[dev]"
echo "$stamp" > .venv/.rdfer-setup
.venv/bin/python -c "$REPORT"
