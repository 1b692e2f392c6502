import { readFile } from 'node:fs/promises';
import { errorMessage, stableJson, type Clock, type Logger, type Tool } from '@mcp-switchboard/plugin-api';
import type { ToolPin } from './definition-pin.js';
import { readLockfile, writeLockfile, type Lockfile } from './lockfile.js';
import { isQuarantined, judgeTool, refusalFor, type PinPolicy, type PinRefusal, type PinVerdict } from './pin-verdict.js';

export interface PinGuardOptions {
  /** The lockfile (`switchboard.lock.json` beside the config). */
  readonly file: string;
  readonly policy: PinPolicy;
  /** How often the lockfile is re-read, so `pins approve` takes effect without a restart; 0: never. */
  readonly pollMs: number;
}

type Quarantined = Extract<PinVerdict, { state: 'changed' | 'unapproved' }>;

const keyOf = (serverId: string, tool: string) => `${serverId}\u0000${tool}`;

/**
 * The pinning engine, free of hub internals: judges each tool the catalog lists against the lockfile, pins new
 * tools on first use (policy `tofu`), keeps changed (and, when `strict`, new) tools in quarantine, answers the
 * refusal for them, and follows the lockfile when `pins approve` rewrites it.
 */
export class PinGuard {
  private lock: Lockfile = { version: 1, servers: {} };
  private lockText = '';
  private readonly quarantine = new Map<string, Quarantined>();
  /** Pins learned on first use, not yet written. */
  private readonly unwritten = new Map<string, { server: string; tool: string; pin: ToolPin }>();
  private readonly warned = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private writing: Promise<void> = Promise.resolve();
  private pollTimer: unknown;
  private stopped = false;

  constructor(
    private readonly options: PinGuardOptions,
    private readonly deps: { clock: Clock; logger?: Logger },
  ) {}

  get file(): string {
    return this.options.file;
  }

  /** Reads the lockfile (a broken one throws: the plugin's setup fails rather than trusting everything). */
  async load(): Promise<void> {
    this.lock = await readLockfile(this.options.file);
    this.lockText = stableJson(this.lock);
  }

  /**
   * Judges one tool while the catalog is built (`tool` as the hub lists it, or as its server does). Returns false
   * when the tool is quarantined.
   */
  review(server: { id: string; prefix?: string | undefined }, originalName: string, tool: Tool): boolean {
    const serverId = server.id;
    const key = keyOf(serverId, originalName);
    const verdict = judgeTool(this.lock, server, originalName, tool, this.options.policy);
    if (!isQuarantined(verdict)) {
      this.quarantine.delete(key);
      if (verdict.state === 'new') this.pinOnFirstUse(serverId, originalName, verdict.pin);
      return true;
    }
    this.quarantine.set(key, verdict);
    const warning = `${key}\u0000${verdict.pin.hash}`;
    if (!this.warned.has(warning)) {
      this.warned.add(warning);
      const refusal = refusalFor(serverId, originalName, verdict);
      this.deps.logger?.warn(`pinning: ${refusal.message}`, { code: refusal.code, server: serverId, tool: originalName, fix: refusal.fix });
    }
    return false;
  }

  /** The refusal for a call to a quarantined tool, or undefined when it may go on. */
  refusal(serverId: string, originalName: string): PinRefusal | undefined {
    const verdict = this.quarantine.get(keyOf(serverId, originalName));
    return verdict ? refusalFor(serverId, originalName, verdict) : undefined;
  }

  /** The tools in quarantine now, as `server/tool` with their state. */
  quarantined(): Array<{ server: string; tool: string; state: Quarantined['state'] }> {
    return [...this.quarantine].map(([key, verdict]) => {
      const [server, tool] = key.split('\u0000') as [string, string];
      return { server, tool, state: verdict.state };
    });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the lockfile; when it changed (an approval), the listeners rebuild the catalog. */
  async reload(): Promise<boolean> {
    let next: Lockfile;
    try {
      next = await readLockfile(this.options.file);
    } catch (error) {
      this.deps.logger?.error('pinning: keeping the pins in memory; the lockfile cannot be used', { error: errorMessage(error) });
      return false;
    }
    const text = stableJson(next);
    if (text === this.lockText) return false;
    this.lock = next;
    this.lockText = text;
    for (const listener of [...this.listeners]) listener();
    return true;
  }

  /** Starts following the lockfile with the injected clock. */
  watch(): void {
    if (this.options.pollMs <= 0 || this.stopped) return;
    this.pollTimer = this.deps.clock.setTimeout(async () => {
      await this.reload();
      this.watch();
    }, this.options.pollMs);
  }

  /** Stops following the lockfile and waits for pins still being written. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer !== undefined) this.deps.clock.clearTimeout(this.pollTimer);
    await this.writing;
  }

  /** Resolves once every pin learned so far is written. */
  flush(): Promise<void> {
    return this.writing;
  }

  private pinOnFirstUse(server: string, tool: string, pin: ToolPin): void {
    (this.lock.servers[server] ??= {})[tool] = pin;
    this.lockText = stableJson(this.lock);
    this.unwritten.set(keyOf(server, tool), { server, tool, pin });
    this.writing = this.writing.then(() => this.writeUnwritten());
  }

  /**
   * Adds the pins learned on first use to the lockfile as it is on disk now, so an approval written meanwhile by
   * `pins approve` is never overwritten with an older pin.
   */
  private async writeUnwritten(): Promise<void> {
    if (!this.unwritten.size) return;
    const batch = [...this.unwritten.values()];
    this.unwritten.clear();
    try {
      const onDisk = await readLockfile(this.options.file).catch(() => undefined);
      if (!onDisk) return;
      for (const { server, tool, pin } of batch) (onDisk.servers[server] ??= {})[tool] ??= pin;
      const before = await readFile(this.options.file, 'utf8').catch(() => '');
      await writeLockfile(this.options.file, onDisk);
      if (!before) this.deps.logger?.info(`pinning: created ${this.options.file}; commit it to share the approved tool definitions`);
    } catch (error) {
      this.deps.logger?.warn('pinning: cannot write the lockfile', { file: this.options.file, error: errorMessage(error) });
    }
  }
}
