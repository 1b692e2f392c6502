import { SwitchboardError, errorMessage, isSwitchboardError } from './errors.js';
import { runAsPlugin } from './plugin-scope.js';
import type { Clock } from './services.js';

/** A contribution together with the id of the plugin that made it (the host keeps the two together). */
export interface Contributed<T> {
  readonly pluginId: string;
  readonly contribution: T;
}

type AnyFunction = (...args: any[]) => unknown;

/** The names of a contribution's hooks (its methods, optional ones included). */
export type HookName<T> = { [K in keyof T]-?: NonNullable<T[K]> extends AnyFunction ? K : never }[keyof T] & string;
/** The arguments of hook `H` of `T`. */
export type HookArgs<T, H extends HookName<T>> = Parameters<Extract<NonNullable<T[H]>, AnyFunction>>;
/** What hook `H` of `T` returns, awaited. */
export type HookResult<T, H extends HookName<T>> = Awaited<ReturnType<Extract<NonNullable<T[H]>, AnyFunction>>>;

/**
 * A plugin's hook threw or rejected. It names the plugin and the hook, and keeps what was thrown as `cause`.
 * A `SwitchboardError` thrown on purpose keeps its author's code, message, fix and details; anything else
 * (a TypeError, a plain Error) is the plugin's bug: `SWB_PLUGIN_HOOK`, with the hook named in the message.
 */
export class PluginHookError extends SwitchboardError {
  readonly pluginId: string;
  readonly hook: string;

  constructor(pluginId: string, hook: string, cause: unknown) {
    const own = isSwitchboardError(cause) ? cause : undefined;
    super(own?.code ?? 'SWB_PLUGIN_HOOK', own?.message ?? `plugin "${pluginId}" failed in its ${hook}() hook: ${errorMessage(cause)}`, {
      cause,
      ...(own ? { fix: own.fix } : {}),
      details: { ...own?.details, plugin: pluginId, hook },
    });
    this.name = 'PluginHookError';
    this.pluginId = pluginId;
    this.hook = hook;
  }

  /** True when the plugin threw something other than a SwitchboardError: a bug, not a decision. */
  get isBug(): boolean {
    return !isSwitchboardError(this.cause);
  }
}

/** The outcome of one plugin's hook in `parallel()`, in plugin order. */
export type HookOutcome<R> =
  | { readonly status: 'fulfilled'; readonly pluginId: string; readonly value: R }
  | { readonly status: 'rejected'; readonly pluginId: string; readonly error: PluginHookError };

/**
 * Calls the hooks of one kind of contribution, always the same way, so that a failure names its plugin and hook
 * (as Rollup's PluginDriver does). Contributions without the hook are skipped. Every call goes through `call()`
 * or `callSync()`: whatever a hook throws or rejects with comes out as a {@link PluginHookError}.
 */
export class PluginDriver<T extends object> {
  readonly entries: readonly Contributed<T>[];
  readonly #timeoutMs: number | undefined;
  readonly #clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;

  /**
   * `timeoutMs`: how long an asynchronous hook may take before it counts as failed (a PluginHookError naming the
   * plugin and hook, SWB_PLUGIN_HOOK); the hook itself cannot be stopped, only no longer waited for. Unset: no
   * limit. `clock`: the timers it uses (default: real timers that do not keep the process alive).
   */
  constructor(entries: readonly Contributed<T>[], options: { timeoutMs?: number | undefined; clock?: Clock | undefined } = {}) {
    this.entries = entries;
    this.#timeoutMs = options.timeoutMs;
    this.#clock = options.clock ?? unrefTimers;
  }

  /** True when at least one contribution has the hook. */
  has(hook: HookName<T>): boolean {
    return this.entries.some((entry) => typeof entry.contribution[hook] === 'function');
  }

  /** Calls one contribution's hook (undefined when it has none); a failure becomes a PluginHookError. */
  async call<H extends HookName<T>>(entry: Contributed<T>, hook: H, ...args: HookArgs<T, H>): Promise<HookResult<T, H> | undefined> {
    try {
      return (await this.#limited(this.#invoke(entry, hook, args))) as HookResult<T, H> | undefined;
    } catch (error) {
      throw wrap(entry, hook, error);
    }
  }

  /**
   * `call()` without a turn of the microtask queue when the hook answers synchronously (per-call hooks, most of
   * which do): its value comes back at once and what it throws comes out as a PluginHookError at once; a promise
   * (or other thenable) is time-limited and wrapped as `call()` does.
   */
  callEither<H extends HookName<T>>(
    entry: Contributed<T>,
    hook: H,
    ...args: HookArgs<T, H>
  ): HookResult<T, H> | undefined | Promise<HookResult<T, H> | undefined> {
    let answer: unknown;
    try {
      answer = this.#invoke(entry, hook, args);
    } catch (error) {
      throw wrap(entry, hook, error);
    }
    if (!isThenable(answer)) return answer as HookResult<T, H> | undefined;
    return (this.#limited(Promise.resolve(answer)) as Promise<HookResult<T, H> | undefined>).catch((error: unknown) => {
      throw wrap(entry, hook, error);
    });
  }

