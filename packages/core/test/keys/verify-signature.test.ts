import { describe, expect, it } from '@jest/globals'
import type { KeyObject } from 'node:crypto'
import {
  constants,
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyPairKeyObjectResult,
} from 'node:crypto'
import { importJWK, type CryptoKey } from 'jose'
import { verifySignature } from '../../src/keys/verify-signature.js'

/**
 * The node:crypto signature step on its own: the parameters each JWS algorithm fixes (RFC 7518 §3,
 * RFC 8037), and the rule that a key only ever verifies for the algorithm it fits. The Wycheproof suite
 * runs the same function against jose's verdict on every vector; these are the cases it cannot reach.
 */

const input = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0', 'latin1')

const pairs = {
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  rsa1024: generateKeyPairSync('rsa', { modulusLength: 1024 }),
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  ed25519: generateKeyPairSync('ed25519'),
  ed448: generateKeyPairSync('ed448'),
}
const secret = createSecretKey(Buffer.alloc(64, 7))

function sign(alg: string, pair: KeyPairKeyObjectResult): Buffer {
  const hash = `sha${alg.slice(2)}`
  if (alg.startsWith('PS')) {
    const saltLength = Number(alg.slice(2)) / 8
    return cryptoSign(hash, input, {
      key: pair.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    })
  }
  if (alg.startsWith('ES'))
    return cryptoSign(hash, input, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' })
  if (alg === 'EdDSA' || alg === 'Ed25519') return cryptoSign(null, input, pair.privateKey)
  return cryptoSign(hash, input, pair.privateKey)
}

const verify = (alg: string, key: KeyObject, signature: Buffer) =>
  Promise.resolve().then(() => verifySignature(alg, key, input, signature))

describe('a good signature verifies, a changed one does not', () => {
  it.each([
    ['RS256', pairs.rsa],
    ['RS384', pairs.rsa],
    ['RS512', pairs.rsa],
    ['PS256', pairs.rsa],
    ['PS384', pairs.rsa],
    ['PS512', pairs.rsa],
    ['ES256', pairs.p256],
    ['ES384', pairs.p384],
    ['ES512', pairs.p521],
    ['EdDSA', pairs.ed25519],
    ['Ed25519', pairs.ed25519],
  ] as const)('%s', async (alg, pair) => {
    const signature = sign(alg, pair)
    await expect(verify(alg, pair.publicKey, signature)).resolves.toBe(true)
    const flipped = Buffer.from(signature)
    flipped[flipped.length - 1]! ^= 1
    await expect(verify(alg, pair.publicKey, flipped)).resolves.toBe(false)
    await expect(verify(alg, pair.publicKey, Buffer.alloc(0))).resolves.toBe(false)
  })

  it.each(['HS256', 'HS384', 'HS512'])('%s, compared in full (no prefix, no truncation)', (alg) => {
    const mac = createHmac(`sha${alg.slice(2)}`, secret)
      .update(input)
      .digest()
    expect(verifySignature(alg, secret, input, mac)).toBe(true)
    expect(verifySignature(alg, secret, input, mac.subarray(0, 16))).toBe(false)
    expect(verifySignature(alg, secret, input, Buffer.concat([mac, Buffer.of(0)]))).toBe(false)
    expect(verifySignature(alg, secret, Buffer.concat([input, Buffer.of(0x2e)]), mac)).toBe(false)
  })

  it('checks a CryptoKey from jose as well as a KeyObject', async () => {
    const jwk = pairs.p256.publicKey.export({ format: 'jwk' })
    const cryptoKey = await importJWK(jwk, 'ES256')
    await expect(
      Promise.resolve(verifySignature('ES256', cryptoKey as CryptoKey, input, sign('ES256', pairs.p256))),
    ).resolves.toBe(true)
  })
})

describe('the parameters each algorithm fixes', () => {
  it('PS256 takes only a salt as long as the hash (RFC 7518 §3.5), not whatever the signature claims', async () => {
    const other = cryptoSign('sha256', input, {
      key: pairs.rsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 20,
    })
    await expect(verify('PS256', pairs.rsa.publicKey, other)).resolves.toBe(false)
  })

  it('RS256 does not take a PSS signature, nor PS256 a PKCS#1 v1.5 one', async () => {
    await expect(verify('RS256', pairs.rsa.publicKey, sign('PS256', pairs.rsa))).resolves.toBe(false)
    await expect(verify('PS256', pairs.rsa.publicKey, sign('RS256', pairs.rsa))).resolves.toBe(false)
  })

  it('ECDSA takes the fixed-size R‖S form only, never DER (RFC 7518 §3.4)', async () => {
    const der = cryptoSign('sha256', input, { key: pairs.p256.privateKey, dsaEncoding: 'der' })
    await expect(verify('ES256', pairs.p256.publicKey, der)).resolves.toBe(false)
    const p1363 = sign('ES256', pairs.p256)
    await expect(verify('ES256', pairs.p256.publicKey, Buffer.concat([Buffer.of(0), p1363]))).resolves.toBe(
      false,
    )
  })

  it('a hash of another size does not pass (RS384 signature under RS256)', async () => {
    await expect(verify('RS256', pairs.rsa.publicKey, sign('RS384', pairs.rsa))).resolves.toBe(false)
  })
})

describe('a key verifies only for the algorithm it fits (RFC 8725 §2.1)', () => {
  it.each([
    ['RS256', 'a P-256 key', pairs.p256.publicKey],
    ['PS256', 'an Ed25519 key', pairs.ed25519.publicKey],
    ['RS256', 'an RSA key under 2048 bits', pairs.rsa1024.publicKey],
    ['RS256', 'an HMAC secret', secret],
    ['RS256', 'a private key', pairs.rsa.privateKey],
    ['ES256', 'an RSA key', pairs.rsa.publicKey],
    ['ES256', 'a P-384 key', pairs.p384.publicKey],
    ['ES384', 'a P-256 key', pairs.p256.publicKey],
    ['ES512', 'a P-384 key', pairs.p384.publicKey],
    ['EdDSA', 'an Ed448 key (jose supports Ed25519 only)', pairs.ed448.publicKey],
    ['EdDSA', 'a P-256 key', pairs.p256.publicKey],
    ['HS256', 'an RSA public key', pairs.rsa.publicKey],
    ['none', 'any key', pairs.rsa.publicKey],
    ['RS1', 'any key', pairs.rsa.publicKey],
  ] as const)('%s refuses %s', (alg, _name, key) => {
    expect(() => verifySignature(alg, key, input, Buffer.alloc(64))).toThrow(TypeError)
  })

  it('keeps the verdict per key and algorithm: a key checked for one alg is still refused for another', async () => {
    const signature = sign('ES256', pairs.p256)
    await expect(verify('ES256', pairs.p256.publicKey, signature)).resolves.toBe(true)
    expect(() => verifySignature('ES384', pairs.p256.publicKey, input, signature)).toThrow(TypeError)
    await expect(verify('ES256', pairs.p256.publicKey, signature)).resolves.toBe(true)
  })
})

describe('checks in flight at once (on the thread pool)', () => {
  it('each get their own verdict', async () => {
    const inputs = Array.from({ length: 64 }, (_, i) =>
      Buffer.from(`${input.toString('latin1')}${i}`, 'latin1'),
    )
    const signatures = inputs.map((data) => cryptoSign('sha256', data, pairs.rsa.privateKey))
    // Every third signature is checked against the next input: it must fail, and only it.
    const verdicts = await Promise.all(
      inputs.map((data, i) =>
        verifySignature(
          'RS256',
          pairs.rsa.publicKey,
          i % 3 === 0 ? inputs[(i + 1) % 64]! : data,
          signatures[i]!,
        ),
      ),
    )
    expect(verdicts).toEqual(inputs.map((_, i) => i % 3 !== 0))
  })
})
