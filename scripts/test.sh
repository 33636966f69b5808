#!/usr/bin/env bash
# The README's second command, and all that CI runs (.ci/run): installs what is missing, starts
# Redis and a throwaway PostgreSQL on loopback, then builds and runs the tests with ctest in three
# modes, runs the fuzzers in a fourth, and stops the servers it started:
#   normal  the whole suite, RelWithDebInfo (preset ci)                       build dir: build
#   asan    the whole suite under AddressSanitizer + UBSan (preset asan)     build dir: build-asan
#   tsan    the suites labelled concurrency or fuzz under ThreadSanitizer   build dir: build-tsan
#   fuzz    each libFuzzer target of fuzz/ for ONCEGATE_FUZZ_SECONDS (60), two at a time, Clang,
#           ASan + UBSan (preset fuzz)                                      build dir: build-fuzz
# Warnings are errors in every mode. A sanitizer report fails its test, and any report written by
# a process the tests started (the gateway, oncegatectl) fails the run. In fuzz mode any crash,
# leak, timeout or sanitizer report fails the run, with the input that caused it.
#
# Usage: scripts/test.sh [--quick | --mode normal|asan|tsan|fuzz ...] [ctest arguments...]
#   (no option)   all four modes, as CI runs them
#   --quick       the normal mode only, for a developer's edit-test loop
#   --mode M      only mode M; repeat it for several
# Every other argument goes to ctest in every mode: scripts/test.sh --quick -L unit, -R Resolve.
# Build directories can be moved with ONCEGATE_BUILD_DIR, ONCEGATE_ASAN_BUILD_DIR,
# ONCEGATE_TSAN_BUILD_DIR and ONCEGATE_FUZZ_BUILD_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

modes=()
ctest_args=()
while (($#)); do
  case "$1" in
    --quick) modes+=(normal) ;;
    --mode)
      [[ $# -ge 2 && $2 =~ ^(normal|asan|tsan|fuzz)$ ]] || {
        echo "test.sh: --mode takes normal, asan, tsan or fuzz" >&2
        exit 2
      }
      modes+=("$2")
      shift
      ;;
    --mode=*) set -- --mode "${1#--mode=}" "${@:2}"; continue ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done
