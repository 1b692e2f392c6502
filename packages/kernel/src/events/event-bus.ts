import { PluginHookError, coreServices, type EventBus, type Logger, type SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { inject, injectable } from '../di.js';
import { kernelTokens } from '../tokens.js';
import { BoundedQueue } from './bounded-queue.js';

type Handler = (event: SwitchboardEvent) => void | Promise<void>;

/** One receiver with its own queue, so a slow or broken one never holds up the others or the emitter. */
class Subscriber {
  readonly queue: BoundedQueue<SwitchboardEvent>;
  running = false;
  closed = false;
  dropped = 0;
  /** Dropped since the receiver was last told (an `events.dropped` event goes to it before its next event). */
  unreported = 0;
  burstDrops = 0;
  errors = 0;
  errorStreak = 0;
  idleWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly handler: Handler,
    capacity: number,
    /** The event types it receives; undefined: every event. */
    readonly types: ReadonlySet<string> | undefined,
  ) {
    this.queue = new BoundedQueue(capacity);
  }
}

export interface Subscription {
  unsubscribe(): void;
  /** Resolves once this receiver has handled everything queued so far. */
  idle(): Promise<void>;
}

export interface SubscriberStats {
  name: string;
  queued: number;
  dropped: number;
  errors: number;
}

/**
 * The EventBus. `emit` is synchronous and O(receivers): it only appends to each receiver's bounded queue; the
 * queues drain on later turns of the event loop. On overflow the oldest event is dropped and counted, with one
 * warning per burst; a receiver's errors are logged with its name and never reach the emitter.
 */
@injectable()
export class KernelEventBus implements EventBus {
  readonly #subscribers = new Set<Subscriber>();
  #closed = false;
  #listeners = 0;

  constructor(
    @inject(coreServices.logger.id) private readonly logger: Logger,
    @inject(kernelTokens.eventQueueSize) private readonly capacity: number,
  ) {}

  emit(event: SwitchboardEvent): void {
    if (this.#closed) return;
    for (const subscriber of this.#subscribers) {
      if (subscriber.types && !subscriber.types.has(event.type)) continue;
      if (subscriber.queue.push(event)) this.#onDrop(subscriber);
      if (!subscriber.running) this.#schedule(subscriber);
    }
  }

  wants(type: SwitchboardEvent['type']): boolean {
    for (const subscriber of this.#subscribers) if (!subscriber.types || subscriber.types.has(type)) return true;
    return false;
  }

  on(listener: (event: SwitchboardEvent) => void): () => void {
    return this.subscribe(`event listener #${++this.#listeners}`, listener).unsubscribe;
  }

  /**
   * Adds a named receiver (e.g. `reporter "my-plugin"`, used in log lines). A receiver that names the event `types`
   * it wants costs the others nothing for the rest: two events go by on every call, and each queued one costs a
   * turn of the event loop.
   */
  subscribe(name: string, handler: Handler, types?: ReadonlyArray<SwitchboardEvent['type']>): Subscription {
    const subscriber = new Subscriber(name, handler, this.capacity, types ? new Set(types) : undefined);
    this.#subscribers.add(subscriber);
    return { unsubscribe: () => this.#remove(subscriber), idle: () => this.#idle(subscriber) };
  }

  /** Resolves once every receiver has handled what was queued so far. */
  idle(): Promise<void> {
    return Promise.all([...this.#subscribers].map((s) => this.#idle(s))).then(() => undefined);
  }

  #idle(subscriber: Subscriber): Promise<void> {
    if (!subscriber.running && subscriber.queue.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => subscriber.idleWaiters.push(resolve));
  }

  stats(): SubscriberStats[] {
    return [...this.#subscribers].map((s) => ({ name: s.name, queued: s.queue.size, dropped: s.dropped, errors: s.errors }));
  }

  /** Stops delivery: later events are ignored and queued ones discarded. */
  close(): void {
    this.#closed = true;
    for (const subscriber of [...this.#subscribers]) this.#remove(subscriber);
  }

  #remove(subscriber: Subscriber): void {
    subscriber.closed = true;
    subscriber.queue.clear();
    this.#subscribers.delete(subscriber);
    this.#settleIdle(subscriber);
  }

  #onDrop(subscriber: Subscriber): void {
    subscriber.dropped++;
    subscriber.unreported++;
    if (subscriber.burstDrops++ === 0) {
      this.logger.warn(`${subscriber.name} is falling behind; dropping its oldest events`, { receiver: subscriber.name, queueSize: this.capacity });
    }
  }

  #schedule(subscriber: Subscriber): void {
    subscriber.running = true;
    // setImmediate, not a microtask: the emitter's own work (a tool call) finishes before any reporter runs.
    setImmediate(() => void this.#drain(subscriber));
  }

  async #drain(subscriber: Subscriber): Promise<void> {
    for (let event = this.#next(subscriber); event !== undefined && !subscriber.closed; event = this.#next(subscriber)) {
      try {
        // Awaited only when it is a promise: a receiver that answers at once costs no turn of the microtask queue.
        const handled = subscriber.handler(event);
        if (handled !== undefined) await handled;
        subscriber.errorStreak = 0;
      } catch (error) {
        subscriber.errors++;
        // A receiver failing on every event must not flood the log: the first few, then every hundredth.
        if (subscriber.errorStreak++ < 3 || subscriber.errorStreak % 100 === 0) {
          // A plugin's hook (a reporter's onEvent): its id and hook as fields, what it threw (with its stack) as err.
          const hook = error instanceof PluginHookError ? { plugin: error.pluginId, hook: error.hook, err: error.cause } : { err: error };
          this.logger.error(`${subscriber.name} failed on a ${event.type} event`, { receiver: subscriber.name, failures: subscriber.errors, ...hook });
        }
      }
    }
    subscriber.running = false;
    if (subscriber.burstDrops > 0) {
      this.logger.warn(`${subscriber.name} caught up after dropping ${subscriber.burstDrops} events`, {
        receiver: subscriber.name,
        dropped: subscriber.burstDrops,
      });
      subscriber.burstDrops = 0;
    }
    this.#settleIdle(subscriber);
  }

  /** The receiver's next event: first, if it lost some, an `events.dropped` telling it how many. */
  #next(subscriber: Subscriber): SwitchboardEvent | undefined {
    if (subscriber.unreported > 0 && subscriber.queue.size > 0) {
      const dropped = subscriber.unreported;
      subscriber.unreported = 0;
      return { type: 'events.dropped', dropped, total: subscriber.dropped, at: Date.now() };
    }
    return subscriber.queue.shift();
  }

  #settleIdle(subscriber: Subscriber): void {
    for (const resolve of subscriber.idleWaiters.splice(0)) resolve();
  }
}
