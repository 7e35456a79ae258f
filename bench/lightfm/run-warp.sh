#!/bin/sh
# WARP side by side: tastebud (bench/warp.ts) and LightFM (warp_side_by_side.py) on the same
# split, alternating, ROUNDS rounds (round r: seed r + 1 in both), 2 then 1 thread(s) each.
# One JSON row per line on stdout; summarise with warp_side_by_side.py --summarise.
#
#   PYTHONPATH=/tmp/lightfm-src sh bench/lightfm/run-warp.sh > /tmp/warp-side.jsonl
#   python3 bench/lightfm/warp_side_by_side.py --summarise /tmp/warp-side.jsonl
#
# Needs LightFM importable by $PYTHON (default /usr/bin/python3), built with OpenMP.
# TASTEBUD_BASE=<checkout of another commit, with this bench/warp.ts copied in> adds its
# tastebud to each round ("tastebud-base"), for before/after in the same run.
set -eu
DATA=${DATA:-/tmp/warp-data}
ROUNDS=${ROUNDS:-3}
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(dirname "$0")
export NODE_OPTIONS="${NODE_OPTIONS:-} --conditions=tastebud-source"
BENCH_WRITE="$DATA" BENCH_RUNS=0 node --import tsx "$HERE/../warp.ts" > /dev/null
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  if [ -n "${TASTEBUD_BASE:-}" ]; then
    (cd "$TASTEBUD_BASE" && BENCH_FIRST_RUN=$r BENCH_RUNS=1 node --import tsx bench/warp.ts 2>&1 >/dev/null | grep '^{' | sed 's/^{/{"library":"tastebud-base",/')
  fi
  BENCH_FIRST_RUN=$r BENCH_RUNS=1 node --import tsx "$HERE/../warp.ts" 2>&1 >/dev/null | grep '^{' | sed 's/^{/{"library":"tastebud",/'
  "$PYTHON" "$HERE/warp_side_by_side.py" --data "$DATA" --first-run "$r" --runs 1 | sed 's/^{/{"library":"lightfm",/'
  r=$((r + 1))
done
