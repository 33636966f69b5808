#!/usr/bin/env bash
# The oncegate benchmark, in one command: builds a Release gateway, starts a throwaway
# PostgreSQL (100,000 synthetic subjects in six department schemas) and Redis on loopback, runs
# the wrk scenarios against the gateway and the three ceilings (nginx, redis-benchmark,
# pgbench), and prints a Markdown report, also written to bench/results/<UTC timestamp>.md.
# Everything it starts is stopped on exit. See bench/README.md for what each number means.
#
# Usage: bench/run.sh [--quick] [--pinned]
#   --quick: seconds-long runs, a smoke test of the harness
#   --pinned: only the pinned scenario and its nginx ceiling, for work on the per-core cost
# Environment: BENCH_PG_PORT (25432), BENCH_REDIS_PORT (26379), BENCH_GATEWAY_PORT (28080),
#   BENCH_NGINX_PORT (28081), BENCH_SKIP_BUILD=1 (use build-release as it is), BENCH_KEEP=1
#   (keep the state directory: logs, audit trail, generated config).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench

# The configuration that turns the in-process (first-level) cache off, so that every hit goes
# to Redis. The lead fills this in with the gateway's knob; when the gateway rejects it as an
# unknown key, hot-redis runs with the hot configuration and the report says so.
HOT_REDIS_EXTRA_CONFIG=${HOT_REDIS_EXTRA_CONFIG-'cache: { local: off, encryption_keys: ["${ONCEGATE_BENCH_CACHE_KEY}"] }'}

quick=0 pinned_only=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --pinned) pinned_only=1 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (usage: bench/run.sh [--quick] [--pinned])" >&2; exit 2 ;;
  esac
done

pg_port=${BENCH_PG_PORT:-25432}
redis_port=${BENCH_REDIS_PORT:-26379}
gw_port=${BENCH_GATEWAY_PORT:-28080}
nginx_port=${BENCH_NGINX_PORT:-28081}
api_key="bench-key-oncegate-0001" # its sha256 is in bench/config/access.yaml
subjects=100000
threads=2 # wrk threads; the gateway's are in bench/config/gateway.yaml
conns=64

if ((quick)); then
  scenario_s=3 sweep_s=2 ceiling_s=3 hot_n=2000 wide_warm_n=2000 redis_n=30000
else
  scenario_s=20 sweep_s=5 ceiling_s=15 hot_n=10000 wide_warm_n=10000 redis_n=300000
fi
# Never-asked subjects (each scenario starts from an empty cache): cold walks the subjects
# after the hot set, wide's uncached half those after its warmed ones.
cold_lo=$((hot_n + 1)) cold_hi=$subjects
wide_lo=$((wide_warm_n + 1)) wide_hi=$subjects

# Scenario bodies (field lists). hot: 10 fields over hr.employee, establishment.staffing and
# finance.salary. sweep35: all 35 fields of those three datasets. wide: 35 fields over six
# datasets, fund.account chained through hr.employee's fund_account.
hot_fields=person.name,person.gender,person.birth_date,person.education,person.post.org,person.post.title,person.post.level,person.salary.base,person.salary.grade,person.salary.allowance
sweep35_fields=person.id_card,person.name,person.former_name,person.gender,person.birth_date,person.ethnicity,person.education,person.work_start,person.military_start,person.phone,person.native_place,person.political_status,person.degree,person.major,person.school,person.post.org,person.post.org_code,person.post.title,person.post.level,person.post.establishment_type,person.post.since,person.post.department,person.post.category,person.post.appointed_by,person.post.appointment_doc,person.salary.base,person.salary.grade,person.salary.allowance,person.salary.paid_through,person.salary.performance_bonus,person.salary.housing_subsidy,person.salary.seniority_pay,person.salary.bank_name,person.salary.bank_account,person.salary.pay_grade
wide_fields=person.id_card,person.name,person.former_name,person.gender,person.birth_date,person.ethnicity,person.education,person.work_start,person.military_start,person.native_place,person.political_status,person.degree,person.pension.insured_since,person.pension.months,person.pension.base,person.pension.account_balance,person.post.org,person.post.org_code,person.post.title,person.post.level,person.post.establishment_type,person.post.since,person.salary.base,person.salary.grade,person.salary.allowance,person.salary.paid_through,fund.balance,fund.status,fund.opened,fund.monthly_deposit,fund.has_loan,person.medical.status,person.medical.card_no,person.medical.insured_since,person.medical.last_settlement
# The sweep: label|datasets|fields
sweep_sets=(
  "1 field|1|person.name"
  "3 fields|1|person.name,person.gender,person.birth_date"
  "3 fields|3|person.name,person.post.org,person.salary.base"
  "5 fields|3|person.name,person.gender,person.post.org,person.post.title,person.salary.base"
  "10 fields|3|$hot_fields"
  "35 fields|3|$sweep35_fields"
)

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# Like the README's other commands, this one installs what it needs (wrk, nginx, ...).
"$root/scripts/install-deps.sh" --bench
for tool in wrk nginx redis-server redis-cli redis-benchmark pgbench psql curl cmake ninja; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh --bench"
done
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
[[ -x $pg_bin/initdb ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"

state=$(mktemp -d /tmp/oncegate-bench.XXXXXX)
chmod 755 "$state"
gw_pid='' nginx_pid='' wrk_pid=''

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  set +e
  [[ -n $wrk_pid ]] && kill "$wrk_pid" 2>/dev/null
  [[ -n $gw_pid ]] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
  [[ -d $state/pg/data ]] && as_postgres "$pg_bin/pg_ctl" -D "$state/pg/data" -m immediate -w stop >/dev/null 2>&1
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "bench: state kept in $state" >&2; else rm -rf "$state"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= 4096)) || die "open-file limit $(ulimit -n) is too low for 1,000 connections"

# ---------------------------------------------------------------------------- build and servers
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  say "building the Release gateway into build-release"
  ONCEGATE_BUILD_DIR=$root/build-release "$root/scripts/build.sh" Release oncegate >"$state/build.log" 2>&1 ||
    { tail -n 40 "$state/build.log" >&2; die "build failed"; }
