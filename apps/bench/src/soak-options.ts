import { parseArgs } from 'node:util';
import { integerOption } from './integer-option.js';

export interface SoakOptions {
  /** Tool calls in total, spread over the callers. */
  calls: number;
  /** The fault fixture exits after this many calls (FAULT_CRASH_AFTER_CALLS); the proxy restarts it. */
  crashEvery: number;
  /** Concurrent callers, each with one call in flight. */
  concurrency: number;
  /** A call without an answer after this long is a hang, and fails the run. */
  deadlineMs: number;
  /** Calls before the RSS baseline is taken (the proxy's heap grows to its working size first). */
  warmupCalls: number;
  /** Allowed proxy RSS growth from the post-warm-up sample to the end, in MiB. */
  rssLimitMb: number;
  /** How often the proxy's RSS and open file descriptors are sampled, in ms. */
  sampleMs: number;
  proxyCli?: string;
  json?: string;
  help: boolean;
}

export const soakUsage = `Usage: npm run bench -- soak [options]
       node apps/bench/dist/index.js soak [options]

Tool calls through the proxy (stdio) to the fault fixture, which crashes every --crash-every calls and is
restarted by the proxy. Fails (exit 1) on a hang, a leaked process, an error that does not name the server,
more errors than calls in flight at the crashes, or proxy memory that keeps growing.

Options:
  --calls N          tool calls in total (default 100000)
  --crash-every N    the server exits after every N calls it answers (default 1000)
  --concurrency N    concurrent callers, one call in flight each (default 4)
  --deadline-ms N    a call unanswered after N ms is a hang (default 30000)
  --warmup-calls N   calls before the RSS baseline (default: a tenth of --calls, at most 5000)
  --rss-limit-mb N   allowed RSS growth after the warm-up, MiB (default 50)
  --sample-ms N      RSS / file-descriptor sampling interval (default 500)
  --proxy-cli FILE   proxy CLI to run (default: mcp-switchboard's dist/cli.js)
  --json FILE        also write the results as JSON to FILE
  -h, --help         show this help`;

/** Parses the soak's flags (after the `soak` word); unknown flags and malformed numbers are errors. */
export function parseSoakOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      calls: { type: 'string' },
      'crash-every': { type: 'string' },
      concurrency: { type: 'string' },
      'deadline-ms': { type: 'string' },
      'warmup-calls': { type: 'string' },
      'rss-limit-mb': { type: 'string' },
      'sample-ms': { type: 'string' },
      'proxy-cli': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const calls = integerOption('calls', values.calls, 100_000);
  const warmupCalls = integerOption('warmup-calls', values['warmup-calls'], Math.min(5000, Math.floor(calls / 10)), 0);
  if (warmupCalls >= calls) throw new Error(`--warmup-calls (${warmupCalls}) must be below --calls (${calls})`);
  return {
    calls,
    crashEvery: integerOption('crash-every', values['crash-every'], 1000),
    concurrency: integerOption('concurrency', values.concurrency, 4),
    deadlineMs: integerOption('deadline-ms', values['deadline-ms'], 30_000),
    warmupCalls,
    rssLimitMb: integerOption('rss-limit-mb', values['rss-limit-mb'], 50),
    sampleMs: integerOption('sample-ms', values['sample-ms'], 500, 10),
    ...(values['proxy-cli'] !== undefined ? { proxyCli: values['proxy-cli'] } : {}),
    ...(values.json !== undefined ? { json: values.json } : {}),
    help: values.help ?? false,
  };
}
