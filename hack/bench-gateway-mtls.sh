#!/usr/bin/env bash
# Plaintext vs mTLS (and mTLS with a policy and a per-client ACL user) through the gateway, in one run:
# starts its own redis-server and three in-process gateways, measures GET 100 B through the unary and
# Pipeline APIs round by round, and writes docs/benchmarks/gateway-mtls.md (~3 minutes with the defaults).
#
#   hack/bench-gateway-mtls.sh                 c=16,64, 3 rounds of 3 s per scenario
#   hack/bench-gateway-mtls.sh --help          all options
#
# Needs redis-server on the PATH (or REDIS_SERVER_BIN). BENCH_JAVA_OPTS overrides the JVM options below.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B package -DskipTests -pl gateway/benchmark -am

jar=$(ls gateway/benchmark/target/redis-grpc-benchmark-*-all.jar | head -n 1)
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC} -cp "$jar" io.redisgrpc.benchmark.MtlsBenchmark "$@"
