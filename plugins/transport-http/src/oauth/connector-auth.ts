import type { RemoteServerDefinition } from '@mcp-switchboard/plugin-api';
import { SwitchboardOAuthProvider } from './oauth-client-provider.js';
import type { TokenStore } from './token-store.js';

/**
 * The OAuth provider a remote connector hands its transport, or none: `oauth: false` turns it off, and a
 * configured `Authorization` header means the user brings their own credentials (it would win anyway).
 */
export function backgroundAuthProvider(server: RemoteServerDefinition, store: TokenStore): SwitchboardOAuthProvider | undefined {
  if (server.oauth === false) return undefined;
  if (Object.keys(server.headers).some((name) => name.toLowerCase() === 'authorization')) return undefined;
  return new SwitchboardOAuthProvider({
    server: { id: server.id, url: server.url, oauth: server.oauth },
    store,
    mode: { kind: 'background' },
  });
}
