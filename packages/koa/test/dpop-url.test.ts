import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import Router from '@koa/router'
import type Koa from 'koa'
import { jwtAuth } from '@tokenguard/koa'
import { createUrlProbe, type UrlProbe } from '../../testing/test/support/dpop-url.js'
import type { ConformanceServer } from '../../testing/test/conformance/app-contract.js'
import { koaVersions, listen } from './support/app.js'

/**
 * The URI a DPoP proof must name is the request's URL as Koa sees it: `ctx.protocol` and `ctx.host` (with
 * its port) under `app.proxy`, and `ctx.originalUrl` under a router prefix or a mount.
 */

const PUBLIC = 'https://api.example.test'
const forwarded: Array<[string, string]> = [
  ['x-forwarded-proto', 'https'],
  ['x-forwarded-host', 'api.example.test'],
]
let probe: UrlProbe
let server: ConformanceServer | undefined

beforeAll(async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  probe = await createUrlProbe()
})
afterEach(async () => {
  await server?.close()
  server = undefined
})
afterAll(async () => {
  await probe.close()
  jest.restoreAllMocks()
})

/** What koa-mount does: the app below sees the path without the prefix; `originalUrl` keeps it. */
function mount(prefix: string, inner: Koa.Middleware): Koa.Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(`${prefix}/`)) return next()
    const path = ctx.path
    ctx.path = path.slice(prefix.length)
    try {
      await inner(ctx, next)
    } finally {
      ctx.path = path
    }
  }
}

describe.each(Object.entries(koaVersions))('%s', (_name, KoaClass) => {
  async function start(setup: (app: Koa) => void, proxy = false): Promise<string> {
    const app = new KoaClass({ env: 'production', proxy })
    setup(app)
    server = await listen(app)
    return server.url
  }
  const protectedRoute = (app: Koa) => {
    app.use(jwtAuth(probe.options))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
  }

  it('app.proxy off: X-Forwarded-Proto and -Host are ignored', async () => {
    const url = await start(protectedRoute)
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(401)
    expect(await probe.status(url, `${url}/protected`, { headers: forwarded })).toBe(200)
  })

  it('app.proxy on: the forwarded protocol and host count', async () => {
    const url = await start(protectedRoute, true)
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(200)
    expect(await probe.status(url, `${url}/protected`, { headers: forwarded })).toBe(401)
  })

  it('@koa/router with a prefix: the proof names the full path', async () => {
    const url = await start((app) => {
      const router = new Router({ prefix: '/api' })
      router.use(jwtAuth(probe.options))
      router.get('/items', (ctx) => {
        ctx.body = { ok: true }
      })
      app.use(router.routes())
    })
    expect(await probe.status(url, `${url}/api/items`, { path: '/api/items?page=2' })).toBe(200)
    expect(await probe.status(url, `${url}/items`, { path: '/api/items' })).toBe(401)
  })

  it('a mounted app: the proof names the path before the mount (ctx.originalUrl)', async () => {
    const url = await start((app) => {
      const auth = jwtAuth(probe.options)
      app.use(
        mount('/api', async (ctx, next) => {
          await auth(ctx, next)
          if (ctx.path === '/items') ctx.body = { ok: true }
        }),
      )
    })
    expect(await probe.status(url, `${url}/api/items`, { path: '/api/items' })).toBe(200)
    expect(await probe.status(url, `${url}/items`, { path: '/api/items' })).toBe(401)
  })

  it('a Host with a port: the port is part of the URI, a default port is not', async () => {
    const url = await start(protectedRoute)
    const host = (value: string): Array<[string, string]> => [['host', value]]
    expect(
      await probe.status(url, 'http://api.example.test:8443/protected', {
        headers: host('api.example.test:8443'),
      }),
    ).toBe(200)
    expect(
      await probe.status(url, 'http://api.example.test/protected', {
        headers: host('api.example.test:8443'),
      }),
    ).toBe(401)
    expect(
      await probe.status(url, 'http://api.example.test/protected', { headers: host('api.example.test:80') }),
    ).toBe(200)
  })
})
