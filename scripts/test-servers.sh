#!/usr/bin/env bash
# Starts (or stops) the real servers the tests need, on loopback, in a throwaway directory:
#   redis-server on $ONCEGATE_TEST_REDIS_PORT (default 16379)
#   a PostgreSQL 15 cluster on $ONCEGATE_TEST_PG_PORT (default 15432), trust auth, user postgres
#   mariadbd on $ONCEGATE_TEST_MARIADB_PORT (default 13306), no privilege checks, user root
# and writes an ODBC driver file with psqlODBC's CommLog off (Debian's default writes /tmp logs).
# Usage: scripts/test-servers.sh start|stop|env   (env prints the variables the tests read)
set -euo pipefail

state=${ONCEGATE_TEST_STATE:-/tmp/oncegate-test-servers}
redis_port=${ONCEGATE_TEST_REDIS_PORT:-16379}
pg_port=${ONCEGATE_TEST_PG_PORT:-15432}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
mariadb_port=${ONCEGATE_TEST_MARIADB_PORT:-13306}
mariadb_dir=$state/mariadb

print_env() {
  cat <<VARS
export ODBCSYSINI=$state/odbc
export ONCEGATE_TEST_REDIS=127.0.0.1:$redis_port
export ONCEGATE_TEST_PG_ODBC="Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$pg_port;Database=oncegate_test;Uid=postgres;Pwd=;BoolsAsChar=0;TextAsLongVarchar=0"
export ONCEGATE_TEST_PG_PORT=$pg_port
export ONCEGATE_TEST_PG_BIN=$pg_bin
export ONCEGATE_TEST_MARIADB_ODBC="Driver=MariaDB Unicode;Server=127.0.0.1;Port=$mariadb_port;Database=oncegate_test;User=root"
export ONCEGATE_TEST_MARIADB_PORT=$mariadb_port
VARS
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  mkdir -p "$state/odbc"
  chmod 755 "$state"
  sed 's/^CommLog=1/CommLog=0/' /etc/odbcinst.ini >"$state/odbc/odbcinst.ini"
  : >"$state/odbc/odbc.ini"

  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --pidfile "$state/redis.pid" --logfile "$state/redis.log"
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis-cli -p "$redis_port" ping >/dev/null

  if ! as_postgres "$pg_bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q; then
    rm -rf "$state/pg"
    mkdir -p "$state/pg"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$state/pg"
    as_postgres "$pg_bin/initdb" -D "$state/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$state/pg/initdb.log"
    as_postgres "$pg_bin/pg_ctl" -D "$state/pg/data" -l "$state/pg/server.log" -w \
      -o "-p $pg_port -k $state/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  fi
  as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='oncegate_test'" | grep -q 1 ||
    as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE oncegate_test"

  start_mariadb
  echo "test servers up: redis 127.0.0.1:$redis_port, postgresql 127.0.0.1:$pg_port," \
    "mariadb 127.0.0.1:$mariadb_port" >&2
}

mariadb_sql() {
  mariadb --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u root "$@"
}

# A throwaway mariadbd on an empty data directory. --skip-grant-tables needs no privilege tables,
# so mariadb-install-db (about 6 s, for system tables nothing here reads) is not run: the server
# creates its InnoDB files itself and is up in well under a second. utf8mb4 because the tests'
# data is Chinese (10.11's default character set is latin1).
start_mariadb() {
  if ! mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u root ping >/dev/null 2>&1; then
    rm -rf "$mariadb_dir"
    mkdir -p "$mariadb_dir/data"
    local as_user=()
    if [[ $(id -u) -eq 0 ]]; then
      chown -R mysql:mysql "$mariadb_dir"
      as_user=(--user=mysql)
    fi
    mariadbd --no-defaults "${as_user[@]}" --datadir="$mariadb_dir/data" --port="$mariadb_port" \
      --bind-address=127.0.0.1 --socket="$mariadb_dir/mariadbd.sock" \
      --pid-file="$mariadb_dir/mariadbd.pid" --log-error="$mariadb_dir/server.log" \
      --skip-grant-tables --skip-name-resolve --skip-log-bin --performance-schema=0 \
      --innodb-buffer-pool-size=32M --innodb-log-file-size=8M --innodb-doublewrite=0 \
      --innodb-flush-log-at-trx-commit=0 --max-connections=200 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      >/dev/null 2>&1 </dev/null &
    for _ in $(seq 100); do
      mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u root ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  mariadb_sql -e "CREATE DATABASE IF NOT EXISTS oncegate_test" || {
    echo "mariadbd did not start on 127.0.0.1:$mariadb_port; its log:" >&2
    tail -n 30 "$mariadb_dir/server.log" >&2 || true
    return 1
  }
}

stop_mariadb() {
  [[ -f "$mariadb_dir/mariadbd.pid" ]] || return 0
  local pid
  pid=$(cat "$mariadb_dir/mariadbd.pid")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  if [[ -d "$state/pg/data" ]]; then
    as_postgres "$pg_bin/pg_ctl" -D "$state/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  stop_mariadb
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
