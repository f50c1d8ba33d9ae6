import { beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, requireRoles, requireScopes, scopesOf } from '@tokenguard/core'
import { attackFixture, expectInvalidToken, signParts, type AttackFixture } from '../support/attack.js'
import { AUDIENCE, claims, ISSUER, NOW, sign } from '../support/keys.js'

/** Catalog section E: claims (items 43–53). */

let f: AttackFixture
beforeAll(async () => {
  f = await attackFixture()
})
const at = (seconds: number) => () => seconds * 1000
/** Signs a payload given as raw JSON text (for values JSON.stringify cannot produce, like 1e400). */
const signText = (payload: string) =>
  signParts(f.rsa, JSON.stringify({ alg: 'RS256', kid: f.rsa.kid }), payload)
const base = () => JSON.stringify(claims({ exp: undefined })).slice(0, -1)

describe('E43–E44 exp and nbf at their exact boundaries', () => {
  it('exp: T → 401, T+1 → ok (tolerance 0); T−30 → 401, T−29 → ok (tolerance 30)', async () => {
    const strict = f.verifier({ clockTolerance: 0, cache: false })
    await expectInvalidToken(strict.verify(await sign(f.rsa, claims({ exp: NOW }))), 'token_expired')
    await expect(strict.verify(await sign(f.rsa, claims({ exp: NOW + 1 })))).resolves.toBeDefined()
    const lenient = f.verifier({ clockTolerance: 30, cache: false })
    await expectInvalidToken(lenient.verify(await sign(f.rsa, claims({ exp: NOW - 30 }))), 'token_expired')
    await expect(lenient.verify(await sign(f.rsa, claims({ exp: NOW - 29 })))).resolves.toBeDefined()
  })
  it('a cached token expires on time too', async () => {
    let now = NOW
    const verifier = f.verifier({ clockTolerance: 0, now: () => now * 1000 })
    const token = await sign(f.rsa, claims({ exp: NOW + 60 }))
    await verifier.verify(token)
    now = NOW + 59
    await expect(verifier.verify(token)).resolves.toBeDefined()
    now = NOW + 60
    await expectInvalidToken(verifier.verify(token), 'token_expired')
  })
  it('nbf: T → ok, T+1 → 401 (tolerance 0); T+30 → ok, T+31 → 401 (tolerance 30)', async () => {
    const strict = f.verifier({ clockTolerance: 0 })
    await expect(strict.verify(await sign(f.rsa, claims({ nbf: NOW })))).resolves.toBeDefined()
    await expectInvalidToken(
      strict.verify(await sign(f.rsa, claims({ nbf: NOW + 1 }))),
      'token_not_yet_valid',
    )
    const lenient = f.verifier({ clockTolerance: 30 })
    await expect(
      lenient.verify(await sign(f.rsa, claims({ nbf: NOW + 30, iat: NOW }))),
    ).resolves.toBeDefined()
    await expectInvalidToken(
      lenient.verify(await sign(f.rsa, claims({ nbf: NOW + 31 }))),
      'token_not_yet_valid',
    )
  })
  it.each([-1, Infinity, NaN, 301, '5'])('clockTolerance %p is refused at start-up', (clockTolerance) => {
    expect(() => f.verifier({ clockTolerance: clockTolerance as number })).toThrow(ConfigError)
  })
})

describe('E45 and E51 required RFC 9068 claims and their types', () => {
  const full = () => claims({ client_id: 'c', jti: 'j', iat: NOW - 10 })
  it.each(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])(
    'missing %s → 401 (tokenType at+jwt)',
    async (name) => {
      const payload: Record<string, unknown> = { ...full() }
      delete payload[name]
      const token = await sign(f.rsa, payload, { header: { typ: 'at+jwt' } })
      await expectInvalidToken(f.verifier({ tokenType: 'at+jwt' }).verify(token), [
        'claim_invalid',
        'token_expired',
      ])
    },
  )
  it('{} → 401 in both modes', async () => {
    const token = await sign(f.rsa, {}, { header: { typ: 'at+jwt' } })
    await expectInvalidToken(f.verifier({ tokenType: 'at+jwt' }).verify(token), 'claim_invalid')
    await expectInvalidToken(f.verifier().verify(token), 'claim_invalid')
  })
  it.each([
    ['sub', 123],
    ['sub', ['a']],
    ['client_id', {}],
    ['jti', 1],
    ['iss', ['https://issuer.example.com/']],
  ])('%s = %j → 401', async (name, value) => {
    const token = await sign(f.rsa, { ...full(), [name]: value }, { header: { typ: 'at+jwt' } })
    await expectInvalidToken(f.verifier({ tokenType: 'at+jwt' }).verify(token), 'claim_invalid')
  })
})

