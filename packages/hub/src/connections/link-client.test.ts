import { describe, expect, it } from 'vitest';
import { ReservedMeta } from './era-probe.js';
import { ownMeta } from './link-client.js';

describe('ownMeta', () => {
  it("drops the client hop's reserved keys, keeps the rest of _meta and the params, and adds our own", () => {
    const params = JSON.parse(
      `{"name":"echo","arguments":{"text":"hi"},"_meta":{"${ReservedMeta.protocolVersion}":"2026-07-28","traceparent":"00-ab"}}`,
    ) as Record<string, unknown>;
    const sent = ownMeta(params, { progressToken: 'swb-1-1' });
    expect(sent).toEqual({ name: 'echo', arguments: { text: 'hi' }, _meta: { traceparent: '00-ab', progressToken: 'swb-1-1' } });
    expect(params._meta).toHaveProperty([ReservedMeta.protocolVersion]); // the client's params are not changed
  });

  it('leaves no _meta when nothing is left of it, and none for absent params with nothing to add', () => {
    expect(ownMeta({ name: 'x', _meta: { [ReservedMeta.clientInfo]: { name: 'c' } } }, {})).toEqual({ name: 'x' });
    expect(ownMeta({ name: 'x', _meta: null } as unknown as Record<string, unknown>, {})).toEqual({ name: 'x' });
    expect(ownMeta(undefined, {})).toBeUndefined();
    expect(ownMeta(undefined, { progressToken: 1 })).toEqual({ _meta: { progressToken: 1 } });
  });

  it('copies a "__proto__" key of the client as data, never as the prototype', () => {
    const params = JSON.parse('{"name":"x","__proto__":{"polluted":true},"_meta":{"__proto__":{"p":1}}}') as Record<string, unknown>;
    const sent = ownMeta(params, { progressToken: 't' })!;
    expect(Object.getPrototypeOf(sent)).toBe(Object.prototype);
    expect(Object.hasOwn(sent, '__proto__')).toBe(true);
    expect(JSON.stringify(sent)).toBe('{"name":"x","__proto__":{"polluted":true},"_meta":{"__proto__":{"p":1},"progressToken":"t"}}');
    expect((sent as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
