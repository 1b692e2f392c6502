import { performance } from 'node:perf_hooks';
import type { BenchTarget } from './bench-target.js';

/** The raw outcome of one measured phase of one round. */
export interface PhaseSamples {
  latenciesMs: number[];
  wallMs: number;
  errors: number;
  /** The first failure's message, so a broken run says why. */
  firstError?: string;
}

/**
 * `concurrency` callers share `calls` calls, each keeping one call in flight; a concurrency of 1 is the
 * sequential phase, where each latency is one round trip with nothing else in flight.
 */
export async function runPhase(target: BenchTarget, calls: number, concurrency: number, text: string): Promise<PhaseSamples> {
  const samples: PhaseSamples = { latenciesMs: [], wallMs: 0, errors: 0 };
  let issued = 0;
  const caller = async (): Promise<void> => {
    while (issued < calls) {
      issued++;
      const started = performance.now();
      try {
        await target.call(text);
        samples.latenciesMs.push(performance.now() - started);
      } catch (error) {
        samples.errors++;
        samples.firstError ??= (error as Error).message;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, calls)) }, caller));
  samples.wallMs = performance.now() - started;
  return samples;
}

/**
 * Un-measured calls, one at a time and then concurrently: JIT, buffers and the proxy's routes are hot for
 * both phases before any clock starts. A failure here fails the run (nothing is measured on a broken target).
 */
export async function warmUp(target: BenchTarget, calls: number, concurrency: number, text: string): Promise<void> {
  for (const samples of [await runPhase(target, calls, 1, text), await runPhase(target, calls, concurrency, text)]) {
    if (samples.errors) throw new Error(`${target.label}: warm-up calls failed: ${samples.firstError}`);
  }
}
