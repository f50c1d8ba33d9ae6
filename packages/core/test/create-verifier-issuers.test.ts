import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { expectAuthError } from './support/expect-error.js'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { AUDIENCE, claims, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/**
 * Several trusted issuers: the unverified `iss` only selects an entry of the allowlist; each issuer's
 * keys verify only its own tokens; no URL is ever derived from a token.
 */

const now = () => NOW * 1000
let keyA: TestKey
let keyB: TestKey
let a: JwksServer
let b: JwksServer
let evil: JwksServer
beforeAll(async () => {
  // The same kid at both issuers: only the issuer binding keeps A's key away from B's tokens.
  ;[keyA, keyB] = await Promise.all([
    makeKey('ES256', { kid: 'shared' }),
    makeKey('ES256', { kid: 'shared' }),
  ])
  ;[a, b, evil] = await Promise.all([
    startJwksServer([keyA.publicJwk]),
    startJwksServer([keyB.publicJwk]),
    startJwksServer([keyA.publicJwk]),
  ])
})
afterAll(() => Promise.all([a.close(), b.close(), evil.close()]))

const hits = () => a.totalHits() + b.totalHits() + evil.totalHits()

describe('issuer: string[]', () => {
  it('discovers the keys of each issuer separately', async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE, now })
    await expect(verifier.verify(await sign(keyA, claims({ iss: a.issuer })))).resolves.toBeDefined()
    await expect(verifier.verify(await sign(keyB, claims({ iss: b.issuer })))).resolves.toBeDefined()
    expect(a.hits.get('/issuer/.well-known/openid-configuration')).toBeGreaterThanOrEqual(1)
    expect(b.hits.get('/issuer/.well-known/openid-configuration')).toBeGreaterThanOrEqual(1)
  })

  it("never verifies issuer B's token with issuer A's key", async () => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE, now })
    await expectAuthError(verifier.verify(await sign(keyA, claims({ iss: b.issuer }))), 'signature_invalid')
    await expectAuthError(verifier.verify(await sign(keyB, claims({ iss: a.issuer }))), 'signature_invalid')
  })

  it('shares explicit keys between the listed issuers', async () => {
    const verifier = createVerifier({
      issuer: ['https://x.example/', 'https://y.example/'],
      audience: AUDIENCE,
      jwksUri: a.jwksUri,
      now,
    })
    await expect(
      verifier.verify(await sign(keyA, claims({ iss: 'https://x.example/' }))),
    ).resolves.toBeDefined()
    await expect(
      verifier.verify(await sign(keyA, claims({ iss: 'https://y.example/' }))),
    ).resolves.toBeDefined()
  })
})

describe('issuer: IssuerConfig[]', () => {
  const configs = () => [
    { issuer: 'https://a.example/', keys: keyA.publicJwk },
    { issuer: 'https://b.example/', jwksUri: b.jwksUri },
  ]

  it('verifies each issuer with its own keys', async () => {
    const verifier = createVerifier({ issuer: configs(), audience: AUDIENCE, now })
    await expect(
      verifier.verify(await sign(keyA, claims({ iss: 'https://a.example/' }))),
    ).resolves.toBeDefined()
    await expect(
      verifier.verify(await sign(keyB, claims({ iss: 'https://b.example/' }))),
    ).resolves.toBeDefined()
    await expectAuthError(
      verifier.verify(await sign(keyA, claims({ iss: 'https://b.example/' }))),
      'signature_invalid',
    )
    await expectAuthError(
      verifier.verify(await sign(keyB, claims({ iss: 'https://a.example/' }))),
      'signature_invalid',
    )
  })

  it('discovers an issuer config without keys', async () => {
    const verifier = createVerifier({
      issuer: [{ issuer: a.issuer }, { issuer: 'https://b.example/', keys: keyB.publicJwk }],
      audience: AUDIENCE,
      now,
    })
    await expect(verifier.verify(await sign(keyA, claims({ iss: a.issuer })))).resolves.toBeDefined()
  })

  it('gives each issuer its own HMAC secret', async () => {
    const { SignJWT } = await import('jose')
    const secretA = new TextEncoder().encode('a'.repeat(32))
    const secretB = new TextEncoder().encode('b'.repeat(32))
    const verifier = createVerifier({
      issuer: [
        { issuer: 'https://a.example/', secret: secretA },
        { issuer: 'https://b.example/', secret: secretB },
      ],
      audience: AUDIENCE,
      now,
    })
    const mac = (secret: Uint8Array, iss: string) =>
      new SignJWT(claims({ iss })).setProtectedHeader({ alg: 'HS256' }).sign(secret)
    await expect(verifier.verify(await mac(secretA, 'https://a.example/'))).resolves.toBeDefined()
    await expectAuthError(verifier.verify(await mac(secretA, 'https://b.example/')), 'signature_invalid')
  })

  it('refuses a top-level key source next to issuer configs', () => {
    expect(() => createVerifier({ issuer: configs(), audience: AUDIENCE, keys: keyA.publicJwk })).toThrow(
      '"keys"',
    )
  })
})

describe('unknown issuers', () => {
  it.each([
    ['an unlisted iss', () => evil.issuer],
    ['no iss', () => undefined],
    ['a non-string iss', () => [a.issuer]],
  ])('answers 401 for %s without any network request', async (_name, iss) => {
    const verifier = createVerifier({ issuer: [a.issuer, b.issuer], audience: AUDIENCE, now })
    const before = hits()
    const error = await expectAuthError(
      verifier.verify(await sign(keyA, claims({ iss: iss() }))),
      'claim_invalid',
    )
    expect(error.claim).toBe('iss')
    expect(hits()).toBe(before)
  })

  it('never follows a key URL named by the token (jku, x5u)', async () => {
    const verifier = createVerifier({
      issuer: [{ issuer: 'https://a.example/', keys: keyB.publicJwk }],
      audience: AUDIENCE,
      now,
    })
    const before = evil.totalHits()
    const token = await sign(keyA, claims({ iss: 'https://a.example/' }), {
      header: { jku: evil.jwksUri, x5u: evil.jwksUri },
    })
    await expectAuthError(verifier.verify(token), 'signature_invalid')
    expect(evil.totalHits()).toBe(before)
  })
})

describe('issuer: null', () => {
  it('accepts any issuer with the configured keys only', async () => {
    const verifier = createVerifier({ issuer: null, audience: AUDIENCE, keys: keyA.publicJwk, now })
    await expect(
      verifier.verify(await sign(keyA, claims({ iss: 'https://anything.example/' }))),
    ).resolves.toBeDefined()
    await expectAuthError(verifier.verify(await sign(keyB, claims({ iss: b.issuer }))), 'signature_invalid')
  })
})
