import { z } from 'zod';

// One line of a bottle's egress log (`<state folder>/egress.log`, JSON lines): every request the
// proxy allowed, refused, or could not complete. The sidecar writes it; the app reads it as
// untrusted-shaped data (validated, bounded) for the tab's egress panel and `claude-bottle logs`.

export const EgressLogEntrySchema = z.object({
  time: z.string().max(40),
  /** CONNECT, GET, POST …, or "-" when the client did not speak HTTP. */
  method: z.string().max(32),
  host: z.string().max(255),
  port: z.number().int().min(0).max(65535),
  verdict: z.enum(['allowed', 'refused', 'failed']),
  reason: z.string().max(1000).optional(),
  /** The address the proxy connected to (allowed requests). */
  address: z.string().max(64).optional(),
  /** A request to the Anthropic endpoint, sent on with the user's credential. */
  anthropic: z.boolean().optional(),
  status: z.number().int().optional(),
  path: z.string().max(200).optional(),
  bytesUp: z.number().int().min(0),
  bytesDown: z.number().int().min(0),
  durationMs: z.number().int().min(0).optional(),
});
export type EgressLogEntry = z.infer<typeof EgressLogEntrySchema>;

/** Parses the JSON lines of an egress log; a line that is not an entry is skipped, never fatal. */
export function parseEgressLog(text: string): EgressLogEntry[] {
  const entries: EgressLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = EgressLogEntrySchema.safeParse(JSON.parse(line));
      if (parsed.success) entries.push(parsed.data);
    } catch {
      // A torn last line (the sidecar was killed mid-write) is skipped.
    }
  }
  return entries;
}
