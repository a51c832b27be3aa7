import { z } from 'zod';
import { ConfirmedPlanSchema } from '../plan/confirmedPlan';

// bottle.json: what a bottle's state folder says about it. Validated on every read, so a file
// edited by hand or cut short by a crash is reported as corrupt instead of crashing a listing.

export const PreservedReasonSchema = z.enum(['exit', 'capability', 'interrupted', 'keep']);
export type PreservedReason = z.infer<typeof PreservedReasonSchema>;

export const BottleStatusSchema = z.enum([
  'prepared', // plan made, nothing started (a preflight is open)
  'launching', // building or starting
  'running', // Claude's session is attached
  'preserved', // container gone, state kept to resume
]);
export type BottleStatus = z.infer<typeof BottleStatusSchema>;

export const BottleRecordSchema = z.object({
  version: z.literal(1),
  slug: z.string(),
  agent: z.string(),
  projectRoot: z.string(),
  manifestFile: z.string(),
  containerName: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: BottleStatusSchema,
  options: z.object({ copyProject: z.boolean(), remoteControl: z.boolean() }),
  grantedCapabilities: z.array(z.string()),
  /** How many Claude sessions ran in this bottle; resume continues the conversation when > 0. */
  sessions: z.number().int().min(0),
  image: z.string().optional(),
  lastExitCode: z.number().int().optional(),
  preserved: z
    .object({
      reason: PreservedReasonSchema,
      detail: z.string(),
      at: z.string(),
      exitCode: z.number().int().optional(),
      capability: z.string().optional(),
    })
    .optional(),
  /** The plan the user confirmed at the last launch (docs/resume-and-reattach.md). */
  confirmedPlan: ConfirmedPlanSchema.optional(),
  /** The process attached to the session, so another process knows whether someone will settle it. */
  owner: z.object({ pid: z.number().int(), hostname: z.string(), startTime: z.number().int().nonnegative().optional() }).optional(),
});
export type BottleRecord = z.infer<typeof BottleRecordSchema>;
