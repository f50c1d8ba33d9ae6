import { createSecretKey, KeyObject } from 'node:crypto'
import { errors } from 'jose'
import { ConfigError } from '../errors.js'
import type { SymmetricAlgorithm } from '../options.js'
import type { KeySource } from './key-source.js'

/** RFC 7518 §3.2: the key must be at least as long as the hash output. */
const MIN_SECRET_BYTES: Record<SymmetricAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 }

export const HMAC_ALGORITHMS = Object.keys(MIN_SECRET_BYTES) as SymmetricAlgorithm[]

/**
 * True for text that is a key in PEM or JWK form, wherever it starts (leading whitespace, BOM, comments).
 * Such a "secret" is almost always an issuer's public key: with it, anyone could mint HS256 tokens
 * (CVE-2016-10555; fast-jwt CVE-2023-48223, CVE-2026-34950, GHSA-ww5h-9m49-7xx4, GHSA-g3jj-5cmm-3hxx).
 */
function looksLikeKeyMaterial(bytes: Buffer): boolean {
  const text = bytes.toString('utf8')
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(text)) return true
  const json = text.slice(text.search(/[{[]/))
  try {
    const value: unknown = JSON.parse(json)
    return typeof value === 'object' && value !== null && ('kty' in value || 'keys' in value)
  } catch {
    return false
  }
}

export function toSecretKey(secret: unknown, option: string): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret')
      throw new ConfigError(option, 'must be a secret KeyObject, a string or bytes')
    return secret
  }
  const bytes =
    typeof secret === 'string'
      ? Buffer.from(secret, 'utf8')
      : secret instanceof Uint8Array
        ? Buffer.from(secret)
        : undefined
  if (bytes !== undefined) {
    if (looksLikeKeyMaterial(bytes))
      throw new ConfigError(option, 'holds a PEM or JWK key: public keys belong in "keys", never in "secret"')
    return createSecretKey(bytes)
  }
  throw new ConfigError(option, 'must be a string, a Uint8Array or a secret KeyObject')
}

/** The HMAC algorithms a secret of this length may be used with. */
export function algorithmsForSecret(key: KeyObject): SymmetricAlgorithm[] {
  const bytes = key.symmetricKeySize ?? 0
  return HMAC_ALGORITHMS.filter((alg) => bytes >= MIN_SECRET_BYTES[alg])
}

/** An HMAC secret; only ever used for HS* tokens. */
export function createSecretKeySource(key: KeyObject, option: string): KeySource {
  if (algorithmsForSecret(key).length === 0) {
    throw new ConfigError(option, `must be at least ${MIN_SECRET_BYTES.HS256} bytes long (RFC 7518 §3.2)`)
  }
  return {
    description: 'the HMAC secret',
    generation: 0,
    knownKey: (alg) => (HMAC_ALGORITHMS.includes(alg as SymmetricAlgorithm) ? key : undefined),
    async getKey(header) {
      // The allowlist is checked first; this keeps the secret structurally unusable for any other alg.
      if (!HMAC_ALGORITHMS.includes(header.alg as SymmetricAlgorithm))
        throw new errors.JOSEAlgNotAllowed('algorithm not allowed')
      return key
    },
  }
}
