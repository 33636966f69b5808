#!/usr/bin/env bash
# Installs the Debian 12 packages oncegate builds, tests and runs with; a no-op when all are there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost-dev libsimdjson-dev libre2-dev libhiredis-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  libpq-dev
  unixodbc unixodbc-dev odbc-postgresql libsqliteodbc libssl-dev libsodium-dev openssl
  libgtest-dev libgmock-dev libgoogle-perftools-dev
  redis-server redis-tools postgresql postgresql-contrib sqlite3 curl python3 python3-cryptography
  mariadb-server
  odbc-mariadb
  prometheus libjson-validator-perl iproute2
  # tests/integration/SeveralInstancesTest puts nginx in front of three gateways.
  nginx-light
  clang libclang-rt-14-dev
  haproxy nginx-light systemd  # deploy/'s checks (tests/deploy): haproxy -c, nginx -t, systemd-analyze
  # The web console's browser tests drive Debian's Chromium with Playwright (tests/console);
  # a CJK font so that the console's Chinese renders in their screenshots.
  chromium fonts-wqy-zenhei
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

# The web console (console/) is built with Vite 7, which needs Node.js 20.19 or later and npm;
# Debian 12's own nodejs is 18. Without a recent enough one, Node.js 22 comes from NodeSource's
# signed apt repository (the same packages as on the reference machine). The build runs npm ci
# itself (console/package-lock.json).
node_floor=20.19
node_ok() {
  local version
  version=$(node --version 2>/dev/null | sed 's/^v//') || return 1
  [[ -n $version ]] && command -v npm >/dev/null &&
    [[ $(printf '%s\n%s\n' "$node_floor" "$version" | sort -V | head -n1) == "$node_floor" ]]
}
if ! node_ok; then
  echo "installing Node.js 22 from deb.nodesource.com (found: $(node --version 2>/dev/null || echo no node))"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq ca-certificates curl gnupg >/dev/null
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key |
    "${sudo_cmd[@]}" gpg --dearmor --yes -o /usr/share/keyrings/nodesource.gpg
  printf '%s\n' "Types: deb" "URIs: https://deb.nodesource.com/node_22.x" "Suites: nodistro" \
    "Components: main" "Signed-By: /usr/share/keyrings/nodesource.gpg" |
    "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/nodesource.sources >/dev/null
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq nodejs >/dev/null
fi
if ! node_ok; then
  cat >&2 <<MESSAGE
install-deps.sh: the web console needs Node.js >= $node_floor and npm; found $(node --version 2>/dev/null || echo no node).
  Install Node.js 20.19+ or 22 (https://github.com/nodesource/distributions), or build without
  the console: cmake -DONCEGATE_CONSOLE=OFF ...
MESSAGE
  exit 1
fi
