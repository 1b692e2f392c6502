import type { DownstreamLink } from '@mcp-switchboard/plugin-api';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { redact } from '../util/redact.js';
import { classifyProbe, modernRequestMeta, probeOverTransport, readDiscover, type EraMemory, type EraVerdict, type ProbeOutcome } from './era-probe.js';
import { probeOverHttp } from './http-probe.js';
import type { LinkOpenerOptions } from './link-opener.js';

/** How long a stdio server gets to answer the era probe before it counts as a 2025-era server that stays silent. */
export const ERA_PROBE_MAX_MS = 5_000;

/** Probes one server's era (see EraMemory) for its LinkOpener, and remembers a verdict. */
export class EraProber {
  private readonly id: string;

  constructor(
    private readonly options: Pick<LinkOpenerOptions, 'definition' | 'connectMs' | 'clientInfo' | 'logger' | 'clock'>,
    private readonly era: EraMemory,
    private readonly capabilities: Record<string, unknown>,
  ) {
    this.id = options.definition.id;
  }

  /**
   * The stdio era probe (spec: transports/stdio, backward compatibility): `server/discover` before anything else.
   * A server that exits on it is a 2025-era server that tolerates nothing before initialize: it is started again
   * for initialize, and the verdict is remembered so it is never probed again.
   */
  async probeStdio(link: DownstreamLink, connect: () => Promise<DownstreamLink>, signal: AbortSignal): Promise<DownstreamLink> {
    let outcome: ProbeOutcome;
    try {
      await startOnce(link.transport);
      const meta = modernRequestMeta(this.options.clientInfo, this.capabilities);
      outcome = await probeOverTransport(link.transport, meta, { timeoutMs: this.probeMs(), clock: this.options.clock }, signal);
    } catch (error) {
      await link.transport.close().catch(() => undefined);
      throw error;
    }
    const classified = classifyProbe(outcome);
    if (classified.kind === 'no-verdict') return link;
    const discover = outcome.kind === 'result' ? readDiscover(outcome.result) : undefined;
    this.era.remember(classified.verdict, discover);
    this.options.logger.info(`server "${this.id}" speaks ${describeEra(classified.verdict)}`, { server: this.id, era: classified.verdict });
    if (outcome.kind !== 'closed') return link;
    this.options.logger.info(`server "${this.id}" exited on the era probe; starting it again for initialize (it will not be probed again)`, {
      server: this.id,
    });
    await link.transport.close().catch(() => undefined);
    return connect();
  }

  /** How long the era probe waits: a third of the connect budget, at most ERA_PROBE_MAX_MS. */
  private probeMs(): number {
    return Math.min(ERA_PROBE_MAX_MS, Math.max(1, Math.floor(this.options.connectMs / 3)));
  }

  /** The Streamable HTTP era probe; a verdict is remembered, an auth error, a 5xx or no answer is not. */
  async probeHttp(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
    const meta = modernRequestMeta(this.options.clientInfo, this.capabilities);
    const outcome = await probeOverHttp(url, headers, meta, this.probeMs(), signal);
    const classified = outcome.kind === 'unreachable' ? { kind: 'no-verdict' as const, reason: outcome.reason } : classifyProbe(outcome);
    if (classified.kind === 'no-verdict') {
      this.options.logger.debug(
        `server "${this.id}": the era probe gave no verdict (${redact(classified.reason, this.options.definition)}); using initialize`,
        {
          server: this.id,
        },
      );
      return;
    }
    const discover = outcome.kind === 'result' ? readDiscover(outcome.result) : undefined;
    this.era.remember(classified.verdict, discover);
    this.options.logger.info(`server "${this.id}" speaks ${describeEra(classified.verdict)}`, { server: this.id, era: classified.verdict });
  }
}

/** How the status names an era. */
export function describeEra(verdict: EraVerdict): string {
  return verdict.era === 'modern' ? `MCP ${verdict.version} (no initialize)` : 'MCP 2025-era (initialize)';
}

/**
 * Starts a transport now (for the era probe) and makes its later `start()` a no-op: the SDK client starts the
 * transport it connects to, and a stdio transport may be started only once.
 */
function startOnce(transport: Transport): Promise<void> {
  const started = transport.start();
  transport.start = () => started;
  return started;
}
