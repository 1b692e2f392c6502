import type { Command } from 'commander';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';

/** The settings a run needs, after flag > env has been resolved by commander. */
export interface CliSettings {
  configFile: string | undefined;
  profile: string | undefined;
  pluggedin: { apiKey: string; baseUrl: string; pollIntervalMs: number } | undefined;
  /** Values that beat the config file (they came from a flag or an env var). */
  overrides: Record<string, unknown>;
  /** Defaults to use when neither the config file nor a flag/env gives a value. */
  defaults: { transport: string; port: number; host: string; logLevel: string; startupBudgetMs: number };
  /** Things the person should change, printed before the run starts. */
  warnings?: string[];
}

/** Flags whose value is a secret: on the command line it is visible to every user in the process list. */
const SECRET_FLAGS: ReadonlyArray<{ key: string; flag: string; env: string }> = [
  { key: 'authToken', flag: '--auth-token', env: 'SWITCHBOARD_AUTH_TOKEN' },
  { key: 'pluggedinApiKey', flag: '--pluggedin-api-key', env: 'PLUGGEDIN_API_KEY' },
];

function positiveInt(name: string, raw: unknown): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new SwitchboardError('SWB_USAGE', `${name} must be a whole number, got "${String(raw)}"`);
  }
  return value;
}

/** A port from a flag or its env var; out of range is the flag's fault, said before any config is read. */
function port(raw: unknown): number {
  const value = positiveInt('--port (SWITCHBOARD_PORT)', raw);
  if (value > 65_535) throw new SwitchboardError('SWB_USAGE', `--port (SWITCHBOARD_PORT) must be a port number from 0 to 65535, got "${String(raw)}"`);
  return value;
}

/** A boolean flag given on the command line (true) or through its env var ("1", "true", "yes"). */
function flag(value: unknown): boolean {
  if (typeof value === 'string') return /^(1|true|yes|on)$/i.test(value);
  return value === true;
}

/** Reads parsed options; only values that came from the command line or the environment become overrides. */
/** `--oauth-issuer`, `--oauth-audience`, `--oauth-scopes`: the common case of `http.auth` (merged over the config's). */
function oauthFlags(opts: Record<string, string | number | undefined>): Record<string, unknown> | undefined {
  const auth: Record<string, unknown> = {};
  if (typeof opts.oauthIssuer === 'string') auth.issuer = opts.oauthIssuer;
  if (typeof opts.oauthAudience === 'string') auth.audience = opts.oauthAudience;
  if (typeof opts.oauthScopes === 'string') auth.requiredScopes = opts.oauthScopes.split(/[\s,]+/).filter(Boolean);
  return Object.keys(auth).length ? auth : undefined;
}

export function readCliSettings(program: Command, env: NodeJS.ProcessEnv = process.env): CliSettings {
  const opts = program.opts<Record<string, string | number | undefined>>();
  const explicit = (key: string) => {
    const source = program.getOptionValueSource(key);
    return source === 'cli' || source === 'env';
  };
  const overrides: Record<string, unknown> = {};
  if (explicit('transport')) overrides.transport = opts.transport;
  if (explicit('port')) overrides.port = port(opts.port);
  if (explicit('host')) overrides.host = opts.host;
  if (explicit('logLevel')) overrides.logLevel = opts.logLevel;
  if (explicit('logFile')) overrides.logFile = opts.logFile;
  if (explicit('startupBudget')) overrides.startupBudgetMs = positiveInt('--startup-budget', opts.startupBudget);
  if (opts.profile) overrides.profile = opts.profile;
  // A secret read from the environment only (never a flag: the process list shows flags to every user).
  if (env.SWITCHBOARD_REQUEST_STATE_KEY) overrides.requestStateKey = env.SWITCHBOARD_REQUEST_STATE_KEY;

  // A key given but empty is a mistake, said once here (the original silently ignored it; each of the plugin's
  // four parts would refuse it on its own).
  const apiKey = typeof opts.pluggedinApiKey === 'string' ? opts.pluggedinApiKey : undefined;
  if (apiKey !== undefined && apiKey.trim() === '') {
    const from = program.getOptionValueSource('pluggedinApiKey') === 'env' ? 'PLUGGEDIN_API_KEY' : '--pluggedin-api-key';
    throw new SwitchboardError('SWB_USAGE', `${from} is empty: give your plugged.in API key, or leave it out to run without plugged.in`);
  }
  const http: Record<string, unknown> = {};
  if (typeof opts.authToken === 'string') http.authToken = opts.authToken;
  if (flag(opts.stateless)) http.stateless = true;
  const oauth = oauthFlags(opts);
  if (oauth) http.auth = oauth;
  if (flag(opts.requireApiAuth)) {
    if (apiKey === undefined) {
      throw new SwitchboardError('SWB_USAGE', '--require-api-auth needs the plugged.in API key (--pluggedin-api-key or PLUGGEDIN_API_KEY)');
    }
    http.authToken = apiKey;
  }
  if (Object.keys(http).length > 0) overrides.http = http;
  const warnings = SECRET_FLAGS.filter(({ key }) => program.getOptionValueSource(key) === 'cli' && opts[key]).map(
    ({ flag, env }) => `${flag} puts the secret in the process list, where every user of this machine can read it (ps); set ${env} instead`,
  );
  return {
    warnings,
    configFile: typeof opts.config === 'string' ? opts.config : undefined,
    profile: typeof opts.profile === 'string' ? opts.profile : undefined,
    pluggedin:
      apiKey !== undefined
        ? { apiKey, baseUrl: String(opts.pluggedinApiBaseUrl), pollIntervalMs: positiveInt('--pluggedin-poll-interval', opts.pluggedinPollInterval) }
        : undefined,
    overrides,
    defaults: {
      transport: String(opts.transport),
      port: port(opts.port),
      host: String(opts.host),
      logLevel: String(opts.logLevel),
      startupBudgetMs: positiveInt('--startup-budget', opts.startupBudget),
    },
  };
}
