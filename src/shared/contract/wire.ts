import { z } from 'zod';
import type { EventName } from './names';
import type { EventPayload } from './events';
import type { ApiResult } from './views';

export const WireRequestSchema = z.strictObject({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  command: z.string().max(100),
  args: z.unknown(),
});
export type WireRequest = z.infer<typeof WireRequestSchema>;
export interface WireResponse {
  id: number | null;
  result: ApiResult<unknown>;
}
export interface WireEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}


// ---------------------------------------------------------------------------------------------
