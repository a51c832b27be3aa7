import { type WebglVerdict, webglVerdictFor } from './webglVerdict';

// Asks this browser which WebGL renderer it has, once per page (see webglVerdict.ts for why).

let cached: WebglVerdict | undefined;

/** Asks the browser once per page, with a throwaway context that is released at once. */
export function webglVerdict(): WebglVerdict {
  cached ??= webglVerdictFor(probeRendererName());
  return cached;
}

function probeRendererName(): string | null {
  // A browser that refuses a context "with a major performance caveat" has only a software one.
  const hardware = withContext({ failIfMajorPerformanceCaveat: true }, rendererName);
  if (hardware !== undefined) return hardware;
  return withContext({}, () => 'software (major performance caveat)') ?? null;
}

function rendererName(gl: WebGL2RenderingContext): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name: unknown = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  return typeof name === 'string' ? name : '';
}

/** Runs `read` on a new WebGL2 context and releases the context; undefined when none was given. */
function withContext<T>(attributes: WebGLContextAttributes, read: (gl: WebGL2RenderingContext) => T): T | undefined {
  let gl: WebGL2RenderingContext | null = null;
  try {
    gl = document.createElement('canvas').getContext('webgl2', attributes);
    return gl ? read(gl) : undefined;
  } catch {
    return undefined;
  } finally {
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
