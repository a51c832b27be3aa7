// Reading the engine's JSON progress streams (builds and pulls) into typed progress events.
//
// A build's failure does not fail the HTTP request: it arrives as an `{ error, errorDetail }`
// event inside a 200 stream, so every event is checked. Only a bounded tail of the output is
// kept (for the error message); nothing else accumulates, however long the build runs.

import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { BottleError } from '../errors';
import { dockerEndpoint } from './client';
import { abortError } from './deadline';
import { engineMessage, isUnreachable, toBottleError } from './dockerErrors';

export type BuildPhase = 'hashing' | 'building' | 'pulling' | 'exporting';

export interface BuildProgress {
  phase: BuildPhase;
  /** 1-based Dockerfile step being run, when known. */
  step?: number;
  totalSteps?: number;
  /** 0..1 overall, when it can be estimated. */
  fraction?: number;
  /** One line for a person: `Step 3/7 : RUN npm ci`, a line of its output, `Downloading 12/40 MB`. */
  message: string;
}

export type ProgressListener = (progress: BuildProgress) => void;

export const PROGRESS_LIMITS = {
  /** Lines of build output quoted in a build-failed message: enough to show the failing step. */
  tailLines: 20,
  /** A single output line longer than this is cut in the tail (minified JS, progress bars). */
  maxLineChars: 500,
  /** A stream line (one JSON event) longer than this is dropped unparsed, so memory stays flat. */
  maxEventChars: 4 * 1024 * 1024,
} as const;

interface EngineEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

/** Splits a byte stream into JSON events, UTF-8 safe, with a bounded line buffer. */
function readEvents(
  stream: NodeJS.ReadableStream,
  signal: AbortSignal | undefined,
  what: string,
  onEvent: (event: EngineEvent) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let settled = false;

    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onEnd);
      if (error) {
        // Stop reading and hang up: for a build, the engine cancels it when the client goes away.
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        reject(error);
      } else {
        resolve();
      }
    };
    const handleLine = (line: string): void => {
      const text = line.trim();
      if (!text) return;
      let event: EngineEvent;
      try {
        event = JSON.parse(text) as EngineEvent;
      } catch {
        event = { stream: `${text}\n` };
      }
      try {
        onEvent(event);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onData = (chunk: Buffer | string): void => {
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let newline: number;
      while (!settled && (newline = pending.indexOf('\n')) >= 0) {
        handleLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
      if (pending.length > PROGRESS_LIMITS.maxEventChars) pending = '';
    };
    const onEnd = (): void => {
      if (settled) return;
      handleLine(pending + decoder.end());
      pending = '';
      finish();
    };
    const onError = (error: Error): void => {
      if (signal?.aborted) finish(abortError(signal, what));
      else finish(error);
    };
    const onAbort = (): void => finish(abortError(signal as AbortSignal, what));

    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
  });
}

/** The last lines of output, for an error message. */
class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  push(text: string): string[] {
    const complete: string[] = [];
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = (parts.pop() ?? '').slice(-PROGRESS_LIMITS.maxLineChars);
    for (const part of parts) {
      // A carriage return redraws the line (progress bars): keep what was drawn last.
      const line = (part.split('\r').pop() ?? '').trimEnd();
      if (!line) continue;
      complete.push(line);
      this.lines.push(line.length > PROGRESS_LIMITS.maxLineChars ? `${line.slice(0, PROGRESS_LIMITS.maxLineChars)}…` : line);
      if (this.lines.length > PROGRESS_LIMITS.tailLines) this.lines.shift();
    }
    return complete;
  }

  text(): string {
    const all = this.partial.trim() ? [...this.lines, this.partial.trim()] : this.lines;
    return all.slice(-PROGRESS_LIMITS.tailLines).join('\n');
  }
}

const STEP_LINE = /^Step (\d+)\/(\d+) : (.*)$/;
const BUILT_LINE = /^Successfully built ([0-9a-f]{12,64})$/;
const TAGGED_LINE = /^Successfully tagged (.+)$/;

/**
 * Follows a classic-builder stream from `docker.buildImage`, reporting progress, and resolves
 * with the built image's id (`sha256:…`). An error event, a stream that breaks, or one that ends
 * without an image rejects with `build-failed` quoting the last lines of output; an abort of
 * `signal` destroys the stream and rejects with the signal's error (`cancelled` by default).
 */
