import { shortHash as hashOf } from '@mcp-switchboard/plugin-api';

export type NamespaceMode = 'always' | 'on-collision' | 'never';

export interface NamespaceOptions {
  mode: NamespaceMode;
  separator: string;
  /** Longest exposed name; longer ones are shortened with a hash. */
  maxLength: number;
}

/** One item to name: which server it comes from, under which prefix, and its original (downstream) name. */
export interface NamingItem {
  serverId: string;
  prefix: string;
  originalName: string;
  /**
   * Hidden by a filter: it gets a name only to recognise calls to it (never a hash suffix), and never takes a
   * name a visible item wants.
   */
  hidden?: boolean;
}

/** A collision that was resolved by suffixing a hash; the caller logs it. */
export interface NameCollision {
  item: NamingItem;
  /** The name it would have had. */
  wanted: string;
  /** Who has that name. */
  holder: Pick<NamingItem, 'serverId' | 'originalName'>;
  /** The name it got instead. */
  exposedName: string;
}

/** An item that kept the name it was given earlier although it would now be named otherwise; the caller logs it. */
export interface KeptName {
  item: NamingItem;
  exposedName: string;
  /** The name it would get without the memory. */
  natural: string;
}

/** The names given out earlier: `namingKey(item)` → exposed name, with who holds it. */
export type RememberedNames = ReadonlyMap<string, { name: string; serverId: string; originalName: string }>;

/** The identity of an item across rebuilds: server id and original name. */
export function namingKey(item: Pick<NamingItem, 'serverId' | 'originalName'>): string {
  return `${item.serverId}\u0000${item.originalName}`;
}

export interface AssignedNames {
  /** The exposed name of each item; undefined only for a hidden item whose name is taken. */
  names: Array<string | undefined>;
  /** Whether each name is in its prefixed form (`<prefix><separator><name>`). */
  prefixed: boolean[];
  collisions: NameCollision[];
  kept: KeptName[];
}

const INVALID = /[^A-Za-z0-9_-]/g;
const HASH_LENGTH = 6;

/** Replaces every character outside `[A-Za-z0-9_-]` with `_`. */
export function normalizeName(name: string): string {
  return name.replace(INVALID, '_');
}

/** The short, stable hash (hex) of the given parts that names carry: the shared one, 6 digits. */
export function shortHash(...parts: string[]): string {
  return hashOf(parts, HASH_LENGTH);
}

/** `base` cut so that `base + _hash` fits `maxLength`. */
function withSuffix(base: string, hash: string, maxLength: number): string {
  const room = maxLength - hash.length - 1;
  return `${base.slice(0, Math.max(0, room))}_${hash}`;
}

/** `base` if it fits and is non-empty, else truncated with a hash of server id + original name. */
function fit(base: string, item: NamingItem, maxLength: number): string {
  if (base.length > 0 && base.length <= maxLength) return base;
  return withSuffix(base, shortHash(item.serverId, item.originalName), maxLength);
}

function compareItems(a: NamingItem, b: NamingItem): number {
  if (a.serverId !== b.serverId) return a.serverId < b.serverId ? -1 : 1;
  if (a.originalName !== b.originalName) return a.originalName < b.originalName ? -1 : 1;
  return 0;
}

/** How many hash attempts a remembered name is checked against (more than one only after a 24-bit hash clash). */
const REMEMBERED_ATTEMPTS = 4;

function collisionHash(item: NamingItem, attempt: number): string {
  return attempt === 0 ? shortHash(item.serverId, item.originalName, 'collision') : shortHash(item.serverId, item.originalName, 'collision', String(attempt));
}

/**
 * Assigns every item an exposed name matching `^[A-Za-z0-9_-]{1,maxLength}$`, unique within the list.
 *
 * - `always`: `<prefix><separator><name>`; `on-collision`: only names that more than one server exposes get the
 *   prefix; `never`: the original name.
 * - Prefix and name are normalised to `[A-Za-z0-9_-]`; a name longer than `maxLength` is truncated and gets
 *   `_<hash of server id + original name>`.
 * - A name given out earlier (`remembered`) stays with its item as long as the item could still have it (same
 *   mode, separator and prefix): clients already call it, so a server that comes later never takes it over. Names
 *   remembered for items absent now (their server is restarting) are not given to anybody else either.
 * - Items still clashing are ordered by server id then original name: the first keeps the name, the others get
 *   a hash suffix (reported in `collisions`). The result depends only on the input set and `remembered`, never on
 *   the order of `items`.
 */
