#!/usr/bin/env bash
# Smoke check of the node started by hack/node.sh (which must be up): real pods from the
# offline images, and the paths the end-to-end tests rely on.
#
#   1. the local Redis image (hack/images.sh path redis) runs as a pod that meets the
#      `restricted` Pod Security Standard (namespace enforces it): runAsNonRoot, runAsUser 999,
#      /data an emptyDir, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp;
#   2. from the host: PING to the pod IP and to its ClusterIP Service answers PONG;
#   3. from a pod: <svc>.<ns>.svc.cluster.local resolves through CoreDNS, the API server answers
#      through the kubernetes Service, and Redis answers through its ClusterIP (pod to pod on the
#      bridge);
#   4. hairpin: the Redis pod reaches itself through its own ClusterIP (kubectl exec, which also
#      proves API server -> kubelet -> containerd streaming);
#   5. volumes: a PVC without storageClassName, in the namespace that enforces `restricted`, gets
#      the default StorageClass (local-path) and stays Pending until a pod uses it
#      (WaitForFirstConsumer); a pod with runAsUser 999, fsGroup 999, a read-only root filesystem,
#      all capabilities dropped and RuntimeDefault seccomp writes a file and a 0700 directory to
#      it; the PVC is Bound to a hostPath PV below $NODE_DIR/data/volumes, where the host sees the
#      file; the pod is deleted and recreated and reads the file back; deleting the PVC removes
#      the PV and its directory on the host (reclaim Delete, checked with a deadline) and leaves
#      no helper pod behind;
#   6. nothing of the node listens on a wildcard or external address (hack/node.sh status).
#
# Usage: hack/node-smoke.sh            (prints one PASS/FAIL line per check, then "N passed, N failed")
#        hack/node-smoke.sh guard      with the node DOWN: proves the guard on its own, as it is
#                                      between the start of `up` and the bridge: installs it
#                                      (hack/node.sh guard) and a counting nft table, then checks
#                                      that a kubectl run and a curl to a pod and a Service address
#                                      send nothing out of the external interface, also with the
#                                      unreachable routes removed (the nft drop is the backstop);
#                                      ends with hack/node.sh down
# Environment: SMOKE_NAMESPACE (default node-smoke), SMOKE_TIMEOUT (seconds, default 120),
# SMOKE_KEEP=true to leave the namespace in place afterwards, NODE_DIR (as for hack/node.sh).
# The volume check gives the provisioner SMOKE_TIMEOUT for each step.
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NS="${SMOKE_NAMESPACE:-node-smoke}"
TIMEOUT="${SMOKE_TIMEOUT:-120}"
NODE_DIR="${NODE_DIR:-/var/lib/redisgrpc-node}"
VOLUMES="$NODE_DIR/data/volumes"
PASSED=0
FAILED=0

log() { printf '[node-smoke] %s\n' "$*" >&2; }
die() {
  printf '[node-smoke] ERROR: %s\n' "$*" >&2
  exit 1
}
k() { "$HACK_DIR/node.sh" kubectl "$@"; }

check() { # description command...
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    PASSED=$((PASSED + 1))
    printf 'PASS  %s: %s\n' "$what" "$(tr '\n' ' ' <<<"$out" | cut -c1-160)"
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL  %s: %s\n' "$what" "$(tr '\n' ' ' <<<"$out" | cut -c1-400)"
  fi
}

# PING until PONG or 20 s have passed: kube-proxy programs a new Service's rules a moment after
# the endpoint is ready (eventually consistent), so the first attempt may be refused.
redis_ping() {
  local deadline=$((SECONDS + 20)) out
  until out="$(redis_ping_once "$1" 2>&1)"; do
    if ((SECONDS >= deadline)); then
      echo "$out"
      return 1
    fi
    sleep 0.5
  done
  echo "$out (after $((SECONDS - deadline + 20))s)"
}

# PING over plain TCP (RESP inline command), with redis-cli when the host has it.
redis_ping_once() {
  if command -v redis-cli >/dev/null 2>&1; then
    local r
    r="$(timeout 5 redis-cli -h "$1" -p 6379 ping)"
    echo "redis-cli -h $1 ping -> $r"
    [[ "$r" == PONG ]]
  else
    exec 5<>"/dev/tcp/$1/6379"
    printf 'PING\r\n' >&5
    local line
    read -r -t 5 line <&5
    exec 5>&-
    echo "PING $1 -> $line"
    [[ "$line" == $'+PONG\r' ]]
  fi
}

