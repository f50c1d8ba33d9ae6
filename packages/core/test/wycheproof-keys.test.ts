import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, type VerifierOptions } from '@tokenguard/core'
import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto'
import type { JWK } from 'jose'
import { hasRocaFingerprint } from '../src/jwks/roca.js'
import { unusableKeyReason } from '../src/jwks/usable-keys.js'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { claims, NOW } from './support/keys.js'
import { forgeRs256ForExponentOne, rawSign, signingInput } from './support/raw-sign.js'
import { keyList, loadWycheproof, type WycheproofGroup } from './support/wycheproof.js'

/**
 * Wycheproof `json_web_key_test.json`: which keys and key sets the verifier trusts.
 *
 * The vectors' own tokens carry the payload `foo` (not a claims set), so each key is judged with a real
 * JWT signed by the group's private key: a good key verifies it; a bad key is refused at start-up when
 * configured as static `keys` (ConfigError) and skipped when published in a JWK Set (the token is then
 * signed by no trusted key: 401 `key_not_found`, never 503, never accepted).
 */

const groups = loadWycheproof('json_web_key_test.json')
const byTcId = (tcId: number): WycheproofGroup => groups.find((g) => g.tests.some((t) => t.tcId === tcId))!
const base = { issuer: null, audience: null, now: () => NOW * 1000 } satisfies Partial<VerifierOptions>
const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'key_ops', 'crv', 'x', 'y', 'n', 'e', 'k']

/** Drops private members, as an issuer publishing its JWK Set would. */
function publicPart(jwk: JWK): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => PUBLIC_MEMBERS.includes(name))) as JWK
}

let server: JwksServer
let paths = 0
beforeAll(async () => {
  server = await startJwksServer()
})
afterAll(() => server.close())

/** Serves `keys` as a JWK Set on a fresh path and returns a verifier using it. */
function jwksVerifier(keys: unknown[]) {
  const path = `/set-${++paths}`
  server.override(path, (_req, res) => res.writeHead(200).end(JSON.stringify({ keys })))
  return createVerifier({ ...base, jwksUri: `${server.url}${path}` })
}

function tokenFor(jwk: JWK): string {
  const alg = jwk.alg as string
  return rawSign(alg, jwk, { alg, kid: jwk.kid }, claims())
}

