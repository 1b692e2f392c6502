/** What a secret is replaced with, in log lines and diagnostic output. */
export const REDACTED = '****';

/** Shorter values are not treated as secrets: redacting every "abc" would make logs unreadable and hide nothing. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Values that are config switches, not secrets (`DEBUG=true`, `LOG_LEVEL=info`). Redacting them would turn
 * every "true" in every log line into `****` and protect nothing.
 */
const NOT_SECRETS = new Set([
  ...['true', 'false', 'null', 'none', 'undefined', 'enabled', 'disabled', 'always', 'never', 'auto', 'strict'],
  ...['info', 'debug', 'trace', 'warn', 'warning', 'error', 'fatal', 'silent', 'verbose'],
  ...['production', 'development', 'test', 'staging'],
  ...['stdio', 'http', 'https', 'json', 'text', 'localhost', '127.0.0.1', '0.0.0.0', '::1'],
]);

/** Object keys whose string values are secrets wherever they appear (plugin options, `http`, headers...). */
const SECRET_KEY = /(api[-_]?key|token|secret|passw(or)?d|authorization|credential|private[-_]?key|session[-_]?key)/i;

/** Containers whose every string value is a secret. */
const SECRET_CONTAINERS = new Set(['env', 'headers']);

/** URL query parameters whose values are secrets (`?api_key=...`, `&sig=...`). */
const SECRET_PARAM = /(key|token|secret|passw(or)?d|auth|sig|signature|credential|code)/i;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Credentials recognisable by their shape, redacted wherever they appear even when Switchboard never saw their
 * value (a token a server prints, a connection string in an error). Each alternative keeps a visible prefix
 * (group 1) and masks the rest (group 2). None matches across `"` or `\`, so it works on JSON-escaped text too.
 *
 * Kept here so every printed string (log lines, list, doctor, hints, /health) goes through one mechanism;
 * packages/hub/src/util/redact.ts still has its own subset for hub messages (to be merged into plugin-api).
 */
const SHAPES: ReadonlyArray<{ pattern: string; keep?: (secret: string) => boolean }> = [
  // scheme://user:PASSWORD@host (postgresql://, mongodb+srv://, redis://, https://)
  { pattern: String.raw`(\b[a-z][a-z0-9+.-]*://[^\s/@:"\\]*:)([^\s/@"\\]+)(?=@)` },
  // GitHub tokens: ghp_ (classic), gho_/ghu_/ghs_/ghr_, github_pat_ (fine-grained)
  { pattern: String.raw`()(\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,})` },
  // OpenAI / Anthropic style keys (sk-..., sk-proj-..., sk-ant-...): must hold a digit, so kebab-case words stay
  { pattern: String.raw`()((?<![\w-])sk-[A-Za-z0-9_-]{20,})`, keep: (secret) => !/\d/.test(secret) },
  // Slack tokens
  { pattern: String.raw`()(\bxox[abprse]-[A-Za-z0-9-]{10,})` },
  // AWS access key ids
  { pattern: String.raw`()(\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)`, keep: (secret) => secret !== secret.toUpperCase() },
  // JSON Web Tokens: header.payload.signature, both JSON parts base64url of '{"'
  { pattern: String.raw`()(\beyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*)` },
  // Authorization: Bearer/Basic/Token <credential>; plain words ("Bearer authentication") are left alone
  {
    pattern: String.raw`(\b(?:Bearer|Basic|Token)\s+)([A-Za-z0-9._~+/=-]{8,})`,
    keep: (secret) => secret.length < 16 && !/\d/.test(secret),
  },
  // ?api_key=..., &token=..., &sig=... (the name decides)
  { pattern: String.raw`([?&][^=&\s#"\\]*(?:key|token|secret|passw(?:or)?d|auth|sig|signature|credential|code)=)([^&\s#"\\]+)` },
];

const shapePattern = new RegExp(SHAPES.map(({ pattern }) => pattern).join('|'), 'gi');

