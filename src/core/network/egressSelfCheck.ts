import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { type BottleEgress, dockerStep, EGRESS_DEFAULTS, EGRESS_ROLE_LABEL, removeQuietly } from './bottleEgress';

// The launch's self-check, run in the bottle's own network namespace (a probe container joined to
// it, so it works whatever the bottle's image holds): a direct connection out fails, no name
// resolves, and the proxy answers. Anything else stops the launch. See docs/network.md.

export interface EgressCheck {
  ok: boolean;
  /** One line per check, for the launch log and the preflight. */
  lines: string[];
}

export interface EgressCheckTargets {
  /** A name that must not resolve from inside the bottle. */
  probeName: string;
  /** An address outside the bottle's network that a direct connection must not reach. */
  direct: { host: string; port: number };
}

export interface EgressCheckSetup {
  bottleContainer: string;
  /** The sidecar's image: it has bash, coreutils' `timeout` and glibc's `getent`. */
  image: string;
  egress: Pick<BottleEgress, 'proxyAddress' | 'proxyPort'>;
  targets: EgressCheckTargets;
  labels: Record<string, string>;
}

export interface EgressProbe {
  /**
   * Runs the check (the bottle's container must be running by now) and removes the probe.
   * `proxyUp` resolves when the sidecar's address is up (default: it is already).
   */
  run(options?: { proxyUp?: Promise<void> }): Promise<EgressCheck>;
  /** Removes a probe that will not run (the launch stopped before its check). */
  discard(): Promise<void>;
}

/** How long the whole check may take: the proxy may take its full boot time to answer. */
const CHECK_DEADLINE_MS = EGRESS_DEFAULTS.readyTimeoutMs + 5_000;

/** Creates and runs the self-check. */
export async function checkEgress(docker: Docker, setup: EgressCheckSetup, options: { proxyUp?: Promise<void> } = {}): Promise<EgressCheck> {
  return (await createEgressProbe(docker, setup)).run(options);
}

/**
 * Creates the probe container. Docker lets it be created as soon as the bottle's container exists
 * (it must run only when the probe starts), so the launcher creates it while the bottle starts.
 */
export async function createEgressProbe(docker: Docker, setup: EgressCheckSetup): Promise<EgressProbe> {
  const config = {
    CHECK_DIRECT_HOST: setup.targets.direct.host,
    CHECK_DIRECT_PORT: String(setup.targets.direct.port),
    CHECK_NAME: setup.targets.probeName,
    CHECK_PROXY_HOST: setup.egress.proxyAddress,
    CHECK_PROXY_PORT: String(setup.egress.proxyPort),
    CHECK_SILENCE: seconds(EGRESS_DEFAULTS.probeTimeoutMs),
    CHECK_PROXY_DEADLINE_MS: String(EGRESS_DEFAULTS.readyTimeoutMs),
  };
  const probe = await dockerStep(docker, 'creating the network self-check', () =>
    docker.createContainer({
      Image: setup.image,
      // bash, not Node: it starts in a few milliseconds where Node takes ~90 ms, and the launch waits for it.
      Entrypoint: ['bash', '-c', PROBE_SCRIPT, 'claude-bottle-self-check'],
      Env: Object.entries(config).map(([key, value]) => `${key}=${value}`),
      Labels: { ...setup.labels, [EGRESS_ROLE_LABEL]: 'probe' },
      AttachStdout: true,
      AttachStderr: true,
      // Its standard input says when the sidecar's address is up (see PROBE_SCRIPT).
      AttachStdin: true,
      OpenStdin: true,
      StdinOnce: true,
      // Gone as soon as it exits: the launch does not wait for its removal.
      HostConfig: { NetworkMode: `container:${setup.bottleContainer}`, AutoRemove: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], ReadonlyRootfs: true, Memory: 128 * 1024 * 1024, PidsLimit: 32 },
    }),
  );
  const remove = (): Promise<void> => removeQuietly(() => probe.remove({ force: true }));
  return {
    discard: remove,
    async run(options = {}) {
      let passed = false;
      try {
        // Attached before the start: its whole output arrives on this stream, which ends when it exits.
        const stream = (await dockerStep(docker, 'attaching to the network self-check', () => probe.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }))) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
        const output = collectOutput(docker, stream);
        await dockerStep(docker, 'running the network self-check', () => probe.start());
        // A sidecar that failed to start makes the proxy check fail (and the launch stops anyway).
        (options.proxyUp ?? Promise.resolve()).then(
          () => stream.write('up\n'),
          () => stream.end(),
        );
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([output.ended.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_DEADLINE_MS)))]);
        clearTimeout(timer);
        stream.destroy();
        const lines = output
          .text()
          .split('\n')
          .filter((line) => line.trim() !== '');
        if (!finished) return { ok: false, lines: [...lines, `the self-check did not finish in ${CHECK_DEADLINE_MS / 1000} s`] };
        // The verdict is the probe's own lines: all three checks reported, and each passed. A probe
        // that died, or a stream that broke early, has fewer and fails.
        const verdicts = lines.filter((line) => line.startsWith('ok   ') || line.startsWith('FAIL '));
        passed = verdicts.length === 3 && verdicts.every((line) => line.startsWith('ok   '));
        return { ok: passed, lines };
      } finally {
        // A probe that passed printed its last line and exited: AutoRemove takes it. This takes
        // any other (never started, timed out, cut off).
        if (!passed) await remove();
      }
    },
  };
}

