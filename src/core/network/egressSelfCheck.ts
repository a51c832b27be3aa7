import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { dockerStep, EGRESS_DEFAULTS, EGRESS_ROLE_LABEL, removeQuietly } from './bottleEgress';

// The container that holds a bottle's network namespace, and the launch's self-check run in it.
// The holder joins the bottle's internal network before the bottle exists; the bottle's container
// then joins the holder's namespace (\`--network container:<holder>\`), so the check runs in the
// very namespace the bottle gets, whatever the bottle's image holds, and while the bottle's
// container starts rather than after it. The check proves that a direct connection out fails, that
// no name resolves, and that the proxy answers; anything else stops the launch, and the holder
// exits, which leaves the bottle no network at all. See docs/network.md.

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

export interface NetworkHolderSetup {
  name: string;
  /** The bottle's internal network, which the holder joins. */
  network: string;
  /** Where the namespace's DNS queries go: an address no container holds (bottleDnsServers). */
  dns: string[];
  /** The sidecar's image: it has bash, coreutils' `timeout` and `sleep`, glibc's `getent`. */
  image: string;
  egress: { proxyAddress: string; proxyPort: number };
  targets: EgressCheckTargets;
  labels: Record<string, string>;
}

export interface NetworkHolder {
  name: string;
  /**
   * Starts the holder, which checks the direct connection and DNS at once and then waits to be told
   * the proxy is up; resolves when it runs (a bottle may join its namespace from then on).
   */
  start(): Promise<RunningHolder>;
  /** Removes the holder (the bottle that joined it is left with no network). */
  remove(): Promise<void>;
}

export interface RunningHolder {
  /**
   * The checks that need no proxy — a direct connection and a DNS lookup from the bottle's
   * namespace both fail — as soon as the holder has printed them (before the proxy is up).
   */
  isolation: Promise<EgressCheck>;
  /**
   * The check's result: the proxy check runs once `proxyUp` resolves (the sidecar's address is up);
   * it fails if `proxyUp` rejects. The deadline counts from this call. Called once.
   */
  verdict(proxyUp?: Promise<void>): Promise<EgressCheck>;
  /** False once the holder's run ended (it exited, or was removed). */
  alive(): boolean;
  /** Resolves when the holder's run ends: the bottle in its namespace has no network from then on. */
  exited: Promise<void>;
  /** Stops watching the holder (it keeps running). */
  release(): void;
}

/** How long the whole check may take: the proxy may take its full boot time to answer. */
const CHECK_DEADLINE_MS = EGRESS_DEFAULTS.readyTimeoutMs + 5_000;

/** The value of the role label on a network holder. */
const HOLDER_ROLE = 'network-holder';

/** Creates the holder on the bottle's network (its address comes from the network's dynamic range). */
export async function createNetworkHolder(docker: Docker, setup: NetworkHolderSetup): Promise<NetworkHolder> {
  const config = {
    CHECK_DIRECT_HOST: setup.targets.direct.host,
    CHECK_DIRECT_PORT: String(setup.targets.direct.port),
    CHECK_NAME: setup.targets.probeName,
    CHECK_PROXY_HOST: setup.egress.proxyAddress,
    CHECK_PROXY_PORT: String(setup.egress.proxyPort),
    CHECK_SILENCE: seconds(EGRESS_DEFAULTS.probeTimeoutMs),
    CHECK_PROXY_DEADLINE_MS: String(EGRESS_DEFAULTS.readyTimeoutMs),
  };
  const holder = await dockerStep(docker, `creating the network holder ${setup.name}`, () =>
    docker.createContainer({
      name: setup.name,
      Image: setup.image,
      // bash, not Node: it starts in a few milliseconds where Node takes ~90 ms, and the launch waits for it.
      Entrypoint: ['bash', '-c', HOLDER_SCRIPT, 'claude-bottle-network'],
      Env: Object.entries(config).map(([key, value]) => `${key}=${value}`),
      Labels: { ...setup.labels, [EGRESS_ROLE_LABEL]: HOLDER_ROLE },
      AttachStdout: true,
      AttachStderr: true,
      // Its standard input says when the sidecar's address is up (see HOLDER_SCRIPT).
      AttachStdin: true,
      OpenStdin: true,
      StdinOnce: true,
      HostConfig: {
        NetworkMode: setup.network,
        Dns: setup.dns,
        Init: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Memory: 64 * 1024 * 1024,
        MemorySwap: 64 * 1024 * 1024,
        PidsLimit: 32,
      },
    }),
  );
  const remove = (): Promise<void> => removeQuietly(() => holder.remove({ force: true }));
  return {
    name: setup.name,
    remove,
    async start() {
      // Attached before the start: the check's whole output arrives on this stream.
      const stream = (await dockerStep(docker, 'attaching to the network self-check', () => holder.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }))) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
      const output = collectVerdicts(docker, stream);
      let ended = false;
      void output.ended.then(() => (ended = true));
      try {
        await dockerStep(docker, `starting the network holder ${setup.name}`, () => holder.start());
      } catch (error) {
        stream.destroy();
        throw error;
      }
      return {
        isolation: output.isolation.then(() => {
          // Said in the order they finished: shown direct first, then DNS, as the verdict has them.
          const lines = output
            .early()
            .slice(0, 2)
            .sort((a, b) => Number(a.includes('DNS lookup')) - Number(b.includes('DNS lookup')));
          return { ok: lines.length === 2 && lines.every((line) => line.startsWith('ok   ')), lines };
        }),
        alive: () => !ended,
        exited: output.ended,
        release: () => stream.destroy(),
        async verdict(proxyUp = Promise.resolve()) {
          // A sidecar that failed to start makes the proxy check fail (and the launch stops anyway).
          proxyUp.then(
            () => stream.write('up\n'),
            () => stream.end(),
          );
          let timer: NodeJS.Timeout | undefined;
          const finished = await Promise.race([output.done.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_DEADLINE_MS)))]);
          clearTimeout(timer);
          const lines = output.lines();
          if (!finished) {
            stream.destroy();
            return { ok: false, lines: [...lines, `the self-check did not finish in ${CHECK_DEADLINE_MS / 1000} s`] };
          }
          // The verdict is the holder's own lines: all three checks reported, and each passed. A
          // holder that died, or a stream that broke early, has fewer and fails. A holder that
          // passed keeps its stream open: its end says the bottle's network went with it.
          const verdicts = lines.filter(isVerdict);
          const ok = verdicts.length === 3 && verdicts.every((line) => line.startsWith('ok   '));
          if (!ok) stream.destroy();
          return { ok, lines };
        },
      };
    },
  };
}