fi
gateway_bin=$root/build-release/gateway/oncegate
[[ -x $gateway_bin ]] || die "$gateway_bin missing"

for port in "$pg_port" "$redis_port" "$gw_port" "$nginx_port"; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use (see BENCH_*_PORT)"; fi
done

say "starting Redis on 127.0.0.1:$redis_port and PostgreSQL on 127.0.0.1:$pg_port"
redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
  --pidfile "$state/redis.pid" --logfile "$state/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || die "Redis did not start ($state/redis.log)"

mkdir -p "$state/pg"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$state/pg"
as_postgres "$pg_bin/initdb" -D "$state/pg/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$state/pg/initdb.log"
as_postgres "$pg_bin/pg_ctl" -D "$state/pg/data" -l "$state/pg/server.log" -w \
  -o "-p $pg_port -k $state/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300 -c shared_buffers=256MB" \
  start >/dev/null || die "PostgreSQL did not start ($state/pg/server.log)"
psql_bench() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
psql_bench -d postgres -c "CREATE DATABASE oncegate_bench"

say "generating $subjects subjects in six department schemas"
start_s=$SECONDS
psql_bench -d oncegate_bench -v subjects="$subjects" -f "$bench/gen_data.sql"
gen_s=$((SECONDS - start_s))

mkdir -p "$state/odbc"
sed 's/^CommLog=1/CommLog=0/' /etc/odbcinst.ini >"$state/odbc/odbcinst.ini"
: >"$state/odbc/odbc.ini"
export ODBCSYSINI=$state/odbc ONCEGATE_BENCH_STATE=$state ONCEGATE_BENCH_PG_PORT=$pg_port \
  ONCEGATE_BENCH_REDIS_PORT=$redis_port

# The configuration: bench/config, plus the demo's mapping files the benchmark does not widen.
cp -r "$bench/config" "$state/config"
for f in person civil_affairs housing_fund medical_insurance; do
  cp "$root/config/mappings/$f.yaml" "$state/config/mappings/"
done
cp -r "$state/config" "$state/config-hot-redis"
# The extra configuration replaces the base `cache:` line (a key given twice is an error).
if [[ $HOT_REDIS_EXTRA_CONFIG == cache:* ]]; then
  sed -i '/^cache:/d' "$state/config-hot-redis/gateway.yaml"
fi
printf '%s\n' "$HOT_REDIS_EXTRA_CONFIG" >>"$state/config-hot-redis/gateway.yaml"
# hot-signed: the hot configuration with signed answers (a fresh Ed25519 key per run).
cp -r "$state/config" "$state/config-hot-signed"
openssl genpkey -algorithm ed25519 -out "$state/signing-key.pem" 2>/dev/null || die "openssl cannot make an Ed25519 key"
printf 'signing: { keys: [{ id: bench, private_key: "${file:%s}" }] }\n' "$state/signing-key.pem" \
  >>"$state/config-hot-signed/gateway.yaml"

