import { expect, it } from 'vitest';
import { measureCatalogSizes, tenServers } from './catalog-size.js';

it('lists a 10-server catalog through the proxy per tool-search mode: search < hybrid < all', async () => {
  const servers = tenServers();
  expect(Object.keys(servers)).toHaveLength(10);
  const total = Object.values(servers).reduce((n, tools) => n + tools.length, 0);
  const sizes = Object.fromEntries((await measureCatalogSizes(servers)).map((s) => [s.mode, s]));
  expect(sizes['no plugin']!.tools).toBe(total);
  expect([sizes.all!.tools, sizes.all!.bytes]).toEqual([total, sizes['no plugin']!.bytes]);
  expect(sizes['hybrid (5 pinned)']!.tools).toBe(7);
  expect(sizes.search!.tools).toBe(2);
  expect(sizes.search!.bytes).toBeLessThan(sizes['hybrid (5 pinned)']!.bytes);
  expect(sizes['hybrid (5 pinned)']!.bytes).toBeLessThan(sizes.all!.bytes / 5);
});
