import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../util/schemas.js';

/** What a `requestState` identifies: one suspended call, the request it belongs to, and until when. */
export interface RequestStatePayload {
  /** The key of the suspended call's current round. */
  call: string;
  /** The method and name (tool, prompt) or URI of the original request: state is only good for that request. */
  method: string;
  target: string;
  /** The catalog view (profile) it was served from: a client of another profile cannot resume it. */
  view: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

/** Why a presented `requestState` cannot be used. */
export type StateRejection = 'malformed' | 'tampered' | 'expired';

export type VerifiedState = { kind: 'valid'; payload: RequestStatePayload } | { kind: 'rejected'; reason: StateRejection };

const encode = (buffer: Buffer) => buffer.toString('base64url');

/**
 * Signs and verifies the opaque `requestState` of multi round-trip requests (SEP-2322). The client holds it
 * between rounds, so it is attacker-controlled input: HMAC-SHA256 over the payload with a key that never leaves
 * the process (random per process unless configured), with an expiry inside the signed part.
 */
export class RequestStateSigner {
  private readonly key: Buffer;

  constructor(
    key: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {
    if (key.length < 16) throw new Error('requestState signing key must be at least 16 bytes');
    this.key = key;
  }

  sign(payload: RequestStatePayload): string {
    const body = encode(Buffer.from(JSON.stringify(payload), 'utf8'));
    return `${body}.${this.mac(body)}`;
  }

  verify(token: unknown): VerifiedState {
    if (typeof token !== 'string') return { kind: 'rejected', reason: 'malformed' };
    const dot = token.indexOf('.');
    if (dot <= 0 || dot !== token.lastIndexOf('.')) return { kind: 'rejected', reason: 'malformed' };
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'rejected', reason: 'tampered' };
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return { kind: 'rejected', reason: 'malformed' };
    }
    if (
      !isRecord(payload) ||
      typeof payload.call !== 'string' ||
      typeof payload.method !== 'string' ||
      typeof payload.target !== 'string' ||
      typeof payload.view !== 'string' ||
      typeof payload.expiresAt !== 'number'
    ) {
      return { kind: 'rejected', reason: 'malformed' };
    }
    if (this.now() >= payload.expiresAt) return { kind: 'rejected', reason: 'expired' };
    return { kind: 'valid', payload: payload as unknown as RequestStatePayload };
  }

  private mac(body: string): string {
    return encode(createHmac('sha256', this.key).update(body).digest());
  }
}
