import { lstat, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** Who may have written a file: the facts about the current process the trust rules need (injectable in tests). */
export interface TrustFacts {
  /** The current user's uid; undefined where there are no uids (Windows): every folder is then trusted. */
  uid: number | undefined;
}

export const processTrustFacts = (): TrustFacts => ({ uid: typeof process.getuid === 'function' ? process.getuid() : undefined });

/** Why a file found during discovery was not loaded; `undefined` when it may be loaded. */
export type Distrust = string | undefined;

const WORLD_WRITABLE = 0o002;
const STICKY = 0o1000;

/** The owner is the current user or root (root can change anything anyway). */
const ownedBySafeUser = (info: Pick<Stats, 'uid'>, uid: number) => info.uid === uid || info.uid === 0;

/**
 * Whether a config file found by discovery may be loaded (and, for .mjs/.js, executed). A folder owned by another
 * user, or writable by every user, lets someone else plant the file. A sticky shared folder (like /tmp) is safe
 * only for files its owner put there: in such a folder nobody else can replace them.
 */
export function distrust(dir: string, folder: Pick<Stats, 'uid' | 'mode'>, file: Pick<Stats, 'uid'>, facts: TrustFacts): Distrust {
  const { uid } = facts;
  if (uid === undefined) return undefined;
  if (!ownedBySafeUser(folder, uid)) return `its folder ${dir} belongs to another user (uid ${folder.uid})`;
  if (folder.mode & WORLD_WRITABLE) {
    if (!(folder.mode & STICKY)) return `its folder ${dir} is writable by every user`;
    if (!ownedBySafeUser(file, uid)) return `it sits in the shared folder ${dir} and belongs to another user (uid ${file.uid})`;
  }
  return undefined;
}

/** Reads the facts for `distrust()` from the disk; `undefined` when the file does not exist. */
export async function fileTrust(dir: string, file: string, facts: TrustFacts): Promise<{ exists: false } | { exists: true; distrust: Distrust }> {
  const target = await stat(file).catch(() => undefined);
  if (!target?.isFile()) return { exists: false };
  // The link itself, not what it points at: a link planted in /tmp belongs to whoever planted it.
  const [folder, entry] = await Promise.all([stat(dir), lstat(file)]);
  return { exists: true, distrust: distrust(dir, folder, entry, facts) };
}
