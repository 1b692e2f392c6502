import type { ServerDefinition } from '@mcp-switchboard/plugin-api';

const SECRET_NAME = /(key|token|secret|passw|pwd|auth|credential|private|session|cookie|signature|sig)/i;
// The same mask as the kernel's log scrubber, so a secret reads the same wherever it was hidden.
const MASK = '****';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The configured values of a server that must never appear in a status, event or log line. */
function secretsOf(definition: ServerDefinition | undefined): string[] {
  if (!definition) return [];
  const secrets: string[] = [];
  const add = (value: unknown) => {
    if (typeof value !== 'string') return;
    const trimmed = value.trim();
    if (trimmed.length >= 4) secrets.push(trimmed);
    // "Bearer abc..." also hides "abc..." on its own.
    const parts = trimmed.split(/\s+/);
    if (parts.length === 2 && parts[1]!.length >= 4) secrets.push(parts[1]!);
  };
  if ('env' in definition && definition.env) {
    for (const [name, value] of Object.entries(definition.env)) if (SECRET_NAME.test(name)) add(value);
  }
  if ('headers' in definition && definition.headers) {
    for (const value of Object.values(definition.headers)) add(value);
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(secrets)].sort((a, b) => b.length - a.length);
}

/**
 * Masks secrets in a message meant for status, events and logs: the server's secret-looking env values and its
 * header values, credentials in URLs, secret-looking query parameters and flags, and bearer/basic tokens.
 */
export function redact(text: string, definition?: ServerDefinition): string {
  let out = text;
  for (const secret of secretsOf(definition)) out = out.replace(new RegExp(escapeRegExp(secret), 'g'), MASK);
  out = out.replace(/(\/\/[^/\s:@]+:)[^/\s@]+@/g, `$1${MASK}@`);
  out = out.replace(/([?&][^=&\s#]*=)([^&\s#"']+)/g, (match, name: string) => (SECRET_NAME.test(name) ? `${name}${MASK}` : match));
  out = out.replace(/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${MASK}`);
  out = out.replace(/(--?[A-Za-z][\w-]*[=\s])(\S+)/g, (match, flag: string) => (SECRET_NAME.test(flag) ? `${flag}${MASK}` : match));
  return out;
}
