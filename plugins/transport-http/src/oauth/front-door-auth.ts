import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { JwtResourceServer, profileRuleSchema, type JwtResourceServerDeps } from './resource-server.js';

/**
 * `http.auth` in the config: the front door as an OAuth 2.1 resource server. `audience` defaults to the front
 * door's own `/mcp` URL (`http://<host>:<port>/mcp`); set it to the public URL clients use behind a reverse proxy.
 */
export const frontDoorOAuthSchema = z
  .object({
    issuer: z.string().url(),
    audience: z.string().url().optional(),
    requiredScopes: z.array(z.string().min(1)).optional(),
    jwksUri: z.string().url().optional(),
    algorithms: z.array(z.string()).optional(),
    clockToleranceSec: z.number().int().min(0).max(300).optional(),
    profiles: z.array(profileRuleSchema).optional(),
    scopesSupported: z.array(z.string()).optional(),
  })
  .strict();

export type FrontDoorOAuth = z.output<typeof frontDoorOAuthSchema>;

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
