#!/usr/bin/env bash
# The README's second command, and all that CI runs (.ci/run): installs what is missing, starts
# Redis and a throwaway PostgreSQL on loopback, then builds and runs the tests with ctest in three
# modes, and stops the servers it started:
#   normal  the whole suite, RelWithDebInfo (preset ci)                       build dir: build
#   asan    the whole suite under AddressSanitizer + UBSan (preset asan)     build dir: build-asan
#   tsan    the suites labelled concurrency under ThreadSanitizer (tsan)    build dir: build-tsan
# Warnings are errors in every mode. A sanitizer report fails its test, and any report written by
# a process the tests started (the gateway, oncegatectl) fails the run.
#
# Usage: scripts/test.sh [--quick | --mode normal|asan|tsan ...] [ctest arguments...]
#   (no option)   all three modes, as CI runs them
#   --quick       the normal mode only, for a developer's edit-test loop
#   --mode M      only mode M; repeat it for several
# Every other argument goes to ctest in every mode: scripts/test.sh --quick -L unit, -R Resolve.
# Build directories can be moved with ONCEGATE_BUILD_DIR, ONCEGATE_ASAN_BUILD_DIR and
# ONCEGATE_TSAN_BUILD_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

modes=()
ctest_args=()
while (($#)); do
  case "$1" in
    --quick) modes+=(normal) ;;
    --mode)
      [[ $# -ge 2 && $2 =~ ^(normal|asan|tsan)$ ]] || {
        echo "test.sh: --mode takes normal, asan or tsan" >&2
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
((${#modes[@]})) || modes=(normal asan tsan)

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
run_mode() {
  local mode=$1 preset dir labels=()
  case "$mode" in
    normal) preset=ci; dir=${ONCEGATE_BUILD_DIR:-$root/build} ;;
    asan) preset=asan; dir=${ONCEGATE_ASAN_BUILD_DIR:-$root/build-asan} ;;
    tsan) preset=tsan; dir=${ONCEGATE_TSAN_BUILD_DIR:-$root/build-tsan}; labels=(-L concurrency) ;;
  esac
  local started=$SECONDS
  echo "=== test.sh: $mode: building ($preset preset) in $dir" >&2
  cmake --preset "$preset" -B "$dir" >/dev/null
  cmake --build "$dir"
  local built=$SECONDS
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
}

for mode in "${modes[@]}"; do
  run_mode "$mode"
done
echo "=== test.sh summary" >&2
printf '  %s\n' "${summary[@]}" >&2
[[ $failed -eq 0 ]] && rm -rf "$reports"
exit "$failed"
