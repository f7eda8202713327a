#!/usr/bin/env bash
# Provision the control-plane binaries that fabric8 io.fabric8:kube-api-test
# (7.5.x) runs: kube-apiserver, etcd and kubectl (plus kube-controller-manager)
# in the layout it expects:
#
#   $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl,kube-controller-manager}
#
# With KUBE_NODE_BINARIES=true it also provides, in the same directory and from the same
# go build (so the shared packages compile once), what a real node needs (hack/node.sh):
# kubelet, kube-proxy and kube-scheduler. Only binaries that are missing or wrong are built,
# so adding the node binaries to a cache made without them does not rebuild the others.
#
# Order of attempts:
#   1. cache hit: all binaries present, answering --version, and the Kubernetes
#      ones reporting v$KUBE_VERSION -> exit 0 at once;
#   2. KUBE_BINARIES_DOWNLOAD=true: official release binaries from dl.k8s.io and
#      the etcd GitHub release (sha256-verified); on any failure fall through;
#   3. build from source through the Go module proxy: a throw-away wrapper
#      module requires k8s.io/kubernetes v$KUBE_VERSION and pins every staging
#      module (k8s.io/api, apimachinery, ...; the ones k8s.io/kubernetes's go.mod
#      replaces with ./staging/src/...) to v0.<minor>.<patch>; etcd is built
#      from a second wrapper module around go.etcd.io/etcd/server/v3 at the
#      version that Kubernetes release's go.mod requires.
#
# Environment:
#   KUBE_VERSION            Kubernetes version, default 1.34.10 (a leading "v" is ignored)
#   KUBE_API_TEST_DIR       default ~/.kubeapitest
#   KUBE_BINARIES_DOWNLOAD  "true" to try the official downloads first (default false)
#   KUBE_NODE_BINARIES      "true" to also provide kubelet, kube-proxy, kube-scheduler (default false)
#   ETCD_VERSION            override the etcd version (default: from k8s go.mod)
#   GO                      go command (default: go on PATH, else /usr/local/go/bin/go)
#   GOPROXY, GOMODCACHE, GOCACHE, ... are honoured as usual; the default module
#   and build caches under $HOME make reruns fast (cold build ~7 min on 2 cores).
#
# Linux/amd64 only (that is the directory name kube-api-test looks for).
set -euo pipefail

# Everything runs inside main() so bash has parsed the whole file before it
# starts: editing or checking out this file while it runs is harmless.

KUBE_VERSION="${KUBE_VERSION:-1.34.10}"
KUBE_VERSION="${KUBE_VERSION#v}"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
KUBE_BINARIES_DOWNLOAD="${KUBE_BINARIES_DOWNLOAD:-false}"
KUBE_NODE_BINARIES="${KUBE_NODE_BINARIES:-false}"
ETCD_VERSION="${ETCD_VERSION:-}"
ETCD_VERSION="${ETCD_VERSION#v}"
GO="${GO:-}"

PLATFORM="linux-amd64"
K8S_DIR="$KUBE_API_TEST_DIR/k8s"
TARGET_DIR="$K8S_DIR/${KUBE_VERSION}-${PLATFORM}"
BINARIES=(kube-apiserver etcd kubectl kube-controller-manager)
NODE_BINARIES=(kubelet kube-proxy kube-scheduler)
# The subset of BINARIES that is missing or broken in TARGET_DIR (set in main); only these are
# downloaded or built.
NEEDED=()

KUBE_MINOR=""
STAGING_VERSION=""
WORK=""
OUT=""
STAGE=""
K8S_GOMOD=""
K8S_COMMIT=""

log() { printf '[kube-test-binaries] %s\n' "$*" >&2; }
warn() { printf '[kube-test-binaries] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[kube-test-binaries] ERROR: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi
  if [[ -n "$STAGE" ]]; then rm -rf "$STAGE"; fi
}

# Prints the first version line of one binary, or fails. (No "| head": with
# pipefail, SIGPIPE on etcd's multi-line output would make it fail at random.)
binary_version() {
  local bin="$1" out
  case "$(basename "$bin")" in
    kubectl) out="$("$bin" version --client 2>/dev/null)" || return 1 ;;
    *) out="$("$bin" --version 2>/dev/null)" || return 1 ;;
  esac
  printf '%s\n' "${out%%$'\n'*}"
}

