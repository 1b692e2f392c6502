import { z } from 'zod';

// The config side of `http.auth`, apart from the validator: reading options must not load jose at every start.

/** One rule that picks the profile a token may see: a granted scope, or a claim with a given value. */
export const profileRuleSchema = z
  .object({
    profile: z.string().min(1),
    scope: z.string().min(1).optional(),
    claim: z.string().min(1).optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .strict()
  .refine((rule) => (rule.scope !== undefined) !== (rule.claim !== undefined), { message: 'give either "scope" or "claim" (with "equals")' });

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
