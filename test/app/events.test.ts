import { describe, expect, it, vi } from 'vitest';
import { EventHub, logListenerErrorToStderr, setListenerErrorReporter } from '../../src/app/events';

describe('the event hub', () => {
  it('reports a listener that throws, and still reaches the others', () => {
    const reported: string[] = [];
    const previous = setListenerErrorReporter((event, error) => reported.push(`${event}: ${(error as Error).message}`));
    try {
      const hub = new EventHub();
      const seen: string[] = [];
      hub.on(() => {
        throw new Error('window destroyed');
      });
      hub.on((event) => seen.push(event));
      hub.emit('bottles.changed', {});
      expect(seen).toEqual(['bottles.changed']);
      expect(reported).toEqual(['bottles.changed: window destroyed']);
    } finally {
      setListenerErrorReporter(previous);
    }
  });

  it('logs a failure in the app as one stderr line naming the event', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      logListenerErrorToStderr('bottle.status', new Error('socket closed'));
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual(['claude-bottle: a listener of bottle.status failed: socket closed\n']);
  });
});
