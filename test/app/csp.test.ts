import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { IndexHtmlTransformHook, ResolvedConfig } from 'vite';
import { contentSecurityPolicyMeta } from '../../electron.vite.config';
import { electronContentSecurityPolicy } from '../../src/main/security';
import { browserContentSecurityPolicy } from '../../src/server/server';
import { CSP_PLACEHOLDER, contentSecurityPolicy, metaContentSecurityPolicy } from '../../src/shared/csp';

// One Content-Security-Policy: src/shared/csp.ts. Electron and browser mode send it as a header;
// the build writes what a meta tag can carry of it into the page, so the two never disagree.

const SOURCE = fileURLToPath(new URL('../../src/renderer/index.html', import.meta.url));
const BUILT = fileURLToPath(new URL('../../out/renderer/index.html', import.meta.url));

/** What the renderer build's plugin makes of index.html, as `vite build` (or the dev server) runs it. */
function transformed(command: 'build' | 'serve'): string {
  const plugin = contentSecurityPolicyMeta();
  (plugin.configResolved as (config: Pick<ResolvedConfig, 'command'>) => void)({ command });
  const hook = plugin.transformIndexHtml as IndexHtmlTransformHook;
  return hook.call({} as never, fs.readFileSync(SOURCE, 'utf8'), { path: '/index.html', filename: SOURCE }) as string;
}

const metaOf = (html: string): string | undefined => /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];

describe('the one Content-Security-Policy', () => {
  it("is the page's meta tag: csp.ts's policy, minus the directives a meta tag ignores", () => {
    const header = contentSecurityPolicy().split('; ');
    const meta = metaOf(transformed('build'))?.split('; ');
    expect(meta).toEqual(header.filter((directive) => !directive.startsWith('frame-ancestors ')));
    expect(meta).toContain("manifest-src 'none'");
    // The dev server's page runs Vite's inline React-refresh preamble.
    expect(metaOf(transformed('serve'))).toBe(metaContentSecurityPolicy({ inlineScripts: true }));
  });

  it('refuses a page that lost its placeholder, rather than shipping it without a policy', () => {
    const plugin = contentSecurityPolicyMeta();
    const hook = plugin.transformIndexHtml as IndexHtmlTransformHook;
    expect(() => hook.call({} as never, '<html><head></head></html>', { path: '/index.html', filename: SOURCE })).toThrow(CSP_PLACEHOLDER);
  });

  it('is what Electron and browser mode send as a header', () => {
    expect(electronContentSecurityPolicy()).toBe(contentSecurityPolicy());
    expect(electronContentSecurityPolicy({ devServer: 'http://localhost:5173' })).toBe(contentSecurityPolicy({ connect: ['ws://localhost:5173'], inlineScripts: true }));
    expect(browserContentSecurityPolicy(4321)).toBe(contentSecurityPolicy({ connect: ['ws://127.0.0.1:4321'] }));
  });

  it('is written into the built page from csp.ts, minus what a meta tag cannot carry', () => {
    expect(fs.readFileSync(SOURCE, 'utf8')).toContain(`content="${CSP_PLACEHOLDER}"`);
    expect(fs.existsSync(BUILT), 'out/renderer/index.html is missing: run `npm run build` first').toBe(true);
    const built = fs.readFileSync(BUILT, 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(built)?.[1];
    expect(meta).toBe(metaContentSecurityPolicy());
    expect(meta).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy()).toContain("frame-ancestors 'none'");
    expect(meta?.split('; ').every((directive) => contentSecurityPolicy().split('; ').includes(directive))).toBe(true);
  });
});
