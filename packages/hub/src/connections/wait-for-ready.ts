import type { Clock } from '@mcp-switchboard/plugin-api';
import type { NamedTimers } from './supervision.js';

/** One wait of `Supervisor.awaitReady`; the supervisor says what each state means. */
export interface ReadyWait {
  /** The supervisor's listeners, called on every state it enters. */
  readonly listeners: Set<() => void>;
  readonly timers: Pick<NamedTimers<string>, 'once'>;
  readonly clock: Clock;
  /** How long to wait, in ms. */
  readonly budget: number;
  /** On each state change: 'ready', the error to fail with, or undefined to go on waiting. */
  outcome(): 'ready' | Error | undefined;
  /** The error when the budget is spent. */
  timedOut(): unknown;
}

/** Resolves when the supervisor is ready; rejects on its error, at the end of the budget, or when `signal` aborts. */
export function waitForReady(wait: ReadyWait, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let timer: unknown;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      wait.listeners.delete(check);
      if (timer !== undefined) wait.clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = () => {
      const outcome = wait.outcome();
      if (outcome === 'ready') finish();
      else if (outcome !== undefined) finish(outcome);
    };
    const onAbort = () => finish(signal?.reason ?? new Error('cancelled by the client'));
    wait.listeners.add(check);
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = wait.timers.once(wait.budget, () => finish(wait.timedOut()));
  });
}
