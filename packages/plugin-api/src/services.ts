import { createToken } from './tokens.js';
import type { SwitchboardConfig } from './config.js';
import type { SwitchboardEvent } from './events.js';

/** Structured, levelled logging. Every line goes to stderr or a log file, never to stdout. */
export interface Logger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `bindings` to every line (e.g. `{ plugin: 'my-plugin' }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** The loaded, validated and interpolated configuration. */
export interface ConfigService {
  /** The current configuration. */
  readonly current: SwitchboardConfig;
  /** The file it came from, if any. */
  readonly filepath: string | undefined;
  /** Called with the new configuration after a successful reload; returns an unsubscribe function. */
  onChange(listener: (config: SwitchboardConfig) => void): () => void;
}

/** Time, injectable so tests can control it. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Hooks into the process lifecycle. Stop hooks run newest-first, each with a timeout. */
export interface Lifecycle {
  onStart(hook: () => void | Promise<void>): void;
  onStop(hook: () => void | Promise<void>): void;
}

/** The event bus. Reporters receive every event; emitting never blocks or throws. */
export interface EventBus {
  emit(event: SwitchboardEvent): void;
  on(listener: (event: SwitchboardEvent) => void): () => void;
  /**
   * Whether an event of this type would reach anyone now. An emitter may skip building an event nobody receives
   * (the hub does for the two events of every call); a bus without it is taken to deliver everything.
   */
  wants?(type: SwitchboardEvent['type']): boolean;
}

/** Tokens of the services every plugin may depend on. */
export const coreServices = {
  logger: createToken<Logger>('core.logger'),
  config: createToken<ConfigService>('core.config'),
  clock: createToken<Clock>('core.clock'),
  lifecycle: createToken<Lifecycle>('core.lifecycle'),
  events: createToken<EventBus>('core.events'),
} as const;
