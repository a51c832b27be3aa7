// Bundles the `claude-bottle` CLI (src/cli/main.ts) into one CommonJS script, out/cli/claude-bottle.cjs,
// which bin/claude-bottle.js runs (bin/runBundle.js). One file loads several times faster than the
// hundreds of modules it is made of, and a script, unlike an ES module, can be compiled from a V8
// code cache on Node 20 (the CLI's start is most of a `claude-bottle start`; see docs/architecture.md,
// "How the CLI starts fast"). Native and optional modules stay outside and are loaded from node_modules.
import { build, transform } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/out/cli`, { recursive: true, force: true }); // nothing of an earlier build stays beside
await build({
  entryPoints: [`${root}/src/cli/main.ts`],
  outfile: `${root}/out/cli/claude-bottle.cjs`,
  // What only some commands import (`serve`: the window's server, its screen mirrors) is in the file
  // but runs only when imported; with the code cache, V8 does not even parse it at a start.
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ASCII only (esbuild escapes the rest; see asciiOnly below), so the loader reads it as Latin-1,
  // several ms faster than decoding UTF-8 into a two-byte string.
  charset: 'ascii',
  // node-pty and ssh2 (Docker over SSH) load native code; cpu-features is ssh2's optional one.
  external: ['node-pty', 'ssh2', 'cpu-features', 'electron', 'dockerode/lib/session.js', 'docker-modem/lib/ssh.js'],
  // jsonc-parser's CommonJS build requires its parts at run time; its ES build bundles.
  alias: { 'jsonc-parser': `${root}/node_modules/jsonc-parser/lib/esm/main.js` },
  // The ES modules that find files beside themselves (the base image's, the proxy's) get the script's URL.
  define: { 'import.meta.url': '__cbImportMetaUrl' },
  banner: { js: "var __cbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    // dockerode loads gRPC and protobufjs at start for BuildKit sessions (`version: "2"` builds),
    // which the app never asks for.
    loadedWhenCalled({ module: './session', from: '/dockerode/lib/', path: 'dockerode/lib/session.js' }),
    // docker-modem loads ssh2 at start for a DOCKER_HOST of ssh://, which most never use.
    loadedWhenCalled({ module: './ssh', from: '/docker-modem/lib/', path: 'docker-modem/lib/ssh.js' }),
    // node-pty (a native module) drives only the `docker exec -it` of old bottles and `login`: a
    // `start` attaches through the API and does not pay for loading it.
    loadedWhenCalled({ module: 'node-pty', from: '/src/core/session/', path: 'node-pty', exports: ['spawn'] }),
    // docker-modem formats every request for its debug log even when that log is off (DEBUG=modem):
    // a few ms per start. Formatted only when the log is on; what it logs is unchanged.
    {
      name: 'modem-debug-when-enabled',
      setup(build) {
        build.onLoad({ filter: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/ }, ({ path }) => {
          const source = readFileSync(path, 'utf8');
          const patched = source.replace("debug('Sending: %s', util.inspect(", "debug.enabled && debug('Sending: %s', util.inspect(");
          if (patched === source) throw new Error(`${path}: its debug call changed; update the modem-debug-when-enabled plugin`);
          return { contents: patched, loader: 'js' };
        });
      },
    },
  ],
});

await asciiOnly(`${root}/out/cli/claude-bottle.cjs`);

/**
 * esbuild escapes every non-ASCII character of the code, but not of the comments it keeps: those
 * become `?`. Checked: the file without its comments is the same before and after.
 */
async function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(/[^\t\n\r\x20-\x7e]/g, (c) => (c.charCodeAt(0) < 0x80 ? c : '?'));
  const withoutComments = async (source) => (await transform(source, { minifyWhitespace: true, charset: 'ascii', legalComments: 'none', format: 'cjs' })).code;
  if ((await withoutComments(text)) !== (await withoutComments(ascii))) throw new Error(`${file}: code outside comments is not ASCII`);
  writeFileSync(file, ascii);
}

/**
 * A module that exports one function (or the functions named in `exports`), left out of the bundle
 * and loaded from node_modules the first time that function is called: its dependencies cost
 * nothing to a command that never needs them.
 */
function loadedWhenCalled({ module, from, path, exports }) {
  const namespace = `loaded-when-called:${path}`;
  return {
    name: namespace,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, (args) => (args.importer.includes(from) ? { path, namespace } : undefined));
      build.onLoad({ filter: /.*/, namespace }, () => ({
        contents: exports
          ? exports.map((name) => `exports.${name} = function loadedWhenCalled(...args) { return require(${JSON.stringify(path)}).${name}(...args); };`).join('\n')
          : `module.exports = function loadedWhenCalled(...args) { return require(${JSON.stringify(path)})(...args); };`,
        loader: 'js',
      }));
    },
  };
}
