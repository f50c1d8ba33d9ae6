import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { createPrivateKey } from 'node:crypto'
import { expectAuthError } from '../support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'
import { encrypt, makeEncryptionKey, type EncryptionKey } from './support.js'

/**
 * Encrypted access tokens (nested JWTs) through the verifier: decrypted with the API's key, then verified
 * as a plain token against the keys of the issuer whose decryption key opened it.
 */

const now = () => NOW * 1000
let signer: TestKey
let rsa: EncryptionKey
beforeAll(async () => {
  ;[signer, rsa] = await Promise.all([makeKey('ES256'), makeEncryptionKey('RSA-OAEP-256')])
})

function verifierFor(keys: EncryptionKey[], extra: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: signer.publicJwk,
    decryption: { keys: keys.map((key) => key.privateJwk) },
    now,
    ...extra,
  })
}

describe('decrypts, then verifies the signed JWT inside', () => {
  it.each([
    ['RSA-OAEP', 'A128GCM', {}],
    ['RSA-OAEP-256', 'A256GCM', {}],
    ['RSA-OAEP-384', 'A128CBC-HS256', {}],
    ['RSA-OAEP-512', 'A256CBC-HS512', {}],
    ['ECDH-ES', 'A256GCM', { crv: 'P-256' }],
    ['ECDH-ES+A128KW', 'A192CBC-HS384', { crv: 'P-384' }],
    ['ECDH-ES+A256KW', 'A192GCM', { crv: 'P-521' }],
    ['ECDH-ES', 'A128GCM', { crv: 'X25519' }],
  ])('%s with %s', async (alg, enc, options) => {
    const key = await makeEncryptionKey(alg, options)
    const jws = await sign(signer, claims({ scope: 'read' }))
    const token = await encrypt(key, jws, { enc })
    const result = await verifierFor([key]).verify(token)
    expect(result.payload.scope).toBe('read')
    expect(result.token).toBe(token)
    expect(result.header).toEqual({ alg: 'ES256', kid: signer.kid })
    expect(result.encryption).toEqual({ alg, enc, kid: key.kid })
    expect(Object.isFrozen(result.encryption)).toBe(true)
  })

  it.each(['dir', 'A128KW', 'A256KW', 'A256GCMKW'])('%s with a secret key', async (alg) => {
    const key = await makeEncryptionKey(alg)
    const token = await encrypt(key, await sign(signer, claims()), { enc: 'A256GCM' })
    const result = await verifierFor([key]).verify(token)
    expect(result.encryption).toEqual({ alg, enc: 'A256GCM', kid: key.kid })
  })

  it('accepts PEM and KeyObject keys given with their kid, and a token without kid', async () => {
    const pem = createPrivateKey({ key: rsa.privateJwk, format: 'jwk' }).export({
      format: 'pem',
      type: 'pkcs8',
    })
    const keyObject = createPrivateKey({ key: rsa.privateJwk, format: 'jwk' })
    const jws = await sign(signer, claims())
    for (const keys of [[{ key: pem as string, kid: rsa.kid }], [keyObject], [pem as string]]) {
      const verifier = verifierFor([], { decryption: { keys } })
      await expect(verifier.verify(await encrypt(rsa, jws))).resolves.toBeDefined()
      const withoutKid = await verifier.verify(await encrypt(rsa, jws, { noKid: true }))
      expect(withoutKid.encryption).toEqual({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
    }
  })

  it('still accepts plain signed tokens unless encryption is required', async () => {
    const jws = await sign(signer, claims())
    await expect(verifierFor([rsa]).verify(jws)).resolves.not.toHaveProperty('encryption')
  })

  it('serves the second request from the cache, keyed by the token as sent', async () => {
    const verifier = verifierFor([rsa])
    const token = await encrypt(rsa, await sign(signer, claims()))
    const first = await verifier.verify(token)
    expect(verifier.verifyNow(token)).toBe(first)
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 1, size: 1 })
  })

  it('raises the default maxTokenLength to 16 384 characters', async () => {
    const big = claims({ blob: 'x'.repeat(7000) })
    const token = await encrypt(rsa, await sign(signer, big))
    expect(token.length).toBeGreaterThan(8192)
    await expect(verifierFor([rsa]).verify(token)).resolves.toBeDefined()
    const capped = verifierFor([rsa], { maxTokenLength: 8192 })
    await expectAuthError(capped.verify(token), 'token_malformed')
  })

  it('reports the JWE kid and alg of a refusal for the operator', async () => {
    const token = await encrypt(rsa, await sign(signer, claims({ aud: 'https://other.example' })))
    const refused = await expectAuthError(verifierFor([rsa]).verify(token), 'claim_invalid')
    expect(refused.reason.check).toBe('aud')
    const other = await makeEncryptionKey('RSA-OAEP-256', { kid: rsa.kid })
    const wrongKey = await encrypt(other, await sign(signer, claims()))
    const failed = await expectAuthError(verifierFor([rsa]).verify(wrongKey), 'signature_invalid')
    expect(failed.reason).toMatchObject({ kid: rsa.kid, alg: 'RSA-OAEP-256', keySource: 'decryption keys' })
  })
})

