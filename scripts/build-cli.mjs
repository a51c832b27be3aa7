// Bundles the `claude-bottle` CLI (src/cli/index.ts) into one ES module, out/cli/claude-bottle.mjs
// (plus chunks for what only some commands need), which bin/claude-bottle.js runs. One file loads
// several times faster than the hundreds of modules it is made of (the CLI's start is most of a `claude-bottle start`; see README,
// Performance). Native and optional modules stay outside and are loaded from node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/out/cli`, { recursive: true, force: true }); // no chunk of an earlier build stays beside
await build({
  entryPoints: { 'claude-bottle': `${root}/src/cli/index.ts` },
  outdir: `${root}/out/cli`,
  outExtension: { '.js': '.mjs' },
  // What only some commands load (`serve`: the window's server, its screen mirrors) goes into
  // chunks that are read when those commands import them, not parsed at every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // node-pty and ssh2 (Docker over SSH) load native code; cpu-features is ssh2's optional one.
  external: ['node-pty', 'ssh2', 'cpu-features', 'electron', 'dockerode/lib/session.js', 'docker-modem/lib/ssh.js'],
  // jsonc-parser's CommonJS build requires its parts at run time; its ES build bundles.
  alias: { 'jsonc-parser': `${root}/node_modules/jsonc-parser/lib/esm/main.js` },
  // Bundled CommonJS modules call require(): give the ES module one.
  banner: { js: "import { createRequire as __cbCreateRequire } from 'node:module'; const require = __cbCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    // dockerode loads gRPC and protobufjs at start for BuildKit sessions (`version: "2"` builds),
    // which the app never asks for.
    loadedWhenCalled({ module: './session', from: '/dockerode/lib/', path: 'dockerode/lib/session.js' }),
    // docker-modem loads ssh2 at start for a DOCKER_HOST of ssh://, which most never use.
    loadedWhenCalled({ module: './ssh', from: '/docker-modem/lib/', path: 'docker-modem/lib/ssh.js' }),
  ],
});

/**
 * A module that exports one function, left out of the bundle and loaded from node_modules the first
 * time that function is called: its dependencies cost nothing to a command that never needs them.
 */
function loadedWhenCalled({ module, from, path }) {
  const namespace = `loaded-when-called:${path}`;
  return {
    name: namespace,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, (args) => (args.importer.includes(from) ? { path, namespace } : undefined));
      build.onLoad({ filter: /.*/, namespace }, () => ({
        contents: `module.exports = function loadedWhenCalled(...args) { return require(${JSON.stringify(path)})(...args); };`,
        loader: 'js',
      }));
    },
  };
}
