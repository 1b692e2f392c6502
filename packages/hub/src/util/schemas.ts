import { z } from 'zod';

/**
 * Permissive schemas: the hub forwards what it receives, so it parses no more than it routes on. Every other
 * field (title, annotations, outputSchema, icons, _meta, fields of future protocol versions) survives untouched.
 */
export const LooseResultSchema = z.object({}).loose();
export type LooseResult = z.infer<typeof LooseResultSchema>;

export type LooseParams = Record<string, unknown> & { _meta?: Record<string, unknown> };

function looseMessageSchema<M extends string>(method: M) {
  return z
    .object({
      method: z.literal(method),
      params: z.object({}).loose().optional(),
    })
    .loose();
}

/**
 * One schema per method, shared by every connection and session: zod schemas are immutable, and building one (and
 * compiling its parser on first use) for each of ten handlers of every downstream link and client session cost
 * memory and time for nothing.
 */
const looseMessageSchemas = new Map<string, ReturnType<typeof looseMessageSchema>>();

function sharedLooseMessageSchema<M extends string>(method: M): ReturnType<typeof looseMessageSchema<M>> {
  let schema = looseMessageSchemas.get(method);
  if (!schema) looseMessageSchemas.set(method, (schema = looseMessageSchema(method)));
  return schema as ReturnType<typeof looseMessageSchema<M>>;
}

/** A request schema for one method whose params are kept whole. */
export function looseRequestSchema<M extends string>(method: M) {
  return sharedLooseMessageSchema(method);
}

export type LooseRequest<M extends string = string> = { method: M; params?: LooseParams | undefined };

/** A notification schema for one method whose params are kept whole. */
export function looseNotificationSchema<M extends string>(method: M) {
  return sharedLooseMessageSchema(method);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
