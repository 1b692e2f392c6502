import type { FrontDoorRequest, HttpEndpoint } from '../endpoint.js';
import { allowMethods, sendJson } from '../http-replies.js';
import type { OAuthAuthCheck } from '../oauth/front-door-auth.js';

/** `/.well-known/oauth-protected-resource`, alone or with a resource path after it (`…/mcp`, `…/mcp/work`). */
function isMetadataPath(request: FrontDoorRequest): boolean {
  return request.segments[0] === '.well-known' && request.segments[1] === 'oauth-protected-resource';
}

/**
 * RFC 9728 protected-resource metadata when the front door is an OAuth resource server (`http.auth`): public, since a
 * client reads it before it has a token; the 401 challenge's `resource_metadata` points here.
 */
export function protectedResourceEndpoints(check: OAuthAuthCheck | undefined): HttpEndpoint[] {
  if (!check) return [];
  return [
    {
      name: 'oauth-protected-resource',
      paths: ['/.well-known/oauth-protected-resource'],
      isPublic: isMetadataPath,
      matches: isMetadataPath,
      async handle(request) {
        if (!allowMethods(request.req, request.res, ['GET', 'HEAD'])) return;
        sendJson(request.res, 200, check.resourceServer().metadata());
      },
    },
  ];
}
