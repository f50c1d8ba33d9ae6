import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import Router from '@koa/router'
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { sendRaw } from '../support/raw-http.js'
import { expressVersions, listen as listenExpress } from '../../../express/test/support/app.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'
import { koaVersions, listen as listenKoa } from '../../../koa/test/support/app.js'

/**
 * Attack review, target 1: can a request without a verified token reach a handler with the default
 * configuration (allowPreflight off)? Each app answers every method on `/any` and `/any/:id`, has a
 * method-override middleware *before* jwtAuth (as apps using `method-override` do), and records the
 * `x-test-id` of every request a handler ran for.
 */

interface Running {
  url: string
  close(): Promise<void>
}
type Factory = (options: Record<string, unknown>, reached: (id: unknown) => void) => Promise<Running>

/** What the `method-override` package does: `POST` + `X-HTTP-Method-Override` rewrites the method. */
function override(method: string | undefined, headers: Record<string, unknown>): string | undefined {
  const wanted = headers['x-http-method-override']
  return method === 'POST' && typeof wanted === 'string' ? wanted.toUpperCase() : undefined
}

const expressApp =
  (express: (typeof expressVersions)['Express 5']): Factory =>
  async (options, reached) => {
    const app = express()
    app.set('env', 'test')
    app.use((req, _res, next) => {
      const method = override(req.method, req.headers)
      if (method) req.method = method
      next()
    })
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    const handler = (req: { headers: Record<string, unknown> }, res: { sendStatus(s: number): void }) => {
      reached(req.headers['x-test-id'])
      res.sendStatus(204)
    }
    app.all('/any', handler)
    app.all('/any/:id', handler)
    app.use((req, res) => handler(req, res)) // a catch-all (what serves a 404 page or an SPA)
    return listenExpress(app)
  }

const koaApp =
  (Koa: (typeof koaVersions)['Koa 3']): Factory =>
  async (options, reached) => {
    const app = new Koa({ env: 'production' })
    app.silent = true
    app.use((ctx, next) => {
      const method = override(ctx.method, ctx.headers)
      if (method) ctx.method = method
      return next()
    })
    app.use(koaAdapter.jwtAuth(options as unknown as koaAdapter.JwtAuthOptions))
    const router = new Router()
    const handler = (ctx: { headers: Record<string, unknown>; status: number }) => {
      reached(ctx.headers['x-test-id'])
      ctx.status = 204
    }
    router.all('/any', handler)
    router.all('/any/:id', handler)
    app.use(router.routes())
    app.use(router.allowedMethods())
    app.use(handler) // catch-all
    return listenKoa(app)
  }

const fastifyApp =
  (fastify: (typeof fastifyVersions)['Fastify 5']): Factory =>
  async (options, reached) => {
    const app = fastify()
    await app.register(fastifyAdapter.jwtAuth, options as unknown as fastifyAdapter.JwtAuthOptions)
    const handler = async (
      request: { headers: Record<string, unknown> },
      reply: { code(s: number): { send(): unknown } },
    ) => {
      reached(request.headers['x-test-id'])
      return reply.code(204).send()
    }
    app.all('/any', handler as never)
    app.all('/any/:id', handler as never)
    app.setNotFoundHandler(handler as never)
    return listenFastify(app)
  }

const FRAMEWORKS: Record<string, Factory> = {
  'Express 5': expressApp(expressVersions['Express 5']),
  'Express 4': expressApp(expressVersions['Express 4']),
  'Koa 3': koaApp(koaVersions['Koa 3']),
  'Koa 2': koaApp(koaVersions['Koa 2']),
  'Fastify 5': fastifyApp(fastifyVersions['Fastify 5']),
  'Fastify 4': fastifyApp(fastifyVersions['Fastify 4']),
}

const preflight: Array<[string, string]> = [
  ['origin', 'https://evil.example'],
  ['access-control-request-method', 'DELETE'],
]

