import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SwitchboardError } from '@mcp-switchboard/plugin-api';

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`: the redirect URI registered and sent with the authorization request. */
  readonly url: string;
  /** Resolves with the authorization code once the browser comes back with the expected `state`. */
  waitForCode(expectedState: () => string | undefined, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<string>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>\n`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A one-shot HTTP listener on 127.0.0.1 (a random free port unless one is given) that receives the browser's
 * redirect after the user logged in (RFC 8252 loopback redirect). Requests with another path or state are
 * answered 404/400 and ignored, so a stray request cannot end the login.
 */
export async function startLoopbackRedirect(options: { host?: string; port?: number; path?: string } = {}): Promise<LoopbackRedirect> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/callback';
  let settle: { resolve(code: string): void; reject(error: Error): void } | undefined;
  let expected: () => string | undefined = () => undefined;
  let pending: { code?: string; error?: Error } | undefined;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (req.method !== 'GET' || url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const state = url.searchParams.get('state') ?? undefined;
    if (state === undefined || state !== expected()) {
      res
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(PAGE('Login not accepted', 'This answer does not belong to the login in progress.'));
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    let outcome: { code?: string; error?: Error };
    if (error || !code) {
      const description = url.searchParams.get('error_description');
      const reason = error ? `${error}${description ? `: ${description}` : ''}` : 'no authorization code in the answer';
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Login failed', escapeHtml(reason)));
      outcome = { error: new SwitchboardError('SWB_AUTH_FAILED', `the authorization server refused the login (${reason})`) };
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Logged in', 'Switchboard has the login; you can close this tab.'));
      outcome = { code };
    }
    if (settle) {
      if (outcome.code) settle.resolve(outcome.code);
      else settle.reject(outcome.error!);
      settle = undefined;
    } else {
      pending ??= outcome;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}${path}`,
    waitForCode(expectedState, { signal, timeoutMs = 300_000 } = {}) {
      expected = expectedState;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => done(new SwitchboardError('SWB_AUTH_FAILED', `no answer from the browser within ${Math.round(timeoutMs / 1000)} s`)),
          timeoutMs,
        );
        const onAbort = () => done(new SwitchboardError('SWB_AUTH_FAILED', 'the login was cancelled'));
        const done = (error?: Error, code?: string) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          settle = undefined;
          if (error) reject(error);
          else resolve(code!);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) return onAbort();
        if (pending) return pending.code ? done(undefined, pending.code) : done(pending.error);
        settle = { resolve: (code) => done(undefined, code), reject: (error) => done(error) };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
