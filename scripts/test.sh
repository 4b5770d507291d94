#!/usr/bin/env bash
# Set up, then run every test: the package must be what the notebooks export, README.md what
# nbs/index.ipynb makes, the notebooks' own tests (nbdev_test, slow cells included) and pytest.
# The README check, nbdev_test and pytest run side by side, so that both cores stay busy to the end; each one's
# output is printed when it ends, in that order.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
tmp="${TMPDIR:-/tmp}"; free_mb=$(df -Pm "$tmp" | awk 'NR==2 {print $4}')   # the tests wrote at most 780 MiB there (df every 5 s, a training run beside them)
[ "${free_mb:-0}" -ge 2048 ] || { echo "[test] only ${free_mb:-?} MiB free in $tmp: the tests need about 2 GiB there; free some space or set TMPDIR"; exit 1; }
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1   # one thread a process: four run at once on two cores
# the notebooks' and pytest's tiny runs (rdfer.train.shared_smoke_runs): trained once for this command, removed at its end
export RDFER_SMOKE_RUNS="$(mktemp -d -t rdfer-smoke-XXXXXX)"; logs="$(mktemp -d -t rdfer-test-logs-XXXXXX)"
trap 'rm -rf "$RDFER_SMOKE_RUNS" "$logs"' EXIT
failed=() names=() pids=()
start() { names+=("$1"); shift; ( time "$@" ) >"$logs/${names[-1]}.log" 2>&1 & pids+=($!); }
if git rev-parse --git-dir >/dev/null 2>&1; then
  nbdev_export && git diff --quiet -- rdfer && [ -z "$(git status --porcelain -- rdfer)" ] \
    || { echo "[test] nbdev_export changes rdfer/: export the notebooks and commit"; git status --porcelain -- rdfer; failed+=(export); }
  start readme bash scripts/readme.sh --check
fi
start nbdev_test nbdev_test --flags slow --n_workers 2 --timing
start pytest python -m pytest -q --durations=8 -n "${RDFER_TEST_WORKERS:-2}" tests   # pytest-xdist: two at a time, the long ones first
echo "[test] ${names[*]}: side by side, each one's output when it ends"
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"; rc=$?
  echo "[test] ${names[$i]}"; cat "$logs/${names[$i]}.log"
  [ $rc -eq 0 ] || failed+=("${names[$i]}")
done
if [ ${#failed[@]} -gt 0 ]; then echo "[test] FAILED: ${failed[*]}"; exit 1; fi
echo "[test] all passed"
