import type { AsymmetricAlgorithm, Algorithm } from './options.js'
import { HMAC_ALGORITHMS } from './keys/secret-key.js'

/** Default allowlist (RFC 8725 §3.1, §3.2): asymmetric algorithms only. */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]

export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set<string>([...DEFAULT_ALGORITHMS, 'Ed25519'])
export const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set<string>([
  ...ASYMMETRIC_ALGORITHMS,
  ...HMAC_ALGORITHMS,
])

export function isSymmetric(alg: Algorithm | string): boolean {
  return alg.startsWith('HS')
}
