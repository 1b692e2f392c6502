import { percentile, summarizeLatencies, type LatencySummary } from './latency-summary.js';
import type { PhaseSamples } from './measure-target.js';

/** One phase (sequential or concurrent) of one target, over every round. */
export interface PhaseResult {
  rounds: number;
  callsPerRound: number;
  concurrency: number;
  /** Every successful call of every round, pooled. */
  latency: LatencySummary;
  /** Median over rounds of successful calls per second of wall time. */
  callsPerSecond: number;
  callsPerSecondByRound: number[];
  errors: number;
  firstError?: string;
}

export function phaseResult(rounds: PhaseSamples[], callsPerRound: number, concurrency: number): PhaseResult {
  const perRound = rounds.map((round) => (round.latenciesMs.length / round.wallMs) * 1000);
  const firstError = rounds.find((round) => round.firstError)?.firstError;
  return {
    rounds: rounds.length,
    callsPerRound,
    concurrency,
    latency: summarizeLatencies(rounds.flatMap((round) => round.latenciesMs)),
    callsPerSecond: percentile(
      [...perRound].sort((a, b) => a - b),
      50,
    ),
    callsPerSecondByRound: perRound,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    ...(firstError ? { firstError } : {}),
  };
}
