import { createAuthenticator, type AuthenticatorOptions, type VerifiedToken } from '@tokenguard/core'
import type { Request, RequestHandler } from 'express'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token, set by `jwtAuth()`. Absent when the request passed without one. */
      auth?: VerifiedToken
    }
  }
}

/**
 * Options of {@link jwtAuth}: the core's `VerifierOptions` (or a shared `verifier`), plus
 * `credentialsRequired`, `getToken(req)`, `cookie`, `query`, `body` and `allowPreflight`. With `body`,
 * register `express.urlencoded({ limit })` before `jwtAuth`: the token is read from `req.body`.
 */
export type JwtAuthOptions = AuthenticatorOptions<Request>

// Guards run later on the same request and need the realm for their challenges.
const realms = new WeakMap<Request, string>()

/** The `realm` configured by the `jwtAuth()` that handled `req`. */
export function realmOf(req: Request): string | undefined {
  return realms.get(req)
}

/**
 * Express 4 and 5 middleware: verifies the bearer token and sets `req.auth = { payload, header, token }`.
 * A failure goes to `next(err)` as an `AuthError` carrying `status`, `headers` (`WWW-Authenticate`) and
 * `expose`, which Express's default handler renders; your own error handler may format the body.
 * Options are checked now: a bad option throws at start-up.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' }))
 * ```
 */
export function jwtAuth(options: JwtAuthOptions): RequestHandler {
  const authenticator = createAuthenticator<Request>(options)
  const accept = (req: Request, auth: VerifiedToken | null) => {
    if (authenticator.realm !== undefined) realms.set(req, authenticator.realm)
    if (auth) req.auth = auth
  }
  return (req, _res, next) => {
    let outcome: ReturnType<typeof authenticator.authenticateNow>
    try {
      // The request itself carries the facts (method, headers, rawHeaders, url, body): no object per request.
      // Under a mount path `req.url` loses its prefix but keeps the query, which is all `query` needs.
      outcome = authenticator.authenticateNow(req, req)
    } catch (error) {
      return next(error)
    }
    // A cached token is known at once: continuing synchronously spares Express an asynchronous hop.
    if (!(outcome instanceof Promise)) {
      accept(req, outcome)
      return next()
    }
    outcome.then((auth) => {
      accept(req, auth)
      next()
    }, next)
  }
}
