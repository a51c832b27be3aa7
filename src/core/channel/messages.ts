import { z } from 'zod';
import { CHANNEL_LIMITS, REQUEST_ID } from './layout';

// What the bottle may write into its control channel, checked before anything else reads it
// (docs/control-channel.md). Strings from the agent arrive hex-encoded and are decoded here.

const hex = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes * 2)
    .regex(/^(?:[0-9a-f]{2})*$/, 'expected hex');

export const RequestFileSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(REQUEST_ID),
  capabilityHex: hex(200),
  reasonHex: hex(2000),
  timeoutSeconds: z.number().int().min(0).max(CHANNEL_LIMITS.maxTimeoutSeconds),
});

export const CancelFileSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(REQUEST_ID),
  cancelled: z.literal('timeout'),
});

/** A hook's input as Claude Code gives it: only what the app uses is read; the rest is ignored. */
export const HookEventSchema = z.looseObject({
  hook_event_name: z.string().max(100),
  notification_type: z.string().max(100).optional(),
  message: z.string().max(2000).optional(),
});

export interface CapabilityRequest {
  id: string;
  capability: string;
  /** In the agent's words, decoded; shown escaped wherever it is shown. */
  reason: string;
  /** When the host took it from the channel (ISO). */
  at: string;
  /** When the helper stops waiting (ISO). */
  expiresAt: string;
}

export const CapabilityRequestSchema = z.strictObject({
  id: z.string().regex(REQUEST_ID),
  capability: z.string().max(200),
  reason: z.string().max(2000),
  at: z.string().max(40),
  expiresAt: z.string().max(40),
});

export type AttentionState = 'working' | 'waiting' | 'done';

export interface HookEvent {
  event: string;
  notificationType?: string;
  message?: string;
  at: string;
}

/** What a hook event says about Claude: working on a prompt, waiting for the user, or finished. */
export function attentionOf(event: HookEvent): AttentionState | undefined {
  switch (event.event) {
    case 'UserPromptSubmit':
      return 'working';
    case 'SessionStart':
    case 'Stop':
    case 'Notification':
      return 'waiting';
    case 'SessionEnd':
      return 'done';
    default:
      return undefined;
  }
}

export function decodeHex(text: string): string {
  return Buffer.from(text, 'hex').toString('utf8');
}
