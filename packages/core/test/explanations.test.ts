import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  AuthError,
  createVerifier,
  requireRoles,
  requireScopes,
  tokenId,
  type AuthErrorReason,
  type VerifiedToken,
  type VerifierOptions,
} from '@tokenguard/core'
import { createHash } from 'node:crypto'
import { inspect } from 'node:util'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { AUDIENCE, claims, compact, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** `reason`: the operator's explanation of every refusal, and the token's correlation id. */

let key: TestKey
let other: TestKey
beforeAll(async () => {
  ;[key, other] = await Promise.all([makeKey('RS256'), makeKey('ES256')])
})

const verifier = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => NOW * 1000,
    ...options,
  } as VerifierOptions)

async function refusal(attempt: Promise<unknown> | (() => unknown)): Promise<AuthError> {
  try {
    await (typeof attempt === 'function' ? attempt() : attempt)
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError)
    return error as AuthError
  }
  throw new Error('expected a refusal')
}

describe('reason explains each check that can fail', () => {
  it('iss: untrusted issuer, expected and actual, with the trailing-slash hint', async () => {
    const token = await sign(key, claims({ iss: 'https://issuer.example.com' }))
    const { code, reason } = await refusal(verifier().verify(token))
    expect(code).toBe('claim_invalid')
    expect(reason).toMatchObject({
      check: 'iss',
      claim: 'iss',
      expected: [ISSUER],
      actual: 'https://issuer.example.com',
    })
    expect(reason.message).toMatch(/trailing slash/)
  })

  it('iss: localhost vs 127.0.0.1 is spelt out', async () => {
    const options = { issuer: 'http://localhost:4000/', keys: key.publicJwk }
    const token = await sign(key, claims({ iss: 'http://127.0.0.1:4000/' }))
    const { reason } = await refusal(verifier(options).verify(token))
    expect(reason.message).toMatch(/loopback host name/)
  })

  it('aud: accepted audiences and the token’s', async () => {
    const token = await sign(key, claims({ aud: ['https://other.example'] }))
    const { reason } = await refusal(verifier().verify(token))
    expect(reason).toMatchObject({ check: 'aud', expected: [AUDIENCE], actual: ['https://other.example'] })
  })

  it('exp, nbf, iat: the bound, the claim, the clock and the tolerance', async () => {
    const expired = await refusal(verifier().verify(await sign(key, claims({ exp: NOW - 60 }))))
    expect(expired.code).toBe('token_expired')
    expect(expired.reason).toMatchObject({ check: 'exp', actual: NOW - 60, now: NOW, clockTolerance: 5 })
    expect(expired.reason.message).toMatch(/^exp \d+ \(2025-12-31T23:59:00Z\) is 60 s before now/)
    const early = await refusal(verifier().verify(await sign(key, claims({ nbf: NOW + 60 }))))
    expect(early.reason).toMatchObject({ check: 'nbf', actual: NOW + 60, now: NOW })
    const future = await refusal(verifier().verify(await sign(key, claims({ iat: NOW + 60 }))))
    expect(future.reason).toMatchObject({ check: 'iat', actual: NOW + 60 })
    const old = await refusal(verifier({ maxTokenAge: 5 }).verify(await sign(key, claims({ iat: NOW - 60 }))))
    expect(old.reason).toMatchObject({ check: 'iat', expected: 5, actual: NOW - 60 })
  })

  it('alg, typ: accepted values and the header’s', async () => {
    const alg = await refusal(verifier({ algorithms: ['ES256'] }).verify(await sign(key, claims())))
    expect(alg.reason).toMatchObject({ check: 'alg', expected: ['ES256'], actual: 'RS256' })
    const typ = await refusal(verifier().verify(await sign(key, claims(), { header: { typ: 'logout+jwt' } })))
    expect(typ.reason).toMatchObject({ check: 'typ', claim: 'typ', actual: 'logout+jwt' })
  })

  it('kid and signature: the kid, the alg and where the keys came from', async () => {
    const unknown = await refusal(verifier().verify(await sign(other, claims(), { header: { kid: 'nope' } })))
    expect(unknown.code).toBe('key_not_found')
    expect(unknown.reason).toMatchObject({ check: 'kid', actual: 'nope', keySource: 'static keys' })
    const forged = await sign(key, claims())
    const tampered = `${forged.slice(0, -6)}AAAAAA`
    const signature = await refusal(verifier().verify(tampered))
    expect(signature.reason).toMatchObject({ check: 'signature', kid: key.kid, alg: 'RS256' })
  })

  it('missing and mistyped claims, validate, isRevoked, cnf', async () => {
    const noExp = await refusal(verifier().verify(await sign(key, { ...claims(), exp: undefined })))
    expect(noExp.reason).toMatchObject({ check: 'claim', claim: 'exp' })
    expect(noExp.reason.message).toMatch(/required claim "exp" is missing/)
    const subType = await refusal(verifier().verify(await sign(key, claims({ sub: 42 }))))
    expect(subType.reason).toMatchObject({ check: 'claim', claim: 'sub', actual: 42 })
    const validate = await refusal(verifier({ validate: () => 0 as never }).verify(await sign(key, claims())))
    expect(validate.reason).toMatchObject({ check: 'validate', expected: true, actual: 0 })
    const revoked = await refusal(verifier({ isRevoked: () => true }).verify(await sign(key, claims())))
    expect(revoked.reason.check).toBe('revoked')
    const storeDown = await refusal(
      verifier({
        isRevoked: () => {
          throw new Error('redis down')
        },
      }).verify(await sign(key, claims())),
    )
    expect(storeDown.reason).toMatchObject({ check: 'revocation' })
    expect(storeDown.reason.message).toMatch(/redis down/)
    const bound = await refusal(verifier().verify(await sign(key, claims({ cnf: { jkt: 'x' } }))))
    expect(bound.reason.check).toBe('cnf')
  })

  it('invalid_request says what was wrong, never the header values', async () => {
    const { extractToken } = await import('@tokenguard/core')
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => extractToken({}, { rawHeaders: ['Authorization', 'Bearer a', 'authorization', 'Bearer b'] }),
        /repeated/,
      ],
      [() => extractToken({ authorization: 'Bearer a b' }), /not well formed/],
      [
        () => extractToken({ authorization: 'Bearer a' }, { query: 'access_token', url: '/?access_token=b' }),
        /more than one place/,
      ],
      [() => extractToken({ cookie: 't=a; t=b' }, { cookie: 't' }), /cookie "t" is sent more than once/],
    ]
    for (const [run, message] of cases) {
      const error = await refusal(run)
      expect(error.code).toBe('invalid_request')
      expect(error.reason).toMatchObject({ check: 'request', message: expect.stringMatching(message) })
      expect(JSON.stringify(error.reason)).not.toMatch(/Bearer a|t=a/)
    }
  })

  it.each([
    ['5 segments', 'a.b.c.d.e', /encrypted JWT/],
    ['2 segments', 'a.b', /2 segments/],
    ['padding', 'eyJhbGciOiJSUzI1NiJ9.e30=.c2ln', /canonical base64url/],
    ['a header without alg', `${Buffer.from('{}').toString('base64url')}.e30.c2ln`, /no alg/],
    [
      'a payload that is not JSON',
      `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm9wZQ.c2ln`,
      /payload is not UTF-8 JSON/,
    ],
  ])('token_malformed names the rule: %s', async (_case, token, message) => {
    const { reason } = await refusal(verifier().verify(token))
    expect(reason).toMatchObject({ check: 'syntax', message: expect.stringMatching(message) })
  })

  it('syntax and length', async () => {
    const long = await refusal(verifier({ maxTokenLength: 100 }).verify('a'.repeat(101)))
    expect(long.reason).toMatchObject({ check: 'syntax', actual: 101, expected: 100 })
    const garbage = await refusal(verifier().verify('not-a-jwt'))
    expect(garbage.reason.check).toBe('syntax')
  })

  it('guards: what the route needs and what the token grants', async () => {
    const auth = {
      payload: { scope: 'read', roles: ['user'] },
      header: {},
      token: 't',
    } as unknown as VerifiedToken
    const scope = await refusal(() => requireScopes('write')(auth))
    expect(scope.reason).toMatchObject({ check: 'scope', expected: ['write'], actual: ['read'] })
    const role = await refusal(() => requireRoles('admin')(auth))
    expect(role.reason).toMatchObject({ check: 'role', expected: ['admin'], actual: ['user'] })
  })

  it('credentials_required and every other code have a reason even when thrown bare', () => {
    const reason: AuthErrorReason = new AuthError('credentials_required').reason
    expect(reason).toMatchObject({ check: 'credentials', message: expect.any(String) })
  })
})