export async function followBuildStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onProgress: ProgressListener | undefined,
  signal?: AbortSignal,
): Promise<string> {
  const tail = new OutputTail();
  let step: number | undefined;
  let totalSteps: number | undefined;
  let imageId: string | undefined;
  let shortId: string | undefined;
  const pulls = new PullTracker();

  const emit = (progress: BuildProgress): void => onProgress?.(progress);
  const stepFraction = (): number | undefined =>
    step !== undefined && totalSteps ? Math.min(1, (step - 1) / totalSteps) : undefined;
  const failure = (message: string): BottleError => {
    const output = tail.text();
    return new BottleError(
      'build-failed',
      output ? `the image build failed: ${message}\n--- last lines of build output ---\n${output}` : `the image build failed: ${message}`,
    );
  };

  try {
    await readEvents(stream, signal, 'the image build', (event) => {
      if (event.error !== undefined || event.errorDetail !== undefined) {
        const message = (event.errorDetail?.message ?? event.error ?? 'unknown error').trim();
        tail.push(`${message}\n`);
        throw failure(message);
      }
      if (event.aux?.ID) imageId = event.aux.ID;
      if (typeof event.stream === 'string') {
        for (const line of tail.push(event.stream)) {
          const stepMatch = STEP_LINE.exec(line);
          const builtMatch = BUILT_LINE.exec(line);
          const taggedMatch = TAGGED_LINE.exec(line);
          if (stepMatch) {
            step = Number(stepMatch[1]);
            totalSteps = Number(stepMatch[2]);
            emit({ phase: 'building', step, totalSteps, fraction: stepFraction() ?? 0, message: line });
          } else if (builtMatch) {
            shortId = builtMatch[1];
            emit({ phase: 'exporting', step, totalSteps, fraction: 1, message: line });
          } else if (taggedMatch) {
            emit({ phase: 'exporting', step, totalSteps, fraction: 1, message: line });
          } else {
            const fraction = stepFraction();
            emit({ phase: 'building', step, totalSteps, ...(fraction === undefined ? {} : { fraction }), message: line });
          }
        }
      } else if (typeof event.status === 'string') {
        // `FROM` of an image that is not present pulls it inside the build.
        emit({ phase: 'pulling', step, totalSteps, ...pulls.update(event) });
      }
    });
  } catch (error) {
    if (error instanceof BottleError) throw error;
    if (isUnreachable(error)) throw toBottleError(error, 'build-failed', 'the image build', dockerEndpoint(docker));
    throw failure(`the connection to Docker broke: ${engineMessage(error)}`);
  }

  if (imageId) return imageId;
  if (shortId) {
    try {
      return (await docker.getImage(shortId).inspect()).Id;
    } catch {
      return shortId;
    }
  }
  throw failure('the build ended without producing an image');
}

/** Overall pull progress from per-layer `Downloading` / `Extracting` events. */
class PullTracker {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  update(event: EngineEvent): { fraction?: number; message: string } {
    const status = event.status ?? '';
    const id = event.id ?? '';
    if (id) {
      const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false };
      const detail = event.progressDetail;
      if (status === 'Downloading' && detail?.total) {
        layer.current = detail.current ?? 0;
        layer.total = detail.total;
      } else if (/^(Download complete|Pull complete|Already exists)$/.test(status)) {
        layer.done = true;
        if (layer.total) layer.current = layer.total;
      }
      this.layers.set(id, layer);
    }
    let current = 0;
    let total = 0;
    let done = 0;
    for (const layer of this.layers.values()) {
      current += layer.current;
      total += layer.total;
      if (layer.done) done += 1;
    }
    const message = [status, id, event.progress ?? ''].filter(Boolean).join(' ');
    if (total > 0) return { fraction: Math.min(1, current / total), message };
    if (this.layers.size > 0) return { fraction: done / this.layers.size, message };
    return { message };
  }
}

/**
 * Follows a pull stream (`docker.pull`), reporting `pulling` progress. An error event rejects
 * with a plain Error carrying the engine's message (the caller knows what kind it is).
 */
export async function followPullStream(
  stream: NodeJS.ReadableStream,
  onProgress: ProgressListener | undefined,
  signal?: AbortSignal,
  what = 'the pull',
): Promise<void> {
  const pulls = new PullTracker();
  await readEvents(stream, signal, what, (event) => {
    if (event.error !== undefined || event.errorDetail !== undefined) {
      throw new Error((event.errorDetail?.message ?? event.error ?? 'unknown error').trim());
    }
    if (typeof event.status === 'string') onProgress?.({ phase: 'pulling', ...pulls.update(event) });
  });
}
