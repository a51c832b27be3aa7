// The window's Content-Security-Policy, one definition for both carriers of the page: Electron
// (a response header on the app's own page) and browser mode (a header from `serve`). Only the
// script and connection sources differ between them.

export interface CspOptions {
  /** Extra `connect-src` sources beyond 'self' (browser mode's WebSocket, a dev server). */
  connect?: string[];
  /** Vite's dev server injects an inline React-refresh preamble. */
  inlineScripts?: boolean;
}

export function contentSecurityPolicy({ connect = [], inlineScripts = false }: CspOptions = {}): string {
  return [
    "default-src 'none'",
    inlineScripts ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    ['connect-src', "'self'", ...connect].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "manifest-src 'none'",
  ].join('; ');
}

/** Directives a `<meta>` policy cannot carry (browsers ignore them there). */
const HEADER_ONLY = ['frame-ancestors', 'report-uri', 'sandbox'];

/** The same policy for the page's `<meta>` tag: what a meta tag can carry of it. */
export function metaContentSecurityPolicy(options: CspOptions = {}): string {
  return contentSecurityPolicy(options)
    .split('; ')
    .filter((directive) => !HEADER_ONLY.includes(directive.split(' ')[0] ?? ''))
    .join('; ');
}

/** What src/renderer/index.html holds where the built page gets its policy. */
export const CSP_PLACEHOLDER = '%CLAUDE_BOTTLE_CSP%';
