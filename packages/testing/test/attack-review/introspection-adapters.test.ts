import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import Router from '@koa/router'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import { Writable } from 'node:stream'
import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '../../src/index.js'
import { expressVersions, listen as listenExpress } from '../../../express/test/support/app.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'
import { koaVersions, listen as listenKoa } from '../../../koa/test/support/app.js'
import {
  activeClaims,
  opaqueToken,
  optionsFor,
  startIntrospectionServer,
  type IntrospectionServer,
} from '../../../core/test/introspection/introspection-server.js'

/**
 * Attack review of introspection (RFC 7662) through every adapter, with handlers that answer every method
 * (Express `app.all`, Koa `router.all`, Fastify `all`): a bound opaque token sent as Bearer, a cached answer
 * reused across schemes, the endpoint down or saying inactive, prototype keys against the scope guards, and
 * the token's text in what the frameworks log. A real endpoint on 127.0.0.1 answers per token.
 */

interface App {
  url: string
  close(): Promise<void>
}
type Factory = (options: Record<string, unknown>) => Promise<App>

/** Every line the frameworks log, per test. */
let logged: string[] = []
const sink = () =>
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString())
      done()
    },
  })

const passed = (auth: { payload: unknown; binding?: unknown } | null | undefined) => ({
  passed: true,
  auth: auth?.payload ?? null,
  binding: auth?.binding ?? null,
})

function expressApp(express: (typeof expressVersions)['Express 5']): Factory {
  return async (options) => {
    const app = express()
    app.set('env', 'production')
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    app.all('/admin', expressAdapter.requireScopes('admin'), (_req, res) => void res.json({ passed: true }))
    app.all('/{*any}', (req, res) => void res.json(passed(req.auth)))
    return listenExpress(app)
  }
}

function express4App(): Factory {
  return async (options) => {
    const app = expressVersions['Express 4']()
    app.set('env', 'production')
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    app.all('/admin', expressAdapter.requireScopes('admin'), (_req, res) => void res.json({ passed: true }))
    app.all('*', (req, res) => void res.json(passed(req.auth)))
    return listenExpress(app as never)
  }
}

function koaApp(Koa: (typeof koaVersions)['Koa 3']): Factory {
  return async (options) => {
    const app = new Koa({ env: 'production' })
    const router = new Router()
    router.all('/admin', koaAdapter.requireScopes('admin'), (ctx) => {
      ctx.body = { passed: true }
    })
    router.all(/.*/, (ctx) => {
      ctx.body = passed(ctx.state.auth)
    })
    app.use(koaAdapter.jwtAuth(options as unknown as koaAdapter.JwtAuthOptions))
    app.use(router.routes())
    return listenKoa(app)
  }
}

function fastifyApp(fastify: (typeof fastifyVersions)['Fastify 5']): Factory {
  return async (options) => {
    const app = fastify({ logger: { level: 'info', stream: sink() } })
    await app.register(fastifyAdapter.jwtAuth, options as unknown as fastifyAdapter.JwtAuthOptions)
    app.all('/admin', { preHandler: fastifyAdapter.requireScopes('admin') }, async () => ({ passed: true }))
    app.all('/*', async (request) => passed(request.auth))
    return listenFastify(app)
  }
}

const APPS: Record<string, Factory> = {
  'Express 5': expressApp(expressVersions['Express 5']),
  'Express 4': express4App(),
  'Koa 3': koaApp(koaVersions['Koa 3']),
  'Koa 2': koaApp(koaVersions['Koa 2']),
  'Fastify 5': fastifyApp(fastifyVersions['Fastify 5']),
  'Fastify 4': fastifyApp(fastifyVersions['Fastify 4']),
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']

let server: IntrospectionServer
let victim: DpopClient
let attacker: DpopClient
/** A second trusted issuer, of JWTs only. */
let other: TestIssuer
/** The answer per token; tokens not listed are inactive. */
const answers = new Map<string, Record<string, unknown> | 'fail'>()

beforeAll(async () => {
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(
      args.map((arg) => (arg instanceof Error ? `${arg.stack} ${String(arg.cause)}` : String(arg))).join(' '),
    )
  })
  ;[server, victim, attacker, other] = await Promise.all([
    startIntrospectionServer(),
    createDpopClient(),
    createDpopClient(),
    createTestIssuer(),
  ])
  server.answer = (request, res) => {
    const answer = answers.get(request.form.get('token') ?? '') ?? { active: false }
    if (answer === 'fail') return void res.writeHead(500).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
  }
})
afterAll(async () => {
  await Promise.all([server.close(), other.close()])
  jest.restoreAllMocks()
})
afterEach(() => {
  logged = []
})

async function send(app: App, method: string, path: string, headers: Record<string, string>) {
  const res = await fetch(`${app.url}${path}`, { method, headers })
  const text = await res.text()
  return { status: res.status, text }
}