fresh_hash_key() { ONCEGATE_BENCH_HASH_KEY=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'); export ONCEGATE_BENCH_HASH_KEY; }
fresh_hash_key
# What cache values in Redis are sealed with (64 hex digits), one per run.
ONCEGATE_BENCH_CACHE_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export ONCEGATE_BENCH_CACHE_KEY

# ---------------------------------------------------------------------------- helpers
gw_url=http://127.0.0.1:$gw_port

# start_gateway CONFIG_DIR NAME: 0 when it answers /healthz, 1 when it exited (log in $state).
start_gateway() {
  "$gateway_bin" --config "$1" --listen "127.0.0.1:$gw_port" 2>"$state/gateway-$2.log" &
  gw_pid=$!
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$gw_url/healthz" && return 0
    if ! kill -0 "$gw_pid" 2>/dev/null; then
      wait "$gw_pid" || true
      gw_pid=''
      return 1
    fi
    sleep 0.1
  done
  die "gateway did not answer /healthz within 10s ($state/gateway-$2.log)"
}

stop_gateway() {
  kill "$gw_pid"
  wait "$gw_pid" || true
  gw_pid=''
}

source_queries() {
  curl -sf "$gw_url/metrics" | awk '/^oncegate_source_queries_total/ {s += $NF} END {print s + 0}'
}

# Peak RSS in MB of the given processes (VmHWM), summed.
peak_rss_mb() {
  local kb=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    kb=$((kb + ${v:-0}))
  done
  awk -v kb="$kb" 'BEGIN {printf "%.1f", kb / 1024}'
}

# One resolve body, checked: HTTP 200 and every field answered ok or not_found.
check_body() { # FIELDS SUBJECT EXPECTED_COUNT
  local body id out code answered bad
  id=$(printf '33010219%09d0' "$2")
  body="{\"purpose\":\"retirement\",\"subject\":{\"type\":\"person\",\"id_card\":\"$id\"},\"fields\":[\"${1//,/\",\"}\"]}"
  out=$state/check.json
  code=$(curl -s -o "$out" -w '%{http_code}' -H "Authorization: Bearer $api_key" -d "$body" "$gw_url/v1/resolve")
  answered=$(grep -o '"status":"\(ok\|not_found\)"' "$out" | wc -l)
  bad=$(grep -o '"status":"[a-z_]*"' "$out" | grep -cv '"status":"\(ok\|not_found\)"' || true)
  if [[ $code != 200 || $answered != "$3" || $bad != 0 ]]; then
    cat "$out" >&2
    die "sanity check failed: HTTP $code, $answered of $3 fields answered"
  fi
}

requests_total() {
  # One series per route and status: their sum is every request answered.
  curl -sf "$gw_url/metrics" | awk '/^oncegate_requests_total[{ ]/ {s += $NF} END {print s + 0}'
}

declare -A R # R[scenario.key]: parsed results

# wrk_start NAME URL CONNECTIONS SECONDS MODE FIELDS [VAR=VALUE...]: starts wrk with resolve.lua
# in the background; wrk_finish NAME URL waits for it and records rps, p50, p99, errors and,
# against the gateway, its peak RSS and database queries per request.
wrk_start() {
  local name=$1 url=$2 c=$3 secs=$4 mode=$5 fields=$6
  shift 6
  if [[ -n $gw_pid && $url == "$gw_url"* ]]; then
    echo 5 >"/proc/$gw_pid/clear_refs" # resets VmHWM to the current RSS
    R[$name.q0]=$(source_queries)
  fi
  R[$name.conns]=$c
  local shown="${secs}s"
  [[ $name == warm-* ]] && shown="until warmed"
  printf '   %-24s -c%-5s %-12s ... ' "$name" "$c" "$shown" >&2
  env BENCH_KEY="$api_key" BENCH_FIELDS="$fields" BENCH_MODE="$mode" BENCH_THREADS="$threads" "$@" \
    wrk -t"$threads" -c"$c" -d"${secs}s" --timeout 5s -s "$bench/lua/resolve.lua" "$url" \
    >"$state/wrk-$name.txt" 2>&1 &
  wrk_pid=$!
}

wrk_finish() {
  local name=$1 url=$2 line kv
  wait "$wrk_pid" || { cat "$state/wrk-$name.txt" >&2; die "wrk failed ($name)"; }
  wrk_pid=''
  line=$(grep '^BENCH ' "$state/wrk-$name.txt") || { cat "$state/wrk-$name.txt" >&2; die "no result ($name)"; }
  for kv in ${line#BENCH }; do R[$name.${kv%%=*}]=${kv#*=}; done
  R[$name.errors]=$((${R[$name.status_errors]} + ${R[$name.connect]} + ${R[$name.read]} + ${R[$name.write]} + ${R[$name.timeout]}))
  if [[ -n $gw_pid && $url == "$gw_url"* ]]; then
    R[$name.rss]=$(peak_rss_mb "$gw_pid")
    R[$name.dbq]=$(awk -v d=$(($(source_queries) - ${R[$name.q0]})) -v n="${R[$name.requests]}" 'BEGIN {printf "%.2f", n ? d / n : 0}')
  fi
  printf '%s req/s, p99 %s ms, %s errors\n' "${R[$name.rps]}" "$(ms "${R[$name.p99_us]}")" "${R[$name.errors]}" >&2
}

wrk_run() {
  wrk_start "$@"
  wrk_finish "$1" "$2"
}

calc() { awk "BEGIN {printf \"%.${2:-1}f\", $1}"; }
ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }

# warm NAME FIELDS LO HI: asks every subject of [LO, HI] once. Each wrk thread stops after its
# slice, but wrk itself runs for its whole -d: stop it (SIGINT still prints the summary) once
# the gateway's request count has passed the range and stopped moving.
warm() {
  local name=warm-$1 size=$(($4 - $3 + 1)) start=$SECONDS base now prev=-1
  base=$(requests_total)
  wrk_start "$name" "$gw_url/v1/resolve" "$conns" 600 walk "$2" BENCH_WALK_LO="$3" BENCH_WALK_HI="$4" BENCH_STOP=1
  while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep 0.2
    now=$(($(requests_total) - base))
    ((now >= size && now - prev <= 1)) && break # the poll itself may count as one request
    ((SECONDS - start < 300)) || die "warming $1 did not finish within 300s"
    prev=$now
  done
  kill -INT "$wrk_pid" 2>/dev/null || true
  wrk_finish "$name" "$gw_url/v1/resolve"
  ((${R[$name.errors]} == 0)) || die "warming $1 had ${R[$name.errors]} errors"
}

# A gateway that has never seen anything: empty Redis, and a fresh hash key on top, so that not
# even an entry written late by the previous gateway can be hit.
restart_cold_gateway() {
  [[ -n $gw_pid ]] && stop_gateway
  redis-cli -p "$redis_port" flushall >/dev/null
  fresh_hash_key
  start_gateway "$state/config" "$1" || die "gateway did not start ($state/gateway-$1.log)"
}

# ---------------------------------------------------------------------------- gateway scenarios
say "gateway scenarios (wrk -t$threads, ${scenario_s}s each)"
hot_redis_note="in-process cache off with: $HOT_REDIS_EXTRA_CONFIG"
start_gateway "$state/config" hot || { tail -n 20 "$state/gateway-hot.log" >&2; die "gateway did not start"; }
check_body "$hot_fields" 1 10
check_body "$sweep35_fields" 1 35
check_body "$wide_fields" 1 35
warm hot "$hot_fields" 1 "$hot_n"
# A hot response, for nginx's fixed body and the size in the report.
curl -s -o "$state/hot-response.json" -H "Authorization: Bearer $api_key" \
  -d "{\"purpose\":\"retirement\",\"subject\":{\"type\":\"person\",\"id_card\":\"$(printf '33010219%09d0' 1)\"},\"fields\":[\"${hot_fields//,/\",\"}\"]}" \
  "$gw_url/v1/resolve"
hot_bytes=$(wc -c <"$state/hot-response.json")
# What the gateway stores per dataset row, for the Redis ceiling.
declare -A value_bytes
for ds in hr.employee establishment.staffing finance.salary; do
  redis-cli -p "$redis_port" --scan --pattern "og:*:$ds:*" >"$state/keys.txt"
  key=$(sed -n 1p "$state/keys.txt")
  [[ -n $key ]] || die "no cache entry for $ds in Redis: is the gateway using redis?"
  value_bytes[$ds]=$(redis-cli -p "$redis_port" strlen "$key")
done

random_hot=(BENCH_RANDOM_LO=1 BENCH_RANDOM_HI="$hot_n")
if ((pinned_only)); then
  stop_gateway
else
wrk_run hot "$gw_url/v1/resolve" "$conns" "$scenario_s" random "$hot_fields" "${random_hot[@]}"
stop_gateway
# hot-signed right after hot, on the same Redis and hash key, its in-process cache warmed alike:
# the two differ only by the signature (and the statement it signs), so their ratio is its cost.
start_gateway "$state/config-hot-signed" hot-signed || { tail -n 20 "$state/gateway-hot-signed.log" >&2; die "signed gateway did not start"; }
curl -s -D - -o /dev/null -H "Authorization: Bearer $api_key" \
  -d "{\"purpose\":\"retirement\",\"subject\":{\"type\":\"person\",\"id_card\":\"$(printf '33010219%09d0' 1)\"},\"fields\":[\"${hot_fields//,/\",\"}\"]}" \
  "$gw_url/v1/resolve" | grep -qi '^oncegate-signature: ' || die "the signed gateway's answer carries no Oncegate-Signature"
warm hot-signed "$hot_fields" 1 "$hot_n"
wrk_run hot-signed "$gw_url/v1/resolve" "$conns" "$scenario_s" random "$hot_fields" "${random_hot[@]}"
stop_gateway
start_gateway "$state/config" hot-again || die "gateway did not start ($state/gateway-hot-again.log)"
warm hot-again "$hot_fields" 1 "$hot_n"
for entry in "${sweep_sets[@]}"; do
  IFS='|' read -r label datasets fields <<<"$entry"
  name="sweep-${label// /}-${datasets}ds"
  wrk_run "$name" "$gw_url/v1/resolve" "$conns" "$sweep_s" random "$fields" "${random_hot[@]}"
  R[$name.label]=$label R[$name.datasets]=$datasets
done
wrk_run connections "$gw_url/v1/resolve" 1000 "$scenario_s" random "$hot_fields" "${random_hot[@]}"
stop_gateway

# Same hash key, so Redis still holds the hot set; only the in-process cache is off.
if ! start_gateway "$state/config-hot-redis" hot-redis; then
  if grep -q "unknown key 'cache'" "$state/gateway-hot-redis.log"; then
    hot_redis_note="**gateway has no \`cache: { local: off }\` yet: same configuration as hot**"
    start_gateway "$state/config" hot-redis || die "gateway did not start"
  else
    tail -n 20 "$state/gateway-hot-redis.log" >&2
    die "gateway refused HOT_REDIS_EXTRA_CONFIG"
  fi
fi
wrk_run hot-redis "$gw_url/v1/resolve" "$conns" "$scenario_s" random "$hot_fields" "${random_hot[@]}"
stop_gateway
fi # pinned_only

# ---------------------------------------------------------------------------- pinned (per core)
# One core each, in turn: the gateway with `threads: 1`, then nginx with one worker, both
# pinned to core 0 (every thread of theirs), and wrk -t1 pinned to core 1, so that neither the
# load generator nor the other server takes the measured core. Same wrk script, same hot
# requests. Runs while Redis still holds the hot set under the same hash key.
pinned_wrk() { # NAME URL: wrk -t1 on core 1, random hot subjects
  local name=$1 url=$2
  R[$name.conns]=$conns
  printf '   %-24s -c%-5s %-12s ... ' "$name" "$conns" "${scenario_s}s" >&2
  if [[ -n $gw_pid && $url == "$gw_url"* ]]; then
    echo 5 >"/proc/$gw_pid/clear_refs"
    R[$name.q0]=$(source_queries)
  fi
  env BENCH_KEY="$api_key" BENCH_FIELDS="$hot_fields" BENCH_MODE=random BENCH_THREADS=1 "${random_hot[@]}" \
    taskset -c 1 wrk -t1 -c"$conns" -d"${scenario_s}s" --timeout 5s -s "$bench/lua/resolve.lua" "$url" \
    >"$state/wrk-$name.txt" 2>&1 &
  wrk_pid=$!
  wrk_finish "$name" "$url"
}
say "pinned: one core for the server (taskset -c 0), one for wrk -t1 (taskset -c 1)"
cp -r "$state/config" "$state/config-pinned"
sed -i 's/^threads: .*/threads: 1/' "$state/config-pinned/gateway.yaml"
grep -q '^threads: 1$' "$state/config-pinned/gateway.yaml" || die "config-pinned has no threads: 1"
# nginx-pinned writes no access log: neither does the gateway here (its audit record it writes).
echo 'log: { requests: false }' >>"$state/config-pinned/gateway.yaml"
start_gateway "$state/config-pinned" pinned || die "gateway did not start ($state/gateway-pinned.log)"
taskset -a -p -c 0 "$gw_pid" >/dev/null || die "cannot pin the gateway to core 0"
warm pinned "$hot_fields" 1 "$hot_n"
pinned_wrk pinned "$gw_url/v1/resolve"
stop_gateway
mkdir -p "$state/nginx-pinned/tmp"
grep -q '\$' "$state/hot-response.json" && die "hot response contains '\$': cannot inline it in nginx.conf"
cat >"$state/nginx-pinned/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $state/nginx-pinned/nginx.pid;
error_log $state/nginx-pinned/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $state/nginx-pinned/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 200 "$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$state/hot-response.json")";
    }
  }
}
CONF
taskset -c 0 nginx -c "$state/nginx-pinned/nginx.conf" -p "$state/nginx-pinned" -e "$state/nginx-pinned/error.log" &
nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.1; done
[[ $(curl -s "http://127.0.0.1:$nginx_port/" | wc -c) == "$hot_bytes" ]] || die "pinned nginx does not answer the hot body"
pinned_wrk nginx-pinned "http://127.0.0.1:$nginx_port/v1/resolve"
kill -QUIT "$nginx_pid"
wait "$nginx_pid" || true
nginx_pid=''
if ((pinned_only)); then
  printf '\npinned: %s req/s, nginx-pinned: %s req/s, ratio %s (target >= 0.5)\n' "${R[pinned.rps]}" \
    "${R[nginx-pinned.rps]}" "$(calc "${R[pinned.rps]} / ${R[nginx-pinned.rps]}" 3)"
  exit 0
