import { SLUG_PATTERN } from '#contract/names';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import { BottleError } from '../errors';
import { type BottleRecord, BottleRecordSchema, type PreservedReason } from './bottleRecord';
import { writeFailure } from './diskErrors';
import { readRegularFile, UnsafeFileError } from '../fs/safeFiles';

/** A state folder whose bottle.json could not be read; listed so the user can discard it. */
export interface CorruptState {
  slug: string;
  dir: string;
  problem: string;
}

export interface StateListing {
  records: BottleRecord[];
  corrupt: CorruptState[];
}

const RECORD_FILE = 'bottle.json';
/** A bottle.json is a few KiB; anything past this is not one. */
const RECORD_MAX_BYTES = 1024 * 1024;
const CLAUDE_DIR = 'claude';
const TRANSCRIPTS_DIR = 'transcripts';
const STOP_REQUEST_FILE = 'stop-request.json';
/** Only these may name a state folder: a slug can never climb out of the state root. */

export function isValidSlug(slug: string): boolean {
  return SLUG_PATTERN.test(slug);
}

/** What an explicit stop asked for, left in the state folder for the process that owns the session. */
export interface StopRequest {
  keep: boolean;
  reason?: PreservedReason;
  at: string;
}

/**
 * Owns `<state root>/state/<slug>/`: the record, Claude's storage, transcript snapshots. Folders are
 * private to the user (0700); bottle.json is replaced atomically so a crash never leaves half a file.
 */
export class StateStore {
  readonly stateDir: string;
  /** What was read of images' files, by image id (src/core/docker/imageFactsCache.ts). */
  readonly imageFactsDir: string;

  constructor(readonly root: string) {
    this.stateDir = join(root, 'state');
    this.imageFactsDir = join(root, 'cache', 'image-facts');
  }

  bottleDir(slug: string): string {
    if (!isValidSlug(slug)) throw new BottleError('usage', `not a bottle slug: "${slug}"`);
    return join(this.stateDir, slug);
  }

  /** Host folder bind-mounted as the bottle's CLAUDE_CONFIG_DIR, so sessions survive the container. */
  claudeDir(slug: string): string {
    return join(this.bottleDir(slug), CLAUDE_DIR);
  }

  transcriptsDir(slug: string): string {
    return join(this.bottleDir(slug), TRANSCRIPTS_DIR);
  }

  async create(record: BottleRecord): Promise<void> {
    await fs.mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const dir = this.bottleDir(record.slug);
    await fs.mkdir(dir, { mode: 0o700 }); // fails if the slug already exists: never share a folder
    await fs.mkdir(join(dir, CLAUDE_DIR), { mode: 0o700 });
    await this.write(record);
  }

  async exists(slug: string): Promise<boolean> {
    return fs.access(this.bottleDir(slug), fsConstants.F_OK).then(
      () => true,
      () => false,
    );
  }

  async write(record: BottleRecord): Promise<void> {
    const file = join(this.bottleDir(record.slug), RECORD_FILE);
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    const body = `${JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2)}\n`;
    try {
      await fs.writeFile(temp, body, { mode: 0o600 });
      await fs.rename(temp, file);
    } catch (error) {
      // No half-written temp file is left behind, whatever went wrong.
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw writeFailure(file, error, this.root);
    }
  }

  async update(slug: string, change: (record: BottleRecord) => BottleRecord): Promise<BottleRecord> {
    const next = change(await this.read(slug));
    await this.write(next);
    return next;
  }

  async read(slug: string): Promise<BottleRecord> {
    const file = join(this.bottleDir(slug), RECORD_FILE);
    let text: string;
    try {
      // A record is small; a FIFO, a link or a huge file there is reported as corrupt, never waited on.
      text = (await readRegularFile(file, { maxBytes: RECORD_MAX_BYTES })).toString('utf8');
    } catch (error) {
      if (error instanceof UnsafeFileError) throw new BottleError('state', `${file} ${error.why}`);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BottleError('not-found', `no bottle "${slug}" in ${this.stateDir}`, 'list bottles with `claude-bottle ps`');
      }
      throw new BottleError('state', `cannot read ${file}: ${(error as Error).message}`);
    }
    return parseRecord(file, text);
  }

  /** Every state folder, valid or not; a corrupt one is reported and skipped, never fatal. */
  async list(): Promise<StateListing> {
    let names: string[];
    try {
      names = await fs.readdir(this.stateDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], corrupt: [] };
      throw new BottleError('state', `cannot list ${this.stateDir}: ${(error as Error).message}`);
    }
    const listing: StateListing = { records: [], corrupt: [] };
    for (const slug of names.filter(isValidSlug).sort()) {
      const dir = join(this.stateDir, slug);
      try {
        const record = await this.read(slug);
        if (record.slug !== slug) throw new BottleError('state', `${dir}/bottle.json names another bottle ("${record.slug}")`);
        listing.records.push(record);
      } catch (error) {
        listing.corrupt.push({ slug, dir, problem: (error as Error).message });
      }
    }
    return listing;
  }

  async remove(slug: string): Promise<void> {
    await fs.rm(this.bottleDir(slug), { recursive: true, force: true });
  }

  async requestStop(slug: string, request: StopRequest): Promise<void> {
    await fs.writeFile(join(this.bottleDir(slug), STOP_REQUEST_FILE), JSON.stringify(request), { mode: 0o600 });
  }

  /** Reads and clears a pending stop request. */
  async takeStopRequest(slug: string): Promise<StopRequest | undefined> {
    const file = join(this.bottleDir(slug), STOP_REQUEST_FILE);
    try {
      const request = JSON.parse((await readRegularFile(file, { maxBytes: RECORD_MAX_BYTES })).toString('utf8')) as StopRequest;
      await fs.rm(file, { force: true });
      const reason = request.reason === 'interrupted' ? 'interrupted' : 'keep';
      return { keep: request.keep === true, reason, at: String(request.at) };
    } catch {
      return undefined;
    }
  }
}

function parseRecord(file: string, text: string): BottleRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BottleError('state', `${file} is not valid JSON: ${(error as Error).message}`);
  }
  const result = BottleRecordSchema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'the document';
    throw new BottleError('state', `${file} is corrupt: ${where}: ${first?.message ?? 'invalid'}`);
  }
  return result.data;
}
