import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** What is kept for one server: never in the config file, only in its own 0600 file under the user's config dir. */
export interface StoredLogin {
  version: 1;
  /** The server id it belongs to. */
  server: string;
  /** The server URL it was obtained for: a login for another URL is not used. */
  url: string;
  /** The client as registered (dynamic registration, a URL client id, or the configured one). */
  client?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
  /** When the access token expires (ms since the epoch), from `expires_in` at the time it was stored. */
  expiresAt?: number;
  /** When the tokens were stored (ms since the epoch). */
  obtainedAt?: number;
  /** Protected-resource and authorization-server metadata, so later refreshes skip discovery. */
  discovery?: OAuthDiscoveryState;
  /** The loopback redirect URL used at login (the registered client knows it). */
  redirectUrl?: string;
  /** A scope the server asked for (403 insufficient_scope) that the next login must request. */
  stepUpScope?: string;
}

/** A summary for `auth --list`: no token values. */
export interface StoredLoginSummary {
  server: string;
  url: string;
  file: string;
  hasRefreshToken: boolean;
  expiresAt?: number;
  scope?: string;
  issuer?: string;
}

/** `$XDG_CONFIG_HOME/switchboard/auth` or `~/.config/switchboard/auth` (the same config dir the kernel searches). */
export function defaultAuthDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHBOARD_AUTH_DIR) return env.SWITCHBOARD_AUTH_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'switchboard', 'auth');
}

/** A file name for a server id: the id itself when it is a plain name, else a readable part plus a short hash. */
export function loginFileName(server: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(server)) return `${server}.json`;
  const readable = server
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 60);
  const hash = createHash('sha256').update(server).digest('hex').slice(0, 8);
  return `${readable}-${hash}.json`;
}

/**
 * One JSON file per server, written atomically with mode 0600 in a 0700 folder. Readers never throw on a broken
 * or foreign file: it reads as "no login", so the user is asked to log in again rather than the proxy failing.
 */
export class TokenStore {
  constructor(readonly dir: string = defaultAuthDir()) {}

  fileOf(server: string): string {
    return join(this.dir, loginFileName(server));
  }

  async read(server: string, url?: string): Promise<StoredLogin | undefined> {
    let text: string;
    try {
      text = await readFile(this.fileOf(server), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as StoredLogin;
      if (parsed?.version !== 1 || parsed.server !== server) return undefined;
      if (url !== undefined && parsed.url !== url) return undefined;
      return parsed;
    } catch {
      return undefined;
    }
  }

  async write(login: StoredLogin): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(login.server);
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
    // The mode given to writeFile is masked by the umask; make sure.
    await chmod(temp, 0o600);
    await rename(temp, file);
  }

  /** Changes one server's record (created when missing) and writes it back. */
  async update(server: string, url: string, change: (login: StoredLogin) => StoredLogin): Promise<StoredLogin> {
    const current = (await this.read(server, url)) ?? { version: 1 as const, server, url };
    const next = change(current);
    await this.write(next);
    return next;
  }

  async remove(server: string): Promise<boolean> {
    const file = this.fileOf(server);
    try {
      await rm(file);
      return true;
    } catch {
      return false;
    }
  }

  async list(): Promise<StoredLoginSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: StoredLoginSummary[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        const login = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as StoredLogin;
        if (login?.version !== 1 || typeof login.server !== 'string') continue;
        out.push({
          server: login.server,
          url: login.url,
          file: join(this.dir, name),
          hasRefreshToken: Boolean(login.tokens?.refresh_token),
          ...(login.expiresAt !== undefined ? { expiresAt: login.expiresAt } : {}),
          ...(login.tokens?.scope ? { scope: login.tokens.scope } : {}),
          ...(login.tokens?.issuer ? { issuer: login.tokens.issuer } : {}),
        });
      } catch {
        // Not ours, or half-written: skipped.
      }
    }
    return out;
  }

  /**
   * Calls `onChange` when a new login is stored for the server (its file now holds tokens it did not hold when
   * the watch began, or since the last call), e.g. by `mcp-switchboard auth` while the proxy runs. Writes that
   * leave the tokens as they were (discovery metadata, a forgotten token) do not count, so a server waiting
   * for a login is not retried by its own failed attempts. Watches the folder, which exists before the first
   * login.
   */
  watch(server: string, onChange: () => void): { close(): void } {
    const name = loginFileName(server);
    let watcher: FSWatcher | undefined;
    let closed = false;
    let seen: string | undefined;
    const fingerprint = async () => {
      const tokens = (await this.read(server))?.tokens;
      return tokens ? createHash('sha256').update(tokens.access_token).digest('hex') : undefined;
    };
    const check = async () => {
      const current = await fingerprint();
      if (closed || current === undefined || current === seen) return;
      seen = current;
      onChange();
    };
    const start = async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
      seen = await fingerprint();
      if (closed) return;
      try {
        watcher = watch(this.dir, { persistent: false }, (_event, file) => {
          if (file === null || file === name) void check();
        });
        watcher.on('error', () => undefined);
      } catch {
        // No file watching here: a restart of the proxy picks the login up.
      }
    };
    void start();
    return {
      close() {
        closed = true;
        watcher?.close();
      },
    };
  }
}
