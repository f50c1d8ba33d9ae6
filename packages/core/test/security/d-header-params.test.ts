import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { validateHeaderValue } from 'node:http'
import {
  attackFixture,
  expectInvalidToken,
  expectSafeChallenge,
  signJson,
  type AttackFixture,
} from '../support/attack.js'
import { claims, NOW, sign } from '../support/keys.js'

/** Catalog section D: `crit`, `typ` and other header parameters (items 37–42). */

let f: AttackFixture
beforeAll(async () => {
  f = await attackFixture()
})
/** Claims of an RFC 9068 access token. */
const atClaims = (extra: Record<string, unknown> = {}) =>
  claims({ client_id: 'client-1', jti: 'jti-1', iat: NOW - 10, ...extra })

describe('D37–D38 crit', () => {
  it('an unknown critical extension → 401', async () => {
    const header = { crit: ['x-custom-policy'], 'x-custom-policy': 'require-mfa' }
    const token = await signJson(f.rsa, { alg: 'RS256', kid: f.rsa.kid, ...header }, claims())
    await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
  })
  it.each([[[]], ['x'], [[123]], [['']], [['a', 'a']], [['b64']], [['exp']]])(
    'crit %j → 401',
    async (crit) => {
      const token = await signJson(f.rsa, { alg: 'RS256', kid: f.rsa.kid, crit, a: 1, exp: 1 }, claims())
      await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
    },
  )
})

describe('D39 CR/LF and quotes in attacker text never reach a response header', () => {
  const nasty = ['a\r\nSet-Cookie: x=1', 'k"1\\', '\u0000', 'x\ny', '"; error="insufficient_scope']
  it('in crit, kid and typ: generic challenge, valid header value', async () => {
    for (const text of nasty) {
      for (const header of [{ crit: [text] }, { kid: text }, { typ: text }]) {
        const token = await signJson(f.rsa, { alg: 'RS256', kid: f.rsa.kid, ...header }, claims())
        const error = await expectInvalidToken(f.verifier().verify(token))
        const challenge = error.headers['WWW-Authenticate']!
        expect(() => validateHeaderValue('WWW-Authenticate', challenge)).not.toThrow()
        expect(challenge).not.toContain('Set-Cookie')
        expect(error.message).not.toContain(text)
      }
    }
  })
  it('even a configured realm with CR/LF or quotes is sanitized', async () => {
    const verifier = f.verifier({ realm: 'api"\r\nSet-Cookie: x=1' })
    const error = await expectInvalidToken(verifier.verify('a.b.c'))
    expectSafeChallenge(error.headers['WWW-Authenticate'])
    expect(() => validateHeaderValue('WWW-Authenticate', error.headers['WWW-Authenticate']!)).not.toThrow()
  })
})

describe('D40 explicit typing', () => {
  it.each(['at+jwt', 'application/at+jwt', 'AT+JWT', 'at+JWT', 'Application/AT+JWT'])(
    'tokenType at+jwt accepts typ %j',
    async (typ) => {
      const token = await sign(f.rsa, atClaims(), { header: { typ } })
      await expect(f.verifier({ tokenType: 'at+jwt' }).verify(token)).resolves.toBeDefined()
    },
  )
  it.each([
    'JWT',
    undefined,
    'at+jwt ',
    'application/at+jwt;foo=bar',
    'dpop+jwt',
    'secevent+jwt',
    'logout+jwt',
    1,
  ])('tokenType at+jwt rejects typ %j', async (typ) => {
    const token = await signJson(
      f.rsa,
      { alg: 'RS256', kid: f.rsa.kid, ...(typ === undefined ? {} : { typ }) },
      atClaims(),
    )
    await expectInvalidToken(f.verifier({ tokenType: 'at+jwt' }).verify(token), 'claim_invalid')
  })
  it('default mode: absent, JWT or at+jwt pass; any other explicit type is refused', async () => {
    for (const typ of [undefined, 'JWT', 'at+jwt']) {
      const token = await sign(f.rsa, claims(), typ ? { header: { typ } } : {})
      await expect(f.verifier().verify(token)).resolves.toBeDefined()
    }
    for (const typ of ['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'id_token+jwt', 'JOSE']) {
      await expectInvalidToken(
        f.verifier().verify(await sign(f.rsa, claims(), { header: { typ } })),
        'claim_invalid',
      )
    }
  })
})

describe('D41 cross-JWT confusion (same issuer, same key)', () => {
  it('an OIDC ID token (aud = client id, nonce) is not an access token', async () => {
    const idToken = await sign(f.rsa, claims({ aud: 'client-1', nonce: 'n-0S6_WzA2Mj', azp: 'client-1' }), {
      header: { typ: 'JWT' },
    })
    await expectInvalidToken(f.verifier().verify(idToken), 'claim_invalid')
    await expectInvalidToken(f.verifier({ tokenType: 'at+jwt' }).verify(idToken), 'claim_invalid')
  })
  it('a logout token, a DPoP proof and a security event token are refused by typ and claims', async () => {
    const logout = await sign(
      f.rsa,
      claims({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }),
      {
        header: { typ: 'logout+jwt' },
      },
    )
    const dpop = await sign(
      f.rsa,
      { jti: 'x', htm: 'GET', htu: 'https://api.example.com/', iat: NOW },
      {
        header: { typ: 'dpop+jwt' },
      },
    )
    const set = await sign(f.rsa, claims({ events: {} }), { header: { typ: 'secevent+jwt' } })
    for (const token of [logout, dpop, set])
      await expectInvalidToken(f.verifier().verify(token), 'claim_invalid')
  })
})

describe('D42 nested JWT (cty: JWT)', () => {
  it.each(['JWT', 'jwt', 'Jwt'])('cty %j → 401 whatever the payload', async (cty) => {
    const inner = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims({ admin: true }))).toString('base64url')}.`
    const withString = await signJson(f.rsa, { alg: 'RS256', kid: f.rsa.kid, cty }, inner)
    const withObject = await sign(f.rsa, claims(), { header: { cty } })
    await expectInvalidToken(f.verifier().verify(withString), 'token_malformed')
    await expectInvalidToken(f.verifier().verify(withObject), 'token_malformed')
  })
  it('createVerifier exposes no option to accept critical extensions or nested tokens', () => {
    expect(() =>
      createVerifier({ issuer: null, audience: null, keys: f.rsa.publicJwk, crit: { x: true } } as never),
    ).toThrow(TypeError)
  })
})
