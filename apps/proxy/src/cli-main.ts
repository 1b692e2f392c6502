#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { closestMatches } from '@mcp-switchboard/plugin-api';
import { cliOptions, extraEnvHelp } from './cli-options.js';
import type { CliSettings } from './cli-settings.js';
import { registerCreatePluginCommand } from './commands/create-plugin.js';
import { registerInitCommand } from './commands/init/init.js';
import { registerAuthCommand } from './commands/auth.js';
import { registerPinsCommand } from './commands/pins-command.js';

// The kernel, the hub and each command are imported when a command runs, not before: `--help`, `--version` and
// a bad flag answer without loading them, and the proxy loads only what its run needs.

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The error for a word that is no command, with the closest command names. */
function unknownCommand(this: void, word: string): string {
  const known = ['list', 'doctor', 'init', 'auth', 'create-plugin', 'help'];
  // Swapped letters (`lsit`) first: edit distance counts a swap as two, which ties `lsit` with `init`.
  const letters = (text: string) => [...text].sort().join('');
  const closest =
    known.find((name) => letters(name) === letters(word)) ??
    closestMatches(
      word,
      known.map((name) => ({ name })),
      1,
    )[0];
  return `error: unknown command "${word}"${closest ? ` (did you mean "${closest}"?)` : ''}; commands: ${known.join(', ')}\n`;
}

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
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      // The proxy takes no arguments, so a word commander does not know is a mistyped command: say which one.
      outputError: (text, write) => write(/too many arguments/.test(text) ? unknownCommand(program.args[0] ?? '') : text),
    })
    // `list --help` and `doctor --help` show the flags they share with the proxy.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', extraEnvHelp);
  for (const option of cliOptions) program.addOption(option);
  /** The settings, with the secrets given on the command line made known before anything can print them. */
  // Loaded before any command's action runs (never for --help, --version or a bad flag).
  let loaded: [typeof import('@mcp-switchboard/kernel'), typeof import('./cli-settings.js')] | undefined;
  // The proxy itself (no command given) loads its own code while the kernel loads: one wait for the files, not two.
  let proxyModule: Promise<typeof import('./run-proxy.js')> | undefined;
  program.hook('preAction', async (_program, actionCommand) => {
    if (actionCommand === program && !proxyModule) {
      proxyModule = import('./run-proxy.js');
      // Awaited by the action; a failure before it runs (the kernel failed to load too) is reported from there.
      proxyModule.catch(() => undefined);
    }
    loaded ??= await Promise.all([import('@mcp-switchboard/kernel'), import('./cli-settings.js')]);
  });
  const settings = (): CliSettings => {
    if (!loaded) throw new Error('settings read before the preAction hook ran');
    const [{ processSecrets }, { readCliSettings }] = loaded;
    const opts = program.opts<Record<string, unknown>>();
    processSecrets.add([opts.authToken, opts.pluggedinApiKey]);
    const read = readCliSettings(program);
    for (const warning of read.warnings ?? []) process.stderr.write(`mcp-switchboard: warning: ${warning}\n`);
    return read;
  };
  program.action(async () => {
    const { runProxy } = await (proxyModule ??= import('./run-proxy.js'));
    result = await runProxy(settings());
  });
  program
    .command('list')
    .description('connect to every configured server, print the catalog (names, states, token estimate) and exit')
    .action(async () => {
      const { listCommand } = await import('./commands/list.js');
      result = await listCommand(settings());
    });
  program
    .command('doctor')
    .description(
      'check the config, start every server once and print its state, tool count, start-up time and, for a failure, the error and a hint; exit 0 when all enabled servers are ready, 1 otherwise, 2 for a bad config',
    )
    .action(async () => {
      const { doctorCommand } = await import('./commands/doctor.js');
      result = await doctorCommand(settings());
    });

  registerCreatePluginCommand(program);
  registerInitCommand(program, (code) => (result = code));
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

// `mcp-switchboard --help | head -1`: the reader left early. Without a front door listening, that is no error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  // The stdio front door has its own listener and stops gracefully; for anything else there is nothing left to say.
  if (process.stdout.listenerCount('error') === 1) process.exit(process.exitCode ?? 0);
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Children are gone and logs flushed by now; do not wait on stray handles (e.g. a paused stdin).
    setImmediate(() => process.exit(code));
  },
  async (error: unknown) => {
    const [{ redactSecrets }, { SwitchboardError, formatError }] = await Promise.all([
      import('@mcp-switchboard/kernel'),
      import('@mcp-switchboard/plugin-api'),
    ]);
    const message =
      error instanceof SwitchboardError || error instanceof AggregateError
        ? formatError(error)
        : `${formatError(error)}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`;
    process.stderr.write(`mcp-switchboard: ${redactSecrets(message)}\n`);
    process.exit(exitCodeOf(error));
  },
);
