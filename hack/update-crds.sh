#!/usr/bin/env bash
# Regenerates the CRD from the Java model into crds/ and the Helm chart (printer columns in the
# order the model declares them, see CrdUpToDateTest) and renders docs/crd-reference.md.
# CrdUpToDateTest and CrdReferenceTest fail the build while either is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B process-classes -pl operator -am
# Two runs: the reference is rendered from the CRD file, which the first run rewrites.
./mvnw -q -B test -pl operator -am -Dtest='CrdUpToDateTest' -Dcrd.update=true -Dsurefire.failIfNoSpecifiedTests=false
./mvnw -q -B test -pl operator -am -Dtest='CrdReferenceTest' -Dcrd.reference.update=true -Dsurefire.failIfNoSpecifiedTests=false
echo "crds/, the chart's crds/ and docs/crd-reference.md updated from the model"
