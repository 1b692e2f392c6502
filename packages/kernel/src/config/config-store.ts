import type { ConfigService, Logger, SwitchboardConfig } from '@mcp-switchboard/plugin-api';

/** The ConfigService: the current configuration and who wants to hear about a new one. */
export class ConfigStore implements ConfigService {
  readonly #listeners = new Set<(config: SwitchboardConfig) => void>();
  #current: SwitchboardConfig;
  #filepath: string | undefined;

  constructor(
    current: SwitchboardConfig,
    filepath: string | undefined,
    private readonly logger: Logger,
  ) {
    this.#current = current;
    this.#filepath = filepath;
  }

  get current(): SwitchboardConfig {
    return this.#current;
  }

  get filepath(): string | undefined {
    return this.#filepath;
  }

  onChange(listener: (config: SwitchboardConfig) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Installs a new, already validated configuration and tells every listener; a failing listener is logged. */
  replace(config: SwitchboardConfig, filepath: string | undefined): void {
    this.#current = config;
    this.#filepath = filepath;
    for (const listener of [...this.#listeners]) {
      try {
        listener(config);
      } catch (error) {
        this.logger.error('a config change listener failed', { err: error });
      }
    }
  }
}
