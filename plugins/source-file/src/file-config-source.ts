import path from 'node:path';
import {
  formatJsonPath,
  mcpServerEntrySchema,
  serverFromEntry,
  SwitchboardError,
  type ConfigService,
  type ConfigSource,
  type Logger,
  type ServerDefinition,
  type SwitchboardConfig,
  errorMessage,
} from '@mcp-switchboard/plugin-api';

/**
 * Turns the config's `mcpServers` into server definitions (source `file`). A relative `cwd` is resolved against
 * the folder of the config file (`filepath`), or process.cwd() when the config did not come from a file.
 * Disabled entries are kept, with `enabled: false`.
 */
export function serversFromConfig(config: Pick<SwitchboardConfig, 'mcpServers'>, filepath: string | undefined): ServerDefinition[] {
  const base = filepath ? path.dirname(path.resolve(filepath)) : process.cwd();
  const where = filepath ? ` in ${filepath}` : '';
  const servers: ServerDefinition[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(config.mcpServers ?? {})) {
    // The kernel has validated the file already; checking again costs little and keeps load() honest when the
    // config was built by hand (tests, a .mjs config that bypassed the schema).
    const parsed = mcpServerEntrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${formatJsonPath(['mcpServers', name, ...issue.path])}: ${issue.message}`);
      }
      continue;
    }
    const server = serverFromEntry(name, parsed.data, 'file');
    if (server.transport === 'stdio' && server.cwd !== undefined && !path.isAbsolute(server.cwd)) {
      server.cwd = path.resolve(base, server.cwd);
    }
    servers.push(server);
  }
  if (problems.length) {
    throw new SwitchboardError('SWB_CONFIG_INVALID', `invalid server entries${where}: ${problems.join('; ')}`, {
      details: { filepath, problems },
    });
  }
  return servers;
}

/** The `source-file` config source over a ConfigService. */
export class FileConfigSource implements ConfigSource {
  constructor(
    private readonly config: ConfigService,
    private readonly logger?: Logger,
  ) {}

  async load(): Promise<ServerDefinition[]> {
    return serversFromConfig(this.config.current, this.config.filepath);
  }

  /**
   * Pushes the new server list after each successful config reload. A reloaded config with a bad entry is
   * logged and not pushed, so the last good list keeps serving.
   */
  watch(onChange: (servers: ServerDefinition[]) => void): () => void {
    return this.config.onChange((next) => {
      let servers: ServerDefinition[];
      try {
        servers = serversFromConfig(next, this.config.filepath);
      } catch (error) {
        this.logger?.error('reloaded config has invalid servers; keeping the previous list', {
          error: errorMessage(error),
        });
        return;
      }
      onChange(servers);
    });
  }
}
