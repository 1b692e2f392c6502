import type { Clock } from '@mcp-switchboard/plugin-api';

export type Outcome = { status: 'ok'; value: unknown } | { status: 'failed'; error: unknown } | { status: 'timed-out' };

/**
 * Runs a step of a plugin (a setup, a clean-up), giving up after `ms`. The step keeps running in the background
 * when it hangs; we only stop waiting, so one stuck plugin cannot hold start-up or stop forever.
 */
export function runWithTimeout(step: () => unknown, ms: number, clock: Clock): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const timer = clock.setTimeout(() => resolve({ status: 'timed-out' }), ms);
    const settle = (outcome: Outcome) => {
      clock.clearTimeout(timer);
      resolve(outcome);
    };
    try {
      Promise.resolve(step()).then(
        (value: unknown) => settle({ status: 'ok', value }),
        (error: unknown) => settle({ status: 'failed', error }),
      );
    } catch (error) {
      settle({ status: 'failed', error });
    }
  });
}