/**
 * Watches the holder of a running bottle whose owner died (re-attach): undefined when it does not
 * run, which leaves the bottle with no network.
 */
export async function watchNetworkHolder(docker: Docker, name: string): Promise<Pick<RunningHolder, 'exited' | 'release'> | undefined> {
  const holder = docker.getContainer(name);
  if ((await holder.inspect().catch(() => undefined))?.State.Running !== true) return undefined;
  const stream = (await holder.attach({ stream: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  stream.resume();
  const exited = new Promise<void>((resolve) => {
    for (const event of ['end', 'close', 'error']) stream.on(event, () => resolve());
  });
  return { exited, release: () => stream.destroy() };
}

/**
 * The holder's output as lines, and when the check is done: three verdict lines printed (it then
 * sleeps, holding the namespace), or its stream ended (it exited).
 */
function collectVerdicts(docker: Docker, stream: NodeJS.ReadableStream): { lines(): string[]; early(): string[]; isolation: Promise<void>; done: Promise<void>; ended: Promise<void> } {
  let text = '';
  const sink = new PassThrough();
  let markDone: () => void = () => undefined;
  let markIsolation: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  const isolation = new Promise<void>((resolve) => (markIsolation = resolve));
  const ended = new Promise<void>((resolve) => sink.once('end', resolve));
  sink.on('data', (chunk: Buffer) => {
    // The holder prints four short lines; a cap keeps a misbehaving image from growing this.
    if (text.length < 16_384) text += chunk.toString('utf8');
    if (early().length >= 2) markIsolation();
    if (/^CHECK DONE$/m.test(text)) markDone();
  });
  sink.once('end', () => {
    markIsolation();
    markDone();
  });
  docker.modem.demuxStream(stream, sink, sink);
  for (const event of ['end', 'close', 'error']) stream.on(event, () => sink.end());
  // Whole lines only: a chunk may end inside one.
  const whole = (): string[] => text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  function early(): string[] {
    return whole()
      .filter((line) => line.startsWith(EARLY))
      .map((line) => line.slice(EARLY.length))
      .filter(isVerdict);
  }
  return { lines: () => text.split('\n').filter((line) => line.trim() !== '' && line !== 'CHECK DONE' && !line.startsWith(EARLY)), early, isolation, done, ended };
}

/** The holder's mark on the result of a check it says at once, before the verdict's lines. */
const EARLY = 'early ';

/** A check's result line, as the holder prints it. */
function isVerdict(line: string): boolean {
  return line.startsWith('ok   ') || line.startsWith('FAIL ');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * The holder: bash in the sidecar's image, its settings in the environment (no value is ever parsed
 * as code). Each check prints one line, "ok   …" or "FAIL …"; the three run at once (the launch
 * waits for the slowest, not their sum; the proxy check from when the sidecar's address is up) and
 * are printed in a fixed order. On a failure it exits 1, taking the namespace's
 * network with it; when all pass it prints "CHECK DONE" and sleeps, holding the namespace.
 * A connection or lookup that gets no answer within CHECK_SILENCE counts as blocked (see
 * EGRESS_DEFAULTS.probeTimeoutMs); `timeout` counts from before bash or getent start, so the
 * window is that long or a few milliseconds less of their own start-up, never more.
 */
const HOLDER_SCRIPT = `
set -u
now_ms() { local t=\${EPOCHREALTIME//[!0-9]/}; echo $(( t / 1000 )); }

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

early() {
  local line
  IFS= read -r line || return
  printf 'early %s\n' "$line" >&2
  printf '%s\n' "$line"
}

# The proxy may still be booting when the check starts (the two overlap): ask again while it
# refuses, until it answers or the deadline passes.
proxy() {
  local deadline=$(( $(now_ms) + CHECK_PROXY_DEADLINE_MS )) left out rc answer=''
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

# The direct and DNS checks also say their result at once on standard error, marked "early" (a
# preflight shows them while the proxy waits for Confirm); the verdict is the lines below.
exec 3< <(direct | early) 4< <(lookup | early)
# The launcher says "up" on standard input once the sidecar's address is up (and ends it if the
# sidecar could not start; it also keeps the deadline). The proxy check waits for it: a packet sent
# to that address before anyone answers ARP leaves the kernel waiting a whole second to ask again,
# and holds every connection to it as long.
sidecar=''
IFS= read -r sidecar || true
exec 5< <(proxy)
failed=0
for fd in 3 4 5; do
  IFS= read -r -u "$fd" line || line='FAIL a check gave no result'
  printf '%s\\n' "$line"
  [[ $line == 'ok   '* ]] || failed=1
done
if (( failed )); then exit 1; fi
echo 'CHECK DONE'
exec sleep infinity
`;
