#!/usr/bin/env bash
# Builds the gateway benchmark and runs it: starts its own redis-server and an in-process gateway,
# compares redis-benchmark, direct Lettuce and the gateway's unary/Batch/Pipeline APIs, and writes
# docs/benchmarks/gateway.md. This is the one command that reproduces the published results.
#
#   hack/bench-gateway.sh             full run (~9 minutes), writes docs/benchmarks/gateway.md
#   hack/bench-gateway.sh --quick     ~2 minute smoke run, writes gateway/benchmark/target/gateway-quick.md
#   hack/bench-gateway.sh --help      all options
#
# Needs redis-server and redis-benchmark on the PATH (or REDIS_SERVER_BIN / REDIS_BENCHMARK_BIN).
# BENCH_JAVA_OPTS overrides the JVM options below.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B install -DskipTests -pl gateway/benchmark -am

jar=$(ls gateway/benchmark/target/redis-grpc-benchmark-*-all.jar | head -n 1)
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:--Xms2g -Xmx2g -XX:+UseG1GC} -jar "$jar" "$@"
