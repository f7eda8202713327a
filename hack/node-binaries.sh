#!/usr/bin/env bash
# Provision every binary a real single-node Kubernetes (hack/node.sh) and the Helm-based
# end-to-end tests need, built from the Go module proxy only (no other network access):
#
#   ~/.kubeapitest/k8s/<k8s>-linux-amd64/   kube-apiserver kube-controller-manager kubectl etcd
#                                           kubelet kube-proxy kube-scheduler
#                                           (hack/kube-test-binaries.sh with KUBE_NODE_BINARIES=true:
#                                           one go build, shared with the operator tests' binaries)
#   $NODE_BIN_CACHE/coredns-<ver>/coredns   CoreDNS with the plugins a cluster DNS needs
#   $NODE_BIN_CACHE/helm-<ver>/helm         the helm v3 CLI
#   $NODE_BIN_CACHE/grpcurl-<ver>/grpcurl   grpcurl (the main job's gRPC call, through the gateway's reflection)
#   $NODE_BIN_CACHE/pause-<ver>-r<rev>/pause       the sandbox ("pause") program, static
#   $NODE_BIN_CACHE/netcheck-r<rev>/netcheck       a static probe for pods (DNS, TCP, HTTPS, Redis PING)
#   $NODE_BIN_CACHE/local-path-provisioner-<ver>/local-path-provisioner
#                                           Rancher's local-path provisioner, unmodified
#                                           (github.com/rancher/local-path-provisioner, static,
#                                           CGO_ENABLED=0): the node's volume provisioner behind the
#                                           default StorageClass local-path (hack/images.sh packs it,
#                                           hack/node.sh runs it)
#
# Every binary is verified by running it (--version) against the wanted version before it is
# used or installed; a cache hit costs a few process starts.
#
# Usage:
#   hack/node-binaries.sh [ensure]      ensure all of them (logs on stderr, nothing on stdout)
#   hack/node-binaries.sh path NAME     ensure NAME and print its absolute path; NAME is one of
#                                       kube-apiserver kube-controller-manager kube-scheduler kubectl
#                                       etcd kubelet kube-proxy coredns helm grpcurl pause netcheck
#                                       local-path-provisioner
#   hack/node-binaries.sh list          ensure all, print "NAME PATH" lines
#
# Cold build on 2 cores: Kubernetes ~7 min (+ ~3 min for the node binaries), CoreDNS ~2 min,
# helm ~3 min, local-path-provisioner ~2 min, grpcurl ~1 min, pause and netcheck seconds. Wrap it in
# `flock /tmp/redisgrpc-cpu.lock` on a shared machine (the script does not take that lock
# itself: a caller that already holds it would deadlock).
#
# Environment:
#   KUBE_VERSION      default 1.34.10 (passed to hack/kube-test-binaries.sh)
#   KUBE_API_TEST_DIR default ~/.kubeapitest
#   COREDNS_VERSION   default 1.13.1 (github.com/coredns/coredns; its go.mod needs k8s 0.34)
#   HELM_VERSION      default 3.19.5 (helm.sh/helm/v3; built on k8s 0.34 libraries)
#   GRPCURL_VERSION   default 1.9.3 (github.com/fullstorydev/grpcurl)
#   LOCAL_PATH_PROVISIONER_VERSION
#                     default 0.0.30 (github.com/rancher/local-path-provisioner: the newest version
#                     that the Go module proxy lists and the checksum database knows; its go.mod
#                     has no replace directives, so a plain wrapper module with upstream's go.sum
#                     builds it exactly as released; k8s 0.30 client libraries)
#   NODE_BIN_CACHE    default ~/.cache/redisgrpc/bin
#   GO                go command (default: go on PATH, else /usr/local/go/bin/go)
#   GOPROXY, GOMODCACHE, GOCACHE, ... are honoured as usual.
set -euo pipefail

# Everything runs inside main() so bash has parsed the whole file before it starts.

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBE_VERSION="${KUBE_VERSION:-1.34.10}"
KUBE_VERSION="${KUBE_VERSION#v}"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
COREDNS_VERSION="${COREDNS_VERSION:-1.13.1}"
COREDNS_VERSION="${COREDNS_VERSION#v}"
HELM_VERSION="${HELM_VERSION:-3.19.5}"
HELM_VERSION="${HELM_VERSION#v}"
GRPCURL_VERSION="${GRPCURL_VERSION:-1.9.3}"
GRPCURL_VERSION="${GRPCURL_VERSION#v}"
LOCAL_PATH_PROVISIONER_VERSION="${LOCAL_PATH_PROVISIONER_VERSION:-0.0.30}"
LOCAL_PATH_PROVISIONER_VERSION="${LOCAL_PATH_PROVISIONER_VERSION#v}"
NODE_BIN_CACHE="${NODE_BIN_CACHE:-$HOME/.cache/redisgrpc/bin}"
GO="${GO:-}"