/** Masks every credential recognisable by its shape (see SHAPES), keeping what tells the reader what it was. */
export function redactShapes(text: string): string {
  return text.replace(shapePattern, (match: string, ...groups: unknown[]) => {
    for (let i = 0; i < SHAPES.length; i++) {
      const secret = groups[2 * i + 1];
      if (typeof secret !== 'string') continue;
      if (SHAPES[i]!.keep?.(secret)) return match;
      return `${(groups[2 * i] as string | undefined) ?? ''}${REDACTED}`;
    }
    return match;
  });
}

/**
 * The secret values the process knows (config env and header values, tokens, API keys, values of interpolated
 * environment variables), and the means to scrub them from any text. Values are only ever added: a secret of an
 * older config may still show up in a late log line of a server being stopped.
 */
export class SecretRedactor {
  readonly #values = new Set<string>();
  /** Values known to be public (server ids and prefixes are in every tool name clients see): never redacted. */
  readonly #public = new Set<string>();
  #pattern: RegExp | undefined;
  #jsonPattern: RegExp | undefined;

  /** How many distinct secret values are known. */
  get size(): number {
    return this.#values.size;
  }

  /** Adds secret values; non-strings, short values and config switches (`true`, `info`...) are ignored. */
  add(values: Iterable<unknown>): this {
    let added = false;
    for (const value of values) {
      if (typeof value !== 'string') continue;
      for (const candidate of variants(value)) {
        if (!looksSecret(candidate) || this.#values.has(candidate) || this.#public.has(candidate)) continue;
        this.#values.add(candidate);
        added = true;
      }
    }
    if (added) {
      this.#pattern = undefined;
      this.#jsonPattern = undefined;
    }
    return this;
  }

  /**
   * Declares values public: they are never treated as secrets, even when an env value happens to equal one
   * (`FIXTURE_NAME=memory` for the server `memory`). Server ids and prefixes are public: every exposed tool
   * name holds them.
   */
  addPublic(values: Iterable<unknown>): this {
    let removed = false;
    for (const value of values) {
      if (typeof value !== 'string' || value.length === 0) continue;
      this.#public.add(value);
      removed = this.#values.delete(value) || removed;
    }
    if (removed) {
      this.#pattern = undefined;
      this.#jsonPattern = undefined;
    }
    return this;
  }

  /** True when the text holds a known secret. */
  contains(text: string): boolean {
    const pattern = this.#plain();
    if (!pattern) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  }

  /** Replaces every occurrence of a known secret, and every credential recognisable by its shape, with `****`. */
  redact(text: string): string {
    if (typeof text !== 'string' || text.length < MIN_SECRET_LENGTH) return text;
    const pattern = this.#plain();
    return redactShapes(pattern ? text.replace(pattern, REDACTED) : text);
  }

  /**
   * Scrubs one serialized JSON log line. Only string values are touched (not keys, numbers or booleans), so a
   * line stays valid JSON with the same fields; secrets are matched in their JSON-escaped form, so a secret
   * holding a quote or a backslash is found too.
   */
  redactJson(line: string): string {
    const pattern = this.#json();
    return line.replace(/"(?:[^"\\]|\\.)*"(\s*:)?/g, (literal: string, key: string | undefined) => {
      if (key !== undefined || literal.length - 2 < MIN_SECRET_LENGTH) return literal;
      return redactShapes(pattern ? literal.replace(pattern, REDACTED) : literal);
    });
  }

  /** A copy of a JSON-like value with secrets replaced in every string (keys included). */
  redactValue<T>(value: T): T {
    const walk = (node: unknown): unknown => {
      if (typeof node === 'string') return this.redact(node);
      if (Array.isArray(node)) return node.map(walk);
      if (node && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [this.redact(k), walk(v)]));
      }
      return node;
    };
    return walk(value) as T;
  }

  #plain(): RegExp | undefined {
    if (this.#values.size === 0) return undefined;
    return (this.#pattern ??= alternation([...this.#values]));
  }

  #json(): RegExp | undefined {
    if (this.#values.size === 0) return undefined;
    return (this.#jsonPattern ??= alternation([...this.#values].map((value) => JSON.stringify(value).slice(1, -1))));
  }
}

/**
 * False for values that cannot be worth hiding and would wreck every log line if they were: short values,
 * config switches (`true`, `info`) and small numbers (ports, counts, timeouts).
 */
function looksSecret(value: string): boolean {
  return value.length >= MIN_SECRET_LENGTH && !NOT_SECRETS.has(value.toLowerCase()) && !/^\d{1,7}$/.test(value);
}

/** One regex matching any of the values, longest first so a longer secret is never half-replaced by a shorter one. */
function alternation(values: string[]): RegExp {
  const unique = [...new Set(values)].sort((a, b) => b.length - a.length);
  return new RegExp(unique.map(escapeRegExp).join('|'), 'g');
}

/** The value as written, trimmed, and the credential after an auth scheme (`Bearer abc` → also `abc`). */
function variants(value: string): string[] {
  const out = [value];
  const trimmed = value.trim();
  if (trimmed !== value) out.push(trimmed);
  const scheme = /^(?:bearer|basic|token|apikey|api-key|digest)\s+(\S.*)$/i.exec(trimmed);
  if (scheme) out.push(scheme[1]!.trim());
  return out;
}

/**
 * Finds the secrets in a config-like value (a whole config, a server definition, plugin options): every string
 * under an `env` or `headers` object, every string under a secret-sounding key (`apiKey`, `authToken`, `token`,
 * `password`, `authorization`...), values of secret-named flags in `args` (`--api-key=X`, `--token X`), and secret
 * query parameters and passwords of `url` values. Works on raw,
 * unvalidated input: anything of an unexpected shape is skipped, never thrown on.
 */
export function findSecrets(value: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown, key: string | undefined, inContainer: boolean, depth: number): void => {
    if (depth > 12) return;
    if (typeof node === 'string') {
      if (inContainer || (key !== undefined && SECRET_KEY.test(key))) found.push(node);
      else if (key === 'url' || key === 'baseUrl' || key === 'apiBaseUrl') found.push(...urlSecrets(node, true));
      // A connection string anywhere (`postgresql://user:PASSWORD@host/db` in args): its password, even alone.
      else if (node.includes('://')) found.push(...urlSecrets(node, false));
      return;
    }
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      if (key === 'args') found.push(...argSecrets(node));
      for (const item of node) walk(item, key, inContainer, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) return;
    for (const [childKey, child] of Object.entries(node as Record<string, unknown>)) {
      const container = inContainer || SECRET_CONTAINERS.has(childKey) || SECRET_KEY.test(childKey);
      walk(child, childKey, container, depth + 1);
    }
  };
  walk(value, undefined, false, 0);
  return found;
}

