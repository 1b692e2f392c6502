import { SwitchboardError, coreServices, errorMessage, type Clock, type Lifecycle, type Logger } from '@mcp-switchboard/plugin-api';
import { inject, injectable } from '../di.js';
import { runCleanup, type Owner } from './disposables.js';

type Hook = () => void | Promise<void>;
interface OwnedHook {
  owner: Owner;
  hook: Hook;
}

const kernelOwner: Owner = { id: 'kernel', source: 'host application' };

/**
 * The Lifecycle service. Each plugin gets a view that records it as the owner of its hooks, so a failing hook
 * is reported with the plugin's name. Start hooks run in order after setup; stop hooks newest-first.
 */
@injectable()
export class KernelLifecycle implements Lifecycle {
  readonly #startHooks: OwnedHook[] = [];
  #stopHooks: OwnedHook[] = [];
  #started = false;
  #stopped = false;

  constructor(
    @inject(coreServices.logger.id) private readonly logger: Logger,
    @inject(coreServices.clock.id) private readonly clock: Clock,
  ) {}

  onStart(hook: Hook): void {
    this.#addStart(kernelOwner, hook);
  }

  onStop(hook: Hook): void {
    this.#addStop(kernelOwner, hook);
  }

  /** The view a plugin receives as `coreServices.lifecycle`. */
  forPlugin(owner: Owner): Lifecycle {
    return { onStart: (hook) => this.#addStart(owner, hook), onStop: (hook) => this.#addStop(owner, hook) };
  }

  #addStart(owner: Owner, hook: Hook): void {
    if (!this.#started) return void this.#startHooks.push({ owner, hook });
    // Already started: run it now rather than never.
    Promise.resolve()
      .then(hook)
      .catch((error: unknown) => this.logger.error('a start hook registered after start failed', { plugin: owner.id, err: error }));
  }

  #addStop(owner: Owner, hook: Hook): void {
    if (this.#stopped) {
      this.logger.warn('a stop hook was registered after stop; it will not run', { plugin: owner.id });
      return;
    }
    this.#stopHooks.push({ owner, hook });
  }

  /** Runs start hooks in registration order; the first failure is thrown as SWB_PLUGIN_SETUP naming its plugin. */
  async runStart(): Promise<void> {
    this.#started = true;
    for (const { owner, hook } of this.#startHooks.splice(0)) {
      try {
        await hook();
      } catch (cause) {
        const reason = errorMessage(cause);
        throw new SwitchboardError('SWB_PLUGIN_SETUP', `plugin "${owner.id}" (${owner.source}) failed in its start hook: ${reason}`, {
          cause,
          details: { plugin: owner.id, source: owner.source },
        });
      }
    }
  }

  /** Runs stop hooks newest-first, each with a timeout; returns the failures. */
  async runStop(timeoutMs: number): Promise<SwitchboardError[]> {
    this.#stopped = true;
    const hooks = this.#stopHooks.reverse();
    this.#stopHooks = [];
    const errors: SwitchboardError[] = [];
    for (const { owner, hook } of hooks) {
      const error = await runCleanup({ owner, what: 'stop hook', run: hook }, timeoutMs, this.clock);
      if (error) errors.push(error);
    }
    return errors;
  }
}
