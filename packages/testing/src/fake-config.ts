import { switchboardConfigSchema, type ConfigService, type SwitchboardConfig, type SwitchboardConfigInput } from '@mcp-switchboard/plugin-api';

/** A ConfigService for unit tests, without a kernel or a file. */
export interface FakeConfig extends ConfigService {
  /**
   * Swaps the config and tells the listeners, as the kernel does after a reload. The input is parsed with the
   * config schema (defaults applied) unless `validate` is false: then it is used as given, to feed a plugin a
   * config the schema would refuse.
   */
  replace(next: SwitchboardConfigInput | SwitchboardConfig, options?: { validate?: boolean }): void;
  /** How many `onChange` listeners are subscribed (to check a plugin unsubscribes on dispose). */
  listenerCount(): number;
}

/** A fake `coreServices.config`: `input` parsed with the config schema, `filepath` as the file it came from. */
export function createFakeConfig(input: SwitchboardConfigInput = {}, filepath?: string): FakeConfig {
  let current: SwitchboardConfig = switchboardConfigSchema.parse(input);
  const listeners = new Set<(config: SwitchboardConfig) => void>();
  return {
    get current() {
      return current;
    },
    filepath,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    replace(next, options = {}) {
      current = options.validate === false ? (next as SwitchboardConfig) : switchboardConfigSchema.parse(next);
      for (const listener of [...listeners]) listener(current);
    },
    listenerCount: () => listeners.size,
  };
}
