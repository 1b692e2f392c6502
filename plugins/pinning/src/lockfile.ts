import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SwitchboardError, errorMessage } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import type { ToolPin } from './definition-pin.js';

export const LOCKFILE_NAME = 'switchboard.lock.json';

const pinSchema = z.object({ hash: z.string().min(1), fields: z.record(z.string(), z.string()) });
const lockfileSchema = z.object({
  version: z.literal(1),
  servers: z.record(z.string(), z.record(z.string(), pinSchema)),
});

/** `switchboard.lock.json`: the approved pin of every tool, by server id and the server's own tool name. */
export interface Lockfile {
  version: 1;
  servers: Record<string, Record<string, ToolPin>>;
}

export const emptyLockfile = (): Lockfile => ({ version: 1, servers: {} });

/** The lockfile beside a config file (or in the working directory without one). */
export function lockfilePath(configFile: string | undefined, cwd = process.cwd()): string {
  return join(configFile ? dirname(configFile) : cwd, LOCKFILE_NAME);
}

/** Reads a lockfile; a missing one is empty. A broken one is an error: silently trusting everything would defeat it. */
export async function readLockfile(file: string): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyLockfile();
    throw lockfileError(file, `cannot be read: ${errorMessage(error)}`, error);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw lockfileError(file, `is not valid JSON: ${errorMessage(error)}`, error);
  }
  const parsed = lockfileSchema.safeParse(data);
  if (!parsed.success) throw lockfileError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data as Lockfile;
}

function lockfileError(file: string, problem: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SWB_CONFIG_INVALID', `pinning: the lockfile ${file} ${problem}`, {
    ...(cause !== undefined ? { cause } : {}),
    fix: `Restore ${file} from version control, or delete it to pin every tool afresh (trust on first use).`,
    details: { file },
  });
}

/** The lockfile as text: servers and tools sorted, one pin per line block, so a diff in review is readable. */
export function formatLockfile(lock: Lockfile): string {
  const servers: Lockfile['servers'] = {};
  for (const server of Object.keys(lock.servers).sort()) {
    const tools: Record<string, ToolPin> = {};
    for (const tool of Object.keys(lock.servers[server]!).sort()) {
      const pin = lock.servers[server]![tool]!;
      tools[tool] = { hash: pin.hash, fields: Object.fromEntries(Object.entries(pin.fields).sort(([a], [b]) => a.localeCompare(b))) };
    }
    servers[server] = tools;
  }
  return `${JSON.stringify({ version: 1, servers }, null, 2)}\n`;
}

/** Writes the lockfile atomically (temp file + rename): a reader never sees half a file. */
export async function writeLockfile(file: string, lock: Lockfile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, formatLockfile(lock));
  await rename(temp, file);
}
