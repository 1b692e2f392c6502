import type { Command } from 'commander';
import type { CliSettings } from '../cli-settings.js';

// The commands themselves (and the kernel and hub they boot) are imported when one runs, not for every `--help`.

/** Adds `pins diff` and `pins approve` to the CLI. */
export function registerPinsCommand(program: Command, settings: () => CliSettings, done: (code: number) => void): void {
  const pins = program.command('pins').description('review and approve changed tool definitions pinned by the pinning plugin (switchboard.lock.json)');
  pins
    .command('diff [server]')
    .description('start every server once and show the tools whose definitions differ from the lockfile; exit 1 when any do')
    .action(async (server: string | undefined) => done(await (await import('./pins.js')).pinsDiffCommand(settings(), server)));
  pins
    .command('approve <target>')
    .description('pin the current definitions of a server (<server>) or one tool (<server>/<tool>) in the lockfile')
    .action(async (target: string) => done(await (await import('./pins.js')).pinsApproveCommand(settings(), target)));
}
