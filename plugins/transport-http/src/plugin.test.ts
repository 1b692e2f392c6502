import { coreServices, isSwitchboardError, switchboardConfigSchema, type ConfigService, type SwitchboardConfigInput } from '@mcp-switchboard/plugin-api';
import { describe, expect, it } from 'vitest';
import plugin, { plugin as namedPlugin } from './index.js';
import { exposureWarning, HttpUpstream } from './http-upstream.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, httpOptionsSchema, parseHttpBlock, resolveHttpSettings } from './options.js';
import { BearerAuth, hostHeaderAllowed, isLoopbackAddress, originAllowed, redactHeaders, redactUrl, splitHostHeader } from './security.js';
import { FakeHost, recordingLogger } from '../test/fake-host.js';

function configService(input: SwitchboardConfigInput & Record<string, unknown>, filepath = '/cfg/switchboard.config.json'): ConfigService {
  const current = switchboardConfigSchema.parse(input);
  return { current, filepath, onChange: () => () => undefined };
}

async function setup(config: SwitchboardConfigInput & Record<string, unknown>, options: unknown = undefined) {
  const logger = recordingLogger();
  const parsed = options === undefined ? undefined : httpOptionsSchema.parse(options);
  const contribution = await plugin.setup({ logger, config: configService(config) }, parsed as never);
  return { contribution, logger };
}

