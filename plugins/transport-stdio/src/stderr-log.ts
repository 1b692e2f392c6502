import type { Logger } from '@mcp-switchboard/plugin-api';
import type { StderrLimiter } from './stderr-limiter.js';

/**
 * A server's stderr as log lines at info, tagged `stream: 'stderr'`: partial writes joined into lines, each line and
 * the rate capped by the limiter, and what was dropped said in a warning (from a timer while it floods, and at the end).
 */
export class StderrLog {
  private partial = '';
  /** Characters of the current line already dropped because it was too long. */
  private partialDropped = 0;
  private droppedNoteTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly limiter: StderrLimiter,
    private readonly now: () => number = Date.now,
  ) {}

  write(chunk: string): void {
    let text = this.partial + chunk;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      this.log(text.slice(0, newline), this.partialDropped);
      this.partialDropped = 0;
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    // Hold no more of an unfinished line than can be logged; count the rest.
    const keep = this.limiter.limits.maxLineLength + 1;
    if (text.length > keep) {
      this.partialDropped += text.length - keep;
      text = text.slice(0, keep);
    }
    this.partial = text;
  }

  /** The stream ended: the unfinished line is logged, and what was dropped is said. */
  end(): void {
    if (this.partial) this.log(this.partial, this.partialDropped);
    this.partial = '';
    this.partialDropped = 0;
    this.noteDropped();
  }

  private log(line: string, droppedChars: number): void {
    const text = line.replace(/\r$/, '');
    if (text.trim() === '' && droppedChars === 0) return;
    const verdict = this.limiter.admit(text, droppedChars);
    if (verdict.kind === 'log') this.logger.info(verdict.text, { stream: 'stderr' });
    else this.droppedNoteTimer ??= setTimeout(() => this.noteDropped(), this.limiter.limits.reportEveryMs).unref();
  }

  /** Says how much stderr was dropped since the last note. */
  private noteDropped(): void {
    if (this.droppedNoteTimer) clearTimeout(this.droppedNoteTimer);
    this.droppedNoteTimer = undefined;
    const dropped = this.limiter.takeDropped();
    if (!dropped?.lines) return;
    const seconds = Math.max(1, Math.round((this.now() - dropped.sinceMs) / 1000));
    this.logger.warn(`server wrote too much on stderr: ${dropped.lines} lines / ${dropped.bytes} bytes dropped in the last ${seconds} s`, {
      stream: 'stderr',
      droppedLines: dropped.lines,
      droppedBytes: dropped.bytes,
      truncatedLines: dropped.truncated,
    });
  }
}
