import { shortHash, stableJson, type Tool } from '@mcp-switchboard/plugin-api';

/** The parts of a tool definition that are pinned: what a model reads or what decides what is sent. */
export const pinnedFields = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;
export type PinnedField = (typeof pinnedFields)[number];

/** A tool's pin: a hash of its whole definition, and one per field so a change can be named. */
export interface ToolPin {
  readonly hash: string;
  readonly fields: Readonly<Partial<Record<PinnedField, string>>>;
}

/**
 * The definition as its server gave it, from what the hub lists: where the exposed name carries the server's
 * prefix, the hub prefixes the titles too (`<prefix>: <title>`); that is taken off again. Applied to the hub's
 * definitions and to the servers' own alike, so both give the same pin.
 */
export function serverDefinition<T extends Pick<Tool, PinnedField>>(tool: T, server: { id: string; prefix?: string | undefined }): T {
  const prefix = `${server.prefix ?? server.id}: `;
  const strip = (title: unknown) => (typeof title === 'string' && title.startsWith(prefix) ? title.slice(prefix.length) : title);
  const out: T = { ...tool };
  if (out.title !== undefined) out.title = strip(out.title) as string;
  if (out.annotations && typeof out.annotations.title === 'string') out.annotations = { ...out.annotations, title: strip(out.annotations.title) as string };
  return out;
}

/** The one place a value becomes a pin hash (stable JSON, sha256, 16 hex digits). */
export function pinHash(value: unknown): string {
  return shortHash(stableJson(value), 16);
}

/**
 * The pin of a tool under its server's own name (a rename by the proxy or another plugin is not a change of the
 * server's definition). Absent fields are left out, so adding one is a change too.
 */
export function pinOf(originalName: string, tool: Pick<Tool, PinnedField>): ToolPin {
  const fields: Partial<Record<PinnedField, string>> = {};
  for (const field of pinnedFields) if (tool[field] !== undefined) fields[field] = pinHash(tool[field]);
  return { hash: pinHash({ name: originalName, fields }), fields };
}

/** The fields whose hashes differ (added, removed or changed), in a fixed order. */
export function changedFields(before: ToolPin, after: ToolPin): PinnedField[] {
  return pinnedFields.filter((field) => before.fields[field] !== after.fields[field]);
}
