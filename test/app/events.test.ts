import { describe, expect, it } from 'vitest';
import { EventHub, setListenerErrorReporter } from '../../src/app/events';

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
});