export function assignNames(items: readonly NamingItem[], options: NamespaceOptions, remembered?: RememberedNames): AssignedNames {
  const maxLength = Math.max(HASH_LENGTH + 2, options.maxLength);
  const separator = normalizeName(options.separator);
  const normalized = items.map((item) => normalizeName(item.originalName));

  // Which servers expose each (normalised) name: visible items only, so a hidden tool never renames a visible one.
  const servers = new Map<string, Set<string>>();
  normalized.forEach((name, i) => {
    if (items[i]!.hidden) return;
    let set = servers.get(name);
    if (!set) servers.set(name, (set = new Set()));
    set.add(items[i]!.serverId);
  });
  const shared = (i: number): boolean => {
    const set = servers.get(normalized[i]!);
    const count = (set?.size ?? 0) + (set?.has(items[i]!.serverId) ? 0 : 1);
    return count > 1;
  };
  const prefixable = (i: number) => items[i]!.prefix !== '';
  const prefixedBase = (i: number) => `${normalizeName(items[i]!.prefix)}${separator}${normalized[i]}`;
  const wantsPrefix = (i: number): boolean => prefixable(i) && (options.mode === 'always' || (options.mode === 'on-collision' && shared(i)));
  // An empty prefix (e.g. a plugin's built-in tools) exposes the name as it is.
  const bases = items.map((_, i) => (wantsPrefix(i) ? prefixedBase(i) : normalized[i]!));

  /** Whether `name` is `withSuffix(base, <some hash>)`: `base` cut to its room, `_`, then HASH_LENGTH characters. */
  const suffixShaped = (base: string, name: string): boolean => {
    const stem = base.slice(0, Math.max(0, maxLength - HASH_LENGTH - 1));
    return name.length === stem.length + 1 + HASH_LENGTH && name.startsWith(stem) && name[stem.length] === '_';
  };

  /** The form of `name` if the item could have it under the current options, else undefined. */
  const formOf = (i: number, name: string): 'prefixed' | 'bare' | undefined => {
    const forms: Array<['prefixed' | 'bare', string]> = [];
    if (prefixable(i) && options.mode !== 'never') forms.push(['prefixed', prefixedBase(i)]);
    if (!prefixable(i) || options.mode !== 'always') forms.push(['bare', normalized[i]!]);
    for (const [form, base] of forms) {
      if (fit(base, items[i]!, maxLength) === name) return form;
      // Hashing is most of a rebuild's cost: only a name shaped like `base` with a suffix can be one of its hashes.
      if (!suffixShaped(base, name)) continue;
      for (let attempt = 0; attempt < REMEMBERED_ATTEMPTS; attempt++) {
        if (withSuffix(base, collisionHash(items[i]!, attempt), maxLength) === name) return form;
      }
    }
    return undefined;
  };

  const order = items.map((_, i) => i).sort((a, b) => compareItems(items[a]!, items[b]!) || a - b);
  const names = new Array<string | undefined>(items.length).fill(undefined);
  const prefixed = new Array<boolean>(items.length).fill(false);
  const holders = new Map<string, Pick<NamingItem, 'serverId' | 'originalName'>>();
  const give = (i: number, name: string, isPrefixed: boolean) => {
    holders.set(name, items[i]!);
    names[i] = name;
    prefixed[i] = isPrefixed;
  };

  // First: names given out earlier stay with their items.
  const kept: KeptName[] = [];
  const present = new Set<string>();
  for (const i of order) {
    const key = namingKey(items[i]!);
    present.add(key);
    const earlier = remembered?.get(key)?.name;
    if (earlier === undefined || holders.has(earlier)) continue;
    const form = formOf(i, earlier);
    if (!form) continue;
    give(i, earlier, form === 'prefixed');
    // Worth a word only when the form differs (bare kept where a prefix is due now, or the other way round).
    if (!items[i]!.hidden && (form === 'prefixed') !== wantsPrefix(i)) {
      kept.push({ item: items[i]!, exposedName: earlier, natural: fit(bases[i]!, items[i]!, maxLength) });
    }
  }
  // Names remembered for items not here now (their server is on its way back) are held for them.
  for (const [key, held] of remembered ?? []) {
    if (!present.has(key) && !holders.has(held.name)) holders.set(held.name, held);
  }
  // Then natural names, visible items first; the first claimant (by server id, original name) wins.
  const clashing: number[] = [];
  for (const hidden of [false, true]) {
    for (const i of order) {
      if (names[i] !== undefined || !!items[i]!.hidden !== hidden) continue;
      const natural = fit(bases[i]!, items[i]!, maxLength);
      if (!holders.has(natural)) give(i, natural, wantsPrefix(i));
      else if (!hidden) clashing.push(i);
    }
  }
  // The visible others get a hash suffix that avoids every name already given.
  const collisions: NameCollision[] = [];
  for (const i of clashing) {
    const item = items[i]!;
    const wanted = fit(bases[i]!, item, maxLength);
    let attempt = 0;
    let candidate = withSuffix(bases[i]!, collisionHash(item, attempt), maxLength);
    while (holders.has(candidate)) {
      attempt += 1;
      candidate = withSuffix(bases[i]!, collisionHash(item, attempt), maxLength);
    }
    const holder = holders.get(wanted)!;
    give(i, candidate, wantsPrefix(i));
    collisions.push({ item, wanted, holder, exposedName: candidate });
  }
  return { names, prefixed, collisions, kept };
}