describe.each(Object.entries(APPS))('%s', (_name, createApp) => {
  let dpop: App
  let dpopCached: App
  let plain: App
  let twoIssuers: App
  beforeAll(async () => {
    const introspecting = (await optionsFor(server)) as unknown as Record<string, unknown>
    ;[dpop, dpopCached, plain, twoIssuers] = await Promise.all([
      createApp({ ...introspecting, dpop: { mode: 'allowed' } }),
      createApp({ ...(await optionsFor(server, { cache: true })), dpop: { mode: 'allowed' } } as never),
      createApp(introspecting),
      createApp({
        issuer: [...(introspecting.issuer as unknown[]), { issuer: other.url }],
        audience: [introspecting.audience as string, other.audience],
        cookie: 'at',
      }),
    ])
  })
  afterAll(() => Promise.all([dpop.close(), dpopCached.close(), plain.close(), twoIssuers.close()]))

  const boundToken = () => {
    const token = opaqueToken('bound')
    answers.set(token, activeClaims({ token_type: 'DPoP', cnf: { jkt: victim.thumbprint } }))
    return token
  }

  it('a DPoP-bound opaque token sent as Bearer never passes, whatever the method (with and without dpop)', async () => {
    const token = boundToken()
    for (const method of METHODS)
      for (const [app, code] of [
        [dpop, 401],
        [plain, 401],
      ] as const) {
        const res = await send(app, method, '/any', { authorization: `Bearer ${token}` })
        expect([method, res.status]).toEqual([method, code])
      }
  })

  it('with its proof it passes once; the attacker’s proof, and a Bearer reuse of the cached answer, do not', async () => {
    const token = boundToken()
    for (const app of [dpop, dpopCached]) {
      const url = `${app.url}/any`
      const good = await send(app, 'POST', '/any', {
        authorization: `DPoP ${token}`,
        dpop: await victim.proof({ method: 'POST', url, accessToken: token }),
      })
      expect(good.status).toBe(200)
      expect(JSON.parse(good.text)).toMatchObject({
        binding: { method: 'dpop', thumbprint: victim.thumbprint },
      })
      const stolen = await send(app, 'POST', '/any', {
        authorization: `DPoP ${token}`,
        dpop: await attacker.proof({ method: 'POST', url, accessToken: token }),
      })
      expect(stolen.status).toBe(401)
      const bearer = await send(app, 'GET', '/any', { authorization: `Bearer ${token}` })
      expect(bearer.status).toBe(401)
    }
  })

  it('an endpoint failure is a 503 on every method: never a 401, never a pass; no token text logged', async () => {
    const token = opaqueToken('down')
    answers.set(token, 'fail')
    for (const method of METHODS) {
      const res = await send(plain, method, '/any', { authorization: `Bearer ${token}` })
      expect([method, res.status]).toEqual([method, 503])
      expect(res.text).not.toContain(token)
      const proof = await victim.proof({ method, url: `${dpop.url}/any`, accessToken: token })
      const viaDpop = await send(dpop, method, '/any', { authorization: `DPoP ${token}`, dpop: proof })
      expect([method, viaDpop.status]).toEqual([method, 503])
    }
    expect(logged.join('\n')).not.toContain(token)
  })

  it('an inactive token is a 401 on every method, and nothing about it is logged with its text', async () => {
    const token = opaqueToken('inactive')
    for (const method of METHODS) {
      const res = await send(plain, method, '/any', { authorization: `Bearer ${token}` })
      expect([method, res.status]).toEqual([method, 401])
    }
    expect(logged.join('\n')).not.toContain(token)
  })

  it('scopes hidden under __proto__ or constructor in the answer do not satisfy requireScopes', async () => {
    const token = opaqueToken('proto')
    const rest = JSON.stringify(activeClaims({ scope: 'read' })).slice(1, -1)
    answers.set(
      token,
      JSON.parse(
        `{"__proto__":{"scope":"admin","scp":["admin"]},"constructor":{"prototype":{"scope":"admin"}},${rest}}`,
      ) as Record<string, unknown>,
    )
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await send(plain, method, '/admin', { authorization: `Bearer ${token}` })
      expect([method, res.status]).toEqual([method, 403])
    }
    const ok = await send(plain, 'GET', '/any', { authorization: `Bearer ${token}` })
    expect(ok.status).toBe(200)
  })

  /**
   * HOLE (low, see introspection-state.test.ts): a JWT of the other trusted issuer in a quoted cookie value
   * (RFC 6265 §4.1.1 allows DQUOTEs; `fromCookie` keeps them) is not JWT-shaped, so it is posted to the
   * introspecting authorization server.
   */
  it('a JWT of the other issuer in a quoted cookie is never posted to the introspection endpoint', async () => {
    const jwt = await other.sign({})
    const unquoted = await send(twoIssuers, 'GET', '/any', { cookie: `at=${jwt}` })
    expect(unquoted.status).toBe(200)
    const before = server.requests.length
    const quoted = await send(twoIssuers, 'GET', '/any', { cookie: `at="${jwt}"` })
    expect(quoted.status).toBe(401)
    expect(server.requests.slice(before).map((request) => request.form.get('token'))).toEqual([])
  })

  /**
   * HOLE (low): an answer with `token_type: "DPoP"` says the token is DPoP-bound (RFC 9449 §6.2), and
   * RFC 9449 §7.2 has a DPoP-bound token refused with the Bearer scheme. Without `cnf.jkt` beside it, the
   * answer is accepted as a plain bearer token (introspection-answer.ts `checkAnswerClaims` accepts the
   * type; binding.ts `readBinding` only looks at `cnf`). Expected: refused (an answer that names DPoP
   * but no key can be checked by no one).
   */
  it('an answer that says token_type DPoP without cnf is not accepted as a Bearer token', async () => {
    const token = opaqueToken('dpop-typed')
    answers.set(token, activeClaims({ token_type: 'DPoP' }))
    for (const app of [dpop, plain]) {
      const res = await send(app, 'GET', '/any', { authorization: `Bearer ${token}` })
      expect(res.status).toBe(401)
    }
  })
})
