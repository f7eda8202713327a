#!/usr/bin/env bash
# Build container images offline, from Debian's packages and the binaries of
# hack/node-binaries.sh, as docker-archive tars ("docker save" format) that both
#   ctr -n k8s.io images import FILE.tar        (hack/node.sh load FILE.tar)
# and Jib (as a base image: -Djib.from.image=tar://FILE.tar) accept. No registry is involved.
#
# Images (one layer each; references configurable, see Environment):
#   jre       localhost/redisgrpc/jre:17-debian12      debootstrap minbase + openjdk-17-jre-headless,
#                                                      ca-certificates; JAVA_HOME set, no USER, no
#                                                      entrypoint (Jib sets its own)
#   redis     localhost/redisgrpc/redis:7.0-debian12   debootstrap minbase + redis-server,
#                                                      redis-sentinel, redis-tools (Debian's 7.0.x);
#                                                      user/group redis = 999 as in the official image,
#                                                      /data owned by 999 and mode 1777 (works for any
#                                                      runAsUser), WORKDIR /data, CMD ["redis-server"],
#                                                      no entrypoint
#   pause     localhost/redisgrpc/pause:3.10           scratch + the static pause program (sandbox image)
#   coredns   localhost/redisgrpc/coredns:<ver>        scratch + coredns, ENTRYPOINT ["/coredns"]
#   netcheck  localhost/redisgrpc/netcheck:r<rev>      scratch + the netcheck probe, ENTRYPOINT ["/netcheck"]
#   local-path-provisioner
#             localhost/redisgrpc/local-path-provisioner:v<ver>
#                                                      scratch + Rancher's local-path provisioner
#                                                      (hack/node-binaries.sh), ENTRYPOINT
#                                                      ["/local-path-provisioner"]; hack/node.sh runs it
#                                                      behind the default StorageClass local-path. Its
#                                                      helper pods (mkdir/chmod/rm of the volume
#                                                      directories with sh) use the redis image: a
#                                                      Debian minbase with coreutils, so no extra image
#
# Usage:
#   hack/images.sh build [NAME...]   build the missing ones (default: all); logs on stderr only
#   hack/images.sh path NAME         build NAME if missing, print the absolute path of its tar
#   hack/images.sh ref NAME          print NAME's image reference (never builds)
#   hack/images.sh list              build all, print "NAME REF PATH" lines
#   hack/images.sh rootfs            build the minbase root filesystem tarball if missing, print its path
#
# Cache (under $IMAGES_CACHE, default ~/.cache/redisgrpc/images):
#   rootfs/<suite>-minbase-<YYYYMMDD>.tar   the debootstrap --variant=minbase root filesystem, made
#                                           once and shared by jre and redis (the newest one of the
#                                           suite is reused; IMAGES_NEW_ROOTFS=true makes a new one)
#   <name>.tar                              symlink to the current <name>-<key>.tar (a stable path
#                                           for Maven: tar://~/.cache/redisgrpc/images/jre.tar)
#   <name>-<key>.tar                        the images; <key> hashes the suite, the rootfs file, the
#                                           package list, the image reference, the binary version
#                                           (scratch images) and IMAGES_REVISION, so a change of any
#                                           of them builds a new tar
#   debs/                                   downloaded .deb files, reused by later debootstraps
#
# Reproducibility: every image layer is written by GNU tar with sorted names, numeric owners,
# no atime/ctime and every mtime clamped to SOURCE_DATE_EPOCH (midnight UTC of the rootfs date),
# and the image config's "created" is that same time, so the scratch images (pause, coredns,
# netcheck) are byte-for-byte reproducible from the same binaries. For jre and redis the layer
# is reproducible from the same file tree, but installing packages is not fully deterministic
# (the Java cacerts keystore records its creation time, debconf and dpkg databases can differ
# in order; package versions follow the mirror on the day of the build): rebuilding them on
# another day can give other digests. They are cached, so a machine keeps its images.
#
# Needs root (debootstrap, chroot) for jre and redis; the scratch images need no root.
#
# Environment:
#   IMAGES_CACHE       default ~/.cache/redisgrpc/images
#   IMAGE_PREFIX       default localhost/redisgrpc
#   JRE_IMAGE          default $IMAGE_PREFIX/jre:17-debian<N>
#   REDIS_IMAGE        default $IMAGE_PREFIX/redis:7.0-debian<N>
#   PAUSE_IMAGE        default $IMAGE_PREFIX/pause:3.10
#   COREDNS_IMAGE      default $IMAGE_PREFIX/coredns:$COREDNS_VERSION
#   NETCHECK_IMAGE     default $IMAGE_PREFIX/netcheck:r<rev>
#   LOCAL_PATH_PROVISIONER_IMAGE  default $IMAGE_PREFIX/local-path-provisioner:v$LOCAL_PATH_PROVISIONER_VERSION
#   DEBIAN_SUITE       default bookworm
#   DEBIAN_MIRROR      default: the first Debian URI in /etc/apt/sources.list(.d), else http://deb.debian.org/debian
#   DEBIAN_SECURITY_MIRROR  default: likewise for debian-security
#   IMAGES_NEW_ROOTFS  "true": debootstrap a fresh rootfs even if one of the suite is cached
#   COREDNS_VERSION, LOCAL_PATH_PROVISIONER_VERSION, NODE_BIN_CACHE, ...: passed to
#                      hack/node-binaries.sh
set -euo pipefail

