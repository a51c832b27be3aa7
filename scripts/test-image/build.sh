#!/usr/bin/env bash
# Builds the local test images from busybox, without any registry:
#
#   claude-bottle-test:latest       busybox applets, root and `agent` (1000:1000) users, /workspace,
#                                   and a fake Claude Code at /usr/local/bin/claude
#                                   (fake-claude.sh). Its user is root on purpose, so the app's
#                                   "uid 1000 when the image user is root" rule is exercised.
#   claude-bottle-test-user:latest  the same with `USER agent`.
#
# Idempotent and fast when nothing changed: each image carries a label with a hash of its inputs
# (this script, fake-claude.sh and the busybox binary) and is rebuilt only when that hash differs.
# Pass --force to rebuild anyway. Needs a running Docker engine; uses busybox-static
# (/usr/bin/busybox, or $BUSYBOX).
set -euo pipefail

IMAGE="${TEST_IMAGE:-claude-bottle-test:latest}"
USER_IMAGE="${TEST_USER_IMAGE:-claude-bottle-test-user:latest}"
BUSYBOX="${BUSYBOX:-/usr/bin/busybox}"
HASH_LABEL="claude-bottle.test-image.hash"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

log() { printf '[test-image] %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
  log "the Docker engine is not reachable (is dockerd running?)"
  exit 1
fi
if [[ ! -x "$BUSYBOX" ]]; then
  log "$BUSYBOX not found: install busybox-static (apt-get install busybox-static)"
  exit 1
fi
if ! "$BUSYBOX" --list >/dev/null 2>&1; then
  log "$BUSYBOX does not support --list"
  exit 1
fi

HASH="$(cat "$HERE/build.sh" "$HERE/fake-claude.sh" "$BUSYBOX" | sha256sum | cut -c1-32)"

image_hash() {
  docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$1" 2>/dev/null || true
}

if [[ $FORCE -eq 0 && "$(image_hash "$IMAGE")" == "$HASH" && "$(image_hash "$USER_IMAGE")" == "$HASH" ]]; then
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"

log "building $IMAGE"
mkdir -p "$ROOT"/{bin,usr/bin,usr/local/bin,etc,root,home/agent,tmp,workspace,proc,sys,dev}
cp "$BUSYBOX" "$ROOT/bin/busybox"
while IFS= read -r applet; do
  [[ -z "$applet" || "$applet" == "busybox" ]] && continue
  ln -sf busybox "$ROOT/bin/$applet"
done < <("$BUSYBOX" --list)
# Scripts name their interpreter as /usr/bin/env or /bin/sh.
ln -sf ../../bin/env "$ROOT/usr/bin/env"

cat >"$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
agent:x:1000:1000:agent:/home/agent:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ROOT/etc/group" <<'EOF'
root:x:0:
agent:x:1000:
nogroup:x:65534:
EOF
printf 'hosts: files dns\n' >"$ROOT/etc/nsswitch.conf"

install -m 0755 "$HERE/fake-claude.sh" "$ROOT/usr/local/bin/claude"

chmod 0755 "$ROOT" "$ROOT/home" "$ROOT/workspace"
chmod 0700 "$ROOT/root"
chmod 1777 "$ROOT/tmp"
chmod 0755 "$ROOT/home/agent"

# Ownership goes into the archive explicitly, so the script also works without root.
tar --numeric-owner --owner=0 --group=0 --exclude=./home/agent -C "$ROOT" -cf "$WORK/rootfs.tar" .
tar --numeric-owner --owner=1000 --group=1000 -C "$ROOT" -rf "$WORK/rootfs.tar" ./home/agent

docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'WORKDIR /workspace' \
  --change 'CMD ["/bin/sh"]' \
  --change "LABEL $HASH_LABEL=$HASH" \
  --change 'LABEL claude-bottle.test-image=1' \
  "$WORK/rootfs.tar" "$IMAGE" >/dev/null

log "building $USER_IMAGE"
mkdir -p "$WORK/user"
printf 'FROM %s\nUSER agent\n' "$IMAGE" >"$WORK/user/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$USER_IMAGE" "$WORK/user" >/dev/null 2>"$WORK/user-build.log" || {
  cat "$WORK/user-build.log" >&2
  exit 1
}

# Drop the images these tags pointed at before, if nothing else uses them.
docker image prune -f --filter "label=$HASH_LABEL" --filter dangling=true >/dev/null 2>&1 || true
log "built $IMAGE and $USER_IMAGE"
