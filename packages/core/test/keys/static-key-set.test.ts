import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type KeyInput } from '@tokenguard/core'
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto'
import type { JWK } from 'jose'
import { makeCertificate } from '../support/certificate.js'
import { expectAuthError, expectConfigError } from '../support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/** Static keys (`keys`): JWK, JWK Set, PEM (SPKI, PKCS#1, certificate), KeyObject; unsafe keys refused. */

const now = () => NOW * 1000
let key: TestKey
let other: TestKey
beforeAll(async () => {
  ;[key, other] = await Promise.all([makeKey('ES256'), makeKey('ES256')])
})

function verifier(keys: KeyInput | KeyInput[]) {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, now })
}

describe('accepted forms', () => {
  it('a JWK, a JWK Set and a list of them', async () => {
    const token = await sign(key, claims())
    await expect(verifier(key.publicJwk).verify(token)).resolves.toBeDefined()
    await expect(verifier({ keys: [other.publicJwk, key.publicJwk] }).verify(token)).resolves.toBeDefined()
    await expect(verifier([other.publicJwk, { keys: [key.publicJwk] }]).verify(token)).resolves.toBeDefined()
    await expectAuthError(
      verifier(other.publicJwk).verify(await sign(other, claims(), { header: { kid: key.kid } })),
      'key_not_found',
    )
  })

  it('an SPKI PEM and a public KeyObject', async () => {
    const publicKey = toKeyObject(key)
    const token = await sign(key, claims(), { noKid: true })
    await expect(verifier(publicKey).verify(token)).resolves.toBeDefined()
    const spki = publicKey.export({ format: 'pem', type: 'spki' }) as string
    expect(spki).toContain('BEGIN PUBLIC KEY')
    await expect(verifier(spki).verify(token)).resolves.toBeDefined()
  })

  it('a PKCS#1 RSA public key PEM', async () => {
    const rsa = await makeKey('RS256')
    const pem = toKeyObject(rsa).export({ format: 'pem', type: 'pkcs1' }) as string
    expect(pem).toContain('BEGIN RSA PUBLIC KEY')
    await expect(verifier(pem).verify(await sign(rsa, claims(), { noKid: true }))).resolves.toBeDefined()
  })

  it('an X.509 certificate PEM', async () => {
    const { certificate, privateKeyPem } = makeCertificate()
    const signer: TestKey = {
      alg: 'ES256',
      kid: 'cert',
      privateKey: createPrivateKey(privateKeyPem) as never,
      publicJwk: {},
    }
    await expect(
      verifier(certificate).verify(await sign(signer, claims(), { noKid: true })),
    ).resolves.toBeDefined()
    await expectAuthError(
      verifier(certificate).verify(await sign(key, claims(), { noKid: true })),
      'signature_invalid',
    )
  })
})

describe('kid', () => {
  it('with one key, a token without kid uses it (pinned)', async () => {
    await expect(
      verifier(key.publicJwk).verify(await sign(key, claims(), { noKid: true })),
    ).resolves.toBeDefined()
  })

  it('with two candidate keys, a token without kid is rejected (pinned: no trial verification)', async () => {
    const token = await sign(key, claims(), { noKid: true })
    await expectAuthError(verifier([key.publicJwk, other.publicJwk]).verify(token), 'key_not_found')
  })

  it('a duplicate kid makes tokens with that kid fail', async () => {
    const twin = { ...other.publicJwk, kid: key.kid }
    await expectAuthError(verifier([key.publicJwk, twin]).verify(await sign(key, claims())), 'key_not_found')
  })
})

