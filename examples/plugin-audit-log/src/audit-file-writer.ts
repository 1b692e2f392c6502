import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AuditFileWriterOptions {
  /** Absolute path of the live file, e.g. `/var/log/switchboard/audit.jsonl`. */
  file: string;
  /** The live file is rotated before a line would take it past this size. A single longer line gets a file of its own. */
  maxBytes: number;
  /** How many rotated files to keep (`<file>.1` is the newest, `<file>.<maxFiles>` the oldest). 0 keeps none. */
  maxFiles: number;
  /** Lines held in memory while the disk is slower than the calls; beyond this, new lines are dropped and counted. */
  maxPendingLines?: number;
  /** A write or rotation failed. `lost` lines could not be written. */
  onError?(error: unknown, lost: number): void;
  /** Lines were dropped because the queue was full (reported once the queue has drained). */
  onDropped?(count: number): void;
}

/** Default bound of the in-memory queue. */
export const DEFAULT_MAX_PENDING_LINES = 100_000;

/**
 * Appends lines to a file off the caller's path: `write()` only queues; a single background drain appends the
 * queue in order, rotating by size. `flush()` waits until everything queued before it is on disk; `close()`
 * flushes and closes the file.
 */
export class AuditFileWriter {
  readonly #options: Required<Omit<AuditFileWriterOptions, 'onError' | 'onDropped'>> & Pick<AuditFileWriterOptions, 'onError' | 'onDropped'>;
  #pending: string[] = [];
  #handle: FileHandle | undefined;
  #size = 0;
  #draining: Promise<void> | undefined;
  #dropped = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: AuditFileWriterOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    if (!(options.maxFiles >= 0)) throw new RangeError('maxFiles must be 0 or more');
    this.#options = { maxPendingLines: DEFAULT_MAX_PENDING_LINES, ...options };
  }

  get file(): string {
    return this.#options.file;
  }

  /** Lines queued and not yet written. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Creates the folder and opens the file for appending, so a bad path fails at start-up rather than later. */
  async open(): Promise<void> {
    if (this.#handle) return;
    await mkdir(dirname(this.#options.file), { recursive: true });
    const handle = await open(this.#options.file, 'a');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${this.#options.file} is not a regular file`);
      this.#size = stat.size;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.#handle = handle;
  }

  /** Queues one line (a newline is added). Never waits on I/O. Returns false once the writer is closed. */
  write(line: string): boolean {
    if (this.#closed) return false;
    if (this.#pending.length >= this.#options.maxPendingLines) {
      this.#dropped++;
      return false;
    }
    this.#pending.push(line.endsWith('\n') ? line : `${line}\n`);
    this.#drainSoon();
    return true;
  }

  /** Resolves once every line queued before the call has been written (or reported lost). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /** Flushes, then closes the file. Idempotent; later writes are refused. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.flush();
      this.#closed = true;
      const handle = this.#handle;
      this.#handle = undefined;
      await handle?.close();
    })();
    return this.#closing;
  }

  #drainSoon(): void {
    if (this.#draining) return;
    // Start on a microtask: lines written in the same tick go out as one append, and write() itself never
    // issues I/O.
    this.#draining = Promise.resolve()
      .then(() => this.#drain())
      .finally(() => {
        this.#draining = undefined;
        // A line queued between the end of the loop and now would otherwise wait for the next write.
        if (this.#pending.length > 0) this.#drainSoon();
      });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#writeBatch(batch);
      } catch (error) {
        this.#options.onError?.(error, batch.length);
      }
    }
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.#options.onDropped?.(dropped);
    }
  }

  async #writeBatch(lines: string[]): Promise<void> {
    if (!this.#handle) await this.open();
    const { maxBytes } = this.#options;
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.#size + chunkBytes + bytes > maxBytes && this.#size + chunkBytes > 0) {
        if (chunk) await this.#append(chunk, chunkBytes);
        chunk = '';
        chunkBytes = 0;
        await this.#rotate();
      }
      chunk += line;
      chunkBytes += bytes;
    }
    if (chunk) await this.#append(chunk, chunkBytes);
  }

  async #append(chunk: string, bytes: number): Promise<void> {
    if (!this.#handle) await this.open();
    await this.#handle!.appendFile(chunk, 'utf8');
    this.#size += bytes;
  }

  /** `<file>.<n>` → `<file>.<n+1>` from the oldest down, `<file>` → `<file>.1`, and a fresh `<file>`. */
  async #rotate(): Promise<void> {
    const { file, maxFiles } = this.#options;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
    if (maxFiles === 0) {
      await unlinkIfPresent(file);
    } else {
      await unlinkIfPresent(`${file}.${maxFiles}`);
      for (let n = maxFiles - 1; n >= 1; n--) await renameIfPresent(`${file}.${n}`, `${file}.${n + 1}`);
      await renameIfPresent(file, `${file}.1`);
    }
    this.#size = 0;
    await this.open();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}
