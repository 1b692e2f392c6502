import { performance } from 'node:perf_hooks';
import type { BenchTarget } from './bench-target.js';
import type { PhaseSamples } from './measure-target.js';

/**
 * Every session is one caller keeping one call in flight; together they make `calls` calls. This is how many
 * separate clients load a server, as opposed to one client with many calls in flight.
 */
export async function runSessionsPhase(sessions: readonly BenchTarget[], calls: number, text: string): Promise<PhaseSamples> {
  const samples: PhaseSamples = { latenciesMs: [], wallMs: 0, errors: 0 };
  let issued = 0;
  const caller = async (session: BenchTarget): Promise<void> => {
    while (issued < calls) {
      issued++;
      const started = performance.now();
      try {
        await session.call(text);
        samples.latenciesMs.push(performance.now() - started);
      } catch (error) {
        samples.errors++;
        samples.firstError ??= (error as Error).message;
      }
    }
  };
  const started = performance.now();
  await Promise.all(sessions.map(caller));
  samples.wallMs = performance.now() - started;
  return samples;
}
