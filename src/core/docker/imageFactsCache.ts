import fs from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readRegularFile } from '../fs/safeFiles';
import { writeFileReplacing } from '../fs/writeReplacing';

// What was read of an image's files, kept on disk by image id under the state root, so that the
// next process (every `claude-bottle start` is one) does not pay a throwaway container again. An
// image id is the hash of the image's content: the facts of one id never change. The folder is the
// host's own (a bottle cannot write it); an entry that does not read back as expected is a miss.

/** The cap on one entry: two account files at their cap, and a little more. */
const MAX_ENTRY_BYTES = 3 * 1024 * 1024;
const IMAGE_ID = /^sha256:([0-9a-f]{64})$/;

export const imageFileFactsSchema = z.strictObject({
  passwd: z.string(),
  group: z.string(),
  hasClaudeShell: z.boolean(),
});
export type ImageFileFacts = z.infer<typeof imageFileFactsSchema>;

export class ImageFactsCache {
  constructor(readonly dir: string) {}

  /** The facts kept for this image id, or undefined (never kept, unreadable, or not an image id). */
  async read(imageId: string): Promise<ImageFileFacts | undefined> {
    const file = this.fileOf(imageId);
    if (!file) return undefined;
    try {
      const parsed = imageFileFactsSchema.safeParse(JSON.parse((await readRegularFile(file, { maxBytes: MAX_ENTRY_BYTES })).toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Keeps the facts; a failure to write only costs the next process a container, so it is not an error. */
  async write(imageId: string, facts: ImageFileFacts): Promise<void> {
    const file = this.fileOf(imageId);
    if (!file) return;
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileReplacing(file, JSON.stringify(facts));
    } catch {
      // a full disk or a read-only state root: the facts are read again next time
    }
  }

  /** The image ids facts are kept for. */
  async imageIds(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    return names.flatMap((name) => (/^[0-9a-f]{64}\.json$/.test(name) ? [`sha256:${name.slice(0, 64)}`] : []));
  }

  async forget(imageId: string): Promise<void> {
    const file = this.fileOf(imageId);
    if (file) await fs.rm(file, { force: true });
  }

  private fileOf(imageId: string): string | undefined {
    const hex = IMAGE_ID.exec(imageId)?.[1];
    return hex ? join(this.dir, `${hex}.json`) : undefined;
  }
}
