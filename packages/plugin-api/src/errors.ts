/**
 * The error catalogue. Every error Switchboard reports to a person has a stable code, a message and a fix.
 * Codes never change meaning; new ones are added at the end. docs/errors.md documents each one.
 */
export const errorCatalogue = {
  SWB_USAGE: { exit: 2, fix: 'Run `mcp-switchboard --help` to see the flags and their environment variables.' },
  SWB_CONFIG_NOT_FOUND: {
    exit: 2,
    fix: 'Pass --config FILE, set SWITCHBOARD_CONFIG, or create switchboard.config.json in this folder or ~/.config/switchboard/.',
  },
  SWB_CONFIG_PARSE: { exit: 2, fix: 'Fix the syntax at the position shown (a JSON validator points at the exact spot).' },
  SWB_CONFIG_INVALID: { exit: 2, fix: 'Change the value at the JSON path shown to what is expected; see the config reference in the README.' },
  SWB_CONFIG_ENV_MISSING: { exit: 2, fix: 'Export the named environment variable, or remove the ${...} reference from the config.' },
  SWB_PROFILE_UNKNOWN: { exit: 2, fix: 'Use one of the profiles listed, or add it under "profiles" in the config.' },
  SWB_PLUGIN_NOT_FOUND: {
    exit: 2,
    fix: 'Install the plugin next to your config (npm install NAME) or give a path relative to the config file.',
  },
  SWB_PLUGIN_INVALID: { exit: 2, fix: 'A plugin module must export a plugin made with definePlugin() (default export or `plugin`).' },
  SWB_PLUGIN_OPTIONS: { exit: 2, fix: "Correct the plugin's options in the config; its README lists them." },
  SWB_PLUGIN_API_VERSION: {
    exit: 2,
    fix: 'Install a plugin version built for this plugin API, or upgrade mcp-switchboard; the message names both versions.',
  },
  SWB_PLUGIN_DUPLICATE: { exit: 2, fix: 'List each plugin once in "plugins".' },
  SWB_PLUGIN_SETUP: { exit: 1, fix: 'See the cause below; the plugin named failed while starting.' },
  SWB_PLUGIN_DISPOSE: { exit: 1, fix: 'A plugin failed or hung while stopping; report it to its author.' },
  SWB_TRANSPORT_UNKNOWN: { exit: 2, fix: 'Use --transport stdio or --transport streamable-http, or load the plugin that provides it.' },
  SWB_CONNECTOR_MISSING: { exit: 1, fix: 'No loaded plugin can connect to this server type; load a transport plugin that provides it.' },
  SWB_SERVER_UNAVAILABLE: { exit: 1, fix: 'The server is not running; check its log lines and `mcp-switchboard list`.' },
  SWB_SERVER_START: { exit: 1, fix: "Check the server's command, arguments and environment; its stderr is in the log." },
  SWB_TOOL_UNKNOWN: { exit: 1, fix: 'Call tools/list for the exposed names; names are <server>__<tool> by default.' },
  SWB_TOOL_DENIED: { exit: 1, fix: 'A filter hides this tool; change the allow/deny rules to expose it.' },
  SWB_TIMEOUT: { exit: 1, fix: 'Raise timeoutMs / maxTotalTimeoutMs for the server, or check why it does not answer.' },
  SWB_SOURCE_FAILED: { exit: 1, fix: 'The config source could not load its servers; the last good list keeps serving.' },
  SWB_INPUT_REQUIRED: {
    exit: 1,
    fix: "The server asked for input the client cannot give (see the message): declare the capability in the client, or check the server's requests.",
  },
  // plugin-identity: a plugin's hook failing with something other than a SwitchboardError.
  SWB_PLUGIN_HOOK: {
    exit: 1,
    fix: "A bug in the plugin named: report it to the plugin's author with the stack from the log. To refuse or fail on purpose, a hook throws a SwitchboardError.",
  },
  // OAuth (issue 15)
  SWB_NEEDS_AUTH: { exit: 1, fix: 'Log in with `mcp-switchboard auth <server>`; the server connects as soon as the login is stored.' },
  SWB_AUTH_FAILED: {
    exit: 1,
    fix: "The login did not complete; see the cause (the authorization server's answer), then run `mcp-switchboard auth <server>` again.",
  },
  // hardening
  SWB_NESTED_SWITCHBOARD: {
    exit: 2,
    fix: 'Remove the Switchboard entry from the config Switchboard reads (a client config may list Switchboard itself), or give a nested Switchboard a config of its own.',
  },
} as const satisfies Record<string, { exit: 1 | 2; fix: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error with a stable code and a fix for the person reading it. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly fix: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fix?: string; details?: Record<string, unknown> } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SwitchboardError';
    this.code = code;
    this.fix = options.fix ?? errorCatalogue[code].fix;
    this.details = options.details;
  }

  /** Process exit code this error calls for: 2 for usage/config problems, 1 otherwise. */
  get exitCode(): 1 | 2 {
    return errorCatalogue[this.code].exit;
  }
}

export function isSwitchboardError(value: unknown): value is SwitchboardError {
  return (
    value instanceof Error && typeof (value as unknown as { code?: unknown }).code === 'string' && (value as unknown as { code: string }).code in errorCatalogue
  );
}

/** Several problems found at once (config validation, plugin loading): report them all together. */
export class SwitchboardAggregateError extends AggregateError {
  readonly code: ErrorCode;
  constructor(errors: SwitchboardError[], message: string) {
    super(errors, message);
    this.name = 'SwitchboardAggregateError';
    this.code = errors[0]?.code ?? 'SWB_CONFIG_INVALID';
  }
  get exitCode(): 1 | 2 {
    return (this.errors as SwitchboardError[]).some((e) => isSwitchboardError(e) && e.exitCode === 1) ? 1 : 2;
  }
}

/** One paragraph a person can act on: code, what happened, and how to fix it. */
export function formatError(error: unknown): string {
  if (error instanceof SwitchboardAggregateError) {
    const lines = (error.errors as unknown[]).map((e, i) => `  ${i + 1}. ${formatError(e).replace(/\n/g, '\n     ')}`);
    return `${error.message}\n${lines.join('\n')}`;
  }
  if (isSwitchboardError(error)) {
    // A plugin's own error passed on by the host (PluginHookError) has the same text as its cause: said once.
    const cause = error.cause instanceof Error && error.cause.message !== error.message ? `\n   cause: ${error.cause.message}` : '';
    // A plugin's own error passed on from one of its hooks: the plugin and hook, unless the message names them.
    const { plugin, hook } = error.details ?? {};
    const from =
      typeof plugin === 'string' && typeof hook === 'string' && !error.message.includes(`"${plugin}"`) ? `\n   from: plugin "${plugin}", ${hook}()` : '';
    return `${error.code}: ${error.message}${cause}${from}\n   fix: ${error.fix}`;
  }
  return errorMessage(error);
}

/** A readable one-line message of anything thrown: an Error's message, else the value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