# True if every binary exists in $1, runs, and the Kubernetes ones report v$KUBE_VERSION.
# Checks BINARIES, or the names given after the two first arguments.
binaries_ok() {
  local dir="$1" quiet="${2:-}" b out
  shift 2 || shift $#
  local names=("$@")
  ((${#names[@]} > 0)) || names=("${BINARIES[@]}")
  for b in "${names[@]}"; do
    if [[ ! -x "$dir/$b" ]]; then
      [[ -n "$quiet" ]] || log "missing: $dir/$b"
      return 1
    fi
    if ! out="$(binary_version "$dir/$b")" || [[ -z "$out" ]]; then
      [[ -n "$quiet" ]] || log "does not run: $dir/$b"
      return 1
    fi
    if [[ "$b" != etcd && "$out" != *"v${KUBE_VERSION}"* ]]; then
      [[ -n "$quiet" ]] || log "wrong version from $dir/$b: '$out' (want v${KUBE_VERSION})"
      return 1
    fi
  done
}

print_versions() {
  local dir="$1" b
  for b in "${BINARIES[@]}"; do
    log "  $b: $(binary_version "$dir/$b")"
  done
}

# Sets NEEDED to the binaries that are missing or broken in TARGET_DIR.
compute_needed() {
  local b
  NEEDED=()
  for b in "${BINARIES[@]}"; do
    binaries_ok "$TARGET_DIR" quiet "$b" || NEEDED+=("$b")
  done
}

needed() {
  local want="$1" b
  for b in "${NEEDED[@]}"; do
    [[ "$b" != "$want" ]] || return 0
  done
  return 1
}

# Move the binaries in $OUT into $TARGET_DIR: stage them in a sibling directory
# (same file system, name not ending in -linux-amd64 so kube-api-test ignores
# it), then rename the whole directory, or each file if the directory exists.
install_binaries() {
  local b
  STAGE="$(mktemp -d "$K8S_DIR/.${KUBE_VERSION}-${PLATFORM}.tmp.XXXXXX")"
  for b in "${NEEDED[@]}"; do
    cp "$OUT/$b" "$STAGE/$b"
    chmod 0755 "$STAGE/$b"
  done
  chmod 0755 "$STAGE"
  if [[ -d "$TARGET_DIR" ]]; then
    for b in "${NEEDED[@]}"; do
      mv -f "$STAGE/$b" "$TARGET_DIR/$b"
    done
    rm -rf "$STAGE"
  else
    mv -T "$STAGE" "$TARGET_DIR"
  fi
  STAGE=""
  binaries_ok "$TARGET_DIR" || die "installed binaries in $TARGET_DIR do not work"
  log "installed into $TARGET_DIR:"
  print_versions "$TARGET_DIR"
}

find_go() {
  if [[ -z "$GO" ]]; then
    if command -v go >/dev/null 2>&1; then
      GO="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then
      GO=/usr/local/go/bin/go
    fi
  fi
}

# Sets K8S_GOMOD (k8s.io/kubernetes's go.mod in the module cache) and
# K8S_COMMIT (its git commit, when the proxy reports an Origin). Uses
# "go mod download": "go list -m" neither fetches nor verifies the .mod file.
ensure_k8s_gomod() {
  [[ -z "$K8S_GOMOD" ]] || return 0
  [[ -n "$GO" ]] || die "no Go toolchain found (put go on PATH or set GO=/path/to/go)"
  local json rc=0
  log "fetching k8s.io/kubernetes@v${KUBE_VERSION} through the Go module proxy"
  json="$(cd "$WORK" && "$GO" mod download -json "k8s.io/kubernetes@v${KUBE_VERSION}" 2>&1)" || rc=$?
  K8S_GOMOD="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  if ((rc != 0)) || [[ ! -f "$K8S_GOMOD" ]] || [[ "$json" == *'"Error":'* ]]; then
    die "cannot fetch k8s.io/kubernetes@v${KUBE_VERSION} (GOPROXY=$("$GO" env GOPROXY)); is that version on the proxy and in the checksum database?
$json"
  fi
  K8S_COMMIT="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{40\}\)",\{0,1\}$/\1/p')"
  if [[ -z "$K8S_COMMIT" ]]; then
    K8S_COMMIT="$(sed -n 's/.*"Hash":"\([0-9a-f]\{40\}\)".*/\1/p' "${K8S_GOMOD%.mod}.info" 2>/dev/null || true)"
  fi
}

resolve_etcd_version() {
  if [[ -z "$ETCD_VERSION" ]]; then
    ensure_k8s_gomod
    ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" { sub(/^v/, "", $2); print $2; exit }' "$K8S_GOMOD")"
    [[ -n "$ETCD_VERSION" ]] || die "no go.etcd.io/etcd/server/v3 requirement in $K8S_GOMOD; set ETCD_VERSION"
  fi
}

# ------------------------------------------------------------- 2. download
download_release() {
  command -v curl >/dev/null 2>&1 || {
    warn "curl not found"
    return 1
  }
  local dl=(curl -fsSL --retry 2 --connect-timeout 15 --max-time 900)
  local base="https://dl.k8s.io/release/v${KUBE_VERSION}/bin/linux/amd64" b sum
  for b in "${NEEDED[@]}"; do
    [[ "$b" != etcd ]] || continue
    log "downloading $base/$b"
    "${dl[@]}" -o "$OUT/$b" "$base/$b" || return 1
    sum="$("${dl[@]}" "$base/$b.sha256")" || return 1
    echo "${sum%% *}  $OUT/$b" | sha256sum -c --quiet - || {
      warn "checksum mismatch for $b"
      return 1
    }
    chmod 0755 "$OUT/$b"
  done
  if ! needed etcd; then
    binaries_ok "$OUT" "" "${NEEDED[@]}"
    return
  fi
  if [[ -z "$ETCD_VERSION" ]]; then
    if [[ -z "$GO" ]]; then
      warn "ETCD_VERSION not set and no Go to read it from k8s.io/kubernetes's go.mod"
      return 1
    fi
    resolve_etcd_version
  fi
  local tgz="etcd-v${ETCD_VERSION}-linux-amd64.tar.gz"
  local ebase="https://github.com/etcd-io/etcd/releases/download/v${ETCD_VERSION}"
  log "downloading $ebase/$tgz"
  "${dl[@]}" -o "$WORK/$tgz" "$ebase/$tgz" || return 1
  "${dl[@]}" -o "$WORK/SHA256SUMS" "$ebase/SHA256SUMS" || return 1
  (cd "$WORK" && grep " ${tgz}\$" SHA256SUMS | sha256sum -c --quiet -) || {
    warn "checksum mismatch for $tgz"
    return 1
  }
  tar -xzf "$WORK/$tgz" -C "$WORK" "etcd-v${ETCD_VERSION}-linux-amd64/etcd" || return 1
  mv "$WORK/etcd-v${ETCD_VERSION}-linux-amd64/etcd" "$OUT/etcd"
  chmod 0755 "$OUT/etcd"
  binaries_ok "$OUT" "" "${NEEDED[@]}"
}

# ------------------------------------------------------------- 3. build from source
build_from_source() {
  [[ -n "$GO" ]] || die "no Go toolchain found (put go on PATH or set GO=/path/to/go)"
  log "building from source with $("$GO" version) (GOPROXY=$("$GO" env GOPROXY))"
  log "module cache $("$GO" env GOMODCACHE), build cache $("$GO" env GOCACHE)"

  ensure_k8s_gomod
  if needed etcd; then resolve_etcd_version; fi

  # The Kubernetes commands to build: every needed binary but etcd.
  local cmds=() b
  for b in "${NEEDED[@]}"; do
    [[ "$b" == etcd ]] || cmds+=("k8s.io/kubernetes/cmd/$b")
  done

  # Modules that k8s.io/kubernetes replaces with ./staging/src/k8s.io/<name>;
  # a dependency's replace directives are ignored, so the wrapper must repeat them.
  local staging go_directive godebug_lines
  mapfile -t staging < <(awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$K8S_GOMOD" | sort -u)
  ((${#staging[@]} > 0)) || die "found no staging replace directives in $K8S_GOMOD"
  go_directive="$(awk '$1 == "go" { print $2; exit }' "$K8S_GOMOD")"
  godebug_lines="$(grep -E '^godebug[[:space:]]' "$K8S_GOMOD" || true)"
  log "k8s.io/kubernetes v${KUBE_VERSION} (commit ${K8S_COMMIT:-unknown}): go ${go_directive}, etcd v${ETCD_VERSION:-(cached)}," \
    "${#staging[@]} staging modules pinned to ${STAGING_VERSION}"

  # Version stamping as hack/lib/version.sh does it; clients check /version.
  # gitCommit stays empty (not the unexpanded "$Format:%H$") when unknown.
  local ldflags="-s -w" pkg m start
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=v${KUBE_VERSION}"
    ldflags+=" -X ${pkg}.gitCommit=${K8S_COMMIT}"
    ldflags+=" -X ${pkg}.gitMajor=1"
    ldflags+=" -X ${pkg}.gitMinor=${KUBE_MINOR}"
    ldflags+=" -X ${pkg}.gitTreeState=clean"
    ldflags+=" -X ${pkg}.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done

  export CGO_ENABLED=0 GOOS=linux GOARCH=amd64

  local k8s_mod="$WORK/kubernetes"
  mkdir -p "$k8s_mod"
  {
    echo "// Generated by hack/kube-test-binaries.sh; throw-away wrapper module."
    echo "module kube-test-binaries.invalid/kubernetes"
    echo
    echo "go ${go_directive}"
    [[ -z "$godebug_lines" ]] || printf '\n%s\n' "$godebug_lines"
    echo
    echo "require k8s.io/kubernetes v${KUBE_VERSION}"
    echo
    echo "replace ("
    for m in "${staging[@]}"; do
      printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"
    done
    echo ")"
  } >"$k8s_mod/go.mod"

  if ((${#cmds[@]} > 0)); then
    start=$SECONDS
    log "building ${cmds[*]##*/} (~7 min on 2 cores with cold caches, ~3 min more with the node binaries)"
    (
      cd "$k8s_mod"
      "$GO" build -mod=mod -trimpath -ldflags "$ldflags" -o "$OUT/" "${cmds[@]}"
    ) || die "go build of Kubernetes v${KUBE_VERSION} failed; wrapper go.mod was:
$(cat "$k8s_mod/go.mod")"
    log "Kubernetes binaries built in $((SECONDS - start))s"
  fi

  if ! needed etcd; then
    binaries_ok "$OUT" "" "${NEEDED[@]}" || die "freshly built binaries in $OUT do not work"
    return
  fi

  local etcd_mod="$WORK/etcd"
  mkdir -p "$etcd_mod"
  cat >"$etcd_mod/go.mod" <<EOF
// Generated by hack/kube-test-binaries.sh; throw-away wrapper module.
module kube-test-binaries.invalid/etcd

go ${go_directive}

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
EOF
  cat >"$etcd_mod/main.go" <<'EOF'
// Generated by hack/kube-test-binaries.sh: the etcd server binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
EOF

  start=$SECONDS
  log "building etcd v${ETCD_VERSION}"
  (
    cd "$etcd_mod"
    "$GO" build -mod=mod -trimpath -ldflags "-s -w" -o "$OUT/etcd" .
  ) || die "go build of etcd v${ETCD_VERSION} failed"
  log "etcd built in $((SECONDS - start))s"

  binaries_ok "$OUT" "" "${NEEDED[@]}" || die "freshly built binaries in $OUT do not work"
}

main() {
  if [[ ! "$KUBE_VERSION" =~ ^1\.([0-9]+)\.([0-9]+)$ ]]; then
    die "KUBE_VERSION must look like 1.34.10 (got '$KUBE_VERSION')"
  fi
  KUBE_MINOR="${BASH_REMATCH[1]}"
  STAGING_VERSION="v0.${KUBE_MINOR}.${BASH_REMATCH[2]}"

  case "$KUBE_NODE_BINARIES" in
    true) BINARIES+=("${NODE_BINARIES[@]}") ;;
    false | "") ;;
    *) die "KUBE_NODE_BINARIES must be true or false (got '$KUBE_NODE_BINARIES')" ;;
  esac

  if [[ "$(uname -s)" != "Linux" || "$(uname -m)" != "x86_64" ]]; then
    warn "host is $(uname -s)/$(uname -m); these binaries are for ${PLATFORM}"
  fi

  # 1. cache hit
  if binaries_ok "$TARGET_DIR" quiet; then
    log "cache hit: binaries for Kubernetes v${KUBE_VERSION} already in $TARGET_DIR"
    exit 0
  fi

  mkdir -p "$K8S_DIR" || die "cannot create $K8S_DIR"

  # Serialise concurrent runs (two test JVMs, CI steps) on the same directory.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$KUBE_API_TEST_DIR/.kube-test-binaries.lock"
    if ! flock -n 9; then
      log "another run holds $KUBE_API_TEST_DIR/.kube-test-binaries.lock; waiting for it"
      flock 9
    fi
    if binaries_ok "$TARGET_DIR" quiet; then
      log "cache hit (installed by a concurrent run): $TARGET_DIR"
      exit 0
    fi
  fi

  compute_needed
  log "provisioning Kubernetes v${KUBE_VERSION} binaries into $TARGET_DIR: ${NEEDED[*]}"
  trap cleanup EXIT
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/kube-test-binaries.XXXXXX")"
  OUT="$WORK/bin"
  mkdir -p "$OUT"
  find_go

  # 2. official downloads
  if [[ "$KUBE_BINARIES_DOWNLOAD" == "true" ]]; then
    log "KUBE_BINARIES_DOWNLOAD=true: trying official release binaries"
    if download_release; then
      install_binaries
      exit 0
    fi
    warn "download failed; falling back to building from source"
    rm -rf "$OUT" && mkdir -p "$OUT"
  fi

  # 3. source build
  build_from_source
  install_binaries
}

main "$@"
