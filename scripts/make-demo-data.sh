#!/usr/bin/env bash
# (Re)generates the six demo department databases (SQLite) into $ONCEGATE_DATA, default var/demo.
# Idempotent: the same seed writes the same rows, replacing whatever was there.
# Usage: scripts/make-demo-data.sh [DIR] [--people N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${ONCEGATE_DATA:-$root/var/demo}
if [[ $# -gt 0 && $1 != --* ]]; then
  data=$1
  shift
fi
if ! command -v python3 >/dev/null; then
  echo "make-demo-data: python3 is needed (apt-get install python3)" >&2
  exit 1
fi
exec python3 "$root/scripts/demo_data.py" --out "$data" "$@"
