#!/usr/bin/env bash
# A real single-node Kubernetes (v1.34) on this machine, for the end-to-end tests and the demo:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd + runc, a CNI bridge,
# the kubelet, kube-proxy (iptables) and CoreDNS, with images imported offline (nothing is ever
# pulled). Started and stopped idempotently, and safe for the host by construction.
#
# Usage (as root):
#   hack/node.sh up              start the node (no-op when it is already up and healthy); waits
#                                for node Ready, CoreDNS Ready, the local-path provisioner Ready,
#                                and a pod that resolves kubernetes.default and reaches the API
#                                server through the kubernetes Service; prints how long it took
#   hack/node.sh down [--purge]  stop everything and restore the host as it was before `up`
#                                (no-op when down); removes the node's data (etcd, and with it
#                                every PV, and the volumes' directories); --purge also removes
#                                $NODE_DIR (logs included)
#   hack/node.sh status          components, readiness, guard, and a check that nothing of ours
#                                listens on a wildcard or external address (exit 0 healthy,
#                                1 unhealthy, 2 listener violation, 3 down)
#   hack/node.sh load TAR...     import docker-archive tars (hack/images.sh) into containerd's
#                                k8s.io namespace
#   hack/node.sh tag SRC DST     give an imported image a second name (a "new" image for rolling
#                                update tests, without building one)
#   hack/node.sh kubeconfig      print the path of the host's admin kubeconfig
#   hack/node.sh kubectl ARGS... run the cached kubectl against the node
#   hack/node.sh usage [SECONDS] RSS and CPU of every process of the node (components, shims,
#                                containers) over SECONDS (default 60)
#   hack/node.sh guard           install only the network guard (routes + nft), as `up` does
#                                first; `down` removes it
#
# What is where (defaults):
#   $NODE_DIR (/var/lib/redisgrpc-node)   everything of the node: pki/, etc/ (configs, kubeconfigs),
#                                         data/ (etcd, containerd root+state, kubelet root, CNI
#                                         IPAM, pod logs, volumes), run/ (containerd socket),
#                                         state/ (PIDs, host snapshot), logs/<component>.log (kept
#                                         after down; the previous run's are in logs.prev/)
#   $NODE_DIR/kubeconfig                  admin kubeconfig for host clients: https://127.0.0.1:$NODE_API_PORT
#   containerd socket                     $NODE_DIR/run/containerd.sock
#   $NODE_DIR/data/volumes                the PersistentVolumes of the default StorageClass: one
#                                         directory <pv>_<namespace>_<pvc> per claim (mode 0777, so
#                                         any runAsUser can write; hostPath volumes get no fsGroup)
#   binaries                              hack/node-binaries.sh (Kubernetes in ~/.kubeapitest)
#   images                                hack/images.sh (pause, coredns, netcheck,
#                                         local-path-provisioner and redis imported by up)
#
# Volumes: Rancher's local-path provisioner (unmodified, built from the Go module proxy by
# hack/node-binaries.sh) runs as the Deployment local-path-storage/local-path-provisioner behind
# the StorageClass `local-path`, the cluster's default (storageclass.kubernetes.io/is-default-class;
# provisioner rancher.io/local-path, volumeBindingMode WaitForFirstConsumer, reclaimPolicy
# Delete): a PVC without storageClassName binds once a pod uses it, to a hostPath PV in
# $NODE_DIR/data/volumes; deleting the PVC deletes the directory. Directories are made and removed
# by short-lived helper pods in local-path-storage (root, hostPath of the volumes directory,
# capabilities DAC_OVERRIDE and FOWNER only, the redis image as their sh/mkdir/rm toolbox); that
# namespace enforces the `privileged` Pod Security level for them. Nothing of it is outside
# $NODE_DIR: the volumes live and go with the node's data (etcd, which holds the PVs, too).
#
# Network (env, private defaults): pods $NODE_POD_RANGE (10.244.0.0/16), this node's pods
# $NODE_POD_SUBNET (10.244.0.0/24) on the bridge $NODE_BRIDGE (rgc0) at $NODE_BRIDGE_IP
# (10.244.0.1); Services $NODE_SERVICE_RANGE (10.96.0.0/16), kubernetes Service $NODE_KUBERNETES_IP
# (10.96.0.1), DNS $NODE_DNS_IP (10.96.0.10), cluster domain cluster.local.
#
# Ports (all on 127.0.0.1 unless said): API server $NODE_API_PORT (16443; also forwarded from
# $NODE_BRIDGE_IP:16443 by socat, the address the kubernetes Service points at), etcd 16379/16380,
# controller-manager 16257, scheduler 16259, kubelet 16250 on the bridge IP (API server -> kubelet)
# and healthz 16248, kube-proxy metrics 16249 and healthz 16256, containerd streaming: a random
# port on 127.0.0.1. NodePorts are served on the bridge IP only.
#
# Safety, by construction:
#   - host clients use https://127.0.0.1:$NODE_API_PORT; no host-side config names a pod or
#     Service address;
#   - before anything starts, and until `down` has stopped everything, `unreachable` routes
#     (metric 4242) cover the pod and Service ranges, and the nft table inet redisgrpc_guard drops
#     every packet to those ranges that would leave through another interface than the bridge (or
#     lo), every packet from the bridge to another interface and back (pods never reach the
#     external network), and every packet for those ranges that arrives on another interface;
#     Service traffic from the host goes to the bridge by a lower-metric route while it exists;
#   - nothing listens on the external interface (`status` checks it with ss);
#   - every process is recorded with PID and start time in $NODE_DIR/state/pids and stopped by
#     that PID (TERM, deadline, KILL); containers are killed through containerd, then any
#     containerd-shim whose -address is our socket, then any process left in our cgroups;
#   - `up` snapshots the host first (routes, nft ruleset, iptables, sysctls, directories,
#     mounts) and `down` puts it back: it removes exactly the KUBE-*/CNI-* iptables chains and
#     rules and the iptables tables that did not exist, restores the sysctls the kubelet,
#     kube-proxy and the CNI plugins change, unmounts everything below the node's directories,
#     deletes the bridge and veths, removes directories that were not there before
#     (/run/containerd, /var/lib/cni, /var/lib/kubelet, /var/log/containers, ...), and then
#     reports any difference from the snapshot.
#   `up` refuses to start if the ranges overlap a host route or address, the host's DNS server,
#   or if KUBE-* iptables chains, the bridge or the ports already exist.
#
# Environment: NODE_DIR, NODE_NAME (redisgrpc-node), NODE_BRIDGE, NODE_BRIDGE_IP,
# NODE_POD_RANGE, NODE_POD_SUBNET, NODE_SERVICE_RANGE, NODE_KUBERNETES_IP, NODE_DNS_IP,
# NODE_API_PORT, NODE_UP_TIMEOUT (seconds, default 240), NODE_KEEP_ON_FAILURE (true: a failed
# `up` leaves everything running for inspection; default: it tears down), KUBE_VERSION,
# COREDNS_VERSION, LOCAL_PATH_PROVISIONER_VERSION, and hack/images.sh's image names.
set -euo pipefail

# Everything runs inside main() so bash has parsed the whole file before it starts.

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_DIR="${NODE_DIR:-/var/lib/redisgrpc-node}"
NODE_NAME="${NODE_NAME:-redisgrpc-node}"
NODE_BRIDGE="${NODE_BRIDGE:-rgc0}"
NODE_BRIDGE_IP="${NODE_BRIDGE_IP:-10.244.0.1}"
NODE_POD_RANGE="${NODE_POD_RANGE:-10.244.0.0/16}"
NODE_POD_SUBNET="${NODE_POD_SUBNET:-10.244.0.0/24}"
NODE_SERVICE_RANGE="${NODE_SERVICE_RANGE:-10.96.0.0/16}"
NODE_KUBERNETES_IP="${NODE_KUBERNETES_IP:-10.96.0.1}"
NODE_DNS_IP="${NODE_DNS_IP:-10.96.0.10}"
NODE_API_PORT="${NODE_API_PORT:-16443}"
NODE_UP_TIMEOUT="${NODE_UP_TIMEOUT:-240}"
NODE_KEEP_ON_FAILURE="${NODE_KEEP_ON_FAILURE:-false}"
KUBE_VERSION="${KUBE_VERSION:-1.34.10}"
KUBE_VERSION="${KUBE_VERSION#v}"
CLUSTER_DOMAIN="cluster.local"

