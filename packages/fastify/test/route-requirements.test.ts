import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { FastifyInstance } from 'fastify'
import request from 'supertest'
import { ConfigError, jwtAuth } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { fastifyVersions, type FastifyFactory } from './support/app.js'

/**
 * Catalog item 131: a typo in `config.auth` of a route that `onRoute` never saw (declared before
 * `register(jwtAuth)`). Fastify lists no route (with its config) to a plugin registered later, so such a
 * route is checked at its first request: a generic 500 that never holds the request's URL, one log line.
 */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

const options = () => ({ issuer: issuer.url, audience: issuer.audience })
/** Attacker-chosen text in the path and the query; it must never come back. */
const ECHO = 'pwn3d-%3Cscript%3E'

interface LoggedApp {
  app: FastifyInstance
  /** Parsed log lines at level error and above. */
  errors: Array<{ msg: string; err?: { message: string; type: string } }>
  ran: string[]
}

function loggedApp(fastify: FastifyFactory): LoggedApp {
  const errors: LoggedApp['errors'] = []
  const stream = { write: (line: string) => void errors.push(JSON.parse(line) as LoggedApp['errors'][0]) }
  return { app: fastify({ logger: { level: 'error', stream } }), errors, ran: [] }
}

const ours = (errors: LoggedApp['errors']) => errors.filter((line) => line.msg.startsWith('tokenguard:'))

describe.each(Object.entries(fastifyVersions))('config.auth checks (%s)', (_name, fastify) => {
  it('a typo on a route declared before register: start-up succeeds, then a generic 500, logged once', async () => {
    const { app, errors, ran } = loggedApp(fastify)
    app.get('/items/:id', { config: { auth: { scope: ['read'] } as never } }, async () => {
      ran.push('items')
      return 'unreachable'
    })
    void app.register(jwtAuth, options())
    await app.ready()
    const token = await issuer.sign({ scope: 'read' })
    for (const headers of [{ authorization: `Bearer ${token}` }, {}, { authorization: `Bearer ${token}` }]) {
      const res = await request(app.server).get(`/items/${ECHO}?next=${ECHO}`).set(headers)
      expect(res.status).toBe(500)
      expect(JSON.parse(res.text)).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal Server Error',
      })
      expect(JSON.stringify(res.headers)).not.toContain('pwn3d')
    }
    const head = await request(app.server)
      .head(`/items/${ECHO}`)
      .set({ authorization: `Bearer ${token}` })
    expect(head.status).toBe(500)
    expect(ran).toEqual([])
    // One line per route (GET and its HEAD twin), naming the declared pattern and the option; never the URL.
    const lines = ours(errors)
    expect(lines.map((line) => line.msg)).toEqual([
      expect.stringContaining('route GET /items/:id has an invalid config.auth'),
      expect.stringContaining('route HEAD /items/:id has an invalid config.auth'),
    ])
    expect(lines[0]?.err).toMatchObject({ type: 'ConfigError' })
    expect(lines[0]?.err?.message).toContain('"GET /items/:id config.auth.scope"')
    // Fastify's own 5xx lines carry only the generic error; no message anywhere holds the request's text.
    for (const line of errors) {
      expect(line.msg).not.toContain('pwn3d')
      expect(line.err?.message ?? '').not.toContain('pwn3d')
    }
    await app.close()
  })

  it.each([
    ['an unknown key', { scope: ['read'] }],
    ['a non-array value', { roles: 'admin' }],
    ['an empty list', { scopes: [] }],
    ['a string', 'yes'],
    ['true', true],
    ['null', null],
  ])('%s in config.auth of a route in a scope declared before register → 500', async (_kind, auth) => {
    const { app, errors } = loggedApp(fastify)
    await app.register(
      async (api) => {
        api.all('/x', { config: { auth: auth as never } }, async () => 'unreachable')
        void api.register(jwtAuth, options())
      },
      { prefix: '/api' },
    )
    await app.ready()
    const headers = { authorization: `Bearer ${await issuer.sign({ scope: 'read', roles: ['admin'] })}` }
    expect((await request(app.server).get(`/api/x?${ECHO}`).set(headers)).status).toBe(500)
    expect((await request(app.server).post('/api/x').set(headers)).status).toBe(500)
    // `all` is one route, whatever the method: one log line.
    expect(ours(errors)).toHaveLength(1)
    expect(ours(errors)[0]?.msg).toMatch(/route [A-Z,]+ \/api\/x has an invalid config\.auth/)
    await app.close()
  })

  it('a typo in a child scope loaded before the root registers jwtAuth → 500, the route stays protected', async () => {
    const { app, errors } = loggedApp(fastify)
    await app.register(async (child) => {
      child.get('/c', { config: { auth: { role: ['admin'] } as never } }, async () => 'unreachable')
      child.get('/open', async (request) => request.auth?.payload.sub)
    })
    await app.register(jwtAuth, options())
    await app.ready()
    const headers = { authorization: `Bearer ${await issuer.sign({ roles: ['admin'] })}` }
    expect((await request(app.server).get('/c').set(headers)).status).toBe(500)
    expect((await request(app.server).get('/open')).status).toBe(401)
    expect((await request(app.server).get('/open').set(headers)).text).toBe('test-user')
    expect(ours(errors)).toHaveLength(1)
    expect(ours(errors)[0]?.err?.message).toContain('"GET /c config.auth.role"')
    await app.close()
  })

  it('a valid config.auth on a route declared before register is enforced', async () => {
    const { app, errors } = loggedApp(fastify)
    app.get(
      '/items',
      { config: { auth: { scopes: ['read'] } } },
      async (request) => request.auth?.payload.sub,
    )
    void app.register(jwtAuth, options())
    await app.ready()
    const call = async (claims?: Record<string, unknown>) => {
      const req = request(app.server).get('/items')
      return claims ? req.auth(await issuer.sign(claims), { type: 'bearer' }) : req
    }
    expect((await call({ scope: 'read' })).text).toBe('test-user')
    expect((await call({ scope: 'write' })).status).toBe(403)
    expect((await call()).status).toBe(401)
    expect(errors).toEqual([])
    await app.close()
  })

  it('routes declared after an awaited register fail at start-up, naming the declared pattern', async () => {
    const app = fastify()
    await app.register(
      async (api) => {
        await api.register(jwtAuth, options())
        expect(() =>
          api.get('/items/:id', { config: { auth: { scope: ['read'] } as never } }, async () => 'x'),
        ).toThrow('"GET /api/items/:id config.auth.scope"')
        expect(() => api.get('/other', { config: { auth: { scopes: [] } } }, async () => 'x')).toThrow(
          ConfigError,
        )
        // Names found on Object.prototype are typos too, not requirement builders.
        for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
          const auth = JSON.parse(`{"${key}":["admin"]}`) as never
          expect(() => api.get(`/proto-${key}`, { config: { auth } }, async () => 'x')).toThrow(
            `config.auth.${key}"`,
          )
        }
      },
      { prefix: '/api' },
    )
    await app.close()
  })
})