# Runs a netcheck pod with ARGS and prints its output; fails if the pod does not succeed.
netcheck_pod() {
  local name="$1" phase deadline
  shift
  k -n "$NS" delete pod "$name" --ignore-not-found --wait=true >/dev/null 2>&1 || true
  k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  restartPolicy: Never
  securityContext: {runAsNonRoot: true, runAsUser: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: check
    image: $NETCHECK_REF
    imagePullPolicy: Never
    args: [$(printf '"%s", ' -for 30s "$@" | sed 's/, $//')]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
EOF
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    phase="$(k -n "$NS" get pod "$name" -o 'jsonpath={.status.phase}' 2>/dev/null || true)"
    [[ "$phase" == Succeeded || "$phase" == Failed ]] && break
    if ((SECONDS >= deadline)); then
      echo "pod $name still $phase after ${TIMEOUT}s"
      return 1
    fi
    sleep 0.3
  done
  k -n "$NS" logs "$name" 2>&1
  [[ "$phase" == Succeeded ]]
}

# ---------------------------------------------------------------- volumes

# until DEADLINE_SECONDS COMMAND...: polls COMMAND (quietly) until it succeeds or time is up.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

pvc_field() { k -n "$NS" get pvc data -o "jsonpath=$1" 2>/dev/null; }

# The claim, without storageClassName: the DefaultStorageClass admission names local-path, and
# the claim waits for its first consumer.
volume_claim_pending() {
  k -n "$NS" delete pvc data --ignore-not-found --wait=true >/dev/null 2>&1 || true
  k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 16Mi}}
EOF
  local sc phase vol mode
  sc="$(pvc_field '{.spec.storageClassName}')"
  phase="$(pvc_field '{.status.phase}')"
  vol="$(pvc_field '{.spec.volumeName}')"
  mode="$(k get storageclass "$sc" -o 'jsonpath={.volumeBindingMode} {.reclaimPolicy} {.provisioner}' 2>/dev/null || true)"
  echo "storageClassName=$sc ($mode), phase=$phase, volume=${vol:-none}"
  [[ "$sc" == local-path && "$phase" == Pending && -z "$vol" && "$mode" == "WaitForFirstConsumer Delete rancher.io/local-path" ]]
}

# volume_pod SCRIPT: (re)creates the pod "volume" that runs SCRIPT with the claim at /data, as a
# restricted pod, and prints its output once it has succeeded.
volume_pod() {
  local phase
  k -n "$NS" delete pod volume --ignore-not-found --wait=true >/dev/null 2>&1 || true
  k -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: volume}
spec:
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    runAsUser: 999
    runAsGroup: 999
    fsGroup: 999
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: volume
    image: $REDIS_REF
    imagePullPolicy: IfNotPresent
    command: [sh, -c, $(jq -Rn --arg s "$1" '$s')]
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
EOF
  if ! until_ok "$TIMEOUT" pod_done volume; then
    echo "pod volume not done after ${TIMEOUT}s: $(k -n "$NS" get pod volume -o 'jsonpath={.status.phase} {.status.conditions}' 2>&1)"
    k -n "$NS" get events --field-selector involvedObject.name=data -o 'custom-columns=REASON:.reason,MESSAGE:.message' 2>&1 | tail -n 5
    return 1
  fi
  phase="$(k -n "$NS" get pod volume -o 'jsonpath={.status.phase}')"
  k -n "$NS" logs volume 2>&1
  [[ "$phase" == Succeeded ]]
}

pod_done() {
  local phase
  phase="$(k -n "$NS" get pod "$1" -o 'jsonpath={.status.phase}' 2>/dev/null)"
  [[ "$phase" == Succeeded || "$phase" == Failed ]]
}

