import { statSync, watch, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ConfigReload, Kernel } from '@mcp-switchboard/kernel';
import { formatError, type Logger, type SwitchboardEvent } from '@mcp-switchboard/plugin-api';

export type ReloadTrigger = 'file' | 'SIGHUP' | 'manual';

/** What one reload did; `error` set when the new config was refused and the last good one kept. */
export interface ReloadOutcome {
  trigger: ReloadTrigger;
  ok: boolean;
  error?: unknown;
  result?: ConfigReload;
  servers?: { added: string[]; removed: string[]; changed: string[] };
}

export interface ConfigReloaderOptions {
  kernel: Kernel;
  logger: Logger;
  /** Quiet time after the last file event before reloading (editors write in bursts). Default 200. */
  debounceMs?: number;
  /** Reload on SIGHUP. Default true (not on Windows, which has no SIGHUP). */
  sighup?: boolean;
  /** While the config's folder is gone, how often we look whether it is back. Default 1000. */
  rearmEveryMs?: number;
  /** Told after every reload attempt (tests, embedders). */
  onReload?: (outcome: ReloadOutcome) => void;
  /** When the config was read (ms since the epoch): an edit after it and before the watch starts is not lost. */
  loadedAtMs?: number;
}

/**
 * Hot reload of the config file. Watches the file's folder (an editor that saves by writing a new file and
 * renaming it over the old one replaces the inode a file watch would follow) and reloads on SIGHUP. A reload
 * goes through `kernel.reload()`: the sources push their new server lists and the hub starts, stops or restarts
 * only the servers that changed. A config that does not load is reported and the last good one keeps running;
 * settings that need a restart are named and left as they are. Reloads never overlap: a change during a reload
 * runs one more reload after it.
 */
export class ConfigReloader {
  readonly #kernel: Kernel;
  readonly #logger: Logger;
  readonly #debounceMs: number;
  readonly #onReload: ((outcome: ReloadOutcome) => void) | undefined;
  readonly #sighup: boolean;
  #watcher: FSWatcher | undefined;
  #watchedFile: string | undefined;
  /** The watched folder's inode: a folder deleted and created again is a new one, which the old watch misses. */
  #watchedFolder: number | undefined;
  readonly #rearmEveryMs: number;
  #rearmTimer: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #pending: ReloadTrigger | undefined;
  #closed = false;
  /** A hash of the config file's content when it was last read: unchanged means no reload on a watch event. */
  #fileSignature: string | undefined;
  readonly #loadedAtMs: number | undefined;
  #serverChanges: Array<Extract<SwitchboardEvent, { type: 'config.changed' }>> = [];
  #subscription: { unsubscribe(): void; idle(): Promise<void> } | undefined;

  constructor(options: ConfigReloaderOptions) {
    this.#kernel = options.kernel;
    this.#logger = options.logger;
    this.#debounceMs = options.debounceMs ?? 200;
    this.#onReload = options.onReload;
    this.#sighup = (options.sighup ?? true) && process.platform !== 'win32';
    this.#rearmEveryMs = options.rearmEveryMs ?? 1000;
    this.#loadedAtMs = options.loadedAtMs;
  }

  /** Starts watching (when there is a config file and `watch` is on) and listening for SIGHUP. */
  start(): void {
    if (this.#closed) return;
    // The hub reports what a reload did to the servers as a config.changed event.
    this.#subscription = this.#kernel.events.subscribe(
      'config reloader',
      (event) => {
        if (event.type === 'config.changed') this.#serverChanges.push(event);
      },
      ['config.changed'],
    );
    if (this.#sighup) process.on('SIGHUP', this.#onSighup);
    this.#syncWatcher();
    // The file as it is now is the baseline for later events, unless it changed after the config was read (an edit
    // made while we started, whose event came before the watch): then it is reloaded once.
    const file = this.#kernel.config.filepath;
    void this.#signature().then((signature) => {
      if (this.#watcher && file && this.#loadedAtMs !== undefined && modifiedAtMs(file) >= this.#loadedAtMs) this.#schedule();
      else this.#fileSignature ??= signature;
    });
  }

  /** Stops watching and listening; a reload in progress finishes. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopWatcher();
    if (this.#rearmTimer) clearInterval(this.#rearmTimer);
    this.#rearmTimer = undefined;
    if (this.#sighup) process.off('SIGHUP', this.#onSighup);
    this.#subscription?.unsubscribe();
  }

  /** True while the config file is watched. */
  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  /** Reloads now (after any reload in progress). Never rejects; the outcome says what happened. */
  reload(trigger: ReloadTrigger = 'manual'): Promise<ReloadOutcome> {
    return new Promise((resolve) => {
      const run = async () => resolve(await this.#reloadOnce(trigger));
      this.#running = (this.#running ?? Promise.resolve()).then(run, run);
    });
  }

  readonly #onSighup = () => {
    this.#logger.info('SIGHUP: reloading the config');
    this.#request('SIGHUP');
  };

  /** Coalesces requests: one reload runs at a time, and at most one more is queued behind it. */
  #request(trigger: ReloadTrigger): void {
    if (this.#closed) return;
    if (this.#pending !== undefined) {
      if (trigger === 'SIGHUP') this.#pending = trigger;
      return;
    }
    this.#pending = trigger;
    const run = async () => {
      const next = this.#pending ?? trigger;
      this.#pending = undefined;
      if (!this.#closed) await this.#reloadOnce(next);
    };
    this.#running = (this.#running ?? Promise.resolve()).then(run, run);
  }

  /** A hash of the config file's content; undefined when there is none or it cannot be read. */
  async #signature(): Promise<string | undefined> {
    const file = this.#kernel.config.filepath;
    if (!file) return undefined;
    try {
      return createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    } catch {
      return undefined;
    }
  }