/** Values of secret-named flags in a command line: `--api-key=X`, `--token X`, `-password=X`. */
function argSecrets(args: unknown[]): string[] {
  const out: string[] = [];
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') return;
    const flag = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(arg);
    if (!flag || !SECRET_KEY.test(flag[1]!)) return;
    if (flag[2] !== undefined) out.push(flag[2]);
    else if (typeof args[i + 1] === 'string' && !(args[i + 1] as string).startsWith('-')) out.push(args[i + 1] as string);
  });
  return out;
}

/** A URL path segment that looks like a token (long, letters and digits mixed), not like a word or a route. */
const TOKEN_SEGMENT = /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9._~-]{20,}$/;

/**
 * The password and secret query parameters of a URL found in a string (the string itself or a URL inside it);
 * for a server's own `url` also path segments shaped like tokens (`https://host/sse/<token>`).
 */
function urlSecrets(text: string, pathTokens: boolean): string[] {
  const out: string[] = [];
  for (const candidate of text.match(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi) ?? []) {
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.password) out.push(safeDecode(url.password), url.password);
    for (const [name, value] of url.searchParams) if (SECRET_PARAM.test(name)) out.push(value);
    if (pathTokens) out.push(...url.pathname.split('/').filter((segment) => TOKEN_SEGMENT.test(segment)));
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The process-wide redactor: the kernel's logger and every diagnostic printer use it unless given another. */
export const processSecrets = new SecretRedactor();

/** Replaces every known secret in `text` with `****`: for diagnostic output (list, doctor, error messages). */
export function redactSecrets(text: string): string {
  return processSecrets.redact(text);
}
