import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUILTIN_BASE,
  baseRecipeHash,
  ensureBuiltinBaseImage,
  builtinBaseTag,
  defaultRecipeDir,
  isBuiltinImage,
  pinnedClaudeCodeVersion,
  readExtraCaCerts,
  resolveBaseFrom,
} from '../../../src/core/builtin/baseImage';
import { connectDocker } from '../../../src/core/docker/client';
import { BottleError } from '../../../src/core/errors';

const RECIPE = fileURLToPath(new URL('../../../images/base/', import.meta.url));
const folders: string[] = [];

/** A copy of the real recipe to change. */
function recipeCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-recipe-'));
  folders.push(dir);
  fs.cpSync(RECIPE, dir, { recursive: true });
  return dir;
}

afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEsecretsecret\n-----END PRIVATE KEY-----';

describe('the built-in base image reference', () => {
  it('is "builtin:base" and nothing else', () => {
    expect(BUILTIN_BASE).toBe('builtin:base');
    expect(isBuiltinImage('builtin:base')).toBe(true);
    expect(isBuiltinImage('builtin:other')).toBe(false);
    expect(isBuiltinImage('debian:bookworm-slim')).toBe(false);
  });

  it('finds the recipe at the repository root in a checkout', () => {
    expect(path.resolve(defaultRecipeDir())).toBe(path.resolve(RECIPE));
    expect(pinnedClaudeCodeVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the recipe hash', () => {
  it('is stable and ignores modification times', () => {
    const dir = recipeCopy();
    const before = baseRecipeHash(dir);
    const helper = path.join(dir, 'helpers', 'bottle-info');
    fs.utimesSync(helper, new Date(0), new Date(0));
    expect(baseRecipeHash(dir)).toBe(before);
    expect(baseRecipeHash(dir)).toBe(baseRecipeHash(RECIPE));
    expect(before).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when a recipe file changes, and so does the tag', () => {
    const dir = recipeCopy();
    const before = baseRecipeHash(dir);
    const tagBefore = builtinBaseTag({ recipeDir: dir, baseImage: 'debian:bookworm-slim' });
    fs.appendFileSync(path.join(dir, 'helpers', 'bottle-info'), '# changed\n');
    expect(baseRecipeHash(dir)).not.toBe(before);
    expect(builtinBaseTag({ recipeDir: dir, baseImage: 'debian:bookworm-slim' })).not.toBe(tagBefore);
  });

  it('changes when a file is added or renamed', () => {
    const dir = recipeCopy();
    const before = baseRecipeHash(dir);
    fs.writeFileSync(path.join(dir, 'helpers', 'bottle-new'), '#!/bin/sh\n');
    const added = baseRecipeHash(dir);
    expect(added).not.toBe(before);
    fs.renameSync(path.join(dir, 'helpers', 'bottle-new'), path.join(dir, 'helpers', 'bottle-renamed'));
    expect(baseRecipeHash(dir)).not.toBe(added);
  });
});

describe('the base image tag', () => {
  const recipeHash = 'a'.repeat(64);

  it('is claude-bottle/base:<16 hex> and depends on the FROM image, the Claude Code version and extra CAs', () => {
    const tag = builtinBaseTag({ recipeHash, baseImage: 'debian:bookworm-slim' });
    expect(tag).toMatch(/^claude-bottle\/base:[0-9a-f]{16}$/);
    expect(builtinBaseTag({ recipeHash, baseImage: 'debian:bookworm-slim' })).toBe(tag);
    expect(builtinBaseTag({ recipeHash, baseImage: 'claude-bottle-debian:bookworm' })).not.toBe(tag);
    expect(builtinBaseTag({ recipeHash, baseImage: 'debian:bookworm-slim', claudeCodeVersion: '2.0.0' })).not.toBe(tag);
    expect(builtinBaseTag({ recipeHash, baseImage: 'debian:bookworm-slim', extraCaCerts: CERT })).not.toBe(tag);
  });

  it('says "latest" and the build date for an "Update Claude Code" build', () => {
    const tag = builtinBaseTag({ recipeHash, claudeCodeVersion: 'latest', date: new Date('2031-02-03T04:05:06Z') });
    expect(tag).toMatch(/^claude-bottle\/base:[0-9a-f]{16}-latest-20310203$/);
  });

  it('starts FROM the option, else $CLAUDE_BOTTLE_BASE_FROM, else debian:bookworm-slim', () => {
    expect(resolveBaseFrom('mine:1', { CLAUDE_BOTTLE_BASE_FROM: 'env:2' })).toBe('mine:1');
    expect(resolveBaseFrom(undefined, { CLAUDE_BOTTLE_BASE_FROM: 'env:2' })).toBe('env:2');
    expect(resolveBaseFrom(undefined, {})).toBe('debian:bookworm-slim');
  });
});

describe('extra certificate authorities for the build', () => {
  function pemFile(text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-ca-'));
    folders.push(dir);
    const file = path.join(dir, 'ca.pem');
    fs.writeFileSync(file, text);
    return file;
  }

  it('keeps only CERTIFICATE blocks, so a private key in the file never reaches the image', () => {
    const text = readExtraCaCerts({ CLAUDE_BOTTLE_EXTRA_CA_CERTS: pemFile(`${KEY}\n${CERT}\n${CERT}\n`) });
    expect(text).toBe(`${CERT}\n${CERT}\n`);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('falls back to NODE_EXTRA_CA_CERTS, ignoring it when unreadable, but not an explicit file', () => {
    expect(readExtraCaCerts({ NODE_EXTRA_CA_CERTS: pemFile(CERT) })).toBe(`${CERT}\n`);
    expect(readExtraCaCerts({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' })).toBe('');
    expect(readExtraCaCerts({})).toBe('');
    expect(() => readExtraCaCerts({ CLAUDE_BOTTLE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' })).toThrow(BottleError);
  });
});

describe('ensuring the base image without Docker', () => {
  it('fails as docker-unavailable with a hint, not with a raw socket error', async () => {
    const docker = connectDocker({ socketPath: '/nonexistent/docker.sock' });
    const error = await ensureBuiltinBaseImage(docker, { env: {} }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BottleError);
    expect((error as BottleError).kind).toBe('docker-unavailable');
    expect((error as BottleError).hint).toBeTruthy();
  });
});
