import { describe, expect, it } from 'vitest';
import { SecretRedactor, findSecrets } from './secrets.js';

describe('SecretRedactor', () => {
  it('replaces every occurrence of a known value, longest first', () => {
    const secrets = new SecretRedactor().add(['abcd', 'abcd1234', 'xy']);
    expect(secrets.redact('a=abcd1234 b=abcd c=xy')).toBe('a=**** b=**** c=xy');
    expect(secrets.contains('...abcd...')).toBe(true);
    expect(secrets.contains('nothing here')).toBe(false);
  });

  it('ignores short values, non-strings and config switches', () => {
    const secrets = new SecretRedactor().add(['abc', 42, undefined, 'true', 'FALSE', 'info']);
    expect(secrets.size).toBe(0);
    expect(secrets.redact('true abc 42 info')).toBe('true abc 42 info');
  });

  it('also knows the credential after an auth scheme and the trimmed value', () => {
    const secrets = new SecretRedactor().add(['Bearer tok-123', '  padded-value  ']);
    expect(secrets.redact('sent tok-123 and padded-value')).toBe('sent **** and ****');
  });

  it('treats regex characters literally', () => {
    const secrets = new SecretRedactor().add(['a.b*c(d)']);
    expect(secrets.redact('a.b*c(d) aXbbc(d)')).toBe('**** aXbbc(d)');
  });

  it('scrubs JSON lines inside string literals only, matching escaped forms, keeping valid JSON', () => {
    const secrets = new SecretRedactor().add(['p"ss\\word', 'true-ish', '12345678']);
    const line = JSON.stringify({ msg: 'value p"ss\\word here', n: 12345678, ok: true, nested: { k: 'x12345678y', t: 'true-ish' } });
    const out = secrets.redactJson(line);
    expect(JSON.parse(out)).toEqual({ msg: 'value **** here', n: 12345678, ok: true, nested: { k: 'x****y', t: '****' } });
  });

  it('redacts every string of a JSON-like value, keys included', () => {
    const secrets = new SecretRedactor().add(['s3cr3t']);
    expect(secrets.redactValue({ a: ['s3cr3t!', 1], s3cr3t: { b: 'ok' } })).toEqual({ a: ['****!', 1], '****': { b: 'ok' } });
  });
});

describe('findSecrets', () => {
  it('finds env and header values, secret-named keys and secret URL parts, in raw config', () => {
    const found = findSecrets({
      mcpServers: {
        a: { command: 'node', args: ['x'], env: { GITHUB_TOKEN: 'gh-value', DEBUG: 'true' } },
        b: { url: 'https://user:pa55word@example.com/mcp?api_key=q-key&page=2', headers: { Authorization: 'Bearer hdr-token' } },
        c: 'not an object',
        d: { command: 'srv', args: ['--api-key=flag-key-1', '--token', 'flag-token-2', '--name', 'public-name', '--verbose'] },
      },
      http: { authToken: 'auth-value', stateless: true },
      plugins: [['pluggedin', { apiKey: 'pg-key', baseUrl: 'https://plugged.in' }]],
      namespace: { separator: '__' },
    });
    expect(found.sort()).toEqual(
      ['Bearer hdr-token', 'auth-value', 'flag-key-1', 'flag-token-2', 'gh-value', 'pa55word', 'pa55word', 'pg-key', 'q-key', 'true'].sort(),
    );
  });
});

describe('SecretRedactor: what is not a secret', () => {
  it('never redacts public values (server ids), small numbers, or JSON keys', () => {
    const secrets = new SecretRedactor().add(['memory', 'later-secret', '3000', '12345678']).addPublic(['memory']);
    secrets.add(['memory']);
    expect(secrets.redact('memory 3000 12345678 later-secret')).toBe('memory 3000 **** ****');
    const line = JSON.stringify({ 'later-secret': 'later-secret', server: 'memory' });
    expect(JSON.parse(secrets.redactJson(line))).toEqual({ 'later-secret': '****', server: 'memory' });
  });
});

describe('SecretRedactor: credentials recognised by their shape', () => {
  const secrets = new SecretRedactor();
  it.each([
    ['postgresql://user:PASSWORD@host/db', 'postgresql://user:****@host/db'],
    ['mongodb+srv://me:p%40ss@cluster.example.net', 'mongodb+srv://me:****@cluster.example.net'],
    ['token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 ok', 'token **** ok'],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', '****'],
    ['key sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2 and sk-ant-api03-abcdefghij0123456789', 'key **** and ****'],
    ['Authorization: Bearer abc.def-123456', 'Authorization: Bearer ****'],
    ['xoxb-123456789012-abcdefABCDEF', '****'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', '****'],
    ['GET /sse?api_key=abc123&page=2', 'GET /sse?api_key=****&page=2'],
    ['AKIAIOSFODNN7EXAMPLE', '****'],
  ])('%s', (text, expected) => {
    expect(secrets.redact(text)).toBe(expected);
    expect(JSON.parse(secrets.redactJson(JSON.stringify({ msg: text })))).toEqual({ msg: expected });
  });

  it('leaves look-alikes alone', () => {
    for (const text of [
      'sk-learn-some-package-name-here',
      'Bearer authentication required',
      'user@example.com',
      'https://example.com/a/b',
      'task-sk-1234567890abcdefghij0',
    ]) {
      expect(secrets.redact(text)).toBe(text);
    }
  });

  it('findSecrets learns the password of a connection string in args and token-shaped path segments of a url', () => {
    const found = findSecrets({
      mcpServers: { pg: { command: 'x', args: ['postgresql://u:Pg_pass_1@h/db'] }, r: { url: 'https://h/sse/k9f8e7d6c5b4a3k9f8e7d6c5/x' } },
    });
    expect(found).toEqual(expect.arrayContaining(['Pg_pass_1', 'k9f8e7d6c5b4a3k9f8e7d6c5']));
  });
});
