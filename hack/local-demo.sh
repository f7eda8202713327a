#!/usr/bin/env bash
# The main job: a cache serving gRPC from real pods, on a real single-node Kubernetes built on
# this machine (hack/node.sh), installed the way a platform team installs it (helm install).
#
#   hack/local-demo.sh                          # examples/cluster-minimal.yaml; stays up until Ctrl-C
#   hack/local-demo.sh examples/sentinel.yaml   # another example (or any RedisGrpcCache manifest)
#   hack/local-demo.sh --once                   # print the result, stop everything, exit 0
#   hack/local-demo.sh --keep                   # leave the node running (stop it: hack/node.sh down)
#
# Steps (each cached, so a second run takes seconds to a minute):
#   1. binaries from the Go module proxy (hack/node-binaries.sh: Kubernetes, CoreDNS, helm,
#      grpcurl) and images from Debian's packages (hack/images.sh: JRE base, Redis, pause, ...);
#   2. the operator and gateway images, built by Jib on that JRE base (./mvnw package);
#   3. the node up (hack/node.sh up) and the images imported into its containerd;
#   4. helm install of helm/redis-grpc-operator (the chart installs the CRD) with the local
#      Redis image as the default; with a TLS example, the real cert-manager controller too;
#   5. the example applied; waits for Ready=True;
#   6. one gRPC call (Set, then Get) from the host through the gateway's ClusterIP Service, with
#      grpcurl and the gateway's server reflection (with mTLS: as the first client in
#      status.clients[], with its certificate Secret);
#   7. kubectl get rgc,pods,svc.
# Needs root (containerd, kubelet, a bridge). Ctrl-C (or the end of --once) uninstalls nothing
# by hand: it stops the node, which removes everything and restores the host as it was.
#
# Environment:
#   DEMO_NAMESPACE   namespace for the example (default "demo")
#   DEMO_TIMEOUT     seconds to wait for the cache to be Ready (default 600)
#   SKIP_BUILD=true  use the image tars already in operator/target and gateway/server/target
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO_NAMESPACE="${DEMO_NAMESPACE:-demo}"
DEMO_TIMEOUT="${DEMO_TIMEOUT:-600}"
SKIP_BUILD="${SKIP_BUILD:-false}"
RELEASE=redis-grpc-operator
OPERATOR_NAMESPACE=redis-grpc-system

MODE=foreground
EXAMPLE=""
CERT_MANAGER_PID=""
NODE_STARTED=false
WORK=""