ETCD_PORT=16379
ETCD_PEER_PORT=16380
KCM_PORT=16257
SCHEDULER_PORT=16259
KUBELET_PORT=16250
KUBELET_HEALTHZ_PORT=16248
PROXY_METRICS_PORT=16249
PROXY_HEALTHZ_PORT=16256
GUARD_METRIC=4242
SERVICE_ROUTE_METRIC=100
GUARD_TABLE="redisgrpc_guard"
CGROUP_NAME="redisgrpc"
CNI_NETWORK="redisgrpc"
LOCAL_PATH_NAMESPACE="local-path-storage"
STORAGE_CLASS="local-path"

PKI="$NODE_DIR/pki"
ETC="$NODE_DIR/etc"
DATA="$NODE_DIR/data"
RUN="$NODE_DIR/run"
STATE="$NODE_DIR/state"
PIDS="$STATE/pids"
HOST_SNAPSHOT="$STATE/host-before"
VOLUMES="$DATA/volumes"
LOGS="$NODE_DIR/logs"
SOCK="$RUN/containerd.sock"
ADMIN_KUBECONFIG="$NODE_DIR/kubeconfig"
KUBE_BIN="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64"
KUBECTL="$KUBE_BIN/kubectl"

# Start order; `down` stops them in reverse, with the container cleanup in between.
COMPONENTS=(etcd kube-apiserver apiserver-forwarder kube-controller-manager kube-scheduler containerd kubelet kube-proxy)

# Directories outside $NODE_DIR that the kubelet, containerd, the CNI plugins or iptables may
# create whatever their configuration says; `down` removes those that were not there before.
OUTSIDE_DIRS=(/run/containerd /run/netns /var/lib/cni /var/lib/kubelet /var/log/containers /var/log/pods
  /etc/cni /opt/cni /opt/containerd /var/lib/containerd /etc/kubernetes /usr/libexec/kubernetes
  /var/run/kubernetes /run/xtables.lock)

# Sysctls that the kubelet (kernel tunables), kube-proxy (conntrack, route_localnet), the CNI
# plugins (forwarding) or this script (bridge netfilter) may change; restored by `down`.
SYSCTLS=(net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding
  net.ipv6.conf.all.forwarding net.ipv6.conf.default.forwarding net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.bridge.bridge-nf-call-arptables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait net.netfilter.nf_conntrack_tcp_be_liberal
  net.netfilter.nf_conntrack_udp_timeout net.netfilter.nf_conntrack_udp_timeout_stream
  net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter fs.inotify.max_user_instances
  fs.inotify.max_user_watches)

APT_PACKAGES=(containerd runc containernetworking-plugins iptables nftables conntrack socat ethtool curl jq openssl)

UP_STARTED=""

