#!/usr/bin/env bash
# PyTorch and tastebud on the issue-13 NCF setting, alternating in one session (ROUNDS rounds,
# default 3), each on 1 and 2 threads. Prints the JSON rows of both, one per line, prefixed with
# the round; compare cpuSecondsPerEpoch (what an epoch costs) and ratios within a round.
#
#   TASTEBUD_DATA_DIR=/work/shared/data bench/pytorch/side-by-side.sh [python]
#
# SPLIT=validation measures quality on tastebud's validation carve instead of ua.test (one
# thread, seed = round, after 20 epochs): PyTorch's Adam and SparseAdam, tastebud's lazy and
# dense embedding Adam (bench/pytorch/write-validation-split.ts, ncf-validation.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-python3}
DATA=${TASTEBUD_DATA_DIR:-../shared/data}
if [ "${SPLIT:-test}" = validation ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  TASTEBUD_DATA_DIR="$DATA" node --import tsx bench/pytorch/write-validation-split.ts "$dir"
  for round in $(seq 1 "${ROUNDS:-3}"); do
    echo "# round $round (validation), load $(cut -d' ' -f1-3 /proc/loadavg)"
    for adam in dense sparse; do
      "$PY" bench/pytorch/ncf_lightfm_ua.py --data-dir "$DATA" --threads 1 --seed "$round" --split-dir "$dir" --embedding-adam "$adam" | sed "s/^/pytorch $round /"
    done
    for mode in lazy dense; do
      TASTEBUD_DATA_DIR="$DATA" node --import tsx bench/pytorch/ncf-validation.ts "{\"embeddingOptimizer\":\"$mode\"}" "$round" | sed "s/^/tastebud $round /"
    done
  done
  exit 0
fi
for round in $(seq 1 "${ROUNDS:-3}"); do
  echo "# round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PY" bench/pytorch/ncf_lightfm_ua.py --data-dir "$DATA" --threads 1 2 | sed "s/^/pytorch $round /"
  TASTEBUD_DATA_DIR="$DATA" node --import tsx bench/train-deep.ts ncf-lightfm-ua 2>&1 >/dev/null | grep '^{' | sed "s/^/tastebud $round /"
done
