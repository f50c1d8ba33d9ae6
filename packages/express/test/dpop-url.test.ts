import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Express } from 'express'
import { jwtAuth } from '@tokenguard/express'
import { createUrlProbe, type UrlProbe } from '../../testing/test/support/dpop-url.js'
import type { ConformanceServer } from '../../testing/test/conformance/app-contract.js'
import { expressVersions, listen } from './support/app.js'

/**
 * The URI a DPoP proof must name is the request's URL as Express sees it: `req.protocol` and the host
 * under the app's `trust proxy` setting (with the port, on Express 4 too), and `req.originalUrl` under a
 * mounted router.
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

describe.each(Object.entries(expressVersions))('%s', (_name, express) => {
  async function start(setup: (app: Express) => void): Promise<string> {
    const app = express()
    app.set('env', 'production')
    setup(app)
    server = await listen(app)
    return server.url
  }
  const protectedRoute = (app: Express) => {
    app.use(jwtAuth(probe.options))
    app.get('/protected', (req, res) => void res.json({ binding: req.auth?.binding }))
  }

  it('trust proxy off: X-Forwarded-Proto and -Host are ignored', async () => {
    const url = await start(protectedRoute)
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(401)
    expect(await probe.status(url, `${url}/protected`, { headers: forwarded })).toBe(200)
  })

  it('trust proxy on: the forwarded protocol and host count', async () => {
    const url = await start((app) => {
      app.set('trust proxy', 'loopback')
      protectedRoute(app)
    })
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(200)
    expect(await probe.status(url, `${url}/protected`, { headers: forwarded })).toBe(401)
  })

  it('trust proxy on: the first of several X-Forwarded-Host values', async () => {
    const url = await start((app) => {
      app.set('trust proxy', true)
      protectedRoute(app)
    })
    const headers: Array<[string, string]> = [['x-forwarded-host', 'api.example.test, evil.example']]
    expect(await probe.status(url, 'http://api.example.test/protected', { headers })).toBe(200)
    expect(await probe.status(url, 'http://evil.example/protected', { headers })).toBe(401)
  })

  it('trust proxy for another address: the loopback client is not trusted', async () => {
    const url = await start((app) => {
      app.set('trust proxy', '10.0.0.1')
      protectedRoute(app)
    })
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(401)
  })

  it('a router mounted under /api: the proof names /api/… (req.originalUrl)', async () => {
    const url = await start((app) => {
      const router = express.Router()
      router.use(jwtAuth(probe.options))
      router.get('/items', (_req, res) => void res.json({ ok: true }))
      app.use('/api', router)
    })
    expect(await probe.status(url, `${url}/api/items`, { path: '/api/items?page=2' })).toBe(200)
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