describe('E46–E48 NumericDate types, extremes and iat', () => {
  it.each(['"9999999999"', 'null', 'true', '[1]', '{}'])('exp, nbf and iat as %s → 401', async (value) => {
    for (const name of ['exp', 'nbf', 'iat']) {
      const payload = `${base()},"exp":${name === 'exp' ? value : NOW + 600}${name === 'exp' ? '' : `,"${name}":${value}`}}`
      await expectInvalidToken(f.verifier().verify(await signText(payload)), [
        'claim_invalid',
        'token_expired',
      ])
    }
  })
  it('exp 1e400 (Infinity, jose: never expires) → 401; nbf and iat 1e400 → 401', async () => {
    await expectInvalidToken(f.verifier().verify(await signText(`${base()},"exp":1e400}`)), 'claim_invalid')
    for (const name of ['nbf', 'iat']) {
      const token = await signText(`${base()},"exp":${NOW + 60},"${name}":1e400}`)
      await expectInvalidToken(f.verifier().verify(token), ['claim_invalid', 'token_not_yet_valid'])
    }
  })
  it('exp -1 and -1e400 are expired; a fractional exp is fine', async () => {
    await expectInvalidToken(f.verifier().verify(await signText(`${base()},"exp":-1}`)), 'token_expired')
    await expectInvalidToken(f.verifier().verify(await signText(`${base()},"exp":-1e400}`)), [
      'token_expired',
      'claim_invalid',
    ])
    await expect(
      f.verifier().verify(await signText(`${base()},"exp":${NOW + 600.5}}`)),
    ).resolves.toBeDefined()
  })
  it('pinned: a huge finite exp (1e308, 2^53+1) verifies and is cached safely; maxTokenAge bounds it via iat', async () => {
    for (const exp of ['1e308', '9007199254740993']) {
      const token = await signText(`${base()},"exp":${exp}}`)
      const verifier = f.verifier()
      await expect(verifier.verify(token)).resolves.toBeDefined()
      await expect(verifier.verify(token)).resolves.toBeDefined()
      const aged = f.verifier({ maxTokenAge: 3600, now: at(NOW + 7200) })
      await expectInvalidToken(aged.verify(token), ['token_expired', 'claim_invalid'])
    }
  })
  it('iat in the future → 401; older than maxTokenAge → 401; iat as string → 401', async () => {
    await expectInvalidToken(
      f.verifier().verify(await sign(f.rsa, claims({ iat: NOW + 86400 }))),
      'claim_invalid',
    )
    const aged = f.verifier({ maxTokenAge: 3600 })
    // jose reports "too old" as token_expired; the cached path as claim_invalid (iat). Both 401.
    await expectInvalidToken(aged.verify(await sign(f.rsa, claims({ iat: NOW - 3600 - 6 }))), [
      'token_expired',
      'claim_invalid',
    ])
    await expect(aged.verify(await sign(f.rsa, claims({ iat: NOW - 3600 })))).resolves.toBeDefined()
    await expectInvalidToken(
      f.verifier().verify(await sign(f.rsa, claims({ iat: String(NOW) }))),
      'claim_invalid',
    )
  })
})