/** Keys without a kid: candidates for a token's kid only when no configured key carries that kid. */
describe('keys without kid', () => {
  // Twice each: the first verification resolves the key, the second takes the remembered one.
  async function verifiesTwice(keys: KeyInput | KeyInput[], signer: TestKey, kid: string | undefined) {
    const check = verifier(keys)
    for (const sub of ['first', 'again']) {
      const token = await sign(
        signer,
        claims({ sub }),
        kid === undefined ? { noKid: true } : { header: { kid } },
      )
      await expect(check.verify(token)).resolves.toMatchObject({ payload: { sub } })
    }
  }

  it('an SPKI PEM verifies a token whose header carries a kid (as Auth0 and Okta tokens do)', async () => {
    const rsa = await makeKey('RS256')
    const pem = toKeyObject(rsa).export({ format: 'pem', type: 'spki' }) as string
    await verifiesTwice(pem, rsa, rsa.kid)
    await verifiesTwice(pem, rsa, undefined)
    await expectAuthError(verifier(pem).verify(await sign(key, claims())), 'key_not_found')
  })

  it('a JWK without kid, or a KeyObject, verifies a token with any kid, and only its own signatures', async () => {
    await verifiesTwice(withoutKid(key), key, 'whatever-the-issuer-chose')
    await verifiesTwice(toKeyObject(key), key, 'another')
    await expectAuthError(verifier(withoutKid(key)).verify(await sign(other, claims())), 'signature_invalid')
  })

  it('a kid that names a key selects that key, even when a kid-less key would verify the token', async () => {
    const keys = [other.publicJwk, withoutKid(key)]
    await verifiesTwice(keys, other, other.kid)
    await verifiesTwice(keys, key, 'unknown-kid')
    // Signed by the kid-less key but naming the other key: the named key is the only candidate.
    await expectAuthError(
      verifier(keys).verify(await sign(key, claims(), { header: { kid: other.kid } })),
      'signature_invalid',
    )
    // Signed by the named key but with a kid no key carries: only the kid-less key is a candidate.
    await expectAuthError(
      verifier(keys).verify(await sign(other, claims(), { header: { kid: 'unknown-kid' } })),
      'signature_invalid',
    )
  })

  it('a kid that names a key of another type does not fall back', async () => {
    const rsa = await makeKey('RS256', { kid: 'shared-name' })
    const keys = [rsa.publicJwk, withoutKid(key)]
    await verifiesTwice(keys, key, 'unknown-kid')
    await expectAuthError(
      verifier(keys).verify(await sign(key, claims(), { header: { kid: 'shared-name' } })),
      'key_not_found',
    )
  })

  it('remembered keys never cross between a named kid, an unknown kid and no kid', async () => {
    const check = verifier([other.publicJwk, withoutKid(key)])
    const outcome = async (signer: TestKey, options: Parameters<typeof sign>[2], sub: string) =>
      check.verify(await sign(signer, claims({ sub }), options)).then(
        () => 'ok',
        (error: { code: string }) => error.code,
      )
    const rounds = []
    for (let round = 0; round < 2; round++) {
      rounds.push([
        await outcome(key, { header: { kid: `made-up-${round}` } }, `a${round}`),
        await outcome(other, { header: { kid: `made-up-${round}` } }, `b${round}`),
        await outcome(key, { header: { kid: other.kid } }, `c${round}`),
        await outcome(other, {}, `d${round}`),
        // Without a kid every key is a candidate, and two fit ES256 (pinned, as for two keys with kids).
        await outcome(key, { noKid: true }, `e${round}`),
      ])
    }
    const expected = ['ok', 'signature_invalid', 'signature_invalid', 'ok', 'key_not_found']
    expect(rounds).toEqual([expected, expected])
  })

  it('several kid-less keys that fit the algorithm refuse a token with an unknown kid', async () => {
    const keys = [withoutKid(key), withoutKid(other)]
    await expectAuthError(verifier(keys).verify(await sign(key, claims())), 'key_not_found')
    // Kid-less keys of different types do not compete: the token's alg tells them apart.
    const rsa = await makeKey('RS256')
    await verifiesTwice([withoutKid(key), withoutKid(rsa)], rsa, 'unknown-kid')
    await verifiesTwice([withoutKid(key), withoutKid(rsa)], key, 'unknown-kid')
  })

  it('a non-string kid names no key and does not fall back', async () => {
    await expectAuthError(
      verifier(withoutKid(key)).verify(await sign(key, claims(), { header: { kid: 7 } })),
      'key_not_found',
    )
  })
})

