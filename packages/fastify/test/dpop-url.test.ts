import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { FastifyInstance } from 'fastify'
import { jwtAuth } from '@tokenguard/fastify'
import { createUrlProbe, type UrlProbe } from '../../testing/test/support/dpop-url.js'
import { fastifyVersions } from './support/app.js'

/**
 * The URI a DPoP proof must name is the request's URL as Fastify sees it: `request.protocol` and the host
 * (Fastify 5 `host`, Fastify 4 `hostname`, both with the port) under `trustProxy`, and the whole `url`
 * under a plugin prefix.
 */

const PUBLIC = 'https://api.example.test'
const forwarded: Array<[string, string]> = [
  ['x-forwarded-proto', 'https'],
  ['x-forwarded-host', 'api.example.test'],
]
let probe: UrlProbe
let app: FastifyInstance | undefined

beforeAll(async () => {
  probe = await createUrlProbe()
})
afterEach(async () => {
  await app?.close()
  app = undefined
})
afterAll(() => probe.close())

describe.each(Object.entries(fastifyVersions))('%s', (_name, fastify) => {
  async function start(setup: (app: FastifyInstance) => Promise<void>, trustProxy = false): Promise<string> {
    app = fastify({ trustProxy })
    await setup(app)
    return app.listen({ port: 0, host: '127.0.0.1' })
  }
  const protectedRoute = async (instance: FastifyInstance) => {
    await instance.register(jwtAuth, probe.options)
    instance.get('/protected', async () => ({ ok: true }))
  }

  it('trustProxy off: X-Forwarded-Proto and -Host are ignored', async () => {
    const url = await start(protectedRoute)
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(401)
    expect(await probe.status(url, `${url}/protected`, { headers: forwarded })).toBe(200)
  })

  it('trustProxy on: the forwarded protocol and host count', async () => {
    const url = await start(protectedRoute, true)
    expect(await probe.status(url, `${PUBLIC}/protected`, { headers: forwarded })).toBe(200)
    expect(await probe.status(url, `${url}/protected`, { headers: forwarded })).toBe(401)
  })

  it('a plugin under a prefix: the proof names the full path', async () => {
    const url = await start(async (instance) => {
      await instance.register(
        async (child) => {
          await child.register(jwtAuth, probe.options)
          child.get('/items', async () => ({ ok: true }))
        },
        { prefix: '/api' },
      )
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
