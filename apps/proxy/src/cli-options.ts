import { Option } from 'commander';

/**
 * Every flag, with its environment variable and default, in one table: commander prints env and default in
 * --help, and tells us where each value came from so the config file can sit between env and default.
 */
export const cliOptions = [
  new Option('-c, --config <file>', 'config file (JSON, YAML or .mjs); any JSON with "mcpServers" works').env('SWITCHBOARD_CONFIG'),
  new Option('-t, --transport <name>', 'how clients connect to Switchboard')
    .choices(['stdio', 'streamable-http'])
    .env('SWITCHBOARD_TRANSPORT')
    .default('stdio'),
  new Option('--port <number>', 'port of the Streamable HTTP front door').env('SWITCHBOARD_PORT').default(12006),
  new Option('--host <address>', 'address the Streamable HTTP front door binds to').env('SWITCHBOARD_HOST').default('127.0.0.1'),
  new Option('--auth-token <token>', 'bearer token every HTTP request must carry').env('SWITCHBOARD_AUTH_TOKEN'),
  new Option('--oauth-issuer <url>', 'HTTP: accept OAuth bearer JWTs from this authorization server (docs/auth.md)').env('SWITCHBOARD_OAUTH_ISSUER'),
  new Option('--oauth-audience <url>', 'HTTP: the resource URL tokens must name (default: our own /mcp URL)').env('SWITCHBOARD_OAUTH_AUDIENCE'),
  new Option('--oauth-scopes <scopes>', 'HTTP: scopes every OAuth token must carry (comma or space separated)').env('SWITCHBOARD_OAUTH_SCOPES'),
  new Option('--stateless', 'HTTP: a new transport per request, for load balancers without session affinity').env('SWITCHBOARD_STATELESS'),
  new Option('--require-api-auth', "HTTP: require the plugged.in API key as the bearer token (the original proxy's flag)").env('SWITCHBOARD_REQUIRE_API_AUTH'),
  new Option('-p, --profile <name>', 'run only the servers of this profile (workspace) from the config').env('SWITCHBOARD_PROFILE'),
  new Option('--log-level <level>', 'log level; logs go to stderr, never stdout')
    .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .env('SWITCHBOARD_LOG_LEVEL')
    .default('info'),
  new Option('--log-file <file>', 'write logs to this file instead of stderr').env('SWITCHBOARD_LOG_FILE'),
  new Option('--startup-budget <ms>', 'how long the first list waits for servers still starting').env('SWITCHBOARD_STARTUP_BUDGET_MS').default(10_000),
  new Option('--pluggedin-api-key <key>', 'plugged.in API key: loads the plugged.in plugin (servers from the App)').env('PLUGGEDIN_API_KEY'),
  new Option('--pluggedin-api-base-url <url>', 'plugged.in App base URL').env('PLUGGEDIN_API_BASE_URL').default('https://plugged.in'),
  new Option('--pluggedin-poll-interval <ms>', 'how often the plugged.in App is asked for changes').env('PLUGGEDIN_POLL_INTERVAL_MS').default(30_000),
] as const;

/** The environment variables read directly (not through a flag), listed in --help. */
export const extraEnvHelp = `
Environment:
  SWITCHBOARD_MCP_SERVERS   JSON object of extra servers, same format as "mcpServers"; merged by name, env wins
  SWITCHBOARD_REQUEST_STATE_KEY
                            secret (32+ characters) signing the requestState of 2026-07-28 clients; give
                            every replica behind one load balancer the same one ("requestStateKey" in the config)

Signals: SIGINT/SIGTERM stop gracefully (a second one exits at once); SIGHUP reloads the config file,
  which is also watched unless the config says "watch": false.
Exit codes: 0 normal stop, 1 runtime failure (doctor: a server is not ready), 2 bad usage or bad config.
Precedence: command-line flag > environment variable > config file > default.
Docs: https://github.com/mcp-switchboard/switchboard#readme`;
