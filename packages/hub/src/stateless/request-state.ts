import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../util/schemas.js';

/** What every `requestState` is bound to: the request it belongs to, the view it was served from, and until when. */
interface StateBinding {
  /** The method and name (tool, prompt) or URI of the original request: state is only good for that request. */
  method: string;
  target: string;
  /** The catalog view (profile) it was served from: a client of another profile cannot use it. */
  view: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

/**
 * What a `requestState` we hand out stands for:
 * - `suspended`: a 2025-era downstream call held in this process, waiting for the client's answers (its round key);
 * - `downstream`: a 2026-era downstream's own `requestState`, wrapped: self-contained, so whichever process (replica)
 *   the retry reaches can unwrap it and send it on to the same server.
 */
export type RequestStatePayload = StateBinding & ({ kind: 'suspended'; call: string } | { kind: 'downstream'; server: string; state: string });

/** Why a presented `requestState` cannot be used. */
export type StateRejection = 'malformed' | 'tampered' | 'expired';

export type VerifiedState = { kind: 'valid'; payload: RequestStatePayload } | { kind: 'rejected'; reason: StateRejection };

const encode = (buffer: Buffer) => buffer.toString('base64url');

/**
 * Signs and verifies the opaque `requestState` of multi round-trip requests (SEP-2322). The client holds it
 * between rounds, so it is attacker-controlled input: HMAC-SHA256 over the payload with a key that never leaves
 * the process (random per process unless configured: replicas behind one balancer share one, `requestStateKey`), with
 * an expiry inside the signed part.
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
    if (!isPayload(payload)) return { kind: 'rejected', reason: 'malformed' };
    if (this.now() >= payload.expiresAt) return { kind: 'rejected', reason: 'expired' };
    return { kind: 'valid', payload };
  }

  private mac(body: string): string {
    return encode(createHmac('sha256', this.key).update(body).digest());
  }
}

function isPayload(value: unknown): value is RequestStatePayload {
  if (!isRecord(value) || typeof value.method !== 'string' || typeof value.target !== 'string' || typeof value.view !== 'string') return false;
  if (typeof value.expiresAt !== 'number') return false;
  if (value.kind === 'suspended') return typeof value.call === 'string';
  return value.kind === 'downstream' && typeof value.server === 'string' && typeof value.state === 'string';
}

/**
 * The signing key from a configured secret (any string of 32 or more characters; hashed, so its form does not
 * matter), or a random one for this process alone.
 */
export function signingKey(secret: string | undefined): Buffer {
  return secret === undefined ? randomBytes(32) : createHash('sha256').update(secret, 'utf8').digest();
}
