import { dirname, resolve } from 'node:path';
import { coreServices, definePlugin } from '@mcp-switchboard/plugin-api';
import { z } from 'zod';
import { AuditFileWriter } from './audit-file-writer.js';
import { toAuditRecord } from './audit-record.js';

export { toAuditRecord } from './audit-record.js';
export type { AuditRecord } from './audit-record.js';
export { AuditFileWriter, DEFAULT_MAX_PENDING_LINES } from './audit-file-writer.js';
export type { AuditFileWriterOptions } from './audit-file-writer.js';

/** 10 MiB. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 5;

/** Options of the audit-log plugin: `["audit-log", { "file": "audit.jsonl" }]`. */
export const auditLogOptionsSchema = z
  .object({
    /** The audit file. A relative path is resolved against the config file's folder (or the working directory). */
    file: z.string().min(1, 'file must name the audit file, e.g. "audit.jsonl"'),
    /** Rotate the file before it would grow past this many bytes. */
    maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
    /** Rotated files to keep: `<file>.1` (newest) … `<file>.<maxFiles>` (oldest). 0 keeps none. */
    maxFiles: z.number().int().min(0).default(DEFAULT_MAX_FILES),
  })
  .strict();

export type AuditLogOptions = z.output<typeof auditLogOptionsSchema>;

/** Where the audit file goes: absolute as given, else relative to the config file's folder, else to `cwd`. */
export function resolveAuditFile(file: string, configFile: string | undefined, cwd: string = process.cwd()): string {
  return resolve(configFile ? dirname(configFile) : cwd, file);
}

/**
 * A reporter that appends one JSON line per finished tool call to a file: time, session, server, tool,
 * duration, outcome and the names (never the values) of the arguments. Writes happen off the hot path, in
 * order; the file is rotated by size; everything queued is written on flush and on stop.
 */
export const plugin = definePlugin({
  id: 'audit-log',
  kind: 'reporter',
  options: auditLogOptionsSchema,
  deps: { logger: coreServices.logger, config: coreServices.config },
  async setup({ logger: log, config }, options) {
    // The kernel's logger for a plugin already carries `plugin: "audit-log"` on every line.
    const file = resolveAuditFile(options.file, config.filepath);
    const writer = new AuditFileWriter({
      file,
      maxBytes: options.maxBytes,
      maxFiles: options.maxFiles,
      onError: (error, lost) => log.error('could not write the audit log', { file, lost, err: error }),
      onDropped: (count) => log.warn('the audit log fell behind; records were dropped', { file, dropped: count }),
    });
    try {
      await writer.open();
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`audit-log: cannot open ${file} for appending: ${reason}`, { cause });
    }
    log.debug('writing the audit log', { file, maxBytes: options.maxBytes, maxFiles: options.maxFiles });
    return {
      onEvent(event) {
        const record = toAuditRecord(event);
        if (record) writer.write(JSON.stringify(record));
      },
      flush: () => writer.flush(),
      dispose: () => writer.close(),
    };
  },
});

export default plugin;
