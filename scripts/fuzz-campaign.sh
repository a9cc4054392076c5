#!/usr/bin/env bash
# The long fuzz campaign of tests/properties/test_hostile_events.py: rounds of CHUNK
# generated cases per test (each with fresh random seeds) until TOTAL cases have run or
# BUDGET seconds have passed. Defaults: 1,050,000 cases (35 rounds of 3 x 10,000).
# A failing round's log is kept in $OUT/failure-N.log; the summary is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
CHUNK="${CHUNK:-10000}"
TOTAL="${TOTAL:-1050000}"
BUDGET="${BUDGET:-86400}"
OUT="${OUT:-.tools/fuzz}"
mkdir -p "$OUT"
end=$(( $(date +%s) + BUDGET ))
cases=0; rounds=0; failures=0
while [ "$cases" -lt "$TOTAL" ] && [ "$(date +%s)" -lt "$end" ]; do
  if ADAPTERS_FUZZ_EXAMPLES="$CHUNK" timeout 3600 .venv/bin/python -m pytest -q \
      -p no:cacheprovider tests/properties/test_hostile_events.py > "$OUT/round.log" 2>&1; then
    :
  else
    failures=$((failures + 1))
    cp "$OUT/round.log" "$OUT/failure-$failures.log"
  fi
  rounds=$((rounds + 1))
  cases=$((cases + 3 * CHUNK))
  echo "round $rounds: $cases cases, $failures failing rounds"
done
echo "{\"cases\": $cases, \"rounds\": $rounds, \"failing_rounds\": $failures}"
[ "$failures" -eq 0 ]
