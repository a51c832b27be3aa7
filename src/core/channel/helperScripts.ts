import fs from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNEL_LIMITS, IN_BOTTLE } from './layout';

// The two helpers every bottle gets, read-only, at /claude-bottle/bin (docs/control-channel.md).
// Plain POSIX sh with only what busybox and coreutils both have (head, od, tr, cut, grep, mv,
// sleep), so they run in any image that has a shell. Text from the agent crosses as hex, so no
// character can break the file's format or reach the host unescaped.

/** Seconds `bottle-request` waits for an answer unless told otherwise (`--timeout`). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 600;

/** Exit codes of `bottle-request`, as documented in its usage text and docs/control-channel.md. */
export const REQUEST_EXIT = { granted: 0, denied: 1, usage: 2, unknown: 3, timeout: 4, unavailable: 5 } as const;

export const BOTTLE_REQUEST = `#!/bin/sh
# bottle-request: asks the user for one of this bottle's requestable capabilities and waits.
#   bottle-request [--timeout SECONDS] <capability> "<reason>"
# Exit status: 0 granted (the bottle then restarts with it, and the conversation goes on),
# 1 denied, 2 usage, 3 unknown capability, 4 no answer in time (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS} s,
# or $BOTTLE_REQUEST_TIMEOUT), 5 the control channel is not there.
set -u
channel=${IN_BOTTLE.channel}
answers=${IN_BOTTLE.answers}
list=${IN_BOTTLE.bin}/capabilities
timeout=\${BOTTLE_REQUEST_TIMEOUT:-${DEFAULT_REQUEST_TIMEOUT_SECONDS}}

list_capabilities() {
  if [ -s "$list" ]; then
    while IFS='	' read -r name description; do printf '  %s  %s\\n' "$name" "$description"; done <"$list"
  else
    echo "  (none: this agent declares no requestable capabilities)"
  fi
}
usage() {
  echo 'usage: bottle-request [--timeout SECONDS] <capability> "<reason>"'
  echo "Requestable here:"
  list_capabilities
  exit ${REQUEST_EXIT.usage}
}
hex() { printf '%s' "$1" | head -c "$2" | od -An -v -tx1 | tr -d ' \\n'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
    --timeout=*) timeout=\${1#--timeout=}; shift ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
case "$timeout" in "" | *[!0-9]*) echo "bottle-request: --timeout takes a whole number of seconds" >&2; exit ${REQUEST_EXIT.usage} ;; esac
[ "$timeout" -gt ${CHANNEL_LIMITS.maxTimeoutSeconds} ] && timeout=${CHANNEL_LIMITS.maxTimeoutSeconds}
capability=$1
reason=$2
if [ ! -d "$channel" ] || [ ! -w "$channel" ]; then
  echo "bottle-request: the control channel ($channel) is not there; ask the user directly" >&2
  exit ${REQUEST_EXIT.unavailable}
fi
if ! cut -f1 "$list" 2>/dev/null | grep -qxF -- "$capability"; then
  echo "bottle-request: unknown capability \\"$capability\\". Requestable here:"
  list_capabilities
  exit ${REQUEST_EXIT.unknown}
fi

id="$(date +%s)-$$"
tmp="$channel/.request-$id.tmp"
printf '{"v":1,"id":"%s","capabilityHex":"%s","reasonHex":"%s","timeoutSeconds":%s}\\n' \\
  "$id" "$(hex "$capability" 200)" "$(hex "$reason" 2000)" "$timeout" >"$tmp" && mv -f "$tmp" "$channel/request-$id.json" || {
  echo "bottle-request: could not write to the control channel" >&2
  exit ${REQUEST_EXIT.unavailable}
}
echo "bottle-request: asked the user for \\"$capability\\"; waiting for an answer (up to $timeout s)..." >&2

waited=0
while [ ! -f "$answers/$id" ]; do
  if [ "$waited" -ge "$timeout" ]; then
    rm -f "$channel/request-$id.json"
    printf '{"v":1,"id":"%s","cancelled":"timeout"}\\n' "$id" >"$channel/.event-$id.tmp" && mv -f "$channel/.event-$id.tmp" "$channel/event-cancel-$id.json"
    echo "bottle-request: no answer within $timeout s; carry on without \\"$capability\\", or ask again later"
    exit ${REQUEST_EXIT.timeout}
  fi
  sleep 1
  waited=$((waited + 1))
done
decision=$(head -n 1 "$answers/$id")
tail -n +2 "$answers/$id"
case "$decision" in
  granted) exit ${REQUEST_EXIT.granted} ;;
  *) exit ${REQUEST_EXIT.denied} ;;
esac
`;

export const BOTTLE_NOTIFY = `#!/bin/sh
# bottle-notify: Claude Code's hooks run this with the hook's JSON on standard input; it drops the
# JSON into the control channel, where the app reads whether Claude works or waits. Never fails.
f=${IN_BOTTLE.channel}/.event-$$.tmp
head -c 16384 >"$f" 2>/dev/null && mv -f "$f" "${IN_BOTTLE.channel}/event-$(date +%s)-$$.json" 2>/dev/null
exit 0
`;

export interface RequestableCapability {
  name: string;
  description: string;
}

/**
 * Writes the helpers and the list of requestable capabilities into the bottle's `bin` folder
 * (host-owned, mounted read-only). Names and descriptions are one line each, tab-separated.
 */
export async function writeHelpers(binDir: string, capabilities: readonly RequestableCapability[]): Promise<void> {
  await fs.mkdir(binDir, { recursive: true, mode: 0o755 });
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 500);
  const list = capabilities.map((capability) => `${oneLine(capability.name)}\t${oneLine(capability.description)}\n`).join('');
  for (const [name, content, mode] of [
    ['bottle-request', BOTTLE_REQUEST, 0o555],
    ['bottle-notify', BOTTLE_NOTIFY, 0o555],
    ['capabilities', list, 0o444],
  ] as const) {
    const file = join(binDir, name);
    await fs.rm(file, { force: true });
    await fs.writeFile(file, content, { mode, flag: 'wx' });
    await fs.chmod(file, mode);
  }
}
