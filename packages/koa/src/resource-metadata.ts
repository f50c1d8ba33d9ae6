import { createProtectedResource, metadataResponse, type ProtectedResource } from '@tokenguard/core'
import type { Context, Middleware } from 'koa'
import type { JwtAuthOptions } from './jwt-auth.js'

/**
 * Answers `ctx` when it asks for the RFC 9728 metadata document (`GET`/`HEAD` of exactly its paths, or their
 * CORS preflight); `false` for every other request. `originalUrl` keeps the full path, so under a mount
 * point nothing matches.
 */
export function serveMetadata(resource: ProtectedResource, ctx: Context): boolean {
  const answer = metadataResponse(resource, ctx.method, ctx.originalUrl, ctx.headers)
  if (answer === undefined) return false
  ctx.status = answer.status
  ctx.set(answer.headers)
  // Koa leaves the body out of a HEAD response itself and keeps the length of the GET one.
  ctx.body = answer.status === 200 ? resource.body : null
  return true
}

/**
 * Serves the RFC 9728 protected resource metadata of `options` (the same options as the app's `jwtAuth`)
 * at `/.well-known/oauth-protected-resource[/<path>]`, without a token. `jwtAuth` used at the root does
 * this itself; use this middleware **at the root** when `jwtAuth` is mounted under a prefix. Any other
 * request goes on to `next()` untouched: this middleware never authenticates, nor lets anything skip
 * authentication.
 *
 * @throws ConfigError at start-up when `resource` or `resourceMetadata` is missing or invalid
 * @example
 * ```ts
 * const options = { issuer, resource: 'https://api.example.com/mcp', resourceMetadata: {} }
 * app.use(protectedResourceMetadata(options))
 * router.use('/mcp', jwtAuth(options))
 * ```
 */
export function protectedResourceMetadata(options: JwtAuthOptions): Middleware {
  const resource = createProtectedResource(options)
  return (ctx, next) => (serveMetadata(resource, ctx) ? undefined : next())
}
