import { createAuthenticator, type AuthenticatorOptions, type VerifiedToken } from '@tokenguard/core'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { routeGuards, type RouteAuthConfig } from './route-requirements.js'
import { setRealm } from './realm.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; `null` on public routes and requests that passed without one. */
    auth: VerifiedToken | null
  }
  interface FastifyContextConfig {
    /** `false` makes the route public; an object states what the token must carry. */
    auth?: false | RouteAuthConfig
  }
  interface FastifyInstance {
    /** Authenticates a request by hand (e.g. as the `onRequest` of a public-by-default scope). */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

/**
 * Options of the {@link jwtAuth} plugin: the core's `VerifierOptions` (or a shared `verifier`), plus
 * `credentialsRequired`, `getToken(request)`, `cookie`, `query` and `allowPreflight`.
 */
export type JwtAuthOptions = AuthenticatorOptions<FastifyRequest>

const plugin: FastifyPluginAsync<JwtAuthOptions> = async (fastify, options) => {
  const authenticator = createAuthenticator<FastifyRequest>(options)

  async function authenticate(request: FastifyRequest): Promise<void> {
    const facts = {
      method: request.method,
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      url: request.url,
    }
    setRealm(request, authenticator.realm)
    const outcome = authenticator.authenticateNow(request, facts)
    request.auth = outcome instanceof Promise ? await outcome : outcome
  }

  // `null`, never an object: a decorator's initial value is shared by every request.
  fastify.decorateRequest('auth', null)
  fastify.decorate('authenticate', authenticate)
  // Checked when each route is added, so a bad `config.auth` fails at start-up.
  fastify.addHook('onRoute', (route) => void routeGuards(route.config?.auth, `${route.method} ${route.url}`))
  fastify.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config?.auth
    if (config === false) return
    await authenticate(request)
    // Route requirements run right after authentication, before the body is even read.
    for (const guard of routeGuards(config, request.url)) await guard(request, reply)
  })
}

/**
 * Fastify 4 and 5 plugin: `await app.register(jwtAuth, { issuer, audience })` protects every route of the
 * scope where it is registered, setting `request.auth = { payload, header, token }`. Routes opt out with
 * `config: { auth: false }` and state requirements with `config: { auth: { scopes: [...] } }`. Failures
 * are thrown as an `AuthError` with `statusCode` and `headers`, which Fastify's error handler sends.
 * Options are checked at registration: a bad option fails `register`.
 *
 * @example
 * ```ts
 * await app.register(jwtAuth, { issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })
 * app.get('/items', { config: { auth: { scopes: ['read:items'] } } }, async (request) => request.auth?.payload)
 * ```
 */
export const jwtAuth = fp(plugin, { fastify: '4.x || 5.x', name: '@tokenguard/fastify' })
