import { describe, expect, it } from 'vitest';
import { candidatePackageNames, isPathSpecifier } from './expand-name.js';

describe('plugin names', () => {
  it('expands short names, first-party scope first', () => {
    expect(candidatePackageNames('pluggedin')).toEqual(['@mcp-switchboard/plugin-pluggedin', 'switchboard-plugin-pluggedin', 'pluggedin']);
  });
  it('uses full package names as they are', () => {
    expect(candidatePackageNames('@acme/x')).toEqual(['@acme/x']);
    expect(candidatePackageNames('switchboard-plugin-x')).toEqual(['switchboard-plugin-x']);
  });
  it('tells paths from packages', () => {
    expect(['./a.mjs', '../a', '/abs/a.mjs'].every(isPathSpecifier)).toBe(true);
    expect(['a', '@s/a', 'switchboard-plugin-a'].some(isPathSpecifier)).toBe(false);
  });
});