describe('Wycheproof json_web_key_test.json', () => {
  it('holds the 26 tests of the upstream snapshot', () => {
    expect(groups.flatMap((g) => g.tests)).toHaveLength(26)
  })

  it('tcId 5: a good RSA key verifies, statically and from a JWK Set', async () => {
    const [priv] = keyList(byTcId(5).private)
    const token = tokenFor(priv!)
    await expect(createVerifier({ ...base, keys: publicPart(priv!) }).verify(token)).resolves.toBeDefined()
    await expect(jwksVerifier([publicPart(priv!)]).verify(token)).resolves.toBeDefined()
  })

  // Asymmetric keys the file says must be rejected. Each one signs (or, for e=1, forges) a real JWT.
  const badAsymmetric: [number, string][] = [
    [6, 'use "enc" (RSA1_5 key)'],
    [7, 'ROCA-vulnerable modulus (CVE-2017-15361)'],
    [8, '1024-bit RSA modulus'],
    [9, 'public exponent 1'],
    [19, 'alg ES521 on a P-256 key'],
    [20, 'alg ES224 (no such JWS alg)'],
    [21, 'use "enc" EC key'],
    [22, 'EC point not on the curve'],
    [23, 'P-256 coordinates labelled P-384'],
    [24, 'EC members labelled kty RSA'],
  ]
  it.each(badAsymmetric)('tcId %i: %s is refused as static key and skipped in a JWK Set', async (tcId) => {
    const group = byTcId(tcId)
    const [pub] = keyList(group.public)
    const [priv] = keyList(group.private)
    expect(unusableKeyReason(pub)).toBeDefined()
    expect(() => createVerifier({ ...base, keys: pub! })).toThrow(ConfigError)

    // Sign with the real private key where node:crypto can import it; otherwise with the genuine
    // P-256 key these EC vectors were derived from, so the token is well signed for its `kid`.
    const signer = tcId >= 19 ? keyList(byTcId(19).private).map((k) => ({ ...k, alg: 'ES256' }))[0]! : priv!
    const alg = tcId >= 19 ? 'ES256' : 'RS256'
    let token: string
    if (tcId === 9) {
      const input = signingInput({ alg, kid: pub!.kid }, claims())
      token = `${input}.${forgeRs256ForExponentOne(input, 256)}`
      // The forgery is real: with e = 1 plain RSA verification accepts it without any private key.
      const key = createPublicKey({ key: pub as JsonWebKey, format: 'jwk' })
      expect(
        cryptoVerify('sha256', Buffer.from(input), key, Buffer.from(token.split('.')[2]!, 'base64url')),
      ).toBe(true)
    } else {
      token = rawSign(alg, signer, { alg, kid: pub!.kid }, claims())
    }
    await expect(jwksVerifier([pub]).verify(token)).rejects.toMatchObject({
      code: 'key_not_found',
      status: 401,
    })
  })

  it('tcId 7: the ROCA key is a real key (its own signature is mathematically valid)', () => {
    const [priv] = keyList(byTcId(7).private)
    const [pub] = keyList(byTcId(7).public)
    const input = signingInput({ alg: 'RS256', kid: pub!.kid }, claims())
    const token = rawSign('RS256', priv!, { alg: 'RS256', kid: pub!.kid }, claims())
    const key = createPublicKey({ key: pub as JsonWebKey, format: 'jwk' })
    // So the refusal above is the fingerprint check, not a broken key.
    expect(
      cryptoVerify('sha256', Buffer.from(input), key, Buffer.from(token.split('.')[2]!, 'base64url')),
    ).toBe(true)
  })

  it('the ROCA check flags only the ROCA key among every RSA modulus of both vector files', async () => {
    const moduli = [...loadWycheproof('json_web_signature_test.json'), ...groups]
      .flatMap((g) => [...keyList(g.public), ...keyList(g.private)])
      .filter((k) => k.kty === 'RSA' && typeof k.n === 'string')
      .map((k) => k.n!)
    const flagged = [...new Set(moduli)].filter((n) => hasRocaFingerprint(Buffer.from(n, 'base64url')))
    expect(flagged).toEqual([keyList(byTcId(7).public)[0]!.n])
    expect(new Set(moduli).size).toBeGreaterThan(5)
  })

  describe('HMAC keys (tokenguard takes one raw `secret`, never `oct` JWKs)', () => {
    const secretOf = (tcId: number, index = 0) =>
      Buffer.from(keyList(byTcId(tcId).private)[index]!.k ?? '', 'base64url')

    it.each([13, 14, 15])('tcId %i: a long key verifies its own tokens', async (tcId) => {
      const [jwk] = keyList(byTcId(tcId).private)
      const secret = secretOf(tcId)
      const token = rawSign(jwk!.alg!, secret, { alg: jwk!.alg }, claims())
      await expect(createVerifier({ ...base, secret }).verify(token)).resolves.toBeDefined()
    })

    it.each([10, 11, 12, 16, 17, 18])('tcId %i: a short or empty key is refused at start-up', (tcId) => {
      const [jwk] = keyList(byTcId(tcId).private)
      expect(() =>
        createVerifier({ ...base, secret: secretOf(tcId), algorithms: [jwk!.alg as 'HS256'] }),
      ).toThrow(ConfigError)
    })

    it('tcId 2: a key of a symmetric key set, configured as the secret, verifies', async () => {
      const secret = secretOf(2)
      const token = rawSign('HS256', secret, { alg: 'HS256', kid: 'kid-aes-sign' }, claims())
      await expect(createVerifier({ ...base, secret }).verify(token)).resolves.toBeDefined()
    })

    it.each([1, 2, 4, 25, 26])('tcId %i: oct keys in a JWK Set or in `keys` are never used', async (tcId) => {
      const keys = keyList(byTcId(tcId).private)
      expect(() => createVerifier({ ...base, keys: { keys } })).toThrow(ConfigError)
      const oct = keys.find((k) => k.kty === 'oct')!
      const token = rawSign(
        'HS256',
        Buffer.from(oct.k!, 'base64url'),
        { alg: 'HS256', kid: oct.kid },
        claims(),
      )
      // HS* is not in the allowlist of a key set: HMAC with published material is impossible.
      await expect(jwksVerifier(keys).verify(token)).rejects.toMatchObject({
        code: 'algorithm_not_allowed',
        status: 401,
      })
    })

    it('tcId 1: in a mixed set the asymmetric member stays usable (the oct member is dropped)', async () => {
      // Decision: an unusable member is skipped, not fatal to the set, so an issuer that publishes one
      // odd key does not take its other keys down. The oct member can never verify anything.
      const keys = keyList(byTcId(1).private)
      const ec = keys.find((k) => k.kty === 'EC')!
      // The set lists only the public half; tcId 19's group holds the same key's private `d`.
      const d = keyList(byTcId(19).private)[0]!.d
      expect(keyList(byTcId(19).private)[0]!.x).toBe(ec.x)
      const token = rawSign('ES256', { ...ec, d }, { alg: 'ES256', kid: ec.kid }, claims())
      await expect(jwksVerifier(keys.map(publicPart)).verify(token)).resolves.toBeDefined()
    })
  })
})
