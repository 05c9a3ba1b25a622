#!/usr/bin/env bash
# Runs each libFuzzer harness (make fuzz, make fuzz-check) for
# FUZZ_RUN_SECONDS (default FUZZ_CHECK_SECONDS, 20) from its committed corpus
# (tests/fuzz/corpus/<name>/, read only) and what earlier runs found
# ($FUZZ_B/corpus/<name>/); one TAP point per harness with its executions and
# coverage. Any crash, leak, timeout or sanitizer report is "not ok", its
# input in $FUZZ_B/artifacts/. Without clang/libFuzzer (FUZZ_MISSING): a
# skip, never a pass.
set -uo pipefail
names=${FUZZ_NAMES:-blk-ring xs-path qmp}
secs=${FUZZ_RUN_SECONDS:-${FUZZ_CHECK_SECONDS:-20}}
fb=${FUZZ_B:-build/fuzz}
here=$(cd "$(dirname "$0")" && pwd)
read -ra harness <<<"$names"
echo "1..${#harness[@]}"
i=0
for n in "${harness[@]}"; do
	i=$((i + 1))
	if [ -n "${FUZZ_MISSING:-}" ]; then
		echo "ok $i # SKIP fuzz-$n: missing ${FUZZ_MISSING} (scripts/deps.sh installs it)"
		continue
	fi
	mkdir -p "$fb/corpus/$n" "$fb/artifacts"
	log="$fb/fuzz-$n.log"
	"$fb/fuzz-$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-detect_leaks=1 -print_final_stats=1 -artifact_prefix="$fb/artifacts/$n-" \
		"$fb/corpus/$n" "$here/corpus/$n" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "ok $i - fuzz-$n: ${secs} s, ${execs} executions, ${cov:-no coverage line}, no crash"
	else
		echo "not ok $i - fuzz-$n: exit $rc after ${execs:-?} executions (log: $log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|fuzz-' "$log" | head -n 20 | sed 's/^/# /'
	fi
done
