import { describe, expect, it } from 'vitest';
import { SWITCHBOARD_CHAIN_ENV } from '@mcp-switchboard/plugin-transport-stdio';
import { MAX_NESTING, extendChain, nestingError, readChain } from './nesting.js';

describe('the nesting guard', () => {
  it('reads the chain, leaving this process out (an app may boot twice in one process)', () => {
    const marker = extendChain([{ pid: 11, config: '/a.json' }], { pid: process.pid, config: '/b.json' });
    expect(readChain({ [SWITCHBOARD_CHAIN_ENV]: marker })).toEqual([{ pid: 11, config: '/a.json' }]);
    expect(readChain({})).toEqual([]);
    expect(readChain({ [SWITCHBOARD_CHAIN_ENV]: 'not json' })).toHaveLength(1);
  });

  it('refuses the same config above, or too many Switchboards; allows a config of its own', () => {
    const chain = [{ pid: 11, config: '/a.json' }];
    expect(nestingError(chain, '/a.json')?.code).toBe('SWB_NESTED_SWITCHBOARD');
    expect(nestingError(chain, '/b.json')).toBeUndefined();
    const deep = Array.from({ length: MAX_NESTING }, (_, i) => ({ pid: 100 + i, config: `/c${i}.json` }));
    expect(nestingError(deep, '/other.json')?.message).toContain(`below ${MAX_NESTING} other Switchboards`);
  });
});
