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
}

/** A collision that was resolved by suffixing a hash; the caller logs it. */
export interface NameCollision {
  item: NamingItem;
  /** The name it would have had. */
  wanted: string;
  /** Who has that name. */
  holder: NamingItem;
  /** The name it got instead. */
  exposedName: string;
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

/**
 * Assigns every item an exposed name matching `^[A-Za-z0-9_-]{1,maxLength}$`, unique within the list.
 *
 * - `always`: `<prefix><separator><name>`; `on-collision`: only names that more than one server exposes get the
 *   prefix; `never`: the original name.
 * - Prefix and name are normalised to `[A-Za-z0-9_-]`; a name longer than `maxLength` is truncated and gets
 *   `_<hash of server id + original name>`.
 * - Items still clashing are ordered by server id then original name: the first keeps the name, the others get
 *   a hash suffix (reported in `collisions`). The result depends only on the input set, never on its order.
 */
export function assignNames(
  items: readonly NamingItem[],
  options: NamespaceOptions,
): { names: string[]; collisions: NameCollision[] } {
  const maxLength = Math.max(HASH_LENGTH + 2, options.maxLength);
  const separator = normalizeName(options.separator);
  const normalized = items.map((item) => normalizeName(item.originalName));

  let prefixed: (index: number) => boolean;
  if (options.mode === 'always') prefixed = () => true;
  else if (options.mode === 'never') prefixed = () => false;
  else {
    const servers = new Map<string, Set<string>>();
    normalized.forEach((name, i) => {
      let set = servers.get(name);
      if (!set) servers.set(name, (set = new Set()));
      set.add(items[i]!.serverId);
    });
    prefixed = (i) => (servers.get(normalized[i]!)?.size ?? 0) > 1;
  }

  const bases = items.map((item, i) =>
    // An empty prefix (e.g. a plugin's built-in tools) exposes the name as it is.
    prefixed(i) && item.prefix !== '' ? `${normalizeName(item.prefix)}${separator}${normalized[i]}` : normalized[i]!,
  );
  const order = items.map((_, i) => i).sort((a, b) => compareItems(items[a]!, items[b]!) || a - b);

  const names = new Array<string>(items.length);
  const holders = new Map<string, number>();
  const clashing: number[] = [];
  // First pass: natural names, first claimant (by server id, original name) wins.
  for (const i of order) {
    const natural = fit(bases[i]!, items[i]!, maxLength);
    if (holders.has(natural)) clashing.push(i);
    else {
      holders.set(natural, i);
      names[i] = natural;
    }
  }
  // Second pass: the others get a hash suffix that avoids every name already given.
  const collisions: NameCollision[] = [];
  for (const i of clashing) {
    const item = items[i]!;
    const wanted = fit(bases[i]!, item, maxLength);
    let attempt = 0;
    let candidate = withSuffix(bases[i]!, shortHash(item.serverId, item.originalName, 'collision'), maxLength);
    while (holders.has(candidate)) {
      attempt += 1;
      candidate = withSuffix(bases[i]!, shortHash(item.serverId, item.originalName, 'collision', String(attempt)), maxLength);
    }
    holders.set(candidate, i);
    names[i] = candidate;
    collisions.push({ item, wanted, holder: items[holders.get(wanted)!]!, exposedName: candidate });
  }
  return { names, collisions };
}
