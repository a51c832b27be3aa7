// Bundles the egress proxy (src/proxy/main.ts) into one self-contained CommonJS file,
// out/proxy/egress-proxy.cjs, that the egress sidecar image runs with Node. See docs/network.md.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}/src/proxy/main.ts`],
  outfile: `${root}/out/proxy/egress-proxy.cjs`,
  bundle: true,
  platform: 'node',
  // Debian bookworm's nodejs, which the sidecar image installs.
  target: 'node18',
  format: 'cjs',
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
});
