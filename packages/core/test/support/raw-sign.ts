import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  sign as cryptoSign,
  type JsonWebKey,
} from 'node:crypto'
import type { JWK } from 'jose'
import { b64url } from './keys.js'

/**
 * Signs a compact JWS with node:crypto directly, for keys jose refuses to sign with (1024-bit RSA, keys
 * from test vectors with odd metadata) and for hand-built headers. Test support only.
 */

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

function hashOf(alg: string): string {
  const hash = HASHES[alg.slice(-3)]
  if (!hash) throw new Error(`no hash for ${alg}`)
  return hash
}

/** The signing input `b64url(header).b64url(payload)` for raw header and payload values. */
export function signingInput(header: object | string, payload: object | string): string {
  const encode = (part: object | string) => b64url(typeof part === 'string' ? part : JSON.stringify(part))
  return `${encode(header)}.${encode(payload)}`
}

/** Signs `input` with a private JWK (RSA, EC, OKP) or HMAC key bytes, per JWS `alg`. */
export function rawSignature(alg: string, key: JWK | Uint8Array, input: string): string {
  const data = Buffer.from(input, 'ascii')
  if (alg.startsWith('HS'))
    return createHmac(hashOf(alg), key as Uint8Array)
      .update(data)
      .digest('base64url')
  const privateKey = createPrivateKey({ key: key as JsonWebKey, format: 'jwk' })
  if (alg === 'EdDSA' || alg === 'Ed25519') return cryptoSign(null, data, privateKey).toString('base64url')
  if (alg.startsWith('ES')) {
    return cryptoSign(hashOf(alg), data, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')
  }
  if (alg.startsWith('PS')) {
    return cryptoSign(hashOf(alg), data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(alg.slice(-3)) / 8,
    }).toString('base64url')
  }
  return cryptoSign(hashOf(alg), data, privateKey).toString('base64url')
}

/** A whole compact JWS from raw parts. */
export function rawSign(
  alg: string,
  key: JWK | Uint8Array,
  header: object,
  payload: object | string,
): string {
  const input = signingInput(header, payload)
  return `${input}.${rawSignature(alg, key, input)}`
}

/**
 * An RS256 "signature" that needs no private key when the public exponent is 1: s^1 mod n = s, so the
 * EMSA-PKCS1-v1_5 encoded message itself verifies (RFC 8017 §9.2). `modulusBytes` is the key size.
 */
export function forgeRs256ForExponentOne(input: string, modulusBytes: number): string {
  const digestInfo = Buffer.concat([
    Buffer.from('3031300d060960864801650304020105000420', 'hex'),
    createHash('sha256').update(input, 'ascii').digest(),
  ])
  const padding = Buffer.alloc(modulusBytes - digestInfo.length - 3, 0xff)
  return Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), digestInfo]).toString('base64url')
}
