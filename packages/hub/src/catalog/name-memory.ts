import { namingKey, type NamingItem, type RememberedNames } from './namespace.js';

/** A name held for an item that is not in the catalog now. */
export interface HeldName {
  name: string;
  serverId: string;
  originalName: string;
}

/** One build's names, to be committed once clients see them. */
export type Assignment = ReadonlyArray<HeldName & { key: string }>;

/**
 * The tool (or prompt) names one view gave out to clients, kept across snapshot rebuilds so that a name clients
 * already call keeps its server: a server that becomes ready later gets the disambiguated name instead of taking
 * it over. Names count as given out once a snapshot that has them answers a list or a call (`commit`); until
 * then (at start-up, before any client looked) names follow from the set of servers alone.
 *
 * A name is released only when nobody can mean it any more: its server left the view (removed from the config or
 * the profile), or its server is ready and no longer lists the item. While its server is starting, restarting or
 * failed the name stays held, so calls to it name the server that is down instead of reaching another one.
 */
export class NameMemory {
  private readonly held = new Map<string, HeldName>();

  /** What `assignNames` should keep: item key → name. */
  get remembered(): RememberedNames {
    return this.held;
  }

  /**
   * Forgets the names nobody can mean any more. `listed(serverId)` is the set of original names a ready server
   * lists now (visible or hidden), or undefined when its lists are not known (not ready).
   */
  release(serverIds: ReadonlySet<string>, listed: (serverId: string) => ReadonlySet<string> | undefined): void {
    for (const [key, entry] of this.held) {
      if (!serverIds.has(entry.serverId)) {
        this.held.delete(key);
        continue;
      }
      const names = listed(entry.serverId);
      if (names && !names.has(entry.originalName)) this.held.delete(key);
    }
  }

  /** The names held for items absent from a build (their server is down). */
  heldForAbsent(items: readonly NamingItem[]): HeldName[] {
    const present = new Set(items.map(namingKey));
    return [...this.held].filter(([key]) => !present.has(key)).map(([, entry]) => entry);
  }

  /** Clients have seen these names: from now on they keep their items. */
  commit(assignment: Assignment): void {
    for (const { key, name, serverId, originalName } of assignment) this.held.set(key, { name, serverId, originalName });
  }
}

/** The names of one build, in the shape `commit` takes. */
export function assignmentOf(items: readonly NamingItem[], names: ReadonlyArray<string | undefined>): Assignment {
  const out: Array<HeldName & { key: string }> = [];
  items.forEach((item, i) => {
    const name = names[i];
    if (name !== undefined) out.push({ key: namingKey(item), name, serverId: item.serverId, originalName: item.originalName });
  });
  return out;
}
