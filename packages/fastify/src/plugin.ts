import {
  createAuthenticator,
  socketCertificate,
  type AuthenticatorOptions,
  type RequestUrl,
  type VerifiedToken,
} from '@tokenguard/core'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { routeGuards, routeLabel, type RouteAuthConfig } from './route-requirements.js'
import type { GuardHook } from './guards.js'
import { setChallenge } from './challenge.js'
import { addMetadataRoutes } from './resource-metadata.js'
import { withRouteScopes } from './route-scope.js'

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
 * `credentialsRequired`, `getToken(request)`, `cookie`, `query`, `body` and `allowPreflight`. With `body`,
 * register `@fastify/formbody` (bounded by `bodyLimit`); authentication then runs in `preValidation`, and
 * a hand-made `fastify.authenticate` must run there too.
 */
export type JwtAuthOptions = AuthenticatorOptions<FastifyRequest>

/**
 * A route's own `config.auth`, never one inherited from `Object.prototype`: a prototype-pollution bug
 * elsewhere in the app (`Object.prototype.auth = false`) must not make every route public.
 */
function authConfigOf(config: unknown): unknown {
  return typeof config === 'object' && config !== null && Object.hasOwn(config, 'auth')
    ? (config as { auth?: unknown }).auth
    : undefined
}

/**
 * Where the client sent the request, as Fastify sees it: `protocol` and the host follow `trustProxy`;
 * Fastify 5's `host` and Fastify 4's `hostname` both keep the port; `url` is the whole original path.
 */
function requestUrl(request: FastifyRequest): RequestUrl {
  const host = (request as { host?: string }).host ?? request.hostname
  return { protocol: request.protocol, host, path: request.url }
}

/** The client certificate of the request's own TLS connection (when the app terminates TLS itself). */
function clientCertificate(request: FastifyRequest) {
  return socketCertificate(request.raw.socket)
}

const plugin: FastifyPluginAsync<JwtAuthOptions> = async (fastify, options) => {
  const authenticator = createAuthenticator<FastifyRequest>(options, { requestUrl, clientCertificate })
  const readsBody = authenticator.readsBody

  /** Starts authenticating `request`: the outcome itself when known at once (a cached token), else a promise. */
  function startAuthentication(request: FastifyRequest) {
    setChallenge(request, authenticator.challenge)
    const facts = {
      method: request.method,
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      url: request.url,
      body: readsBody ? request.body : undefined,
    }
    return authenticator.authenticateNow(request, facts)
  }

  async function authenticate(request: FastifyRequest): Promise<void> {
    const outcome = startAuthentication(request)
    request.auth = outcome instanceof Promise ? await outcome : outcome
  }

  // `null`, never an object: a decorator's initial value is shared by every request.
  fastify.decorateRequest('auth', null)
  fastify.decorate('authenticate', authenticate)
  // Checked when each route is added, so a bad `config.auth` fails at start-up.
  fastify.addHook('onRoute', (route) => void routeGuards(authConfigOf(route.config), route))
  // A token in the body can only be seen once the body is parsed: `preValidation` is the first hook after
  // parsing. Otherwise `onRequest`, so an unauthenticated request is refused before its body is read.
  fastify.addHook(readsBody ? 'preValidation' : 'onRequest', async (request, reply) => {
    const route = request.routeOptions
    const config = authConfigOf(route.config)
    if (config === false) return
    // Before authentication: a misconfigured route answers the same 500 to everyone, token or not.
    const guards = config === undefined ? NO_GUARDS : requestGuards(route)
    try {
      // Not `await authenticate(request)`: a token known at once then costs the hook no asynchronous hop.
      const outcome = startAuthentication(request)
      request.auth = outcome instanceof Promise ? await outcome : outcome
    } catch (error) {
      throw withRouteScopes(error, guards)
    }
    // Route requirements run right after authentication (before the body is read, unless `body` is set).
    for (const guard of guards) await guard(request, reply)
  })
  // RFC 9728: the document is served by the plugin itself only where its paths are the app's own.
  if (authenticator.resource !== undefined && fastify.prefix === '')
    addMetadataRoutes(fastify, authenticator.resource, authenticate)

  // Routes declared before this plugin was registered (or in the same tick, without `await`) never pass
  // through `onRoute`, and Fastify offers no way to list them afterwards (`printRoutes` shows no config):
  // their `config.auth` is checked at their first request instead. A mistake is logged once per route,
  // naming its declared pattern, and answers a generic 500.
  const reported = new WeakSet<object>()
  function requestGuards(route: FastifyRequest['routeOptions']): GuardHook[] {
    try {
      return routeGuards(authConfigOf(route.config), route)
    } catch (error) {
      if (!reported.has(route.config)) {
        reported.add(route.config)
        fastify.log.error(
          { err: error },
          `tokenguard: route ${routeLabel(route)} has an invalid config.auth and answers 500 until it is ` +
            'fixed. Register jwtAuth before your routes (`await app.register(jwtAuth, ...)`) to catch this ' +
            'at start-up.',
        )
      }
      throw new RouteConfigError()
    }
  }
}

const NO_GUARDS: readonly GuardHook[] = []

/**
 * What a request to a route with an invalid `config.auth` gets: a bare 500. Fastify's default error handler
 * sends `message` to the client, so it says nothing of the route, the option or the request (its URL is
 * the client's text); the details are in the log.
 */
class RouteConfigError extends Error {
  readonly statusCode = 500
  readonly status = 500
  readonly expose = false
  constructor() {
    super('Internal Server Error')
    this.name = new.target.name
  }
}

/**
 * Fastify 4 and 5 plugin: `await app.register(jwtAuth, { issuer, audience })` protects every route of the
 * scope where it is registered, setting `request.auth = { payload, header, token }`. Routes opt out with
 * `config: { auth: false }` and state requirements with `config: { auth: { scopes: [...] } }`. Failures
 * are thrown as an `AuthError` with `statusCode` and `headers`, which Fastify's error handler sends.
 * Options are checked at registration: a bad option fails `register`.
 *
 * Register it (with `await`) **before your routes**: a route's `config.auth` is then checked as the route
 * is added, so a mistake fails start-up. Routes declared earlier are still protected, but Fastify shows
 * them to no plugin: their `config.auth` is checked at their first request, and a mistake there answers
 * a generic 500 and is logged once.
 *
 * @example
 * ```ts
 * await app.register(jwtAuth, { issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })
 * app.get('/items', { config: { auth: { scopes: ['read:items'] } } }, async (request) => request.auth?.payload)
 * ```
 */
export const jwtAuth = fp(plugin, { fastify: '4.x || 5.x', name: '@tokenguard/fastify' })
