import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Docker-backed tests share one engine and one test image: run files one after another.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['test/globalSetup.ts'],
    // A listener that throws in the event hub fails the test it happened in.
    setupFiles: ['test/setupListenerErrors.ts'],
  },
});
