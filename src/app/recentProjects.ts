import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { readRegularFile } from '../core/fs/safeFiles';
import { type RecentProject, RecentProjectSchema } from '#contract';
import { SERVICE_LIMITS } from './constants';

const FILE_NAME = 'recent-projects.json';
/** A list of recent projects is a few KiB. */
const RECENT_FILE_MAX_BYTES = 1024 * 1024;

const RecentFileSchema = z.object({ version: z.literal(1), projects: z.array(RecentProjectSchema) });

/**
 * `<state root>/recent-projects.json`: the projects opened last, newest first, shared by every app
 * process of this user. A missing or damaged file is an empty list, never an error.
 */
export class RecentProjects {
  readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    stateRoot: string,
    private readonly max: number = SERVICE_LIMITS.maxRecentProjects,
  ) {
    this.file = join(stateRoot, FILE_NAME);
  }

  async list(): Promise<RecentProject[]> {
    let text: string;
    try {
      // A FIFO or a huge file in its place is a damaged list, not a hang (docs/security.md).
      text = (await readRegularFile(this.file, { maxBytes: RECENT_FILE_MAX_BYTES })).toString('utf8');
    } catch {
      return [];
    }
    try {
      const parsed = RecentFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.projects.slice(0, this.max) : [];
    } catch {
      return [];
    }
  }

  /** Moves (or adds) a project to the top. */
  async remember(root: string, agents: string[], now = new Date()): Promise<RecentProject[]> {
    const entry: RecentProject = { root, name: basename(root) || root, openedAt: now.toISOString(), agents };
    let result: RecentProject[] = [];
    // Writes are serialised so two quick opens never interleave into a lost update.
    const write = this.writing.then(async () => {
      const current = await this.list();
      result = [entry, ...current.filter((project) => project.root !== root)].slice(0, this.max);
      await this.save(result);
    });
    this.writing = write.catch(() => {});
    await write;
    return result;
  }

  private async save(projects: RecentProject[]): Promise<void> {
    await fs.mkdir(join(this.file, '..'), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, `${JSON.stringify({ version: 1, projects }, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(temp, this.file);
  }
}
