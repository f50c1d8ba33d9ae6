import express, { type ErrorRequestHandler, type Express } from 'express'
import { isAuthError, jwtAuth, requireRoles, requireScopes, type JwtAuthOptions } from '@tokenguard/express'

/** Options of {@link createApp}: how tokens are verified (at least `issuer` and `audience`). */
export type AppOptions = JwtAuthOptions

/** The example's data: what `read:items` grants. */
export const ITEMS = [
  { id: 1, name: 'keyboard' },
  { id: 2, name: 'mouse' },
] as const

// One JSON shape for every error. Auth errors keep their status and headers (`WWW-Authenticate`,
// `Retry-After`) and their generic message; anything else is a bare 500, so no stack trace ever leaves.
const errors: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err)
  if (isAuthError(err)) {
    // A 503 means the identity provider's keys are unreachable: worth a log line (the cause, never the token).
    if (err.status >= 500) console.error('token keys unavailable:', err.cause)
    res.status(err.status).set(err.headers).json({ error: err.code, message: err.message })
    return
  }
  console.error('unexpected error:', err)
  res.status(500).json({ error: 'internal_error' })
}

/**
 * The example API. Library code reads no environment: the caller passes the verifier options.
 *
 * - `GET /health` — public.
 * - `GET /me` — any valid token; returns its claims.
 * - `GET /items` — needs the `read:items` scope.
 * - `GET /admin` — needs the `admin` role (`roles`, `groups`, `cognito:groups` or Keycloak realm roles).
 *
 * @example
 * ```ts
 * createApp({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' }).listen(3000)
 * ```
 */
export function createApp(options: AppOptions): Express {
  const app = express()
  app.disable('x-powered-by')

  // Registered before jwtAuth, so it needs no token.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  app.use(jwtAuth(options))

  app.get('/me', (req, res) => {
    res.json(req.auth!.payload)
  })
  app.get('/items', requireScopes('read:items'), (_req, res) => {
    res.json(ITEMS)
  })
  app.get('/admin', requireRoles('admin'), (req, res) => {
    res.json({ message: `hello, admin ${req.auth!.payload.sub ?? ''}`.trim() })
  })

  app.use(errors)
  return app
}