describe('several issuers', () => {
  let signerB: TestKey
  let encB: EncryptionKey
  const B = 'https://b.example.com/'
  beforeAll(async () => {
    ;[signerB, encB] = await Promise.all([
      makeKey('ES256'),
      makeEncryptionKey('ECDH-ES+A256KW', { crv: 'P-256' }),
    ])
  })
  const verifier = () =>
    createVerifier({
      issuer: [
        { issuer: ISSUER, keys: signer.publicJwk, decryption: { keys: rsa.privateJwk } },
        { issuer: B, keys: signerB.publicJwk, decryption: { keys: encB.privateJwk } },
      ],
      audience: AUDIENCE,
      now,
    })

  it("verifies each issuer's token, opened with its own key", async () => {
    const a = await verifier().verify(await encrypt(rsa, await sign(signer, claims())))
    const b = await verifier().verify(await encrypt(encB, await sign(signerB, claims({ iss: B }))))
    expect([a.payload.iss, b.payload.iss]).toEqual([ISSUER, B])
  })

  it("refuses issuer A's signed token inside a JWE made with issuer B's key", async () => {
    const token = await encrypt(encB, await sign(signer, claims()))
    const refused = await expectAuthError(verifier().verify(token), 'claim_invalid')
    expect(refused.reason).toMatchObject({ check: 'iss', expected: [B] })
  })

  it('refuses an untrusted issuer inside', async () => {
    const token = await encrypt(rsa, await sign(signer, claims({ iss: 'https://evil.example/' })))
    const refused = await expectAuthError(verifier().verify(token), 'claim_invalid')
    expect(refused.claim).toBe('iss')
  })

  it('shares one decryption key between issuers named together; the signed token picks the issuer', async () => {
    const shared = createVerifier({
      issuer: [ISSUER, B],
      audience: AUDIENCE,
      keys: [signer.publicJwk, signerB.publicJwk],
      decryption: { keys: rsa.privateJwk },
      now,
    })
    const fromB = await shared.verify(await encrypt(rsa, await sign(signerB, claims({ iss: B }))))
    expect(fromB.payload.iss).toBe(B)
  })

  it('accepts any issuer with issuer: null', async () => {
    const any = createVerifier({
      issuer: null,
      audience: AUDIENCE,
      keys: signer.publicJwk,
      decryption: { keys: rsa.privateJwk, required: true },
      now,
    })
    const token = await encrypt(rsa, await sign(signer, claims({ iss: 'https://any.example/' })))
    await expect(any.verify(token)).resolves.toBeDefined()
    await expectAuthError(any.verify(await sign(signer, claims())), 'token_malformed')
  })
})