volume_written() {
  local out pv path
  out="$(volume_pod "id -u; id -G; echo $TOKEN >/data/proof; mkdir -m 0700 /data/private; echo secret >/data/private/file; ls -ldn /data")" || {
    echo "$out"
    return 1
  }
  pv="$(pvc_field '{.spec.volumeName}')"
  path="$(k get pv "$pv" -o 'jsonpath={.spec.hostPath.path}')"
  echo "$out" | paste -sd' '
  echo "PVC $(pvc_field '{.status.phase}') to $pv at $path"
  [[ "$(pvc_field '{.status.phase}')" == Bound && "$path" == "$VOLUMES"/* ]]
}

# On the host: the claim's directory below $VOLUMES holds the pod's file, owned by uid 999.
volume_on_host() {
  local path
  path="$(k get pv "$(pvc_field '{.spec.volumeName}')" -o 'jsonpath={.spec.hostPath.path}')"
  echo "$path: $(stat -c '%a %U' "$path"), proof $(stat -c '%u:%g' "$path/proof") '$(cat "$path/proof")'"
  [[ "$(cat "$path/proof")" == "$TOKEN" && "$(stat -c %u "$path/proof")" == 999 ]]
}

volume_read_back() {
  local out
  out="$(volume_pod 'cat /data/proof; cat /data/private/file')" || {
    echo "$out"
    return 1
  }
  echo "recreated pod read: $(paste -sd' ' <<<"$out")"
  [[ "$out" == "$TOKEN"$'
'secret ]]
}

no_helper_pods() {
  ! k -n local-path-storage get pods -o name 2>/dev/null | grep -q '^pod/helper-pod-'
}

# Deleting the claim deletes the PV and, through a helper pod, its directory on the host.
volume_deleted() {
  local pv path start=$SECONDS
  pv="$(pvc_field '{.spec.volumeName}')"
  path="$(k get pv "$pv" -o 'jsonpath={.spec.hostPath.path}')"
  [[ -n "$pv" && -d "$path" ]] || {
    echo "no volume directory for '$pv' ('$path')"
    return 1
  }
  k -n "$NS" delete pod volume --wait=true >/dev/null
  k -n "$NS" delete pvc data --wait=false >/dev/null
  if ! until_ok "$TIMEOUT" bash -c '[ ! -e "$1" ]' _ "$path"; then
    echo "$path still exists ${TIMEOUT}s after the claim was deleted: $(k get pv "$pv" -o 'jsonpath={.status.phase} {.status.message}' 2>&1)"
    return 1
  fi
  local gone=$((SECONDS - start))
  until_ok "$TIMEOUT" bash -c '! "$0" kubectl get pv "$1" >/dev/null 2>&1' "$HACK_DIR/node.sh" "$pv" || {
    echo "PV $pv still exists"
    return 1
  }
  until_ok "$TIMEOUT" no_helper_pods || {
    echo "helper pods left: $(k -n local-path-storage get pods -o name | paste -sd' ')"
    return 1
  }
  echo "directory $path gone ${gone}s after the claim was deleted; PV $pv deleted, no helper pod left"
}

# ---------------------------------------------------------------- guard only (node down)

MONITOR_TABLE=redisgrpc_smoke_monitor

monitor_count() { # chain -> packets counted by its rule
  nft list chain inet "$MONITOR_TABLE" "$1" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

guard_drops() {
  nft list chain inet redisgrpc_guard postrouting | sed -n 's/.*daddr @ranges oifname.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

expect_no_egress() { # what command...
  local what="$1" before_out before_attempt after_out after_attempt out
  shift
  before_out="$(monitor_count leaving)"
  before_attempt="$(monitor_count attempted)"
  out="$("$@" 2>&1 || true)"
  after_out="$(monitor_count leaving)"
  after_attempt="$(monitor_count attempted)"
  echo "$what: $(tr '\n' ' ' <<<"$out" | cut -c1-110); packets generated for the ranges: $((after_attempt - before_attempt)), left through $EXT_IF: $((after_out - before_out)), guard drops so far: $(guard_drops)"
  ((after_out == before_out))
}

route_refused() { # ip
  ip -4 route get "$1" 2>&1 | head -n1
  ! ip -4 route get "$1" >/dev/null 2>&1
}

guard_cleanup() {
  nft delete table inet "$MONITOR_TABLE" 2>/dev/null || true
  "$HACK_DIR/node.sh" down >&2 || true
}

guard_main() {
  local status=0
  "$HACK_DIR/node.sh" status >/dev/null 2>&1 || status=$?
  ((status == 3)) || die "the node must be down for this check (hack/node.sh down)"
  EXT_IF="$(ip -4 route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')"
  [[ -n "$EXT_IF" ]] || die "no default route: nothing to protect"
  local pods="${NODE_POD_RANGE:-10.244.0.0/16}" svcs="${NODE_SERVICE_RANGE:-10.96.0.0/16}" pod_ip svc_ip
  pod_ip="$(awk -F. '{ print $1 "." $2 "." $3 ".5" }' <<<"${pods%/*}")"
  svc_ip="$(awk -F. '{ print $1 "." $2 "." $3 ".1" }' <<<"${svcs%/*}")"

  # The guard first (never send anything to these ranges without it), then the counters.
  "$HACK_DIR/node.sh" guard
  trap guard_cleanup EXIT
  nft -f - <<EOF
table inet $MONITOR_TABLE {
  chain attempted {
    type filter hook output priority -300; policy accept;
    ip daddr { $pods, $svcs } counter
  }
  chain leaving {
    type filter hook postrouting priority 300; policy accept;
    oifname "$EXT_IF" ip daddr { $pods, $svcs } counter
  }
}
EOF
  local kubeconfig kubectl
  kubeconfig="$(mktemp)"
  # A kubeconfig shaped as hack/node.sh writes it (the node is down: nothing answers).
  cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: node, cluster: {server: "https://127.0.0.1:${NODE_API_PORT:-16443}", insecure-skip-tls-verify: true}}]
users: [{name: user, user: {token: x}}]
contexts: [{name: node, context: {cluster: node, user: user}}]
current-context: node
EOF
  kubectl="$("$HACK_DIR/node-binaries.sh" path kubectl)"
  check "route to a pod address with the guard" route_refused "$pod_ip"
  check "route to a Service address with the guard" route_refused "$svc_ip"
  check "kubectl get pods before up" expect_no_egress kubectl "$kubectl" --kubeconfig "$kubeconfig" --request-timeout 3s get pods
  check "curl to a pod IP before the bridge exists" expect_no_egress curl curl -sS --max-time 3 "http://$pod_ip:6379/"
  check "curl to a Service IP before the bridge exists" expect_no_egress curl curl -sS --max-time 3 "https://$svc_ip/"
  # The backstop: without the unreachable routes the packets head for the default route, and
  # the nft guard must drop them.
  ip -4 route del unreachable "$pods" metric 4242
  ip -4 route del unreachable "$svcs" metric 4242
  check "route with the unreachable routes removed (backstop case)" bash -c "ip -4 route get $pod_ip | head -n1"
  check "curl to a pod IP, unreachable route removed: nft drops it" expect_no_egress curl curl -sS --max-time 3 "http://$pod_ip:6379/"
  check "curl to a Service IP, unreachable route removed: nft drops it" expect_no_egress curl curl -sS --max-time 3 "https://$svc_ip/"
  check "the guard's drop counter moved" bash -c '[ "$1" -gt 0 ] && echo "guard drops: $1"' _ "$(guard_drops)"
  "$HACK_DIR/node.sh" guard >/dev/null 2>&1 # the routes back, before down removes everything
  rm -f "$kubeconfig"
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

main() {
  if [[ "${1:-}" == guard ]]; then
    guard_main
    return
  fi
  "$HACK_DIR/node.sh" status >/dev/null || die "the node is not up and healthy: run hack/node.sh up (and see hack/node.sh status)"
  local redis_tar
  redis_tar="$("$HACK_DIR/images.sh" path redis)"
  REDIS_REF="$("$HACK_DIR/images.sh" ref redis)"
  NETCHECK_REF="$("$HACK_DIR/images.sh" ref netcheck)"
  "$HACK_DIR/node.sh" load "$redis_tar"

  k delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: v1
kind: Pod
metadata:
  name: redis
  namespace: $NS
  labels: {app: redis}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 999
    runAsGroup: 999
    fsGroup: 999
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: redis
    image: $REDIS_REF
    imagePullPolicy: IfNotPresent
    command: [redis-server, --port, "6379", --dir, /data, --protected-mode, "no", --save, "60", "1"]
    ports: [{containerPort: 6379, name: redis}]
    readinessProbe:
      exec: {command: [redis-cli, ping]}
      periodSeconds: 2
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: $NS}
spec:
  selector: {app: redis}
  ports: [{name: redis, port: 6379, targetPort: redis}]
EOF
  k -n "$NS" wait pod/redis --for=condition=Ready --timeout="${TIMEOUT}s" >/dev/null ||
    {
      k -n "$NS" describe pod redis >&2
      die "the redis pod did not become Ready"
    }
  local pod_ip svc_ip
  pod_ip="$(k -n "$NS" get pod redis -o 'jsonpath={.status.podIP}')"
  svc_ip="$(k -n "$NS" get svc redis -o 'jsonpath={.spec.clusterIP}')"
  log "redis pod $pod_ip, Service $svc_ip"

  check "pod runs as uid 999 with /data writable" \
    k -n "$NS" exec redis -- sh -c 'id -u && touch /data/probe && redis-cli config get dir | tail -n1'
  check "host -> pod IP ($pod_ip)" redis_ping "$pod_ip"
  check "host -> ClusterIP ($svc_ip)" redis_ping "$svc_ip"
  check "pod -> CoreDNS: redis.$NS.svc.cluster.local" netcheck_pod dns lookup "redis.$NS.svc.cluster.local"
  check "pod -> API server via the kubernetes Service" netcheck_pod api apiserver
  check "pod -> other pod via ClusterIP" netcheck_pod svc redis "$svc_ip:6379"
  check "pod -> other pod via Service name" netcheck_pod svcname redis "redis.$NS:6379"
  check "hairpin: pod -> its own ClusterIP" k -n "$NS" exec redis -- redis-cli -h "$svc_ip" ping
  TOKEN="smoke-$(date +%s)-$$"
  check "PVC without storageClassName: default class, waits for a consumer" volume_claim_pending
  check "restricted pod (uid 999, fsGroup 999, read-only root) writes to the PVC" volume_written
  check "host sees the file in the volume directory" volume_on_host
  check "recreated pod reads the file back" volume_read_back
  check "deleting the PVC removes the PV and its directory (reclaim Delete)" volume_deleted
  check "no listener on wildcard/external addresses" "$HACK_DIR/node.sh" status

  if [[ "${SMOKE_KEEP:-false}" != true ]]; then
    k delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  fi
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

main "$@"
