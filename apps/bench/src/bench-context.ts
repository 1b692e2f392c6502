import type { BenchOptions } from './bench-options.js';
import type { ServerCommand } from './proxy-config.js';

/** What every row of one run shares. */
export interface BenchContext {
  options: BenchOptions;
  /** On the command line of every process of the run, so the leak check finds them all. */
  marker: string;
  /** A temporary directory named after the marker, for configs; removed at the end. */
  scratchDir: string;
  proxyCli: string;
  /** The echo fixture, started with the run marker. */
  echo: ServerCommand;
  /** This package's dist directory (the relay and the reference servers live there). */
  distDir: string;
  /** The echoed text. */
  text: string;
  /** Progress, to stderr. */
  log(line: string): void;
}

/** `node <proxy cli> --config FILE --log-level warn [extra...]`. */
export function proxyCommand(context: BenchContext, config: string, extra: string[] = []): ServerCommand {
  return { command: process.execPath, args: [context.proxyCli, '--config', config, '--log-level', 'warn', ...extra] };
}
