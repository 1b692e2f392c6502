import type { Logger } from '@mcp-switchboard/plugin-api';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface MemoryLogLine {
  level: Level;
  message: string;
  /** The line's fields, with the bindings of child loggers merged in. */
  fields: Record<string, unknown>;
}

/** A Logger that keeps every line in memory, shared with its children, for assertions. */
export interface MemoryLogger extends Logger {
  readonly lines: MemoryLogLine[];
  /** Messages, optionally of one level. */
  messages(level?: Level): string[];
  /** The first line whose message contains `text` (or matches the predicate). */
  find(match: string | ((line: MemoryLogLine) => boolean)): MemoryLogLine | undefined;
  clear(): void;
}

export function createMemoryLogger(): MemoryLogger {
  const lines: MemoryLogLine[] = [];
  const make = (bindings: Record<string, unknown>): MemoryLogger => {
    const at = (level: Level) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields: { ...bindings, ...fields } });
    return {
      lines,
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
      messages: (level) => lines.filter((line) => level === undefined || line.level === level).map((line) => line.message),
      find: (match) => lines.find(typeof match === 'string' ? (line) => line.message.includes(match) : match),
      clear: () => void lines.splice(0),
    };
  };
  return make({});
}
