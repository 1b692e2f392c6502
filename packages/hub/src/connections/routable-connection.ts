import type { ServerDefinition, ServerState } from '@mcp-switchboard/plugin-api';
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { RpcError } from '../util/rpc-error.js';
import type { LooseParams, LooseResult } from '../util/schemas.js';
import type { DirectOutcome } from './direct-requests.js';
import type { ForwardOptions, ResolvedTimeouts } from './request-forwarder.js';
import type { SessionLanes } from './session-lanes.js';

/** What routing sees of a downstream connection (ServerConnection is the one implementation). */
export interface RoutableConnection {
  readonly id: string;
  readonly definition: ServerDefinition;
  readonly timeouts: ResolvedTimeouts;
  readonly state: ServerState;
  readonly isReady: boolean;
  /** Ready, or on its way back (starting, restarting, idle): its lists are in the catalog and calls wait for it. */
  readonly servesLists: boolean;
  readonly capabilities: ServerCapabilities | undefined;
  /** Which session a server→client request belongs to (see SessionLanes); `reconsider` when a call parks. */
  readonly lanes: Pick<SessionLanes, 'attribute' | 'reconsider'>;
  forward(method: string, params: LooseParams, options: ForwardOptions): Promise<LooseResult>;
  /** Whether `relay` can take this request now: else `forward` it. */
  canRelay(options: ForwardOptions): boolean;
  /** `forward` with the outcome given to `done` as the answer is read, no promise on the way. */
  relay(method: string, params: LooseParams, options: ForwardOptions, done: (outcome: DirectOutcome) => void): void;
  unavailableError(): RpcError;
  setLogLevel(level: string): Promise<boolean>;
  retainSubscription(uri: string): Promise<void>;
  releaseSubscription(uri: string): Promise<void>;
}
