// Loaded first so tsyringe finds the Reflect metadata API, whichever kernel module an app imports.
import './di.js';

export { Kernel } from './kernel.js';
export type { Contribution, KernelOptions, KernelState } from './kernel.js';
export { createLogger } from './logger.js';
export type { CreateLoggerOptions, KernelLogger } from './logger.js';
export { loadConfig } from './config/load-config.js';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config.js';
export { configSearchPlaces, defaultGlobalConfigDir, globalSearchPlaces } from './config/find-config.js';
export { interpolateEnv } from './config/interpolate.js';
export { UNSET_VARIABLES_KEY, unsetVariablesOf } from './config/unset-server-variables.js';
export type { UnsetVariable } from './config/unset-server-variables.js';
export { resolvePlugins } from './plugins/resolve-plugins.js';
export type { PluginEntryInput, ResolvedPlugin, ResolvePluginsOptions } from './plugins/types.js';
export { checkApiVersion } from './plugins/check-api-version.js';
export type { ApiVersionCheck } from './plugins/check-api-version.js';
export { candidatePackageNames } from './plugins/expand-name.js';
export { setupOrder } from './plugins/setup-order.js';
export { KernelEventBus } from './events/event-bus.js';
export type { Subscription, SubscriberStats } from './events/event-bus.js';
export { contributionTokens } from './tokens.js';
export { RESTART_REQUIRED_KEYS } from './kernel.js';
export type { ConfigReload } from './kernel.js';
export { SecretRedactor, findSecrets, processSecrets, redactSecrets, REDACTED, MIN_SECRET_LENGTH } from './secrets.js';
export { redactedPaths } from './logger.js';
