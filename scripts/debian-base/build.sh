#!/usr/bin/env bash
# Builds a local Debian image, claude-bottle-debian:bookworm, from Debian's package mirror with
# debootstrap. It stands in for debian:bookworm-slim on machines that cannot pull from a registry
# (CI here), so the built-in base image can be built with
#   CLAUDE_BOTTLE_BASE_FROM=claude-bottle-debian:bookworm
#
# Idempotent: does nothing when the image already exists (pass --force to rebuild).
# Needs root (debootstrap creates device nodes and chowns files) and a running Docker engine.
#
# Environment:
#   DEBIAN_IMAGE   tag to create           (default claude-bottle-debian:bookworm)
#   DEBIAN_SUITE   suite to bootstrap      (default bookworm)
#   DEBIAN_MIRROR  mirror to bootstrap from (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR  security archive for the image's apt sources
#                  (default: DEBIAN_MIRROR with /debian replaced by /debian-security)
set -euo pipefail

IMAGE="${DEBIAN_IMAGE:-claude-bottle-debian:bookworm}"
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

log() { printf '[debian-base] %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
  log "the Docker engine is not reachable (is dockerd running?)"
  exit 1
fi

if [[ $FORCE -eq 0 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already exists; nothing to do"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  log "debootstrap needs root; run this script as root (or with sudo)"
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

ROOTFS="$(mktemp -d /tmp/claude-bottle-debian.XXXXXX)"
cleanup() { rm -rf --one-file-system "$ROOTFS"; }
trap cleanup EXIT

start=$(date +%s)
log "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >&2

# Make it look like the official slim image: the same apt sources (with updates and security
# fixes), no package caches or lists, no host identity.
cat > "$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
: > "$ROOTFS/etc/hostname"
: > "$ROOTFS/etc/resolv.conf"

log "importing as $IMAGE"
tar -C "$ROOTFS" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$IMAGE" >/dev/null

log "built $IMAGE in $(( $(date +%s) - start ))s"
