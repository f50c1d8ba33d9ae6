import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import express5 from 'express'
import express4 from 'express4'
import { jwtAuth, requireScopes, type JwtAuthOptions } from '@tokenguard/express'
import type { ConformanceServer } from '../../../testing/test/conformance/app-contract.js'

export const expressVersions = { 'Express 5': express5, 'Express 4': express4 } as const

export type ExpressFactory = typeof express5

/** Starts `app` on 127.0.0.1 (port 0). */
export async function listen(app: Express): Promise<ConformanceServer> {
  const server: Server = await new Promise((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The conformance app of app-contract.ts, in production mode with Express's default error handler. */
export function conformanceApp(express: ExpressFactory, options: Record<string, unknown>): Express {
  const app = express()
  app.set('env', 'production')
  app.use(express.urlencoded({ extended: false, limit: '16kb' }))
  app.use(jwtAuth(options as unknown as JwtAuthOptions))
  app.options('/protected', (_req, res) => void res.sendStatus(204))
  app.get('/protected', (req, res) => void res.json({ auth: req.auth?.payload ?? null }))
  app.post('/protected', (req, res) => void res.json({ auth: req.auth?.payload ?? null }))
  app.get('/scoped', requireScopes('read:items'), (_req, res) => void res.json({ ok: true }))
  return app
}
