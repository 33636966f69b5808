#!/usr/bin/env bash
# Instruction counts of the hot path: runs a gateway (threads: 1, the benchmark's configuration)
# under valgrind's callgrind, warms its cache with every subject it will be asked about, zeroes
# the counters, sends a fixed number of hot requests on one keep-alive connection and prints the
# instructions executed (Ir, all threads) per request. Instruction counts repeat on a loaded
# machine where wall-clock figures do not; callgrind_annotate on the kept output says where
# they go.
#
# Usage: bench/callgrind-hot.sh [--signed] [--quiet] [--requests N] [--keep DIR]
#   --signed: with `signing:` (hot-signed); --quiet: with `log: { requests: false }`
# Needs: a built gateway (ONCEGATE_BUILD_DIR, default build: RelWithDebInfo or Release), the
# test servers running (scripts/test-servers.sh start; their `env` exported), valgrind.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${ONCEGATE_BUILD_DIR:-$root/build}
requests=2000 subjects=200 signed=0 quiet=0 keep=''
while (($#)); do
  case $1 in
    --signed) signed=1 ;;
    --quiet) quiet=1 ;;
    --requests) requests=$2; shift ;;
    --keep) keep=$2; shift ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
: "${ONCEGATE_TEST_PG_PORT:?export the test servers' env (scripts/test-servers.sh env)}"
: "${ONCEGATE_TEST_REDIS:?export the test servers' env}"
gateway_bin=$build/gateway/oncegate
[[ -x $gateway_bin ]] || { echo "$gateway_bin missing" >&2; exit 1; }

state=$(mktemp -d /tmp/oncegate-callgrind.XXXXXX)
chmod 755 "$state"
gw_pid=''
cleanup() {
  [[ -n $gw_pid ]] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  if [[ -n $keep ]]; then mkdir -p "$keep" && cp "$state"/callgrind.out.* "$keep/" 2>/dev/null; fi
  rm -rf "$state"
}
trap cleanup EXIT

psql_pg() { psql -X -q -h 127.0.0.1 -p "$ONCEGATE_TEST_PG_PORT" -U postgres "$@"; }
if ! psql_pg -d oncegate_bench -tAc "SELECT 1 FROM hr.employee LIMIT 1" >/dev/null 2>&1; then
  psql_pg -d postgres -c "CREATE DATABASE oncegate_bench" >/dev/null 2>&1 || true
  psql_pg -d oncegate_bench -v subjects=$subjects -f "$root/bench/gen_data.sql" >/dev/null
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp -r "$root/bench/config" "$state/config"
for f in person civil_affairs housing_fund medical_insurance; do
  cp "$root/config/mappings/$f.yaml" "$state/config/mappings/"
done
# Slowed down some fifty times, the gateway would see its 5 s local entries expire between two
# asks of a subject: a long local_ttl keeps every measured request an in-process hit, as in the
# benchmark's hot scenario.
sed -i -e 's/^threads: .*/threads: 1/' -e 's/^cache: { /cache: { local_ttl: 10m, /' "$state/config/gateway.yaml"
grep -q 'local_ttl: 10m' "$state/config/gateway.yaml" || { echo "cannot set cache.local_ttl" >&2; exit 1; }
((quiet)) && echo 'log: { requests: false }' >>"$state/config/gateway.yaml"
if ((signed)); then
  openssl genpkey -algorithm ed25519 -out "$state/signing-key.pem" 2>/dev/null
  printf 'signing: { keys: [{ id: bench, private_key: "${file:%s}" }] }\n' "$state/signing-key.pem" \
    >>"$state/config/gateway.yaml"
fi
export ONCEGATE_BENCH_STATE=$state ONCEGATE_BENCH_PG_PORT=$ONCEGATE_TEST_PG_PORT
export ONCEGATE_BENCH_REDIS_PORT=${ONCEGATE_TEST_REDIS##*:}
ONCEGATE_BENCH_HASH_KEY=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
ONCEGATE_BENCH_CACHE_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export ONCEGATE_BENCH_HASH_KEY ONCEGATE_BENCH_CACHE_KEY

valgrind --tool=callgrind --callgrind-out-file="$state/callgrind.out.%p" \
  "$gateway_bin" --config "$state/config" --listen "127.0.0.1:$port" 2>"$state/gateway.log" &
gw_pid=$!

python3 - "$port" "$requests" "$subjects" "$gw_pid" <<'PY'
import http.client, subprocess, sys, time
port, requests, subjects, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
fields = ["person.name", "person.gender", "person.birth_date", "person.education",
          "person.post.org", "person.post.title", "person.post.level", "person.salary.base",
          "person.salary.grade", "person.salary.allowance"]
head = {"Authorization": "Bearer bench-key-oncegate-0001", "Content-Type": "application/json"}
def body(i):
    return ('{"purpose":"retirement","subject":{"type":"person","id_card":"33010219%09d0"},'
            '"fields":[%s]}' % (i, ",".join('"%s"' % f for f in fields)))
deadline = time.time() + 120
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/healthz"); c.getresponse().read(); break
    except OSError:
        if time.time() > deadline: sys.exit("gateway did not start")
        time.sleep(0.5)
def ask(i):
    c.request("POST", "/v1/resolve", body(i), head)
    r = c.getresponse(); data = r.read()
    if r.status != 200 or b'"status":"ok"' not in data: sys.exit("bad answer: %d %s" % (r.status, data[:300]))
for rnd in range(2):  # twice: the second round is all in-process hits
    for i in range(1, subjects + 1): ask(i)
subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
for n in range(requests): ask(1 + (n * 7919) % subjects)
subprocess.run(["callgrind_control", "-d", "hot", pid], check=True, stdout=subprocess.DEVNULL)
PY
kill "$gw_pid"; wait "$gw_pid" 2>/dev/null || true; gw_pid=''
# The dump taken after the requests (part "hot"), every thread's file of it.
total=0
for f in "$state"/callgrind.out.*; do
  grep -q '^desc: Trigger: dump hot' "$f" 2>/dev/null || continue
  ir=$(awk '/^summary:/ {print $2}' "$f")
  total=$((total + ${ir:-0}))
done
echo "Ir per hot request: $((total / requests)) ($total over $requests requests$( ((signed)) && echo ', signed')$( ((quiet)) && echo ', no request lines'))"
