import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { checkClaims, type ClaimPolicy } from '../src/claims.js'
import { expectAuthError } from './support/expect-error.js'
import { signRaw } from './support/raw-token.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** Registered claims (RFC 7519 §4.1): exp, nbf, iat, maxTokenAge, iss, aud, at exact boundaries via `now`. */

let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256')
})

function verifier(options: Partial<VerifierOptions> = {}, nowSeconds = NOW) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => nowSeconds * 1000,
    ...options,
  })
}

/** A validly signed token whose claims JSON is given as text (for values JSON.stringify cannot write). */
function rawClaims(json: string): string {
  return signRaw(key, { alg: 'ES256', kid: key.kid }, json)
}

const base = `"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"u"`

describe('exp', () => {
  it('is required by default', async () => {
    await expectAuthError(verifier().verify(await sign(key, claims({ exp: undefined }))), 'claim_invalid')
  })

  it('may be made optional with requiredClaims: []', async () => {
    await expect(
      verifier({ requiredClaims: [] }).verify(await sign(key, claims({ exp: undefined }))),
    ).resolves.toBeDefined()
  })

  it.each([
    ['1e400 (Infinity)', '1e400'],
    ['a numeric string', `"${NOW + 600}"`],
    ['null', 'null'],
    ['an array', `[${NOW + 600}]`],
  ])('must be a finite number, not %s', async (_name, value) => {
    const token = rawClaims(`{${base},"exp":${value}}`)
    const error = await expectAuthError(verifier().verify(token), 'claim_invalid')
    expect(error.claim).toBe('exp')
  })

  it('expires at exp minus nothing when clockTolerance is 0 (exp is exclusive)', async () => {
    const token = await sign(key, claims({ exp: NOW + 60 }))
    await expect(verifier({ clockTolerance: 0 }, NOW + 59).verify(token)).resolves.toBeDefined()
    await expectAuthError(verifier({ clockTolerance: 0 }, NOW + 60).verify(token), 'token_expired')
  })

  it('allows clockTolerance seconds of skew (default 5)', async () => {
    const token = await sign(key, claims({ exp: NOW + 60 }))
    await expect(verifier({}, NOW + 64).verify(token)).resolves.toBeDefined()
    await expectAuthError(verifier({}, NOW + 65).verify(token), 'token_expired')
    await expect(verifier({ clockTolerance: 30 }, NOW + 89).verify(token)).resolves.toBeDefined()
    await expectAuthError(verifier({ clockTolerance: 30 }, NOW + 90).verify(token), 'token_expired')
  })

  it('is re-checked when a verified token is served again later', async () => {
    let now = NOW
    const v = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => now * 1000,
    })
    const token = await sign(key, claims({ exp: NOW + 60 }))
    await v.verify(token)
    now = NOW + 65
    await expectAuthError(v.verify(token), 'token_expired')
  })
})

describe('nbf', () => {
  it('is honoured with clockTolerance at the exact boundary', async () => {
    const token = await sign(key, claims({ nbf: NOW + 10 }))
    await expect(verifier({}, NOW + 5).verify(token)).resolves.toBeDefined()
    await expectAuthError(verifier({}, NOW + 4).verify(token), 'token_not_yet_valid')
    await expect(verifier({ clockTolerance: 0 }, NOW + 10).verify(token)).resolves.toBeDefined()
    await expectAuthError(verifier({ clockTolerance: 0 }, NOW + 9).verify(token), 'token_not_yet_valid')
  })

  it.each([['"soon"'], ['-1e400'], ['null']])('must be a finite number, not %s', async (value) => {
    const token = rawClaims(`{${base},"exp":${NOW + 600},"nbf":${value}}`)
    await expectAuthError(verifier().verify(token), 'claim_invalid')
  })
})

describe('iat', () => {
  it('may not be in the future beyond clockTolerance', async () => {
    await expect(verifier().verify(await sign(key, claims({ iat: NOW + 5 })))).resolves.toBeDefined()
    const error = await expectAuthError(
      verifier().verify(await sign(key, claims({ iat: NOW + 6 }))),
      'claim_invalid',
    )
    expect(error.claim).toBe('iat')
    await expectAuthError(
      verifier({ clockTolerance: 0 }).verify(await sign(key, claims({ iat: NOW + 1 }))),
      'claim_invalid',
    )
  })

  it('is compared with the clock to the millisecond (a fractional iat just issued passes at tolerance 0)', async () => {
    const token = rawClaims(`{${base},"exp":${NOW + 600},"iat":${NOW}.3}`)
    const at = (ms: number) =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: key.publicJwk,
        clockTolerance: 0,
        now: () => ms,
      })
    await expect(at(NOW * 1000 + 500).verify(token)).resolves.toBeDefined()
    await expectAuthError(at(NOW * 1000 + 200).verify(token), 'claim_invalid')
  })

  it.each([['1e400'], ['"0"'], ['-1e400']])('must be a finite number, not %s', async (value) => {
    const token = rawClaims(`{${base},"exp":${NOW + 600},"iat":${value}}`)
    await expectAuthError(verifier().verify(token), 'claim_invalid')
  })

  it('is optional unless maxTokenAge is set', async () => {
    await expect(verifier().verify(await sign(key, claims({ iat: undefined })))).resolves.toBeDefined()
    const noIat = await sign(key, claims({ iat: undefined }))
    await expectAuthError(verifier({ maxTokenAge: 60 }).verify(noIat), 'claim_invalid')
  })
})

