import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CSP_PLACEHOLDER, metaContentSecurityPolicy } from './src/shared/csp';

/** Writes the one Content-Security-Policy (src/shared/csp.ts) into the page's meta tag. */
export function contentSecurityPolicyMeta(): Plugin {
  let dev = false;
  return {
    name: 'claude-bottle-csp',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml(html) {
      if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`src/renderer/index.html lost its ${CSP_PLACEHOLDER} placeholder`);
      // Vite's dev server injects an inline React-refresh preamble; the built page has none.
      return html.replace(CSP_PLACEHOLDER, metaContentSecurityPolicy({ inlineScripts: dev }));
    },
  };
}

// One build for every front door: the Electron main process, the CLI (which also serves browser
// mode) and the sandboxed preload. Runtime dependencies (dockerode, node-pty, ...) stay external.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/cli/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload cannot be an ES module: bundle it as one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: {
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
    plugins: [react(), contentSecurityPolicyMeta()],
  },
});
