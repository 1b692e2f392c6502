import { randomUUID } from 'node:crypto';
import {
  type CallDecision,
  PluginDriver,
  type CallToolResult,
  type MiddlewareCall,
  type ServerDefinition,
  type VirtualTool,
  type VirtualToolContext,
} from '@mcp-switchboard/plugin-api';
import type { ToolEntry } from '../catalog/catalog.js';
import { dropSerializedText } from '../catalog/list-page.js';
import type { HubContext } from '../context.js';
import { guardToolCall, refusal, refusalOrBug, type Refusal } from '../plugins/tool-call-guard.js';
import type { LooseResult } from '../util/schemas.js';

/** One tool call on its way through the filters and middleware. */
export interface PipelineCall {
  readonly callId: string;
  readonly sessionId: string;
  readonly entry: ToolEntry;
  /** The server that answers it; undefined for a virtual tool. */
  readonly server: ServerDefinition | undefined;
  readonly arguments: Record<string, unknown> | undefined;
}

export interface PipelineSteps {
  /** Sends the call to its server with these arguments (tracked with call events). */
  forward(args: Record<string, unknown> | undefined): Promise<LooseResult>;
  /** What a virtual tool's handler may use. */
  virtualContext(): VirtualToolContext;
}

/**
 * A tool call, onion-style: the filters' guards, then each middleware's `beforeToolCall` in plugin order (each may
 * rewrite the arguments, refuse, or answer), the server (or the virtual tool's handler), then `afterToolCall` in
 * reverse order over the middleware whose `before` ran. A refusal emits `call.refused` naming the plugin.
 */
export function runToolCall(ctx: HubContext, call: PipelineCall, steps: PipelineSteps): Promise<LooseResult> {
  // No async function of ours between the client and the server while the hooks answer synchronously (filter-rules
  // runs on every call and does): each would cost every answer turns of the microtask queue.
  const guarded = guardCall(ctx, call);
  if (guarded === undefined) return afterFilters(ctx, call, steps);
  return guarded.then((answer) => answer ?? afterFilters(ctx, call, steps));
}

/** A call as the filters see it; its id is drawn only if a refusal needs one for its event. */
export type GuardedCall = Omit<PipelineCall, 'callId'> & { readonly callId?: string };

/**
 * The filters' `beforeToolCall` guards: undefined when the call may go on at once (no filter has the hook, or every
 * one answered synchronously that it may); else a promise of the refusal's answer (after `call.refused`), or of
 * undefined when an asynchronous guard let it through. A plugin's bug rejects (SWB_PLUGIN_HOOK).
 */
export function guardCall(ctx: HubContext, call: GuardedCall): Promise<LooseResult | undefined> | undefined {
  const server = call.server;
  if (!server || !ctx.filters.has('beforeToolCall')) return undefined;
  const { entry } = call;
  let guarded: ReturnType<typeof guardToolCall>;
  try {
    guarded = guardToolCall(
      ctx.filters,
      { server, tool: entry.originalName, exposedName: entry.exposedName, arguments: call.arguments, sessionId: call.sessionId },
      ctx.logger,
    );
  } catch (error) {
    return Promise.reject(error);
  }
  if (guarded instanceof Promise) return guarded.then((r) => (r ? refused(ctx, call, r, call.arguments) : undefined));
  return guarded ? Promise.resolve(refused(ctx, call, guarded, call.arguments)) : undefined;
}

/** Emits `call.refused` naming the plugin, and gives the refusal's answer. */
function refused(ctx: HubContext, call: GuardedCall, r: Refusal, args: Record<string, unknown> | undefined): LooseResult {
  const { entry } = call;
  ctx.emit({
    type: 'call.refused',
    callId: call.callId ?? randomUUID(),
    sessionId: call.sessionId,
    ...(call.server ? { server: call.server } : {}),
    kind: 'tool',
    item: entry.originalName,
    exposedName: entry.exposedName,
    ...(args ? { arguments: args } : {}),
    plugin: r.plugin,
    code: r.code,
    message: r.message,
    at: Date.now(),
  });
  return r.result;
}

/** The call past the filters: straight to its server when no middleware is configured. */
function afterFilters(ctx: HubContext, call: PipelineCall, steps: PipelineSteps): Promise<LooseResult> {
  if (!call.entry.virtual && ctx.middleware.entries.length === 0) return steps.forward(call.arguments);
  return throughMiddleware(ctx, call, steps);
}

async function throughMiddleware(ctx: HubContext, call: PipelineCall, steps: PipelineSteps): Promise<LooseResult> {
  const { entry } = call;
  const name = entry.exposedName;
  const where = { tool: name, server: call.server?.id };

  const driver = ctx.middleware;
  let current: MiddlewareCall = {
    callId: call.callId,
    sessionId: call.sessionId,
    server: call.server,
    tool: entry.originalName,
    exposedName: name,
    arguments: call.arguments,
  };
  let answered: LooseResult | undefined;
  let wrapped = driver.entries.length;
  for (const [index, m] of driver.entries.entries()) {
    if (typeof m.contribution.beforeToolCall !== 'function') continue;
    let decision: CallDecision | undefined | void;
    try {
      decision = await driver.call(m, 'beforeToolCall', current);
    } catch (thrown) {
      return refused(ctx, call, refusalOrBug(thrown, 'middleware', 'beforeToolCall', where, ctx.logger), current.arguments);
    }
    if (!decision || decision.action === 'continue') {
      if (decision?.arguments) current = { ...current, arguments: decision.arguments };
      continue;
    }
    if (decision.action === 'refuse') {
      ctx.logger.info(`call to tool "${name}" refused by middleware "${m.pluginId}"`, {
        ...where,
        plugin: m.pluginId,
        code: decision.code,
        reason: decision.message,
      });
      return refused(ctx, call, refusal(name, m.pluginId, decision.code, decision.message, decision.fix), current.arguments);
    }
    answered = decision.result as LooseResult;
    wrapped = index;
    break;
  }

  let result: LooseResult = answered ?? (entry.virtual ? await callVirtual(ctx, entry, current, steps) : await steps.forward(current.arguments));
  // An afterToolCall may change the result in place: it is then written as it is now, not as the server sent it.
  if (wrapped > 0 && typeof result === 'object' && result !== null) dropSerializedText(result);
  for (let index = wrapped - 1; index >= 0; index--) {
    const m = driver.entries[index]!;
    if (typeof m.contribution.afterToolCall !== 'function') continue;
    try {
      const replaced = await driver.call(m, 'afterToolCall', current, result as CallToolResult);
      if (replaced) result = replaced as LooseResult;
    } catch (thrown) {
      // A result the middleware meant to transform (redact) is not passed on untransformed.
      return refused(ctx, call, refusalOrBug(thrown, 'middleware', 'afterToolCall', where, ctx.logger), current.arguments);
    }
  }
  return result;
}

/**
 * Asks the plugin that offers a virtual tool to answer it (no time limit: a meta-tool may call other tools). A
 * SwitchboardError it throws is answered as an error result with its code; any other throw is an internal error
 * naming the plugin.
 */
async function callVirtual(ctx: HubContext, entry: ToolEntry, call: MiddlewareCall, steps: PipelineSteps): Promise<LooseResult> {
  const { pluginId, item } = entry.virtual!;
  const handler = { pluginId, contribution: item as VirtualTool };
  try {
    return (await new PluginDriver([handler]).call(handler, 'call', call.arguments, steps.virtualContext())) as LooseResult;
  } catch (thrown) {
    return refusalOrBug(thrown, 'middleware', 'call', { tool: entry.exposedName, server: undefined }, ctx.logger).result;
  }
}
