import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose'
import { createStaticKeySet } from '../src/keys/static-key-set.js'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { AUDIENCE, claims, compact, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/**
 * The verifier remembers which key an (alg, kid) resolved to and hands it to jose directly on later
 * tokens. These pin down that remembering never changes an outcome.
 */
describe('remembered keys', () => {
  let server: JwksServer
  let first: TestKey
  let second: TestKey
  beforeAll(async () => {
    first = await makeKey('ES256', { kid: 'shared' })
    second = await makeKey('ES256', { kid: 'shared' })
    server = await startJwksServer([first.publicJwk])
  })
  afterAll(() => server.close())

  it('forgets a key when a refetched set reuses its kid for new material', async () => {
    server.setKeys([first.publicJwk])
    let clock = NOW * 1000
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: server.jwksUri,
      cache: false,
      now: () => clock,
    })
    const exp = NOW + 7200
    await expect(verifier.verify(await sign(first, claims({ exp })))).resolves.toBeDefined()
    await expect(verifier.verify(await sign(first, claims({ exp, sub: 'again' })))).resolves.toBeDefined()
    server.setKeys([second.publicJwk])
    clock = (NOW + 601) * 1000
    await expect(verifier.verify(await sign(second, claims({ exp })))).resolves.toBeDefined()
    await expect(verifier.verify(await sign(first, claims({ exp, sub: 'old' })))).rejects.toMatchObject({
      code: 'signature_invalid',
    })
  })

  it('remembers kid-less keys per algorithm', async () => {
    const ec = await makeKey('ES256')
    const rsa = await makeKey('RS256')
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [ec.publicJwk, rsa.publicJwk].map(({ kid: _kid, ...jwk }) => jwk),
      cache: false,
      now: () => NOW * 1000,
    })
    for (const key of [ec, rsa, ec, rsa]) {
      await expect(verifier.verify(await sign(key, claims(), { noKid: true }))).resolves.toMatchObject({
        header: { alg: key.alg },
      })
    }
    const forged = await sign(await makeKey('ES256'), claims(), { noKid: true })
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'signature_invalid' })
  })

  it('remembers a kid-less fallback in one slot per algorithm, never under the made-up kid', async () => {
    const named = await makeKey('ES256')
    const { kid: _kid, ...kidless } = (await makeKey('ES256')).publicJwk
    const source = createStaticKeySet([named.publicJwk, kidless])
    const token = { protected: '', payload: '', signature: '' }
    const resolved = await source.getKey({ alg: 'ES256', kid: 'made-up-1' }, token)
    // Any other unknown kid is served from the same slot, so made-up kids cannot grow the memo.
    expect(source.knownKey?.('ES256', 'made-up-2', NOW * 1000)).toBe(resolved)
    expect(source.knownKey?.('ES256', named.kid, NOW * 1000)).toBeUndefined()
    expect(source.knownKey?.('ES256', undefined, NOW * 1000)).toBeUndefined()
    expect(source.knownKey?.('RS256', 'made-up-2', NOW * 1000)).toBeUndefined()
    const own = await source.getKey({ alg: 'ES256', kid: named.kid }, token)
    expect(own).not.toBe(resolved)
    expect(source.knownKey?.('ES256', named.kid, NOW * 1000)).toBe(own)
    expect(source.knownKey?.('ES256', 'made-up-3', NOW * 1000)).toBe(resolved)
  })

  it('remembers per algorithm: one RSA key without alg verifies RS256 and PS256 alike', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const { alg: _alg, ...privateJwk } = await exportJWK(privateKey)
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { ...(await exportJWK(publicKey)), kid: 'rsa' },
      cache: false,
      now: () => NOW * 1000,
    })
    for (const alg of ['RS256', 'PS256', 'RS256', 'PS256']) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg, kid: 'rsa' })
        .sign(await importJWK(privateJwk, alg))
      await expect(verifier.verify(token)).resolves.toMatchObject({ header: { alg } })
    }
  })

  it('imports an HMAC secret once per algorithm and still refuses other algorithms', async () => {
    const secret = 'a'.repeat(64)
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret, now: () => NOW * 1000 })
    const bytes = new TextEncoder().encode(secret)
    for (const alg of ['HS256', 'HS512', 'HS256', 'HS384']) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg }).sign(bytes)
      await expect(verifier.verify(token)).resolves.toMatchObject({ header: { alg } })
    }
    // A cold start: concurrent first verifications share one import.
    const fresh = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret, now: () => NOW * 1000 })
    const burst = await Promise.all(
      [1, 2, 3].map((n) =>
        new SignJWT(claims({ sub: `u${n}` })).setProtectedHeader({ alg: 'HS256' }).sign(bytes),
      ),
    )
    const results = await Promise.all(burst.map((token) => fresh.verify(token)))
    expect(results.map((result) => result.payload.sub)).toEqual(['u1', 'u2', 'u3'])
    const rsa = compact({ alg: 'RS256' }, claims(), 'c2ln')
    await expect(verifier.verify(rsa)).rejects.toMatchObject({ code: 'algorithm_not_allowed' })
  })
})
