import { createPublicKey, type JsonWebKey } from 'node:crypto'
import type { JWK } from 'jose'
import { hasRocaFingerprint } from './roca.js'

/**
 * Filters a JWK Set down to keys that are safe to verify with. Unsafe or unusable keys are skipped, never
 * fatal to the set, so one bad entry published by an issuer does not take all its other keys down.
 */

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const MIN_RSA_BITS = 2048
/** Verification cost grows with the modulus; bigger keys only buy an attacker CPU time (RFC 8725 §2.9). */
const MAX_RSA_BITS = 8192

const ALGORITHMS_BY_KEY_TYPE: Record<string, (jwk: JWK) => ReadonlySet<string>> = {
  RSA: () => new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']),
  EC: (jwk) =>
    new Set(
      jwk.crv === 'P-256'
        ? ['ES256']
        : jwk.crv === 'P-384'
          ? ['ES384']
          : jwk.crv === 'P-521'
            ? ['ES512']
            : [],
    ),
  OKP: (jwk) => new Set(jwk.crv === 'Ed25519' ? ['EdDSA', 'Ed25519'] : jwk.crv === 'Ed448' ? ['EdDSA'] : []),
}

function base64urlBitLength(value: string): number {
  const bytes = Buffer.from(value, 'base64url')
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] as number))
}

/**
 * Largest RSA public exponent accepted. Verification cost grows with the exponent's length as it does with
 * the modulus': a ~3000-bit `e` makes each forged token cost ~20× the largest key the modulus bound means
 * to allow. Real keys use 65537; no common library makes exponents above 2^32.
 */
const MAX_RSA_EXPONENT = 2n ** 32n

/** Why an RSA public exponent is refused, or `undefined` when it is odd, at least 3 and at most 2^32. */
function rsaExponentProblem(e: string): string | undefined {
  const bytes = Buffer.from(e, 'base64url')
  // Checked on the length first, so a huge exponent is never turned into a BigInt.
  if (bytes.length > 8 && bytes.subarray(0, bytes.length - 8).some((byte) => byte !== 0))
    return 'RSA exponent is larger than 2^32'
  const value = BigInt(`0x${bytes.toString('hex') || '0'}`)
  if (value > MAX_RSA_EXPONENT) return 'RSA exponent is larger than 2^32'
  if (value < 3n || value % 2n !== 1n) return 'RSA exponent is not odd and at least 3'
  return undefined
}

/**
 * Why the verifier skips a JWK of a JWK Set (`'use is not sig'`, `'RSA modulus size out of bounds'`, …), or
 * `undefined` when it is usable. The rule every remote key set applies; exported for tools that report on
 * key health, such as `tokenguard keys`.
 *
 * @example
 * ```ts
 * const { keys } = (await (await fetch(jwksUri)).json()) as { keys: unknown[] }
 * for (const key of keys) console.warn(unusableKeyReason(key) ?? 'usable')
 * ```
 */
export function unusableKeyReason(jwk: unknown): string | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'not an object'
  const key = jwk as JWK
  if (typeof key.kty !== 'string') return 'no kty'
  const algorithmsFor = ALGORITHMS_BY_KEY_TYPE[key.kty]
  if (!algorithmsFor) return `unsupported kty`
  if (PRIVATE_MEMBERS.some((member) => member in key)) return 'carries private or secret members'
  if (key.use !== undefined && key.use !== 'sig') return 'use is not sig'
  if (key.key_ops !== undefined && !(Array.isArray(key.key_ops) && key.key_ops.includes('verify'))) {
    return 'key_ops does not allow verify'
  }
  if (key.kid !== undefined && typeof key.kid !== 'string') return 'kid is not a string'
  const algorithms = algorithmsFor(key)
  if (algorithms.size === 0) return 'unsupported curve'
  if (key.alg !== undefined && !algorithms.has(key.alg)) return 'alg does not fit the key type'
  if (key.kty === 'RSA') {
    if (typeof key.n !== 'string' || typeof key.e !== 'string') return 'malformed RSA key'
    const bits = base64urlBitLength(key.n)
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) return 'RSA modulus size out of bounds'
    const exponentProblem = rsaExponentProblem(key.e)
    if (exponentProblem !== undefined) return exponentProblem
    // jose and node:crypto accept these; anyone can factor them (CVE-2017-15361).
    if (hasRocaFingerprint(Buffer.from(key.n, 'base64url'))) return 'RSA modulus is ROCA-vulnerable'
  }
  try {
    // node:crypto validates the encoding and, for EC keys, that the point is on the curve.
    createPublicKey({ key: key as JsonWebKey, format: 'jwk' })
  } catch {
    return 'invalid key material'
  }
  return undefined
}

export interface UsableKeys {
  keys: JWK[]
  skipped: number
}

/** Keeps the usable keys of a JWK Set, at most `maxKeys` of them. */
export function selectUsableKeys(candidates: readonly unknown[], maxKeys: number): UsableKeys {
  const keys: JWK[] = []
  let skipped = 0
  for (const candidate of candidates) {
    if (keys.length >= maxKeys || unusableKeyReason(candidate) !== undefined) skipped++
    else keys.push(candidate as JWK)
  }
  return { keys, skipped }
}
