import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { describe, expect, it } from 'vitest';
import { lazyJsonSchemaValidator } from './lazy-json-schema-validator.js';

describe('lazyJsonSchemaValidator', () => {
  it('validates as the SDK validator does, building it on first use only', () => {
    const lazy = lazyJsonSchemaValidator();
    expect(lazy).not.toBeInstanceOf(AjvJsonSchemaValidator);
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } as const;
    const sdk = new AjvJsonSchemaValidator().getValidator(schema);
    const ours = lazy.getValidator(schema);
    for (const input of [{ n: 1 }, { n: 'one' }, {}]) expect(ours(input)).toEqual(sdk(input));
    expect(ours({ n: 'one' }).valid).toBe(false);
  });

  it('keeps one validator per object: a schema $id of one never meets another', () => {
    const one = lazyJsonSchemaValidator();
    const two = lazyJsonSchemaValidator();
    const id = 'https://example.com/same-id';
    expect(one.getValidator({ $id: id, type: 'string' })('x').valid).toBe(true);
    expect(two.getValidator({ $id: id, type: 'number' })(1).valid).toBe(true);
    expect(two.getValidator({ $id: id, type: 'number' })('x').valid).toBe(false);
  });
});
