import type { SwitchboardEvent } from '@mcp-switchboard/plugin-api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Server states a gauge is kept for (one series each, 1 for the current state). */
export const serverStates = ['new', 'starting', 'ready', 'restarting', 'idle', 'failed', 'needs-auth', 'stopped', 'disabled'] as const;

/** The metrics of one proxy, fed by its events. Label values are names from the catalog, never arguments. */
export class SwitchboardMetrics {
  private readonly calls: Counter<'server' | 'kind' | 'item' | 'exposed' | 'outcome'>;
  private readonly duration: Histogram<'server' | 'kind' | 'item' | 'exposed'>;
  private readonly inFlight: Gauge<'server'>;
  private readonly refused: Counter<'server' | 'kind' | 'item' | 'exposed' | 'plugin' | 'code'>;
  private readonly unknown: Counter<'kind'>;
  private readonly dropped: Counter;
  private readonly state: Gauge<'server' | 'state'>;
  private readonly catalog: Gauge<'kind'>;
  private readonly restarts: Counter<'server'>;

  constructor(registry: Registry, prefix: string, buckets: readonly number[]) {
    const registers = [registry];
    this.calls = new Counter({
      name: `${prefix}calls_total`,
      help: 'Tool calls, prompt gets and resource reads that finished, by outcome.',
      labelNames: ['server', 'kind', 'item', 'exposed', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: `${prefix}call_duration_seconds`,
      help: 'How long calls took, from the router to the answer.',
      labelNames: ['server', 'kind', 'item', 'exposed'],
      buckets: [...buckets],
      registers,
    });
    this.inFlight = new Gauge({ name: `${prefix}calls_in_flight`, help: 'Calls started and not finished yet.', labelNames: ['server'], registers });
    this.refused = new Counter({
      name: `${prefix}calls_refused_total`,
      help: 'Calls a plugin refused before they were forwarded.',
      labelNames: ['server', 'kind', 'item', 'exposed', 'plugin', 'code'],
      registers,
    });
    this.unknown = new Counter({ name: `${prefix}calls_unknown_total`, help: 'Calls for a name that is not in the catalog.', labelNames: ['kind'], registers });
    this.dropped = new Counter({ name: `${prefix}events_dropped_total`, help: "Events dropped from this reporter's queue because it fell behind.", registers });
    this.state = new Gauge({
      name: `${prefix}server_state`,
      help: 'The state of each downstream server: 1 for its current state, 0 for the others.',
      labelNames: ['server', 'state'],
      registers,
    });
    this.catalog = new Gauge({ name: `${prefix}catalog_items`, help: 'Items in the exposed catalog.', labelNames: ['kind'], registers });
    this.restarts = new Counter({ name: `${prefix}server_restarts_total`, help: 'Times a server went into restarting.', labelNames: ['server'], registers });
  }

  record(event: SwitchboardEvent): void {
    switch (event.type) {
      case 'call.started':
        this.inFlight.inc({ server: event.server.id });
        return;
      case 'call.finished': {
        const labels = { server: event.server.id, kind: event.kind, item: event.item, exposed: event.exposedName ?? event.item };
        this.inFlight.dec({ server: event.server.id });
        this.calls.inc({ ...labels, outcome: event.success ? 'success' : 'error' });
        this.duration.observe(labels, event.durationMs / 1000);
        return;
      }
      case 'call.refused':
        this.refused.inc({
          server: event.server?.id ?? '',
          kind: event.kind,
          item: event.item,
          exposed: event.exposedName,
          plugin: event.plugin,
          code: event.code,
        });
        return;
      case 'call.unknown':
        this.unknown.inc({ kind: event.kind });
        return;
      case 'events.dropped':
        this.dropped.inc(event.dropped);
        return;
      case 'server.state':
        for (const state of serverStates) this.state.set({ server: event.server.id, state }, state === event.state ? 1 : 0);
        if (event.state === 'restarting') this.restarts.inc({ server: event.server.id });
        return;
      case 'catalog.changed':
        this.catalog.set({ kind: 'tools' }, event.tools);
        this.catalog.set({ kind: 'prompts' }, event.prompts);
        this.catalog.set({ kind: 'resources' }, event.resources);
        return;
      default:
        // Other and future event types carry nothing to count.
        return;
    }
  }
}
