#!/usr/bin/env bash
# Create .venv (if missing) and install torch and rdfer with its dev extras. Safe to run again.
# RDFER_TORCH overrides the torch requirement, e.g. a CUDA build on a GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then for c in python3.11 python3; do command -v "$c" >/dev/null && PY=$c && break; done; fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
TORCH_REQ=${RDFER_TORCH:-"torch==2.14.1 torchvision==0.29.1"}
if ! .venv/bin/python -c "import torch, torchvision" 2>/dev/null; then
  echo "[setup] installing $TORCH_REQ"
  .venv/bin/python -m pip install -q $TORCH_REQ
fi
echo "[setup] installing rdfer[dev]"
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/python -c "import torch, rdfer; print(f'[setup] rdfer {rdfer.__version__}, torch {torch.__version__}, cuda={torch.cuda.is_available()}')"
