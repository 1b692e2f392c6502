import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SwitchboardAggregateError, SwitchboardError, errorCatalogue, formatError, isSwitchboardError } from './errors.js';

describe('error catalogue', () => {
  it('documents every code in docs/errors.md with its exit code', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect(doc, `docs/errors.md lacks ${code}`).toMatch(new RegExp(`\\| \`${code}\` \\| ${entry.exit} \\|`));
    }
  });

  it('formats an error as code, message, cause and fix', () => {
    const error = new SwitchboardError('SWB_PLUGIN_SETUP', 'plugin "x" failed', { cause: new Error('boom') });
    expect(isSwitchboardError(error)).toBe(true);
    expect(error.exitCode).toBe(1);
    expect(formatError(error)).toBe(`SWB_PLUGIN_SETUP: plugin "x" failed\n   cause: boom\n   fix: ${errorCatalogue.SWB_PLUGIN_SETUP.fix}`);
  });

  it('reports every problem of an aggregate, and exits 2 only when all are usage/config errors', () => {
    const a = new SwitchboardError('SWB_CONFIG_INVALID', 'one');
    const b = new SwitchboardError('SWB_PLUGIN_NOT_FOUND', 'two');
    const aggregate = new SwitchboardAggregateError([a, b], 'config has 2 problems');
    const text = formatError(aggregate);
    expect(text).toContain('1. SWB_CONFIG_INVALID: one');
    expect(text).toContain('2. SWB_PLUGIN_NOT_FOUND: two');
    expect(aggregate.exitCode).toBe(2);
    expect(new SwitchboardAggregateError([a, new SwitchboardError('SWB_PLUGIN_SETUP', 'x')], 'm').exitCode).toBe(1);
    expect(isSwitchboardError(new Error('plain'))).toBe(false);
  });
});