log() { printf '[node %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[node %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[node %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

k() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

# ====================================================================== addresses

ip2int() {
  local a b c d
  IFS=. read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

# cidr_range 10.0.0.0/8 -> "first last" as integers
cidr_range() {
  local ip="${1%/*}" len="${1#*/}" n mask
  n="$(ip2int "$ip")"
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  echo "$((n & mask)) $(((n & mask) | (~mask & 0xffffffff)))"
}

cidr_contains() { # cidr ip
  local first last n
  read -r first last < <(cidr_range "$1")
  n="$(ip2int "$2")"
  ((n >= first && n <= last))
}

cidrs_overlap() {
  local a1 a2 b1 b2
  read -r a1 a2 < <(cidr_range "$1")
  read -r b1 b2 < <(cidr_range "$2")
  ((a1 <= b2 && b1 <= a2))
}

validate_config() {
  local c
  for c in "$NODE_POD_RANGE" "$NODE_POD_SUBNET" "$NODE_SERVICE_RANGE"; do
    [[ "$c" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] || die "not an IPv4 CIDR: '$c'"
  done
  [[ "$NODE_DIR" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "NODE_DIR must be an absolute path without spaces (got '$NODE_DIR')"
  [[ "$NODE_BRIDGE" =~ ^[a-z0-9]{1,12}$ ]] || die "NODE_BRIDGE must be a short interface name"
  cidr_contains "$NODE_POD_RANGE" "${NODE_POD_SUBNET%/*}" || die "$NODE_POD_SUBNET is not inside $NODE_POD_RANGE"
  cidr_contains "$NODE_POD_SUBNET" "$NODE_BRIDGE_IP" || die "$NODE_BRIDGE_IP is not inside $NODE_POD_SUBNET"
  cidr_contains "$NODE_SERVICE_RANGE" "$NODE_KUBERNETES_IP" || die "$NODE_KUBERNETES_IP is not inside $NODE_SERVICE_RANGE"
  cidr_contains "$NODE_SERVICE_RANGE" "$NODE_DNS_IP" || die "$NODE_DNS_IP is not inside $NODE_SERVICE_RANGE"
  ! cidrs_overlap "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE" || die "pod and Service ranges overlap"
}

# The ranges must not cover anything the host uses: its routes (other than ours), its
# addresses, its DNS servers. Otherwise the guard would cut the host off.
check_host_conflicts() {
  local line dst addr ns r
  while read -r line; do
    dst="${line%% *}"
    [[ "$dst" == default ]] && continue
    [[ "$line" == *"dev $NODE_BRIDGE "* || "$line" == *"metric $GUARD_METRIC"* ]] && continue
    [[ "$dst" == */* ]] || dst="$dst/32"
    [[ "$dst" =~ ^[0-9.]+/[0-9]+$ ]] || continue
    for r in "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE"; do
      if cidrs_overlap "$dst" "$r"; then
        die "host route '$line' overlaps $r; choose other ranges (NODE_POD_RANGE, NODE_SERVICE_RANGE)"
      fi
    done
  done < <(ip -4 route show table all | sed -E 's/^(unreachable|blackhole|prohibit|local|broadcast|unicast) //')
  while read -r addr; do
    [[ "$addr" == "$NODE_BRIDGE_IP" ]] && continue
    for r in "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE"; do
      cidr_contains "$r" "$addr" && die "host address $addr is inside $r; choose other ranges"
    done
  done < <(ip -4 -o addr show | awk '{ split($4, a, "/"); print a[1] }')
  while read -r ns; do
    [[ "$ns" =~ ^[0-9.]+$ ]] || continue
    for r in "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE"; do
      cidr_contains "$r" "$ns" && die "the host's DNS server $ns is inside $r; choose other ranges"
    done
  done < <(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf 2>/dev/null)
  return 0
}

# ====================================================================== processes

# Field 22 of /proc/PID/stat (start time in clock ticks), parsed after the command name.
proc_starttime() {
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  s="${s##*) }"
  awk '{ print $20 }' <<<"$s"
}

proc_ppid() {
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  s="${s##*) }"
  awk '{ print $2 }' <<<"$s"
}

# True if component $1's recorded process is alive: same PID and start time, and not a zombie
# (killed processes of a node whose `up` has exited are reparented to PID 1, which may be slow
# to reap them).
alive() {
  local f="$PIDS/$1.pid" pid st now state
  [[ -f "$f" ]] || return 1
  read -r pid st _ <"$f"
  now="$(proc_starttime "$pid")" || return 1
  [[ "$now" == "$st" ]] || return 1
  state="$(proc_state "$pid")" || return 1
  [[ "$state" != Z && "$state" != X ]]
}

proc_state() {
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  s="${s##*) }"
  echo "${s%% *}"
}

pid_of() {
  local pid
  read -r pid _ <"$PIDS/$1.pid"
  echo "$pid"
}

# start NAME BINARY ARGS...: runs it in its own session (a signal to the caller's process
# group does not reach it), output to logs/NAME.log, PID and start time to state/pids/NAME.pid.
start() {
  local name="$1" bin="$2" pid st i exe
  shift 2
  [[ -x "$bin" ]] || die "$name: $bin is not executable"
  printf '=== %s: %s %s\n' "$(date -Is)" "$bin" "$*" >>"$LOGS/$name.log"
  # Only stdin, stdout and stderr are inherited: no lock may be held for the component's lifetime,
  # neither the node's (fd 7) nor a caller's (`flock LOCK hack/node.sh up` passes its lock as fd 3).
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      ((fd > 2)) || continue
      eval "exec $fd>&-" 2>/dev/null || true
    done
    exec setsid "$bin" "$@" </dev/null >>"$LOGS/$name.log" 2>&1
  ) &
  pid=$!
  # The subshell execs setsid, which execs in place (not a process-group leader); wait for it.
  for ((i = 0; i < 50; i++)); do
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
    [[ "$exe" == "$(readlink -f "$bin")" ]] && break
    [[ -e "/proc/$pid" ]] || break
    sleep 0.02
  done
  st="$(proc_starttime "$pid")" || {
    tail_log "$name"
    die "$name exited at once"
  }
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$(readlink -f "$bin")" ]] ||
    die "$name: PID $pid is not $bin after start"
  printf '%s %s %s\n' "$pid" "$st" "$bin" >"$PIDS/$name.pid"
  log "started $name (PID $pid)"
}

# "PID PPID" of every process, from one pass over /proc/*/stat (the command name, which may
# hold spaces and parentheses, ends at the last ")").
proc_table() {
  local f s pp
  for f in /proc/[0-9]*/stat; do
    # A process may exit between the glob and the read: skip anything incomplete. (Not
    # s="$(<"$f")": a failed redirection in that expansion ends a non-interactive shell.)
    { read -r s <"$f"; } 2>/dev/null || continue
    [[ "$s" == *") "* ]] || continue
    s="${s##*) }"
    read -r _ pp _ <<<"$s" || continue
    [[ "$pp" =~ ^[0-9]+$ ]] || continue
    f="${f#/proc/}"
    echo "${f%/stat} $pp"
  done 2>/dev/null
  return 0
}

# Children (recursively) of the given PIDs.
descendants() {
  proc_table | awk -v roots="$*" '
    { parent[$1] = $2; pids[++n] = $1 }
    END {
      split(roots, r, " "); for (i in r) mark[r[i]] = 1
      do { changed = 0
        for (i = 1; i <= n; i++) { p = pids[i]; if (!(p in mark) && (parent[p] in mark)) { mark[p] = 2; changed = 1; print p } }
      } while (changed)
    }'
}

wait_gone() { # deadline_seconds pid...
  local deadline=$((SECONDS + $1)) p left
  shift
  while :; do
    left=0
    for p in "$@"; do
      [[ -e "/proc/$p" ]] && [[ "$(proc_state "$p" 2>/dev/null)" != Z ]] && left=1
    done
    ((left == 0)) && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# Stops component $1 by its recorded PID: TERM, wait up to $2 s, KILL. Children it leaves
# (socat's per-connection forks) are stopped the same way.
stop() {
  local name="$1" grace="${2:-15}" pid st kids=()
  [[ -f "$PIDS/$name.pid" ]] || return 0
  read -r pid st _ <"$PIDS/$name.pid"
  if alive "$name"; then
    mapfile -t kids < <(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$grace" "$pid"; then
      warn "$name (PID $pid) did not stop in ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone 5 "$pid" || warn "$name (PID $pid) survived SIGKILL"
    fi
    if ((${#kids[@]} > 0)); then
      kill -TERM "${kids[@]}" 2>/dev/null || true
      wait_gone 5 "${kids[@]}" || kill -KILL "${kids[@]}" 2>/dev/null || true
    fi
    log "stopped $name (PID $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}

tail_log() {
  local f="$LOGS/$1.log"
  [[ -f "$f" ]] || return 0
  printf '\n----- last lines of %s -----\n' "$f" >&2
  tail -n "${2:-40}" "$f" >&2
  printf -- '----- end of %s -----\n\n' "$f" >&2
}

# wait_for DESCRIPTION TIMEOUT COMPONENT-FOR-LOGS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local what="$1" timeout="$2" comp="$3" deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$comp" && "$comp" != - ]] && ! alive "$comp"; then
      tail_log "$comp"
      die "$comp died while waiting for $what"
    fi
    if ((SECONDS >= deadline)); then
      [[ "$comp" == - ]] || tail_log "$comp"
      die "timed out after ${timeout}s waiting for $what"
    fi
    sleep 0.2
  done
}

remaining() {
  local r=$((UP_DEADLINE - SECONDS))
  ((r > 5)) || r=5
  echo "$r"
}

# ====================================================================== host snapshot

SNAP_FILES=(routes4 routes6 nft iptables ip6tables sysctls dirs mounts links nft-tables toplevel)

snapshot_host() {
  local d="$1" key v dir
  mkdir -p "$d"
  ip -4 route show table all >"$d/routes4"
  ip -6 route show table all >"$d/routes6"
  nft list ruleset >"$d/nft" 2>/dev/null || true
  nft list tables >"$d/nft-tables" 2>/dev/null || true
  normalized_iptables iptables >"$d/iptables"
  normalized_iptables ip6tables >"$d/ip6tables"
  : >"$d/sysctls"
  for key in "${SYSCTLS[@]}"; do
    if v="$(sysctl -n "$key" 2>/dev/null)"; then printf '%s=%s\n' "$key" "$v" >>"$d/sysctls"; fi
  done
  : >"$d/dirs"
  for dir in "${OUTSIDE_DIRS[@]}"; do
    [[ -e "$dir" || -L "$dir" ]] && echo "$dir" >>"$d/dirs"
  done
  awk '{ print $5 }' /proc/self/mountinfo | sort >"$d/mounts"
  ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort >"$d/links"
  find /run /var/run/ /var/lib /var/log /etc /opt /usr/libexec -mindepth 1 -maxdepth 1 2>/dev/null | sort >"$d/toplevel"
}

normalized_iptables() {
  command -v "$1-save" >/dev/null 2>&1 || return 0
  "$1-save" 2>/dev/null | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[0:0]/' || true
}

# Prints the differences between the host now and the snapshot $1 (nothing if none).
diff_host() {
  local before="$1" now f
  now="$(mktemp -d)"
  snapshot_host "$now"
  for f in "${SNAP_FILES[@]}"; do
    [[ -f "$before/$f" ]] || continue
    if ! diff -q "$before/$f" "$now/$f" >/dev/null; then
      echo "--- $f differs (- before up, + now):"
      diff "$before/$f" "$now/$f" | grep -E '^[<>]' | sed 's/^</-/; s/^>/+/' | head -n 40
    fi
  done
  rm -rf "$now"
}

# ====================================================================== guard

guard_installed() {
  nft list table inet "$GUARD_TABLE" >/dev/null 2>&1
}

install_guard() {
  local r
  if ! guard_installed; then
    nft -f - <<EOF
table inet $GUARD_TABLE {
  comment "hack/node.sh: pod and Service ranges never leave through another interface than $NODE_BRIDGE"
  set ranges {
    type ipv4_addr; flags interval
    elements = { $NODE_POD_RANGE, $NODE_SERVICE_RANGE }
  }
  chain postrouting {
    type filter hook postrouting priority 0; policy accept;
    ip daddr @ranges oifname != { "$NODE_BRIDGE", "lo" } counter drop comment "to pods/Services only via the bridge"
    ip saddr @ranges oifname != { "$NODE_BRIDGE", "lo" } counter drop comment "pod/bridge sources stay on the bridge"
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "$NODE_BRIDGE" oifname != "$NODE_BRIDGE" counter drop comment "pods do not reach other networks"
    oifname "$NODE_BRIDGE" iifname != "$NODE_BRIDGE" counter drop comment "other networks do not reach pods"
  }
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr @ranges iifname != { "$NODE_BRIDGE", "lo" } counter drop comment "bridge addresses are not served to other networks"
  }
}
EOF
    log "installed nft table inet $GUARD_TABLE"
  fi
  for r in "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE"; do
    ip -4 route replace unreachable "$r" metric "$GUARD_METRIC"
  done
  log "unreachable routes for $NODE_POD_RANGE and $NODE_SERVICE_RANGE (metric $GUARD_METRIC)"
  echo guard >"$STATE/guard"
}

remove_guard() {
  local r
  for r in "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE"; do
    while ip -4 route del unreachable "$r" metric "$GUARD_METRIC" 2>/dev/null; do :; done
  done
  if guard_installed; then
    nft delete table inet "$GUARD_TABLE"
    log "removed the guard (nft table and unreachable routes)"
  fi
  rm -f "$STATE/guard"
}

guard_ok() {
  local r
  guard_installed || return 1
  for r in "$NODE_POD_RANGE" "$NODE_SERVICE_RANGE"; do
    ip -4 route show "$r" | grep -q "^unreachable $r .*metric $GUARD_METRIC" || return 1
  done
}

# ====================================================================== prerequisites

ensure_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  # Debian's containerd package ships a service; nothing here uses it, and nothing may run
  # on the default socket by our doing.
}

ensure_binaries() {
  "$HACK_DIR/node-binaries.sh" ensure
  COREDNS_BIN="$("$HACK_DIR/node-binaries.sh" path coredns)"
  PAUSE_TAR="$("$HACK_DIR/images.sh" path pause)"
  COREDNS_TAR="$("$HACK_DIR/images.sh" path coredns)"
  NETCHECK_TAR="$("$HACK_DIR/images.sh" path netcheck)"
  PAUSE_IMAGE_REF="$("$HACK_DIR/images.sh" ref pause)"
  COREDNS_IMAGE_REF="$("$HACK_DIR/images.sh" ref coredns)"
  NETCHECK_IMAGE_REF="$("$HACK_DIR/images.sh" ref netcheck)"
  LOCAL_PATH_TAR="$("$HACK_DIR/images.sh" path local-path-provisioner)"
  LOCAL_PATH_IMAGE_REF="$("$HACK_DIR/images.sh" ref local-path-provisioner)"
  # The local-path helper pods need sh, mkdir, chmod and rm: the Redis image (Debian minbase).
  HELPER_TAR="$("$HACK_DIR/images.sh" path redis)"
  HELPER_IMAGE_REF="$("$HACK_DIR/images.sh" ref redis)"
  : "$COREDNS_BIN"
}

check_preconditions() {
  [[ "$(id -u)" == 0 ]] || die "hack/node.sh needs root"
  [[ -d /proc/sys/net/bridge ]] || die "bridge netfilter (br_netfilter) is not available in this kernel"
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    die "interface $NODE_BRIDGE already exists but no node is recorded in $NODE_DIR; remove it or set NODE_BRIDGE"
  fi
  if iptables-save 2>/dev/null | grep -q '^:KUBE-'; then
    die "iptables already has KUBE-* chains: another Kubernetes runs on this host (down would remove them)"
  fi
  local port
  for port in "$NODE_API_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" "$KCM_PORT" "$SCHEDULER_PORT" "$KUBELET_PORT" \
    "$KUBELET_HEALTHZ_PORT" "$PROXY_METRICS_PORT" "$PROXY_HEALTHZ_PORT"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      die "TCP port $port is in use: $(ss -Hltnp "sport = :$port" | head -n1)"
    fi
  done
  check_host_conflicts
}

# ====================================================================== PKI and configs

cert() { # name CN O(optional) usage(server|client) SANs(optional, comma list)
  local name="$1" cn="$2" org="$3" usage="$4" sans="${5:-}" subj ext
  subj="/CN=$cn"
  [[ -z "$org" ]] || subj="/O=$org$subj"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key" 2>/dev/null
  ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=${usage}Auth"
  [[ -z "$sans" ]] || ext+="
subjectAltName=$sans"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -sha256 -extfile <(printf '%s\n' "$ext") -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

make_pki() {
  [[ -s "$PKI/ca.crt" && -s "$PKI/sa.pub" ]] && return 0
  mkdir -p "$PKI"
  chmod 0700 "$PKI"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=redisgrpc-node-ca" -days 365 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
  local d="kubernetes.default.svc"
  cert apiserver kube-apiserver "" server \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:$d,DNS:$d.$CLUSTER_DOMAIN,DNS:localhost,IP:127.0.0.1,IP:$NODE_BRIDGE_IP,IP:$NODE_KUBERNETES_IP"
  cert kubelet-serving "system:node:$NODE_NAME" system:nodes server "DNS:$NODE_NAME,IP:$NODE_BRIDGE_IP,IP:127.0.0.1"
  cert admin kubernetes-admin system:masters client
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters client
  cert kube-controller-manager system:kube-controller-manager "" client
  cert kube-scheduler system:kube-scheduler "" client
  cert kubelet "system:node:$NODE_NAME" system:nodes client
  cert kube-proxy system:kube-proxy "" client
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  log "generated the PKI in $PKI"
}

kubeconfig() { # file user
  local file="$1" user="$2"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $NODE_NAME
  cluster:
    server: https://127.0.0.1:$NODE_API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$user.crt")
    client-key-data: $(base64 -w0 "$PKI/$user.key")
contexts:
- name: $NODE_NAME
  context: {cluster: $NODE_NAME, user: $user}
current-context: $NODE_NAME
EOF
  chmod 0600 "$file"
}

write_configs() {
  mkdir -p "$ETC/cni" "$DATA" "$RUN" "$DATA/pod-logs" "$DATA/kubelet" "$DATA/cni-ipam" "$VOLUMES"
  kubeconfig "$ADMIN_KUBECONFIG" admin
  kubeconfig "$ETC/kube-controller-manager.kubeconfig" kube-controller-manager
  kubeconfig "$ETC/kube-scheduler.kubeconfig" kube-scheduler
  kubeconfig "$ETC/kubelet.kubeconfig" kubelet
  kubeconfig "$ETC/kube-proxy.kubeconfig" kube-proxy

  # Pods with dnsPolicy Default (CoreDNS) get no upstream: nothing outside the cluster is
  # reachable from pods anyway, and the host's resolver must not leak into them.
  printf '# hack/node.sh: no upstream DNS for pods\noptions ndots:1\n' >"$ETC/resolv.conf"

  cat >"$ETC/containerd.toml" <<EOF
# Generated by hack/node.sh
version = 2
root = "$DATA/containerd/root"
state = "$DATA/containerd/state"
oom_score = 0
# Plugins that would write outside our directories, or that nothing here uses.
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$SOCK"
  tcp_address = ""
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE_REF"
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    disable_tcp_service = true
    disable_apparmor = true
    enable_selinux = false
    netns_mounts_under_state_dir = true
    max_container_log_line_size = 16384
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "$DATA/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$ETC/cni"
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""
EOF

  cat >"$ETC/cni/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": false,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$DATA/cni-ipam",
        "ranges": [[{"subnet": "$NODE_POD_SUBNET", "gateway": "$NODE_BRIDGE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

  cat >"$ETC/kubelet.yaml" <<EOF
# Generated by hack/node.sh
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_BRIDGE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
rotateCertificates: false
serverTLSBootstrap: false
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_NAME
cgroupsPerQOS: true
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$NODE_DNS_IP]
resolvConf: $ETC/resolv.conf
podLogsDir: $DATA/pod-logs
volumePluginDir: $DATA/kubelet/volume-plugins
# Images can never be pulled here: no image garbage collection, no eviction for disk space.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%", imagefs.inodesFree: "1%"}
mergeDefaultEvictionSettings: false
protectKernelDefaults: false
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
syncFrequency: 20s
nodeStatusUpdateFrequency: 10s
maxPods: 110
serializeImagePulls: true
EOF

  cat >"$ETC/kube-proxy.yaml" <<EOF
# Generated by hack/node.sh
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $ETC/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_BRIDGE_IP
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
clusterCIDR: $NODE_POD_RANGE
detectLocalMode: ClusterCIDR
nodePortAddresses: ["$NODE_BRIDGE_IP/32"]
oomScoreAdj: 0
iptables:
  localhostNodePorts: false
  masqueradeAll: false
  syncPeriod: 30s
  minSyncPeriod: 0s
# 0 = leave the host's conntrack settings alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
EOF
}

coredns_manifests() {
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects:
- {kind: ServiceAccount, name: coredns, namespace: kube-system}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health
        ready
        kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        cache 30
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  replicas: 1
  selector:
    matchLabels: {k8s-app: kube-dns}
  template:
    metadata:
      labels: {k8s-app: kube-dns}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
      - name: coredns
        image: $COREDNS_IMAGE_REF
        imagePullPolicy: Never
        args: ["-conf", "/etc/coredns/Corefile"]
        ports:
        - {containerPort: 53, name: dns, protocol: UDP}
        - {containerPort: 53, name: dns-tcp, protocol: TCP}
        resources:
          requests: {cpu: 50m, memory: 32Mi}
          limits: {memory: 128Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
        readinessProbe:
          httpGet: {path: /ready, port: 8181}
          periodSeconds: 2
        livenessProbe:
          httpGet: {path: /health, port: 8080}
          initialDelaySeconds: 10
          periodSeconds: 10
        volumeMounts:
        - {name: config, mountPath: /etc/coredns, readOnly: true}
      volumes:
      - name: config
        configMap:
          name: coredns
          items: [{key: Corefile, path: Corefile}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $NODE_DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
EOF
}

# Rancher's local-path provisioner as upstream deploys it (deploy/local-path-storage.yaml of
# v0.0.30: the same RBAC, ConfigMap keys and scripts), with the offline images, the volumes under
# $VOLUMES, a locked-down provisioner pod, and the StorageClass marked as the default.
local_path_manifests() {
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $LOCAL_PATH_NAMESPACE
  labels:
    # The helper pods run as root with a hostPath volume (the volumes' parent directory).
    pod-security.kubernetes.io/enforce: privileged
    pod-security.kubernetes.io/audit: privileged
    pod-security.kubernetes.io/warn: privileged
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: local-path-provisioner-service-account, namespace: $LOCAL_PATH_NAMESPACE}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: local-path-provisioner-role, namespace: $LOCAL_PATH_NAMESPACE}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, patch, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: local-path-provisioner-role}
rules:
- apiGroups: [""]
  resources: [nodes, persistentvolumeclaims, configmaps, pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [persistentvolumes]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local-path-provisioner-bind, namespace: $LOCAL_PATH_NAMESPACE}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: local-path-provisioner-role}
subjects:
- {kind: ServiceAccount, name: local-path-provisioner-service-account, namespace: $LOCAL_PATH_NAMESPACE}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: local-path-provisioner-bind}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: local-path-provisioner-role}
subjects:
- {kind: ServiceAccount, name: local-path-provisioner-service-account, namespace: $LOCAL_PATH_NAMESPACE}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: local-path-config, namespace: $LOCAL_PATH_NAMESPACE}
data:
  config.json: |-
    {
      "nodePathMap": [
        {"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$VOLUMES"]}
      ]
    }
  setup: |-
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |-
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  # The provisioner adds the hostPath of the volume's parent directory, the scripts, the command,
  # the node and its service account. Root is needed to write in $VOLUMES (root's, 0755);
  # DAC_OVERRIDE and FOWNER let rm remove what a pod's user left there, whatever its modes.
  helperPod.yaml: |-
    apiVersion: v1
    kind: Pod
    metadata:
      name: helper-pod
    spec:
      priorityClassName: system-node-critical
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        seccompProfile: {type: RuntimeDefault}
      tolerations:
      - {key: node.kubernetes.io/disk-pressure, operator: Exists, effect: NoSchedule}
      containers:
      - name: helper-pod
        image: $HELPER_IMAGE_REF
        imagePullPolicy: IfNotPresent
        securityContext:
          runAsUser: 0
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL], add: [DAC_OVERRIDE, FOWNER]}
        resources:
          requests: {cpu: 10m, memory: 16Mi}
          limits: {memory: 64Mi}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: local-path-provisioner
  namespace: $LOCAL_PATH_NAMESPACE
  labels: {app: local-path-provisioner}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector:
    matchLabels: {app: local-path-provisioner}
  template:
    metadata:
      labels: {app: local-path-provisioner}
    spec:
      serviceAccountName: local-path-provisioner-service-account
      priorityClassName: system-cluster-critical
      enableServiceLinks: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65534
        runAsGroup: 65534
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: local-path-provisioner
        image: $LOCAL_PATH_IMAGE_REF
        imagePullPolicy: IfNotPresent
        args: [--debug, start, --config, /etc/config/config.json]
        env:
        - name: POD_NAMESPACE
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        - {name: CONFIG_MOUNT_PATH, value: /etc/config/}
        - {name: HELPER_IMAGE, value: "$HELPER_IMAGE_REF"}
        resources:
          requests: {cpu: 10m, memory: 32Mi}
          limits: {memory: 256Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: config-volume, mountPath: /etc/config/, readOnly: true}
      volumes:
      - name: config-volume
        configMap: {name: local-path-config}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $STORAGE_CLASS
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
EOF
}

# A pod that proves the node works end to end: DNS through CoreDNS (init container), then the
# API server through the kubernetes Service with its service-account token.
check_pod_manifest() {
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: node-check
  namespace: kube-system
spec:
  restartPolicy: Never
  automountServiceAccountToken: true
  securityContext:
    runAsNonRoot: true
    runAsUser: 65534
    seccompProfile: {type: RuntimeDefault}
  initContainers:
  - name: dns
    image: $NETCHECK_IMAGE_REF
    imagePullPolicy: Never
    args: ["-for", "60s", "lookup", "kubernetes.default"]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  containers:
  - name: apiserver
    image: $NETCHECK_IMAGE_REF
    imagePullPolicy: Never
    args: ["-for", "60s", "apiserver"]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
EOF
}

# ====================================================================== network

setup_network() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
  fi
  # No IPv6 on the bridge: the node is IPv4-only, and the bridge must not autoconfigure.
  sysctl -qw "net.ipv6.conf.$NODE_BRIDGE.disable_ipv6=1" || true
  ip addr replace "$NODE_BRIDGE_IP/${NODE_POD_SUBNET#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  # Host -> ClusterIP: locally generated packets are routed before kube-proxy's OUTPUT DNAT,
  # so the Service range needs a route; it goes to the bridge (the unreachable route, with a
  # higher metric, stays as the backstop when the bridge is gone).
  ip -4 route replace "$NODE_SERVICE_RANGE" dev "$NODE_BRIDGE" src "$NODE_BRIDGE_IP" metric "$SERVICE_ROUTE_METRIC"
  # Pod -> ClusterIP -> pod: the packet goes to the gateway (the bridge IP), is DNATed and routed
  # back out of the bridge, so the bridge needs IPv4 forwarding. Only on the bridge (a device
  # sysctl that goes away with it): net.ipv4.ip_forward stays as it is, and the guard's forward
  # chain drops anything from the bridge to another interface.
  sysctl -qw "net.ipv4.conf.$NODE_BRIDGE.forwarding=1"
  # Bridged pod traffic must pass iptables (conntrack undoes the DNAT on the direct replies).
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  log "bridge $NODE_BRIDGE $NODE_BRIDGE_IP/${NODE_POD_SUBNET#*/}, Service range $NODE_SERVICE_RANGE routed to it"
}

teardown_network() {
  local l
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    for l in $(ip -o link show master "$NODE_BRIDGE" 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
      ip link del "$l" 2>/dev/null || true
    done
    ip link del "$NODE_BRIDGE"
    log "deleted bridge $NODE_BRIDGE"
  fi
  while ip -4 route del "$NODE_SERVICE_RANGE" metric "$SERVICE_ROUTE_METRIC" 2>/dev/null; do :; done
}

# ====================================================================== cgroups

# "MOUNTPOINT FSTYPE" of every cgroup hierarchy (v1 ones, and the v2 one in hybrid mode).
cgroup_hierarchies() {
  local line
  while read -r line; do
    # The filesystem type follows the " - " separator (the optional fields before it vary).
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5, $(i + 1); break } }' <<<"$line"
  done </proc/self/mountinfo
}

setup_cgroups() {
  local h fstype
  while read -r h fstype; do
    [[ "$fstype" == cgroup ]] || continue
    mkdir -p "$h/$CGROUP_NAME"
    if [[ -f "$h/cpuset.cpus" ]]; then
      [[ -n "$(cat "$h/$CGROUP_NAME/cpuset.cpus")" ]] || cat "$h/cpuset.cpus" >"$h/$CGROUP_NAME/cpuset.cpus"
      [[ -n "$(cat "$h/$CGROUP_NAME/cpuset.mems")" ]] || cat "$h/cpuset.mems" >"$h/$CGROUP_NAME/cpuset.mems"
    fi
  done < <(cgroup_hierarchies)
}

cgroup_procs() {
  local h _t
  while read -r h _t; do
    [[ -d "$h/$CGROUP_NAME" ]] || continue
    find "$h/$CGROUP_NAME" -name cgroup.procs -exec cat {} + 2>/dev/null
  done < <(cgroup_hierarchies) | sort -un
}

kill_cgroup_procs() {
  local deadline=$((SECONDS + 15)) procs
  while :; do
    mapfile -t procs < <(cgroup_procs)
    ((${#procs[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      warn "processes left in cgroup /$CGROUP_NAME: ${procs[*]}"
      return 1
    fi
    kill -KILL "${procs[@]}" 2>/dev/null || true
    sleep 0.2
  done
}

remove_cgroups() {
  local h _t
  while read -r h _t; do
    [[ -d "$h/$CGROUP_NAME" ]] || continue
    find "$h/$CGROUP_NAME" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ ! -d "$h/$CGROUP_NAME" ]] || warn "could not remove cgroup $h/$CGROUP_NAME"
  done < <(cgroup_hierarchies)
}

# ====================================================================== containers

ctr_() { ctr --address "$SOCK" --namespace k8s.io "$@"; }

# PIDs of containerd-shim processes that serve our containerd (argument -address = our socket).
our_shims() {
  local p args i
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/exe" 2>/dev/null)" == *containerd-shim* ]] || continue
    mapfile -d '' -t args <"$p/cmdline" 2>/dev/null || continue
    for ((i = 0; i + 1 < ${#args[@]}; i++)); do
      if [[ "${args[i]}" == -address && "${args[i + 1]}" == "$SOCK" ]]; then
        echo "${p#/proc/}"
        break
      fi
    done
  done
}

stop_containers() {
  local ids=() id shims=()
  if alive containerd; then
    mapfile -t ids < <(ctr_ tasks ls -q 2>/dev/null || true)
    if ((${#ids[@]} > 0)); then
      log "killing ${#ids[@]} container task(s) through containerd"
      for id in "${ids[@]}"; do
        ctr_ tasks kill --all --signal SIGKILL "$id" >/dev/null 2>&1 || true
      done
      for id in "${ids[@]}"; do
        timeout 10 ctr_ tasks delete --force "$id" >/dev/null 2>&1 || true
      done
    fi
  fi
  stop containerd 20
  mapfile -t shims < <(our_shims)
  if ((${#shims[@]} > 0)); then
    log "stopping ${#shims[@]} containerd-shim process(es) of our containerd: ${shims[*]}"
    kill -TERM "${shims[@]}" 2>/dev/null || true
    wait_gone 5 "${shims[@]}" || kill -KILL "${shims[@]}" 2>/dev/null || true
    wait_gone 5 "${shims[@]}" || warn "shims survived: ${shims[*]}"
  fi
  kill_cgroup_procs || true
}

import_images() {
  local tar out
  for tar in "$@"; do
    [[ -s "$tar" ]] || die "no such image archive: $tar"
    out="$(ctr_ images import "$tar" 2>&1)" || die "ctr images import $tar failed: $out"
    log "imported $(tar -xOf "$tar" manifest.json | jq -r '.[].RepoTags[]' | paste -sd' ') from $tar"
  done
}

# ====================================================================== mounts and dirs

# Mount points at or below any of the given directories, deepest first.
mounts_below() {
  local d
  for d in "$@"; do
    d="$(realpath -m "$d")"
    awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
  done | sort -u | awk '{ print length($0) " " $0 }' | sort -k1,1rn | cut -d' ' -f2-
}

unmount_all() {
  local m dirs=("$NODE_DIR") d
  for d in "${OUTSIDE_DIRS[@]}"; do
    [[ -d "$d" ]] && ! was_there "$d" && dirs+=("$d")
  done
  # Deepest first; again while anything is left (stacked mounts), a few rounds at most.
  local round
  for round in 1 2 3 4 5; do
    [[ -n "$(mounts_below "${dirs[@]}")" ]] || break
    while read -r m; do
      [[ -n "$m" ]] || continue
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || ((round < 5)) || warn "cannot unmount $m"
    done < <(mounts_below "${dirs[@]}")
  done
  # /run/netns may have been there before: unmount only namespaces that are newer than `up`.
  if [[ -d /run/netns ]] && was_there /run/netns; then
    while read -r m; do
      [[ -n "$m" ]] || continue
      grep -qxF "$m" "$HOST_SNAPSHOT/mounts" 2>/dev/null && continue
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
      rm -f "$m"
    done < <(mounts_below /run/netns)
  fi
}

was_there() {
  grep -qxF "$1" "$HOST_SNAPSHOT/dirs" 2>/dev/null
}

remove_new_dirs() {
  local d
  [[ -f "$HOST_SNAPSHOT/dirs" ]] || return 0
  for d in "${OUTSIDE_DIRS[@]}"; do
    [[ -e "$d" ]] || continue
    was_there "$d" && continue
    if [[ -n "$(mounts_below "$d")" ]]; then
      warn "not removing $d: something is still mounted below it"
      continue
    fi
    rm -rf --one-file-system "$d"
    log "removed $d (it was not there before up)"
  done
  # Files of ours inside directories that were there before.
  if was_there /var/lib/cni; then
    rm -rf "/var/lib/cni/networks/$CNI_NETWORK"
    rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
  fi
}

# ====================================================================== iptables

# Removes exactly the KUBE-* and CNI-* chains (and the rules that jump to them) from every table
# of iptables and ip6tables, then deletes the tables that did not exist before `up` and are empty.
clean_iptables() {
  local fam table dump ours rules t
  for fam in iptables ip6tables; do
    command -v "$fam-save" >/dev/null 2>&1 || continue
    dump="$("$fam-save" 2>/dev/null)" || continue
    for table in $(sed -n 's/^\*//p' <<<"$dump"); do
      t="$(awk -v t="$table" '/^\*/ { on = ($0 == "*" t) } on' <<<"$dump")"
      ours="$(sed -nE 's/^:((KUBE|CNI)-[^ ]+) .*/\1/p' <<<"$t")"
      rules="$(grep -E '^-A [^ ]+ .*-j (KUBE|CNI)-' <<<"$t" | grep -vE '^-A (KUBE|CNI)-' || true)"
      [[ -n "$ours" || -n "$rules" ]] || continue
      {
        echo "*$table"
        [[ -z "$rules" ]] || sed 's/^-A /-D /' <<<"$rules"
        for c in $ours; do echo "-F $c"; done
        for c in $ours; do echo "-X $c"; done
        echo COMMIT
      } >"$STATE/$fam-$table.cleanup"
      if "$fam-restore" --noflush <"$STATE/$fam-$table.cleanup" 2>"$STATE/$fam-restore.err"; then
        log "$fam: removed $(wc -w <<<"$ours") chain(s) and $(grep -c . <<<"$rules" || true) jump rule(s) from table $table"
      else
        warn "$fam-restore failed for table $table: $(cat "$STATE/$fam-restore.err")"
      fi
    done
  done
  # iptables-nft tables that were not there before `up` and hold nothing now.
  local family name before
  before="$HOST_SNAPSHOT/nft-tables"
  [[ -f "$before" ]] || return 0
  while read -r _ family name; do
    [[ "$family" == ip || "$family" == ip6 ]] || continue
    grep -qx "table $family $name" "$before" && continue
    case "$name" in filter | nat | mangle | raw | security) ;; *) continue ;; esac
    if ! nft list table "$family" "$name" 2>/dev/null | grep -vE '^\s*(table|chain|type|policy|\}|$)' | grep -q .; then
      nft delete table "$family" "$name" && log "deleted empty nft table $family $name (created by iptables during the run)"
    fi
  done < <(nft list tables 2>/dev/null)
}

restore_sysctls() {
  local line key want now
  [[ -f "$HOST_SNAPSHOT/sysctls" ]] || return 0
  while IFS= read -r line; do
    key="${line%%=*}"
    want="${line#*=}"
    now="$(sysctl -n "$key" 2>/dev/null)" || continue
    if [[ "$now" != "$want" ]]; then
      sysctl -qw "$key=$want" && log "sysctl $key: $now -> $want (restored)"
    fi
  done <"$HOST_SNAPSHOT/sysctls"
}

# ====================================================================== health

listener_violations() {
  local ours=() c line addr users p
  for c in "${COMPONENTS[@]}"; do
    alive "$c" && ours+=("$(pid_of "$c")")
  done
  ((${#ours[@]} > 0)) || return 0
  mapfile -t -O "${#ours[@]}" ours < <(descendants "${ours[@]}")
  while read -r line; do
    addr="$(awk '{ print $5 }' <<<"$line")"
    users="$(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2 || true)"
    for p in $users; do
      if printf '%s\n' "${ours[@]}" | grep -qx "$p"; then
        addr="${addr%:*}"
        addr="${addr%%%*}"
        addr="${addr#[}"
        addr="${addr%]}"
        addr="${addr#::ffff:}"
        case "$addr" in
          127.* | ::1 | "$NODE_BRIDGE_IP") ;;
          *) echo "$line" ;;
        esac
        break
      fi
    done
  done < <(ss -Hltnup 2>/dev/null)
}

node_ready() {
  [[ "$(k get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

coredns_ready() {
  local n
  n="$(k -n kube-system get deploy coredns -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)"
  [[ -n "$n" && "$n" -ge 1 ]]
}

# The provisioner's Deployment has a ready replica and the default StorageClass exists.
local_path_ready() {
  local n
  n="$(k -n "$LOCAL_PATH_NAMESPACE" get deploy local-path-provisioner -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)"
  [[ -n "$n" && "$n" -ge 1 ]] || return 1
  [[ "$(k get storageclass "$STORAGE_CLASS" -o 'jsonpath={.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}' 2>/dev/null)" == true ]]
}

apiserver_ready() {
  curl -sf --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$NODE_API_PORT/readyz" >/dev/null
}

healthy() {
  local c
  [[ -f "$STATE/up" ]] || return 1
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  guard_ok && apiserver_ready && node_ready && coredns_ready && local_path_ready
}

status() {
  if [[ ! -d "$STATE" ]] || { [[ ! -f "$STATE/up" ]] && [[ -z "$(ls -A "$PIDS" 2>/dev/null)" ]] && [[ ! -f "$STATE/guard" ]]; }; then
    echo "node: down"
    return 3
  fi
  local c rc=0 v
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then printf '  %-24s running (PID %s)\n' "$c" "$(pid_of "$c")"; else
      printf '  %-24s NOT RUNNING\n' "$c"
      rc=1
    fi
  done
  if guard_ok; then echo "  guard                    nft table inet $GUARD_TABLE + unreachable routes"; else
    echo "  guard                    MISSING"
    rc=1
  fi
  if apiserver_ready; then echo "  api server               ready at https://127.0.0.1:$NODE_API_PORT"; else
    echo "  api server               NOT READY"
    rc=1
  fi
  if node_ready; then printf '  %-24s Ready\n' "node $NODE_NAME"; else
    printf '  %-24s NOT READY\n' "node $NODE_NAME"
    rc=1
  fi
  if coredns_ready; then echo "  coredns                  ready ($NODE_DNS_IP)"; else
    echo "  coredns                  NOT READY"
    rc=1
  fi
  if local_path_ready; then echo "  local-path provisioner   ready (default StorageClass $STORAGE_CLASS, volumes in $VOLUMES)"; else
    echo "  local-path provisioner   NOT READY"
    rc=1
  fi
  v="$(listener_violations)"
  if [[ -n "$v" ]]; then
    echo "  LISTENER VIOLATION: processes of the node listen on a wildcard or external address:"
    sed 's/^/    /' <<<"$v"
    rc=2
  else
    echo "  listeners                127.0.0.1 and $NODE_BRIDGE_IP only"
  fi
  echo "  kubeconfig               $ADMIN_KUBECONFIG"
  if ((rc == 0)); then echo "node: up"; else echo "node: UNHEALTHY"; fi
  return "$rc"
}

# Memory (RSS) and CPU of every process of the node over $1 seconds: the components, the
# containerd shims of our containerd and everything below them (the containers).
usage() {
  local secs="${1:-60}" pids=() p name
  [[ "$secs" =~ ^[1-9][0-9]*$ ]] || die "usage SECONDS: a whole number of seconds, at least 1"
  mapfile -t pids < <(node_pids)
  ((${#pids[@]} > 0)) || die "the node is not running"
  declare -A t0 rss comm
  local hz total_rss=0 total_ticks=0 ticks
  hz="$(getconf CLK_TCK)"
  for p in "${pids[@]}"; do t0[$p]="$(cpu_ticks "$p" || echo -)"; done
  sleep "$secs"
  printf '%-28s %8s %10s %7s\n' PROCESS PID RSS_MiB CPU_%
  for p in "${pids[@]}"; do
    [[ "${t0[$p]}" != - ]] || continue
    ticks="$(cpu_ticks "$p")" || continue
    name="$(cat "/proc/$p/comm" 2>/dev/null)" || continue
    rss[$p]="$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)"
    : "${rss[$p]:=0}"
    total_rss=$((total_rss + rss[$p]))
    total_ticks=$((total_ticks + ticks - t0[$p]))
    awk -v n="$name" -v p="$p" -v r="${rss[$p]}" -v t="$((ticks - t0[$p]))" -v hz="$hz" -v s="$secs" \
      'BEGIN { printf "%-28s %8s %10.1f %7.2f\n", n, p, r / 1024, 100 * t / hz / s }'
  done
  awk -v p="${#pids[@]}" -v r="$total_rss" -v t="$total_ticks" -v hz="$hz" -v s="$secs" \
    'BEGIN { printf "%-28s %8s %10.1f %7.2f\n", "TOTAL", p, r / 1024, 100 * t / hz / s }'
  echo "(CPU_% = percent of one core over ${secs}s; RSS counts shared pages once per process)"
}

# Every process of the node: the recorded components, the containerd shims serving our socket,
# and all their descendants (containers, socat's per-connection children).
node_pids() {
  local roots=() c
  for c in "${COMPONENTS[@]}"; do alive "$c" && roots+=("$(pid_of "$c")"); done
  mapfile -t -O "${#roots[@]}" roots < <(our_shims)
  ((${#roots[@]} > 0)) || return 0
  printf '%s\n' "${roots[@]}"
  descendants "${roots[@]}"
}

cpu_ticks() {
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  s="${s##*) }"
  awk '{ print $12 + $13 }' <<<"$s"
}

# ====================================================================== up

up() {
  UP_STARTED=$SECONDS
  UP_DEADLINE=$((SECONDS + NODE_UP_TIMEOUT))
  if healthy; then
    log "already up and healthy (kubeconfig: $ADMIN_KUBECONFIG)"
    return 0
  fi
  if [[ -f "$STATE/up" || -n "$(ls -A "$PIDS" 2>/dev/null)" || -f "$STATE/guard" ]]; then
    warn "a previous node is recorded in $NODE_DIR but not healthy; tearing it down first"
    status >&2 || true
    down_locked
  fi

  ensure_packages
  ensure_binaries
  validate_config
  check_preconditions

  # Logs of the previous run are kept in logs.prev.
  if [[ -d "$LOGS" ]] && [[ -n "$(ls -A "$LOGS")" ]]; then
    rm -rf "$NODE_DIR/logs.prev"
    mv "$LOGS" "$NODE_DIR/logs.prev"
  fi
  mkdir -p "$LOGS" "$PIDS"

  # 1. The host as it is now, then the guard, before anything else.
  [[ -d "$HOST_SNAPSHOT" ]] || snapshot_host "$HOST_SNAPSHOT"
  install_guard
  echo starting >"$STATE/phase"
  trap 'up_failed' EXIT

  local t0=$SECONDS
  make_pki
  write_configs
  setup_network
  setup_cgroups

  # 2. Control plane (and containerd with the images while the API server starts).
  start etcd "$KUBE_BIN/etcd" --name "$NODE_NAME" --data-dir "$DATA/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd" "$(remaining)" etcd curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$KUBE_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$NODE_API_PORT" --advertise-address "$NODE_BRIDGE_IP" \
    --service-cluster-ip-range "$NODE_SERVICE_RANGE" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false --event-ttl 1h --v 1

  # containerd and the images need no API server: done while it starts.
  start containerd "$(command -v containerd)" --config "$ETC/containerd.toml"
  wait_for "containerd" "$(remaining)" containerd ctr_ version
  import_images "$PAUSE_TAR" "$COREDNS_TAR" "$NETCHECK_TAR" "$LOCAL_PATH_TAR" "$HELPER_TAR"
  wait_for "the API server" "$(remaining)" kube-apiserver apiserver_ready

  # Pods reach the API server through the kubernetes Service, whose endpoint is the bridge IP:
  # a forwarder there (the API server itself listens on 127.0.0.1 only).
  start apiserver-forwarder "$(command -v socat)" -d \
    "TCP-LISTEN:$NODE_API_PORT,bind=$NODE_BRIDGE_IP,reuseaddr,fork" "TCP:127.0.0.1:$NODE_API_PORT"

  start kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
    --kubeconfig "$ETC/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$ETC/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$ETC/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --use-service-account-credentials=true --service-cluster-ip-range "$NODE_SERVICE_RANGE" \
    --allocate-node-cidrs=false --leader-elect=false --profiling=false \
    --flex-volume-plugin-dir "$DATA/kcm-flexvolume" --v 1
  start kube-scheduler "$KUBE_BIN/kube-scheduler" \
    --kubeconfig "$ETC/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$ETC/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$ETC/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false --v 1

  # 3. Node: kubelet, kube-proxy.
  start kubelet "$KUBE_BIN/kubelet" --config "$ETC/kubelet.yaml" --kubeconfig "$ETC/kubelet.kubeconfig" \
    --root-dir "$DATA/kubelet" --cert-dir "$PKI/kubelet-certs" --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_BRIDGE_IP" --v 1
  start kube-proxy "$KUBE_BIN/kube-proxy" --config "$ETC/kube-proxy.yaml" --v 1

  # 4. Cluster add-ons and readiness.
  wait_for "the default ServiceAccount in kube-system" "$(remaining)" kube-controller-manager \
    k -n kube-system get serviceaccount default
  coredns_manifests | k apply -f - >/dev/null || die "cannot apply the CoreDNS manifests"
  local_path_manifests | k apply -f - >/dev/null || die "cannot apply the local-path provisioner manifests"
  wait_for "node $NODE_NAME Ready" "$(remaining)" kubelet node_ready
  log "node $NODE_NAME Ready after $((SECONDS - t0))s"
  wait_for "CoreDNS Ready" "$(remaining)" kubelet coredns_ready
  log "CoreDNS Ready after $((SECONDS - t0))s"
  wait_for "the local-path provisioner Ready" "$(remaining)" kubelet local_path_ready
  log "local-path provisioner Ready after $((SECONDS - t0))s (default StorageClass $STORAGE_CLASS, volumes in $VOLUMES)"
  k -n kube-system delete pod node-check --ignore-not-found --wait=true >/dev/null 2>&1 || true
  check_pod_manifest | k apply -f - >/dev/null || die "cannot create the check pod"
  if ! wait_for_pod_phase kube-system node-check Succeeded "$(remaining)"; then
    k -n kube-system describe pod node-check >&2 || true
    k -n kube-system logs node-check -c dns >&2 || true
    k -n kube-system logs node-check -c apiserver >&2 || true
    die "the check pod did not succeed (DNS through CoreDNS, API server through the kubernetes Service)"
  fi
  log "a pod resolved kubernetes.default ($(k -n kube-system logs node-check -c dns 2>/dev/null)) and reached the API server through the kubernetes Service"
  k -n kube-system delete pod node-check --wait=false >/dev/null 2>&1 || true

  local v
  v="$(listener_violations)"
  [[ -z "$v" ]] || die "processes of the node listen on a wildcard or external address:
$v"

  echo up >"$STATE/up"
  rm -f "$STATE/phase"
  trap - EXIT
  log "node up in $((SECONDS - UP_STARTED))s ($((SECONDS - t0))s from the first process); kubeconfig: $ADMIN_KUBECONFIG"
}

wait_for_pod_phase() {
  local ns="$1" pod="$2" want="$3" timeout="$4" deadline phase
  deadline=$((SECONDS + timeout))
  while :; do
    phase="$(k -n "$ns" get pod "$pod" -o 'jsonpath={.status.phase}' 2>/dev/null || true)"
    [[ "$phase" == "$want" ]] && return 0
    [[ "$phase" == Failed ]] && return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

up_failed() {
  local rc=$?
  trap - EXIT
  ((rc != 0)) || return 0
  warn "up failed (exit $rc)"
  local c
  for c in "${COMPONENTS[@]}"; do
    [[ -f "$PIDS/$c.pid" ]] || continue
    alive "$c" || {
      warn "$c is not running"
      tail_log "$c"
    }
  done
  if [[ "$NODE_KEEP_ON_FAILURE" == true ]]; then
    warn "NODE_KEEP_ON_FAILURE=true: leaving the node as it is; logs in $LOGS; run hack/node.sh down to clean up"
  else
    warn "tearing down (set NODE_KEEP_ON_FAILURE=true to keep a failed node for inspection); logs stay in $LOGS"
    down_locked || true
  fi
  exit "$rc"
}

# ====================================================================== down

down_locked() {
  local recorded=0
  [[ -d "$STATE" ]] && { [[ -f "$STATE/up" || -f "$STATE/guard" || -d "$HOST_SNAPSHOT" ]] || [[ -n "$(ls -A "$PIDS" 2>/dev/null)" ]]; } && recorded=1
  if ((recorded == 0)) && ! guard_installed && ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    log "nothing to do: no node recorded in $NODE_DIR"
    return 0
  fi
  local t0=$SECONDS
  rm -f "$STATE/up"
  # Stop what makes new containers first, then the containers, then the rest.
  stop kubelet 20
  stop kube-controller-manager
  stop kube-scheduler
  stop_containers
  stop kube-proxy
  stop apiserver-forwarder 5
  stop kube-apiserver 20
  stop etcd 20
  # Nothing of the node may outlive the guard: if anything survived, keep the guard and the
  # records, say so, and fail (a later `down` tries again).
  local left=()
  mapfile -t left < <(node_pids)
  mapfile -t -O "${#left[@]}" left < <(cgroup_procs)
  if ((${#left[@]} > 0)); then
    warn "processes of the node survived: $(ps -o pid=,comm= -p "$(printf '%s,' "${left[@]}" | sed 's/,$//')" 2>/dev/null | paste -sd' ')"
    warn "keeping the guard (routes + nft) and $STATE; run hack/node.sh down again"
    return 1
  fi

  unmount_all
  teardown_network
  clean_iptables
  restore_sysctls
  remove_cgroups
  remove_new_dirs
  if [[ -n "$(mounts_below "$NODE_DIR")" ]]; then
    warn "still mounted below $NODE_DIR, not removing its data: $(mounts_below "$NODE_DIR" | paste -sd' ')"
  else
    rm -rf --one-file-system "$DATA" "$RUN" "$ETC" "$PKI" "$ADMIN_KUBECONFIG"
  fi
  remove_guard

  if [[ -d "$HOST_SNAPSHOT" ]]; then
    local d
    d="$(diff_host "$HOST_SNAPSHOT")"
    if [[ -n "$d" ]]; then
      warn "the host differs from before up (changes by others are listed too):"
      printf '%s\n' "$d" >&2
      printf '%s\n' "$d" >"$LOGS/host-diff-after-down.txt" 2>/dev/null || true
    else
      log "host restored: routes, nft ruleset, iptables, sysctls, directories, mounts and links as before up"
    fi
    rm -rf "$HOST_SNAPSHOT"
  fi
  rm -rf "$PIDS" "$STATE/phase" "$STATE"/*.cleanup "$STATE"/*.err
  log "down in $((SECONDS - t0))s"
}

# ====================================================================== main

with_lock() {
  mkdir -p "$NODE_DIR" "$STATE" "$PIDS"
  exec 7>"$NODE_DIR/.lock"
  if ! flock -n 7; then
    # Processes of the node never hold it (fd 7 is closed when they start); if only they
    # seem to, it is a leak from an older version of this script: go on.
    local holders=() ours h only_ours=1
    mapfile -t holders < <(lock_holders)
    ours="$(node_pids)"
    for h in "${holders[@]}"; do
      # (the subshells that listed them have the lock open too, and are gone by now)
      [[ -e "/proc/$h" ]] || continue
      grep -qx "$h" <<<"$ours" || only_ours=0
    done
    if ((${#holders[@]} > 0 && only_ours == 1)); then
      warn "$NODE_DIR/.lock is held only by the node's own processes (${holders[*]}): proceeding"
    else
      log "another hack/node.sh holds $NODE_DIR/.lock (PIDs ${holders[*]:-?}); waiting"
      flock 7
    fi
  fi
  mkdir -p "$LOGS"
}

# PIDs of other processes that have $NODE_DIR/.lock open.
lock_holders() {
  local fd target
  target="$(realpath "$NODE_DIR/.lock")"
  for fd in /proc/[0-9]*/fd/*; do
    [[ "$(readlink "$fd" 2>/dev/null)" == "$target" ]] || continue
    fd="${fd#/proc/}"
    fd="${fd%%/*}"
    [[ "$fd" == "$$" ]] || echo "$fd"
  done | sort -u
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    up)
      [[ "$(id -u)" == 0 ]] || die "hack/node.sh up needs root"
      validate_config
      with_lock
      up
      ;;
    down)
      [[ "$(id -u)" == 0 ]] || die "hack/node.sh down needs root"
      with_lock
      down_locked
      if [[ "${1:-}" == --purge ]]; then
        rm -rf --one-file-system "$NODE_DIR"
        log "removed $NODE_DIR"
      fi
      ;;
    status)
      [[ -d "$NODE_DIR" ]] || {
        echo "node: down"
        exit 3
      }
      status
      ;;
    load)
      (($# > 0)) || die "usage: $0 load IMAGE.tar..."
      alive containerd || die "the node is not up (containerd is not running)"
      import_images "$@"
      ;;
    tag)
      (($# == 2)) || die "usage: $0 tag SRC DST"
      alive containerd || die "the node is not up (containerd is not running)"
      ctr_ images tag --force "$1" "$2" >/dev/null || die "ctr images tag $1 $2 failed"
      log "tagged $1 as $2"
      ;;
    kubeconfig)
      echo "$ADMIN_KUBECONFIG"
      [[ -s "$ADMIN_KUBECONFIG" ]] || {
        warn "$ADMIN_KUBECONFIG does not exist yet: run hack/node.sh up"
        exit 1
      }
      ;;
    usage)
      usage "${1:-60}"
      ;;
    kubectl)
      exec "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" "$@"
      ;;
    guard)
      [[ "$(id -u)" == 0 ]] || die "hack/node.sh guard needs root"
      validate_config
      with_lock
      check_host_conflicts
      [[ -d "$HOST_SNAPSHOT" ]] || snapshot_host "$HOST_SNAPSHOT"
      install_guard
      ;;
    -h | --help | help | "")
      sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
      [[ -n "$cmd" ]] || exit 2
      ;;
    *) die "unknown command '$cmd' (up | down [--purge] | status | load TAR... | kubeconfig | kubectl ARGS... | usage [SECONDS] | guard)" ;;
  esac
}

main "$@"