((${#modes[@]})) || modes=(normal asan tsan fuzz)

scripts/install-deps.sh
# ccache keys on paths relative to the checkout, so that a clone in another folder (CI's) reuses
# what an earlier build compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
export ONCEGATE_TEST_STATE=${ONCEGATE_TEST_STATE:-$(mktemp -d /tmp/oncegate-test-XXXXXX)}
trap 'scripts/test-servers.sh stop' EXIT
scripts/test-servers.sh start
eval "$(scripts/test-servers.sh env)"

# Sanitizer reports go to files under $reports (log_path), one per process, so that a report
# from a gateway the tests started is seen even though its stderr is a temporary file.
reports=$(mktemp -d /tmp/oncegate-sanitizer-reports-XXXXXX)
sanitizer_reports_found() {
  local files
  files=$(find "$reports" -type f -size +0 | sort)
  [[ -n $files ]] || return 1
  for file in $files; do
    echo "===== sanitizer report $file" >&2
    cat "$file" >&2
  done
}

summary=()
failed=0
# What failed, told again after the summary: CI shows the end of a run's output.
failures=()

# Runs one libFuzzer target for $ONCEGATE_FUZZ_SECONDS. Its seeds are copied to a fresh temporary
# directory, which is the corpus it grows (the repository is never written); the regression inputs
# and any further seed directories (fuzz-targets.txt) are read only. Any finding is printed with
# its reproducer, in base64 so that it survives a CI log, and fails the target.
run_fuzzer() {
  local dir=$1 work=$2 name=$3 corpus=$4 regressions=$5
  shift 5
  local extra=()
  for seeds in "$regressions" "$@"; do
    [[ -d $seeds ]] && extra+=("$seeds")
  done
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp -R "$corpus/." "$work/$name/corpus/"
  local status=0
  (
    cd "$work/$name"
    # Leak checking is libFuzzer's (-detect_leaks, on by default); UBSan stops at the first report.
    ASAN_OPTIONS="halt_on_error=1:detect_leaks=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
      "$dir/fuzz/$name" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" "${extra[@]}"
  ) >"$work/$name/log" 2>&1 || status=$?
  local artifact
  for artifact in "$work/$name/artifacts"/*; do
    [[ -e $artifact ]] || continue
    ((status != 0)) || status=1
    echo "===== fuzz: $name found $(basename "$artifact"); reproduce with" >&2
    echo "  $dir/fuzz/$name $artifact    (bytes, base64:)" >&2
    base64 -w 76 "$artifact" >&2
  done
  if ((status != 0)); then
    echo "===== fuzz: $name FAILED (exit $status); the end of its log:" >&2
    tail -n 60 "$work/$name/log" >&2
  fi
  local runs rate
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$name/log")
  echo "$name: $( ((status == 0)) && echo passed || echo FAILED), ${runs:-?} runs, ${rate:-?} exec/s" \
    >"$work/$name/verdict"
  return "$status"
}

run_fuzzers() {
  local dir=$1 work
  seconds=${ONCEGATE_FUZZ_SECONDS:-60}
  work=$(mktemp -d /tmp/oncegate-fuzz-XXXXXX)
  local running=0 line names=()
  # Two at a time: CI has two cores.
  while read -r -a line; do
    ((${#line[@]})) || continue
    if ((running >= 2)); then
      wait -n || true
      running=$((running - 1))
    fi
    echo "=== test.sh: fuzz: ${line[0]} for $seconds s" >&2
    run_fuzzer "$dir" "$work" "${line[@]}" &
    running=$((running + 1))
    names+=("${line[0]}")
  done <"$dir/fuzz-targets.txt"
  wait || true
  # The verdicts, not the exit statuses of background jobs, decide: a target without one failed.
  local status=0 name
  for name in "${names[@]}"; do
    if [[ -f $work/$name/verdict ]]; then
      echo "  $(cat "$work/$name/verdict")" >&2
      grep -q FAILED "$work/$name/verdict" && status=1
    else
      echo "  $name: FAILED, no verdict (see $work/$name/log)" >&2
      status=1
    fi
  done
  ((status == 0)) && rm -rf "$work"
  return "$status"
}

run_mode() {
  local mode=$1 preset dir labels=()
  case "$mode" in
    normal) preset=ci; dir=${ONCEGATE_BUILD_DIR:-$root/build} ;;
    asan) preset=asan; dir=${ONCEGATE_ASAN_BUILD_DIR:-$root/build-asan} ;;
    tsan) preset=tsan; dir=${ONCEGATE_TSAN_BUILD_DIR:-$root/build-tsan}; labels=(-L 'concurrency|fuzz') ;;
    fuzz) preset=fuzz; dir=${ONCEGATE_FUZZ_BUILD_DIR:-$root/build-fuzz} ;;
  esac
  local started=$SECONDS
  echo "=== test.sh: $mode: building ($preset preset) in $dir" >&2
  cmake --preset "$preset" -B "$dir" >/dev/null
  if [[ $mode == fuzz ]]; then
    cmake --build "$dir" --target oncegate_fuzz_targets
  else
    cmake --build "$dir"
  fi
  local built=$SECONDS
  if [[ $mode == fuzz ]]; then
    local status=0
    run_fuzzers "$dir" || status=$?
    local verdict=passed
    ((status == 0)) || verdict=FAILED
    summary+=("$mode: $verdict, build $((built - started)) s, fuzzing $((SECONDS - built)) s")
    ((status == 0)) || failed=1
    return 0
  fi
  echo "=== test.sh: $mode: ctest ${labels[*]} ${ctest_args[*]}" >&2
  local status=0
  rm -rf "${reports:?}"/*
  (
    if [[ $mode == asan ]]; then
      # Leak checking is on (LSan); a suppression is allowed only with its reason, in the file.
      export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_init_order=1:log_path=$reports/asan"
      export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
      export LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0"
    elif [[ $mode == tsan ]]; then
      export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan:suppressions=$root/scripts/tsan-suppressions.txt"
    fi
    ctest --test-dir "$dir" --output-on-failure --no-tests=error --timeout 300 -j2 "${labels[@]}" "${ctest_args[@]}"
  ) || status=$?
  if [[ $mode != normal ]] && sanitizer_reports_found; then
    echo "test.sh: $mode: the sanitizer reports above fail the run (they are in $reports)" >&2
    status=1
  fi
  local verdict=passed
  ((status == 0)) || verdict=FAILED
  summary+=("$mode: $verdict, build $((built - started)) s, tests $((SECONDS - built)) s")
  ((status == 0)) || failed=1
  if ((status != 0)) && [[ -s $dir/Testing/Temporary/LastTestsFailed.log ]]; then
    local names
    names=$(cut -d: -f2- "$dir/Testing/Temporary/LastTestsFailed.log")
    failures+=("$mode: $(paste -sd' ' <<<"$names")")
    # The end of each one's output in this run, from ctest's log of it.
    local name
    while read -r name; do
      failures+=("$mode: $name, the end of its output:
$(awk -v name="$name" '$0 ~ "Testing: " name "$" {on = 1; next} on && /^<end of output>/ {exit}
      on {print}' "$dir/Testing/Temporary/LastTest.log" | tail -n 40)")
    done <<<"$names"
    # Once more, alone: whether they fail again or only under the load of the whole run.
    if ctest --test-dir "$dir" --rerun-failed --timeout 300 >"$dir/rerun-failed.log" 2>&1; then
      failures+=("$mode: they passed when run again, alone")
    else
      failures+=("$mode: they failed again when run alone")
    fi
  fi
}

for mode in "${modes[@]}"; do
  run_mode "$mode"
done
echo "=== test.sh summary" >&2
printf '  %s\n' "${summary[@]}" >&2
if ((${#failures[@]})); then
  echo "=== test.sh: failed tests" >&2
  printf '  %s\n' "${failures[@]}" >&2
fi
[[ $failed -eq 0 ]] && rm -rf "$reports"
exit "$failed"
