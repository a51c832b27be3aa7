import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { BottleError } from '../errors';
import { type ClaudeSession, clampSize, type Disposable } from './claudeSession';

// Claude runs as its bottle's main process on the container's TTY, and the app attaches to that TTY
// (Docker's attach API). When the app dies the process runs on, unobserved but intact; the next
// app attaches to the same Claude — work in flight goes on — instead of starting a second one.
// See docs/terminal.md.

export const ATTACH_DEFAULTS = {
  /**
   * Docker cannot switch detaching off; a sequence nobody types (eight Ctrl-@ in a row) stands in,
   * so no keystroke of the user ever detaches the session by accident.
   */
  detachKeys: Array.from({ length: 8 }, () => 'ctrl-@').join(','),
  /** How long the main process may take to open its secrets FIFO. */
  secretsTimeoutMs: 15_000,
  /** After the attach stream closes, how long Docker's wait may take to answer before the engine is asked again. */
  waitGraceMs: 1_000,
  /** How long that question may take: a local engine answers in milliseconds. */
  askTimeoutMs: 5_000,
} as const;

export interface AttachSpec {
  docker: Docker;
  container: string;
  cols: number;
  rows: number;
}

/** Attaches to the container's TTY; the session ends when the container's main process does. */
export async function attachClaudeSession(spec: AttachSpec): Promise<ClaudeSession> {
  const container = spec.docker.getContainer(spec.container);
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, detachKeys: ATTACH_DEFAULTS.detachKeys } as Docker.ContainerAttachOptions)) as unknown as Duplex;
  const decoder = new StringDecoder('utf8');
  const listeners = new Set<(data: string) => void>();
  let early: string[] | undefined = [];
  let done = false;
  stream.on('data', (chunk: Buffer) => {
    const text = decoder.write(chunk);
    if (text === '') return;
    // Output before anyone listens (the launcher still settling) is held for the first listener.
    if (early) early.push(text);
    else for (const listener of listeners) listener(text);
  });
  stream.on('error', () => undefined);
  const exited = exitOf(container, stream).then((code) => {
    done = true;
    const rest = decoder.end();
    if (rest) for (const listener of listeners) listener(rest);
    stream.destroy();
    return code;
  });
  const initial = clampSize(spec.cols, spec.rows);
  await container.resize({ h: initial.rows, w: initial.cols }).catch(() => undefined);
  let size = initial;
  return {
    pid: 0,
    exited,
    onData(listener): Disposable {
      listeners.add(listener);
      // The held output is handed over on the next turn, as a pty's first data would arrive: the
      // subscriber has finished setting itself up by then. What arrives meanwhile queues behind it.
      if (early && listeners.size === 1) {
        setImmediate(() => {
          const held = early ?? [];
          early = undefined;
          for (const data of held) for (const each of listeners) each(data);
        });
      }
      return { dispose: () => listeners.delete(listener) };
    },
    write(data) {
      if (!done) stream.write(data);
    },
    resize(cols, rows) {
      if (done) return;
      size = clampSize(cols, rows);
      container.resize({ h: size.rows, w: size.cols }).catch(() => undefined);
    },
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    kill(signal) {
      if (!done) container.kill({ signal: signal ?? 'SIGTERM' }).catch(() => undefined);
    },
    redraw() {
      // A size change makes a full-screen program draw itself again: how a re-attached window gets
      // Claude's screen back without a second Claude.
      if (done) return;
      const { cols, rows } = size;
      void container
        .resize({ h: rows, w: Math.max(2, cols - 1) })
        .then(() => container.resize({ h: rows, w: cols }))
        .catch(() => undefined);
    },
  };
}

/**
 * The main process's exit code. Docker's wait answers when it ends; but when the engine dies under
 * the session, that answer never comes (dockerode does not notice a connection that drops after
 * the response started), so the attach stream closing is watched too: if the wait has not
 * answered shortly after, the engine is asked on a new connection, and one that is gone ends the
 * session as killed (137). See docs/operations.md.
 */
function exitOf(container: Docker.Container, stream: Duplex): Promise<number> {
  return new Promise((resolve) => {
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const waiting = new AbortController();
    const settle = (code: number): void => {
      if (settled) return;
      settled = true;
      if (grace) clearTimeout(grace);
      waiting.abort();
      resolve(code);
    };
    container
      .wait({ abortSignal: waiting.signal } as object)
      .then((result: { StatusCode?: number }) => settle(result.StatusCode ?? 137))
      .catch(() => settle(137)); // removed while we waited: it was stopped
    stream.once('close', () => {
      if (settled) return;
      grace = setTimeout(() => void exitAfterStreamClosed(container).then(settle), ATTACH_DEFAULTS.waitGraceMs);
    });
  });
}

/** The exit code as the engine tells it on a new request, once the attach stream has closed. */
async function exitAfterStreamClosed(container: Docker.Container): Promise<number> {
  const asking = AbortSignal.timeout(ATTACH_DEFAULTS.askTimeoutMs);
  try {
    const info = await container.inspect({ abortSignal: asking } as object);
    if (!info.State.Running) return info.State.ExitCode;
  } catch {
    return 137; // the engine is gone (or the container with it)
  }
  // Still running, with nothing of its output reaching us: wait for its end on a new connection.
  return container.wait().then((result: { StatusCode?: number }) => result.StatusCode ?? 137, () => 137);
}

/** The exec that hands a bottle's main process its secrets, opened ahead of the moment it does. */
export interface SecretsDelivery {
  /** Writes the secrets and resolves once the main process has read them (and becomes Claude). */
  deliver(secrets: Record<string, string>): Promise<void>;
  /** Closes the exec without handing anything over (a launch that failed first). */
  abandon(): void;
}

/**
 * Opens the exec whose standard input will carry the secrets: `export NAME='value'` lines written
 * into the FIFO the main process waits on (so no value is in an argv, an env of a container config,
 * or a file). Nothing is written until `deliver`, so the main process waits until then: the
 * launcher opens this while it attaches and checks the network, and only the write is left on the
 * way to Claude's first screen (docs/architecture.md).
 */
export async function openSecretsDelivery(docker: Docker, containerName: string, user: string): Promise<SecretsDelivery> {
  const script = 'f=/claude-bottle/run/secrets; i=0; while [ ! -p "$f" ]; do i=$((i+1)); [ "$i" -gt 300 ] && exit 3; sleep 0.05; done; cat > "$f"';
  const exec = await docker.getContainer(containerName).exec({ Cmd: ['sh', '-c', script], User: user, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  finished.catch(() => undefined);
  stream.resume();
  return {
    async deliver(secrets) {
      const body = Object.entries(secrets)
        .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'\n`)
        .join('');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BottleError('container-failed', `the bottle's main process did not take its secrets within ${ATTACH_DEFAULTS.secretsTimeoutMs / 1000} s`)), ATTACH_DEFAULTS.secretsTimeoutMs);
      });
      try {
        stream.end(body);
        await Promise.race([finished, timeout]);
      } finally {
        clearTimeout(timer);
      }
      const result = await exec.inspect();
      if (result.ExitCode !== 0) throw new BottleError('container-failed', `handing the bottle its secrets failed (exit ${result.ExitCode}): the image needs sh, mkfifo and cat`);
    },
    abandon() {
      stream.destroy();
    },
  };
}
