import { basename } from 'node:path';

/** What doctor knows about one server that is not ready. */
export interface FailureFacts {
  transport: string;
  command?: string | undefined;
  cwd?: string | undefined;
  url?: string | undefined;
  /** The hub's error text for the server. */
  error?: string | undefined;
  /** Errors seen on the way (spawn, fetch, transport), with their causes. */
  errors?: readonly unknown[] | undefined;
  /** A stdio server's exit code when it exited by itself (null when a signal ended it). */
  exitCode?: number | null | undefined;
  exitSignal?: string | null | undefined;
  /** The connect + initialize limit that applied, in ms. */
  connectMs?: number | undefined;
}

/** Every `code`, HTTP status and message along an error's cause chain (AggregateError members included). */
function describeChain(errors: readonly unknown[]): { codes: Set<string>; text: string } {
  const codes = new Set<string>();
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (error: unknown, depth: number): void => {
    if (depth > 8 || error === null || error === undefined || seen.has(error)) return;
    seen.add(error);
    if (typeof error !== 'object') {
      texts.push(String(error));
      return;
    }
    const e = error as { code?: unknown; status?: unknown; statusCode?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof e.code === 'string') codes.add(e.code);
    if (typeof e.code === 'number' && e.code >= 400 && e.code < 600) codes.add(`HTTP_${e.code}`);
    for (const status of [e.status, e.statusCode]) if (typeof status === 'number') codes.add(`HTTP_${status}`);
    if (typeof e.message === 'string') texts.push(e.message);
    visit(e.cause, depth + 1);
    if (Array.isArray(e.errors)) for (const inner of e.errors) visit(inner, depth + 1);
  };
  for (const error of errors) visit(error, 0);
  return { codes, text: texts.join('\n') };
}

const nodeCommands = new Set(['npx', 'node', 'npm', 'pnpm', 'yarn', 'bunx', 'bun', 'corepack']);

function commandNotFound(command: string): string {
  const name = basename(command).replace(/\.(exe|cmd|bat)$/i, '');
  if (nodeCommands.has(name)) return `command not found: ${command}; is Node on PATH?`;
  if (name === 'uvx' || name === 'uv') return `command not found: ${command}; is uv installed and on PATH? (https://docs.astral.sh/uv/)`;
  if (name === 'docker' || name === 'podman') return `command not found: ${command}; is ${name === 'docker' ? 'Docker' : 'Podman'} installed and on PATH?`;
  if (/^python(\d(\.\d+)?)?$|^pip\d?$|^pipx$/.test(name)) return `command not found: ${command}; is Python on PATH?`;
  return `command not found: ${command}; install it or use an absolute path`;
}

function origin(url: string | undefined): string {
  if (!url) return 'the configured url';
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

/**
 * A one-line hint for a common start-up failure: what is most likely wrong and what to do. Undefined when the
 * failure is not one we recognise (the error itself is shown anyway).
 */
export function failureHint(facts: FailureFacts): string | undefined {
  const { codes, text: chain } = describeChain(facts.errors ?? []);
  const text = `${facts.error ?? ''}\n${chain}`;
  const has = (code: string) => codes.has(code) || new RegExp(`\\b${code}\\b`).test(text);
  const status = (n: number) =>
    codes.has(`HTTP_${n}`) ||
    new RegExp(`\\(HTTP ${n}\\)|\\bHTTP ${n}\\b|status(?: code)? \\(?${n}\\b|\\b${n} (Unauthorized|Forbidden|Not Found)`, 'i').test(text);
  const command = facts.command ?? '';

  if (/working directory not found/i.test(text)) {
    return `the working directory does not exist${facts.cwd ? `: ${facts.cwd}` : ''}; create it or correct "cwd"`;
  }
  if (facts.transport === 'stdio' && has('ENOENT')) return commandNotFound(command);
  if (facts.transport === 'stdio' && (has('EACCES') || has('EPERM'))) {
    return `not executable: ${command}; make it executable (chmod +x) or run it through its interpreter`;
  }
  const timeout = /within (\d+) ?ms/.exec(text) ?? (has('SWB_TIMEOUT') ? [] : null);
  if (timeout || /timed? ?out/i.test(text)) {
    const ms = timeout?.[1] ?? (facts.connectMs !== undefined ? String(facts.connectMs) : undefined);
    return `did not answer initialize within ${ms ?? 'the connect timeout'}${ms ? ' ms' : ''}; raise connectTimeoutMs (npx cold starts can be slow)`;
  }
  if (facts.transport === 'stdio' && (typeof facts.exitCode === 'number' || facts.exitSignal)) {
    const how = typeof facts.exitCode === 'number' ? `code ${facts.exitCode}` : `signal ${facts.exitSignal}`;
    return `the server exited at start (${how}); run its command by hand to see why`;
  }
  const login = /run: (mcp-switchboard auth \S+)/.exec(text);
  if (has('SWB_NEEDS_AUTH') || login) return `the server needs an OAuth login; run: ${login?.[1] ?? 'mcp-switchboard auth <server>'}`;
  if (status(401) || status(403) || /unauthori[sz]ed|invalid[_ ]token|forbidden/i.test(text)) {
    const which = status(403) || /forbidden/i.test(text) ? 403 : 401;
    return `the server refused the credentials (HTTP ${which}); check the headers/token`;
  }
  if (has('ECONNREFUSED')) return `nothing listens at ${origin(facts.url)}; is the server running?`;
  if (has('ENOTFOUND') || has('EAI_AGAIN')) {
    let host = facts.url;
    try {
      host = facts.url ? new URL(facts.url).hostname : host;
    } catch {
      // keep the raw url
    }
    return `host not found: ${host ?? 'the configured host'}; check the url`;
  }
  if (/\bbad port\b/i.test(text)) return `fetch refuses the port of ${origin(facts.url)} (a port browsers block); use another port`;
  if (has('ECONNRESET') || has('EPIPE'))
    return facts.transport === 'stdio'
      ? 'the server closed its pipes at start; run its command by hand to see why'
      : 'the connection was reset; check the url and any proxy in between';
  if (/CERT|certificate|self[- ]signed/i.test(text)) return 'TLS certificate problem; use a trusted certificate (or NODE_EXTRA_CA_CERTS for a private CA)';
  if (status(404)) return `no MCP endpoint at ${origin(facts.url)} (HTTP 404); check the path (often /mcp or /sse)`;
  if (has('SWB_CONNECTOR_MISSING') || /no connector for transport/i.test(text)) {
    return `no loaded plugin connects to "${facts.transport}" servers; load a transport plugin that does`;
  }
  if (facts.transport === 'stdio' && /Connection closed/i.test(text)) {
    return 'the server closed the connection during start-up; run its command by hand to see why';
  }
  return undefined;
}