/** The probe's stdout and stderr as one text, and when its stream ends (it exits). */
function collectOutput(docker: Docker, stream: NodeJS.ReadableStream): { text(): string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  docker.modem.demuxStream(stream, sink, sink);
  // Ended once the sink has handed on everything the stream brought.
  const ended = new Promise<void>((resolve) => sink.once('end', resolve));
  for (const event of ['end', 'close', 'error']) stream.on(event, () => sink.end());
  return { text: () => Buffer.concat(chunks).toString('utf8'), ended };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * The probe: bash in the sidecar's image, its settings in the environment (no value is ever parsed
 * as code). Each check prints one line, "ok   …" or "FAIL …"; the three run at once (the launch
 * waits for the slowest, not their sum; the lookup and the proxy check from when the sidecar's
 * address is up) and are printed in a fixed order; it exits 1 on a failure.
 * A connection or lookup that gets no answer within CHECK_SILENCE counts as blocked (see
 * EGRESS_DEFAULTS.probeTimeoutMs); `timeout` counts from before bash or getent start, so the
 * window is that long or a few milliseconds less of their own start-up, never more.
 */
const PROBE_SCRIPT = `
set -u
now_ms() { local t=\${EPOCHREALTIME//[!0-9]/}; echo $(( t / 1000 )); }
started=$(now_ms)

direct() {
  local out rc result
  out=$(timeout "$CHECK_SILENCE" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$CHECK_DIRECT_HOST" "$CHECK_DIRECT_PORT" 2>&1); rc=$?
  case $rc in
    124) result=timeout ;;
    0) result=connected ;;
    *) case $out in
         *'Network is unreachable'*) result=ENETUNREACH ;;
         *'No route to host'*) result=EHOSTUNREACH ;;
         *'Connection refused'*) result=ECONNREFUSED ;;
         *) result="error $rc: $(printf '%s' "$out" | tail -n 1)" ;;
       esac ;;
  esac
  case $result in
    timeout|ENETUNREACH|EHOSTUNREACH) echo "ok   direct connection to $CHECK_DIRECT_HOST:$CHECK_DIRECT_PORT fails ($result)" ;;
    *) echo "FAIL direct connection to $CHECK_DIRECT_HOST:$CHECK_DIRECT_PORT WORKS ($result)" ;;
  esac
}

lookup() {
  local out rc
  out=$(timeout "$CHECK_SILENCE" getent ahostsv4 "$CHECK_NAME" 2>&1); rc=$?
  case $rc in
    124) echo "ok   DNS lookup of $CHECK_NAME fails (timeout)" ;;
    2) echo "ok   DNS lookup of $CHECK_NAME fails (not found)" ;;
    0) echo "FAIL DNS lookup of $CHECK_NAME WORKS (resolved $(printf '%s\\n' "$out" | cut -d ' ' -f 1 | sort -u | paste -sd ,))" ;;
    *) echo "FAIL DNS lookup of $CHECK_NAME could not be checked (getent exit $rc)" ;;
  esac
}

# The proxy may still be booting when the check starts (the two overlap): ask again while it
# refuses, until it answers or the deadline passes.
proxy() {
  local deadline=$(( started + CHECK_PROXY_DEADLINE_MS )) left out rc answer=''
  if [[ $sidecar != up ]]; then
    echo "FAIL egress proxy at $CHECK_PROXY_HOST:$CHECK_PROXY_PORT does not answer (the sidecar did not start)"
    return
  fi
  while :; do
    left=$(( deadline - $(now_ms) ))
    if (( left <= 0 )); then answer=\${answer:-no answer}; break; fi
    out=$(timeout "$(( left / 1000 )).$(printf '%03d' $(( left % 1000 )))" bash -c '
      exec 3<>"/dev/tcp/$1/$2" || exit 3
      printf "CONNECT claude-bottle-self-check.invalid:443 HTTP/1.1\\r\\n\\r\\n" >&3
      IFS= read -r line <&3 || exit 4
      printf "%s\\n" "$line"' _ "$CHECK_PROXY_HOST" "$CHECK_PROXY_PORT" 2>&1); rc=$?
    case $rc in
      0) answer=\${out%$'\\r'}; break ;;
      124) answer='no answer'; break ;;
      4) answer='closed without an answer'; break ;;
      *) if [[ $out == *'Connection refused'* ]]; then
           answer=ECONNREFUSED
           sleep 0.02
           continue
         fi
         answer="error $rc: $(printf '%s' "$out" | tail -n 1)"; break ;;
    esac
  done
  if [[ $answer == 'HTTP/1.1 403'* ]]; then
    echo "ok   egress proxy at $CHECK_PROXY_HOST:$CHECK_PROXY_PORT answers"
  else
    echo "FAIL egress proxy at $CHECK_PROXY_HOST:$CHECK_PROXY_PORT does not answer ($answer)"
  fi
}

exec 3< <(direct)
# The launcher says "up" on standard input once the sidecar's address is up. The lookup (Docker's
# resolver forwards it to the proxy's address) and the proxy check wait for it: a packet sent to
# that address before anyone answers ARP leaves the kernel waiting a whole second to ask again,
# and holds every connection to it as long.
sidecar=''
IFS= read -r -t "$(( CHECK_PROXY_DEADLINE_MS / 1000 ))" sidecar || true
exec 4< <(lookup) 5< <(proxy)
failed=0
for fd in 3 4 5; do
  IFS= read -r -u "$fd" line || line='FAIL a check gave no result'
  printf '%s\\n' "$line"
  [[ $line == 'ok   '* ]] || failed=1
done
exit "$failed"
`;
