import type { z } from 'zod';
import { SwitchboardError, type ErrorCode } from '@mcp-switchboard/plugin-api';
import { formatJsonPath, valueAtPath } from '../json-path.js';

type Issue = z.ZodError['issues'][number];

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** What was expected, in words; zod's "Invalid input: " prefix adds nothing for a person. */
export function explainIssue(issue: Issue, input: unknown): string {
  const value = valueAtPath(input, issue.path);
  if (issue.code === 'invalid_union' && issue.path[0] === 'plugins' && issue.path.length === 2) {
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string') {
      return `expected ["plugin-name", { ...options }], but the options are ${describe(value[1])}, not an object`;
    }
    if (Array.isArray(value)) return `expected ["plugin-name", { ...options }], got an array of ${value.length} item(s)`;
    return `expected a plugin name, ["plugin-name", { ...options }] or (in a .mjs/.js config) a plugin object, got ${describe(value)}`;
  }
  if (issue.code === 'invalid_union') {
    const branches = issue.errors.map((branch) => branch.map((inner) => inner.message.replace(/^Invalid input: /, '')).join('; '));
    return `expected one of: ${branches.join(' | ')}, got ${describe(value)}`;
  }
  const message = issue.message.replace(/^Invalid (input|option): /, '');
  if (issue.code === 'invalid_type' && value === undefined) return `${message.replace(/, received undefined$/, '')}, but it is missing`;
  return message;
}

/**
 * Turns zod issues into one SwitchboardError each, naming the file, the JSON path and what was expected, so a
 * config with three problems reports three lines a person can act on.
 */
export function issuesToErrors(
  issues: readonly Issue[],
  options: { input: unknown; file: string | undefined; code?: ErrorCode; subject?: string },
): SwitchboardError[] {
  const where = options.subject ?? options.file ?? 'configuration';
  return issues.map((issue) => {
    const path = formatJsonPath(issue.path);
    return new SwitchboardError(options.code ?? 'SWB_CONFIG_INVALID', `${where}: ${path}: ${explainIssue(issue, options.input)}`, {
      details: { ...(options.file ? { file: options.file } : {}), path: [...issue.path], zodCode: issue.code },
    });
  });
}