describe('maxTokenAge', () => {
  it('rejects tokens issued longer ago than maxTokenAge plus clockTolerance (pinned: token_expired)', async () => {
    const token = await sign(key, claims({ iat: NOW - 65 }))
    await expect(verifier({ maxTokenAge: 60 }).verify(token)).resolves.toBeDefined()
    await expectAuthError(verifier({ maxTokenAge: 60 }, NOW + 1).verify(token), 'token_expired')
    await expectAuthError(verifier({ maxTokenAge: 60, clockTolerance: 0 }).verify(token), 'token_expired')
  })

  it('refuses an iat in the future beyond clockTolerance, as jose does', async () => {
    const error = await expectAuthError(
      verifier({ maxTokenAge: 60 }).verify(await sign(key, claims({ iat: NOW + 6 }))),
      'claim_invalid',
    )
    expect(error.claim).toBe('iat')
  })
})

describe('iss', () => {
  it.each([
    ['without the trailing slash', ISSUER.slice(0, -1)],
    ['in another case', ISSUER.toUpperCase()],
    ['with a suffix', `${ISSUER}x`],
    ['as an array', [ISSUER]],
    ['missing', undefined],
    ['a number', 1],
  ])('must match exactly, not %s', async (_name, iss) => {
    await expectAuthError(verifier().verify(await sign(key, claims({ iss }))), 'claim_invalid')
  })

  it('with issuer: null accepts any string iss, or none, but never a non-string', async () => {
    const any = verifier({ issuer: null })
    await expect(
      any.verify(await sign(key, claims({ iss: 'https://other.example/' }))),
    ).resolves.toBeDefined()
    await expect(any.verify(await sign(key, claims({ iss: undefined })))).resolves.toBeDefined()
    await expectAuthError(any.verify(await sign(key, claims({ iss: 7 }))), 'claim_invalid')
  })
})

describe('aud', () => {
  it('accepts a string or an array holding an allowed audience', async () => {
    await expect(verifier().verify(await sign(key, claims({ aud: AUDIENCE })))).resolves.toBeDefined()
    await expect(
      verifier().verify(await sign(key, claims({ aud: ['other', AUDIENCE] }))),
    ).resolves.toBeDefined()
    const several = verifier({ audience: ['a', 'b'] })
    await expect(several.verify(await sign(key, claims({ aud: 'b' })))).resolves.toBeDefined()
    await expect(several.verify(await sign(key, claims({ aud: ['x', 'a'] })))).resolves.toBeDefined()
  })

  it.each([
    ['another audience', 'https://other.example'],
    ['a prefix', AUDIENCE.slice(0, -1)],
    ['an array without it', ['a', 'b']],
    ['an empty array', []],
    ['a non-string member', [AUDIENCE, 1]],
    ['a nested array', [[AUDIENCE]]],
    ['a number', 1],
    ['missing', undefined],
  ])('rejects %s', async (_name, aud) => {
    const error = await expectAuthError(verifier().verify(await sign(key, claims({ aud }))), 'claim_invalid')
    expect(error.claim).toBe('aud')
  })

  it('with audience: null accepts any audience, but still only strings', async () => {
    const any = verifier({ audience: null })
    await expect(any.verify(await sign(key, claims({ aud: 'https://other.example' })))).resolves.toBeDefined()
    await expect(any.verify(await sign(key, claims({ aud: undefined })))).resolves.toBeDefined()
    await expectAuthError(any.verify(await sign(key, claims({ aud: ['x', null] }))), 'claim_invalid')
    await expectAuthError(any.verify(await sign(key, claims({ aud: 42 }))), 'claim_invalid')
  })
})

describe('other registered claims', () => {
  it.each(['sub', 'jti'])('%s must be a string when present', async (claim) => {
    await expectAuthError(verifier().verify(await sign(key, claims({ [claim]: 1 }))), 'claim_invalid')
    await expect(verifier().verify(await sign(key, claims({ [claim]: 'x' })))).resolves.toBeDefined()
  })
})

describe('checkClaims on its own', () => {
  const policy: ClaimPolicy = {
    audience: [AUDIENCE],
    clockTolerance: 5,
    maxTokenAge: undefined,
    requiredClaims: ['exp'],
    accessTokenOnly: false,
  }
  const good = { iss: ISSUER, aud: AUDIENCE, exp: NOW + 60 }

  // verify() routes a token by its `iss` first, so these rules are only reachable directly.
  it.each([
    ['a missing iss', { aud: AUDIENCE, exp: NOW + 60 }],
    ['another iss', { ...good, iss: 'https://other.example/' }],
    [
      'an inherited iss',
      Object.assign(Object.create({ iss: ISSUER }) as object, { aud: AUDIENCE, exp: NOW + 60 }),
    ],
  ])('refuses %s when an issuer is configured', (_name, payload) => {
    expect(() => checkClaims(payload as Record<string, unknown>, ISSUER, NOW * 1000, policy)).toThrow(
      expect.objectContaining({ code: 'claim_invalid', claim: 'iss' }),
    )
  })

  it('accepts any iss when the issuer is not pinned (null)', () => {
    expect(() =>
      checkClaims({ ...good, iss: 'https://any.example/' }, null, NOW * 1000, policy),
    ).not.toThrow()
    expect(() => checkClaims(good, ISSUER, NOW * 1000, policy)).not.toThrow()
  })
})
