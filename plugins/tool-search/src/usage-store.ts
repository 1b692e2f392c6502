import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';

const usageFileSchema = z.object({
  version: z.literal(1),
  tools: z.record(z.string(), z.object({ calls: z.number().int().nonnegative(), lastUsed: z.number() })),
});
export type UsageFile = z.output<typeof usageFileSchema>;

/** How a tool is named in the usage file: `server/original`, so renames and prefixes do not lose its history. */
export const usageKey = (serverId: string, originalName: string): string => `${serverId}/${originalName}`;

/**
 * How often each tool was called, kept in a small JSON file so the most used tools stay listed across restarts.
 * Reads once; writes replace the file atomically (temp file + rename). A missing file is an empty history; an
 * unreadable one is reported through `onProblem` and replaced on the next save.
 */
export class UsageStore {
  private tools: UsageFile['tools'] = {};
  private dirty = false;
  /** Writes run one after another, so a later save never finishes before an earlier one. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.onProblem(`cannot read ${this.file}: ${errorMessage(error)}`);
      return;
    }
    try {
      this.tools = usageFileSchema.parse(JSON.parse(text)).tools;
    } catch (error) {
      this.onProblem(`${this.file} is not a tool-usage file (${errorMessage(error)}); starting a new history`);
    }
  }

  record(key: string, at: number): void {
    const entry = (this.tools[key] ??= { calls: 0, lastUsed: at });
    entry.calls += 1;
    entry.lastUsed = at;
    this.dirty = true;
  }

  calls(key: string): number {
    return this.tools[key]?.calls ?? 0;
  }

  /** The `count` most called keys, most calls first, then most recent, then by name (stable). */
  top(count: number): string[] {
    return Object.entries(this.tools)
      .sort(([ka, a], [kb, b]) => b.calls - a.calls || b.lastUsed - a.lastUsed || ka.localeCompare(kb))
      .slice(0, Math.max(0, count))
      .map(([key]) => key);
  }

  get hasChanges(): boolean {
    return this.dirty;
  }

  /** Writes the counts if they changed; resolves once every earlier write is done too. */
  save(): Promise<void> {
    const write = this.writing.then(() => this.write());
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const data: UsageFile = { version: 1, tools: this.tools };
    const temp = `${this.file}.${process.pid}.tmp`;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
    await rename(temp, this.file);
  }
}
