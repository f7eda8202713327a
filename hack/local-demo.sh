#!/usr/bin/env bash
# The operator on a throw-away local control plane, no cluster needed:
#
#   hack/local-demo.sh                          # examples/cluster-minimal.yaml, runs until Ctrl-C
#   hack/local-demo.sh examples/sentinel.yaml   # another example (or any RedisGrpcCache manifest)
#   hack/local-demo.sh --once                   # print the result, stop everything, exit 0
#
# Steps:
#   1. hack/kube-test-binaries.sh provides etcd, kube-apiserver, kube-controller-manager and
#      kubectl in ~/.kubeapitest/k8s/<KUBE_VERSION>-linux-amd64 (cached; the first run builds them);
#   2. etcd, kube-apiserver and kube-controller-manager start on 127.0.0.1 from a temporary
#      directory (certificates made with openssl, an admin kubeconfig);
#   3. the CRD from crds/ is applied; the operator jar is built and started against it;
#   4. the example is applied; once the operator has written status conditions, the cache and
#      everything it owns are printed.
# Ctrl-C (or the end of --once) stops every process this script started and removes the
# temporary directory.
#
# There is no scheduler and no kubelet: the StatefulSets and Deployment create pods, but they
# stay Pending, so the cache reports Ready=False / Progressing=True (WaitingForPods). Everything
# the operator does up to that point is real.
#
# Environment:
#   KUBE_VERSION       Kubernetes version of the binaries (default 1.34.10, as kube-test-binaries.sh)
#   KUBE_API_TEST_DIR  binary cache (default ~/.kubeapitest)
#   DEMO_NAMESPACE     namespace for the example (default "default")
#   DEMO_TIMEOUT       seconds to wait for each step (default 120)
#   SKIP_BUILD=true    use the existing operator jar instead of building it
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KUBE_VERSION="${KUBE_VERSION:-1.34.10}"
KUBE_VERSION="${KUBE_VERSION#v}"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
DEMO_NAMESPACE="${DEMO_NAMESPACE:-default}"
DEMO_TIMEOUT="${DEMO_TIMEOUT:-120}"
SKIP_BUILD="${SKIP_BUILD:-false}"
BIN="$KUBE_API_TEST_DIR/k8s/${KUBE_VERSION}-linux-amd64"
JAR="$ROOT/operator/target/redis-grpc-operator-0.1.0-SNAPSHOT-all.jar"

ONCE=false
EXAMPLE=""
WORK=""
KUBECTL=()
declare -A PIDS=()          # name -> pid of every process this script started
STOP_ORDER=(operator kube-controller-manager kube-apiserver etcd)

