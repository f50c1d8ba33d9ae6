import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Request, RequestHandler } from 'express'
import request from 'supertest'
import { jwtAuth, type JwtAuthOptions } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { describePreflightBypass } from '../../testing/test/security-http/preflight-bypass.js'
import { expressVersions, listen } from './support/app.js'

// Handlers that answer every method, written each way Express allows.
const PATHS = ['/all', '/use', '/router/all', '/sub/all', '/sub/use'] as const

for (const [name, express] of Object.entries(expressVersions)) {
  describePreflightBypass(name, PATHS, async (options, reached) => {
    const auth = () => jwtAuth(options as unknown as JwtAuthOptions)
    const handler: RequestHandler = (req, res) => {
      reached(req.get('x-test-id'))
      res.json({ auth: req.auth?.payload ?? null })
    }
    const app = express()
    app.set('env', 'production')
    app.use(auth())
    app.all('/all', handler)
    app.use('/use', handler)
    const router = express.Router()
    router.all('/all', handler)
    app.use('/router', router)
    // A mounted sub-app with its own jwtAuth, reached through a public prefix of the parent.
    const sub = express()
    sub.use(auth())
    sub.all('/all', handler)
    sub.use('/use', handler)
    const parent = express()
    parent.set('env', 'production')
    parent.use('/sub', sub)
    parent.use(app)
    return listen(parent)
  })
}

describe('CORS middleware before jwtAuth (Express)', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(() => issuer.close())

  // What `cors()` does with a preflight: answers it and ends the request, so jwtAuth never sees it.
  const corsLike: RequestHandler = (req, res, next) => {
    res.set('Access-Control-Allow-Origin', 'https://app.example')
    if (req.method !== 'OPTIONS') return next()
    res.set('Access-Control-Allow-Headers', 'Authorization').sendStatus(204)
  }

  it.each(Object.entries(expressVersions))(
    '%s: preflights get their CORS answer, every other request still needs a token',
    async (_name, express) => {
      const ran: string[] = []
      const app = express()
      app.use(corsLike)
      app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience }))
      app.all('/items', (req: Request, res) => {
        ran.push(req.method)
        res.json({ sub: req.auth?.payload.sub })
      })
      const preflight = await request(app)
        .options('/items')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET')
      expect(preflight.status).toBe(204)
      expect(preflight.headers['access-control-allow-headers']).toBe('Authorization')
      const anonymous = await request(app).get('/items').set('Origin', 'https://app.example')
      expect(anonymous.status).toBe(401)
      // The browser can read the 401 because the CORS headers are set before jwtAuth runs.
      expect(anonymous.headers['access-control-allow-origin']).toBe('https://app.example')
      const signed = await request(app)
        .get('/items')
        .auth(await issuer.sign(), { type: 'bearer' })
      expect(signed.body).toEqual({ sub: 'test-user' })
      expect(ran).toEqual(['GET'])
    },
  )
})
