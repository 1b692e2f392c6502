import path from 'node:path';
import {
  formatJsonPath,
  mcpServerEntrySchema,
  serverFromEntry,
  SwitchboardError,
  type ConfigSource,
  type Logger,
  type McpServerEntry,
  type ServerDefinition,
  errorMessage,
} from '@mcp-switchboard/plugin-api';

export const DEFAULT_VARIABLE = 'SWITCHBOARD_MCP_SERVERS';

export interface EnvConfigSourceOptions {
  /** The variable holding the JSON. Default SWITCHBOARD_MCP_SERVERS. */
  variable?: string;
  /** The environment to read. Default process.env. */
  env?: NodeJS.ProcessEnv | Record<string, string | undefined>;
  logger?: Logger;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** JSON.parse's message without the text it quotes (the variable may hold secrets), plus line and column. */
function describeJsonError(error: unknown, text: string): string {
  const raw = errorMessage(error);
  const reason = raw.replace(/,\s*"[\s\S]*" is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/s, '');
  const position = /position (\d+)/.exec(raw)?.[1];
  if (position === undefined) return reason;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `${reason} at line ${line}, column ${column}`;
}

/**
 * Parses the variable's JSON: either `{ "<name>": entry, ... }` or `{ "mcpServers": { ... } }` (any other keys
 * beside `mcpServers` are ignored, so a Claude Desktop config can be pasted as is). Every server comes out with
 * `source: 'env'` and its name as id, so the hub's merge by id lets it override a file server of the same name.
 */
export function parseServersJson(text: string, variable: string = DEFAULT_VARIABLE): ServerDefinition[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SwitchboardError('SWB_CONFIG_PARSE', `${variable} is not valid JSON: ${describeJsonError(error, text)}`, {
      cause: error,
      fix: `Set ${variable} to a JSON object such as {"memory":{"command":"npx","args":["-y","@modelcontextprotocol/server-memory"]}}.`,
      details: { variable },
    });
  }
  if (!isObject(value)) {
    throw new SwitchboardError(
      'SWB_CONFIG_INVALID',
      `${variable}: (top level): expected a JSON object of servers ({"<name>": {...}} or {"mcpServers": {...}}), got ${kindOf(value)}`,
      { details: { variable, problems: [{ path: '', message: 'expected an object' }] } },
    );
  }
  const wrapped = 'mcpServers' in value;
  const servers = wrapped ? value.mcpServers : value;
  const prefix: string[] = wrapped ? ['mcpServers'] : [];
  if (!isObject(servers)) {
    throw new SwitchboardError('SWB_CONFIG_INVALID', `${variable}: mcpServers: expected an object of servers, got ${kindOf(servers)}`, {
      details: { variable, problems: [{ path: 'mcpServers', message: 'expected an object' }] },
    });
  }

  const problems: Array<{ path: string; message: string }> = [];
  const entries: Array<[string, McpServerEntry]> = [];
  for (const [name, raw] of Object.entries(servers)) {
    if (name.trim() === '') {
      problems.push({ path: formatJsonPath([...prefix, name]), message: 'a server name must not be empty' });
      continue;
    }
    const parsed = mcpServerEntrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ path: formatJsonPath([...prefix, name, ...issue.path]), message: issue.message });
      }
      continue;
    }
    entries.push([name, parsed.data]);
  }
  if (problems.length) {
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new SwitchboardError('SWB_CONFIG_INVALID', `${variable}: ${list}`, {
      fix: `Correct ${variable} at the JSON path shown; entries take the same fields as "mcpServers" in the config file.`,
      details: { variable, problems },
    });
  }

  return entries.map(([name, entry]) => {
    const server = serverFromEntry(name, entry, 'env');
    if (server.transport === 'stdio' && server.cwd !== undefined) server.cwd = path.resolve(process.cwd(), server.cwd);
    return server;
  });
}

/** The `source-env` config source: servers from one environment variable. Unset or blank → no servers. */
export class EnvConfigSource implements ConfigSource {
  readonly variable: string;
  private readonly env: Record<string, string | undefined>;
  private readonly logger: Logger | undefined;

  constructor(options: EnvConfigSourceOptions = {}) {
    this.variable = options.variable ?? DEFAULT_VARIABLE;
    this.env = options.env ?? process.env;
    this.logger = options.logger;
  }

  async load(): Promise<ServerDefinition[]> {
    const text = this.env[this.variable];
    if (text === undefined || text.trim() === '') {
      this.logger?.debug(`${this.variable} is not set; no servers from the environment`);
      return [];
    }
    const servers = parseServersJson(text, this.variable);
    this.logger?.debug(`loaded ${servers.length} server(s) from ${this.variable}`, { servers: servers.map((s) => s.id) });
    return servers;
  }
}
