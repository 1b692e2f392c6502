export { Hub } from './hub.js';
export type { HubOptions, ServerStatus } from './types.js';
export type { CatalogEntry, CatalogSnapshot, ToolEntry, PromptEntry, ResourceEntry, TemplateEntry } from './catalog/catalog.js';
export { assignNames, normalizeName, shortHash } from './catalog/namespace.js';
export type { NamespaceMode, NamespaceOptions, NamingItem, NameCollision } from './catalog/namespace.js';
export { encodeCursor, decodeCursor, paginate } from './pagination.js';
export { closestMatches, editDistance } from './util/suggest.js';
export { upstreamCapabilities } from './session/upstream-session.js';
export { downstreamClientCapabilities } from './connections/server-connection.js';
