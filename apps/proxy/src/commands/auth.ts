import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { SwitchboardError, type RemoteServerDefinition, type ServerDefinition } from '@mcp-switchboard/plugin-api';
import type { TokenStore } from '@mcp-switchboard/plugin-transport-http';
import type { CliSettings } from '../cli-settings.js';
import { formatTable } from '../format-table.js';

interface AuthOptions {
  list?: boolean;
  logout?: string;
  browser: boolean;
  timeout: string;
}

/** Every server the config's sources know, without starting any (the kernel starts; the hub does not). */
async function loadServers(settings: CliSettings, env: NodeJS.ProcessEnv): Promise<ServerDefinition[]> {
  // Imported here, not at the top: registering the command (every CLI start) must not load the kernel.
  const [{ Kernel }, { kernelOptions }] = await Promise.all([import('@mcp-switchboard/kernel'), import('../kernel-options.js')]);
  const kernel = await Kernel.create(kernelOptions(settings, env, process.cwd()));
  try {
    await kernel.start();
    const lists = await Promise.all(kernel.sources.map((source) => source.load()));
    return lists.flat();
  } finally {
    await kernel.stop();
  }
}

/** Opens the URL in the desktop's browser when there is one; quietly does nothing otherwise. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser: the printed URL is the way.
  }
}

function expiresIn(expiresAt: number | undefined): string {
  if (expiresAt === undefined) return '-';
  const seconds = Math.round((expiresAt - Date.now()) / 1000);
  if (seconds <= 0) return 'expired';
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
}

async function listLogins(store: TokenStore): Promise<number> {
  const logins = await store.list();
  if (!logins.length) {
    process.stdout.write(`No logins stored (in ${store.dir}).\n`);
    return 0;
  }
  const table = formatTable(
    ['SERVER', 'URL', 'ACCESS TOKEN', 'REFRESH', 'SCOPE', 'FILE'],
    logins.map((l) => [l.server, l.url, expiresIn(l.expiresAt), l.hasRefreshToken ? 'yes' : 'no', l.scope ?? '', l.file]),
  );
  process.stdout.write(`${table}\n`);
  return 0;
}

async function login(id: string, settings: CliSettings, options: AuthOptions, store: TokenStore, env: NodeJS.ProcessEnv): Promise<number> {
  const servers = await loadServers(settings, env);
  const server = servers.find((s) => s.id === id);
  if (!server) {
    throw new SwitchboardError('SWB_USAGE', `no server "${id}" in the config`, {
      fix: `Use one of: ${servers.map((s) => s.id).join(', ') || '(none configured)'}.`,
    });
  }
  if (server.transport !== 'streamable-http' && server.transport !== 'sse') {
    throw new SwitchboardError('SWB_USAGE', `server "${id}" is a ${server.transport} server; OAuth logins are for streamable-http and sse servers`);
  }
  const remote = server as RemoteServerDefinition;
  if (remote.oauth === false) {
    throw new SwitchboardError('SWB_USAGE', `server "${id}" has "oauth": false in the config`, { fix: 'Remove "oauth": false to allow a login.' });
  }
  if (Object.keys(remote.headers).some((name) => name.toLowerCase() === 'authorization')) {
    throw new SwitchboardError('SWB_USAGE', `server "${id}" has an Authorization header in the config, which the proxy sends instead of a login`, {
      fix: 'Remove the Authorization header from its "headers" to use an OAuth login.',
    });
  }
  const timeoutSeconds = Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new SwitchboardError('SWB_USAGE', '--timeout takes a number of seconds');
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const { loginToServer } = await import('@mcp-switchboard/plugin-transport-http');
    const result = await loginToServer({
      server: remote,
      store,
      signal: abort.signal,
      timeoutMs: timeoutSeconds * 1000,
      onAuthorizationUrl: (url) => {
        process.stdout.write(
          `Log in to "${id}" (${remote.url}) in your browser:\n\n  ${url.href}\n\nWaiting for the browser to come back (Ctrl-C to cancel)...\n`,
        );
        if (options.browser) openBrowser(url.href);
      },
    });
    const scope = result.scope ? `; scope: ${result.scope}` : '';
    process.stdout.write(`Logged in to "${id}". The login is stored in ${result.file} (readable by you only)${scope}.\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** `mcp-switchboard auth <server>` / `--list` / `--logout <server>`. */
export function registerAuthCommand(program: Command, settings: () => CliSettings, done: (code: number) => void): Command {
  return program
    .command('auth')
    .description(
      'log in to a remote server that uses OAuth (opens the browser, or prints the URL, and waits for it on a 127.0.0.1 port); --list shows the stored logins, --logout removes one',
    )
    .argument('[server]', 'the server id from the config')
    .option('--list', 'list the stored logins (no token values)')
    .option('--logout <server>', "remove a server's stored login")
    .option('--no-browser', 'only print the URL to open')
    .option('--timeout <seconds>', 'how long to wait for the browser', '300')
    .action(async (server: string | undefined, options: AuthOptions) => {
      const env = process.env;
      // The HTTP transport (where logins live) is imported when the command runs, not when it is registered.
      const { TokenStore, defaultAuthDir } = await import('@mcp-switchboard/plugin-transport-http');
      const store = new TokenStore(defaultAuthDir(env));
      if (options.list) return done(await listLogins(store));
      if (options.logout) {
        const removed = await store.remove(options.logout);
        process.stdout.write(removed ? `Logged out of "${options.logout}".\n` : `No login stored for "${options.logout}".\n`);
        return done(0);
      }
      if (!server) throw new SwitchboardError('SWB_USAGE', 'auth needs a server id, --list or --logout <server>');
      done(await login(server, settings(), options, store, env));
    });
}
