import { parseArgs } from 'node:util';
import { integerOption } from './integer-option.js';

export type TargetName = 'direct' | 'relay' | 'messages' | 'proxy';
export const targetNames: readonly TargetName[] = ['direct', 'relay', 'messages', 'proxy'];

/** The rows of the bench, each measured against its own reference in the same run. */
export type RowName = 'echo' | 'http' | 'startup' | 'rss' | 'list' | 'replicas';
export const rowNames: readonly RowName[] = ['echo', 'http', 'startup', 'rss', 'list', 'replicas'];

export interface BenchOptions {
  /** Sequential calls measured per target (after the warm-up). */
  calls: number;
  /** Calls spread over the concurrent callers, per target. */
  concurrentCalls: number;
  /** Concurrent callers, each with at most one call in flight (also the sessions of the HTTP row). */
  concurrency: number;
  warmup: number;
  /** Rounds of both phases, targets alternating; latencies are pooled, throughput is the median round. */
  rounds: number;
  /** Bytes of text sent to `echo` (and echoed back) by every call. */
  payloadBytes: number;
  /** Echo targets: direct, the byte relay, the message relay, the proxy. */
  targets: TargetName[];
  rows: RowName[];
  /** Calls per side and round in the HTTP row (HTTP calls are slower: fewer than the stdio rows). */
  httpCalls: number;
  /** Start-ups measured per side (proxy and bare SDK server alternate). */
  startups: number;
  /** `tools/list` runs per side (proxy and reference alternate). */
  lists: number;
  /** Also measure the optional peers (mcp-hub), installing them on demand. */
  peers: boolean;
  quick: boolean;
  /** Another build of the proxy CLI to measure (it must take `--config FILE --log-level warn`). */
  proxyCli?: string;
  json?: string;
  help: boolean;
}

export const benchUsage = `Usage: npm run bench -- [options]
       node apps/bench/dist/index.js [options]
       npm run bench -- soak [options]    (crash-and-restart soak; see: npm run bench -- soak --help)

Rows, each a ratio against a reference measured in the same run:
  echo     the echo tool over stdio: direct, through a byte relay (the floor), through the proxy
  http     32 sessions through the HTTP front door vs an SDK Streamable HTTP server
  startup  time to the initialize answer vs a bare SDK server
  rss      proxy memory with 10 stdio servers, idle after listing
  list     tools/list of 5,000 tools (10 x 500) vs one server holding all 5,000
  replicas 16 HTTP sessions on 2 replicas behind HAProxy vs 1 replica direct (skipped without haproxy)

Options:
  --rows a,b,...        rows to run (default: all; with --only: echo)
  --quick               few calls and repetitions: checks every row works, numbers are rough
  --peers               also measure mcp-hub (npm, 4.x; installed on demand into apps/bench/.peers)
  --calls N             sequential calls per target and round (default 2000)
  --concurrent-calls N  concurrent-phase calls per target and round (default 5000)
  --concurrency N       concurrent callers, and sessions of the HTTP row (default 32)
  --warmup N            warm-up calls per target, sequential then concurrent, not measured (default 200)
  --rounds N            rounds of both phases, targets alternating (default 3)
  --payload-bytes N     size of the echoed text (default 256)
  --http-calls N        calls per side and round in the http row (default 1000)
  --startups N          start-ups per side in the startup row (default 15)
  --lists N             tools/list runs per side in the list row (default 15)
  --only direct|relay|messages|proxy  measure one echo target only (no ratios)
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
      'http-calls': { type: 'string' },
      startups: { type: 'string' },
      lists: { type: 'string' },
      rows: { type: 'string' },
      quick: { type: 'boolean' },
      peers: { type: 'boolean' },
      only: { type: 'string' },
      'proxy-cli': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const only = values.only;
  if (only !== undefined && !targetNames.includes(only as TargetName)) {
    throw new Error(`--only must be one of ${targetNames.join(', ')}, got "${only}"`);
  }
  const rows = values.rows === undefined ? (only ? ['echo'] : [...rowNames]) : values.rows.split(',').map((row) => row.trim());
  for (const row of rows) if (!rowNames.includes(row as RowName)) throw new Error(`--rows takes ${rowNames.join(', ')}; got "${row}"`);
  const quick = values.quick ?? false;
  const fallback = (full: number, short: number) => (quick ? short : full);
  return {
    calls: integerOption('calls', values.calls, fallback(2000, 100)),
    concurrentCalls: integerOption('concurrent-calls', values['concurrent-calls'], fallback(5000, 320)),
    concurrency: integerOption('concurrency', values.concurrency, 32),
    warmup: integerOption('warmup', values.warmup, fallback(200, 20), 0),
    rounds: integerOption('rounds', values.rounds, fallback(3, 1)),
    payloadBytes: integerOption('payload-bytes', values['payload-bytes'], 256, 0),
    httpCalls: integerOption('http-calls', values['http-calls'], fallback(1000, 128)),
    startups: integerOption('startups', values.startups, fallback(15, 1)),
    lists: integerOption('lists', values.lists, fallback(15, 1)),
    targets: only ? [only as TargetName] : [...targetNames],
    rows: rows as RowName[],
    peers: values.peers ?? false,
    quick,
    ...(values['proxy-cli'] !== undefined ? { proxyCli: values['proxy-cli'] } : {}),
    ...(values.json !== undefined ? { json: values.json } : {}),
    help: values.help ?? false,
  };
}
