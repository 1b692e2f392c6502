import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

/** The plugged.in App, when no `baseUrl` is given. */
export const DEFAULT_BASE_URL = 'https://plugged.in';
/** What a real plugged.in API key looks like: `pg_in_` and 64 hex characters. */
export const API_KEY_PATTERN = /^pg_in_[0-9a-f]{64}$/i;
/** What the API key is replaced by wherever it could show. */
export const REDACTED = '****';

/** Problems with a base URL, or undefined when it is a usable absolute http(s) URL. */
export function baseUrlProblem(value: string): string | undefined {
  if (value !== value.trim()) return `baseUrl "${value}" has leading or trailing whitespace`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `baseUrl "${value}" is not an absolute URL; use e.g. https://plugged.in or http://localhost:12005`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `baseUrl "${value}" must use http or https, not ${url.protocol.replace(/:$/, '')}`;
  }
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    return `baseUrl "${value}" must not have a query or fragment (paths such as /api/mcp-servers are appended to it)`;
  }
  return undefined;
}

/** Strips trailing slashes only: the URL is otherwise kept exactly as given (hyphens and all). */
export function normalizeBaseUrl(value: string): string {
  return value.replace(/\/+$/, '');
}

/** True when `key` has the shape of a real plugged.in key. A key that does not is still used (with a warning). */
export function looksLikeApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** Replaces every occurrence of the API key in `text` with `****`. */
export function redactKey(text: string, apiKey: string): string {
  return apiKey ? text.split(apiKey).join(REDACTED) : text;
}

/**
 * Options of every plugin in `@mcp-switchboard/plugin-pluggedin` (they all take the same ones, so
 * `["pluggedin", { apiKey }]` configures the whole package).
 */
export const pluggedinOptionsSchema = z
  .object({
    /** The plugged.in API key (https://plugged.in/api-keys). Never logged. */
    apiKey: z
      .string({ error: 'apiKey is required: give your plugged.in API key (--pluggedin-api-key or PLUGGEDIN_API_KEY)' })
      .min(1, { error: 'apiKey is empty: give your plugged.in API key (--pluggedin-api-key or PLUGGEDIN_API_KEY)' })
      .refine((key) => !/\s/.test(key), {
        error: 'apiKey contains whitespace (a stray space or newline from copy and paste?); give the key exactly as shown in the App',
      }),
    /** The App's URL; paths are appended as `${baseUrl}/api/...`. Only a trailing slash is removed. */
    baseUrl: z
      .string({ error: 'baseUrl must be a string such as https://plugged.in' })
      .default(DEFAULT_BASE_URL)
      .superRefine((value, ctx) => {
        const problem = baseUrlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform(normalizeBaseUrl),
    /** How often the server list and the inactive tools are fetched (doubled on failures, up to 5 minutes). */
    pollIntervalMs: z.number().int().positive().default(30_000),
    /** Time limit of one request to the App. */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** Retries on network errors and 5xx answers (never on 4xx), with exponential backoff and jitter. */
    retries: z.number().int().min(0).max(10).default(2),
    /** Report each tool/prompt/resource call to the App's activity feed. */
    activity: z.boolean().default(true),
    /** Report the tools each plugged.in server exposes to the App (once per change). */
    reportTools: z.boolean().default(true),
    /** Reports waiting to be sent; when full the oldest is dropped (counted and logged). */
    queueSize: z.number().int().min(1).default(500),
  })
  .strict();

export type PluggedinOptions = z.output<typeof pluggedinOptionsSchema>;
export type PluggedinOptionsInput = z.input<typeof pluggedinOptionsSchema>;

/**
 * Parses options (raw or already parsed by the kernel: parsing is idempotent). Every problem is reported at once
 * as one SwitchboardError `SWB_PLUGIN_OPTIONS`; the API key never appears in the message.
 */
export function resolvePluggedinOptions(raw: unknown, pluginId = 'pluggedin'): PluggedinOptions {
  const result = pluggedinOptionsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const at = issue.path.length ? `option "${issue.path.join('.')}"` : 'options';
    return `${at}: ${issue.message}`;
  });
  const apiKey = raw && typeof raw === 'object' && typeof (raw as { apiKey?: unknown }).apiKey === 'string' ? (raw as { apiKey: string }).apiKey : '';
  const message = redactKey(`plugin "${pluginId}": ${problems.join('; ')}`, apiKey.trim().length >= 4 ? apiKey : '');
  return failOptions(message, problems.length);
}

function failOptions(message: string, count: number): never {
  throw new SwitchboardError('SWB_PLUGIN_OPTIONS', message, {
    details: { plugin: 'pluggedin', problems: count },
    fix: 'Give a plugged.in API key (--pluggedin-api-key KEY or PLUGGEDIN_API_KEY) and, if you run your own App, an absolute http(s) base URL (--pluggedin-api-base-url).',
  });
}