# Everything runs inside main() so bash has parsed the whole file before it starts.

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGES_CACHE="${IMAGES_CACHE:-$HOME/.cache/redisgrpc/images}"
IMAGE_PREFIX="${IMAGE_PREFIX:-localhost/redisgrpc}"
DEBIAN_SUITE="${DEBIAN_SUITE:-bookworm}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-}"
IMAGES_NEW_ROOTFS="${IMAGES_NEW_ROOTFS:-false}"
COREDNS_VERSION="${COREDNS_VERSION:-1.13.1}"
COREDNS_VERSION="${COREDNS_VERSION#v}"
# Must match hack/node-binaries.sh's default (it builds the binary).
LOCAL_PATH_PROVISIONER_VERSION="${LOCAL_PATH_PROVISIONER_VERSION:-0.0.30}"
LOCAL_PATH_PROVISIONER_VERSION="${LOCAL_PATH_PROVISIONER_VERSION#v}"

# Bumped whenever what this script puts into an image changes.
IMAGES_REVISION=1
# Must match hack/node-binaries.sh (it names the netcheck tag).
NETCHECK_REVISION=1

JRE_PACKAGES=(openjdk-17-jre-headless ca-certificates)
REDIS_PACKAGES=(redis-server redis-sentinel redis-tools)
ALL_IMAGES=(jre redis pause coredns netcheck local-path-provisioner)

WORK=""
CHROOT=""

log() { printf '[images] %s\n' "$*" >&2; }
die() {
  printf '[images] ERROR: %s\n' "$*" >&2
  exit 1
}

# True if something is mounted at or below $1.
mounted_below() {
  local dir
  dir="$(realpath -m "$1")"
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}

unmount_chroot() {
  [[ -n "$CHROOT" ]] || return 0
  local m
  for m in proc dev/pts; do
    if mountpoint -q "$CHROOT/$m" 2>/dev/null; then
      umount "$CHROOT/$m" 2>/dev/null || umount -l "$CHROOT/$m" || true
    fi
  done
}

cleanup() {
  unmount_chroot
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    if mounted_below "$WORK"; then
      log "WARNING: something is still mounted below $WORK; leaving it in place"
    else
      rm -rf --one-file-system "$WORK"
    fi
  fi
}

debian_release_number() {
  case "$DEBIAN_SUITE" in
    bullseye) echo 11 ;;
    bookworm) echo 12 ;;
    trixie) echo 13 ;;
    *) echo "$DEBIAN_SUITE" ;;
  esac
}

ref_of() {
  local n
  n="$(debian_release_number)"
  case "$1" in
    jre) echo "${JRE_IMAGE:-$IMAGE_PREFIX/jre:17-debian$n}" ;;
    redis) echo "${REDIS_IMAGE:-$IMAGE_PREFIX/redis:7.0-debian$n}" ;;
    pause) echo "${PAUSE_IMAGE:-$IMAGE_PREFIX/pause:3.10}" ;;
    coredns) echo "${COREDNS_IMAGE:-$IMAGE_PREFIX/coredns:$COREDNS_VERSION}" ;;
    netcheck) echo "${NETCHECK_IMAGE:-$IMAGE_PREFIX/netcheck:r$NETCHECK_REVISION}" ;;
    local-path-provisioner)
      echo "${LOCAL_PATH_PROVISIONER_IMAGE:-$IMAGE_PREFIX/local-path-provisioner:v$LOCAL_PATH_PROVISIONER_VERSION}"
      ;;
    *) die "unknown image '$1' (known: ${ALL_IMAGES[*]})" ;;
  esac
}

