#!/usr/bin/env bash
# Regenerates the CRD from the Java model and copies it to crds/ (the build's CrdUpToDateTest
# fails while the committed copy differs from what the model generates).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B process-classes -pl operator -am
generated=operator/target/classes/META-INF/fabric8/redisgrpccaches.cache.redisgrpc.io-v1.yml
cp "$generated" crds/redisgrpccaches.cache.redisgrpc.io-v1.yml
if [ -d helm/redis-grpc-operator/crds ]; then
  cp "$generated" helm/redis-grpc-operator/crds/redisgrpccaches.cache.redisgrpc.io-v1.yml
fi
echo "crds/ updated from the model"