fi
# ---------------------------------------------------------------------------- end of pinned

# Cold: a never-used gateway, and subjects nobody asked for, each once. 100,000 subjects last
# only seconds at thousands of requests/s, so cold runs half as long as the other scenarios,
# and when a thread's walk wraps anyway (it would then hit the cache), it runs again, as fresh,
# for a duration that fits.
cold_secs=$(((scenario_s + 1) / 2))
restart_cold_gateway cold
wrk_run cold "$gw_url/v1/resolve" "$conns" "$cold_secs" walk "$hot_fields" \
  BENCH_WALK_LO="$cold_lo" BENCH_WALK_HI="$cold_hi"
if ((${R[cold.walked]} > cold_hi - cold_lo + 1)); then
  cold_secs=$(awk -v n=$((cold_hi - cold_lo + 1)) -v r="${R[cold.rps]}" 'BEGIN {s = int(0.8 * n / r); print s < 1 ? 1 : s}')
  echo "   cold walk wrapped: again for ${cold_secs}s" >&2
  restart_cold_gateway cold
  wrk_run cold "$gw_url/v1/resolve" "$conns" "$cold_secs" walk "$hot_fields" \
    BENCH_WALK_LO="$cold_lo" BENCH_WALK_HI="$cold_hi"
fi

# ---- cold-libpq (pgasync): cold with the six sources on `postgresql:` (libpq's pipeline API on
# the I/O loops) instead of ODBC: a never-used gateway, empty Redis and a fresh hash key, the
# same walk; pool 4 per source (2 connections per loop, each carrying many queries at once).
cold_libpq_run() {
  [[ -n $gw_pid ]] && stop_gateway
  redis-cli -p "$redis_port" flushall >/dev/null
  fresh_hash_key
  start_gateway "$state/config-libpq" cold-libpq || { tail -n 20 "$state/gateway-cold-libpq.log" >&2; die "libpq gateway did not start"; }
  wrk_run cold-libpq "$gw_url/v1/resolve" "$conns" "$cold_libpq_secs" walk "$hot_fields" \
    BENCH_WALK_LO="$cold_lo" BENCH_WALK_HI="$cold_hi"
}
cp -r "$state/config" "$state/config-libpq"
sed -E -i -e 's/odbc: "Driver=PostgreSQL Unicode;Server=127\.0\.0\.1;Port=\$\{ONCEGATE_BENCH_PG_PORT\};Database=oncegate_bench;Uid=([a-z_]+);Pwd=;[^"]*"/postgresql: "host=127.0.0.1 port=${ONCEGATE_BENCH_PG_PORT} dbname=oncegate_bench user=\1"/' \
  -e 's/pool: 8,/pool: 4,/' "$state/config-libpq/sources.yaml"
