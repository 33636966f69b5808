#!/usr/bin/env bash
# Configures and builds oncegate with Ninja into build/ (or $ONCEGATE_BUILD_DIR).
# Usage: scripts/build.sh [Release|RelWithDebInfo|Debug] [ninja targets...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_type=${1:-RelWithDebInfo}
shift || true
build_dir=${ONCEGATE_BUILD_DIR:-$root/build}
# ccache keys on paths relative to the checkout, so that another clone reuses what one compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build "$build_dir" -- "$@"
