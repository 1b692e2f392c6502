import { describe, expect, it } from 'vitest';
import { SessionLanes, type SessionRef, type UpstreamExtra } from './session-lanes.js';

const session = (id: string): SessionRef => ({ id, clientCapabilities: () => undefined });
const extra = () => ({ signal: new AbortController().signal }) as UpstreamExtra;

describe('session lanes', () => {
  it('admits atomically: two sessions entering in the same tick never both get in', async () => {
    const lanes = new SessionLanes();
    lanes.isolate();
    const admitted: string[] = [];
    const a = Promise.resolve(lanes.enter(session('a'), extra())).then((id) => admitted.push('a') && id);
    const b = Promise.resolve(lanes.enter(session('b'), extra())).then((id) => admitted.push('b') && id);
    await a;
    await Promise.resolve();
    expect(admitted).toEqual(['a']);
    lanes.delete(await a);
    await b;
    expect(admitted).toEqual(['a', 'b']);
  });

  it('lets every call through while not isolating', async () => {
    const lanes = new SessionLanes();
    lanes.add(session('a'), extra());
    await lanes.enter(session('b'), extra());
    expect(lanes.isolated).toBe(false);
    expect(lanes.size).toBe(2);
  });

  it('once isolating, a call of another session waits until the lane is free; same-session calls overlap', async () => {
    const lanes = new SessionLanes();
    lanes.isolate();
    const a = session('a');
    const b = session('b');
    const first = await lanes.enter(a, extra());
    const second = await lanes.enter(a, extra()); // same session: no wait

    let bIn = false;
    let bCall = 0;
    const bEntered = Promise.resolve(lanes.enter(b, extra())).then((id) => {
      bIn = true;
      bCall = id;
    });
    await Promise.resolve();
    expect(bIn).toBe(false);
    // A later call of a queues behind b: first come, first served.
    let aAgain = false;
    const aQueued = Promise.resolve(lanes.enter(a, extra())).then(() => (aAgain = true));
    lanes.delete(first);
    await Promise.resolve();
    expect(bIn).toBe(false);
    lanes.delete(second);
    await bEntered;
    expect(bIn).toBe(true);
    expect(aAgain).toBe(false);
    lanes.delete(bCall);
    await aQueued;
    expect(aAgain).toBe(true);
  });

  it('a queued call that is cancelled leaves the queue and lets the next one in', async () => {
    const lanes = new SessionLanes();
    lanes.isolate();
    const held = lanes.add(session('a'), extra());
    const controller = new AbortController();
    const cancelled = lanes.enter(session('b'), extra(), controller.signal);
    const waiting = lanes.enter(session('c'), extra());
    controller.abort(new Error('client cancelled'));
    await expect(cancelled).rejects.toThrow('client cancelled');
    lanes.delete(held);
    await expect(waiting).resolves.toBeTypeOf('number');
  });

  it('decides isolation in one place: a question for the user always, roots during a call, a log message during calls of several sessions', () => {
    const lanes = new SessionLanes();
    expect(lanes.attribute('roots')).toEqual([]);
    expect(lanes.isolated).toBe(false);
    lanes.add(session('a'), extra());
    expect(lanes.attribute('log').map((c) => c.session.id)).toEqual(['a']);
    expect(lanes.isolated).toBe(false);
    lanes.add(session('b'), extra());
    expect(lanes.attribute('log')).toHaveLength(2);
    expect(lanes.isolated).toBe(true);

    const rootsDuringACall = new SessionLanes();
    rootsDuringACall.add(session('a'), extra());
    expect(rootsDuringACall.attribute('roots')).toHaveLength(1);
    expect(rootsDuringACall.isolated).toBe(true);

    const asking = new SessionLanes();
    expect(asking.attribute('ask')).toEqual([]);
    expect(asking.isolated).toBe(true);
    expect(new SessionLanes(true).isolated).toBe(true);
  });

  it('lets the session being asked pass the queue (its client may call back from its handler); others still wait', async () => {
    const lanes = new SessionLanes(true);
    const a = session('a');
    const outer = await lanes.enter(a, extra());
    let release!: () => void;
    const question = lanes.asking(() => new Promise<void>((resolve) => (release = resolve)));
    let bIn = false;
    const bEntered = Promise.resolve(lanes.enter(session('b'), extra())).then((id) => {
      bIn = true;
      return id;
    });
    // a is being asked: its nested call is admitted although b queued first.
    const nested = await lanes.enter(a, extra());
    expect(bIn).toBe(false);
    lanes.delete(nested);
    release();
    await question;
    // The question is answered: a's next call queues behind b again.
    let aAgain = false;
    const aQueued = Promise.resolve(lanes.enter(a, extra())).then((id) => {
      aAgain = true;
      return id;
    });
    await Promise.resolve();
    expect(aAgain).toBe(false);
    lanes.delete(outer);
    lanes.delete(await bEntered);
    lanes.delete(await aQueued);
    expect(lanes.size).toBe(0);
  });
});