# --------------------------------------------------------------------- Debian mirrors

# The URIs of the host's apt sources (deb822 .sources and one-line sources.list).
apt_uris() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
  done
  return 0
}

resolve_mirrors() {
  if [[ -z "$DEBIAN_MIRROR" ]]; then
    DEBIAN_MIRROR="$(apt_uris | grep -E '/debian/?$' | head -n1 || true)"
    DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  fi
  if [[ -z "$DEBIAN_SECURITY_MIRROR" ]]; then
    DEBIAN_SECURITY_MIRROR="$(apt_uris | grep -E '/debian-security/?$' | head -n1 || true)"
    DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
  fi
  DEBIAN_MIRROR="${DEBIAN_MIRROR%/}"
  DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR%/}"
}

need_root() {
  [[ "$(id -u)" == 0 ]] || die "$1 needs root (debootstrap and chroot)"
}

ensure_host_tools() {
  local missing=()
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
  if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# --------------------------------------------------------------------- rootfs

newest_rootfs() {
  local f
  f="$(ls -1 "$IMAGES_CACHE/rootfs/${DEBIAN_SUITE}-minbase-"[0-9]*.tar 2>/dev/null | sort | tail -n1 || true)"
  [[ -n "$f" && -s "$f" ]] && echo "$f"
}

ensure_rootfs() {
  local f
  if [[ "$IMAGES_NEW_ROOTFS" != true ]] && f="$(newest_rootfs)"; then
    echo "$f"
    return 0
  fi
  need_root "debootstrap"
  ensure_host_tools
  resolve_mirrors
  local date dir start
  date="$(date -u +%Y%m%d)"
  f="$IMAGES_CACHE/rootfs/${DEBIAN_SUITE}-minbase-${date}.tar"
  if [[ -s "$f" ]]; then
    echo "$f"
    return 0
  fi
  mkdir -p "$IMAGES_CACHE/rootfs" "$IMAGES_CACHE/debs"
  dir="$WORK/debootstrap"
  start=$SECONDS
  log "debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase --components=main --cache-dir="$IMAGES_CACHE/debs" \
    "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    die "debootstrap failed; last lines of its log:
$(tail -n 30 "$WORK/debootstrap.log")"
  mounted_below "$dir" && die "debootstrap left mounts below $dir"
  tar -C "$dir" --numeric-owner -cf "$f.tmp" .
  mv -f "$f.tmp" "$f"
  rm -rf --one-file-system "$dir"
  log "rootfs $f ($(du -h "$f" | cut -f1)) in $((SECONDS - start))s"
  echo "$f"
}

# SOURCE_DATE_EPOCH of a rootfs: midnight UTC of its date.
rootfs_epoch() {
  local base="${1##*/}" d
  d="${base##*-}"
  d="${d%.tar}"
  date -u -d "${d:0:4}-${d:4:2}-${d:6:2}T00:00:00Z" +%s
}

# --------------------------------------------------------------------- packing

# Writes the docker-archive $out for reference $ref from the directory $root (one layer).
# $config_extra is JSON members placed into the image config's "config" object.
pack_image() {
  local root="$1" ref="$2" epoch="$3" config_extra="$4" history="$5" labels="$6" out="$7"
  local arch="$WORK/archive" created layer_hex config_hex repo tag
  rm -rf "$arch"
  mkdir -p "$arch"
  created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
  # The layer: sorted, numeric owners, no atime/ctime, mtimes clamped; entries without "./".
  local entries=()
  mapfile -t entries < <(cd "$root" && LC_ALL=C ls -A)
  ((${#entries[@]} > 0)) || die "empty root filesystem in $root"
  (cd "$root" && LC_ALL=C tar --sort=name --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$epoch" --clamp-mtime --numeric-owner -cf "$arch/layer.tar" -- "${entries[@]}")
  layer_hex="$(sha256sum "$arch/layer.tar" | cut -d' ' -f1)"
  mv "$arch/layer.tar" "$arch/$layer_hex.tar"

  printf '{"architecture":"amd64","config":{%s,"Labels":{%s}},"created":"%s","history":[{"created":"%s","created_by":"%s"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$config_extra" "$labels" "$created" "$created" "$history" "$layer_hex" >"$arch/config.json"
  jq -e . "$arch/config.json" >/dev/null || die "generated image config is not JSON: $(cat "$arch/config.json")"
  config_hex="$(sha256sum "$arch/config.json" | cut -d' ' -f1)"
  mv "$arch/config.json" "$arch/$config_hex.json"

  repo="${ref%:*}"
  tag="${ref##*:}"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s.tar"]}]' "$config_hex" "$ref" "$layer_hex" >"$arch/manifest.json"
  printf '{"%s":{"%s":"%s"}}' "$repo" "$tag" "$layer_hex" >"$arch/repositories"

  (cd "$arch" && LC_ALL=C tar --sort=name --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --mode=a+r,u+w -cf "$out.tmp" \
    manifest.json repositories "$config_hex.json" "$layer_hex.tar")
  rm -rf "$arch"
  # skopeo reads the archive as the image tools do; a malformed one fails here, not in a test.
  if command -v skopeo >/dev/null 2>&1; then
    skopeo inspect --raw "docker-archive:$out.tmp" >/dev/null 2>"$WORK/skopeo.err" ||
      die "skopeo cannot read the generated archive: $(cat "$WORK/skopeo.err")"
  fi
  mv -f "$out.tmp" "$out"
  log "wrote $out ($ref, $(du -h "$out" | cut -f1), layer sha256:${layer_hex:0:12}, config sha256:${config_hex:0:12})"
}

json_str() { jq -Rn --arg s "$1" '$s'; }

# --------------------------------------------------------------------- image recipes

image_key() {
  local name="$1" extra="$2"
  printf 'suite=%s\nref=%s\nrevision=%s\n%s\n' "$DEBIAN_SUITE" "$(ref_of "$name")" "$IMAGES_REVISION" "$extra" |
    sha256sum | cut -c1-16
}

# What identifies each image's inputs (without building anything but the rootfs name).
image_inputs() {
  local name="$1" rootfs
  case "$name" in
    jre | redis)
      rootfs="$(newest_rootfs || true)"
      [[ "$IMAGES_NEW_ROOTFS" != true ]] || rootfs=""
      [[ -n "$rootfs" ]] || return 1 # no rootfs yet: the image cannot be cached either
      if [[ "$name" == jre ]]; then
        printf 'rootfs=%s\npackages=%s\n' "${rootfs##*/}" "${JRE_PACKAGES[*]}"
      else
        printf 'rootfs=%s\npackages=%s\n' "${rootfs##*/}" "${REDIS_PACKAGES[*]}"
      fi
      ;;
    pause | coredns | netcheck | local-path-provisioner)
      # The binary's own version line (hack/node-binaries.sh builds it if missing).
      local bin
      bin="$(node_binary "$name")" || return 1
      printf 'binary=%s\n' "$(version_line "$bin")"
      ;;
  esac
}

# The first line of a binary's --version output. Read whole, then cut: piping it into `head -n1`
# let head exit before a binary that writes its version in several writes (CoreDNS) was done,
# and the binary's SIGPIPE failed the pipeline (pipefail) and the whole script with exit 141.
version_line() {
  local out
  out="$("$1" --version 2>/dev/null)" || true
  printf '%s' "${out%%$'\n'*}"
}

# Prints the cache path of image $1 if it is known without building (inputs known).
image_file() {
  local name="$1" inputs
  inputs="$(image_inputs "$name")" || return 1
  echo "$IMAGES_CACHE/${name}-$(image_key "$name" "$inputs").tar"
}

# Runs a command inside the chroot with a clean environment.
in_chroot() {
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive SOURCE_DATE_EPOCH="$EPOCH" "$@"
}

EPOCH=""

build_debian_image() {
  local name="$1" out="$2" rootfs start
  need_root "building the $name image"
  resolve_mirrors
  rootfs="$(ensure_rootfs)"
  EPOCH="$(rootfs_epoch "$rootfs")"
  start=$SECONDS
  CHROOT="$WORK/$name-root"
  mkdir -p "$CHROOT"
  tar -C "$CHROOT" --numeric-owner -xf "$rootfs"

  local packages=()
  if [[ "$name" == jre ]]; then packages=("${JRE_PACKAGES[@]}"); else packages=("${REDIS_PACKAGES[@]}"); fi
  log "building $name: ${rootfs##*/} + ${packages[*]} (from $DEBIAN_MIRROR, SOURCE_DATE_EPOCH=$EPOCH)"

  cat >"$CHROOT/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $DEBIAN_SUITE main
deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main
EOF
  cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
  chmod 0755 "$CHROOT/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$CHROOT/etc/apt/apt.conf.d/90redisgrpc"
  # No documentation at all, but keep the copyright files.
  cat >"$CHROOT/etc/dpkg/dpkg.cfg.d/90redisgrpc-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
EOF
  mount -t proc proc "$CHROOT/proc"

  if [[ "$name" == redis ]]; then
    # The official image's ids, so files and a runAsUser of 999 mean the same in both.
    in_chroot groupadd --system --gid 999 redis
    in_chroot useradd --system --uid 999 --gid 999 --home-dir /var/lib/redis --no-create-home \
      --shell /usr/sbin/nologin redis
  fi
  in_chroot apt-get update -qq >"$WORK/$name-apt.log" 2>&1 ||
    die "apt-get update in the $name chroot failed: $(tail -n 20 "$WORK/$name-apt.log")"
  in_chroot apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$WORK/$name-apt.log" 2>&1 ||
    die "apt-get install ${packages[*]} failed: $(tail -n 30 "$WORK/$name-apt.log")"

  local versions p
  versions=""
  for p in "${packages[@]}"; do
    versions+="${versions:+ }$p=$(in_chroot dpkg-query -W -f='${Version}' "$p")"
  done
  log "$name packages: $versions"

  local config_extra labels history
  if [[ "$name" == jre ]]; then
    local java_home
    java_home="$(in_chroot sh -c 'dirname "$(dirname "$(readlink -f "$(command -v java)")")"')"
    [[ -n "$java_home" && -x "$CHROOT$java_home/bin/java" ]] || die "no java in the jre image"
    in_chroot java -version >/dev/null 2>&1 || die "java does not run in the jre image"
    config_extra="\"Env\":[\"PATH=${java_home}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"JAVA_HOME=${java_home}\",\"LANG=C.UTF-8\"],\"WorkingDir\":\"/\""
  else
    local v
    v="$(in_chroot redis-server --version)"
    [[ "$v" == *"v=7.0."* ]] || log "WARNING: redis-server is not 7.0.x but '$v'; the tag $(ref_of redis) says 7.0"
    in_chroot redis-sentinel --version >/dev/null || die "redis-sentinel does not run"
    in_chroot redis-cli --version >/dev/null || die "redis-cli does not run"
    mkdir -p "$CHROOT/data"
    chown 999:999 "$CHROOT/data"
    chmod 1777 "$CHROOT/data"
    config_extra='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"],"Cmd":["redis-server"],"WorkingDir":"/data","ExposedPorts":{"6379/tcp":{}},"Volumes":{"/data":{}}'
  fi

  # Trim: caches, logs, and files only the build needed; the runtime provides /etc/hosts,
  # /etc/hostname and /etc/resolv.conf.
  in_chroot apt-get clean
  umount "$CHROOT/proc"
  rm -f "$CHROOT/usr/sbin/policy-rc.d" "$CHROOT/etc/apt/apt.conf.d/90redisgrpc"
  rm -rf "$CHROOT"/var/lib/apt/lists/* "$CHROOT"/var/cache/apt/* "$CHROOT"/var/cache/debconf/*-old \
    "$CHROOT"/var/lib/dpkg/*-old "$CHROOT"/var/cache/ldconfig/aux-cache "$CHROOT"/tmp/* "$CHROOT"/var/tmp/* \
    "$CHROOT"/root/.bash_history "$CHROOT"/etc/machine-id "$CHROOT"/etc/*- "$CHROOT"/etc/ssl/certs/java/cacerts.bak
  find "$CHROOT/var/log" -type f -delete
  find "$CHROOT/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$CHROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$CHROOT"/usr/share/man/* "$CHROOT"/usr/share/info/* "$CHROOT"/usr/share/locale/* "$CHROOT"/usr/share/lintian
  : >"$CHROOT/etc/resolv.conf"
  echo localhost >"$CHROOT/etc/hostname"
  find "$CHROOT/dev" -mindepth 1 -delete
  find "$CHROOT/proc" "$CHROOT/sys" "$CHROOT/run" -mindepth 1 -delete 2>/dev/null || true

  labels="\"io.redisgrpc.image.rootfs\":$(json_str "${rootfs##*/}"),\"io.redisgrpc.image.packages\":$(json_str "$versions"),\"io.redisgrpc.image.revision\":\"$IMAGES_REVISION\""
  history="hack/images.sh $name: debootstrap --variant=minbase $DEBIAN_SUITE + ${packages[*]}"
  pack_image "$CHROOT" "$(ref_of "$name")" "$EPOCH" "$config_extra" "$history" "$labels" "$out"
  rm -rf --one-file-system "$CHROOT"
  CHROOT=""
  log "$name image built in $((SECONDS - start))s"
}

node_binary() {
  COREDNS_VERSION="$COREDNS_VERSION" LOCAL_PATH_PROVISIONER_VERSION="$LOCAL_PATH_PROVISIONER_VERSION" \
    "$HACK_DIR/node-binaries.sh" path "$1"
}

build_scratch_image() {
  local name="$1" out="$2" bin root epoch
  bin="$(node_binary "$name")"
  root="$WORK/$name-root"
  mkdir -p "$root"
  cp "$bin" "$root/$name"
  chmod 0755 "$root/$name"
  # A fixed date: these images depend on the binary only.
  epoch=946684800 # 2000-01-01T00:00:00Z
  local config_extra labels version
  version="$(version_line "$bin")"
  config_extra="\"Env\":[\"PATH=/\"],\"Entrypoint\":[\"/$name\"],\"WorkingDir\":\"/\""
  if [[ "$name" == coredns ]]; then
    config_extra+=',"ExposedPorts":{"53/tcp":{},"53/udp":{}}'
  fi
  labels="\"io.redisgrpc.image.binary\":$(json_str "$version"),\"io.redisgrpc.image.revision\":\"$IMAGES_REVISION\""
  pack_image "$root" "$(ref_of "$name")" "$epoch" "$config_extra" "hack/images.sh $name: scratch + /$name" "$labels" "$out"
  rm -rf "$root"
}

# $IMAGES_CACHE/<name>.tar -> the current <name>-<key>.tar: a stable path for tools that cannot
# ask this script (the Maven profile local-images builds the operator and gateway images on
# tar://~/.cache/redisgrpc/images/jre.tar). Replaced atomically (rename of a new symlink).
link_alias() {
  local name="$1" out="$2" tmp
  tmp="$IMAGES_CACHE/.${name}.tar.$$"
  ln -sfn "$(basename "$out")" "$tmp"
  mv -fT "$tmp" "$IMAGES_CACHE/${name}.tar"
}

ensure_image() {
  local name="$1" out
  ref_of "$name" >/dev/null
  if out="$(image_file "$name")" && [[ -s "$out" ]]; then
    link_alias "$name" "$out"
    echo "$out"
    return 0
  fi
  if ! command -v jq >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || die "jq is needed to write image configs: apt-get install jq"
    log "installing jq"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >&2
  fi
  mkdir -p "$IMAGES_CACHE"
  exec 9>"$IMAGES_CACHE/.lock"
  if ! flock -n 9; then
    log "another run holds $IMAGES_CACHE/.lock; waiting for it"
    flock 9
  fi
  [[ -n "$WORK" ]] || WORK="$(mktemp -d "${TMPDIR:-/tmp}/images.XXXXXX")"
  case "$name" in
    jre | redis)
      IMAGES_NEW_ROOTFS="$IMAGES_NEW_ROOTFS" ensure_rootfs >/dev/null
      IMAGES_NEW_ROOTFS=false # the rootfs just made is the newest now
      ;;
  esac
  out="$(image_file "$name")" || die "cannot name the $name image"
  if [[ ! -s "$out" ]]; then
    case "$name" in
      jre | redis) build_debian_image "$name" "$out" ;;
      *) build_scratch_image "$name" "$out" ;;
    esac
  fi
  exec 9>&-
  link_alias "$name" "$out"
  echo "$out"
}

main() {
  trap cleanup EXIT
  local cmd="${1:-build}" n
  shift || true
  case "$cmd" in
    build)
      (($# > 0)) || set -- "${ALL_IMAGES[@]}"
      for n in "$@"; do ensure_image "$n" >/dev/null; done
      ;;
    path)
      [[ $# -eq 1 ]] || die "usage: $0 path NAME"
      ensure_image "$1"
      ;;
    ref)
      [[ $# -eq 1 ]] || die "usage: $0 ref NAME"
      ref_of "$1"
      ;;
    list)
      for n in "${ALL_IMAGES[@]}"; do
        printf '%s %s %s\n' "$n" "$(ref_of "$n")" "$(ensure_image "$n")"
      done
      ;;
    rootfs)
      mkdir -p "$IMAGES_CACHE"
      WORK="$(mktemp -d "${TMPDIR:-/tmp}/images.XXXXXX")"
      ensure_rootfs
      ;;
    -h | --help | help)
      sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
      ;;
    *) die "unknown command '$cmd' (build [NAME...] | path NAME | ref NAME | list | rootfs)" ;;
  esac
}

main "$@"