/** One request line and headers sent as is over TCP; resolves with the status line. */
function sendLine(baseUrl: string, line: string, headers: Array<[string, string]>): Promise<string> {
  const { hostname, port } = new URL(baseUrl)
  const text = `${line}\r\nHost: ${hostname}:${port}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text))
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    socket.on('end', () => resolve(answer.split('\r\n', 1)[0] as string))
    socket.on('error', reject)
  })
}

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

describe.each(Object.entries(FRAMEWORKS))(
  '%s, default options: nothing reaches a handler without a token',
  (_name, create) => {
    const reached = new Set<unknown>()
    let app: Running
    beforeAll(async () => {
      app = await create({ issuer: issuer.url, audience: issuer.audience }, (id) => reached.add(id))
    })
    afterAll(() => app.close())

    it('control: a valid token reaches the handlers (incl. through the method override)', async () => {
      const token = await issuer.sign()
      for (const [method, path, extra] of [
        ['OPTIONS', '/any', preflight],
        ['POST', '/any/1', [['x-http-method-override', 'OPTIONS'], ...preflight]],
        ['GET', '/nowhere', []],
      ] as Array<[string, string, Array<[string, string]>]>) {
        const id = randomUUID()
        const res = await sendRaw(app.url, {
          method,
          path,
          headers: [
            ...extra,
            ['authorization', `Bearer ${token}`],
            ['x-test-id', id],
            ['content-length', '0'],
          ],
        })
        expect(res.status).toBe(204)
        expect(reached.has(id)).toBe(true)
      }
    })

    it.each([
      ['preflight', 'OPTIONS', '/any'],
      ['preflight on a route parameter', 'OPTIONS', '/any/1'],
      ['preflight, trailing slash', 'OPTIONS', '/any/'],
      ['preflight, percent-encoded path', 'OPTIONS', '/%61ny'],
      ['preflight, upper-case path', 'OPTIONS', '/ANY'],
      ['preflight, dot segment', 'OPTIONS', '/x/../any'],
      ['preflight to a 404 route', 'OPTIONS', '/nowhere'],
      ['GET to a 404 route', 'GET', '/nowhere'],
      ['HEAD', 'HEAD', '/any'],
      ['POST + X-HTTP-Method-Override: OPTIONS (rewritten before jwtAuth)', 'POST', '/any/1'],
    ])('%s → refused, the handler never runs', async (_case, method, path) => {
      const id = randomUUID()
      const res = await sendRaw(app.url, {
        method,
        path,
        headers: [
          ...preflight,
          ['x-http-method-override', 'OPTIONS'],
          ['x-test-id', id],
          ['content-length', '0'],
        ],
      })
      expect([400, 401, 404]).toContain(res.status)
      expect(reached.has(id)).toBe(false)
    })

    it.each([
      ['asterisk form', 'OPTIONS * HTTP/1.1'],
      ['absolute form, another host', 'OPTIONS http://evil.example/any HTTP/1.1'],
      ['HTTP/1.0', 'OPTIONS /any HTTP/1.0'],
      ['double slash', 'OPTIONS //any HTTP/1.1'],
      ['double slash with a parameter', 'OPTIONS //any//1 HTTP/1.1'],
    ])('raw request line, %s → refused, the handler never runs', async (_case, line) => {
      const id = randomUUID()
      const status = await sendLine(app.url, line, [...preflight, ['x-test-id', id]])
      expect(status).toMatch(/ (400|401|404) /)
      expect(reached.has(id)).toBe(false)
    })
  },
)

/**
 * HOLE (Express 5 and 4): a custom `getToken` that rejects (or throws) with a falsy value — `Promise.reject()`,
 * `Promise.reject(null)`, `throw undefined` — or with the string 'route' makes the Express adapter call
 * `next(<that value>)`, which Express reads as "carry on": the next handler runs with no `req.auth` and no
 * token at all. `jwtAuth` forwards the rejection as is (`outcome.then(…, next)` and `catch (error) { next(error) }`
 * in packages/express/src/jwt-auth.ts). Expected: any failure of token extraction refuses the request
 * (wrap a non-Error rejection, or answer 500/401), as Fastify does (500).
 *
 * Koa 3 and 2 never answer such a request (koa's `ctx.onerror(null)` returns without responding): the
 * socket stays open until the server's request timeout. Expected: an error response.
 */
describe('getToken that rejects with a falsy value', () => {
  const rejecting: Array<[string, () => unknown]> = [
    ['Promise.reject()', () => Promise.reject()],
    ['Promise.reject(null)', () => Promise.reject(null)],
    ["Promise.reject('route')", () => Promise.reject('route')],
    [
      'throw undefined',
      () => {
        throw undefined
      },
    ],
  ]

  describe.each(Object.entries(expressVersions))('%s', (_name, express) => {
    it.each(rejecting)('getToken: %s → the DELETE handler must not run', async (_case, getToken) => {
      const app = express()
      app.set('env', 'test')
      let ran = false
      app.use(expressAdapter.jwtAuth({ issuer: issuer.url, audience: issuer.audience, getToken } as never))
      app.delete('/items/1', (req, res) => {
        ran = true
        res.json({ deleted: true, auth: req.auth ?? null })
      })
      const running = await listenExpress(app)
      try {
        const res = await sendRaw(running.url, { method: 'DELETE', path: '/items/1' })
        expect(ran).toBe(false)
        expect(res.status).toBeGreaterThanOrEqual(400)
      } finally {
        await running.close()
      }
    })
  })

  describe.each(Object.entries(koaVersions))('%s', (_name, Koa) => {
    it.each(rejecting.filter(([name]) => name === 'Promise.reject()' || name === 'throw undefined'))(
      'getToken: %s → answered (not left hanging), the handler never runs',
      async (_case, getToken) => {
        const app = new Koa({ env: 'production' })
        app.silent = true
        let ran = false
        app.use(koaAdapter.jwtAuth({ issuer: issuer.url, audience: issuer.audience, getToken } as never))
        app.use((ctx) => {
          ran = true
          ctx.body = { deleted: true }
        })
        const running = await listenKoa(app)
        try {
          const answer = await Promise.race([
            sendRaw(running.url, { method: 'DELETE', path: '/items/1' }).then((res) => res.status),
            new Promise((resolve) => setTimeout(() => resolve('no answer after 2 s'), 2000)),
          ])
          expect(ran).toBe(false)
          expect(answer).toBeGreaterThanOrEqual(400)
        } finally {
          await running.close()
        }
      },
    )
  })

  it.each(Object.entries(fastifyVersions))(
    '%s: getToken Promise.reject() → 500, the handler never runs (holds)',
    async (_name, fastify) => {
      const app = fastify()
      let ran = false
      await app.register(fastifyAdapter.jwtAuth, {
        issuer: issuer.url,
        audience: issuer.audience,
        getToken: () => Promise.reject(),
      } as never)
      app.delete('/items/1', async () => {
        ran = true
        return { deleted: true }
      })
      const running = await listenFastify(app)
      try {
        const res = await sendRaw(running.url, { method: 'DELETE', path: '/items/1' })
        expect(ran).toBe(false)
        expect(res.status).toBe(500)
      } finally {
        await running.close()
      }
    },
  )
})
