export { runProxy } from './run-proxy.js';
export { boot, type Booted } from './boot.js';
export { readCliSettings, type CliSettings } from './cli-settings.js';
export { builtinPlugins } from './builtin-plugins.js';
export { renderCatalog, estimateTokens } from './commands/list.js';
