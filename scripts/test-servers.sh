#!/usr/bin/env bash
# Starts (or stops) the real servers the tests need, on loopback, in a throwaway directory:
#   redis-server on $ONCEGATE_TEST_REDIS_PORT (default 16379)
#   a PostgreSQL 15 cluster on $ONCEGATE_TEST_PG_PORT (default 15432), trust auth, user postgres
# and writes an ODBC driver file with psqlODBC's CommLog off (Debian's default writes /tmp logs).
# Usage: scripts/test-servers.sh start|stop|env   (env prints the variables the tests read)
set -euo pipefail

state=${ONCEGATE_TEST_STATE:-/tmp/oncegate-test-servers}
redis_port=${ONCEGATE_TEST_REDIS_PORT:-16379}
pg_port=${ONCEGATE_TEST_PG_PORT:-15432}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

print_env() {
  cat <<VARS
export ODBCSYSINI=$state/odbc
export ONCEGATE_TEST_REDIS=127.0.0.1:$redis_port
export ONCEGATE_TEST_PG_ODBC="Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$pg_port;Database=oncegate_test;Uid=postgres;Pwd=;BoolsAsChar=0;TextAsLongVarchar=0"
export ONCEGATE_TEST_PG_PORT=$pg_port
export ONCEGATE_TEST_PG_BIN=$pg_bin
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
  echo "test servers up: redis 127.0.0.1:$redis_port, postgresql 127.0.0.1:$pg_port" >&2
}

stop() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  if [[ -d "$state/pg/data" ]]; then
    as_postgres "$pg_bin/pg_ctl" -D "$state/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
