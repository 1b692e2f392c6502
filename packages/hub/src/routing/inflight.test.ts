import { describe, expect, it } from 'vitest';
import { InflightRegistry, type SessionRef, type UpstreamExtra } from './inflight.js';

const session = (id: string): SessionRef => ({ id, clientCapabilities: () => undefined });
const extra = () => ({ signal: new AbortController().signal }) as UpstreamExtra;

describe('session lanes', () => {
  it('lets every call through while not isolating', async () => {
    const lanes = new InflightRegistry();
    lanes.add(session('a'), extra());
    await lanes.enter(session('b'));
    expect(lanes.isolated).toBe(false);
  });

  it('once isolating, a call of another session waits until the lane is free; same-session calls overlap', async () => {
    const lanes = new InflightRegistry();
    lanes.isolate();
    const a = session('a');
    const b = session('b');
    await lanes.enter(a);
    const first = lanes.add(a, extra());
    await lanes.enter(a); // same session: no wait
    const second = lanes.add(a, extra());

    let bIn = false;
    const bEntered = lanes.enter(b).then(() => (bIn = true));
    await Promise.resolve();
    expect(bIn).toBe(false);
    // A later call of a queues behind b: first come, first served.
    let aAgain = false;
    const aQueued = lanes.enter(a).then(() => (aAgain = true));
    lanes.delete(first);
    await Promise.resolve();
    expect(bIn).toBe(false);
    lanes.delete(second);
    await bEntered;
    expect(bIn).toBe(true);
    expect(aAgain).toBe(false);
    const bCall = lanes.add(b, extra());
    lanes.delete(bCall);
    await aQueued;
    expect(aAgain).toBe(true);
  });

  it('a queued call that is cancelled leaves the queue and lets the next one in', async () => {
    const lanes = new InflightRegistry();
    lanes.isolate();
    const held = lanes.add(session('a'), extra());
    const controller = new AbortController();
    const cancelled = lanes.enter(session('b'), controller.signal);
    const waiting = lanes.enter(session('c'));
    controller.abort(new Error('client cancelled'));
    await expect(cancelled).rejects.toThrow('client cancelled');
    lanes.delete(held);
    await expect(waiting).resolves.toBeUndefined();
  });
});
