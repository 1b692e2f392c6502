import { describe, expect, it } from 'vitest';
import { lineColumn, locateJsonError } from './json-position.js';
import { parseJsonConfig } from './parse-json.js';

describe('locateJsonError', () => {
  it.each([
    ['{"a": 1}', -1],
    ['{"a": tru}', 9],
    ['[1,2,]', 5],
    ['{"a": 1,}', 8],
    ['{"a": 1', 7],
    ['', 0],
    ['{"a": "x\\q"}', 9],
    ['{"a": 1} x', 9],
  ])('%j fails at %i', (text, offset) => {
    expect(locateJsonError(text)).toBe(offset);
  });
});

describe('lineColumn', () => {
  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('x', 0)).toEqual({ line: 1, column: 1 });
  });
});

describe('parseJsonConfig', () => {
  it('names file, line and column when V8 gives no position', () => {
    const text = '{\n  "mcpServers": {\n    "a": { "command": tru }\n  }\n}';
    expect(() => parseJsonConfig(text, '/x/c.json')).toThrow(/^\/x\/c\.json:3:26: invalid JSON: Unexpected token ' '$/);
  });
  it('uses the position V8 reports', () => {
    expect(() => parseJsonConfig('{\n  "a": 1,\n}', 'f.json')).toThrow(/^f\.json:3:1: invalid JSON: Expected double-quoted property name$/);
  });
  it('accepts a byte-order mark', () => {
    expect(parseJsonConfig('\uFEFF{"a":1}', 'f.json')).toEqual({ a: 1 });
  });
});
