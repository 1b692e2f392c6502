/**
 * The supervisor's state machine on a manual clock, with a scripted link: every transition, no real sleeps.
 */
import { SwitchboardError } from '@mcp-switchboard/plugin-api';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/support/harness.js';
import { ManualClock } from '../../test/support/manual-clock.js';
import { deferred, type Deferred } from '../util/deferred.js';
import { DEFAULT_SUPERVISION, type SupervisionSettings } from './supervision.js';
import { Supervisor, type SupervisedLink, type SupervisorOptions } from './supervisor.js';

/** Lets pending promise callbacks run (no time passes). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const settings: SupervisionSettings = {
  ...DEFAULT_SUPERVISION,
  backoffInitialMs: 100,
  backoffMaxMs: 400,
  maxFailures: 3,
  failureWindowMs: 10_000,
  circuitOpenMs: 60_000,
  pingIntervalMs: 0,
  callWaitMs: 5_000,
};

function supervised(options: Partial<SupervisorOptions> = {}) {
  const clock = new ManualClock();
  const logger = recordingLogger();
  const opens: Array<{ run: number; result: Deferred<string> }> = [];
  const effects: string[] = [];
  const states: string[] = [];
  const pings: Array<Deferred<void>> = [];
  let standing = false;
  let pingable = true;
  let onCredentials: (() => void) | undefined;
  const link: SupervisedLink<string> = {
    open(run) {
      const result = deferred<string>();
      opens.push({ run, result });
      effects.push('open');
      return result.promise;
    },
    adopt: (lists) => effects.push(`adopt ${lists} (${supervisor.serverState})`),
    announceReady: (lists, mode) => effects.push(`announce ${lists} ${mode}`),
    detach: async () => void effects.push('detach'),
    dropLists: (why) => effects.push(`drop ${why}`),
    ping() {
      const answer = deferred<void>();
      pings.push(answer);
      return answer.promise;
    },
    pingable: () => pingable,
    inStandingUse: () => standing,
    stateChanged: () => states.push(supervisor.serverState),
    watchCredentials(onChange) {
      onCredentials = onChange;
      effects.push('watch credentials');
      return () => {
        onCredentials = undefined;
        effects.push('unwatch credentials');
      };
    },
  };
  const supervisor = new Supervisor<string>(
    {
      id: 's',
      enabled: true,
      settings,
      pingIntervalMs: 0,
      idleTimeoutMs: undefined,
      connectMs: 2_000,
      requestMs: 1_000,
      clock,
      random: () => 0.5, // no jitter
      logger,
      redact: (text) => text.replaceAll('hunter2', '****'),
      ...options,
    },
    link,
  );
  const last = () => opens.at(-1)!;
  return {
    supervisor,
    clock,
    logger,
    effects,
    states,
    pings,
    opens,
    setPingable: (value: boolean) => {
      pingable = value;
    },
    setStanding: (value: boolean) => {
      standing = value;
    },
    /** The connector reports a stored login (undefined when nobody watches). */
    storeLogin: () => onCredentials?.(),
    get watchingCredentials() {
      return onCredentials !== undefined;
    },
    /** The pending start attempt succeeds. */
    async succeed(lists = 'lists') {
      last().result.resolve(lists);
      await supervisor.whenSettled();
    },
    /** The pending start attempt fails. */
    async fail(error: unknown = new Error('crashed')) {
      last().result.reject(error);
      await supervisor.whenSettled();
    },
    /** The ready link fails (its process exits). */
    crash: () => supervisor.fault((supervisor.lifecycle as { run: number }).run, 'server "s" closed the connection'),
    retryIn: () => supervisor.nextRetryAt! - clock.now(),
    messages: (level: string) => logger.lines.filter((l) => l.level === level).map((l) => l.message),
  };
}

