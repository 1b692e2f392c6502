import { SwitchboardAggregateError, type SwitchboardError } from '@mcp-switchboard/plugin-api';

/**
 * Throws the problems found: one error as itself, several as one SwitchboardAggregateError so a person sees
 * every problem in one run instead of fixing them one restart at a time.
 */
export function throwCollected(errors: readonly SwitchboardError[], summary: (count: number) => string): void {
  if (errors.length === 0) return;
  if (errors.length === 1) throw errors[0];
  throw new SwitchboardAggregateError([...errors], summary(errors.length));
}