# The pause image tag follows Kubernetes' own pause version; the revision counts changes of
# the generated source below (bump it when the source changes, so caches rebuild).
PAUSE_VERSION="3.10"
PAUSE_REVISION=1
NETCHECK_REVISION=1

KUBE_DIR="$KUBE_API_TEST_DIR/k8s/${KUBE_VERSION}-linux-amd64"
KUBE_NAMES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kubelet kube-proxy)
OTHER_NAMES=(coredns helm grpcurl pause netcheck local-path-provisioner)

WORK=""

log() { printf '[node-binaries] %s\n' "$*" >&2; }
die() {
  printf '[node-binaries] ERROR: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi
}

find_go() {
  if [[ -z "$GO" ]]; then
    if command -v go >/dev/null 2>&1; then
      GO="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then
      GO=/usr/local/go/bin/go
    fi
  fi
  [[ -n "$GO" ]] || die "no Go toolchain found (put go on PATH or set GO=/path/to/go)"
}

# ------------------------------------------------------------------ paths and checks

bin_dir() {
  case "$1" in
    coredns) echo "$NODE_BIN_CACHE/coredns-$COREDNS_VERSION" ;;
    helm) echo "$NODE_BIN_CACHE/helm-$HELM_VERSION" ;;
    grpcurl) echo "$NODE_BIN_CACHE/grpcurl-$GRPCURL_VERSION" ;;
    pause) echo "$NODE_BIN_CACHE/pause-$PAUSE_VERSION-r$PAUSE_REVISION" ;;
    netcheck) echo "$NODE_BIN_CACHE/netcheck-r$NETCHECK_REVISION" ;;
    local-path-provisioner) echo "$NODE_BIN_CACHE/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION" ;;
    *) return 1 ;;
  esac
}

bin_path() {
  local name="$1" k
  for k in "${KUBE_NAMES[@]}"; do
    if [[ "$k" == "$name" ]]; then
      echo "$KUBE_DIR/$name"
      return 0
    fi
  done
  local d
  d="$(bin_dir "$name")" || die "unknown binary '$name' (known: ${KUBE_NAMES[*]} ${OTHER_NAMES[*]})"
  echo "$d/$name"
}

# The version line a good binary prints (a substring match).
want_version() {
  case "$1" in
    coredns) echo "CoreDNS-${COREDNS_VERSION}" ;;
    helm) echo "v${HELM_VERSION}" ;;
    grpcurl) echo "grpcurl v${GRPCURL_VERSION}" ;;
    pause) echo "pause ${PAUSE_VERSION} (redisgrpc r${PAUSE_REVISION})" ;;
    netcheck) echo "netcheck redisgrpc r${NETCHECK_REVISION}" ;;
    # urfave/cli's --version: "<basename of argv[0]> version <main.VERSION>"
    local-path-provisioner) echo "local-path-provisioner version v${LOCAL_PATH_PROVISIONER_VERSION}" ;;
  esac
}

version_of() {
  local bin="$1" out
  case "$(basename "$bin")" in
    helm) out="$("$bin" version --short 2>/dev/null)" || return 1 ;;
    grpcurl) out="$("$bin" -version 2>&1)" || return 1 ;;
    *) out="$("$bin" --version 2>/dev/null)" || return 1 ;;
  esac
  printf '%s\n' "${out%%$'\n'*}"
}

bin_ok() {
  local name="$1" quiet="${2:-}" bin out
  bin="$(bin_path "$name")"
  if [[ ! -x "$bin" ]]; then
    [[ -n "$quiet" ]] || log "missing: $bin"
    return 1
  fi
  if ! out="$(version_of "$bin")" || [[ "$out" != *"$(want_version "$name")"* ]]; then
    [[ -n "$quiet" ]] || log "wrong or no version from $bin: '${out:-}' (want '$(want_version "$name")')"
    return 1
  fi
}

# ------------------------------------------------------------------ generated sources

