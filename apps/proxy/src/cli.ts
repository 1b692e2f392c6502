#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { processSecrets, redactSecrets } from '@mcp-switchboard/kernel';
import { SwitchboardError, formatError } from '@mcp-switchboard/plugin-api';
import { cliOptions, extraEnvHelp } from './cli-options.js';
import { readCliSettings, type CliSettings } from './cli-settings.js';
import { runProxy } from './run-proxy.js';
import { listCommand } from './commands/list.js';
import { doctorCommand } from './commands/doctor.js';
import { registerCreatePluginCommand } from './commands/create-plugin.js';
import { registerAuthCommand } from './commands/auth.js';
import { registerPinsCommand } from './commands/pins.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

function exitCodeOf(error: unknown): number {
  const code = (error as { exitCode?: unknown })?.exitCode;
  return code === 1 || code === 2 ? code : 1;
}

async function main(argv: string[]): Promise<number> {
  let result = 0;
  const program = new Command('mcp-switchboard')
    .description('One MCP server that joins many: namespaced, filtered and routed.')
    .version(version, '-v, --version')
    .showHelpAfterError('(run mcp-switchboard --help to see every flag)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .addHelpText('after', extraEnvHelp);
  for (const option of cliOptions) program.addOption(option);
  /** The settings, with the secrets given on the command line made known before anything can print them. */
  const settings = (): CliSettings => {
    const opts = program.opts<Record<string, unknown>>();
    processSecrets.add([opts.authToken, opts.pluggedinApiKey]);
    return readCliSettings(program);
  };
  program.action(async () => {
    result = await runProxy(settings());
  });
  program
    .command('list')
    .description('connect to every configured server, print the catalog (names, states, token estimate) and exit')
    .action(async () => {
      result = await listCommand(settings());
    });
  program
    .command('doctor')
    .description(
      'check the config, start every server once and print its state, tool count, start-up time and, for a failure, the error and a hint; exit 0 when all enabled servers are ready, 1 otherwise, 2 for a bad config',
    )
    .action(async () => {
      result = await doctorCommand(settings());
    });

  registerCreatePluginCommand(program);
  registerAuthCommand(program, settings, (code) => (result = code));
  registerPinsCommand(program, settings, (code) => (result = code));

  try {
    await program.parseAsync(argv);
    return result;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; anything else is bad usage.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Children are gone and logs flushed by now; do not wait on stray handles (e.g. a paused stdin).
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    const message = error instanceof SwitchboardError || error instanceof AggregateError ? formatError(error) : `${formatError(error)}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`;
    process.stderr.write(`mcp-switchboard: ${redactSecrets(message)}\n`);
    process.exit(exitCodeOf(error));
  },
);
