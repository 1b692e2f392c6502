import { PluginHookError, SwitchboardError, errorMessage, type Clock } from '@mcp-switchboard/plugin-api';
import { runWithTimeout } from './with-timeout.js';

/** Who a clean-up step belongs to, for messages. */
export interface Owner {
  id: string;
  source: string;
}

export interface CleanupStep {
  owner: Owner;
  /** What is being done, e.g. `dispose`, `stop hook`, `flush`. */
  what: string;
  run: () => unknown;
}

/** Runs one clean-up step with a timeout; returns the SWB_PLUGIN_DISPOSE error when it failed or hung. */
export async function runCleanup(step: CleanupStep, timeoutMs: number, clock: Clock): Promise<SwitchboardError | undefined> {
  const outcome = await runWithTimeout(step.run, timeoutMs, clock);
  if (outcome.status === 'ok') return undefined;
  const name = `plugin "${step.owner.id}" (${step.owner.source})`;
  const details = { plugin: step.owner.id, source: step.owner.source, step: step.what };
  if (outcome.status === 'timed-out') {
    return new SwitchboardError('SWB_PLUGIN_DISPOSE', `${name}: ${step.what} did not finish within ${timeoutMs} ms; stopped waiting for it`, { details });
  }
  // A hook called through the driver already names the plugin: the message says it once, the cause keeps the stack.
  const cause = outcome.error instanceof PluginHookError ? outcome.error.cause : outcome.error;
  return new SwitchboardError('SWB_PLUGIN_DISPOSE', `${name}: ${step.what} failed: ${errorMessage(cause)}`, { cause, details });
}

/**
 * What must be disposed on stop, newest first. The kernel owns disposal because tsyringe's own dispose() is
 * unordered and skips factories. Errors are collected, never thrown: every step gets its chance.
 */
export class DisposableRegistry {
  #steps: CleanupStep[] = [];

  add(step: CleanupStep): void {
    this.#steps.push(step);
  }

  get size(): number {
    return this.#steps.length;
  }

  async disposeAll(timeoutMs: number, clock: Clock): Promise<SwitchboardError[]> {
    const steps = this.#steps.reverse();
    this.#steps = [];
    const errors: SwitchboardError[] = [];
    for (const step of steps) {
      const error = await runCleanup(step, timeoutMs, clock);
      if (error) errors.push(error);
    }
    return errors;
  }
}