describe('reason is safe', () => {
  it('token values are bounded and control characters escaped', async () => {
    const iss = `https://evil.example/${'x'.repeat(500)}\r\nX-Injected: 1\u001b[31m\u202e`
    const token = await sign(key, claims({ iss }))
    const { reason } = await refusal(verifier().verify(token))
    expect(typeof reason.actual).toBe('string')
    expect((reason.actual as string).length).toBeLessThanOrEqual(121)
    for (const unsafe of ['\r', '\n', '\u001b', '\u202e']) expect(reason.message).not.toContain(unsafe)
    const tail = `https://evil.example/\r\nX\u001b[31m\u202e`
    const short = await refusal(verifier().verify(await sign(key, claims({ iss: tail }))))
    expect(short.reason.actual).toBe('https://evil.example/\\u000d\\u000aX\\u001b[31m\\u202e')
  })

  it('is not enumerable: JSON.stringify, spreads and Object.keys never carry it', async () => {
    const token = await sign(key, claims({ aud: 'https://other.example' }))
    const error = await refusal(verifier().verify(token))
    expect(Object.keys(error)).not.toContain('reason')
    expect(JSON.stringify(error)).not.toMatch(/other\.example|reason/)
    expect({ ...error }).not.toHaveProperty('reason')
    // A copy with a realm keeps it, still hidden.
    const withRealm = error.withRealm('api')
    expect(withRealm.reason).toEqual(error.reason)
    expect(Object.keys(withRealm)).not.toContain('reason')
  })

  it('never holds the token, its signature or its payload segment', async () => {
    for (const token of [
      await sign(key, claims({ aud: 'x' })),
      await sign(other, claims(), { header: { kid: 'nope' } }),
      compact({ alg: 'RS256' }, { iss: ISSUER }),
    ]) {
      const error = await refusal(verifier().verify(token))
      const text = JSON.stringify(error.reason) + inspect(error)
      for (const segment of token.split('.').filter((part) => part.length > 8))
        expect(text).not.toContain(segment)
    }
  })

  it('carries the token id: a SHA-256 prefix, the same as tokenId(token)', async () => {
    const token = await sign(key, claims({ exp: NOW - 100 }))
    const { reason } = await refusal(verifier().verify(token))
    expect(reason.tokenId).toBe(tokenId(token))
    expect(tokenId(token)).toBe(createHash('sha256').update(token).digest('base64url').slice(0, 16))
    expect(reason).toMatchObject({ issuer: ISSUER, kid: key.kid, alg: 'RS256' })
  })

  it('an oversized token is not hashed', async () => {
    const { reason } = await refusal(verifier({ maxTokenLength: 100 }).verify('a'.repeat(101)))
    expect(reason.tokenId).toBeUndefined()
  })
})

describe('reason of a 503: the key source and its fetch error', () => {
  let server: JwksServer
  beforeAll(async () => {
    server = await startJwksServer([key.publicJwk])
    server.override('/jwks', (_req, res) => void res.writeHead(500).end())
  })
  afterAll(() => server.close())

  it('names the JWK Set URL and the HTTP status', async () => {
    const v = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: server.jwksUri,
      now: () => NOW * 1000,
    })
    const error = await refusal(v.verify(await sign(key, claims())))
    expect(error.code).toBe('keys_unavailable')
    expect(error.reason).toMatchObject({ check: 'keys', keySource: server.jwksUri })
    expect(error.reason.fetchError).toMatch(/HTTP status 500/)
  })

  it('names the issuer being discovered when discovery fails', async () => {
    const issuer = `${server.url}/nowhere`
    const v = createVerifier({ issuer, audience: AUDIENCE, now: () => NOW * 1000 })
    const error = await refusal(v.verify(await sign(key, claims({ iss: issuer }))))
    expect(error.reason.keySource).toBe(`discovery of ${issuer}`)
    expect(error.reason.fetchError).toMatch(/404/)
  })
})
