import { ErrorCode, switchboardRpcError, type RpcError } from '../util/rpc-error.js';
import { isRecord, type LooseParams, type LooseRequest, type LooseResult } from '../util/schemas.js';

/** The server→client requests an `input_required` result may carry (spec: multi round-trip requests). */
const INPUT_METHODS: ReadonlySet<string> = new Set(['sampling/createMessage', 'elicitation/create', 'roots/list']);

/** Rounds of input one call may take before the hub gives up on a server that never stops asking. */
export const MAX_INPUT_ROUNDS = 8;

export function isInputRequired(result: LooseResult): boolean {
  return result.resultType === 'input_required';
}

/**
 * Wraps a 2026-era server's own `requestState` for a 2026-era client, so the client's retry is known to be ours
 * and reaches the same server with the state it handed out. The upstream side (the stateless dispatcher) owns the
 * signing key; the connection layer only wraps and unwraps.
 */
export interface RequestStateWrapper {
  wrap(state: string, binding: StateBinding): string;
  /** The server's own state, or undefined if the token is not ours, was altered, expired, or is for another request. */
  unwrap(token: string, binding: StateBinding): string | undefined;
}

/** What a wrapped state is good for: one server, one method, one tool/prompt/URI. */
export interface StateBinding {
  server: string;
  method: string;
  target: string;
}

/**
 * What to do when a downstream answers `input_required`:
 * - `bridge` (a 2025-era client): ask the client with real sampling/elicitation/roots requests, then retry the
 *   downstream request with `inputResponses` and the server's `requestState` — the reverse bridge.
 * - `pass-through` (a 2026-era client): hand the result up, its `requestState` wrapped; the retry's state is
 *   unwrapped before it goes down.
 */
export type InputRequiredHandling = { kind: 'bridge' } | { kind: 'pass-through'; states: RequestStateWrapper };

export function stateBinding(server: string, method: string, params: LooseParams): StateBinding {
  const target = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : '';
  return { server, method, target };
}

function inputError(message: string, data: Record<string, unknown>): RpcError {
  return switchboardRpcError(ErrorCode.InvalidRequest, 'SWB_INPUT_REQUIRED', message, data);
}

/** A pass-through retry: the client's wrapped state replaced by the server's own (or refused if it is not ours). */
export function unwrapRetry(params: LooseParams, binding: StateBinding, states: RequestStateWrapper): LooseParams {
  if (params.requestState === undefined) return params;
  const inner = typeof params.requestState === 'string' ? states.unwrap(params.requestState, binding) : undefined;
  if (inner === undefined) {
    throw switchboardRpcError(
      ErrorCode.InvalidParams,
      'SWB_INPUT_REQUIRED',
      `Invalid requestState for ${binding.method} on server "${binding.server}": it was not issued for this request, was altered, or expired`,
      {
        server: binding.server,
      },
    );
  }
  return { ...params, requestState: inner };
}

/** A pass-through result: the server's `requestState` wrapped for the client. */
export function wrapResult(result: LooseResult, binding: StateBinding, states: RequestStateWrapper): LooseResult {
  if (!isInputRequired(result) || typeof result.requestState !== 'string') return result;
  return { ...result, requestState: states.wrap(result.requestState, binding) };
}

/**
 * The reverse bridge: while the server answers `input_required`, asks the client each input request (one at a
 * time: a user answers one question at a time) and retries with the answers and the server's `requestState`.
 * `ask` relays one request to the client of the call; `retry` sends the original request again with extra params.
 */
export async function bridgeInputRequired(
  first: LooseResult,
  context: { server: string; label: string },
  ask: (request: LooseRequest) => Promise<LooseResult>,
  retry: (extra: { inputResponses: Record<string, LooseResult>; requestState?: string }) => Promise<LooseResult>,
): Promise<LooseResult> {
  let result = first;
  for (let round = 1; isInputRequired(result); round++) {
    if (round > MAX_INPUT_ROUNDS) {
      throw inputError(`Server "${context.server}" still asked for input after ${MAX_INPUT_ROUNDS} rounds of ${context.label}; gave up`, {
        server: context.server,
        rounds: MAX_INPUT_ROUNDS,
      });
    }
    const requests = isRecord(result.inputRequests) ? result.inputRequests : {};
    const inputResponses: Record<string, LooseResult> = {};
    for (const [key, request] of Object.entries(requests)) {
      if (!isRecord(request) || typeof request.method !== 'string' || !INPUT_METHODS.has(request.method)) {
        const method = isRecord(request) ? String(request.method) : typeof request;
        throw inputError(`Server "${context.server}" asked for input the hub cannot relay during ${context.label}: ${method}`, {
          server: context.server,
          method,
        });
      }
      const params = isRecord(request.params) ? (request.params as LooseParams) : undefined;
      inputResponses[key] = await ask(params === undefined ? { method: request.method } : { method: request.method, params });
    }
    const requestState = typeof result.requestState === 'string' ? result.requestState : undefined;
    result = await retry({ inputResponses, ...(requestState !== undefined ? { requestState } : {}) });
  }
  return result;
}
