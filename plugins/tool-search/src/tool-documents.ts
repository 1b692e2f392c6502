import type { Tool } from '@mcp-switchboard/plugin-api';
import type { SearchDocument } from './bm25-index.js';

/**
 * A tool of the catalog as the search sees it: the same shape as plugin API 2's `CallableTool`, so the hub's list
 * can be passed as it is.
 */
export interface CatalogTool {
  readonly exposedName: string;
  /** Undefined for a virtual tool (one a middleware answers itself). */
  readonly serverId: string | undefined;
  readonly originalName: string;
  readonly definition: Tool;
}

/** The names of a tool's arguments (top-level properties of its input schema). */
export function argumentNames(tool: Tool): string[] {
  const properties = tool.inputSchema?.properties;
  return properties && typeof properties === 'object' ? Object.keys(properties) : [];
}

/** The fields BM25 indexes for one tool. The original name is searched too, so a renamed tool keeps its old words. */
export function toolDocument(tool: CatalogTool): SearchDocument {
  const { definition } = tool;
  // The hub's `<server>__<tool>` adds only the server, which has its own field; a real rename adds new words.
  const names = tool.exposedName.endsWith(tool.originalName) ? tool.originalName : `${tool.exposedName} ${tool.originalName}`;
  return {
    id: tool.exposedName,
    fields: {
      name: names,
      title: definition.title ?? definition.annotations?.title,
      description: definition.description,
      arguments: argumentNames(definition).join(' '),
      server: tool.serverId,
    },
  };
}
