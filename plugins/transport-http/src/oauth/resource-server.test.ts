import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtResourceServer, protectedResourceMetadataUrl } from './resource-server.js';

const issuer = 'https://issuer.example';
const audience = 'https://switchboard.example/mcp';
const now = new Date('2026-12-01T12:00:00Z');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});

function token(claims: Record<string, unknown> = {}, options: { key?: CryptoKey; exp?: number; aud?: string; iss?: string } = {}): Promise<string> {
  return new SignJWT({ scope: 'mcp:tools', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? audience)
    .setSubject('alice')
    .setIssuedAt(seconds(now) - 10)
    .setExpirationTime(options.exp ?? seconds(now) + 300)
    .sign(options.key ?? signingKey);
}

function server(extra: Partial<ConstructorParameters<typeof JwtResourceServer>[0]> = {}): JwtResourceServer {
  return new JwtResourceServer({ issuer, audience, requiredScopes: ['mcp:tools'], ...extra }, { keys: createLocalJWKSet({ keys: [jwk] }), now: () => now });
}

describe('JwtResourceServer', () => {
  it('accepts a valid token and reports its subject and scopes', async () => {
    const verdict = await server().verify(`Bearer ${await token()}`);
    expect(verdict).toMatchObject({ kind: 'accepted', subject: 'alice', scopes: ['mcp:tools'] });
  });

  it('asks for a token without an error code when none is given, pointing at the metadata', async () => {
    const rs = server();
    const verdict = await rs.verify(undefined);
    expect(verdict).toMatchObject({ kind: 'rejected', status: 401, error: undefined });
    if (verdict.kind !== 'rejected') throw new Error('unreachable');
    expect(rs.challenge(verdict)).toBe('Bearer resource_metadata="https://switchboard.example/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"');
  });

  it.each([
    ['an expired token', () => token({}, { exp: seconds(now) - 60 }), 'the token has expired'],
    ['a token for another audience', () => token({}, { aud: 'https://elsewhere.example/mcp' }), 'the token is for another audience'],
    ['a token from another issuer', () => token({}, { iss: 'https://evil.example' }), 'the token is from another issuer'],
    ['a token signed by another key', () => token({}, { key: otherKey }), "the token's signature does not match the issuer's keys"],
    ['something that is not a JWT', async () => 'abc.def.ghi', 'the token is not a valid JWT'],
  ])('refuses %s with 401 invalid_token', async (_name, make, description) => {
    const rs = server();
    const verdict = await rs.verify(`Bearer ${await make()}`);
    expect(verdict).toEqual({ kind: 'rejected', status: 401, error: 'invalid_token', description });
    if (verdict.kind !== 'rejected') throw new Error('unreachable');
    expect(rs.challenge(verdict)).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="https:\/\/switchboard\.example\/\.well-known\/oauth-protected-resource\/mcp"$/,
    );
  });

  it('refuses a token without the required scope with 403 insufficient_scope naming the scope', async () => {
    const rs = server({ requiredScopes: ['mcp:tools', 'mcp:admin'] });
    const verdict = await rs.verify(`Bearer ${await token()}`);
    expect(verdict).toMatchObject({ kind: 'rejected', status: 403, error: 'insufficient_scope' });
    if (verdict.kind !== 'rejected') throw new Error('unreachable');
    expect(rs.challenge(verdict)).toContain('scope="mcp:tools mcp:admin"');
    expect(rs.challenge(verdict)).toContain('error="insufficient_scope"');
  });

  it('refuses a header that is not a bearer token with 401 invalid_request', async () => {
    expect(await server().verify('Basic dXNlcjpwYXNz')).toMatchObject({ kind: 'rejected', status: 401, error: 'invalid_request' });
  });

  it('picks the profile by scope or claim, first rule first; none without a match', async () => {
    const rs = server({
      profiles: [
        { scope: 'workspace:acme', profile: 'acme' },
        { claim: 'org', equals: 'globex', profile: 'globex' },
      ],
    });
    const byScope = await rs.verify(`Bearer ${await token({ scope: 'mcp:tools workspace:acme', org: 'globex' })}`);
    expect(byScope).toMatchObject({ kind: 'accepted', profile: 'acme' });
    const byClaim = await rs.verify(`Bearer ${await token({ org: 'globex' })}`);
    expect(byClaim).toMatchObject({ kind: 'accepted', profile: 'globex' });
    const none = await rs.verify(`Bearer ${await token({ org: 'initech' })}`);
    expect(none).toMatchObject({ kind: 'accepted', profile: undefined });
  });

  it('publishes RFC 9728 metadata naming the issuer and our resource', () => {
    expect(server().metadata()).toEqual({
      resource: audience,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Switchboard',
    });
    expect(protectedResourceMetadataUrl('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000/.well-known/oauth-protected-resource');
  });

  it('rejects a config that is not a URL', () => {
    expect(() => new JwtResourceServer({ issuer: 'nope', audience })).toThrow();
  });
});

describe('JwtResourceServer key discovery', () => {
  let http: Server;
  let base: string;
  let metadataHits = 0;

  beforeAll(async () => {
    http = createServer((req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        metadataHits++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
      } else if (req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it("finds the JWKS through the issuer's metadata once and verifies with it", async () => {
    const rs = new JwtResourceServer({ issuer: base, audience }, { now: () => now });
    expect(await rs.verify(`Bearer ${await token({}, { iss: base })}`)).toMatchObject({ kind: 'accepted' });
    expect(await rs.verify(`Bearer ${await token({}, { iss: base, key: otherKey })}`)).toMatchObject({ kind: 'rejected', status: 401 });
    expect(metadataHits).toBe(1);
  });
});
