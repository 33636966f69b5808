#!/usr/bin/env bash
# Installs the Debian 12 packages oncegate builds, tests and runs with; a no-op when all are there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost-dev libsimdjson-dev libhiredis-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  unixodbc unixodbc-dev odbc-postgresql libsqliteodbc libssl-dev libsodium-dev openssl
  libgtest-dev libgmock-dev libgoogle-perftools-dev
  redis-server redis-tools postgresql postgresql-contrib sqlite3 curl python3 python3-cryptography
  prometheus libjson-validator-perl iproute2
  clang libclang-rt-14-dev
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk nginx-light libbenchmark-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
