import { fstatSync, renameSync, statSync } from 'node:fs';
import { loadPino } from './load-pino.js';

/** A log file grows to this size before it is rotated. */
export const DEFAULT_LOG_FILE_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated files kept next to the live one (`switchboard.log.1` … `.3`); older ones are dropped. */
export const DEFAULT_LOG_FILE_KEEP = 3;
/** How often (at most, on a write) we look whether the file was deleted or moved away. */
const CHECK_EVERY_MS = 1000;

export interface LogFileOptions {
  file: string;
  maxBytes?: number | undefined;
  keep?: number | undefined;
  /** Injectable for tests. */
  now?: (() => number) | undefined;
}

/** Where log lines go: written synchronously, so nothing is lost on exit. */
export interface LogDestination {
  write(line: string): void;
  flushSync(): void;
}

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * A log file that rotates by size (`file` → `file.1` → … → `file.<keep>`) and is opened again when someone
 * deletes or moves it (logrotate, a tidy user): lines never go on into a deleted inode, filling the disk unseen.
 * Its folder is created when missing, also when it was deleted while we ran.
 */
export function logFileDestination(options: LogFileOptions): LogDestination {
  const { file } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_FILE_MAX_BYTES;
  const keep = Math.max(1, options.keep ?? DEFAULT_LOG_FILE_KEEP);
  const now = options.now ?? Date.now;
  const destination = loadPino().destination({ dest: file, sync: true, mkdir: true });
  let size = sizeOf(file);
  // SonicBoom has an fd (its typings do not say so); in sync mode a reopen sets the new one at once.
  const fd = () => (destination as unknown as { fd: number }).fd;
  let inode = fstatSync(fd()).ino;
  let checkedAt = now();

  const reopen = () => {
    destination.reopen();
    size = sizeOf(file);
    inode = fstatSync(fd()).ino;
  };
  const replaced = (): boolean => {
    try {
      return statSync(file).ino !== inode;
    } catch {
      return true;
    }
  };
  const rotate = () => {
    destination.flushSync();
    for (let n = keep - 1; n >= 1; n--) {
      try {
        renameSync(`${file}.${n}`, `${file}.${n + 1}`);
      } catch {
        // That generation does not exist (yet).
      }
    }
    try {
      renameSync(file, `${file}.1`);
    } catch {
      // Deleted under us: the reopen below starts a new one either way.
    }
    reopen();
  };

  return {
    write(line) {
      const at = now();
      if (at - checkedAt >= CHECK_EVERY_MS) {
        checkedAt = at;
        if (replaced()) reopen();
      }
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) rotate();
      destination.write(line);
      size += bytes;
    },
    flushSync() {
      destination.flushSync();
    },
  };
}
