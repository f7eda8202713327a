#!/usr/bin/env bash
# Provision the control-plane binaries that fabric8 io.fabric8:kube-api-test
# (7.5.x) runs: kube-apiserver, etcd and kubectl (plus kube-controller-manager)
# in the layout it expects:
#
#   $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl,kube-controller-manager}
#
# Order of attempts:
#   1. cache hit: all binaries present and answering --version (with the right
#      Kubernetes version)  -> exit 0 at once;
#   2. KUBE_BINARIES_DOWNLOAD=true: official release binaries from dl.k8s.io and
#      the etcd GitHub release (sha256-verified); on any failure fall through;
#   3. build from source through the Go module proxy: a throw-away wrapper
#      module requires k8s.io/kubernetes v$KUBE_VERSION and pins every staging
#      module (k8s.io/api, apimachinery, ...) to v0.<minor>.<patch>; etcd is
#      built from a second wrapper module around go.etcd.io/etcd/server/v3 at
#      the version that Kubernetes release's go.mod uses.
#
# Environment:
#   KUBE_VERSION            Kubernetes version, default 1.34.10 (a leading "v" is ignored)
#   KUBE_API_TEST_DIR       default ~/.kubeapitest
#   KUBE_BINARIES_DOWNLOAD  "true" to try the official downloads first (default false)
#   ETCD_VERSION            override the etcd version (default: from k8s go.mod)
#   GO                      go command to use (default: go on PATH, else /usr/local/go/bin/go)
#   GOPROXY, GOMODCACHE, GOCACHE, ... are honoured as usual; the default module
#   and build caches under $HOME make reruns fast.
#
# Linux/amd64 only (that is the directory name kube-api-test looks for).
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.34.10}"
KUBE_VERSION="${KUBE_VERSION#v}"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
KUBE_BINARIES_DOWNLOAD="${KUBE_BINARIES_DOWNLOAD:-false}"
ETCD_VERSION="${ETCD_VERSION:-}"
ETCD_VERSION="${ETCD_VERSION#v}"

PLATFORM="linux-amd64"
K8S_DIR="$KUBE_API_TEST_DIR/k8s"
TARGET_DIR="$K8S_DIR/${KUBE_VERSION}-${PLATFORM}"
BINARIES=(kube-apiserver etcd kubectl kube-controller-manager)

log() { printf '[kube-test-binaries] %s\n' "$*" >&2; }
warn() { printf '[kube-test-binaries] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[kube-test-binaries] ERROR: %s\n' "$*" >&2
  exit 1
}

if [[ ! "$KUBE_VERSION" =~ ^1\.([0-9]+)\.([0-9]+)$ ]]; then
  die "KUBE_VERSION must look like 1.34.10 (got '$KUBE_VERSION')"
fi
KUBE_MINOR="${BASH_REMATCH[1]}"
KUBE_PATCH="${BASH_REMATCH[2]}"
STAGING_VERSION="v0.${KUBE_MINOR}.${KUBE_PATCH}"

if [[ "$(uname -s)" != "Linux" || "$(uname -m)" != "x86_64" ]]; then
  warn "host is $(uname -s)/$(uname -m); binaries are for ${PLATFORM} and may not run here"
fi

# Prints the version line of one binary, or fails.
binary_version() {
  local bin="$1"
  case "$(basename "$bin")" in
    kubectl) "$bin" version --client 2>/dev/null | head -n1 ;;
    *) "$bin" --version 2>/dev/null | head -n1 ;;
  esac
}

# True if every binary exists in $1, runs, and the Kubernetes ones report v$KUBE_VERSION.
binaries_ok() {
  local dir="$1" quiet="${2:-}" b out
  for b in "${BINARIES[@]}"; do
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
    log "  $b: $(binary_version "$dir/$b" | tr -s ' ')"
  done
}

# ---------------------------------------------------------------- 1. cache hit
if binaries_ok "$TARGET_DIR" quiet; then
  log "cache hit: binaries for Kubernetes v${KUBE_VERSION} already in $TARGET_DIR"
  exit 0
fi

mkdir -p "$K8S_DIR" || die "cannot create $K8S_DIR"

# Serialise concurrent runs (e.g. two test JVMs/CI steps) on the same directory.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$K8S_DIR/.kube-test-binaries.lock"
  if ! flock -n 9; then
    log "another run holds $K8S_DIR/.kube-test-binaries.lock; waiting for it"
    flock 9
  fi
  if binaries_ok "$TARGET_DIR" quiet; then
    log "cache hit (installed by a concurrent run): $TARGET_DIR"
    exit 0
  fi