log() { printf '[local-demo] %s\n' "$*" >&2; }
die() {
  printf '[local-demo] ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

kubectl() { "$ROOT/hack/node.sh" kubectl "$@"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$CERT_MANAGER_PID" ]] && kill -0 "$CERT_MANAGER_PID" 2>/dev/null; then
    kill -TERM "$CERT_MANAGER_PID" 2>/dev/null || true
    wait "$CERT_MANAGER_PID" 2>/dev/null || true
    log "stopped cert-manager (pid $CERT_MANAGER_PID)"
  fi
  if [[ "$MODE" != keep && "$NODE_STARTED" == true ]]; then
    log "stopping the node"
    "$ROOT/hack/node.sh" down >&2 || rc=1
  fi
  [[ -z "$WORK" ]] || rm -rf "$WORK"
  exit "$rc"
}

# The cache's name and whether it asks for TLS, read from the manifest by the API server's
# own parser (a client-side dry run), not by grep.
manifest_field() {
  kubectl create --dry-run=client -f "$EXAMPLE" -o jsonpath="$1"
}

build_images() {
  if [[ "$SKIP_BUILD" == true && -f "$ROOT/operator/target/jib-image.tar" && -f "$ROOT/gateway/server/target/jib-image.tar" ]]; then
    log "SKIP_BUILD=true: using the image tars in operator/target and gateway/server/target"
    return
  fi
  log "building the operator and gateway images (Jib on the Debian JRE base)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl operator,gateway/server -am) >&2 \
    || die "./mvnw package failed"
  [[ -f "$ROOT/operator/target/jib-image.tar" ]] || die "no operator/target/jib-image.tar: is ~/.cache/redisgrpc/images/jre.tar there (hack/images.sh build)?"
}

start_cert_manager() {
  log "TLS example: starting the real cert-manager controller against the node"
  "$ROOT/hack/cert-manager-binaries.sh" >&2
  local dir="$HOME/.cache/redisgrpc/cert-manager/${CERT_MANAGER_VERSION:-1.21.2}"
  kubectl apply --server-side -f "$dir/crds" >/dev/null
  kubectl wait --for=condition=Established --timeout=60s -f "$dir/crds" >/dev/null
  "$dir/cert-manager-controller" --kubeconfig="$("$ROOT/hack/node.sh" kubeconfig)" \
    --cluster-resource-namespace=cert-manager >"$WORK/cert-manager.log" 2>&1 &
  CERT_MANAGER_PID=$!
  log "cert-manager running (pid $CERT_MANAGER_PID, log $WORK/cert-manager.log)"
}

grpc_call() {
  local name="$1" tls="$2" ip port grpcurl args=()
  grpcurl="$("$ROOT/hack/node-binaries.sh" path grpcurl)"
  ip="$(kubectl -n "$DEMO_NAMESPACE" get svc "$name-gateway" -o jsonpath='{.spec.clusterIP}')"
  port="$(kubectl -n "$DEMO_NAMESPACE" get svc "$name-gateway" -o jsonpath='{.spec.ports[0].port}')"
  if [[ "$tls" == true ]]; then
    local client secret
    client="$(kubectl -n "$DEMO_NAMESPACE" get rgc "$name" -o jsonpath='{.status.clients[0].name}')"
    secret="$(kubectl -n "$DEMO_NAMESPACE" get rgc "$name" -o jsonpath='{.status.clients[0].certificateSecret}')"
    [[ -n "$secret" ]] || die "status.clients[] names no certificate Secret"
    for key in tls.crt tls.key ca.crt; do
      kubectl -n "$DEMO_NAMESPACE" get secret "$secret" -o "jsonpath={.data.${key//./\\.}}" | base64 -d >"$WORK/$key"
    done
    chmod 0600 "$WORK/tls.key"
    args=(-cacert "$WORK/ca.crt" -cert "$WORK/tls.crt" -key "$WORK/tls.key" -authority "$name-gateway.$DEMO_NAMESPACE.svc")
    log "calling the gateway at $ip:$port over mTLS as client '$client' (certificate Secret $secret)"
  else
    args=(-plaintext)
    log "calling the gateway at $ip:$port"
  fi
  # Keys and values are bytes: base64 in grpcurl's JSON ("hello" / "world").
  "$grpcurl" "${args[@]}" -max-time 10 -d '{"key":"aGVsbG8=","value":"d29ybGQ="}' "$ip:$port" redisgrpc.v1.Cache/Set
  "$grpcurl" "${args[@]}" -max-time 10 -d '{"key":"aGVsbG8="}' "$ip:$port" redisgrpc.v1.Cache/Get
}

main() {
  while (($# > 0)); do
    case "$1" in
      --once) MODE=once ;;
      --keep) MODE=keep ;;
      -h | --help)
        usage
        exit 0
        ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) EXAMPLE="$1" ;;
    esac
    shift
  done
  EXAMPLE="${EXAMPLE:-$ROOT/examples/cluster-minimal.yaml}"
  [[ -f "$EXAMPLE" ]] || die "no such file: $EXAMPLE"
  [[ "$(id -u)" == 0 ]] || die "the node needs root (containerd, kubelet, a bridge)"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/local-demo.XXXXXX")"
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  local start=$SECONDS
  "$ROOT/hack/node-binaries.sh"
  "$ROOT/hack/images.sh" build
  build_images

  if ! "$ROOT/hack/node.sh" status >/dev/null 2>&1; then
    NODE_STARTED=true
    "$ROOT/hack/node.sh" up
  else
    log "the node is already up; using it (and leaving it up)"
  fi
  "$ROOT/hack/node.sh" load "$ROOT/operator/target/jib-image.tar" "$ROOT/gateway/server/target/jib-image.tar" \
    "$("$ROOT/hack/images.sh" path redis)"

  log "helm install $RELEASE (namespace $OPERATOR_NAMESPACE)"
  "$("$ROOT/hack/node-binaries.sh" path helm)" --kubeconfig "$("$ROOT/hack/node.sh" kubeconfig)" \
    upgrade --install "$RELEASE" "$ROOT/helm/redis-grpc-operator" --namespace "$OPERATOR_NAMESPACE" --create-namespace \
    --set "defaultImages.redis=$("$ROOT/hack/images.sh" ref redis)" --wait --timeout 5m >&2

  # Read by the API server's parser, so the CRD must be installed first.
  local name tls
  name="$(manifest_field '{.metadata.name}')"
  tls="$(manifest_field '{.spec.tls.enabled}')"
  if [[ "$tls" == true ]]; then
    start_cert_manager
  fi

  kubectl create namespace "$DEMO_NAMESPACE" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl label namespace "$DEMO_NAMESPACE" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
  kubectl -n "$DEMO_NAMESPACE" apply -f "$EXAMPLE" >&2
  log "waiting for $DEMO_NAMESPACE/$name to be Ready (at most ${DEMO_TIMEOUT}s)"
  local applied=$SECONDS
  if ! kubectl -n "$DEMO_NAMESPACE" wait "rgc/$name" --for=condition=Ready --timeout="${DEMO_TIMEOUT}s" >&2; then
    kubectl -n "$DEMO_NAMESPACE" describe rgc "$name" >&2 || true
    die "$name did not become Ready"
  fi
  log "$name Ready=True $((SECONDS - applied)) s after kubectl apply ($((SECONDS - start)) s in all)"

  grpc_call "$name" "$tls"
  echo
  kubectl -n "$DEMO_NAMESPACE" get rgc,pods,svc -o wide

  case "$MODE" in
    once) log "--once: stopping" ;;
    keep) log "--keep: the node stays up; kubectl: hack/node.sh kubectl ...; stop it with hack/node.sh down" ;;
    foreground)
      log "running; kubectl: hack/node.sh kubectl -n $DEMO_NAMESPACE get rgc; Ctrl-C stops everything"
      while true; do sleep 3600; done
      ;;
  esac
}

main "$@"
