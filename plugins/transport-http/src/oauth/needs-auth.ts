import { SwitchboardError, isSwitchboardError } from '@mcp-switchboard/plugin-api';

/** The command that logs in to a server, quoted for a POSIX shell when the id needs it. */
export function loginCommand(server: string): string {
  const quoted = /^[A-Za-z0-9._@%+=:,/-]+$/.test(server) ? server : `'${server.replace(/'/g, `'\\''`)}'`;
  return `mcp-switchboard auth ${quoted}`;
}

/**
 * A remote server wants a login that cannot happen inside the proxy (no stored token, or its refresh was
 * refused). Not a failure: the hub shows the server as `needs-auth` with the command to run.
 */
export function needsAuthError(server: string, reason: string, cause?: unknown): SwitchboardError {
  const command = loginCommand(server);
  return new SwitchboardError('SWB_NEEDS_AUTH', `server "${server}" needs an OAuth login (${reason}); run: ${command}`, {
    fix: `Run \`${command}\`; the server connects as soon as the login is stored.`,
    details: { server, command },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** True for the error above, wherever it was wrapped (the SDK passes it through `cause` chains untouched). */
export function isNeedsAuthError(error: unknown): error is SwitchboardError {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isSwitchboardError(e) && e.code === 'SWB_NEEDS_AUTH') return true;
  }
  return false;
}
