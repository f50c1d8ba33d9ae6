import type { IncomingMessage } from 'node:http'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { ConfigError, type VerifiedToken } from '@tokenguard/core'
import { jwtAuth, protectedResourceMetadata, requireScopes, type JwtAuthOptions } from '@tokenguard/express'
import { Router, type Request, type RequestHandler } from 'express'
import { resourceUrl, toAuthInfo } from './token-verifier.js'

/** Options of {@link mcpAuth}: `jwtAuth`'s, with `resource` and `resourceMetadata` required. */
export type McpAuthOptions = JwtAuthOptions & {
  resource: string
  resourceMetadata: NonNullable<JwtAuthOptions['resourceMetadata']>
  /**
   * Scopes every request to the MCP endpoint needs; a token without them gets 403 `insufficient_scope` with
   * `scope="…"` (and the 401s name them too). Default: none.
   */
  requiredScopes?: readonly string[]
  /**
   * Where the MCP endpoint is mounted in this app. Default: the path of `resource` (`/mcp` for
   * `https://mcp.example.com/mcp`). Set it when a proxy strips a prefix.
   */
  path?: string
}

/** The request as the SDK's `StreamableHTTPServerTransport.handleRequest` takes it. */
export type McpRequest = IncomingMessage & { auth?: AuthInfo }

/**
 * The recommended way to protect an MCP server on Express: one router that serves the RFC 9728 metadata at
 * the root and protects the MCP endpoint with tokenguard's own middleware. Refusals are tokenguard's: 401
 * with `resource_metadata="…"` (and the required scopes), 403 `insufficient_scope` with `scope="…"`, 503
 * when the issuer's keys are unreachable, DPoP when enabled. A verified request's `req.auth` is both
 * tokenguard's `{ payload, header, token }` and the SDK's `AuthInfo`, so the transport passes it on to tool
 * handlers as `extra.authInfo`. Mount it before the MCP routes, at the root of the app.
 *
 * @throws ConfigError at start-up for a bad option
 * @example
 * ```ts
 * app.use(mcpAuth({
 *   issuer: 'https://idp.example.com/',
 *   resource: 'https://mcp.example.com/mcp',
 *   resourceMetadata: { scopesSupported: ['tools:call'] },
 *   requiredScopes: ['tools:call'],
 * }))
 * app.post('/mcp', express.json(), (req, res) => transport.handleRequest(mcpRequest(req), res, req.body))
 * ```
 */
export function mcpAuth(options: McpAuthOptions): Router {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const { requiredScopes, path, ...authOptions } = options
  const resource = resourceUrl(authOptions.resource)
  if (authOptions.resourceMetadata === undefined)
    throw new ConfigError('resourceMetadata', 'is required by mcpAuth (it publishes the metadata)')
  const mountPath = path ?? resource.pathname
  if (typeof mountPath !== 'string' || !mountPath.startsWith('/'))
    throw new ConfigError('path', 'must be a path starting with "/"')
  if (requiredScopes !== undefined && !Array.isArray(requiredScopes))
    throw new ConfigError('requiredScopes', 'must be an array of scope names')
  const guards: RequestHandler[] =
    requiredScopes === undefined || requiredScopes.length === 0 ? [] : [requireScopes(...requiredScopes)]
  const attachAuthInfo: RequestHandler = (req, _res, next) => {
    if (req.auth !== undefined) req.auth = withAuthInfo(req.auth, resource)
    next()
  }
  const router = Router()
  const auth = authOptions as JwtAuthOptions
  // jwtAuth at the root serves the document itself; under a path, the handler at the root does.
  if (mountPath === '/') router.use(jwtAuth(auth), ...guards, attachAuthInfo)
  else router.use(protectedResourceMetadata(auth)).use(mountPath, jwtAuth(auth), ...guards, attachAuthInfo)
  return router
}

/** tokenguard's verified token with the SDK's `AuthInfo` fields added (they share `token`). */
function withAuthInfo(verified: VerifiedToken, resource: URL): VerifiedToken {
  return Object.freeze({ ...verified, ...toAuthInfo(verified, resource) })
}

/**
 * `req` typed as the SDK's transport takes it. After {@link mcpAuth}, `req.auth` holds the SDK's
 * `AuthInfo` fields (`clientId`, `scopes`, `expiresAt`, `resource`, `extra.claims`) besides tokenguard's.
 *
 * @example
 * ```ts
 * app.post('/mcp', express.json(), (req, res) => transport.handleRequest(mcpRequest(req), res, req.body))
 * ```
 */
export function mcpRequest(req: Request): McpRequest {
  return req as unknown as McpRequest
}
