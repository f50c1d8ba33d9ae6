import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { format } from 'node:util'
import request from 'supertest'
import { AuthError, jwtAuth, requireScopes, type AuthErrorCode } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { expressVersions, listen, type ExpressFactory } from './support/app.js'

/**
 * A rejected token is an expected outcome: with Express's default error handler, a 401 or 403 logs one
 * line and a development error page shows no stack or server path. A 503 keeps its stack for operators.
 */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

let logged: string[]
beforeEach(() => {
  logged = []
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(format(...args))
  })
})
afterEach(() => {
  jest.restoreAllMocks()
})

const FRAME = /\n\s+at /

function appOf(express: ExpressFactory, env: string, options: Record<string, unknown> = {}) {
  const app = express()
  app.set('env', env)
  app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, ...options }))
  app.get('/scoped', requireScopes('write'), (_req, res) => void res.send('ok'))
  app.get('/', (_req, res) => void res.send('ok'))
  return app
}

async function get(app: ReturnType<typeof appOf>, path: string, token?: string) {
  const server = await listen(app)
  try {
    const req = request(server.url).get(path)
    return await (token === undefined ? req : req.auth(token, { type: 'bearer' }))
  } finally {
    await server.close()
  }
}

describe.each(Object.entries(expressVersions))('%s', (name, express) => {
  it.each<[string, string, () => Promise<string | undefined>, AuthErrorCode]>([
    ['no token', '/', async () => undefined, 'credentials_required'],
    ['an expired token', '/', async () => issuer.sign({}, { expiresIn: -60 }), 'token_expired'],
    ['a forged token', '/', async () => `${(await issuer.sign()).slice(0, -4)}AAAA`, 'signature_invalid'],
    ['a missing scope', '/scoped', async () => issuer.sign({ scope: 'read' }), 'insufficient_scope'],
  ])('production: %s is logged as one line with no stack', async (_case, path, token, code) => {
    const { message, status } = new AuthError(code)
    const res = await get(appOf(express, 'production'), path, await token())
    expect(res.status).toBe(status)
    // Express 5 logs `console.error(err)` (util.inspect), Express 4 `console.error(err.stack)`.
    // Express 5's line ends with the operator's reason in parentheses (see AuthError's `reason`).
    expect(logged).toEqual([
      name === 'Express 5'
        ? expect.stringMatching(new RegExp(`^AuthError \\[${code}\\]: ${message} \\([^\\n]+\\)$`))
        : `AuthError: ${message}`,
    ])
    expect(res.text).not.toMatch(/AuthError|\bat /)
  })

  it('development: the 401 page shows the message only, no stack and no server path', async () => {
    const res = await get(appOf(express, 'development'), '/', await issuer.sign({}, { expiresIn: -60 }))
    expect(res.status).toBe(401)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.text).toContain('<pre>AuthError: The access token expired</pre>')
    expect(res.text).not.toMatch(/\bat |node_modules|\.ts:\d|\.js:\d/)
    expect(res.text).not.toContain(process.cwd())
  })

  it('production: a 503 still logs its stack for operators', async () => {
    const app = appOf(express, 'production', { jwksUri: `${issuer.url}/missing-jwks` })
    const res = await get(app, '/', await issuer.sign())
    expect(res.status).toBe(503)
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/^AuthError: Token verification keys are temporarily unavailable/)
    expect(logged[0]).toMatch(FRAME)
  })
})
