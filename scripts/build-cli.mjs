// Bundles the `claude-bottle` CLI (src/cli/index.ts) into one ES module, out/cli/claude-bottle.mjs,
// which bin/claude-bottle.js runs. One file loads several times faster than the hundreds of
// modules it is made of (the CLI's start is most of a `claude-bottle start`; see README,
// Performance). Native and optional modules stay outside and are loaded from node_modules.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}/src/cli/index.ts`],
  outfile: `${root}/out/cli/claude-bottle.mjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // node-pty and ssh2 (Docker over SSH) load native code; cpu-features is ssh2's optional one.
  external: ['node-pty', 'ssh2', 'cpu-features', 'electron', 'dockerode/lib/session.js'],
  // jsonc-parser's CommonJS build requires its parts at run time; its ES build bundles.
  alias: { 'jsonc-parser': `${root}/node_modules/jsonc-parser/lib/esm/main.js` },
  // Bundled CommonJS modules call require(): give the ES module one.
  banner: { js: "import { createRequire as __cbCreateRequire } from 'node:module'; const require = __cbCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyBuildKitSession()],
});

/**
 * dockerode loads gRPC and protobufjs at start for BuildKit sessions (`version: "2"` builds), which
 * the app never asks for: they are loaded from node_modules only if a session is ever opened.
 */
function lazyBuildKitSession() {
  return {
    name: 'lazy-buildkit-session',
    setup(build) {
      build.onResolve({ filter: /^\.\/session$/ }, (args) => (args.importer.includes('/dockerode/lib/') ? { path: 'dockerode-session', namespace: 'lazy-session' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'lazy-session' }, () => ({
        contents: "module.exports = function withSession(...args) { return require('dockerode/lib/session.js')(...args); };",
        loader: 'js',
      }));
    },
  };
}
