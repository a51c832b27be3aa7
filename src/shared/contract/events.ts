import { z } from 'zod';
import type { EventName } from './names';
import { AgentNameSchema, BottleStatusSchema, CapabilityRequestViewSchema, RequestIdSchema, EgressEntrySchema, ImageProgressSchema, PathSchema, ProxyStateSchema, SlugSchema, text } from './views';

// Events: core → window.

// ---------------------------------------------------------------------------------------------
// Events: core → renderer

/** What the app menu and the tray ask the window to do. */
export const UiRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('new-bottle') }),
  z.object({ action: z.literal('close-tab') }),
  z.object({ action: z.literal('next-tab') }),
  z.object({ action: z.literal('previous-tab') }),
  z.object({ action: z.literal('zoom'), direction: z.enum(['in', 'out', 'reset']) }),
  /** Open a project (menu "Open Folder…" after the dialog, or a second app instance's folder). */
  z.object({ action: z.literal('open-project'), dir: PathSchema }),
  /** Tray quick-start: open this agent's preflight (never launch directly). */
  z.object({ action: z.literal('start-agent'), projectDir: PathSchema, agent: AgentNameSchema }),
  /** Tray: show this bottle's tab. */
  z.object({ action: z.literal('focus-bottle'), slug: SlugSchema }),
  /** Tray: open the resume preflight of this preserved bottle. */
  z.object({ action: z.literal('resume-bottle'), slug: SlugSchema }),
]);
export type UiRequest = z.infer<typeof UiRequestSchema>;

export const NotificationSchema = z.object({
  /** `waiting`: Claude turned to the user (the tab shows it; the desktop says it only when the window is not in front). */
  kind: z.enum(['exited', 'crashed', 'preserved', 'failed', 'attention', 'waiting']),
  slug: SlugSchema,
  title: text(200),
  body: text(),
});
export type BottleNotification = z.infer<typeof NotificationSchema>;

export const events = {
  /** A bottle's status changed (launch progress included). */
  'bottle.status': BottleStatusSchema,
  /** Batched terminal output; acknowledge with `terminal.ack`. */
  'terminal.data': z.object({ slug: SlugSchema, data: z.string() }),
  /** Something in `bottles.list` changed: fetch it again. */
  'bottles.changed': z.object({}),
  /** The recent-projects list changed. */
  'projects.changed': z.object({}),
  /** Something a person should notice (Electron shows it natively too). */
  'app.notification': NotificationSchema,
  /** The app menu or the tray asks the window to do something. */
  'ui.request': UiRequestSchema,
  /** A built-in base image build ("Update Claude Code") made progress, ended, or failed. */
  'image.progress': ImageProgressSchema,
  /** New egress log entries of a bottle, batched; or its proxy died or came back. */
  'bottle.egress': z.object({ slug: SlugSchema, proxy: ProxyStateSchema, entries: z.array(EgressEntrySchema).max(1000) }),
  /**
   * The checks of a prepared bottle's network that need no proxy (made while its preflight is
   * read): from inside the bottle's namespace, a direct connection and a DNS lookup both fail.
   */
  'preflight.network': z.object({ slug: SlugSchema, ok: z.boolean(), lines: z.array(z.string().max(500)).max(10) }),
  /** A bottle asks for a capability (`bottle-request`). */
  'bottle.request': CapabilityRequestViewSchema,
  /** A request is no longer waiting: answered, or the agent stopped waiting. */
  'bottle.requestSettled': z.object({ slug: SlugSchema, id: RequestIdSchema }),
} as const satisfies Record<string, z.ZodType>;

export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;
// The map has exactly the names in names.ts: one missing or one extra is a compile error here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameEvents: Same<keyof typeof events, EventName> = true;
void _sameEvents;
