#!/usr/bin/env bash
# Runs the oncegate demo from nothing: installs what is missing, builds the gateway, generates six
# department databases, makes sure Redis answers on 127.0.0.1:6379, prints a request to try, and
# runs the gateway in the foreground on config/ (Ctrl-C stops it). Works from any directory.
# Usage: scripts/demo.sh            (ONCEGATE_LISTEN, ONCEGATE_DATA, ONCEGATE_HASH_KEY,
#                                    ONCEGATE_MASK_KEY, ONCEGATE_CACHE_KEY, ONCEGATE_SIGNING_KEY
#                                    override)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${ONCEGATE_BUILD_DIR:-$root/build}
listen=${ONCEGATE_LISTEN:-127.0.0.1:8080}
redis_port=6379

bash "$root/scripts/install-deps.sh"
if ! command -v python3 >/dev/null; then
  echo "demo: python3 is needed to generate the demo data (apt-get install python3)" >&2
  exit 1
fi
bash "$root/scripts/build.sh" RelWithDebInfo oncegate oncegatectl

# The sources' connection strings name $ONCEGATE_DATA; SQLite resolves a relative path against the
# gateway's working directory, so it is made absolute here.
export ONCEGATE_DATA=${ONCEGATE_DATA:-$root/var/demo}
mkdir -p "$ONCEGATE_DATA"
ONCEGATE_DATA=$(cd "$ONCEGATE_DATA" && pwd)
# A fixed key so the demo runs with no setup. Production sets its own secret (32+ characters,
# the same on every instance) from a secret store, never this one.
export ONCEGATE_HASH_KEY=${ONCEGATE_HASH_KEY:-oncegate-demo-hash-key-not-for-production-use}
export ONCEGATE_MASK_KEY=${ONCEGATE_MASK_KEY:-oncegate-demo-mask-key-not-for-production-use}
# The key rows cached in Redis are encrypted with: 32 random bytes, made once and kept in the
# demo's state directory (readable by this user only), so restarts read what is cached.
if [[ -z ${ONCEGATE_CACHE_KEY:-} ]]; then
  if [[ ! -s $ONCEGATE_DATA/cache-key ]]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ONCEGATE_DATA/cache-key")
  fi
  ONCEGATE_CACHE_KEY=$(cat "$ONCEGATE_DATA/cache-key")
fi
export ONCEGATE_CACHE_KEY
# Answers are signed with an Ed25519 key, made once and kept beside the cache key.
if [[ -z ${ONCEGATE_SIGNING_KEY:-} ]]; then
  if [[ ! -s $ONCEGATE_DATA/signing-key.pem ]]; then
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$ONCEGATE_DATA/signing-key.pem")
  fi
  ONCEGATE_SIGNING_KEY=$(cat "$ONCEGATE_DATA/signing-key.pem")
fi
export ONCEGATE_SIGNING_KEY
bash "$root/scripts/make-demo-data.sh" "$ONCEGATE_DATA"
# The control store keeps admin changes across restarts; the demo starts from config/ each run.
rm -f "$ONCEGATE_DATA/control.db"

# The gateway works without Redis (slower: every miss goes to the source), so failing to start one
# is a warning, not an error.
if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
  echo "demo: using the Redis already answering on 127.0.0.1:$redis_port"
else
  mkdir -p "$root/var"
  redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --pidfile "$root/var/redis-demo.pid" --logfile "$root/var/redis-demo.log" || true
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    echo "demo: started redis-server on 127.0.0.1:$redis_port" \
      "(stop it with: redis-cli -p $redis_port shutdown nosave)"
  else
    echo "demo: warning: no Redis on 127.0.0.1:$redis_port (see $root/var/redis-demo.log);" \
      "the gateway will run on its in-process cache" >&2
  fi
fi

cat <<EXAMPLE

oncegate demo: retirement case, 35 indicators, 33 shared by six departments (docs/demo.md).
Demo API key: demo-retirement-key-0001   Example person: 330102196603150131 (张建国)
Admin tokens: demo-dba-token-wang (dba), demo-officer-token-li (security_officer),
              demo-auditor-token-zhao (auditor), demo-reform-token-chen (reform_office);
              see README "first five minutes"
In another terminal, try:

curl -s http://$listen/v1/resolve \\
  -H 'Authorization: Bearer demo-retirement-key-0001' \\
  -H 'Content-Type: application/json' \\
  -d '{"purpose":"retirement","case":"LS-2026-000123",
       "subject":{"type":"person","id_card":"330102196603150131"},
       "fields":["person.name","person.id_card","fund.balance","person.phone","person.health.notes","nope"]}'

Every answer is signed: save the body and its Oncegate-Signature header, then check them offline
(docs/evidence.md):
  curl -s -D headers.txt -o answer.json http://$listen/v1/resolve ...   (the same request)
  grep -i '^oncegate-signature:' headers.txt > answer.sig
  $build_dir/gateway/oncegatectl verify-receipt answer.json answer.sig --keys http://$listen/v1/keys

The console: http://$listen/console/ (sign in with an admin token). The reform office's page
共享统计 shows the retirement form at 33 of 35 = 94.3% after the prefill this script makes once
the gateway answers (docs/demo.md "Reading the sharing dashboard").

EXAMPLE

# The smoke run: once the gateway answers, one prefill of the retirement form for 张建国, so that
# the sharing report and the console's dashboard open on the reference case's numbers (33 of 35
# served, 94.3%, 13 documents spared; docs/demo.md "Reading the sharing dashboard"). It runs
# beside the gateway, which stays in the foreground for Ctrl-C.
smoke_prefill() {
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "http://$listen/healthz" 2>/dev/null && break
    sleep 0.1
  done
  local answer
  if answer=$(curl -fsS "http://$listen/v1/forms/retirement/prefill" \
      -H 'Authorization: Bearer demo-retirement-key-0001' -H 'Content-Type: application/json' \
      -d '{"case":"LS-2026-000123","subject":{"type":"person","id_card":"330102196603150131"}}'); then
    python3 -c 'import json, sys
answer = json.load(sys.stdin)
print("demo: smoke prefill of the retirement form: %d of %d fields filled (%.1f%%);"
      " the dashboard: http://%s/console/#/sharing"
      % (answer["filled"], answer["total"], answer["sharing_rate"] * 100, sys.argv[1]))' \
      "$listen" <<<"$answer"
  else
    echo "demo: warning: the smoke prefill of the retirement form failed" >&2
  fi
}
smoke_prefill &

cd "$root"
exec "$build_dir/gateway/oncegate" --config "$root/config" --listen "$listen"