describe('refused keys', () => {
  const rsa1024 = () =>
    generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
  const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' })

  function offCurve(): JWK {
    const jwk = ec().publicKey.export({ format: 'jwk' }) as JWK
    const y = Buffer.from(jwk.y as string, 'base64url')
    y[y.length - 1] = (y[y.length - 1] as number) ^ 1
    return { ...jwk, y: y.toString('base64url') }
  }

  it.each([
    ['a private PKCS#8 PEM', () => ec().privateKey.export({ format: 'pem', type: 'pkcs8' })],
    ['a private SEC1 PEM', () => ec().privateKey.export({ format: 'pem', type: 'sec1' })],
    [
      'a private PKCS#1 PEM',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          format: 'pem',
          type: 'pkcs1',
        }),
    ],
    ['a private KeyObject', () => ec().privateKey],
    ['a secret KeyObject', () => createSecretKey(Buffer.alloc(32, 1))],
    ['a private JWK', () => ec().privateKey.export({ format: 'jwk' })],
    ['a symmetric JWK', () => ({ kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') })],
    ['an RSA key under 2048 bits', rsa1024],
    ['an RSA exponent of 1', () => ({ ...rsa2048Jwk(), e: 'AQ' })],
    ['an even RSA exponent', () => ({ ...rsa2048Jwk(), e: 'AQAA' })],
    ['an off-curve EC point', offCurve],
    ['use: enc', () => ({ ...ec().publicKey.export({ format: 'jwk' }), use: 'enc' })],
    ['key_ops without verify', () => ({ ...ec().publicKey.export({ format: 'jwk' }), key_ops: ['encrypt'] })],
    ['alg not fitting kty', () => ({ ...ec().publicKey.export({ format: 'jwk' }), alg: 'RS256' })],
    ['alg of another curve', () => ({ ...ec().publicKey.export({ format: 'jwk' }), alg: 'ES384' })],
    ['a non-string kid', () => ({ ...ec().publicKey.export({ format: 'jwk' }), kid: 7 })],
    [
      'an unsupported curve',
      () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' }),
    ],
    ['an RSA key without n', () => ({ kty: 'RSA', e: 'AQAB' })],
    ['an all-zero modulus', () => ({ ...rsa2048Jwk(), n: Buffer.alloc(256).toString('base64url') })],
    [
      'an RSA modulus over 8192 bits',
      () => ({ ...rsa2048Jwk(), n: Buffer.alloc(1040, 0xff).toString('base64url') }),
    ],
    ['an empty RSA exponent', () => ({ ...rsa2048Jwk(), e: '' })],
    ['no kty', () => ({ crv: 'P-256', x: 'AA', y: 'AA' })],
    ['a garbage PEM', () => '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n'],
    ['a number', () => 42],
    ['null', () => null],
    ['an empty list', () => []],
    ['an empty JWK Set', () => ({ keys: [] })],
  ])('%s', (_name, make) => {
    expectConfigError(() => verifier(make() as KeyInput), 'keys')
  })

  it('names the issuer entry', () => {
    expectConfigError(
      () => createVerifier({ issuer: [{ issuer: ISSUER, keys: rsa1024() as JWK }], audience: AUDIENCE }),
      'issuer[0].keys',
    )
  })
})

function rsa2048Jwk(): JWK {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as JWK
}

function withoutKid(test: TestKey): JWK {
  const { kid: _kid, ...jwk } = test.publicJwk
  return jwk
}

function toKeyObject(test: TestKey): KeyObject {
  return createPublicKey({ key: test.publicJwk as never, format: 'jwk' })
}
