import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25-index.js';

const docs = [
  { id: 'fs__read_file', fields: { name: 'read_file', description: 'Read a file from disk', arguments: 'path', server: 'fs' } },
  { id: 'fs__write_file', fields: { name: 'write_file', description: 'Write a file to disk', arguments: 'path content', server: 'fs' } },
  { id: 'gh__create_issue', fields: { name: 'create_issue', description: 'Open an issue in a repository', arguments: 'owner repo title body', server: 'gh' } },
  { id: 'gh__read_issue', fields: { name: 'get_issue', description: 'Read one issue', arguments: 'owner repo number', server: 'gh' } },
];

describe('Bm25Index', () => {
  const index = new Bm25Index(docs);

  it('ranks a name match above a description-only match', () => {
    expect(index.search('write', 4).map((h) => h.id)).toEqual(['fs__write_file']);
    expect(index.search('read', 4)[0]!.id).toBe('fs__read_file');
  });

  it('uses argument names and the server as fields', () => {
    expect(index.search('repo title', 2)[0]!.id).toBe('gh__create_issue');
    expect(
      index
        .search('gh issue', 4)
        .map((h) => h.id)
        .sort(),
    ).toEqual(['gh__create_issue', 'gh__read_issue']);
  });

  it('leaves out documents matching no term, honours the limit and the filter', () => {
    expect(index.search('kubernetes', 5)).toEqual([]);
    expect(index.search('file', 1)).toHaveLength(1);
    expect(index.search('read', 5, (id) => id.startsWith('gh__')).map((h) => h.id)).toEqual(['gh__read_issue']);
  });

  it('breaks ties by id, so equal scores give a stable order', () => {
    const twins = new Bm25Index([
      { id: 'b', fields: { name: 'same' } },
      { id: 'a', fields: { name: 'same' } },
    ]);
    expect(twins.search('same', 2).map((h) => h.id)).toEqual(['a', 'b']);
  });
});
