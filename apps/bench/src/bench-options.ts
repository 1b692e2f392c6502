import { parseArgs } from 'node:util';
import { integerOption } from './integer-option.js';

export type TargetName = 'direct' | 'proxy';

export interface BenchOptions {
  /** Sequential calls measured per target (after the warm-up). */
  calls: number;
  /** Calls spread over the concurrent callers, per target. */
  concurrentCalls: number;
  /** Concurrent callers, each with at most one call in flight. */
  concurrency: number;
  warmup: number;
  /** Rounds of both phases, targets alternating; latencies are pooled, throughput is the median round. */
  rounds: number;
  /** Bytes of text sent to `echo` (and echoed back) by every call. */
  payloadBytes: number;
  targets: TargetName[];
  /** Another build of the proxy CLI to measure (it must take `--config FILE --log-level warn`). */
  proxyCli?: string;
  json?: string;
  help: boolean;
}

export const benchUsage = `Usage: npm run bench -- [options]
       node apps/bench/dist/index.js [options]
       npm run bench -- soak [options]    (crash-and-restart soak; see: npm run bench -- soak --help)

Measures the echo fixture's \`echo\` tool directly and through the proxy (\`echo__echo\`), in one run.

Options:
  --calls N             sequential calls per target and round (default 2000)
  --concurrent-calls N  concurrent-phase calls per target and round (default 5000)
  --concurrency N       concurrent callers (default 64)
  --warmup N            warm-up calls per target, sequential then concurrent, not measured (default 200)
  --rounds N            rounds of both phases, targets alternating (default 3)
  --payload-bytes N     size of the echoed text (default 256)
  --only direct|proxy   measure one target only (no ratios)
  --proxy-cli FILE      proxy CLI to run (default: mcp-switchboard's dist/cli.js)
  --json FILE           also write the results as JSON to FILE
  -h, --help            show this help`;

/** Parses the bench's flags; unknown flags and malformed numbers are errors, not defaults. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      calls: { type: 'string' },
      'concurrent-calls': { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      'payload-bytes': { type: 'string' },
      only: { type: 'string' },
      'proxy-cli': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const only = values.only;
  if (only !== undefined && only !== 'direct' && only !== 'proxy') {
    throw new Error(`--only must be "direct" or "proxy", got "${only}"`);
  }
  return {
    calls: integerOption('calls', values.calls, 2000),
    concurrentCalls: integerOption('concurrent-calls', values['concurrent-calls'], 5000),
    concurrency: integerOption('concurrency', values.concurrency, 64),
    warmup: integerOption('warmup', values.warmup, 200, 0),
    rounds: integerOption('rounds', values.rounds, 3),
    payloadBytes: integerOption('payload-bytes', values['payload-bytes'], 256, 0),
    targets: only ? [only] : ['direct', 'proxy'],
    ...(values['proxy-cli'] !== undefined ? { proxyCli: values['proxy-cli'] } : {}),
    ...(values.json !== undefined ? { json: values.json } : {}),
    help: values.help ?? false,
  };
}
