#!/usr/bin/env node
// `switchboard-fake-pluggedin`: the fake plugged.in App as a command, so the plugged.in path can be tried without
// an account. Writes what to run to stdout; stops on Ctrl+C.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FAKE_PLUGGEDIN_API_KEY, startFakePluggedinApp, type FakeAppServer } from './fake-pluggedin-app.js';
import { fixtureServerEntry } from './fixture-path.js';

const usage = `Usage: switchboard-fake-pluggedin [--port N] [--api-key KEY] [--servers FILE]

A fake plugged.in App on 127.0.0.1 for trying Switchboard's plugged.in mode without an account.
  --port N          port to listen on (default 0: a free one)
  --api-key KEY     the API key it accepts (default ${FAKE_PLUGGEDIN_API_KEY})
  --servers FILE    JSON array of servers as GET /api/mcp-servers returns them
                    (default: one demo server, Switchboard's echo fixture, run with node)
`;

/** The demo server: the echo fixture of this package, so nothing is downloaded. */
function demoServers(): FakeAppServer[] {
  const echo = fixtureServerEntry('echo');
  return [
    { uuid: '7b3c3f7e-0000-4000-8000-000000000001', name: 'Demo Echo', slug: 'demo-echo', type: 'STDIO', command: echo.command, args: echo.args, env: {} },
  ];
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, 'api-key': { type: 'string' }, servers: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number from 0 to 65535, got "${values.port}"`);
  const servers = values.servers ? (JSON.parse(readFileSync(values.servers, 'utf8')) as FakeAppServer[]) : demoServers();
  const app = await startFakePluggedinApp({ port, servers, ...(values['api-key'] ? { apiKey: values['api-key'] } : {}) });
  process.stdout.write(
    [
      `fake plugged.in App listening on ${app.url} (${servers.length} server${servers.length === 1 ? '' : 's'})`,
      `API key: ${app.apiKey}`,
      '',
      'Try it:',
      `  PLUGGEDIN_API_KEY=${app.apiKey} mcp-switchboard list --pluggedin-api-base-url ${app.url}`,
      '',
      'Ctrl+C stops it.',
      '',
    ].join('\n'),
  );
  const stop = () => void app.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`switchboard-fake-pluggedin: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  process.exit(2);
});
