/**
 * How much of a server's stderr reaches the log. A server that floods stderr (a debug build, a loop printing an
 * error) would otherwise fill the disk and starve the proxy: 116 MB in 6 s was seen. Lines are cut at
 * `maxLineLength`, and a token bucket per server lets a burst through (start-up banners) but caps the rate.
 */
export interface StderrLimits {
  /** Longest line logged, in characters; the rest of the line is dropped (and counted). Default 4096. */
  maxLineLength: number;
  /** Lines that may be logged at once before the rate applies. Default 200. */
  burstLines: number;
  /** Lines per second logged after the burst. Default 20. */
  linesPerSecond: number;
  /** Bytes that may be logged at once. Default 256 KiB. */
  burstBytes: number;
  /** Bytes per second logged after the burst. Default 32 KiB. */
  bytesPerSecond: number;
  /** How often a note says how much was dropped, while something is. Default 10 s. */
  reportEveryMs: number;
}

export const DEFAULT_STDERR_LIMITS: StderrLimits = {
  maxLineLength: 4096,
  burstLines: 200,
  linesPerSecond: 20,
  burstBytes: 256 * 1024,
  bytesPerSecond: 32 * 1024,
  reportEveryMs: 10_000,
};

/** What was dropped since the last note. */
export interface DroppedStderr {
  lines: number;
  bytes: number;
  /** Lines logged but cut at `maxLineLength`. */
  truncated: number;
  sinceMs: number;
}

/** What to do with one line: log it (maybe cut), or drop it (counted for the next note). */
export type StderrVerdict = { kind: 'log'; text: string } | { kind: 'drop' };

export class StderrLimiter {
  readonly #limits: StderrLimits;
  readonly #now: () => number;
  #lineTokens: number;
  #byteTokens: number;
  #refilledAt: number;
  #dropped: DroppedStderr;

  constructor(limits: Partial<StderrLimits> = {}, now: () => number = Date.now) {
    this.#limits = { ...DEFAULT_STDERR_LIMITS, ...limits };
    this.#now = now;
    this.#lineTokens = this.#limits.burstLines;
    this.#byteTokens = this.#limits.burstBytes;
    this.#refilledAt = now();
    this.#dropped = { lines: 0, bytes: 0, truncated: 0, sinceMs: this.#refilledAt };
  }

  get limits(): Readonly<StderrLimits> {
    return this.#limits;
  }

  /**
   * Decides about one line. `droppedChars` is what the caller already threw away of it (the tail of an
   * over-long line is never held in memory), in characters.
   */
  admit(line: string, droppedChars = 0): StderrVerdict {
    this.#refill();
    const { maxLineLength } = this.#limits;
    const kept = line.slice(0, maxLineLength);
    const more = line.length - kept.length + droppedChars;
    const text = more > 0 ? `${kept}… (${more} more characters dropped)` : line;
    const bytes = Buffer.byteLength(text);
    if (this.#lineTokens < 1 || this.#byteTokens < bytes) {
      this.#dropped.lines += 1;
      this.#dropped.bytes += Buffer.byteLength(line) + droppedChars;
      return { kind: 'drop' };
    }
    this.#lineTokens -= 1;
    this.#byteTokens -= bytes;
    if (more > 0) {
      this.#dropped.truncated += 1;
      this.#dropped.bytes += Buffer.byteLength(line) - Buffer.byteLength(kept) + droppedChars;
    }
    return { kind: 'log', text };
  }

  /** What was dropped since the last call, if anything, and starts counting again. */
  takeDropped(): DroppedStderr | undefined {
    const dropped = this.#dropped;
    this.#dropped = { lines: 0, bytes: 0, truncated: 0, sinceMs: this.#now() };
    return dropped.lines || dropped.bytes || dropped.truncated ? dropped : undefined;
  }

  #refill(): void {
    const now = this.#now();
    const seconds = Math.max(0, now - this.#refilledAt) / 1000;
    this.#refilledAt = now;
    const { burstLines, burstBytes, linesPerSecond, bytesPerSecond } = this.#limits;
    this.#lineTokens = Math.min(burstLines, this.#lineTokens + seconds * linesPerSecond);
    this.#byteTokens = Math.min(burstBytes, this.#byteTokens + seconds * bytesPerSecond);
  }
}