describe('Supervisor', () => {
  it('starts: new → starting → ready, adopting the lists before it turns ready and announcing them after', async () => {
    const t = supervised();
    expect(t.supervisor.lifecycle).toEqual({ kind: 'new' });
    expect(t.supervisor.serverState).toBe('stopped');
    const settled = t.supervisor.whenSettled();
    const started = t.supervisor.start();
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'starting', waking: false });
    expect(t.supervisor.servesLists).toBe(true);
    await t.succeed();
    await started;
    await settled;
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    expect(t.effects).toEqual(['open', 'adopt lists (starting)', 'announce lists start']);
    expect(t.states).toEqual(['starting', 'ready']);
    expect(t.supervisor.error).toBeUndefined();
    await t.supervisor.start(); // already ready: nothing happens
    expect(t.opens).toHaveLength(1);
    expect(t.clock.pending).toBe(0);
  });

  it('a start that fails is retried after a doubling, capped backoff; a success ends the streak', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.fail(new Error('token hunter2 refused'));
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', attempt: 1, halfOpen: false });
    expect(t.supervisor.error).toBe('server "s" failed to start: token **** refused');
    expect(t.retryIn()).toBe(100);
    expect(t.messages('warn')).toEqual(['server "s" failed to start: token **** refused; trying again in 100 ms (attempt 1)']);
    expect(t.effects.at(-1)).toBe('detach');

    t.clock.advance(100);
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', attempt: 1, run: expect.any(Number) });
    expect(t.supervisor.attemptRunning).toBe(true);
    expect(t.supervisor.nextRetryAt).toBeUndefined();
    expect(t.supervisor.error).toContain('token **** refused'); // the last error stays visible while trying
    await t.fail();
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', attempt: 2 });
    expect(t.retryIn()).toBe(200);
    t.clock.advance(200);
    await t.succeed();
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    expect(t.supervisor.restarts).toBe(2);
    expect(t.effects.at(-1)).toBe('announce lists restart');
    expect(t.messages('info')).toContain('server "s": restart attempt 2');
    expect(t.states).toEqual(['starting', 'restarting', 'ready']);
  });

  it('a ready server that fails restarts; a fault of an older link is ignored', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.succeed();
    const oldRun = (t.supervisor.lifecycle as { run: number }).run;
    t.crash();
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', attempt: 1, retryAt: expect.any(Number) });
    expect(t.messages('warn').at(-1)).toBe('server "s" closed the connection; restarting in 100 ms (attempt 1)');
    t.supervisor.fault(oldRun, 'late news from the dead link');
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', attempt: 1 });
    t.clock.advance(100);
    await t.succeed();
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    t.supervisor.fault(oldRun, 'late news from the dead link');
    expect(t.supervisor.lifecycle.kind).toBe('ready');
  });

  it('opens the circuit after maxFailures within the window; the half-open try fails (open again) or succeeds (history cleared)', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.fail();
    t.clock.advance(100);
    await t.fail();
    t.clock.advance(200);
    await t.fail(); // the third failure within the window
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'failed', retryAt: t.clock.now() + 60_000 });
    expect(t.supervisor.error).toMatch(
      /^server "s" failed 3 times within 10 s: circuit open, next try at .* \(in 60 s\)\. Last error: server "s" failed to start: crashed$/,
    );
    expect(t.supervisor.servesLists).toBe(false);
    expect(t.effects).toContain('drop circuit');
    expect(await Promise.race([t.supervisor.whenStable().then(() => 'stable'), flush().then(() => 'waiting')])).toBe('stable');

    t.clock.advance(60_000);
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', halfOpen: true, attempt: 1 });
    expect(t.messages('info').at(-1)).toBe('server "s": restart attempt 1 (circuit half-open)');
    await t.fail();
    expect(t.supervisor.lifecycle.kind).toBe('failed');
    expect(t.supervisor.error).toContain('failed again on its one try after the circuit opened');

    t.clock.advance(60_000);
    await t.succeed();
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    t.crash(); // the success cleared the history: back to the first delay, not the circuit
    expect(t.supervisor.lifecycle.kind).toBe('restarting');
    expect(t.retryIn()).toBe(100);
  });

  it('forgets failures older than the window', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.succeed();
    t.crash();
    t.clock.advance(100);
    await t.succeed();
    t.crash();
    expect(t.retryIn()).toBe(200);
    t.clock.advance(200);
    await t.succeed();
    t.clock.advance(10_001);
    t.crash();
    expect(t.retryIn()).toBe(100);
  });

  it('opens the circuit at once when retrying soon cannot help, and fails for good without a connector', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.fail(Object.assign(new Error('spawn nope ENOENT'), { code: 'ENOENT' }));
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'failed', retryAt: t.clock.now() + 60_000 });
    expect(t.supervisor.error).toMatch(/spawn nope ENOENT; circuit open, next try at/);

    const never = supervised();
    void never.supervisor.start();
    await never.fail(new SwitchboardError('SWB_CONNECTOR_MISSING', 'no connector for transport "stdio"'));
    expect(never.supervisor.lifecycle).toEqual({ kind: 'failed', error: 'server "s" failed to start: no connector for transport "stdio"' });
    expect(never.supervisor.nextRetryAt).toBeUndefined();
    expect(never.clock.pending).toBe(0);
    never.clock.advance(3_600_000);
    expect(never.opens).toHaveLength(1);
  });

  it('stop() during a backoff or with the circuit open cancels the next try; start() again starts from scratch', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.fail();
    await t.supervisor.stop();
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'stopped' });
    expect(t.clock.pending).toBe(0);
    expect(t.effects.slice(-2)).toEqual(['drop stop', 'detach']);
    t.clock.advance(60_000);
    expect(t.opens).toHaveLength(1);

    const open = supervised({ settings: { ...settings, maxFailures: 1 } });
    void open.supervisor.start();
    await open.fail();
    expect(open.supervisor.lifecycle.kind).toBe('failed');
    await open.supervisor.stop();
    expect(open.clock.pending).toBe(0);
    open.clock.advance(120_000);
    expect(open.opens).toHaveLength(1);
    void open.supervisor.start();
    expect(open.supervisor.lifecycle.kind).toBe('starting');
    await open.succeed();
    expect(open.supervisor.lifecycle.kind).toBe('ready');
  });

  it('stop() during a start attempt: the attempt settles, and its late success is ignored', async () => {
    const t = supervised();
    void t.supervisor.start();
    const settled = t.supervisor.whenSettled();
    await t.supervisor.stop();
    await settled;
    t.opens[0]!.result.resolve('late');
    await flush();
    expect(t.supervisor.lifecycle.kind).toBe('stopped');
    expect(t.effects).not.toContain('adopt late (stopped)');
  });

  it('a manual restart drops the lists, then starts again from scratch', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.succeed();
    const restarted = t.supervisor.restart();
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'restarting', attempt: 0 });
    expect(t.effects.slice(-2)).toEqual(['drop restart', 'detach']);
    await flush();
    expect(t.supervisor.lifecycle.kind).toBe('starting');
    await t.succeed('lists 2');
    await restarted;
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    expect(t.states).toEqual(['starting', 'ready', 'restarting', 'starting', 'ready']);
    expect(t.messages('info')).toContain('server "s" restarting (requested)');
    expect(t.supervisor.restarts).toBe(0); // supervision did not restart it
  });

  it('stops an idle server (kept in the catalog) and starts it again for the next call, which waits up to connectMs', async () => {
    const t = supervised({ idleTimeoutMs: 1_000 });
    void t.supervisor.start();
    await t.succeed();
    t.clock.advance(999);
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    t.clock.advance(1);
    expect(t.supervisor.lifecycle).toEqual({ kind: 'idle' });
    expect(t.supervisor.serverState).toBe('stopped');
    expect(t.supervisor.servesLists).toBe(true);
    expect(t.effects.at(-1)).toBe('detach');
    expect(t.messages('info').at(-1)).toBe('server "s" stopped after 1 s without calls (idle); the next call starts it again');

    t.supervisor.beginCall();
    const ready = t.supervisor.awaitReady(undefined);
    expect(t.supervisor.lifecycle).toMatchObject({ kind: 'starting', waking: true });
    await t.succeed();
    await ready;
    expect(t.effects.at(-1)).toBe('announce lists wake');
    // A call in flight keeps it up however long it takes.
    t.clock.advance(5_000);
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    t.supervisor.endCall();
    // A standing use (a resource subscription) keeps it up too.
    t.setStanding(true);
    t.clock.advance(3_000);
    expect(t.supervisor.lifecycle.kind).toBe('ready');
    t.setStanding(false);
    t.clock.advance(1_000);
    expect(t.supervisor.lifecycle.kind).toBe('idle');

    // A wake that takes longer than connectMs gives up with a clear error.
    const waiting = t.supervisor.awaitReady(undefined).then(
      () => new Error('it did not give up'),
      (e: unknown) => e as Error,
    );
    t.clock.advance(2_000);
    expect((await waiting).message).toBe('Server "s" is starting (starting again after being idle); gave up after 2000 ms');
  });

  it('pings a ready server: an error answer proves it alive, a ping that fails restarts it, a busy server is not pinged', async () => {
    const t = supervised({ pingIntervalMs: 500 });
    void t.supervisor.start();
    expect(t.clock.pending).toBe(0); // no ping while starting
    await t.succeed();
    t.clock.advance(500);
    expect(t.pings).toHaveLength(1);
    t.pings[0]!.reject(new McpError(ErrorCode.MethodNotFound, 'no ping here'));
    await flush();
    expect(t.supervisor.lifecycle.kind).toBe('ready');

    t.supervisor.beginCall();
    t.clock.advance(500);
    expect(t.pings).toHaveLength(1); // a call in flight: skipped, re-armed
    t.supervisor.endCall();
    t.clock.advance(500);
    expect(t.pings).toHaveLength(2);
    t.pings[1]!.resolve();
    await flush();
    t.clock.advance(500);
    expect(t.pings).toHaveLength(3);
    t.pings[2]!.reject(new McpError(ErrorCode.RequestTimeout, 'Request timed out'));
    await flush();
    expect(t.supervisor.lifecycle.kind).toBe('restarting');
    expect(t.supervisor.error).toMatch(/^server "s" did not answer a ping within 500 ms: /);
  });

  it('never pings a link that has no ping (a 2026-07-28 server), however long it stays ready', async () => {
    const t = supervised({ pingIntervalMs: 500 });
    t.setPingable(false);
    void t.supervisor.start();
    await t.succeed();
    t.clock.advance(5_000);
    expect(t.pings).toHaveLength(0);
    expect(t.clock.pending).toBe(0);
    expect(t.supervisor.lifecycle.kind).toBe('ready');
  });

  it('a call waits for a restarting server (answered when ready, or refused after callWaitMs) and is refused at once by a failed one', async () => {
    const t = supervised();
    void t.supervisor.start();
    await t.succeed();
    t.crash();
    const waits = t.supervisor.awaitReady(undefined);
    t.clock.advance(100);
    await t.succeed();
    await waits;

    const gaveUp = supervised({ settings: { ...settings, callWaitMs: 50 } });
    void gaveUp.supervisor.start();
    await gaveUp.succeed();
    gaveUp.crash();
    const refused = gaveUp.supervisor.awaitReady(undefined).then(
      () => new Error('it did not give up') as Error & { data?: unknown },
      (e: unknown) => e as Error & { data?: unknown },
    );
    gaveUp.clock.advance(50);
    const error = await refused;
    expect(error.message).toBe('Server "s" is restarting (attempt 1, next try in 50 ms); gave up after 50 ms. Last error: server "s" closed the connection');
    expect(error.data).toMatchObject({ code: 'SWB_SERVER_UNAVAILABLE', server: 's', state: 'restarting', attempt: 1, waitedMs: 50 });

    const failed = supervised({ settings: { ...settings, maxFailures: 1 } });
    void failed.supervisor.start();
    await failed.fail();
    await expect(failed.supervisor.awaitReady(undefined)).rejects.toThrow(
      /^Server "s" is not available \(state: failed\): server "s" failed 1 time within 10 s/,
    );
  });

  it('a call waiting for the server ends when the client cancels it', async () => {
    const t = supervised();
    void t.supervisor.start();
    const abort = new AbortController();
    const waiting = t.supervisor.awaitReady(abort.signal);
    abort.abort(new Error('cancelled by the client'));
    await expect(waiting).rejects.toThrow('cancelled by the client');
  });

  it('a disabled server never starts', async () => {
    const t = supervised({ enabled: false });
    await t.supervisor.start();
    await t.supervisor.whenSettled();
    expect(t.supervisor.lifecycle).toEqual({ kind: 'disabled' });
    expect(t.supervisor.serverState).toBe('disabled');
    expect(t.opens).toHaveLength(0);
    await t.supervisor.stop();
    expect(t.supervisor.serverState).toBe('disabled');
  });

  describe('needs-auth', () => {
    const needsAuth = () => new SwitchboardError('SWB_NEEDS_AUTH', 'server "s" needs an OAuth login (not logged in); run: mcp-switchboard auth s');

    it('a start that needs a login waits for one: no retries, lists dropped, the error names the command', async () => {
      const t = supervised();
      const started = t.supervisor.start();
      await t.fail(needsAuth());
      await started;
      expect(t.supervisor.lifecycle).toEqual({ kind: 'needs-auth', error: expect.stringContaining('run: mcp-switchboard auth s') });
      expect(t.supervisor.serverState).toBe('needs-auth');
      expect(t.supervisor.error).toContain('mcp-switchboard auth s');
      expect(t.supervisor.nextRetryAt).toBeUndefined();
      expect(t.supervisor.servesLists).toBe(false);
      expect(t.effects).toEqual(['open', 'drop circuit', 'watch credentials', 'detach']);
      expect(t.states).toEqual(['starting', 'needs-auth']);
      // Time alone never brings it back (no backoff, no circuit).
      t.clock.advance(24 * 3600_000);
      await flush();
      expect(t.opens).toHaveLength(1);
      // Calls fail at once with the state and the command.
      await expect(t.supervisor.awaitReady(undefined)).rejects.toThrow(/state: needs-auth.*mcp-switchboard auth s/);
    });

    it('connects as soon as a login is stored, and stops watching', async () => {
      const t = supervised();
      const started = t.supervisor.start();
      await t.fail(needsAuth());
      await started;
      t.storeLogin();
      expect(t.supervisor.lifecycle).toMatchObject({ kind: 'starting' });
      expect(t.watchingCredentials).toBe(false);
      await t.succeed('lists-after-login');
      expect(t.supervisor.serverState).toBe('ready');
      expect(t.effects.slice(-4)).toEqual(['unwatch credentials', 'open', 'adopt lists-after-login (starting)', 'announce lists-after-login start']);
      expect(t.states).toEqual(['starting', 'needs-auth', 'starting', 'ready']);
    });

    it('a ready server whose login is refused goes to needs-auth, not to a restart', async () => {
      const t = supervised();
      const started = t.supervisor.start();
      await t.succeed();
      await started;
      t.supervisor.fault((t.supervisor.lifecycle as { run: number }).run, 'transport error', new Error('401', { cause: needsAuth() }));
      expect(t.supervisor.serverState).toBe('needs-auth');
      expect(t.supervisor.nextRetryAt).toBeUndefined();
      expect(t.watchingCredentials).toBe(true);
    });

    it('stop() ends the watch; a stored login then starts nothing', async () => {
      const t = supervised();
      const started = t.supervisor.start();
      await t.fail(needsAuth());
      await started;
      const storeLogin = t.storeLogin;
      await t.supervisor.stop();
      expect(t.watchingCredentials).toBe(false);
      storeLogin();
      t.supervisor.credentialsChanged();
      expect(t.opens).toHaveLength(1);
      expect(t.supervisor.serverState).toBe('stopped');
    });
  });
});