grep -q 'odbc:' "$state/config-libpq/sources.yaml" && die "config-libpq still has an odbc: source"
cold_libpq_secs=$cold_secs
[[ -n $gw_pid ]] && stop_gateway
start_gateway "$state/config-libpq" check-libpq || { tail -n 20 "$state/gateway-check-libpq.log" >&2; die "libpq gateway did not start"; }
check_body "$hot_fields" 1 10
check_body "$wide_fields" 1 35
cold_libpq_run
if ((${R[cold-libpq.walked]} > cold_hi - cold_lo + 1)); then
  cold_libpq_secs=$(awk -v n=$((cold_hi - cold_lo + 1)) -v r="${R[cold-libpq.rps]}" 'BEGIN {s = int(0.8 * n / r); print s < 1 ? 1 : s}')
  echo "   cold-libpq walk wrapped: again for ${cold_libpq_secs}s" >&2
  cold_libpq_run
fi
# ---- end cold-libpq

# Wide: warm some subjects (all six datasets) in a fresh gateway, then alternate a warmed
# subject with a never-asked one.
restart_cold_gateway wide
warm wide "$wide_fields" 1 "$wide_warm_n"
wrk_run wide "$gw_url/v1/resolve" "$conns" "$scenario_s" half "$wide_fields" \
  BENCH_RANDOM_LO=1 BENCH_RANDOM_HI="$wide_warm_n" BENCH_WALK_LO="$wide_lo" BENCH_WALK_HI="$wide_hi"
stop_gateway

# ---------------------------------------------------------------------------- scale (instances)
# scale: 1, 2 and 3 gateway instances behind one nginx balancer (round robin, keepalive
# upstream), hot requests through the balancer; per instance, the requests its /metrics counted.
# Each instance has `threads: 1` and an audit file of its own: on 2 cores the curve says what a
# second and third process add when they share the cores with nginx and wrk, not what one more
# machine adds. The ceiling is nginx alone in the same configuration answering the hot body
# itself (no upstream), measured in the same run.
scale_s=$((quick ? 3 : 10))
scale_pids=()
scale_ports=()

scale_cleanup() {
  local pid
  for pid in "${scale_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  scale_pids=()
}
trap 'scale_cleanup; cleanup' EXIT

scale_requests() { # PORT: requests the instance has answered
  curl -sf "http://127.0.0.1:$1/metrics" | awk '/^oncegate_requests_total[{ ]/ {s += $NF} END {print s + 0}'
}

scale_source_queries() { # the dataset queries all running instances have sent to PostgreSQL
  local port total=0
  for port in "${scale_ports[@]}"; do
    total=$((total + $(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^oncegate_source_queries_total/ {s += $NF} END {print s + 0}')))
  done
  echo "$total"
}

# scale_start_instance N: starts instance N on a port of the kernel's choice (read from its log)
# with its own copy of the configuration, and warms its in-process cache with the hot set.
scale_start_instance() {
  local n=$1 dir=$state/config-scale-$1 log=$state/gateway-scale-$1.log pid port=''
  cp -r "$state/config" "$dir"
  sed -i -e 's/^threads: .*/threads: 1/' -e "s|/audit.jsonl|/audit-scale-$n.jsonl|" "$dir/gateway.yaml"
  grep -q "audit-scale-$n.jsonl" "$dir/gateway.yaml" || die "scale: cannot give instance $n its own audit file"
  "$gateway_bin" --config "$dir" --listen 127.0.0.1:0 2>"$log" &
  pid=$!
  scale_pids+=("$pid")
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)
    [[ -n $port ]] && curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "scale: instance $n exited"; }
    sleep 0.1
  done
  [[ -n $port ]] || die "scale: instance $n did not listen ($log)"
  scale_ports+=("$port")
  # warm() works on $gw_url and $gw_pid: pointed at this instance for the call.
  local gw_url=http://127.0.0.1:$port gw_pid=$pid
  warm "scale-$n" "$hot_fields" 1 "$hot_n"
}

# scale_nginx_start BODY N: nginx on $nginx_port with the server block BODY and the first N
# instances upstream (at least one line: an empty upstream block is an error), workers as the
# ceiling's (2).
scale_nginx_start() {
  local upstream='' i
  for i in $(seq 0 $(($2 - 1))); do upstream+="    server 127.0.0.1:${scale_ports[$i]};"$'\n'; done
  [[ -n $upstream ]] || upstream="    server 127.0.0.1:${scale_ports[0]};"$'\n'
  mkdir -p "$state/nginx-scale/tmp"
  cat >"$state/nginx-scale/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $state/nginx-scale/nginx.pid;
error_log $state/nginx-scale/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $state/nginx-scale/tmp;
  proxy_temp_path $state/nginx-scale/tmp;
  upstream gateways {
$upstream    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nginx_port;
$1
  }
}
CONF
  nginx -c "$state/nginx-scale/nginx.conf" -p "$state/nginx-scale" -e "$state/nginx-scale/error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/healthz" && return 0; sleep 0.1; done
  die "scale: nginx did not start ($state/nginx-scale/error.log)"
}

