import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { sendRaw } from '../support/raw-http.js'
import { expressVersions, listen as listenExpress } from '../../../express/test/support/app.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'

/**
 * LOW, defence in depth (targets 1 and 4, Fastify 5 and 4): the plugin reads a route's `config.auth` through
 * the prototype chain (`route.config?.auth` in packages/fastify/src/plugin.ts), although the same package
 * reads the keys of `config.auth` as own properties only, for exactly this reason. An application that has any
 * prototype-pollution bug elsewhere (a deep merge of a JSON body, a query-string parser) lets an attacker set
 * `Object.prototype.auth = false`, and from then on every route without its own `config.auth` — i.e. every
 * protected route by default — is public: no token is asked for. Expected: `Object.hasOwn(config, 'auth')`,
 * so that only the route's own `auth: false` opts out.
 */
describe.each(Object.entries(fastifyVersions))('%s', (_name, fastify) => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(() => issuer.close())

  it('a polluted Object.prototype.auth = false does not make protected routes public', async () => {
    const app = fastify()
    await app.register(fastifyAdapter.jwtAuth, { issuer: issuer.url, audience: issuer.audience })
    app.get('/secret', async () => 'secret')
    const running = await listenFastify(app)
    const proto = Object.prototype as Record<string, unknown>
    try {
      expect((await sendRaw(running.url, { path: '/secret' })).status).toBe(401) // control
      proto.auth = false // what a prototype-pollution gadget elsewhere in the app would do
      const res = await sendRaw(running.url, { path: '/secret' })
      delete proto.auth
      expect(res.status).toBe(401) // got 200 "secret"
    } finally {
      delete proto.auth
      await running.close()
    }
  })
})

/**
 * Same class, Express 5 and 4 (LOW, needs `credentialsRequired: false`): guards read `req.auth` through the
 * prototype chain, so with `Object.prototype.auth` polluted to `{ payload: { scope: 'admin' } }` a request
 * without any token passes `requireScopes('admin')`. Expected: guards read only what jwtAuth attached
 * (an own property, or a WeakMap keyed by the request as the realm already is).
 */
describe.each(Object.entries(expressVersions))('%s, credentialsRequired: false', (_name, express) => {
  it('a polluted Object.prototype.auth does not satisfy requireScopes', async () => {
    const issuer = await createTestIssuer()
    const app = express()
    app.set('env', 'test')
    // Node's request objects come from outside Jest's sandbox: pollute *their* Object.prototype (the one
    // at the end of req's prototype chain), as a gadget in a real, single-realm app would. Server-side and
    // during the request only, since Node's HTTP client reads options.auth too.
    let proto: Record<string, unknown> = {}
    app.use((req, res, next) => {
      if (req.headers['x-pollute'] === '1') {
        for (let p: object | null = req; p !== null; p = Object.getPrototypeOf(p) as object | null)
          proto = p as Record<string, unknown>
        proto.auth = { payload: { scope: 'admin' }, header: { alg: 'RS256' }, token: 'x' }
        res.on('finish', () => delete proto.auth)
      }
      next()
    })
    app.use(
      expressAdapter.jwtAuth({ issuer: issuer.url, audience: issuer.audience, credentialsRequired: false }),
    )
    app.get('/admin', expressAdapter.requireScopes('admin'), (_req, res) => void res.send('secret'))
    const running = await listenExpress(app)
    try {
      expect((await sendRaw(running.url, { path: '/admin' })).status).toBe(401) // control
      const res = await sendRaw(running.url, { path: '/admin', headers: [['x-pollute', '1']] })
      expect(res.status).toBe(401) // got 200 "secret"
    } finally {
      delete proto.auth
      await running.close()
      await issuer.close()
    }
  })
})
