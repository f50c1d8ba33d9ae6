import {
  createAuthenticator,
  socketCertificate,
  type AuthenticatorOptions,
  type Challenge,
  type RequestFacts,
  type RequestUrl,
  type VerifiedToken,
} from '@tokenguard/core'
import type { Context, Middleware } from 'koa'
import { serveMetadata } from './resource-metadata.js'

declare module 'koa' {
  interface DefaultState {
    /** The verified token, set by `jwtAuth()`. Absent when the request passed without one. */
    auth?: VerifiedToken
  }
}

/** The part of `ctx.state` that `jwtAuth()` sets. */
export interface AuthState {
  auth?: VerifiedToken
}

/**
 * Options of {@link jwtAuth}: the core's `VerifierOptions` (or a shared `verifier`), plus
 * `credentialsRequired`, `getToken(ctx)`, `cookie`, `query`, `body` and `allowPreflight`. With `body`,
 * register a urlencoded body parser with a size limit (`@koa/bodyparser`) before `jwtAuth`.
 */
export type JwtAuthOptions = AuthenticatorOptions<Context>

// Guards run later on the same request and need its challenge (realm, schemes).
const challenges = new WeakMap<Context, Challenge>()

/** The challenge of the `jwtAuth()` that handled `ctx`. */
export function challengeOf(ctx: Context): Challenge | undefined {
  return challenges.get(ctx)
}

/**
 * Where the client sent the request, as Koa sees it: `ctx.protocol` and `ctx.host` (with its port) follow
 * `app.proxy`, and `ctx.originalUrl` keeps the path a router prefix or mount stripped.
 */
function requestUrl(ctx: Context): RequestUrl {
  return { protocol: ctx.protocol, host: ctx.host, path: ctx.originalUrl }
}

/** The client certificate of the request's own TLS connection (when the app terminates TLS itself). */
function clientCertificate(ctx: Context) {
  return socketCertificate(ctx.req.socket)
}

/** The facts with the body a parser (`@koa/bodyparser`, `koa-body`) left on `ctx.request.body`. */
function withBody(ctx: Context): RequestFacts {
  const { method, headers, rawHeaders, url } = ctx.req
  return {
    method: method as string,
    headers,
    rawHeaders,
    url,
    body: (ctx.request as { body?: unknown }).body,
  }
}

/**
 * Koa 2 and 3 middleware: verifies the bearer token and sets `ctx.state.auth = { payload, header, token }`.
 * A failure is thrown as an `AuthError` carrying `status`, `headers` (`WWW-Authenticate`) and `expose`,
 * which Koa's `ctx.onerror` renders; an upstream `try/catch` middleware may format the body instead.
 * Options are checked now: a bad option throws at start-up.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' }))
 * ```
 */
export function jwtAuth(options: JwtAuthOptions): Middleware<AuthState> {
  const authenticator = createAuthenticator<Context>(options, { requestUrl, clientCertificate })
  const readsBody = authenticator.readsBody
  const challenge = authenticator.challenge
  // Only a challenge that says more than the default needs remembering per request.
  const remember =
    challenge.realm !== undefined ||
    challenge.dpopAlgorithms !== undefined ||
    challenge.resourceMetadata !== undefined
  // RFC 9728: the metadata document, served without a token (only where jwtAuth sees the app's root paths).
  const resource = authenticator.resource
  const accept = (ctx: Context, auth: VerifiedToken | null) => {
    if (remember) challenges.set(ctx, challenge)
    if (auth) ctx.state.auth = auth
  }
  // Not an async function: a cached token is known at once, and continuing synchronously spares every
  // such request a promise and a hop. koa-compose turns a synchronous throw into a rejection.
  return (ctx, next) => {
    if (resource !== undefined && serveMetadata(resource, ctx)) return
    // Node's request carries the facts (method, headers, rawHeaders, url): no object per request. Its
    // `method` is typed optional only because client-side messages have none.
    const outcome = authenticator.authenticateNow(ctx, readsBody ? withBody(ctx) : (ctx.req as RequestFacts))
    if (outcome instanceof Promise) {
      return outcome.then((auth) => {
        accept(ctx, auth)
        return next()
      })
    }
    accept(ctx, outcome)
    return next()
  }
}
