import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { expectAuthError } from './support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** Explicit typing (RFC 8725 §3.11), RFC 9068 access tokens (`tokenType: 'at+jwt'`) and requiredClaims. */

let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256')
})

function verifier(options: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => NOW * 1000,
    ...options,
  })
}

const typed = (typ: unknown, payload = claims()) => sign(key, payload, { header: { typ } })

describe('typ by default', () => {
  it('accepts an absent typ', async () => {
    await expect(verifier().verify(await sign(key, claims()))).resolves.toBeDefined()
  })

  it.each(['JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT', 'application/jwt'])(
    'accepts %s (case-insensitive)',
    async (typ) => {
      await expect(verifier().verify(await typed(typ))).resolves.toMatchObject({ header: { typ } })
    },
  )

  it.each([
    'dpop+jwt',
    'logout+jwt',
    'secevent+jwt',
    'id_token+jwt',
    'JOSE',
    'application/jose',
    'at+jwt ',
    '',
    'text/plain',
  ])('rejects another explicit type %j', async (typ) => {
    const error = await expectAuthError(verifier().verify(await typed(typ)), 'claim_invalid')
    expect(error.claim).toBe('typ')
  })

  it.each([[1], [null], [['JWT']], [{}]])('rejects a non-string typ %j', async (typ) => {
    await expectAuthError(verifier().verify(await typed(typ)), 'claim_invalid')
  })
})

describe("tokenType: 'at+jwt' (RFC 9068)", () => {
  const full = () => claims({ client_id: 'client-1', jti: 'id-1' })
  const strict = () => verifier({ tokenType: 'at+jwt' })

  it.each(['at+jwt', 'AT+JWT', 'application/at+jwt'])(
    'accepts typ %s with every required claim',
    async (typ) => {
      await expect(strict().verify(await typed(typ, full()))).resolves.toBeDefined()
    },
  )

  it.each([[undefined], ['JWT'], ['application/jwt'], ['dpop+jwt']])('rejects typ %j', async (typ) => {
    await expectAuthError(strict().verify(await typed(typ, full())), 'claim_invalid')
  })

  it.each(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])('requires %s', async (claim) => {
    const error = await expectAuthError(
      strict().verify(await typed('at+jwt', { ...full(), [claim]: undefined })),
      'claim_invalid',
    )
    expect(error.claim).toBe(claim)
  })

  it('requires aud even when the audience check is off', async () => {
    const noAudience = verifier({ tokenType: 'at+jwt', audience: null })
    await expectAuthError(
      noAudience.verify(await typed('at+jwt', { ...full(), aud: undefined })),
      'claim_invalid',
    )
  })

  it.each([
    ['sub', 1],
    ['client_id', 1],
    ['client_id', ['client-1']],
    ['jti', 1],
  ])('requires %s to be a string, not %j', async (claim, value) => {
    await expectAuthError(
      strict().verify(await typed('at+jwt', { ...full(), [claim]: value })),
      'claim_invalid',
    )
  })

  it('keeps the configured requiredClaims in addition', async () => {
    const withScope = verifier({ tokenType: 'at+jwt', requiredClaims: ['scope'] })
    await expectAuthError(withScope.verify(await typed('at+jwt', full())), 'claim_invalid')
    await expect(withScope.verify(await typed('at+jwt', { ...full(), scope: 'read' }))).resolves.toBeDefined()
  })

  it('lets client_id be any type outside at+jwt mode', async () => {
    await expect(verifier().verify(await sign(key, claims({ client_id: 1 })))).resolves.toBeDefined()
  })
})

describe('requiredClaims', () => {
  it('requires each listed claim', async () => {
    const v = verifier({ requiredClaims: ['exp', 'sub', 'tenant'] })
    await expect(v.verify(await sign(key, claims({ tenant: 't1' })))).resolves.toBeDefined()
    const error = await expectAuthError(v.verify(await sign(key, claims())), 'claim_invalid')
    expect(error.claim).toBe('tenant')
  })

  it('counts a claim present with a null value as present', async () => {
    const v = verifier({ requiredClaims: ['exp', 'tenant'] })
    await expect(v.verify(await sign(key, claims({ tenant: null })))).resolves.toBeDefined()
  })

  it('replaces the default list (pinned: exp is only required when listed)', async () => {
    const v = verifier({ requiredClaims: ['sub'] })
    await expect(v.verify(await sign(key, claims({ exp: undefined })))).resolves.toBeDefined()
  })
})
