import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_DEPTH, messageDepth, messageTooDeep } from './message-depth.js';

/** `{"a":{"a":…0…}}` nested `levels` deep, parsed from text (building it recursively would itself overflow). */
function nested(levels: number): unknown {
  return JSON.parse('{"a":'.repeat(levels) + '0' + '}'.repeat(levels));
}

describe('messageDepth', () => {
  it('counts nesting of objects and arrays', () => {
    expect(messageDepth(1)).toBe(0);
    expect(messageDepth(null)).toBe(0);
    expect(messageDepth({})).toBe(1);
    expect(messageDepth([])).toBe(1);
    expect(messageDepth({ a: [1, { b: 'x' }], c: 2 })).toBe(3);
    expect(messageDepth(nested(40))).toBe(40);
  });

  it('walks 100,000 levels without overflowing the stack, stopping just past the limit', () => {
    expect(messageDepth(nested(100_000))).toBe(MAX_MESSAGE_DEPTH + 1);
    expect(messageDepth(nested(100_000), 1_000_000)).toBe(100_000);
  });
});

describe('messageTooDeep', () => {
  it('accepts a message at the limit and refuses one past it, naming the limit', () => {
    expect(messageTooDeep(nested(MAX_MESSAGE_DEPTH))).toBeUndefined();
    expect(messageTooDeep(nested(MAX_MESSAGE_DEPTH + 1))).toMatch(/^Invalid Request: .*more than 100 levels deep/);
  });
});