describe('the transport-http plugin', () => {
  it('is a transport plugin exported as default and as `plugin`, depending on logger and config', () => {
    expect(namedPlugin).toBe(plugin);
    expect(plugin.id).toBe('transport-http');
    expect(plugin.kind).toBe('transport');
    expect(plugin.deps).toEqual({ logger: coreServices.logger, config: coreServices.config });
    expect(plugin.options?.parse(undefined)).toEqual({});
    expect(plugin.options?.safeParse({ maxSessions: 'many' }).success).toBe(false);
  });

  it('contributes the streamable-http front door and connectors for streamable-http, sse and websocket', async () => {
    const { contribution } = await setup({ mcpServers: {} });
    expect(contribution.upstream?.name).toBe('streamable-http');
    expect(contribution.upstream?.describe?.()).toBe(`http://127.0.0.1:${DEFAULT_PORT}/mcp`);
    expect(contribution.connectors?.flatMap((c) => c.types)).toEqual(['streamable-http', 'sse', 'websocket']);
    await contribution.dispose?.();
  });

  it('takes host and port from the config, reports the real port for port 0, and listens only once started', async () => {
    const { contribution } = await setup({ mcpServers: {}, host: '127.0.0.1', port: 0, http: { maxSessions: 5 } });
    const upstream = contribution.upstream as HttpUpstream;
    expect(upstream.port).toBeUndefined();
    await upstream.start(new FakeHost());
    try {
      expect(upstream.port).toBeGreaterThan(0);
      expect(upstream.describe()).toBe(`http://127.0.0.1:${upstream.port}/mcp`);
      const health = await fetch(`http://127.0.0.1:${upstream.port}/health`);
      expect(health.status).toBe(200);
      await health.body?.cancel();
    } finally {
      await contribution.dispose?.();
    }
  });

  it('validates the config http block and names every bad key as http.<path> and the config file', async () => {
    const error = await setup({ mcpServers: {}, http: { maxSessions: 0, allowedOrigins: ['https://ok.example.com', 'not an origin'], bogus: true } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSwitchboardError(error)).toBe(true);
    const message = (error as Error).message;
    expect((error as { code: string }).code).toBe('SWB_CONFIG_INVALID');
    expect(message).toContain('/cfg/switchboard.config.json');
    expect(message).toContain('http.maxSessions');
    expect(message).toContain('http.allowedOrigins.1');
    expect(message).toMatch(/http: .*bogus|bogus/);
  });

  it("lets the plugin's own options override single keys of the config block", async () => {
    const settings = resolveHttpSettings({
      host: '127.0.0.1',
      port: 9000,
      http: parseHttpBlock({ authToken: 'from-config', maxSessions: 10, stateless: true }),
      options: { maxSessions: 3 },
    });
    expect(settings).toMatchObject({ authToken: 'from-config', maxSessions: 3, stateless: true, port: 9000, maxBodyBytes: DEFAULT_MAX_BODY_BYTES });
    expect(resolveHttpSettings({}).host).toBe('127.0.0.1');
    expect(resolveHttpSettings({}).healthWithoutAuth).toBe(true);
  });

  it('warns loudly when bound beyond loopback without a token, and not otherwise', () => {
    expect(exposureWarning({ host: '0.0.0.0', authToken: undefined }, 12006)).toMatch(/SECURITY WARNING.*0\.0\.0\.0:12006.*auth token/);
    expect(exposureWarning({ host: '0.0.0.0', authToken: 'x' }, 12006)).toBeUndefined();
    expect(exposureWarning({ host: '127.0.0.1', authToken: undefined }, 12006)).toBeUndefined();
    expect(exposureWarning({ host: 'localhost', authToken: undefined }, 12006)).toBeUndefined();
  });
});

describe('security helpers', () => {
  it('recognises loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackAddress(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com']) expect(isLoopbackAddress(host), host).toBe(false);
  });

  it('splits Host headers, IPv6 included', () => {
    expect(splitHostHeader('[::1]:8080')).toEqual({ hostname: '[::1]', port: '8080' });
    expect(splitHostHeader('LocalHost:80')).toEqual({ hostname: 'localhost', port: '80' });
    expect(splitHostHeader('example.com')).toEqual({ hostname: 'example.com', port: undefined });
  });

  it('accepts loopback Host headers and allowed hosts only', () => {
    expect(hostHeaderAllowed('127.0.0.1:1234', [])).toBe(true);
    expect(hostHeaderAllowed('localhost', [])).toBe(true);
    expect(hostHeaderAllowed('[::1]:1234', [])).toBe(true);
    expect(hostHeaderAllowed('evil.com', [])).toBe(false);
    expect(hostHeaderAllowed('localhost.evil.com', [])).toBe(false);
    expect(hostHeaderAllowed('127.0.0.1:80@evil', [])).toBe(false);
    expect(hostHeaderAllowed(undefined, [])).toBe(false);
    expect(hostHeaderAllowed('mcp.internal:9000', ['mcp.internal'])).toBe(true);
    expect(hostHeaderAllowed('mcp.internal:9000', ['mcp.internal:9001'])).toBe(false);
  });

  it('accepts a missing Origin, same-origin loopback origins and listed origins; refuses the rest', () => {
    const policy = { port: 12006, boundHost: '127.0.0.1', allowedOrigins: ['https://app.example.com'] };
    expect(originAllowed(undefined, policy)).toBe(true);
    expect(originAllowed('http://127.0.0.1:12006', policy)).toBe(true);
    expect(originAllowed('http://localhost:12006', policy)).toBe(true);
    expect(originAllowed('http://[::1]:12006', policy)).toBe(true);
    expect(originAllowed('https://app.example.com', policy)).toBe(true);
    expect(originAllowed('https://APP.example.com/', policy)).toBe(true);
    expect(originAllowed('http://localhost:3000', policy)).toBe(false);
    expect(originAllowed('https://localhost:12006', policy)).toBe(false);
    expect(originAllowed('https://evil.example.com', policy)).toBe(false);
    expect(originAllowed('null', policy)).toBe(false);
    expect(originAllowed('http://192.168.1.5:12006', { ...policy, boundHost: '192.168.1.5' })).toBe(true);
    expect(originAllowed('http://192.168.1.5:12006', { ...policy, boundHost: '0.0.0.0' })).toBe(false);
  });

  it('checks bearer tokens: missing, invalid (any length), ok', () => {
    const auth = new BearerAuth('s3cret');
    expect(auth.check(undefined)).toBe('missing');
    expect(auth.check('Basic czNjcmV0')).toBe('invalid');
    expect(auth.check('Bearer s3cre')).toBe('invalid');
    expect(auth.check('Bearer s3cret-and-more')).toBe('invalid');
    expect(auth.check('Bearer s3cret')).toBe('ok');
    expect(auth.check('bearer   s3cret ')).toBe('ok');
  });

  it('redacts header values and URL secrets for logs', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'X-Key': 'y' })).toEqual({ Authorization: '****', 'X-Key': '****' });
    const url = redactUrl('https://user:pw@example.com/mcp?token=abc&x=1');
    expect(url).not.toContain('pw');
    expect(url).not.toContain('abc');
    expect(url).toContain('example.com/mcp');
  });
});

describe('HttpUpstream start errors', () => {
  it('reports a port in use with the fix', async () => {
    const first = new HttpUpstream({ host: '127.0.0.1', port: 0 });
    await first.start(new FakeHost());
    try {
      const second = new HttpUpstream({ host: '127.0.0.1', port: first.port! });
      const error = await second.start(new FakeHost()).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string; fix?: string },
      );
      expect(error?.message).toContain('in use');
      expect(error?.fix).toContain('--port');
      await second.stop();
    } finally {
      await first.stop();
    }
  });
});
