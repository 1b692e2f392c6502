export { ExposeRules } from './expose-rules.js';
export type { ItemChange } from './expose-rules.js';
export { exposeOptionsSchema, promptOverrideSchema, toolOverrideSchema } from './options.js';
export type { ExposeOptions, ExposeOptionsInput, PromptOverride, ToolOverride } from './options.js';
export { plugin } from './plugin.js';
export { plugin as default } from './plugin.js';
