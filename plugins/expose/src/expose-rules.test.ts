import { describe, expect, it } from 'vitest';
import { ExposeRules } from './expose-rules.js';
import { exposeOptionsSchema, type ExposeOptionsInput } from './options.js';

const rules = (input: ExposeOptionsInput) => new ExposeRules(exposeOptionsSchema.parse(input));

describe('ExposeRules', () => {
  const base: ExposeOptionsInput = {
    servers: {
      everything: {
        tools: { echo: { name: 'say', description: 'Says the message back.', annotations: { readOnlyHint: true } } },
        prompts: { 'simple-prompt': { name: 'hello', title: 'Hello' } },
      },
    },
    profiles: {
      work: { servers: { everything: { tools: { echo: { description: 'Work echo.', annotations: { idempotentHint: true } } } } } },
      other: { servers: { memory: { tools: { read_graph: { name: 'graph' } } } } },
    },
  };

  it('renames and overrides by server and the server own name', () => {
    const r = rules(base);
    expect(r.tool('everything', 'echo')).toEqual({ name: 'say', description: 'Says the message back.', annotations: { readOnlyHint: true } });
    expect(r.prompt('everything', 'simple-prompt')).toEqual({ name: 'hello', title: 'Hello' });
    expect(r.tool('everything', 'get-sum')).toBeUndefined();
    expect(r.tool('memory', 'echo')).toBeUndefined();
  });

  it('applies a profile over the base, field by field, annotations merged; an unknown profile gets the base', () => {
    const r = rules(base);
    expect(r.tool('everything', 'echo', 'work')).toEqual({ name: 'say', description: 'Work echo.', annotations: { readOnlyHint: true, idempotentHint: true } });
    expect(r.tool('everything', 'echo', 'other')).toEqual(r.tool('everything', 'echo'));
    expect(r.tool('memory', 'read_graph', 'other')).toEqual({ name: 'graph' });
    expect(r.tool('memory', 'read_graph')).toBeUndefined();
    expect(r.tool('everything', 'echo', 'nope')).toEqual(r.tool('everything', 'echo'));
  });

  it('is empty without overrides', () => {
    expect(rules({}).isEmpty).toBe(true);
    expect(rules(base).isEmpty).toBe(false);
  });
});

describe('expose options', () => {
  it('refuse names clients cannot call, unknown keys, and two items renamed to one name', () => {
    const issues = (input: unknown) => exposeOptionsSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ servers: { a: { tools: { x: { name: 'has space' } } } } })[0]).toMatch(/1-64 characters/);
    expect(issues({ servers: { a: { tools: { x: { nmae: 'y' } } } } })[0]).toMatch(/Unrecognized key/);
    expect(issues({ servers: { a: { tools: { x: { name: 'same' } } }, b: { tools: { y: { name: 'same' } } } } })).toEqual([
      'a/x and b/y are both renamed to "same"',
    ]);
    expect(issues({ servers: { a: { tools: { x: { name: 'same' } } } }, profiles: { p: { servers: { b: { tools: { y: { name: 'same' } } } } } } })).toEqual([
      'a/x and b/y are both renamed to "same" in profile "p"',
    ]);
    // A tool and a prompt may share a name: they are different lists.
    expect(issues({ servers: { a: { tools: { x: { name: 'same' } }, prompts: { y: { name: 'same' } } } } })).toEqual([]);
  });
});
