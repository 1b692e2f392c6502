import { isSwitchboardError, type SwitchboardError } from '@mcp-switchboard/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireConnection, type PluggedinConnection } from './connection.js';
import pluggedinPlugins, { pluggedinConnection } from './index.js';
import { pluggedinOptionsSchema, resolvePluggedinOptions } from './options.js';
import { manualClock, recordingLogger } from './test-support.js';

const KEY = `pg_in_${'ab'.repeat(32)}`;

function optionsError(raw: unknown): SwitchboardError {
  try {
    resolvePluggedinOptions(raw);
  } catch (error) {
    if (isSwitchboardError(error)) return error;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

const held: PluggedinConnection[] = [];
afterEach(() => {
  for (const c of held.splice(0)) c.release();
});

describe('pluggedin options', () => {
  it('applies the defaults', () => {
    expect(resolvePluggedinOptions({ apiKey: KEY })).toEqual({
      apiKey: KEY,
      baseUrl: 'https://plugged.in',
      pollIntervalMs: 30_000,
      requestTimeoutMs: 10_000,
      retries: 2,
      activity: true,
      reportTools: true,
      queueSize: 500,
    });
  });

  it('keeps the base URL as given (hyphens, port, path), stripping only trailing slashes', () => {
    expect(resolvePluggedinOptions({ apiKey: KEY, baseUrl: 'https://my-app.staging-host.example.com/' }).baseUrl).toBe(
      'https://my-app.staging-host.example.com',
    );
    expect(resolvePluggedinOptions({ apiKey: KEY, baseUrl: 'http://localhost:12005/plugged-in//' }).baseUrl).toBe('http://localhost:12005/plugged-in');
  });

  it('parsing is idempotent, so options already parsed by the kernel parse again to the same value', () => {
    const once = pluggedinOptionsSchema.parse({ apiKey: KEY, baseUrl: 'http://127.0.0.1:9/', pollIntervalMs: 5 });
    expect(resolvePluggedinOptions(once)).toEqual(once);
  });

  it.each([
    ['plugged.in', /baseUrl "plugged\.in" is not an absolute URL/],
    ['ftp://plugged.in', /must use http or https, not ftp/],
    ['https://plugged.in?x=1', /must not have a query/],
    [' https://plugged.in', /whitespace/],
  ])('refuses the base URL %j with a clear SWB_PLUGIN_OPTIONS error', (baseUrl, message) => {
    const error = optionsError({ apiKey: KEY, baseUrl });
    expect(error.code).toBe('SWB_PLUGIN_OPTIONS');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('option "baseUrl"');
  });

  it('refuses a missing, empty or whitespace key without echoing it, and reports every problem at once', () => {
    expect(optionsError({}).message).toMatch(/option "apiKey": apiKey is required/);
    expect(optionsError({ apiKey: '' }).message).toMatch(/apiKey is empty/);
    const spaced = optionsError({ apiKey: `${KEY}\n`, baseUrl: 'nope' });
    expect(spaced.message).toMatch(/apiKey contains whitespace/);
    expect(spaced.message).toMatch(/baseUrl "nope"/);
    expect(spaced.message).not.toContain(KEY);
    expect(optionsError({ apiKey: KEY, pollIntervalMs: 0 }).message).toMatch(/pollIntervalMs/);
    expect(optionsError({ apiKey: KEY, unknownOption: 1 }).message).toMatch(/unknownOption/);
  });

  it('makes plugin setup fail with SWB_PLUGIN_OPTIONS (never a silent fallback)', async () => {
    const logger = recordingLogger();
    // The connection service is the plugin that reads the options (the others get the connection from it).
    await expect(Promise.resolve().then(() => pluggedinConnection.setup({ logger, clock: manualClock() }, { apiKey: '' } as never))).rejects.toMatchObject({
      code: 'SWB_PLUGIN_OPTIONS',
    });
    for (const plugin of pluggedinPlugins) {
      expect(plugin.options?.safeParse({ apiKey: 'k', baseUrl: 'plugged-in' }).success).toBe(false);
    }
  });

  it('uses a short key (with a warning that never shows the key) instead of treating it as no key', () => {
    const logger = recordingLogger();
    const shortKey = 'short-key-123';
    const connection = acquireConnection(resolvePluggedinOptions({ apiKey: shortKey, baseUrl: 'http://127.0.0.1:9' }), { logger });
    held.push(connection);
    expect(logger.text('warn')).toMatch(/does not look like one the App issues/);
    expect(logger.text()).not.toContain(shortKey);

    const quiet = recordingLogger();
    held.push(acquireConnection(resolvePluggedinOptions({ apiKey: KEY, baseUrl: 'http://127.0.0.1:9' }), { logger: quiet }));
    expect(quiet.text('warn')).toBe('');
  });
});
