import { describe, expect, it } from 'vitest';
import { RequestStateSigner } from './request-state.js';

describe('RequestStateSigner', () => {
  const payload = { call: 'k1', method: 'tools/call', target: 'echo', view: '', expiresAt: 1_000 };

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
});