fi

log "provisioning Kubernetes v${KUBE_VERSION} binaries into $TARGET_DIR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kube-test-binaries.XXXXXX")"
STAGE=""
cleanup() {
  rm -rf "$WORK"
  if [[ -n "$STAGE" ]]; then rm -rf "$STAGE"; fi
}
trap cleanup EXIT
OUT="$WORK/bin"
mkdir -p "$OUT"

# Move the binaries in $OUT into $TARGET_DIR: stage in a sibling directory (same
# file system), then rename the whole directory, or each file if it exists.
install_binaries() {
  local b
  STAGE="$(mktemp -d "$K8S_DIR/.${KUBE_VERSION}-${PLATFORM}.tmp.XXXXXX")"
  for b in "${BINARIES[@]}"; do
    cp "$OUT/$b" "$STAGE/$b"
    chmod 0755 "$STAGE/$b"
  done
  chmod 0755 "$STAGE"
  if [[ -d "$TARGET_DIR" ]]; then
    for b in "${BINARIES[@]}"; do
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

GO="${GO:-}"
if [[ -z "$GO" ]]; then
  if command -v go >/dev/null 2>&1; then
    GO="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then
    GO=/usr/local/go/bin/go
  fi
fi

K8S_GOMOD=""
# Path of k8s.io/kubernetes's go.mod in the module cache (fetches only the .mod).
k8s_gomod() {
  if [[ -z "$K8S_GOMOD" ]]; then
    [[ -n "$GO" ]] || die "no Go toolchain found (set GO=/path/to/go)"
    local json
    json="$(cd "$WORK" && "$GO" list -m -json "k8s.io/kubernetes@v${KUBE_VERSION}" 2>&1)" ||
      die "cannot resolve k8s.io/kubernetes@v${KUBE_VERSION} through the Go module proxy (GOPROXY=$("$GO" env GOPROXY)):
$json"
    K8S_GOMOD="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -f "$K8S_GOMOD" ]] || die "could not locate go.mod of k8s.io/kubernetes@v${KUBE_VERSION}:
$json"
  fi
  printf '%s\n' "$K8S_GOMOD"
}

resolve_etcd_version() {
  if [[ -z "$ETCD_VERSION" ]]; then
    ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" { sub(/^v/, "", $2); print $2; exit }' "$(k8s_gomod)")"
    [[ -n "$ETCD_VERSION" ]] || die "no go.etcd.io/etcd/server/v3 requirement in $(k8s_gomod); set ETCD_VERSION"
  fi
}

# ------------------------------------------------------------- 2. download
download_release() {
  command -v curl >/dev/null 2>&1 || { warn "curl not found"; return 1; }
  local dl=(curl -fsSL --retry 2 --connect-timeout 15 --max-time 900)
  local base="https://dl.k8s.io/release/v${KUBE_VERSION}/bin/linux/amd64" b sum
  for b in kube-apiserver kube-controller-manager kubectl; do
    log "downloading $base/$b"
    "${dl[@]}" -o "$OUT/$b" "$base/$b" || return 1
    sum="$("${dl[@]}" "$base/$b.sha256")" || return 1
    echo "${sum%% *}  $OUT/$b" | sha256sum -c --quiet - || { warn "checksum mismatch for $b"; return 1; }
    chmod 0755 "$OUT/$b"
  done
  if [[ -z "$ETCD_VERSION" ]]; then
    if [[ -n "$GO" ]]; then
      resolve_etcd_version
    else
      warn "ETCD_VERSION not set and no Go to read it from k8s go.mod"
      return 1
    fi
  fi
  local tgz="etcd-v${ETCD_VERSION}-linux-amd64.tar.gz"
  local ebase="https://github.com/etcd-io/etcd/releases/download/v${ETCD_VERSION}"
  log "downloading $ebase/$tgz"
  "${dl[@]}" -o "$WORK/$tgz" "$ebase/$tgz" || return 1
  "${dl[@]}" -o "$WORK/SHA256SUMS" "$ebase/SHA256SUMS" || return 1
  (cd "$WORK" && grep " ${tgz}\$" SHA256SUMS | sha256sum -c --quiet -) || { warn "checksum mismatch for $tgz"; return 1; }
  tar -xzf "$WORK/$tgz" -C "$WORK" "etcd-v${ETCD_VERSION}-linux-amd64/etcd" || return 1
  mv "$WORK/etcd-v${ETCD_VERSION}-linux-amd64/etcd" "$OUT/etcd"
  chmod 0755 "$OUT/etcd"
  binaries_ok "$OUT"
}

if [[ "$KUBE_BINARIES_DOWNLOAD" == "true" ]]; then
  log "KUBE_BINARIES_DOWNLOAD=true: trying official release binaries"
  if download_release; then
    install_binaries
    exit 0
  fi
  warn "download failed; falling back to building from source"
  rm -rf "$OUT" && mkdir -p "$OUT"
fi

# ------------------------------------------------------------- 3. build from source
[[ -n "$GO" ]] || die "no Go toolchain found (put go on PATH or set GO=/path/to/go)"
log "building from source with $("$GO" version) (GOPROXY=$("$GO" env GOPROXY))"
log "module cache $("$GO" env GOMODCACHE), build cache $("$GO" env GOCACHE)"

GOMOD_FILE="$(k8s_gomod)"
resolve_etcd_version

# Modules that k8s.io/kubernetes replaces with ./staging/src/k8s.io/<name>.
mapfile -t STAGING < <(awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$GOMOD_FILE" | sort -u)
((${#STAGING[@]} > 0)) || die "found no staging replace directives in $GOMOD_FILE"
GO_DIRECTIVE="$(awk '$1 == "go" { print $2; exit }' "$GOMOD_FILE")"
GODEBUG_LINES="$(grep -E '^godebug[[:space:]]' "$GOMOD_FILE" || true)"
log "k8s.io/kubernetes v${KUBE_VERSION}: go ${GO_DIRECTIVE}, etcd v${ETCD_VERSION}, ${#STAGING[@]} staging modules pinned to ${STAGING_VERSION}"

# Version stamping, like hack/lib/version.sh does; clients check /version.
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${pkg}.gitVersion=v${KUBE_VERSION}"
  LDFLAGS+=" -X ${pkg}.gitMajor=1"
  LDFLAGS+=" -X ${pkg}.gitMinor=${KUBE_MINOR}"
  LDFLAGS+=" -X ${pkg}.gitTreeState=clean"
  LDFLAGS+=" -X ${pkg}.buildDate=${BUILD_DATE}"
done

export CGO_ENABLED=0 GOOS=linux GOARCH=amd64

K8S_MOD="$WORK/kubernetes"
mkdir -p "$K8S_MOD"
{
  echo "// Generated by hack/kube-test-binaries.sh; throw-away wrapper module."
  echo "module kube-test-binaries.invalid/kubernetes"
  echo
  echo "go ${GO_DIRECTIVE}"
  [[ -z "$GODEBUG_LINES" ]] || printf '\n%s\n' "$GODEBUG_LINES"
  echo
  echo "require k8s.io/kubernetes v${KUBE_VERSION}"
  echo
  echo "replace ("
  for m in "${STAGING[@]}"; do
    echo "	${m} => ${m} ${STAGING_VERSION}"
  done
  echo ")"
} >"$K8S_MOD/go.mod"

START=$SECONDS
log "building kube-apiserver, kube-controller-manager, kubectl (can take 10-30 min cold on 2 cores)"
(
  cd "$K8S_MOD"
  "$GO" build -mod=mod -trimpath -ldflags "$LDFLAGS" -o "$OUT/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl
) || die "go build of Kubernetes v${KUBE_VERSION} failed (wrapper go.mod was:
$(cat "$K8S_MOD/go.mod"))"
log "Kubernetes binaries built in $((SECONDS - START))s"

ETCD_MOD="$WORK/etcd"
mkdir -p "$ETCD_MOD"
cat >"$ETCD_MOD/go.mod" <<EOF
// Generated by hack/kube-test-binaries.sh; throw-away wrapper module.
module kube-test-binaries.invalid/etcd

go ${GO_DIRECTIVE}

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
EOF
cat >"$ETCD_MOD/main.go" <<'EOF'
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

START=$SECONDS
log "building etcd v${ETCD_VERSION}"
(
  cd "$ETCD_MOD"
  "$GO" build -mod=mod -trimpath -ldflags "-s -w" -o "$OUT/etcd" .
) || die "go build of etcd v${ETCD_VERSION} failed"
log "etcd built in $((SECONDS - START))s"

binaries_ok "$OUT" || die "freshly built binaries in $OUT do not work"
install_binaries
