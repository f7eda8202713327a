#!/usr/bin/env bash
# Builds the gateway and runs it in the foreground against Redis on localhost:6379.
# If nothing listens on 6379 it starts a throw-away redis-server there first (stopped on exit).
# Extra arguments go to the gateway, e.g. hack/run-gateway.sh --port=50052
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B install -DskipTests -pl gateway/server -am
jar=$(ls gateway/server/target/redis-grpc-gateway-*-all.jar | head -n 1)

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  command -v redis-server >/dev/null || { echo "redis-server not found: apt-get install redis-server" >&2; exit 1; }
  data=$(mktemp -d)
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir "$data" --daemonize no >"$data/redis.log" 2>&1 &
  redis_pid=$!
  trap 'kill $redis_pid 2>/dev/null; rm -rf "$data"' EXIT
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done
  echo "started redis-server on 127.0.0.1:6379 (pid $redis_pid)"
fi

java -jar "$jar" "$@"
