import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier } from '@tokenguard/core'
import { randomBytes } from 'node:crypto'
import { attackFixture, expectInvalidToken, signParts, type AttackFixture } from '../support/attack.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, b64url, claims, ISSUER, NOW, sign } from '../support/keys.js'

/** Catalog section I: denial of service and resource limits (items 77–80). */

let f: AttackFixture
let server: JwksServer
beforeAll(async () => {
  f = await attackFixture()
  server = await startJwksServer()
})
afterAll(() => server.close())

describe('I77 token length cap before any decoding', () => {
  it('1 MB and 8 MB header strings, 300 000 header keys, a 64 KB signature → 401 token_malformed', async () => {
    const [h, p, s] = (await sign(f.rsa, claims())).split('.') as [string, string, string]
    const bigHeader = (size: number) => b64url(`{"alg":"RS256","x":"${'a'.repeat(size)}"}`)
    const manyKeys = b64url(
      `{"alg":"RS256",${Array.from({ length: 300_000 }, (_, i) => `"k${i}":0`).join(',')}}`,
    )
    for (const token of [
      `${bigHeader(1024 * 1024)}.${p}.${s}`,
      `${bigHeader(8 * 1024 * 1024)}.${p}.${s}`,
      `${manyKeys}.${p}.${s}`,
      `${h}.${p}.${b64url(randomBytes(64 * 1024))}`,
    ]) {
      await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
    }
  })
  it('the cap is exact: a token of maxTokenLength characters is decoded, one more is not', async () => {
    const token = await sign(f.rsa, claims())
    await expect(f.verifier({ maxTokenLength: token.length }).verify(token)).resolves.toBeDefined()
    await expectInvalidToken(
      f.verifier({ maxTokenLength: token.length - 1 }).verify(token),
      'token_malformed',
    )
    expect(() => f.verifier({ maxTokenLength: 2 * 1024 * 1024 })).toThrow(ConfigError)
  })
})

describe('I78 no RegExp matching of issuer, audience or scopes (no ReDoS surface)', () => {
  it('a RegExp where a string is expected is refused at start-up', () => {
    const keys = f.rsa.publicJwk
    expect(() => createVerifier({ issuer: /^(a+)+$/ as never, audience: AUDIENCE, keys })).toThrow(
      ConfigError,
    )
    expect(() => createVerifier({ issuer: ISSUER, audience: /^(a+)+$/ as never, keys })).toThrow(ConfigError)
  })
  it('an iss built to trigger catastrophic backtracking is just a non-matching string', async () => {
    const token = await sign(f.rsa, claims({ iss: `${'a'.repeat(5_000)}!` }))
    await expectInvalidToken(f.verifier().verify(token), 'claim_invalid')
  })
})

describe('I79 expensive keys', () => {
  it('an RSA key above 8 192 bits published in the JWK Set is skipped', async () => {
    const n = randomBytes(16384 / 8)
    n[0] = n[0]! | 0x80
    n[n.length - 1] = n[n.length - 1]! | 1
    const huge = { kty: 'RSA', kid: f.rsa.kid, n: n.toString('base64url'), e: 'AQAB', alg: 'RS256' }
    server.setKeys([huge])
    const verifier = createVerifier({
      issuer: null,
      audience: null,
      jwksUri: server.jwksUri,
      now: () => NOW * 1000,
    })
    await expectInvalidToken(verifier.verify(await sign(f.rsa, claims())), 'key_not_found')
    expect(() => createVerifier({ issuer: null, audience: null, keys: huge })).toThrow(ConfigError)
  })
})

describe('I80 failures do not amplify', () => {
  it('a burst of bad-signature tokens for a known kid causes no JWK Set request', async () => {
    server.setKeys([f.rsa.publicJwk])
    const verifier = createVerifier({
      issuer: null,
      audience: null,
      jwksUri: server.jwksUri,
      now: () => NOW * 1000,
    })
    const token = await sign(f.rsa, claims())
    await verifier.verify(token)
    const hits = server.totalHits('/jwks')
    const [h, p] = token.split('.')
    const forged = await signParts(f.attacker, Buffer.from(h!, 'base64url'), Buffer.from(p!, 'base64url'))
    const results = await Promise.allSettled(Array.from({ length: 500 }, () => verifier.verify(forged)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    expect(server.totalHits('/jwks')).toBe(hits)
  })
})
