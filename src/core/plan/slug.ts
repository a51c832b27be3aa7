import { randomBytes } from 'node:crypto';

/** `<agent>-<yyyymmddThhmmss>-<4 hex>` in UTC: sortable by time, unique enough per agent per second. */
export function makeSlug(agent: string, now = new Date(), random = randomBytes(2).toString('hex')): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15); // 20261130T001500
  return `${agent}-${stamp}-${random}`;
}

export function containerNameFor(slug: string): string {
  return `claude-bottle-${slug}`;
}
