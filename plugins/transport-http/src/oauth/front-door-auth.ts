import type { IncomingMessage } from 'node:http';
import type { FrontDoorOAuth } from './front-door-auth-options.js';
import { JwtResourceServer, type JwtResourceServerDeps } from './resource-server.js';

export { frontDoorOAuthSchema, type FrontDoorOAuth } from './front-door-auth-options.js';

/** What the OAuth check says about a request: the shape the front door's security gate takes from any check. */
export type OAuthCheckVerdict =
  | { kind: 'accepted'; profile?: string | undefined; subject?: string | undefined }
  | { kind: 'refused'; status: 401 | 403; reason: string; challenge: string };

export interface OAuthAuthCheck {
  readonly name: 'oauth';
  check(req: IncomingMessage): Promise<OAuthCheckVerdict>;
  /** The resource server (built on first use, once the front door knows its port). */
  resourceServer(): JwtResourceServer;
}

/**
 * The bearer-JWT check of the front door. `defaultAudience` is asked on first use, so a front door bound to port 0
 * still names its real port. The token itself is never kept or passed on: the gate strips the header after an
 * accepting check.
 */
export function oauthAuthCheck(settings: FrontDoorOAuth, defaultAudience: () => string, deps: JwtResourceServerDeps = {}): OAuthAuthCheck {
  let server: JwtResourceServer | undefined;
  const resourceServer = () =>
    (server ??= new JwtResourceServer(
      {
        issuer: settings.issuer,
        audience: settings.audience ?? defaultAudience(),
        ...(settings.requiredScopes ? { requiredScopes: settings.requiredScopes } : {}),
        ...(settings.jwksUri ? { jwksUri: settings.jwksUri } : {}),
        ...(settings.algorithms ? { algorithms: settings.algorithms } : {}),
        ...(settings.clockToleranceSec !== undefined ? { clockToleranceSec: settings.clockToleranceSec } : {}),
        ...(settings.profiles ? { profiles: settings.profiles } : {}),
        ...(settings.scopesSupported ? { scopesSupported: settings.scopesSupported } : {}),
      },
      deps,
    ));
  return {
    name: 'oauth',
    resourceServer,
    async check(req) {
      const rs = resourceServer();
      const header = req.headers.authorization;
      const verdict = await rs.verify(Array.isArray(header) ? header[0] : header);
      if (verdict.kind === 'accepted') return { kind: 'accepted', profile: verdict.profile, subject: verdict.subject };
      return { kind: 'refused', status: verdict.status, reason: verdict.description, challenge: rs.challenge(verdict) };
    },
  };
}
