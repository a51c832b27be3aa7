import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CSP_PLACEHOLDER, contentSecurityPolicy, metaContentSecurityPolicy } from '../../src/shared/csp';

// One Content-Security-Policy: src/shared/csp.ts. Electron and browser mode send it as a header;
// the build writes what a meta tag can carry of it into the page, so the two never disagree.

const SOURCE = fileURLToPath(new URL('../../src/renderer/index.html', import.meta.url));
const BUILT = fileURLToPath(new URL('../../out/renderer/index.html', import.meta.url));

describe('the one Content-Security-Policy', () => {
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
