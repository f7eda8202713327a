#!/usr/bin/env bash
# Regenerates the CRD from the Java model, copies it to crds/ (and the Helm chart) and renders
# docs/crd-reference.md. CrdUpToDateTest and CrdReferenceTest fail the build while either is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B process-classes -pl operator -am
generated=operator/target/classes/META-INF/fabric8/redisgrpccaches.cache.redisgrpc.io-v1.yml
cp "$generated" crds/redisgrpccaches.cache.redisgrpc.io-v1.yml
if [ -d helm/redis-grpc-operator/crds ]; then
  cp "$generated" helm/redis-grpc-operator/crds/redisgrpccaches.cache.redisgrpc.io-v1.yml
fi
# docs/crd-reference.md is rendered from the CRD by a test (which also guards it in the build).
./mvnw -q -B test -pl operator -am -Dtest=CrdReferenceTest -Dcrd.reference.update=true -Dsurefire.failIfNoSpecifiedTests=false
echo "crds/ and docs/crd-reference.md updated from the model"
