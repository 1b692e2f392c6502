import { describe, expect, it } from 'vitest';
import { RequestStateSigner, signingKey } from './request-state.js';

describe('RequestStateSigner', () => {
  const payload = { kind: 'suspended' as const, call: 'k1', method: 'tools/call', target: 'echo', view: '', expiresAt: 1_000 };

  it('verifies what it signed until it expires', () => {
    let now = 0;
    const signer = new RequestStateSigner(Buffer.alloc(32, 7), () => now);
    const token = signer.sign(payload);
    expect(signer.verify(token)).toEqual({ kind: 'valid', payload });
    now = 1_000;
    expect(signer.verify(token)).toEqual({ kind: 'rejected', reason: 'expired' });
  });

  it('rejects a changed payload, a foreign key and garbage', () => {
    const signer = new RequestStateSigner(Buffer.alloc(32, 7), () => 0);
    const token = signer.sign(payload);
    const [, mac] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ ...payload, target: 'rm_rf' })).toString('base64url')}.${mac}`;
    expect(signer.verify(forged)).toEqual({ kind: 'rejected', reason: 'tampered' });
    expect(new RequestStateSigner(Buffer.alloc(32, 8), () => 0).verify(token)).toEqual({ kind: 'rejected', reason: 'tampered' });
    expect(signer.verify('nonsense')).toEqual({ kind: 'rejected', reason: 'malformed' });
    expect(signer.verify(42)).toEqual({ kind: 'rejected', reason: 'malformed' });
  });

  it("wraps a downstream state; two processes with the same configured key accept each other's tokens", () => {
    const wrapped = { kind: 'downstream' as const, server: 'modern', state: 'opaque', method: 'tools/call', target: 'modern__ask', view: '', expiresAt: 1_000 };
    const secret = 'a shared secret of at least thirty-two characters';
    const token = new RequestStateSigner(signingKey(secret), () => 0).sign(wrapped);
    expect(new RequestStateSigner(signingKey(secret), () => 0).verify(token)).toEqual({ kind: 'valid', payload: wrapped });
    expect(new RequestStateSigner(signingKey(undefined), () => 0).verify(token)).toEqual({ kind: 'rejected', reason: 'tampered' });
    // Without its kind's fields a payload is not one of ours, even correctly signed.
    const signer = new RequestStateSigner(Buffer.alloc(32, 7), () => 0);
    const { state: _state, ...incomplete } = wrapped;
    expect(signer.verify(signer.sign(incomplete as never))).toEqual({ kind: 'rejected', reason: 'malformed' });
  });
});
