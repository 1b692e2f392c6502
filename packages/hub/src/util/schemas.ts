import { z } from 'zod';

/**
 * Permissive schemas: the hub forwards what it receives, so it parses no more than it routes on. Every other
 * field (title, annotations, outputSchema, icons, _meta, fields of future protocol versions) survives untouched.
 */
export const LooseResultSchema = z.object({}).loose();
export type LooseResult = z.infer<typeof LooseResultSchema>;

export type LooseParams = Record<string, unknown> & { _meta?: Record<string, unknown> };

/** A request schema for one method whose params are kept whole. */
export function looseRequestSchema<M extends string>(method: M) {
  return z
    .object({
      method: z.literal(method),
      params: z.object({}).loose().optional(),
    })
    .loose();
}

export type LooseRequest<M extends string = string> = { method: M; params?: LooseParams | undefined };

/** A notification schema for one method whose params are kept whole. */
export function looseNotificationSchema<M extends string>(method: M) {
  return z
    .object({
      method: z.literal(method),
      params: z.object({}).loose().optional(),
    })
    .loose();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