write_pause() {
  cat >"$1/main.go" <<'EOF'
// Generated by hack/node-binaries.sh: the pod sandbox ("pause") process. It holds the pod's
// namespaces, exits 0 on SIGINT/SIGTERM and, as PID 1 of the pod, reaps orphaned zombies.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-v") {
		fmt.Printf("pause %s\n", version)
		return
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			fmt.Fprintf(os.Stderr, "pause: shutting down, got signal %v\n", s)
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
EOF
}

write_netcheck() {
  cat >"$1/main.go" <<'EOF'
// Generated by hack/node-binaries.sh: a static probe to run in pods of the local node, where
// no image has a shell toolbox. Pure-Go resolver (reads the pod's /etc/resolv.conf, honours
// search and ndots), exit status 0 on success, 1 on failure.
//
//	netcheck [-for DURATION] lookup NAME           resolve NAME, print the addresses
//	netcheck [-for DURATION] tcp HOST:PORT         open a TCP connection
//	netcheck [-for DURATION] redis HOST:PORT       send PING, expect +PONG
//	netcheck [-for DURATION] apiserver [URL]       GET URL (default https://kubernetes.default.svc/version)
//	                                               with the pod's service-account token and CA
//	netcheck serve ADDR                            HTTP server answering "ok <hostname>"
//
// -for retries the check until it succeeds or DURATION has passed (default: one attempt).
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

var version = "dev"

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	retryFor := flag.Duration("for", 0, "retry until success or this much time has passed")
	showVersion := flag.Bool("version", false, "print the version")
	flag.Parse()
	if *showVersion {
		fmt.Printf("netcheck %s\n", version)
		return
	}
	args := flag.Args()
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: netcheck [-for DURATION] lookup|tcp|redis|apiserver|serve ARG")
		os.Exit(2)
	}
	if args[0] == "serve" && len(args) == 2 {
		host, _ := os.Hostname()
		http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "ok %s\n", host) })
		fmt.Fprintln(os.Stderr, http.ListenAndServe(args[1], nil))
		os.Exit(1)
	}
	deadline := time.Now().Add(*retryFor)
	for attempt := 1; ; attempt++ {
		out, err := check(args)
		if err == nil {
			fmt.Println(out)
			return
		}
		if !time.Now().Before(deadline) {
			fmt.Fprintf(os.Stderr, "netcheck %s: failed after %d attempt(s): %v\n", strings.Join(args, " "), attempt, err)
			os.Exit(1)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func check(args []string) (string, error) {
	arg := func(def string) string {
		if len(args) > 1 {
			return args[1]
		}
		return def
	}
	switch args[0] {
	case "lookup":
		addrs, err := net.LookupHost(arg(""))
		if err != nil {
			return "", err
		}
		return strings.Join(addrs, " "), nil
	case "tcp":
		c, err := net.DialTimeout("tcp", arg(""), 3*time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		return "connected to " + c.RemoteAddr().String(), nil
	case "redis":
		c, err := net.DialTimeout("tcp", arg(""), 3*time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := io.WriteString(c, "PING\r\n"); err != nil {
			return "", err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(line) != "+PONG" {
			return "", fmt.Errorf("unexpected reply %q", line)
		}
		return "PONG", nil
	case "apiserver":
		return apiserver(arg("https://kubernetes.default.svc/version"))
	}
	return "", fmt.Errorf("unknown check %q", args[0])
}

func apiserver(url string) (string, error) {
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		return "", err
	}
	caPEM, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return "", errors.New("no certificate in ca.crt")
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return fmt.Sprintf("%s %s", resp.Status, strings.Join(strings.Fields(string(body)), " ")), nil
}
EOF
}

# The CoreDNS plugins compiled in: what a cluster DNS uses. CoreDNS's own main imports every
# plugin, with the cloud SDKs (Route 53, Azure, Cloud DNS, ...) that cost minutes to compile
# and that no offline node can use. Plugin order is fixed by core/dnsserver, not by this list.
COREDNS_PLUGINS=(
  cache errors health kubernetes loadbalance log loop metrics ready reload whoami
  forward hosts rewrite template metadata debug
)

write_coredns() {
  local p
  {
    echo "// Generated by hack/node-binaries.sh: CoreDNS with the plugins a cluster DNS needs."
    echo "package main"
    echo
    echo "import ("
    echo '	"github.com/coredns/coredns/coremain"'
    echo
    echo '	_ "github.com/coredns/coredns/core/dnsserver"'
    for p in "${COREDNS_PLUGINS[@]}"; do
      printf '\t_ "github.com/coredns/coredns/plugin/%s"\n' "$p"
    done
    echo ")"
    echo
    echo "func main() {"
    echo "	coremain.Run()"
    echo "}"
  } >"$1/main.go"
}

# ------------------------------------------------------------------ builds

# Fetches MODULE@VERSION, prints "dir gomod" of the module cache copy.
fetch_module() {
  local module="$1" version="$2" json rc=0 dir gomod
  json="$(cd "$WORK" && "$GO" mod download -json "${module}@v${version}" 2>&1)" || rc=$?
  dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  gomod="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  if ((rc != 0)) || [[ ! -d "$dir" ]] || [[ "$json" == *'"Error":'* ]]; then
    die "cannot fetch ${module}@v${version} through the module proxy ($("$GO" env GOPROXY)):
$json"
  fi
  echo "$dir $gomod"
}

# A wrapper module at $1 that requires $2@v$3, with the dependency's go.sum (so every
# dependency is pinned exactly as upstream tested it).
write_wrapper_mod() {
  local mod="$1" module="$2" version="$3" dir gomod go_directive
  read -r dir gomod < <(fetch_module "$module" "$version")
  [[ -z "$(grep -E '^[[:space:]]*replace[[:space:](]' "$gomod" || true)" ]] ||
    log "note: ${module} v${version} has replace directives, which a wrapper module ignores"
  go_directive="$(awk '$1 == "go" { print $2; exit }' "$gomod")"
  mkdir -p "$mod"
  {
    echo "// Generated by hack/node-binaries.sh; throw-away wrapper module."
    echo "module node-binaries.invalid/$(basename "$mod")"
    echo
    echo "go ${go_directive}"
    echo
    echo "require ${module} v${version}"
  } >"$mod/go.mod"
  cp "$dir/go.sum" "$mod/go.sum"
  chmod u+w "$mod/go.sum"
}

# Moves the freshly built $WORK/out/NAME into its cache directory (atomic rename) and checks it.
install_bin() {
  local name="$1" dir stage
  dir="$(bin_dir "$name")"
  mkdir -p "$NODE_BIN_CACHE"
  stage="$(mktemp -d "$NODE_BIN_CACHE/.${name}.tmp.XXXXXX")"
  cp "$WORK/out/$name" "$stage/$name"
  chmod 0755 "$stage" "$stage/$name"
  rm -rf "$dir"
  mv -T "$stage" "$dir"
  bin_ok "$name" || die "installed $name in $dir does not work"
  log "installed $dir/$name: $(version_of "$dir/$name")"
}

build_small() {
  local name="$1" version="$2" writer="$3" mod start
  mod="$WORK/$name"
  mkdir -p "$mod" "$WORK/out"
  printf '// Generated by hack/node-binaries.sh; throw-away module.\nmodule node-binaries.invalid/%s\n\ngo 1.22\n' "$name" >"$mod/go.mod"
  "$writer" "$mod"
  start=$SECONDS
  (cd "$mod" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w '-X=main.version=${version}'" -o "$WORK/out/$name" .) ||
    die "go build of $name failed"
  log "$name built in $((SECONDS - start))s"
}

build_coredns() {
  local mod="$WORK/coredns" start
  log "building CoreDNS v${COREDNS_VERSION} (${#COREDNS_PLUGINS[@]} plugins) with $("$GO" version)"
  write_wrapper_mod "$mod" github.com/coredns/coredns "$COREDNS_VERSION"
  write_coredns "$mod"
  mkdir -p "$WORK/out"
  start=$SECONDS
  (
    cd "$mod" || exit 1
    export CGO_ENABLED=0
    # (errexit does not apply inside "( ... ) || die": every step says || exit.)
    "$GO" mod tidy >&2 || exit 1
    "$GO" build -trimpath -ldflags "-s -w" -o "$WORK/out/coredns" . || exit 1
  ) || die "go build of CoreDNS v${COREDNS_VERSION} failed"
  log "coredns built in $((SECONDS - start))s"
}

# Builds $WORK/out/NAME from PACKAGE of MODULE@vVERSION, static, through a wrapper module
# that requires MODULE with upstream's go.sum, with the given -ldflags.
build_module_binary() {
  local name="$1" module="$2" version="$3" package="$4" ldflags="$5" mod="$WORK/$1" start
  log "building $name v${version} with $("$GO" version)"
  write_wrapper_mod "$mod" "$module" "$version"
  mkdir -p "$WORK/out"
  start=$SECONDS
  (
    cd "$mod"
    CGO_ENABLED=0 "$GO" build -mod=mod -trimpath -ldflags "$ldflags" -o "$WORK/out/$name" "$package"
  ) || die "go build of $name v${version} failed"
  log "$name built in $((SECONDS - start))s"
}

build_helm() {
  local pkg=helm.sh/helm/v3 minor="${KUBE_VERSION#1.}"
  minor="${minor%%.*}"
  # The same -X stamps as helm's Makefile (version, and the Kubernetes version used by
  # `helm template`/lint when no cluster is asked).
  local ldflags="-s -w -X ${pkg}/internal/version.version=v${HELM_VERSION} -X ${pkg}/internal/version.gitTreeState=clean"
  ldflags+=" -X ${pkg}/pkg/lint/rules.k8sVersionMajor=1 -X ${pkg}/pkg/lint/rules.k8sVersionMinor=${minor}"
  ldflags+=" -X ${pkg}/pkg/chartutil.k8sVersionMajor=1 -X ${pkg}/pkg/chartutil.k8sVersionMinor=${minor}"
  build_module_binary helm "$pkg" "$HELM_VERSION" "${pkg}/cmd/helm" "$ldflags"
}

# grpcurl as upstream's Makefile builds it (main.version stamped).
build_grpcurl() {
  local pkg=github.com/fullstorydev/grpcurl
  build_module_binary grpcurl "$pkg" "$GRPCURL_VERSION" "${pkg}/cmd/grpcurl" "-s -w -X main.version=v${GRPCURL_VERSION}"
}

# Rancher's local-path provisioner as upstream builds it (main.VERSION stamped); its main
# package is the module root.
build_local_path_provisioner() {
  local pkg=github.com/rancher/local-path-provisioner
  build_module_binary local-path-provisioner "$pkg" "$LOCAL_PATH_PROVISIONER_VERSION" "$pkg" \
    "-s -w -X main.VERSION=v${LOCAL_PATH_PROVISIONER_VERSION}"
}

ensure_one() {
  local name="$1"
  case "$name" in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | etcd | kubelet | kube-proxy)
      KUBE_VERSION="$KUBE_VERSION" KUBE_API_TEST_DIR="$KUBE_API_TEST_DIR" KUBE_NODE_BINARIES=true \
        "$HACK_DIR/kube-test-binaries.sh" >&2
      return
      ;;
  esac
  bin_ok "$name" quiet && return 0
  mkdir -p "$NODE_BIN_CACHE"
  # Serialise concurrent runs on the same cache.
  exec 8>"$NODE_BIN_CACHE/.${name}.lock"
  if ! flock -n 8; then
    log "another run holds $NODE_BIN_CACHE/.${name}.lock; waiting for it"
    flock 8
  fi
  if bin_ok "$name" quiet; then
    exec 8>&-
    return 0
  fi
  find_go
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/node-binaries.XXXXXX")"
  case "$name" in
    coredns) build_coredns ;;
    helm) build_helm ;;
    grpcurl) build_grpcurl ;;
    pause) build_small pause "${PAUSE_VERSION} (redisgrpc r${PAUSE_REVISION})" write_pause ;;
    netcheck) build_small netcheck "redisgrpc r${NETCHECK_REVISION}" write_netcheck ;;
    local-path-provisioner) build_local_path_provisioner ;;
  esac
  install_bin "$name"
  rm -rf "$WORK"
  WORK=""
  exec 8>&-
}

ensure_all() {
  local n
  ensure_one kubelet # all Kubernetes binaries at once
  for n in pause netcheck coredns helm grpcurl local-path-provisioner; do
    ensure_one "$n"
  done
  log "all node binaries present (Kubernetes in $KUBE_DIR, the others in $NODE_BIN_CACHE)"
}

main() {
  trap cleanup EXIT
  local cmd="${1:-ensure}"
  case "$cmd" in
    ensure)
      ensure_all
      ;;
    path)
      [[ $# -eq 2 ]] || die "usage: $0 path NAME"
      bin_path "$2" >/dev/null
      ensure_one "$2"
      bin_path "$2"
      ;;
    list)
      ensure_all
      local n
      for n in "${KUBE_NAMES[@]}" "${OTHER_NAMES[@]}"; do
        printf '%s %s\n' "$n" "$(bin_path "$n")"
      done
      ;;
    -h | --help | help)
      sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
      ;;
    *) die "unknown command '$cmd' (ensure | path NAME | list)" ;;
  esac
}

main "$@"
