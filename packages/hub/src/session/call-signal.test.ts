import { describe, expect, it } from 'vitest';
import { CallSignal } from './call-signal.js';

describe('CallSignal', () => {
  it('behaves as an AbortSignal for what the hub reads: listeners once, in order, removal, late listeners, reason', () => {
    const signal = new CallSignal();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    signal.addEventListener('abort', () => calls.push('first'));
    signal.addEventListener('abort', removed);
    signal.addEventListener('abort', { handleEvent: (event) => calls.push(`object ${event.type}`) });
    signal.removeEventListener('abort', removed);
    expect(() => signal.throwIfAborted()).not.toThrow();
    signal.abort('client said stop');
    signal.abort('again');
    signal.addEventListener('abort', () => calls.push('late'));
    expect(calls).toEqual(['first', 'object abort']);
    expect(signal.signal.aborted).toBe(true);
    expect(signal.reason).toBe('client said stop');
    expect(() => signal.throwIfAborted()).toThrow('client said stop');
  });

  it('gives an AbortError as the reason when none is given, and calls every listener even when one throws', () => {
    const signal = new CallSignal();
    const calls: string[] = [];
    signal.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    signal.addEventListener('abort', () => calls.push('second'));
    expect(() => signal.abort()).toThrow('listener bug');
    expect(calls).toEqual(['second']);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('AbortError');
  });
});
