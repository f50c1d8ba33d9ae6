import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Writable } from 'node:stream'
import request from 'supertest'
import { AuthError, jwtAuth, requireScopes, type AuthErrorCode } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { fastifyVersions, listen, type FastifyFactory } from './support/app.js'

/**
 * A rejected token is an expected outcome. Fastify's default error handler logs a 4xx at `info` with the
 * error serialized (stack included) and answers with a JSON body of its message: the logged stack is one
 * line and the body carries none. A 503 is logged at `error` with its stack for operators.
 */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

interface LogLine {
  level: number
  err?: { type: string; message: string; stack: string }
}

async function get(
  fastify: FastifyFactory,
  path: string,
  token: string | undefined,
  options: Record<string, unknown> = {},
) {
  const lines: LogLine[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine)
      done()
    },
  })
  const app = fastify({ logger: { level: 'info', stream } })
  await app.register(jwtAuth, { issuer: issuer.url, audience: issuer.audience, ...options })
  app.get('/', async () => 'ok')
  app.get('/scoped', { preHandler: requireScopes('write') }, async () => 'ok')
  const server = await listen(app)
  try {
    const req = request(server.url).get(path)
    const res = await (token === undefined ? req : req.auth(token, { type: 'bearer' }))
    return { res, errors: lines.filter((line) => line.err !== undefined) }
  } finally {
    await server.close()
  }
}

const INFO = 30
const ERROR = 50

describe.each(Object.entries(fastifyVersions))('%s', (_name, fastify) => {
  it.each<[string, string, () => Promise<string | undefined>, AuthErrorCode]>([
    ['no token', '/', async () => undefined, 'credentials_required'],
    ['an expired token', '/', async () => issuer.sign({}, { expiresIn: -60 }), 'token_expired'],
    ['a forged token', '/', async () => `${(await issuer.sign()).slice(0, -4)}AAAA`, 'signature_invalid'],
    ['a missing scope', '/scoped', async () => issuer.sign({ scope: 'read' }), 'insufficient_scope'],
  ])('%s: logged at info with a one-line stack, no stack in the body', async (_case, path, token, code) => {
    const { message, status } = new AuthError(code)
    const { res, errors } = await get(fastify, path, await token())
    expect(res.status).toBe(status)
    expect(res.body).toEqual({ statusCode: status, code, error: expect.any(String), message })
    expect(res.text).not.toMatch(/AuthError|\bat /)
    expect(errors).toEqual([
      expect.objectContaining({
        level: INFO,
        err: expect.objectContaining({ stack: `AuthError: ${message}` }),
      }),
    ])
  })

  it('a 503 is logged at error with its stack', async () => {
    const { res, errors } = await get(fastify, '/', await issuer.sign(), {
      jwksUri: `${issuer.url}/missing-jwks`,
    })
    expect(res.status).toBe(503)
    expect(res.text).not.toMatch(/\bat /)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.level).toBe(ERROR)
    expect(errors[0]?.err?.stack).toMatch(
      /^AuthError: Token verification keys are temporarily unavailable\n\s+at /,
    )
  })
})
