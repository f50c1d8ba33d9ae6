import {
  ConfigError,
  createProtectedResource,
  metadataResponse,
  type ProtectedResource,
} from '@tokenguard/core'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { JwtAuthOptions } from './plugin.js'

/**
 * Adds the routes of the RFC 9728 metadata document: `GET` (and Fastify's automatic `HEAD`) and `OPTIONS`
 * of each path, public (`config.auth: false`). A request the router matched loosely (`ignoreTrailingSlash`,
 * `caseSensitive: false`) or an `OPTIONS` that is no CORS preflight is authenticated as usual, when
 * `authenticate` is given, and then answered 404. Paths another plugin or the app already routes are left
 * alone.
 */
export function addMetadataRoutes(
  fastify: FastifyInstance,
  resource: ProtectedResource,
  authenticate?: (request: FastifyRequest) => Promise<void>,
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = metadataResponse(resource, request.method, request.url, request.headers)
    if (answer === undefined) {
      if (authenticate !== undefined) await authenticate(request)
      return reply.callNotFound()
    }
    // Fastify leaves the body out of its automatic HEAD response and keeps the length of the GET one.
    return reply
      .code(answer.status)
      .headers(answer.headers)
      .send(answer.status === 200 ? resource.body : undefined)
  }
  for (const url of resource.paths)
    for (const method of ['GET', 'OPTIONS'] as const)
      if (!fastify.hasRoute({ method, url })) fastify.route({ method, url, config: { auth: false }, handler })
}

const plugin: FastifyPluginAsync<JwtAuthOptions> = async (fastify, options) => {
  if (fastify.prefix !== '')
    throw new ConfigError(
      'protectedResourceMetadata',
      `must be registered at the root, not under the prefix "${fastify.prefix}"`,
    )
  addMetadataRoutes(fastify, createProtectedResource(options))
}

/**
 * Fastify 4 and 5 plugin serving the RFC 9728 protected resource metadata of `options` (the same options as
 * the app's `jwtAuth`) at `/.well-known/oauth-protected-resource[/<path>]`, without a token. `jwtAuth`
 * registered without a prefix does this itself; register this plugin **at the root** when `jwtAuth` is
 * registered under a prefix.
 *
 * @example
 * ```ts
 * const options = { issuer, resource: 'https://api.example.com/mcp', resourceMetadata: {} }
 * await app.register(protectedResourceMetadata, options)
 * await app.register(async (mcp) => { await mcp.register(jwtAuth, options) }, { prefix: '/mcp' })
 * ```
 */
export const protectedResourceMetadata = fp(plugin, { fastify: '4.x || 5.x' })
