import { readFileSync } from 'node:fs';
import type { Tool } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../src/bm25-index.js';
import { toolDocument, type CatalogTool } from '../src/tool-documents.js';
import { retrievalSet } from './retrieval-set.js';

const snapshot = JSON.parse(readFileSync(new URL('./fixtures/catalog.json', import.meta.url), 'utf8')) as Record<string, Tool[]>;
const catalog: CatalogTool[] = Object.entries(snapshot).flatMap(([serverId, tools]) =>
  tools.map((definition) => ({ exposedName: `${serverId}__${definition.name}`, serverId, originalName: definition.name, definition })),
);
const exposed = (key: string) => key.replace('/', '__');

/** The share of queries with an expected tool in the top k. */
function recallAt(index: Bm25Index, k: number): { recall: number; misses: string[] } {
  const misses: string[] = [];
  for (const { query, expected } of retrievalSet) {
    const top = index.search(query, k).map((hit) => hit.id);
    if (!expected.some((name) => top.includes(exposed(name)))) misses.push(`${query} → ${top.join(', ')} (wanted ${expected.join(' or ')})`);
  }
  return { recall: 1 - misses.length / retrievalSet.length, misses };
}

describe('retrieval over the real tool lists of the reference and fixture servers', () => {
  const index = new Bm25Index(catalog.map(toolDocument));

  it('has the catalog and a test set that name real tools', () => {
    expect(catalog.length).toBeGreaterThan(50);
    const names = new Set(catalog.map((t) => t.exposedName));
    for (const { expected } of retrievalSet) for (const name of expected) expect(names, name).toContain(exposed(name));
  });

  it('finds an expected tool in the top 5 for at least 90% of the queries (recall@5)', () => {
    const { recall, misses } = recallAt(index, 5);
    const at1 = recallAt(index, 1).recall;
    process.stderr.write(
      `tool-search retrieval: ${retrievalSet.length} queries over ${catalog.length} tools, recall@1 ${at1.toFixed(2)}, recall@5 ${recall.toFixed(2)}\n`,
    );
    for (const miss of misses) process.stderr.write(`  miss: ${miss}\n`);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