scale_nginx_stop() {
  kill -QUIT "$nginx_pid"
  wait "$nginx_pid" || true
  nginx_pid=''
}

# scale_measure N PASS: hot requests through a balancer in front of the first N instances. The
# per-instance requests, the run's time, requests and dataset queries add up over the passes.
scale_measure() {
  local n=$1 name=scale-$1-$2 i queries proxy=''
  local -a counts=()
  proxy='    location / {
      proxy_pass http://gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }'
  scale_nginx_start "$proxy" "$n"
  for i in $(seq 0 $((n - 1))); do counts+=("$(scale_requests "${scale_ports[$i]}")"); done
  queries=$(scale_source_queries)
  wrk_run "$name" "http://127.0.0.1:$nginx_port/v1/resolve" "$conns" "$scale_s" random "$hot_fields" "${random_hot[@]}"
  R[scale-$n.queries]=$((${R[scale-$n.queries]:-0} + $(scale_source_queries) - queries))
  R[scale-$n.requests]=$((${R[scale-$n.requests]:-0} + ${R[$name.requests]}))
  R[scale-$n.seconds]=$(calc "${R[scale-$n.seconds]:-0} + ${R[$name.duration_s]}" 3)
  for i in $(seq 0 $((n - 1))); do
    R[scale-$n.share$i]=$((${R[scale-$n.share$i]:-0} + $(scale_requests "${scale_ports[$i]}") - counts[i]))
  done
  scale_nginx_stop
}

# Two passes, 1-2-3 as the instances start and 3-2-1 once all run, so that a change in the
# machine's load during the scenario does not read as a trend.
scale_run() {
  say "scale: 1, 2, 3 instances (threads: 1 each) behind nginx, ${scale_s}s each, two passes"
  local n
  for n in 1 2 3; do
    scale_start_instance "$n"
    scale_measure "$n" a
  done
  for n in 3 2 1; do scale_measure "$n" b; done
  grep -q '\$' "$state/hot-response.json" && die "hot response contains '\$': cannot inline it in nginx.conf"
  scale_nginx_start "    location / {
      default_type application/json;
      return 200 \"$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$state/hot-response.json")\";
    }" 0
  wrk_run scale-nginx "http://127.0.0.1:$nginx_port/v1/resolve" "$conns" "$scale_s" random "$hot_fields" "${random_hot[@]}"
  scale_nginx_stop
  scale_cleanup
}

# The report's section: one row per instance count, then the ceiling.
scale_report() {
  echo
  echo "## Scale: instances behind nginx (threads: 1 each, ${scale_s}s per run, two passes: 1-2-3, 3-2-1)"
  echo
  echo "| instances | req/s total (pass 1, pass 2) | req/s per instance (each) | p50 ms (passes) | p99 ms (passes) | errors | DB queries/req | vs 1 instance | of nginx alone |"
  echo "|---|---|---|---|---|---|---|---|---|"
  local n i per
  local -a rps=()
  for n in 1 2 3; do
    rps[n]=$(calc "${R[scale-$n.requests]} / ${R[scale-$n.seconds]}")
  done
  for n in 1 2 3; do
    per=''
    for i in $(seq 0 $((n - 1))); do per+="${per:+ / }$(calc "${R[scale-$n.share$i]} / ${R[scale-$n.seconds]}" 0)"; done
    echo "| $n | ${rps[n]} (${R[scale-$n-a.rps]}, ${R[scale-$n-b.rps]}) | $per | $(ms "${R[scale-$n-a.p50_us]}"), $(ms "${R[scale-$n-b.p50_us]}") | $(ms "${R[scale-$n-a.p99_us]}"), $(ms "${R[scale-$n-b.p99_us]}") | $((${R[scale-$n-a.errors]} + ${R[scale-$n-b.errors]})) | $(calc "${R[scale-$n.queries]} / ${R[scale-$n.requests]}" 2) | $(calc "${rps[n]} / ${rps[1]}" 2) | $(calc "${rps[n]} / ${R[scale-nginx.rps]} * 100")% |"
  done
  echo "| nginx alone | ${R[scale-nginx.rps]} | - | $(ms "${R[scale-nginx.p50_us]}") | $(ms "${R[scale-nginx.p99_us]}") | ${R[scale-nginx.errors]} | - | - | 100% |"
  echo
  echo "Every process here (wrk, nginx, the instances, Redis) shares the machine's $(nproc) cores: past $(nproc) busy processes the total cannot grow, so the curve shows the balancer's and the processes' overhead, not what another machine would add."
}

scale_run