log() { printf '[local-demo] %s\n' "$*" >&2; }
die() {
  printf '[local-demo] ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

# Stops what this script started (by pid, newest first) and removes the temporary directory.
cleanup() {
  local rc=$? name pid i
  trap - EXIT INT TERM
  for name in "${STOP_ORDER[@]}"; do
    pid="${PIDS[$name]:-}"
    if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for name in "${STOP_ORDER[@]}"; do
    pid="${PIDS[$name]:-}"
    [[ -n "$pid" ]] || continue
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    rm -rf "$WORK"
  fi
  if ((${#PIDS[@]} > 0)); then
    log "stopped $(for name in "${STOP_ORDER[@]}"; do [[ -z "${PIDS[$name]:-}" ]] || printf '%s ' "$name"; done)and removed the temporary directory"
  fi
  exit "$rc"
}

# The last lines of a component's log, for error messages.
log_tail() {
  local file="$WORK/$1.log"
  if [[ -f "$file" ]]; then
    { printf -- '--- last lines of %s ---\n' "$file"; tail -n 25 "$file"; } >&2
  fi
}

alive() { kill -0 "${PIDS[$1]}" 2>/dev/null; }

# A TCP port on 127.0.0.1 that nothing listens on (and not handed out before).
USED_PORTS=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 30000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS+="$p "
      echo "$p"
      return 0
    fi
  done
  die "no free port found on 127.0.0.1"
}

# wait_for <what> <process name> <command...>: polls the command until it succeeds, the
# process dies, or DEMO_TIMEOUT passes.
wait_for() {
  local what="$1" proc="$2" deadline=$((SECONDS + DEMO_TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$proc" ]] && ! alive "$proc"; then
      log_tail "$proc"
      die "$proc exited while waiting for $what"
    fi
    if ((SECONDS >= deadline)); then
      [[ -z "$proc" ]] || log_tail "$proc"
      die "timed out after ${DEMO_TIMEOUT}s waiting for $what"
    fi
    sleep 0.5
  done
}

start() {
  local name="$1"
  shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  log "started $name (pid ${PIDS[$name]}, log $WORK/$name.log)"
}

make_certs() {
  local d="$WORK/pki"
  mkdir -p "$d"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout ca.key -out ca.crt \
      -subj "/CN=redis-grpc-local-demo-ca" 2>/dev/null
    cat >server.ext <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 2 \
      -extfile server.ext -out apiserver.crt 2>/dev/null
    cat >client.ext <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=local-demo-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 2 \
      -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 0600 ./*.key
  ) || die "openssl failed to create the certificates"
}

write_kubeconfig() {
  local port="$1" d="$WORK/pki"
  cat >"$WORK/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local-demo
  cluster:
    server: https://127.0.0.1:${port}
    certificate-authority-data: $(base64 -w0 <"$d/ca.crt")
users:
- name: local-demo-admin
  user:
    client-certificate-data: $(base64 -w0 <"$d/admin.crt")
    client-key-data: $(base64 -w0 <"$d/admin.key")
contexts:
- name: local-demo
  context:
    cluster: local-demo
    user: local-demo-admin
    namespace: ${DEMO_NAMESPACE}
current-context: local-demo
EOF
  chmod 0600 "$WORK/kubeconfig"
}

build_operator() {
  if [[ "$SKIP_BUILD" == "true" && -f "$JAR" ]]; then
    log "SKIP_BUILD=true: using $JAR"
    return
  fi
  log "building the operator (./mvnw -q -B install -DskipTests -pl operator -am)"
  local attempt
  for attempt in 1 2 3; do
    if (cd "$ROOT" && ./mvnw -q -B install -DskipTests -pl operator -am); then
      [[ -f "$JAR" ]] || die "build succeeded but $JAR is missing"
      return
    fi
    # Another build in the same checkout (an IDE, a test run) can collide on target/.
    log "build attempt $attempt failed; retrying"
  done
  die "the operator build failed"
}

has_conditions() {
  local types
  types="$("${KUBECTL[@]}" get rgc "$1" -o jsonpath='{.status.conditions[*].type}' 2>/dev/null)" || return 1
  [[ -n "$types" ]]
}

main() {
  while (($# > 0)); do
    case "$1" in
      --once) ONCE=true ;;
      -h | --help)
        usage
        exit 0
        ;;
      -*) die "unknown option $1 (try --help)" ;;
      *)
        [[ -z "$EXAMPLE" ]] || die "only one manifest, please (got $EXAMPLE and $1)"
        EXAMPLE="$1"
        ;;
    esac
    shift
  done
  EXAMPLE="${EXAMPLE:-$ROOT/examples/cluster-minimal.yaml}"
  [[ -f "$EXAMPLE" ]] || die "no such manifest: $EXAMPLE"
  EXAMPLE="$(cd "$(dirname "$EXAMPLE")" && pwd)/$(basename "$EXAMPLE")"
  local tool
  for tool in openssl java base64; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH"
  done

  # 1. binaries (cache hit after the first run)
  KUBE_VERSION="$KUBE_VERSION" KUBE_API_TEST_DIR="$KUBE_API_TEST_DIR" "$ROOT/hack/kube-test-binaries.sh" \
    || die "hack/kube-test-binaries.sh failed"
  local b
  for b in etcd kube-apiserver kube-controller-manager kubectl; do
    [[ -x "$BIN/$b" ]] || die "$BIN/$b missing after hack/kube-test-binaries.sh"
  done

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/redis-grpc-local-demo.XXXXXX")"
  KUBECTL=("$BIN/kubectl" --kubeconfig "$WORK/kubeconfig")

  # 2. control plane on loopback
  make_certs
  local etcd_port etcd_peer_port api_port
  etcd_port="$(free_port)"
  etcd_peer_port="$(free_port)"
  api_port="$(free_port)"
  write_kubeconfig "$api_port"

  start etcd "$BIN/etcd" \
    --name=local-demo \
    --data-dir="$WORK/etcd-data" \
    --listen-client-urls="http://127.0.0.1:${etcd_port}" \
    --advertise-client-urls="http://127.0.0.1:${etcd_port}" \
    --listen-peer-urls="http://127.0.0.1:${etcd_peer_port}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${etcd_peer_port}" \
    --initial-cluster="local-demo=http://127.0.0.1:${etcd_peer_port}" \
    --unsafe-no-fsync=true
  wait_for "etcd on 127.0.0.1:${etcd_port}" etcd bash -c "exec 3<>/dev/tcp/127.0.0.1/${etcd_port}"

  start kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --secure-port="$api_port" \
    --etcd-servers="http://127.0.0.1:${etcd_port}" \
    --tls-cert-file="$WORK/pki/apiserver.crt" \
    --tls-private-key-file="$WORK/pki/apiserver.key" \
    --client-ca-file="$WORK/pki/ca.crt" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://localhost \
    --service-account-key-file="$WORK/pki/sa.pub" \
    --service-account-signing-key-file="$WORK/pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --allow-privileged=true
  wait_for "kube-apiserver /readyz on 127.0.0.1:${api_port}" kube-apiserver "${KUBECTL[@]}" get --raw=/readyz

  # The CRD before the controller-manager, so its garbage collector knows the kind from the start.
  "${KUBECTL[@]}" apply -f "$ROOT/crds/"
  "${KUBECTL[@]}" wait --for=condition=Established --timeout="${DEMO_TIMEOUT}s" crd/redisgrpccaches.cache.redisgrpc.io >/dev/null

  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$WORK/kubeconfig" \
    --controllers=garbagecollector,statefulset,deployment,replicaset,disruption,serviceaccount \
    --leader-elect=false \
    --bind-address=127.0.0.1 \
    --secure-port=0
  wait_for "the default ServiceAccount in namespace $DEMO_NAMESPACE" kube-controller-manager \
    "${KUBECTL[@]}" get serviceaccount default
  log "control plane up: https://127.0.0.1:${api_port}"

  # 3. the operator
  build_operator
  # METRICS_PORT=-1: the metrics server would listen on every interface; this demo stays on loopback.
  start operator env KUBECONFIG="$WORK/kubeconfig" WATCH_NAMESPACES="" LEADER_ELECTION_NAMESPACE="" METRICS_PORT=-1 \
    java -jar "$JAR"
  wait_for "the operator to start" operator grep -q "redis-grpc-operator started" "$WORK/operator.log"

  # 4. the example
  local applied names=() name
  applied="$("${KUBECTL[@]}" apply -n "$DEMO_NAMESPACE" -f "$EXAMPLE" -o name)" || die "kubectl apply -f $EXAMPLE failed"
  printf '%s\n' "$applied"
  while IFS= read -r name; do
    [[ "$name" == redisgrpccache.cache.redisgrpc.io/* ]] && names+=("${name#*/}")
  done <<<"$applied"
  ((${#names[@]} > 0)) || die "$EXAMPLE contains no RedisGrpcCache"
  for name in "${names[@]}"; do
    wait_for "status conditions on RedisGrpcCache $name" operator has_conditions "$name"
  done

  echo
  echo "\$ kubectl get rgc -o wide"
  "${KUBECTL[@]}" get rgc -n "$DEMO_NAMESPACE" -o wide
  echo
  echo "\$ kubectl get statefulsets,deployments,services,configmaps,pdb,networkpolicies"
  "${KUBECTL[@]}" get statefulsets,deployments,services,configmaps,pdb,networkpolicies -n "$DEMO_NAMESPACE"
  for name in "${names[@]}"; do
    echo
    echo "\$ kubectl get rgc $name -o yaml   # status"
    "${KUBECTL[@]}" get rgc "$name" -n "$DEMO_NAMESPACE" -o yaml | sed -n '/^status:/,$p'
  done
  echo
  echo "(No scheduler or kubelet here: pods stay Pending, so Ready=False / Progressing=True is expected.)"

  if [[ "$ONCE" == "true" ]]; then
    exit 0
  fi

  cat <<EOF

Everything keeps running; try:
  export KUBECONFIG=$WORK/kubeconfig PATH=$BIN:\$PATH
  kubectl get rgc -o wide
  kubectl edit rgc ${names[0]}
  tail -f $WORK/operator.log
Logs of etcd, kube-apiserver and kube-controller-manager are next to it. Ctrl-C stops everything.
EOF
  local proc
  while true; do
    for proc in "${STOP_ORDER[@]}"; do
      if ! alive "$proc"; then
        log_tail "$proc"
        die "$proc exited"
      fi
    done
    sleep 2
  done
}

main "$@"
