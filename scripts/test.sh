#!/usr/bin/env bash
# Set up, then run every test: the package must be what the notebooks export, README.md what
# nbs/index.ipynb makes, the notebooks' own tests (nbdev_test, slow cells included) and pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg PYTHONUNBUFFERED=1
# the notebooks' and pytest's tiny runs (rdfer.train.shared_smoke_runs): trained once for this command, removed at its end
export RDFER_SMOKE_RUNS="$(mktemp -d -t rdfer-smoke-XXXXXX)"; trap 'rm -rf "$RDFER_SMOKE_RUNS"' EXIT
failed=()
if git rev-parse --git-dir >/dev/null 2>&1; then
  nbdev_export && git diff --quiet -- rdfer && [ -z "$(git status --porcelain -- rdfer)" ] \
    || { echo "[test] nbdev_export changes rdfer/: export the notebooks and commit"; git status --porcelain -- rdfer; failed+=(export); }
  bash scripts/readme.sh --check || failed+=(readme)
fi
echo "[test] nbdev_test"; time nbdev_test --flags slow --n_workers 2 --timing || failed+=(nbdev_test)
echo "[test] pytest"; time python -m pytest -q --durations=8 -n "${RDFER_TEST_WORKERS:-2}" tests || failed+=(pytest)   # pytest-xdist: two at a time
if [ ${#failed[@]} -gt 0 ]; then echo "[test] FAILED: ${failed[*]}"; exit 1; fi
echo "[test] all passed"