# ---------------------------------------------------------------------------- ceilings
say "ceilings (gateway stopped)"
# HTTP: nginx answering the hot response as a fixed body, to the same wrk requests.
mkdir -p "$state/nginx/tmp"
grep -q '\$' "$state/hot-response.json" && die "hot response contains '\$': cannot inline it in nginx.conf"
nginx_body=$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$state/hot-response.json")
cat >"$state/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $state/nginx/nginx.pid;
error_log $state/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $state/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 200 "$nginx_body";
    }
  }
}
CONF
nginx -c "$state/nginx/nginx.conf" -p "$state/nginx" -e "$state/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.1; done
[[ $(curl -s "http://127.0.0.1:$nginx_port/" | wc -c) == "$hot_bytes" ]] || die "nginx does not answer the hot body"
wrk_run nginx "http://127.0.0.1:$nginx_port/v1/resolve" "$conns" "$ceiling_s" random "$hot_fields" "${random_hot[@]}"
mapfile -t nginx_pids < <(echo "$nginx_pid"; pgrep -P "$nginx_pid")
R[nginx.rss]=$(peak_rss_mb "${nginx_pids[@]}")
kill -QUIT "$nginx_pid"
wait "$nginx_pid" || true
nginx_pid=''

# Cache: MGET of three keys the size of the three hot datasets' cached rows.
printf '   %-24s -c%-5s %-12s ... ' redis-mget "$conns" "n=$redis_n" >&2
mget_keys=()
for ds in hr.employee establishment.staffing finance.salary; do
  head -c "${value_bytes[$ds]}" /dev/zero | tr '\0' 'v' | redis-cli -p "$redis_port" -x set "bench:$ds" >/dev/null
  mget_keys+=("bench:$ds")
done
redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$conns" -n "$redis_n" --csv MGET "${mget_keys[@]}" >"$state/redis-benchmark.csv"
# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
IFS=, read -r _ 'R[redis.rps]' _ _ 'R[redis.p50_ms]' _ 'R[redis.p99_ms]' _ < <(tail -n 1 "$state/redis-benchmark.csv" | tr -d '"')
R[redis.rss]=$(peak_rss_mb "$(cat "$state/redis.pid")")
printf '%s MGET/s\n' "${R[redis.rps]}" >&2

# Database: the three dataset queries, prepared, random subjects, same concurrency.
printf '   %-24s -c%-5s %-12s ... ' pgbench "$conns" "${ceiling_s}s" >&2
(cd "$state" && pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -n -M prepared -c "$conns" -j "$threads" \
  -T "$ceiling_s" -D subjects="$subjects" -f "$bench/pgbench_hot.sql" -l --log-prefix=pgbench oncegate_bench \
  >"$state/pgbench.txt" 2>&1) || { cat "$state/pgbench.txt" >&2; die "pgbench failed"; }
R[pgbench.tps]=$(awk '/^tps = / {printf "%.1f", $3; exit}' "$state/pgbench.txt")
R[pgbench.failed]=$(awk '/failed transactions:/ {print $5; exit}' "$state/pgbench.txt")
# Per-transaction latencies (µs, third column) from pgbench's logs.
cat "$state"/pgbench.[0-9]* | awk '{print $3}' | sort -n >"$state/pgbench-latency.txt"
pct() { awk -v p="$2" '{v[NR] = $1} END {i = int(NR * p / 100); if (i < 1) i = 1; printf "%.2f", v[i] / 1000}' "$1"; }
R[pgbench.p50_ms]=$(pct "$state/pgbench-latency.txt" 50)
R[pgbench.p99_ms]=$(pct "$state/pgbench-latency.txt" 99)
R[pgbench.qps]=$(awk -v t="${R[pgbench.tps]}" 'BEGIN {printf "%.1f", 3 * t}')
printf '%s tps = %s queries/s\n' "${R[pgbench.tps]}" "${R[pgbench.qps]}" >&2

# ---------------------------------------------------------------------------- report
verdict() { awk "BEGIN {print ($1) ? \"PASS\" : \"FAIL\"}"; }
row() { # NAME LABEL NOTE
  local n=$1
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "${R[$n.conns]}" \
    "${R[$n.rps]}" "$(ms "${R[$n.p50_us]}")" "$(ms "${R[$n.p99_us]}")" "${R[$n.status_errors]}" \
    "${R[$n.connect]}/${R[$n.read]}/${R[$n.write]}/${R[$n.timeout]}" "${R[$n.dbq]:--}" "${R[$n.rss]:--}" "$3"
}