describe('E49–E50 iss and aud exact matching', () => {
  it.each([
    'https://issuer.example.com',
    'https://issuer.example.com//',
    'HTTPS://ISSUER.EXAMPLE.COM/',
    ' https://issuer.example.com/',
    ['https://issuer.example.com/'],
    null,
    undefined,
    'https://issuer.example.com/?x',
  ])('iss %j → 401', async (iss) => {
    await expectInvalidToken(f.verifier().verify(await sign(f.rsa, claims({ iss }))), 'claim_invalid')
  })
  it.each([AUDIENCE, [AUDIENCE], ['x', AUDIENCE]])('aud %j → ok', async (aud) => {
    await expect(f.verifier().verify(await sign(f.rsa, claims({ aud })))).resolves.toBeDefined()
  })
  it.each([
    ['x'],
    [],
    '',
    AUDIENCE.toUpperCase(),
    `${AUDIENCE}/`,
    123,
    { a: AUDIENCE },
    null,
    undefined,
    [AUDIENCE, 5],
  ])('aud %j → 401', async (aud) => {
    await expectInvalidToken(f.verifier().verify(await sign(f.rsa, claims({ aud }))), 'claim_invalid')
  })
})

describe('E52 prototype-pollution-shaped claims', () => {
  it('own __proto__ / constructor claims verify but never reach a prototype or a guard', async () => {
    const payload = `${base()},"exp":${NOW + 600},"__proto__":{"admin":true,"scope":"admin"},"constructor":{"prototype":{"admin":true}},"scope":"read __proto__ constructor","roles":["toString"]}`
    const { payload: verified } = await f.verifier().verify(await signText(payload))
    const auth = { payload: verified, header: { alg: 'RS256' }, token: 'x' }
    expect((verified as Record<string, unknown>).admin).toBeUndefined()
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('admin')
    expect(Object.isFrozen(verified)).toBe(true)
    expect([...scopesOf(verified)].sort()).toEqual(['__proto__', 'constructor', 'read'])
    expect(() => requireScopes('admin')(auth)).toThrow(
      expect.objectContaining({ code: 'insufficient_scope' }),
    )
    expect(() => requireScopes('hasOwnProperty')(auth)).toThrow(
      expect.objectContaining({ code: 'insufficient_scope' }),
    )
    expect(() => requireRoles('constructor')(auth)).toThrow(
      expect.objectContaining({ code: 'insufficient_scope' }),
    )
    expect(() => requireRoles('toString')(auth)).not.toThrow()
  })
})

describe('E53 deeply nested and large signed claims', () => {
  // V8 serializes frozen objects recursively: ~2 600 levels (which fit in 8 KiB) made JSON.stringify of
  // the frozen claims throw. The core now refuses JSON nested deeper than 64 levels, before parsing.
  const nested = (depth: number) =>
    `${base()},"exp":${NOW + 60},"x":${'['.repeat(depth)}${']'.repeat(depth)}}`
  it('64 levels verify, freeze and serialize; 65 and the deepest that fits 8 KiB (2 600) are refused', async () => {
    const { payload } = await f.verifier().verify(await signText(nested(63)))
    expect(Object.isFrozen(payload)).toBe(true)
    expect(() => JSON.stringify(payload)).not.toThrow()
    expect(() => structuredClone(payload)).not.toThrow()
    await expectInvalidToken(f.verifier().verify(await signText(nested(64))), 'token_malformed')
    const deepest = await signText(nested(2600))
    expect(deepest.length).toBeLessThanOrEqual(8192)
    await expectInvalidToken(f.verifier().verify(deepest), 'token_malformed')
  })
  it('brackets inside strings do not count; nesting in the header is bounded too', async () => {
    const { payload } = await f
      .verifier()
      .verify(await signText(`${base()},"exp":${NOW + 60},"x":"${'[{'.repeat(500)}"}`))
    expect(payload.x).toHaveLength(1000)
    const header = `{"alg":"RS256","kid":"${f.rsa.kid}","x":${'['.repeat(100)}${']'.repeat(100)}}`
    const token = await signParts(f.rsa, header, JSON.stringify(claims()))
    await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
  })
  it('with the cap raised to 1 MiB, 200 000 levels are refused cheaply and a 700 KB claim verifies', async () => {
    const raised = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: f.rsa.publicJwk,
      now: at(NOW),
      maxTokenLength: 1024 * 1024,
    })
    await expectInvalidToken(raised.verify(await signText(nested(200_000))), 'token_malformed')
    await expectInvalidToken(f.verifier().verify(await signText(nested(200_000))), 'token_malformed')
    const big = await signText(`${base()},"exp":${NOW + 60},"x":"${'a'.repeat(700_000)}"}`)
    const { payload } = await raised.verify(big)
    expect(() => JSON.stringify(payload)).not.toThrow()
  })
})
