import { createSecretKey, KeyObject } from 'node:crypto'
import { errors } from 'jose'
import { ConfigError } from '../errors.js'
import type { SymmetricAlgorithm } from '../options.js'
import type { KeySource } from './key-source.js'

/** RFC 7518 §3.2: the key must be at least as long as the hash output. */
const MIN_SECRET_BYTES: Record<SymmetricAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 }

export const HMAC_ALGORITHMS = Object.keys(MIN_SECRET_BYTES) as SymmetricAlgorithm[]

export function toSecretKey(secret: unknown, option: string): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret')
      throw new ConfigError(option, 'must be a secret KeyObject, a string or bytes')
    return secret
  }
  if (typeof secret === 'string') return createSecretKey(Buffer.from(secret, 'utf8'))
  if (secret instanceof Uint8Array) return createSecretKey(Buffer.from(secret))
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
    generation: 0,
    async getKey(header) {
      // jose also checks the allowlist; this keeps the secret structurally unusable for any other alg.
      if (!HMAC_ALGORITHMS.includes(header.alg as SymmetricAlgorithm))
        throw new errors.JOSEAlgNotAllowed('algorithm not allowed')
      return key
    },
  }
}
