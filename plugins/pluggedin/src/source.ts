import type { ConfigSource, ServerDefinition } from '@mcp-switchboard/plugin-api';
import type { PluggedinConnection } from './connection.js';
import { stableJson } from '@mcp-switchboard/plugin-api';

/** The config source's contribution; `lastError` is the App's last refusal or the reason it is unreachable. */
export interface PluggedinSource extends ConfigSource {
  readonly lastError: string | undefined;
  watch(onChange: (servers: ServerDefinition[]) => void): () => void;
  dispose(): void;
}

/**
 * Servers from `GET /api/mcp-servers`, plus the in-process discovery server. `load()` fetches once (with the App
 * down it resolves without App servers, after a warning); `watch()` polls and pushes the whole list only when it
 * changed. The last good list keeps serving while the App is unreachable.
 */
export function createSource(connection: PluggedinConnection): PluggedinSource {
  let lastLoaded: string | undefined;
  let released = false;
  return {
    get lastError() {
      return connection.lastError;
    },
    async load(): Promise<ServerDefinition[]> {
      await connection.refresh();
      const definitions = connection.definitions();
      lastLoaded = stableJson(definitions);
      return definitions;
    },
    watch(onChange: (servers: ServerDefinition[]) => void): () => void {
      let delivered = lastLoaded;
      let active = true;
      const push = () => {
        if (!active) return;
        const definitions = connection.definitions();
        const json = stableJson(definitions);
        if (json === delivered) return;
        delivered = json;
        onChange(definitions);
      };
      const unsubscribe = connection.onServersChanged(push);
      const stopPolling = connection.poll();
      // A change between load() and watch() (or a watch without load) is delivered at once.
      if (delivered === undefined) delivered = stableJson(connection.definitions());
      else queueMicrotask(push);
      return () => {
        active = false;
        unsubscribe();
        stopPolling();
      };
    },
    dispose(): void {
      if (released) return;
      released = true;
      connection.release();
    },
  };
}
