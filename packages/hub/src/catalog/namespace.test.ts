import { describe, expect, it } from 'vitest';
import { assignNames, namingKey, normalizeName, type NamingItem } from './namespace.js';

const opts = { mode: 'always' as const, separator: '__', maxLength: 64 };
const item = (serverId: string, originalName: string, prefix = serverId): NamingItem => ({ serverId, prefix, originalName });
const VALID = /^[A-Za-z0-9_-]{1,64}$/;

describe('assignNames', () => {
  it('prefixes with the server and normalises both parts', () => {
    const { names, collisions } = assignNames([item('my.server', 'get file'), item('b', 'ok-name_1')], opts);
    expect(names).toEqual(['my_server__get_file', 'b__ok-name_1']);
    expect(collisions).toEqual([]);
    expect(normalizeName('a.b/c d')).toBe('a_b_c_d');
  });

  it('uses the prefix, not the id, when one is given', () => {
    expect(assignNames([item('server-one', 'x', 's1')], opts).names).toEqual(['s1__x']);
  });

  it('shortens long names deterministically to maxLength with a hash, and keeps them distinct', () => {
    const long = 'a'.repeat(66);
    const a = assignNames([item('fx', long), item('fx', `${long}b`)], opts);
    for (const n of a.names) {
      expect(n).toMatch(VALID);
      expect(n).toHaveLength(64);
    }
    expect(a.names[0]).not.toBe(a.names[1]);
    expect(a.names[0]).toMatch(/_[0-9a-f]{6}$/);
    // Same input in another order gives the same names.
    const b = assignNames([item('fx', `${long}b`), item('fx', long)], opts);
    expect(b.names).toEqual([a.names[1], a.names[0]]);
    // A smaller maxLength is honoured.
    expect(assignNames([item('fx', long)], { ...opts, maxLength: 20 }).names[0]!.length).toBe(20);
  });

  it('resolves collisions after normalising by server id then original name, and reports them', () => {
    const items = [item('b', 'x.y'), item('a', 'x_y'), item('a', 'x.y')];
    const { names, collisions } = assignNames(items, { ...opts, mode: 'never' });
    // a/x.y sorts before a/x_y ('.' < '_'), so it keeps the natural name.
    expect(names[2]).toBe('x_y');
    expect(names[1]).toMatch(/^x_y_[0-9a-f]{6}$/);
    expect(names[0]).toMatch(/^x_y_[0-9a-f]{6}$/);
    expect(new Set(names).size).toBe(3);
    expect(collisions).toHaveLength(2);
    expect(collisions.map((c) => c.item.serverId).sort()).toEqual(['a', 'b']);
    for (const c of collisions) expect(c.holder).toEqual(item('a', 'x.y'));
    // Deterministic regardless of input order.
    const again = assignNames([items[2]!, items[0]!, items[1]!], { ...opts, mode: 'never' });
    expect(again.names).toEqual([names[2], names[0], names[1]]);
  });

  it('on-collision prefixes only names exposed by more than one server', () => {
    const { names } = assignNames([item('a', 'search'), item('b', 'search'), item('a', 'only_a'), item('b', 'only_b')], {
      ...opts,
      mode: 'on-collision',
    });
    expect(names).toEqual(['a__search', 'b__search', 'only_a', 'only_b']);
  });

  it('gives an empty name a valid one', () => {
    const { names } = assignNames([item('a', '')], { ...opts, mode: 'never' });
    expect(names[0]).toMatch(VALID);
  });

  it('keeps remembered names while the item could still have them, and holds those of absent items', () => {
    const remember = (entries: Array<[NamingItem, string]>) =>
      new Map(entries.map(([i, name]) => [namingKey(i), { name, serverId: i.serverId, originalName: i.originalName }]));
    const never = { ...opts, mode: 'never' as const };
    // zeta had "echo": alpha, sorting first, gets the suffix.
    const kept = assignNames([item('alpha', 'echo'), item('zeta', 'echo')], never, remember([[item('zeta', 'echo'), 'echo']]));
    expect(kept.names[1]).toBe('echo');
    expect(kept.names[0]).toMatch(/^echo_[0-9a-f]{6}$/);
    expect(kept.collisions.map((c) => [c.item.serverId, c.holder.serverId])).toEqual([['alpha', 'zeta']]);
    // zeta is absent (restarting): its name is held, not given to alpha.
    expect(assignNames([item('alpha', 'echo')], never, remember([[item('zeta', 'echo'), 'echo']])).names[0]).toMatch(/^echo_/);
    // A remembered name the item can no longer have (its prefix changed) is not kept.
    expect(assignNames([item('zeta', 'echo', 'z')], opts, remember([[item('zeta', 'echo'), 'zeta__echo']])).names).toEqual(['z__echo']);
    // on-collision: the holder keeps the bare name (reported in kept), the newcomer is prefixed.
    const oc = assignNames([item('alpha', 'echo'), item('zeta', 'echo')], { ...opts, mode: 'on-collision' }, remember([[item('zeta', 'echo'), 'echo']]));
    expect(oc.names).toEqual(['alpha__echo', 'echo']);
    expect(oc.prefixed).toEqual([true, false]);
    expect(oc.kept.map((k) => [k.item.serverId, k.exposedName, k.natural])).toEqual([['zeta', 'echo', 'zeta__echo']]);
  });

  it('keeps a remembered hash-suffixed name, also one cut to the maximum length', () => {
    const remember = (items: NamingItem[], names: Array<string | undefined>) =>
      new Map(items.map((i, n) => [namingKey(i), { name: names[n]!, serverId: i.serverId, originalName: i.originalName }]));
    for (const options of [
      { ...opts, mode: 'never' as const },
      { ...opts, mode: 'never' as const, maxLength: 12 },
    ]) {
      const items = [item('alpha', 'a-rather-long-echo'), item('zeta', 'a-rather-long-echo')];
      const first = assignNames(items, options);
      expect(first.names[0]).not.toBe(first.names[1]);
      // Remembered, listed in the other order: each keeps the name it was given (zeta its suffixed one, if any).
      const swapped = assignNames([items[1]!, items[0]!], options, remember(items, first.names));
      expect(swapped.names).toEqual([first.names[1], first.names[0]]);
      expect(swapped.collisions).toEqual([]);
    }
  });

  it('names hidden items only with free natural names, and never lets them take a name from a visible item', () => {
    const hidden = (serverId: string, name: string): NamingItem => ({ ...item(serverId, name), hidden: true });
    const never = { ...opts, mode: 'never' as const };
    expect(assignNames([hidden('a', 'echo'), item('b', 'echo')], never).names).toEqual([undefined, 'echo']);
    expect(assignNames([hidden('a', 'secret'), item('b', 'echo')], never).names).toEqual(['secret', 'echo']);
    // A hidden tool does not make a visible one shared in on-collision mode.
    expect(assignNames([hidden('a', 'echo'), item('b', 'echo')], { ...opts, mode: 'on-collision' }).names).toEqual(['a__echo', 'echo']);
  });
});
