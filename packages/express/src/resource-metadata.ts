import { createProtectedResource, metadataResponse, type ProtectedResource } from '@tokenguard/core'
import type { Request, RequestHandler, Response } from 'express'
import type { JwtAuthOptions } from './jwt-auth.js'

/**
 * Answers `req` when it asks for the RFC 9728 metadata document (`GET`/`HEAD` of exactly its paths, or their
 * CORS preflight), ending the response; `false` for every other request. `originalUrl` keeps the full path,
 * so under a mount point nothing matches.
 */
export function serveMetadata(resource: ProtectedResource, req: Request, res: Response): boolean {
  const answer = metadataResponse(resource, req.method, req.originalUrl, req.headers)
  if (answer === undefined) return false
  res.writeHead(answer.status, answer.headers).end(answer.body)
  return true
}

/**
 * Serves the RFC 9728 protected resource metadata of `options` (the same options as the app's `jwtAuth`)
 * at `/.well-known/oauth-protected-resource[/<path>]`, without a token. `jwtAuth` mounted at the root does
 * this itself; mount this handler **at the root** when `jwtAuth` is mounted under a prefix. Any other
 * request goes on to `next()` untouched: this handler never authenticates, nor lets anything skip
 * authentication.
 *
 * @throws ConfigError at start-up when `resource` or `resourceMetadata` is missing or invalid
 * @example
 * ```ts
 * const options = { issuer, resource: 'https://api.example.com/mcp', resourceMetadata: {} }
 * app.use(protectedResourceMetadata(options))
 * app.use('/mcp', jwtAuth(options))
 * ```
 */
export function protectedResourceMetadata(options: JwtAuthOptions): RequestHandler {
  const resource = createProtectedResource(options)
  return (req, res, next) => {
    if (!serveMetadata(resource, req, res)) next()
  }
}
