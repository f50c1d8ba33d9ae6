import {
  createAuthenticator,
  type AuthenticatorOptions,
  type RequestFacts,
  type VerifiedToken,
} from '@tokenguard/core'
import type { Context, Middleware } from 'koa'

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

// Guards run later on the same request and need the realm for their challenges.
const realms = new WeakMap<Context, string>()

/** The `realm` configured by the `jwtAuth()` that handled `ctx`. */
export function realmOf(ctx: Context): string | undefined {
  return realms.get(ctx)
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
  const authenticator = createAuthenticator<Context>(options)
  const readsBody = authenticator.readsBody
  const accept = (ctx: Context, auth: VerifiedToken | null) => {
    if (authenticator.realm !== undefined) realms.set(ctx, authenticator.realm)
    if (auth) ctx.state.auth = auth
  }
  // Not an async function: a cached token is known at once, and continuing synchronously spares every
  // such request a promise and a hop. koa-compose turns a synchronous throw into a rejection.
  return (ctx, next) => {
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
