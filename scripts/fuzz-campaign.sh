#!/usr/bin/env bash
# The long fuzz campaign (docs/fuzzing.md): hypothesis rounds of tests/properties/test_fuzz.py
# (and test_hostile_events.py), split across JOBS processes by source, each round with fresh
# random seeds, until CASES cases have been checked or BUDGET seconds have passed; alongside,
# the coverage-guided atheris target scripts/fuzz_atheris.py for up to ATHERIS_RUNS inputs.
# A failing round's log is kept as $OUT/failure-N.log, atheris crashes as $OUT/crash-*.
# Cases are counted by the tests themselves (events checked, each against several apps).
#
#   bash scripts/fuzz-campaign.sh                      # 1,000,000 hypothesis cases + atheris
#   BUDGET=1200 bash scripts/fuzz-campaign.sh          # whatever fits in 20 minutes
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
CASES="${CASES:-1000000}"
BUDGET="${BUDGET:-86400}"
CHUNK="${CHUNK:-2000}"   # examples per test per round
ATHERIS_RUNS="${ATHERIS_RUNS:-1000000}"
OUT="${OUT:-.tools/fuzz}"
CPUS="$(nproc)"
JOBS="${JOBS:-$(( CPUS > 2 ? CPUS - 1 : 1 ))}"
SOURCES=(rest http-v1 http function-url alb lattice-v1 lattice-v2 edge)
mkdir -p "$OUT"
rm -f "$OUT"/counts-*.jsonl
start=$(date +%s)
end=$(( start + BUDGET ))

if .venv/bin/python -c "import atheris" 2>/dev/null || .venv/bin/pip install -q 'atheris==3.0.0'; then
  mkdir -p "$OUT/atheris-corpus"
  ( cd "$OUT" && timeout $(( BUDGET + 60 )) "$ROOT/.venv/bin/python" "$ROOT/scripts/fuzz_atheris.py" \
      -runs="$ATHERIS_RUNS" -max_total_time="$BUDGET" -print_final_stats=1 \
      atheris-corpus > atheris.log 2>&1 ) &
  atheris_pid=$!
else
  echo "atheris is not installable here; hypothesis only" >&2
  atheris_pid=""
fi

count() {  # the events checked so far, from the count files
  cat "$OUT"/counts-*.jsonl 2>/dev/null | .venv/bin/python -c \
    'import json,sys; print(sum(json.loads(l)["events"] for l in sys.stdin if l.strip()))'
}
rounds=0; failures=0; cases=0
while [ "$cases" -lt "$CASES" ] && [ "$(date +%s)" -lt "$end" ]; do
  pids=()
  for job in $(seq 0 $(( JOBS - 1 ))); do
    shard=()
    for i in "${!SOURCES[@]}"; do
      [ $(( i % JOBS )) -eq "$job" ] && shard+=("${SOURCES[$i]}")
    done
    files=(tests/properties/test_fuzz.py)
    [ "$job" -eq 0 ] && files+=(tests/properties/test_hostile_events.py)
    left=$(( end - $(date +%s) ))
    [ "$left" -lt 30 ] && left=30
    ( IFS=,; ADAPTERS_FUZZ_SOURCES="${shard[*]}" ADAPTERS_FUZZ_EXAMPLES="$CHUNK" \
        ADAPTERS_FUZZ_COUNT_FILE="$OUT/counts-$job.jsonl" timeout "$left" \
        .venv/bin/python -m pytest -q -p no:cacheprovider "${files[@]}" \
        > "$OUT/round-$job.log" 2>&1 ) &
    pids+=($!)
  done
  for job in "${!pids[@]}"; do
    if ! wait "${pids[$job]}"; then
      if grep -q "failed" "$OUT/round-$job.log"; then
        failures=$((failures + 1))
        cp "$OUT/round-$job.log" "$OUT/failure-$failures.log"
      fi  # else: cut short by the budget's timeout
    fi
  done
  rounds=$((rounds + 1))
  cases=$(count)
  echo "round $rounds: $cases hypothesis cases, $failures failing round logs, $(( $(date +%s) - start ))s"
done

atheris_runs=0; crashes=0
if [ -n "$atheris_pid" ]; then
  wait "$atheris_pid"
  atheris_runs=$(grep -o '^Done [0-9]*' "$OUT/atheris.log" | tail -1 | cut -d' ' -f2)
  atheris_runs=${atheris_runs:-$(grep -o 'stat::number_of_executed_units: [0-9]*' "$OUT/atheris.log" | cut -d' ' -f2)}
  crashes=$(find "$OUT" -maxdepth 1 -name 'crash-*' | wc -l)
fi
total=$(( cases + ${atheris_runs:-0} ))
echo "{\"hypothesis_cases\": $cases, \"rounds\": $rounds, \"failing_round_logs\": $failures," \
  "\"atheris_runs\": ${atheris_runs:-0}, \"atheris_crashes\": $crashes, \"total_cases\": $total," \
  "\"seconds\": $(( $(date +%s) - start ))}"
[ "$failures" -eq 0 ] && [ "$crashes" -eq 0 ]
