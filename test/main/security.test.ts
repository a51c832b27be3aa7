import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  electronContentSecurityPolicy,
  initialProjectFrom,
  isPermissionAllowed,
  isSafeExternalUrl,
  isTrustedSender,
  windowSecurityOptions,
} from '../../src/main/security';

const PAGE = 'file:///opt/Claude%20Bottle/resources/app.asar/out/renderer/index.html';

describe("the window's security options", () => {
  it('isolate the page, sandbox it, and give it no Node', () => {
    const options = windowSecurityOptions('/app/out/preload/index.cjs');
    expect(options).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('refuse every permission except writing text to the clipboard', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'pointerLock', 'hid', 'serial', 'usb']) {
      expect(isPermissionAllowed(permission)).toBe(false);
    }
    expect(isPermissionAllowed('clipboard-sanitized-write')).toBe(true);
  });

  it('send a CSP that allows only the app itself', () => {
    const csp = electronContentSecurityPolicy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    const dev = electronContentSecurityPolicy({ devServer: 'http://localhost:5173' });
    expect(dev).toContain('connect-src \'self\' ws://localhost:5173');
  });
});

describe('the IPC sender check', () => {
  it("accepts the app's own page, whatever its fragment or query", () => {
    expect(isTrustedSender(PAGE, PAGE)).toBe(true);
    expect(isTrustedSender(`${PAGE}#/tabs/2`, PAGE)).toBe(true);
    expect(isTrustedSender(`${PAGE}?reload=1`, PAGE)).toBe(true);
    expect(isTrustedSender('http://localhost:5173/some/route', 'http://localhost:5173/')).toBe(true);
  });

  it('refuses any other page, scheme, origin or nothing at all', () => {
    expect(isTrustedSender('file:///tmp/evil.html', PAGE)).toBe(false);
    expect(isTrustedSender('file:///opt/Claude%20Bottle/resources/app.asar/out/renderer/other.html', PAGE)).toBe(false);
    expect(isTrustedSender('https://evil.example/index.html', PAGE)).toBe(false);
    expect(isTrustedSender('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedSender('http://127.0.0.1:5173/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedSender('about:blank', PAGE)).toBe(false);
    expect(isTrustedSender('data:text/html,hi', PAGE)).toBe(false);
    expect(isTrustedSender('', PAGE)).toBe(false);
    expect(isTrustedSender(undefined, PAGE)).toBe(false);
    expect(isTrustedSender(null, PAGE)).toBe(false);
    expect(isTrustedSender('not a url', PAGE)).toBe(false);
  });
});

describe('links opened outside the app', () => {
  it('only http and https with a host and no credentials', () => {
    expect(isSafeExternalUrl('https://docs.anthropic.com/claude-code')).toBe(true);
    expect(isSafeExternalUrl('http://localhost:3000/')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vscode://file/etc/passwd',
      'smb://attacker/share',
      'ms-msdt:/id PCWDiagnostic',
      'https://user:pass@example.com/',
      'http://',
      'not a url',
      `https://example.com/${'a'.repeat(10_000)}`,
    ]) {
      expect(isSafeExternalUrl(url), url).toBe(false);
    }
  });
});

describe('the folder the app opens first', () => {
  const projects = new Set(['/work/proj', '/home/me/other']);
  const isDirectory = (path: string): boolean => projects.has(path) || path === '/tmp';
  const isProject = (dir: string): boolean => projects.has(dir);

  it('is a project folder named on the command line, else the working folder if it is a project', () => {
    expect(initialProjectFrom(['/opt/claude-bottle', '/home/me/other'], '/tmp', isDirectory, isProject)).toBe('/home/me/other');
    expect(initialProjectFrom(['/opt/claude-bottle', 'proj'], '/work', isDirectory, isProject)).toBe('/work/proj');
    expect(initialProjectFrom(['/opt/claude-bottle', '--no-sandbox'], '/work/proj', isDirectory, isProject)).toBe('/work/proj');
    expect(initialProjectFrom(['/opt/claude-bottle', '/tmp'], '/tmp', isDirectory, isProject)).toBeNull();
    expect(initialProjectFrom(['/opt/claude-bottle'], '/', isDirectory, () => true)).toBeNull();
  });
});

describe('the preload', () => {
  it('loads nothing but electron and the zod-free half of the contract (a sandboxed preload cannot require npm modules)', () => {
    const valueImports = (file: string): string[] =>
      [...fs.readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string);
    const preload = fileURLToPath(new URL('../../src/preload/index.ts', import.meta.url));
    const contract = (name: string): string => fileURLToPath(new URL(`../../src/shared/contract/${name}.ts`, import.meta.url));
    expect(valueImports(preload).sort()).toEqual(['#contract/api', '#contract/names', 'electron']);
    expect(valueImports(contract('api'))).toEqual(['./names']);
    expect(valueImports(contract('names'))).toEqual([]);
    expect(fs.readFileSync(preload, 'utf8')).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\b\s*\)/);
  });
});
