export { apiVersion } from './version.js';
export { createToken } from './tokens.js';
export type { Token, TokenMap, ResolvedDeps } from './tokens.js';
export { coreServices } from './services.js';
export type { Logger, ConfigService, Clock, Lifecycle, EventBus } from './services.js';
export { definePlugin, isSwitchboardPlugin } from './define-plugin.js';
export type { PluginSpec, SwitchboardPlugin } from './define-plugin.js';
export { pluginKinds } from './kinds.js';
export type * from './kinds.js';
export * from './server-definition.js';
export * from './config.js';
export type * from './events.js';
export * from './errors.js';
export { formatJsonPath, type JsonPath } from './json-path.js';
export { MAX_MESSAGE_DEPTH, messageDepth, messageTooDeep } from './message-depth.js';
/** MCP protocol types, re-exported so plugins use the same SDK copy. */
export type { Tool, Prompt, Resource, ResourceTemplate, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
export type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
