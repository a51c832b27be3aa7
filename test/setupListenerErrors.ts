import { afterEach } from 'vitest';
import { setListenerErrorReporter } from '../src/app/events';

// A listener that throws in the event hub is logged in the app; in tests it fails the test it
// happened in, so a broken listener is never silently swallowed.

const failures: string[] = [];
setListenerErrorReporter((event, error) => {
  failures.push(`a listener of ${event} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
});

afterEach(() => {
  const seen = failures.splice(0);
  if (seen.length > 0) throw new Error(seen.join('\n'));
});
