import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import Koa3 from 'koa'
import Koa2 from 'koa2'
import { jwtAuth, requireScopes, type JwtAuthOptions } from '@tokenguard/koa'
import type { ConformanceServer } from '../../../testing/test/conformance/app-contract.js'
import { formBody } from './form-body.js'

export const koaVersions = { 'Koa 3': Koa3, 'Koa 2': Koa2 } as const

export type KoaClass = typeof Koa3

/** Starts `app` on 127.0.0.1 (port 0). */
export async function listen(app: Koa3): Promise<ConformanceServer> {
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

/** The conformance app of app-contract.ts, in production mode with Koa's default error handling. */
export function conformanceApp(Koa: KoaClass, options: Record<string, unknown>): Koa3 {
  const app = new Koa({ env: 'production' })
  const router = new Router()
  router.options('/protected', (ctx) => {
    ctx.status = 204
  })
  router.get('/protected', (ctx) => {
    ctx.body = { auth: ctx.state.auth?.payload ?? null }
  })
  router.post('/protected', (ctx) => {
    ctx.body = { auth: ctx.state.auth?.payload ?? null }
  })
  router.get('/scoped', requireScopes('read:items'), (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(formBody())
  app.use(jwtAuth(options as unknown as JwtAuthOptions))
  app.use(router.routes())
  return app
}
