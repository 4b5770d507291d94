#!/usr/bin/env bash
# Keep another main job's conclusions beside the published ones in README: copy the tables its conclusions are read from
# (paired, noise_detection, difficulty_paired), its main_job.json and one run's environment.json (processor, commit) from
# OUT into figures/other_processor/, then regenerate README.md.
# Usage: bash scripts/other_processor.sh OUT   (OUT: the output folder of `bash scripts/main.sh`, run on another processor model)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bash scripts/other_processor.sh OUT (the output folder of a finished main job)}
for f in paired.csv noise_detection.csv difficulty_paired.csv main_job.json; do
  [ -f "$out/figures/$f" ] || { echo "$out/figures/$f: missing (not the output folder of a finished main job)"; exit 1; }
done
env=$(ls "$out"/runs/*/environment.json 2>/dev/null | head -1)
[ -n "$env" ] || { echo "$out/runs: no run's environment.json"; exit 1; }
mkdir -p figures/other_processor
cp "$out"/figures/{paired.csv,noise_detection.csv,difficulty_paired.csv,main_job.json} "$env" figures/other_processor/
echo "[other_processor] figures/other_processor: the conclusions of the job in $out ($(python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print(e['processor'], 'at', e['git_commit'][:7])" "$env"))"
bash scripts/readme.sh
