import express, { type ErrorRequestHandler, type Express } from 'express'
import {
  createVerifier,
  isAuthError,
  jwtAuth,
  requireScopes,
  type VerifierOptions,
} from '@tokenguard/express'
import type { Registry } from 'prom-client'

/**
 * An API whose operators can see what tokenguard does: `/metrics` for Prometheus, `/ready` for the
 * orchestrator's readiness probe, and (through `observeTokenguard`) a log line for every refused token.
 *
 * - `GET /items` — needs the `read:items` scope.
 * - `GET /ready` — 204 once the issuer's keys are loaded, 503 otherwise (never crashes the process).
 * - `GET /metrics` — Prometheus text format.
 */
export function createApp(options: VerifierOptions, registry: Registry): Express {
  // One verifier shared by the middleware and the readiness probe.
  const verifier = createVerifier(options)
  const app = express()
  app.set('env', 'production')

  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics())
  })
  app.get('/ready', async (_req, res) => {
    try {
      await verifier.ready()
      res.sendStatus(204)
    } catch {
      // The reason is already in the logs (discovery and JWK Set fetch events); the probe only needs 503.
      res.sendStatus(503)
    }
  })

  app.use(jwtAuth({ verifier }))
  app.get('/items', requireScopes('read:items'), (_req, res) => {
    res.json([{ id: 1, name: 'keyboard' }])
  })

  const errors: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent) return next(err)
    // The client gets the generic RFC 6750 answer; the operator's reason went to the log via the events.
    if (isAuthError(err)) return void res.status(err.status).set(err.headers).json({ error: err.code })
    res.status(500).json({ error: 'internal_error' })
  }
  app.use(errors)
  return app
}
