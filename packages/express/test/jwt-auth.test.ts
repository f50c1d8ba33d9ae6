import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { ErrorRequestHandler } from 'express'
import express from 'express'
import request from 'supertest'
import { createVerifier, isAuthError, jwtAuth } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

const options = () => ({ issuer: issuer.url, audience: issuer.audience })

describe('jwtAuth (Express)', () => {
  it('sets req.auth to the payload, header and token', async () => {
    const app = express()
    app.use(jwtAuth(options()))
    app.get('/', (req, res) => void res.json(req.auth))
    const token = await issuer.sign({ scope: 'a b' })
    const res = await request(app).get('/').auth(token, { type: 'bearer' }).expect(200)
    expect(res.body).toMatchObject({
      token,
      header: { alg: 'RS256', kid: issuer.kid },
      payload: { scope: 'a b' },
    })
  })

  it('finds a query token under a mount path (Express strips the prefix from req.url, not the query)', async () => {
    const app = express()
    app.use('/api', jwtAuth({ ...options(), query: 'access_token' }))
    app.get('/api/me', (req, res) => void res.json({ sub: req.auth?.payload.sub }))
    const token = await issuer.sign({ sub: 'mounted' })
    const res = await request(app).get(`/api/me?access_token=${token}`).expect(200)
    expect(res.body).toEqual({ sub: 'mounted' })
  })

  it('passes an AuthError to the app’s own error handler, which may format the body', async () => {
    const app = express()
    app.set('env', 'production')
    app.use(jwtAuth(options()))
    app.get('/', (_req, res) => void res.send('unreachable'))
    const handler: ErrorRequestHandler = (err, _req, res, next) => {
      if (!isAuthError(err)) return next(err)
      res.status(err.status).set(err.headers).json({ error: err.code })
    }
    app.use(handler)
    const res = await request(app)
      .get('/')
      .auth(await issuer.sign({}, { expiresIn: -60 }), { type: 'bearer' })
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ error: 'token_expired' })
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
  })

  it('throws at start-up on a bad option, naming it', () => {
    expect(() => jwtAuth({ ...options(), clockTolerance: -1 })).toThrow('"clockTolerance"')
    expect(() => jwtAuth({ ...options(), credentialsRequired: 'no' as never })).toThrow(
      '"credentialsRequired"',
    )
    expect(() => jwtAuth({ audience: 'x' } as never)).toThrow('"issuer"')
  })

  it('shares one verifier between middlewares, and reads the token with getToken', async () => {
    const verifier = createVerifier(options())
    const app = express()
    app.get('/a', jwtAuth({ verifier }), (req, res) => void res.send(req.auth?.payload.sub))
    app.get(
      '/b',
      jwtAuth({ verifier, getToken: (req) => req.get('x-token') }),
      (req, res) => void res.send(req.auth?.payload.sub),
    )
    const token = await issuer.sign()
    await request(app).get('/a').auth(token, { type: 'bearer' }).expect(200, 'test-user')
    await request(app).get('/b').set('x-token', token).expect(200, 'test-user')
    await request(app).get('/b').auth(token, { type: 'bearer' }).expect(401)
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 1 })
  })
})
