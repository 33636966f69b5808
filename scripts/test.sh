#!/usr/bin/env bash
# The README's second command: installs what is missing, starts Redis and a throwaway PostgreSQL
# on loopback, builds, runs every test with ctest, and stops the servers it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
export ONCEGATE_TEST_STATE=${ONCEGATE_TEST_STATE:-$(mktemp -d /tmp/oncegate-test-XXXXXX)}
trap 'scripts/test-servers.sh stop' EXIT
scripts/test-servers.sh start
eval "$(scripts/test-servers.sh env)"

export ONCEGATE_BUILD_DIR=${ONCEGATE_BUILD_DIR:-$root/build}
scripts/build.sh RelWithDebInfo
ctest --test-dir "$ONCEGATE_BUILD_DIR" --output-on-failure --timeout 300 -j2 "$@"
