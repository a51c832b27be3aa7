import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer, webglVerdictFor } from '../../../src/renderer/src/terminal/webglVerdict';

// The names below are what browsers report as UNMASKED_RENDERER_WEBGL on those machines.
describe('choosing the terminal renderer from the WebGL renderer name', () => {
  it.each([
    'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
    'Google SwiftShader',
    'llvmpipe (LLVM 15.0.6, 256 bits)',
    'Mesa softpipe',
    'ANGLE (Mesa, lavapipe (LLVM 15.0.6, 256 bits), Vulkan 1.3.230)',
    'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'Software Adapter',
  ])('keeps the DOM renderer on a software rasterizer: %s', (name) => {
    expect(isSoftwareRenderer(name)).toBe(true);
    expect(webglVerdictFor(name)).toEqual({ use: false, reason: `WebGL runs in software (${name}): the DOM renderer is faster` });
  });

  it.each([
    'ANGLE (NVIDIA, NVIDIA GeForce RTX 4070 Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)',
    'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
    'AMD Radeon Pro 5500M OpenGL Engine',
  ])('uses WebGL on a GPU: %s', (name) => {
    expect(isSoftwareRenderer(name)).toBe(false);
    expect(webglVerdictFor(name)).toEqual({ use: true, reason: `hardware WebGL (${name})` });
  });

  it('keeps the DOM renderer without WebGL2, and uses WebGL when a hardware context does not name itself', () => {
    expect(webglVerdictFor(null)).toEqual({ use: false, reason: 'no WebGL2 in this browser' });
    expect(webglVerdictFor('')).toEqual({ use: true, reason: 'hardware WebGL (renderer not named)' });
  });
});