hot_ratio=$(calc "${R[hot.rps]} / ${R[nginx.rps]} * 100")
signed_ratio=$(calc "${R[hot-signed.rps]} / ${R[hot.rps]}" 3)
pinned_ratio=$(calc "${R[pinned.rps]} / ${R[nginx-pinned.rps]}" 3)
hot_redis_ratio=$(calc "${R[hot-redis.rps]} / ${R[nginx.rps]} * 100")
cold_dqps=$(calc "${R[cold.rps]} * 3")
cold_ratio=$(calc "$cold_dqps / ${R[pgbench.qps]} * 100")
wide_dqps=$(calc "${R[wide.rps]} * 6")
# cold-libpq (pgasync)
cold_libpq_dqps=$(calc "${R[cold-libpq.rps]} * 3")
cold_libpq_ratio=$(calc "$cold_libpq_dqps / ${R[pgbench.qps]} * 100")
cold_libpq_vs_cold=$(calc "${R[cold-libpq.rps]} / ${R[cold.rps]}" 2)
cold_libpq_note="cold with the six sources on postgresql: (libpq pipeline, pool 4), ${cold_libpq_secs}s; ${cold_libpq_vs_cold}x cold's req/s"
((${R[cold-libpq.walked]} > cold_hi - cold_lo + 1)) && cold_libpq_note="**walk wrapped: some requests were cached**"
cold_note="10 fields / 3 datasets, subjects $cold_lo..$cold_hi each once, ${cold_secs}s"
((${R[cold.walked]} > cold_hi - cold_lo + 1)) && cold_note="**walk wrapped: some requests were cached**"
wide_note="35 fields / 6 datasets (1 chained): subjects 1..$wide_warm_n cached, alternating with never-asked ones"
((${R[wide.walked]} > wide_hi - wide_lo + 1)) && wide_note="**uncached walk wrapped: more than half cached**"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$bench/results"
report=$bench/results/$stamp.md
{
  echo "# oncegate benchmark $stamp$( ((quick)) && echo ' (--quick)')"
  echo
  echo "- commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$root" status --porcelain -- gateway common connectors mappings policies 2>/dev/null) ]] && echo ' + uncommitted changes'); $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); whole run $((SECONDS / 60))m$((SECONDS % 60))s"
  echo "- gateway: Release, threads: 2, pool 8 per source, Redis cache, audit durability **batch** (strict would fsync every group commit)"
  echo "- wrk -t$threads, ${scenario_s}s per scenario (sweep ${sweep_s}s, ceilings ${ceiling_s}s), --timeout 5s; wrk, the gateway, PostgreSQL and Redis share this machine"
  echo "- data: $subjects subjects x 9 tables in 6 department schemas, generated in ${gen_s}s; hot set: subjects 1..$hot_n (warmed in ${R[warm-hot.duration_s]}s), wide's warmed set 1..$wide_warm_n (${R[warm-wide.duration_s]}s)"
  echo "- hot response: $hot_bytes bytes; cached rows: hr.employee ${value_bytes[hr.employee]} B, establishment.staffing ${value_bytes[establishment.staffing]} B, finance.salary ${value_bytes[finance.salary]} B"
  echo
  echo "## Gateway scenarios"
  echo
  echo "| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | socket errors c/r/w/t | DB queries/req | peak RSS MB | notes |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  row hot hot "10 fields / 3 datasets, cached subjects 1..$hot_n"
  row hot-signed hot-signed "hot with signing: (Ed25519, one signature per answer): ${signed_ratio} of hot's req/s"
  row hot-redis hot-redis "$hot_redis_note"
  row cold cold "$cold_note"
  row cold-libpq cold-libpq "$cold_libpq_note"
  row wide wide "$wide_note"
  row connections connections "hot at 1,000 connections"
  row pinned pinned "hot on one core: threads: 1, gateway on core 0, wrk -t1 on core 1 (nginx-pinned: ${R[nginx-pinned.rps]} req/s)"
  echo
  echo "## Ceilings"
  echo
  echo "| ceiling | conns | rate | p50 ms | p99 ms | errors | peak RSS MB | what |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| nginx | $conns | ${R[nginx.rps]} req/s | $(ms "${R[nginx.p50_us]}") | $(ms "${R[nginx.p99_us]}") | ${R[nginx.errors]} | ${R[nginx.rss]} | fixed $hot_bytes-byte JSON, worker_processes 2, same wrk script |"
  echo "| redis MGET | $conns | ${R[redis.rps]} MGET/s | ${R[redis.p50_ms]} | ${R[redis.p99_ms]} | - | ${R[redis.rss]} | redis-benchmark, 3 keys of the cached rows' sizes |"
  echo "| pgbench | $conns | ${R[pgbench.qps]} queries/s (${R[pgbench.tps]} tps) | ${R[pgbench.p50_ms]} | ${R[pgbench.p99_ms]} | ${R[pgbench.failed]:-0} | - | -M prepared, the 3 hot dataset queries per transaction |"
  echo "| nginx-pinned | $conns | ${R[nginx-pinned.rps]} req/s | $(ms "${R[nginx-pinned.p50_us]}") | $(ms "${R[nginx-pinned.p99_us]}") | ${R[nginx-pinned.errors]} | - | the per-core ceiling: same fixed body, worker_processes 1 on core 0, wrk -t1 on core 1 |"
  echo
  echo "## Targets"
  echo
  echo "| target | measured | verdict |"
  echo "|---|---|---|"
  echo "| hot >= 50% of nginx, p99 < 10 ms | ${hot_ratio}%, p99 $(ms "${R[hot.p99_us]}") ms | $(verdict "$hot_ratio >= 50 && ${R[hot.p99_us]} < 10000") |"
  echo "| hot-signed >= 0.9 of hot (req/s, same run) | ${R[hot-signed.rps]} vs ${R[hot.rps]} = ${signed_ratio} | $(verdict "$signed_ratio >= 0.9") |"
  echo "| pinned >= 0.5 of nginx-pinned (one core each, same run) | ${R[pinned.rps]} vs ${R[nginx-pinned.rps]} = ${pinned_ratio} | $(verdict "$pinned_ratio >= 0.5") |"
  echo "| hot-redis >= 30% of nginx | ${hot_redis_ratio}% | $(verdict "$hot_redis_ratio >= 30") |"
  echo "| cold >= 50% of pgbench (dataset queries/s) | $cold_dqps vs ${R[pgbench.qps]} = ${cold_ratio}% | $(verdict "$cold_ratio >= 50") |"
  echo "| cold-libpq >= 50% of pgbench (dataset queries/s) | $cold_libpq_dqps vs ${R[pgbench.qps]} = ${cold_libpq_ratio}% | $(verdict "$cold_libpq_ratio >= 50") |"
  echo "| wide p99 < 50 ms, dataset qps >= cold's | p99 $(ms "${R[wide.p99_us]}") ms, $wide_dqps vs $cold_dqps datasets/s | $(verdict "${R[wide.p99_us]} < 50000 && $wide_dqps >= $cold_dqps") |"
  echo "| connections: RSS < 150 MB, no errors | ${R[connections.rss]} MB, ${R[connections.errors]} errors | $(verdict "${R[connections.rss]} < 150 && ${R[connections.errors]} == 0") |"
  echo
  echo "## Sweep: fields vs datasets (cached subjects, ${sweep_s}s each)"
  echo
  echo "| fields | datasets | req/s | p50 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|"
  for entry in "${sweep_sets[@]}"; do
    IFS='|' read -r label datasets _ <<<"$entry"
    n="sweep-${label// /}-${datasets}ds"
    echo "| $label | $datasets | ${R[$n.rps]} | $(ms "${R[$n.p50_us]}") | $(ms "${R[$n.p99_us]}") | ${R[$n.errors]} |"
  done
  scale_report
} >"$report"
echo
cat "$report"
echo
echo "report written to ${report#"$root"/}"