  /** `call()` for hooks that answer synchronously (catalog filters, predicates). */
  callSync<H extends HookName<T>>(entry: Contributed<T>, hook: H, ...args: HookArgs<T, H>): ReturnType<Extract<NonNullable<T[H]>, AnyFunction>> | undefined {
    try {
      return this.#invoke(entry, hook, args) as ReturnType<Extract<NonNullable<T[H]>, AnyFunction>> | undefined;
    } catch (error) {
      throw wrap(entry, hook, error);
    }
  }

  /** Every contribution's hook, one after the other in order; the first failure stops the run (Rollup's hookSeq). */
  async sequential<H extends HookName<T>>(hook: H, ...args: HookArgs<T, H>): Promise<void> {
    for (const entry of this.entries) await this.call(entry, hook, ...args);
  }

  /**
   * Every contribution's synchronous hook in order, until one answers `stop` (e.g. a filter answering false);
   * returns that entry, or undefined when none did. A failure stops the run (Rollup's hookFirstSync).
   */
  firstSync<H extends HookName<T>>(hook: H, stop: (value: unknown) => boolean, ...args: HookArgs<T, H>): Contributed<T> | undefined {
    for (const entry of this.entries) {
      if (typeof entry.contribution[hook] !== 'function') continue;
      if (stop(this.callSync(entry, hook, ...args))) return entry;
    }
    return undefined;
  }

  /** Every contribution's hook at once; each outcome is reported, none stops the others (Rollup's hookParallel). */
  async parallel<H extends HookName<T>>(hook: H, ...args: HookArgs<T, H>): Promise<Array<HookOutcome<HookResult<T, H> | undefined>>> {
    return Promise.all(
      this.entries.map((entry) =>
        this.call(entry, hook, ...args).then(
          (value) => ({ status: 'fulfilled' as const, pluginId: entry.pluginId, value }),
          (error: PluginHookError) => ({ status: 'rejected' as const, pluginId: entry.pluginId, error }),
        ),
      ),
    );
  }

  /** A hook's answer, or a rejection once the time limit has passed first. */
  #limited(answer: unknown): unknown {
    const ms = this.#timeoutMs;
    if (ms === undefined || !(answer instanceof Promise)) return answer;
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => reject(new Error(`did not answer within ${ms} ms`)), ms);
      answer.then(
        (value) => {
          this.#clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.#clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #invoke(entry: Contributed<T>, hook: string, args: unknown[]): unknown {
    const fn = (entry.contribution as Record<string, unknown>)[hook];
    if (typeof fn !== 'function') return undefined;
    // In the plugin's scope: what the hook starts (timers, promises) is attributed to the plugin.
    return runAsPlugin(entry.pluginId, () => (fn as AnyFunction).apply(entry.contribution, args));
  }
}

const unrefTimers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function wrap(entry: Contributed<unknown>, hook: string, error: unknown): PluginHookError {
  // A hook that calls another plugin's hook: the innermost plugin keeps the blame.
  return error instanceof PluginHookError ? error : new PluginHookError(entry.pluginId, hook, error);
}

/**
 * Pairs bare contributions (tests, embedders) with a made-up id (`filter #1`), and keeps those that already
 * carry their plugin's id.
 */
export function withPluginIds<T extends object>(kind: string, items: ReadonlyArray<T | Contributed<T>>): Contributed<T>[] {
  return items.map((item, index) => (isContributed(item) ? item : { pluginId: `${kind} #${index + 1}`, contribution: item }));
}

function isContributed<T extends object>(item: T | Contributed<T>): item is Contributed<T> {
  return (
    typeof (item as Contributed<T>).pluginId === 'string' &&
    typeof (item as Contributed<T>).contribution === 'object' &&
    (item as Contributed<T>).contribution !== null
  );
}
