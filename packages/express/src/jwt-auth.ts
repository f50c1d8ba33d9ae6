import {
  createAuthenticator,
  type AuthenticatorOptions,
  type Challenge,
  type RequestUrl,
  socketCertificate,
  type VerifiedToken,
} from '@tokenguard/core'
import type { Request, RequestHandler } from 'express'
import { serveMetadata } from './resource-metadata.js'

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

// Guards run later on the same request and need its challenge (realm, schemes).
const challenges = new WeakMap<Request, Challenge>()

/** The challenge of the `jwtAuth()` that handled `req`. */
export function challengeOf(req: Request): Challenge | undefined {
  return challenges.get(req)
}

/**
 * Where the client sent the request, as Express sees it: `req.protocol` and the host follow `trust proxy`
 * (`X-Forwarded-Proto`, `X-Forwarded-Host` only from a trusted proxy), and `originalUrl` keeps the mount
 * path. The host is read as Express 5's `req.host` does, with its port, on Express 4 too (whose `req.host`
 * drops the port).
 */
function requestUrl(req: Request): RequestUrl {
  const trust = req.app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean
  let host = req.get('X-Forwarded-Host')
  if (host === undefined || !trust(req.socket.remoteAddress, 0)) host = req.get('Host')
  else if (host.includes(',')) host = host.slice(0, host.indexOf(',')).trimEnd()
  return { protocol: req.protocol, host: host ?? '', path: req.originalUrl }
}

/** The client certificate of the request's own TLS connection (when the app terminates TLS itself). */
function clientCertificate(req: Request) {
  return socketCertificate(req.socket)
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
  const authenticator = createAuthenticator<Request>(options, { requestUrl, clientCertificate })
  const challenge = authenticator.challenge
  // Only a challenge that says more than the default needs remembering per request.
  const remember =
    challenge.realm !== undefined ||
    challenge.dpopAlgorithms !== undefined ||
    challenge.resourceMetadata !== undefined
  // RFC 9728: the metadata document, served without a token (only where jwtAuth sees the app's root paths).
  const resource = authenticator.resource
  const accept = (req: Request, auth: VerifiedToken | null) => {
    if (remember) challenges.set(req, challenge)
    if (auth) req.auth = auth
  }
  return (req, res, next) => {
    if (resource !== undefined && serveMetadata(resource, req, res)) return
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