  async #reloadOnce(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const file = this.#kernel.config.filepath;
    this.#serverChanges = [];
    const signature = await this.#signature();
    if (trigger === 'file' && signature !== undefined && signature === this.#fileSignature) {
      // A watch event for a file that did not change (a touch of the folder, a platform that names no file).
      return { trigger, ok: true, servers: { added: [], removed: [], changed: [] } };
    }
    this.#fileSignature = signature;
    let outcome: ReloadOutcome;
    try {
      const result = await this.#kernel.reload();
      // The hub applied the new server lists synchronously; its config.changed events are queued: collect them.
      await this.#subscription?.idle();
      const servers = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
      for (const event of this.#serverChanges.splice(0)) {
        servers.added.push(...event.added);
        servers.removed.push(...event.removed);
        servers.changed.push(...event.changed);
      }
      outcome = { trigger, ok: true, result, servers };
      const nothing = result.applied.length === 0 && result.restartRequired.length === 0;
      const fields = {
        file: result.filepath,
        trigger,
        added: servers.added,
        removed: servers.removed,
        changed: servers.changed,
        settings: result.applied.filter((key) => key !== 'mcpServers'),
      };
      if (nothing && trigger === 'file') this.#logger.debug('config file event, but nothing in the config changed', { file: result.filepath });
      else this.#logger.info(nothing ? 'config reloaded; nothing changed' : 'config reloaded', fields);
      if (result.restartRequired.length > 0) {
        this.#logger.warn(`restart to apply: ${result.restartRequired.join(', ')}`, {
          file: result.filepath,
          keys: result.restartRequired,
          note: 'these settings are read once at start; the running values are kept until Switchboard restarts',
        });
      }
    } catch (error) {
      outcome = { trigger, ok: false, error };
      this.#logger.error(`config reload failed; still running the last good config: ${formatError(error)}`, {
        file,
        trigger,
        ...(error && typeof error === 'object' && 'code' in error ? { code: (error as { code: unknown }).code } : {}),
      });
    }
    this.#syncWatcher();
    try {
      this.#onReload?.(outcome);
    } catch (error) {
      this.#logger.debug('onReload listener failed', { error: formatError(error) });
    }
    return outcome;
  }

  /** Watches the current config file when `watch` is on, follows a change of file, stops when it is off. */
  #syncWatcher(): void {
    if (this.#closed) return;
    const file = this.#kernel.config.filepath;
    const wanted = file !== undefined && this.#kernel.config.current.watch !== false ? file : undefined;
    if (wanted !== undefined && this.#watcher && !this.#sameFolder(wanted)) {
      this.#rearm(wanted);
      return;
    }
    if (this.#rearmTimer) return;
    if (wanted === this.#watchedFile && (wanted === undefined || this.#watcher)) return;
    this.#stopWatcher();
    if (wanted === undefined) {
      if (file) this.#logger.debug('config watching is off ("watch": false); SIGHUP reloads', { file });
      return;
    }
    const name = basename(wanted);
    const folder = folderInode(wanted);
    if (folder === undefined) {
      this.#rearm(wanted);
      return;
    }
    try {
      const watcher = watch(dirname(wanted), { persistent: false }, (_event, changed) => {
        // The folder itself deleted or replaced (editors, sync tools): this watch will never fire again.
        if (!this.#sameFolder(wanted)) {
          this.#rearm(wanted);
          return;
        }
        // Some platforms do not say which file changed: then any change in the folder counts.
        if (changed === null || changed === undefined || changed.toString() === name) this.#schedule();
      });
      watcher.on('error', (error) => {
        this.#logger.warn('watching the config file failed; SIGHUP still reloads it', { file: wanted, error: formatError(error) });
        this.#stopWatcher();
      });
      this.#watcher = watcher;
      this.#watchedFile = wanted;
      this.#watchedFolder = folder;
      this.#logger.debug('watching the config file', { file: wanted });
    } catch (error) {
      this.#logger.warn('cannot watch the config file; SIGHUP still reloads it', { file: wanted, error: formatError(error) });
    }
  }

  #stopWatcher(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watchedFile = undefined;
    this.#watchedFolder = undefined;
  }

  /** True while the folder we watch is still the one that holds `file`. */
  #sameFolder(file: string): boolean {
    return this.#watchedFolder !== undefined && folderInode(file) === this.#watchedFolder;
  }

  /**
   * The config's folder is gone: look for it every `rearmEveryMs` and, once it is back, watch the new folder and
   * reload (the file in it may differ). SIGHUP still reloads meanwhile.
   */
  #rearm(file: string): void {
    this.#stopWatcher();
    if (this.#rearmTimer || this.#closed) return;
    this.#logger.warn("the config file's folder was deleted or replaced; watching for it to come back", { file });
    this.#rearmTimer = setInterval(() => {
      if (folderInode(file) === undefined) return;
      clearInterval(this.#rearmTimer);
      this.#rearmTimer = undefined;
      this.#syncWatcher();
      this.#logger.info("the config file's folder is back; watching it again", { file });
      this.#schedule();
    }, this.#rearmEveryMs);
    this.#rearmTimer.unref?.();
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#request('file');
    }, this.#debounceMs);
    this.#timer.unref?.();
  }
}

/** When `file` was last modified (ms since the epoch), or -Infinity when it cannot be read. */
function modifiedAtMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

/** The inode of the folder holding `file`, or undefined when there is no such folder. */
function folderInode(file: string): number | undefined {
  try {
    const info = statSync(dirname(file));
    return info.isDirectory() ? info.ino : undefined;
  } catch {
    return undefined;
  }
}
