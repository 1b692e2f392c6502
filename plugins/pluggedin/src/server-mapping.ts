import type { InProcessServerDefinition, ServerDefinition } from '@mcp-switchboard/plugin-api';
import { shortHash } from '@mcp-switchboard/plugin-api';

/** `source` of every definition this package produces. */
export const PLUGGEDIN_SOURCE = 'pluggedin';
/** Id of the plugin's own in-process server (the discovery tool and the instruction prompts). */
export const DISCOVERY_SERVER_ID = 'pluggedin';
/** Longest prefix we derive, so `<prefix>__<tool>` stays within 64 characters for typical tool names. */
export const MAX_PREFIX_LENGTH = 32;

/** The definition of the in-process discovery server; exposed unprefixed (`prefix: ''`). */
export function discoveryServerDefinition(): InProcessServerDefinition {
  return {
    id: DISCOVERY_SERVER_ID,
    name: 'plugged.in',
    source: PLUGGEDIN_SOURCE,
    transport: 'in-process',
    prefix: '',
    enabled: true,
    meta: { pluggedinDiscovery: true },
  };
}

/** A prompt message as MCP's `prompts/get` returns it. */
export interface PromptMessageOut {
  role: 'user' | 'assistant';
  content: Record<string, unknown> & { type: string };
}

/** One server's custom instructions, served as the prompt `<prefix>__instructions`. */
export interface InstructionsPrompt {
  name: string;
  description: string;
  serverId: string;
  messages: PromptMessageOut[];
}

/** A server the App listed that could not be used, and why. */
export interface SkippedServer {
  name: string;
  uuid: string | undefined;
  reason: string;
}

export interface MappedServers {
  /** The App's servers, sorted by id (the discovery server is not included). */
  definitions: ServerDefinition[];
  prompts: InstructionsPrompt[];
  skipped: SkippedServer[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Values of a string record; numbers and booleans become strings, other values are dropped. */
function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

/**
 * A name as a prefix: lowercase, every character outside `[a-z0-9_-]` becomes `-`, runs of `-` (and of `_`)
 * collapse, leading/trailing `-`/`_` go.
 */
export function normalizePrefix(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/^[-_]+|[-_]+$/g, '');
}

function fitPrefix(prefix: string, seed: string): string {
  if (prefix.length <= MAX_PREFIX_LENGTH) return prefix;
  const hash = shortHash(seed, 4);
  return `${prefix.slice(0, MAX_PREFIX_LENGTH - hash.length - 1).replace(/[-_]+$/, '')}-${hash}`;
}

/**
 * The tool prefix of an App server: its `slug`, else its name normalised to `[a-z0-9_-]`; never its UUID. A
 * prefix longer than 32 characters is shortened with a 4-character hash; a name with no usable character gets
 * `server-<hash>`.
 */
export function serverPrefix(server: { uuid: string; name?: string | null; slug?: string | null }): string {
  const fromSlug = server.slug ? normalizePrefix(server.slug) : '';
  const base = fromSlug || normalizePrefix(server.name ?? '');
  if (!base) return `server-${shortHash(server.uuid, 6)}`;
  return fitPrefix(base, server.uuid + base);
}

/** The App's `customInstructions` as messages: an McpMessage[] (or its JSON text, or plain text). */
function instructionMessages(raw: unknown): Array<{ role: string; items: unknown[] }> {
  let value = raw;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text) return [];
    try {
      value = JSON.parse(text);
    } catch {
      return [{ role: 'user', items: [{ type: 'text', text }] }];
    }
  }
  if (isRecord(value)) value = [value];
  if (!Array.isArray(value)) return [];
  const out: Array<{ role: string; items: unknown[] }> = [];
  for (const message of value) {
    if (typeof message === 'string') {
      out.push({ role: 'user', items: [{ type: 'text', text: message }] });
      continue;
    }
    if (!isRecord(message)) continue;
    const role = typeof message.role === 'string' ? message.role : 'user';
    const content = message.content;
    const items = Array.isArray(content) ? content : content === undefined ? [] : [content];
    out.push({ role, items: items.map((item) => (typeof item === 'string' ? { type: 'text', text: item } : item)) });
  }
  return out;
}

/** `customInstructions` flattened to text: the text items in order, separated by blank lines. */
export function flattenInstructions(raw: unknown): string {
  const texts: string[] = [];
  for (const message of instructionMessages(raw)) {
    for (const item of message.items) {
      if (isRecord(item) && item.type === 'text' && typeof item.text === 'string' && item.text.trim()) texts.push(item.text.trim());
    }
  }
  return texts.join('\n\n');
}

/** `customInstructions` as MCP prompt messages (one per content item; `system` is sent as `user`). */
export function instructionsAsPromptMessages(raw: unknown): PromptMessageOut[] {
  const out: PromptMessageOut[] = [];
  for (const message of instructionMessages(raw)) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    for (const item of message.items) {
      if (!isRecord(item) || typeof item.type !== 'string') continue;
      if (item.type === 'text' && typeof item.text === 'string') out.push({ role, content: { type: 'text', text: item.text } });
      else if ((item.type === 'image' || item.type === 'audio') && typeof item.data === 'string' && typeof item.mimeType === 'string') {
        out.push({ role, content: { type: item.type, data: item.data, mimeType: item.mimeType } });
      } else if (item.type === 'resource' && isRecord(item.resource)) out.push({ role, content: { type: 'resource', resource: item.resource } });
      else out.push({ role, content: { type: 'text', text: JSON.stringify(item) } });
    }
  }
  return out;
}

type RemoteKind = 'stdio' | 'sse' | 'streamable-http';

function transportOf(type: unknown): RemoteKind | undefined {
  if (type === undefined || type === null || type === '') return 'stdio';
  if (typeof type !== 'string') return undefined;
  const t = type.toUpperCase().replace(/-/g, '_');
  if (t === 'STDIO') return 'stdio';
  if (t === 'SSE') return 'sse';
  if (t === 'STREAMABLE_HTTP' || t === 'STREAMABLEHTTP' || t === 'HTTP') return 'streamable-http';
  return undefined;
}

function httpUrlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `its url uses ${parsed.protocol.replace(/:$/, '')}, not http(s)`;
    return undefined;
  } catch {
    return `its url "${url}" is not an absolute URL`;
  }
}

/**
 * Turns the App's `GET /api/mcp-servers` answer into server definitions: `id` = uuid, `name` = name,
 * `prefix` = slug or normalised name (unique among the list), `meta` = `{ uuid, slug, profileUuid }`,
 * `source: 'pluggedin'`. Servers that cannot be used (a remote server without url, an unknown type, a STDIO
 * server without command) are returned in `skipped` with the reason.
 */
export function mapServers(raw: readonly unknown[]): MappedServers {
  const skipped: SkippedServer[] = [];
  type Draft = { definition: ServerDefinition; basePrefix: string; instructionsRaw: unknown; instructionsDescription: string | undefined };
  const drafts: Draft[] = [];
  const seen = new Set<string>();

  for (const item of raw) {
    if (!isRecord(item)) {
      skipped.push({ name: String(item), uuid: undefined, reason: 'it is not an object' });
      continue;
    }
    const uuid = str(item.uuid);
    const name = str(item.name) ?? str(item.slug) ?? uuid ?? '(unnamed)';
    if (!uuid) {
      skipped.push({ name, uuid: undefined, reason: 'it has no uuid' });
      continue;
    }
    if (seen.has(uuid)) {
      skipped.push({ name, uuid, reason: 'its uuid is listed twice' });
      continue;
    }
    const transport = transportOf(item.type);
    if (!transport) {
      skipped.push({ name, uuid, reason: `its type ${JSON.stringify(item.type)} is not STDIO, SSE or STREAMABLE_HTTP` });
      continue;
    }
    const slug = str(item.slug);
    const profileUuid = str(item.profile_uuid);
    const instructions = flattenInstructions(item.customInstructions);
    const base = {
      id: uuid,
      name,
      source: PLUGGEDIN_SOURCE,
      enabled: true,
      ...(instructions ? { instructions } : {}),
      meta: { uuid, ...(slug ? { slug } : {}), ...(profileUuid ? { profileUuid } : {}) },
    };
    let definition: ServerDefinition;
    if (transport === 'stdio') {
      const command = str(item.command);
      if (!command) {
        skipped.push({ name, uuid, reason: 'it is a STDIO server without a command' });
        continue;
      }
      const args = Array.isArray(item.args) ? item.args.filter((a) => a !== null && a !== undefined).map(String) : [];
      definition = { ...base, transport: 'stdio', command, args, env: stringRecord(item.env) };
    } else {
      const url = str(item.url);
      if (!url) {
        skipped.push({ name, uuid, reason: `it is a ${transport === 'sse' ? 'SSE' : 'STREAMABLE_HTTP'} server without a url` });
        continue;
      }
      const problem = httpUrlProblem(url);
      if (problem) {
        skipped.push({ name, uuid, reason: problem });
        continue;
      }
      const options = isRecord(item.streamableHTTPOptions) ? item.streamableHTTPOptions : {};
      const sessionId = transport === 'streamable-http' ? str(options.sessionId) : undefined;
      definition = { ...base, transport, url, headers: stringRecord(options.headers), ...(sessionId ? { sessionId } : {}) };
    }
    seen.add(uuid);
    drafts.push({
      definition,
      basePrefix: serverPrefix({ uuid, name, slug: slug ?? null }),
      instructionsRaw: instructions ? item.customInstructions : undefined,
      instructionsDescription: str(item.customInstructionsDescription),
    });
  }

  // Prefixes are unique: among servers wanting the same prefix, the lowest uuid keeps it, the others get a hash.
  drafts.sort((a, b) => (a.definition.id < b.definition.id ? -1 : a.definition.id > b.definition.id ? 1 : 0));
  const taken = new Set<string>();
  const prompts: InstructionsPrompt[] = [];
  for (const draft of drafts) {
    let prefix = draft.basePrefix;
    if (taken.has(prefix)) {
      const hash = shortHash(draft.definition.id, 4);
      prefix = `${prefix.slice(0, MAX_PREFIX_LENGTH - hash.length - 1).replace(/[-_]+$/, '')}-${hash}`;
      for (let n = 2; taken.has(prefix); n += 1) prefix = `${prefix.slice(0, MAX_PREFIX_LENGTH - 3)}-${n}`;
    }
    taken.add(prefix);
    draft.definition.prefix = prefix;
    if (draft.instructionsRaw !== undefined) {
      const messages = instructionsAsPromptMessages(draft.instructionsRaw);
      if (messages.length > 0) {
        prompts.push({
          name: `${prefix}__instructions`,
          description: draft.instructionsDescription ?? `Instructions for ${draft.definition.name}, from plugged.in`,
          serverId: draft.definition.id,
          messages,
        });
      }
    }
  }
  return { definitions: drafts.map((d) => d.definition), prompts, skipped };
}
