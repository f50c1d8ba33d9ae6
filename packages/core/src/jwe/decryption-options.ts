import { createPrivateKey, createSecretKey, KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import { ConfigError } from '../errors.js'
import type { DecryptionKeyInput, DecryptionOptions } from './decryption-types.js'

/**
 * Checks an issuer's `decryption` option once, at start-up, and imports its keys. Algorithms that are
 * never safe here (RFC 8725 §3.2: `RSA1_5`'s padding oracle, `PBES2-*`'s attacker-chosen iteration count)
 * are refused outright, and every listed algorithm must have a configured key that can use it.
 */

/** Key management algorithms accepted when `algorithms` is left out (and a key of their type is configured). */
export const DEFAULT_KEY_MANAGEMENT: readonly string[] = [
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A256KW',
]

/** With a symmetric key only: direct encryption and AES key wrap, each with a key of its exact size. */
const SYMMETRIC_KEY_MANAGEMENT: readonly string[] = [
  'dir',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
]

const SUPPORTED_KEY_MANAGEMENT: ReadonlySet<string> = new Set([
  ...DEFAULT_KEY_MANAGEMENT,
  'ECDH-ES+A192KW',
  ...SYMMETRIC_KEY_MANAGEMENT,
])

/** Content encryption algorithms (RFC 7518 §5.1) and the size of their key, in bytes. */
export const CONTENT_KEY_BYTES: Readonly<Record<string, number>> = {
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
}

/** Smallest RSA modulus accepted for RSA-OAEP (RFC 8725 §3.5 as for signatures). */
const MIN_RSA_BITS = 2048
const ECDH_CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384', 'P-521', 'X25519'])

/** One configured private or secret key, imported once. */
export interface DecryptionKey {
  readonly key: KeyObject
  readonly kid: string | undefined
  /** `RSA`, `EC` (NIST curves and X25519) or `oct`. */
  readonly family: 'RSA' | 'EC' | 'oct'
  /** The curve of an `EC` key. */
  readonly crv: string | undefined
  /** Bytes of the RSA modulus (the exact size of an encrypted key) or of a secret key. */
  readonly bytes: number
  /** The JWK's `alg`, which restricts the key to that algorithm. */
  readonly alg: string | undefined
}

/** An issuer's resolved `decryption` option. */
export interface IssuerDecryption {
  readonly keys: readonly DecryptionKey[]
  readonly algorithms: ReadonlySet<string>
  readonly encryptions: ReadonlySet<string>
  readonly required: boolean
}

const KNOWN_OPTIONS = new Set(['keys', 'algorithms', 'encryptions', 'required'])

/** Whether `key` can unwrap or be the content key of a token protected with `alg` (and `enc`, for `dir`). */
export function keyFits(key: DecryptionKey, alg: string, enc?: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false
  if (alg.startsWith('RSA-OAEP')) return key.family === 'RSA'
  if (alg.startsWith('ECDH-ES')) return key.family === 'EC'
  if (key.family !== 'oct') return false
  if (alg === 'dir') return enc === undefined || CONTENT_KEY_BYTES[enc] === key.bytes
  // A128KW, A192GCMKW, …: the key size is in the name.
  return key.bytes * 8 === Number(alg.slice(1, 4))
}

function isKeyWithKid(input: object): input is { key: unknown; kid?: unknown } {
  return 'key' in input && !('kty' in input)
}

function importKey(input: unknown, option: string): KeyObject {
  if (input instanceof KeyObject) return input
  if (typeof input === 'string') {
    try {
      return createPrivateKey(input)
    } catch (cause) {
      throw new ConfigError(option, `holds a PEM that is not a private key (${(cause as Error).message})`)
    }
  }
  if (typeof input !== 'object' || input === null)
    throw new ConfigError(option, 'must hold JWKs, PEM strings or KeyObjects')
  const jwk = input as JWK
  if (jwk.use !== undefined && jwk.use !== 'enc')
    throw new ConfigError(option, `holds a JWK with use "${String(jwk.use)}", not "enc"`)
  try {
    if (jwk.kty === 'oct') {
      if (typeof jwk.k !== 'string') throw new TypeError('no "k"')
      return createSecretKey(Buffer.from(jwk.k, 'base64url'))
    }
    return createPrivateKey({ key: jwk, format: 'jwk' })
  } catch (cause) {
    throw new ConfigError(option, `holds a JWK that is not a private key (${(cause as Error).message})`)
  }
}

function describeKey(key: KeyObject, option: string): Pick<DecryptionKey, 'family' | 'crv' | 'bytes'> {
  if (key.type === 'secret') {
    const bytes = key.symmetricKeySize as number
    if (![16, 24, 32, 48, 64].includes(bytes))
      throw new ConfigError(option, 'holds a secret key that is not 16, 24, 32, 48 or 64 bytes long')
    return { family: 'oct', crv: undefined, bytes }
  }
  if (key.type !== 'private') throw new ConfigError(option, 'must hold private keys, not public keys')
  // Node reports the details of every RSA and EC key.
  const details = key.asymmetricKeyDetails as { modulusLength: number; namedCurve?: string }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength
    if (bits < MIN_RSA_BITS)
      throw new ConfigError(option, `holds an RSA key of ${bits} bits (at least ${MIN_RSA_BITS})`)
    return { family: 'RSA', crv: undefined, bytes: Math.ceil(bits / 8) }
  }
  const crv =
    key.asymmetricKeyType === 'x25519'
      ? 'X25519'
      : key.asymmetricKeyType === 'ec'
        ? ({ prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' } as Record<string, string>)[
            details.namedCurve as string
          ]
        : undefined
  if (crv === undefined || !ECDH_CURVES.has(crv))
    throw new ConfigError(option, 'holds a key that is not RSA, EC (P-256/384/521), X25519 or a secret')
  return { family: 'EC', crv, bytes: 0 }
}

function resolveKey(input: DecryptionKeyInput, option: string): DecryptionKey {
  let given: unknown = input
  let kid: unknown
  if (typeof input === 'object' && input !== null && !(input instanceof KeyObject) && isKeyWithKid(input)) {
    given = input.key
    kid = input.kid
  } else if (typeof input === 'object' && input !== null && !(input instanceof KeyObject)) {
    kid = (input as JWK).kid
  }
  if (kid !== undefined && (typeof kid !== 'string' || kid === ''))
    throw new ConfigError(option, 'holds a kid that is not a non-empty string')
  const key = importKey(given, option)
  const alg =
    given !== null && typeof given === 'object' && !(given instanceof KeyObject)
      ? (given as JWK).alg
      : undefined
  if (alg !== undefined && !SUPPORTED_KEY_MANAGEMENT.has(alg))
    throw new ConfigError(
      option,
      `holds a JWK whose alg "${String(alg)}" is not an accepted key management algorithm`,
    )
  return { key, kid: kid as string | undefined, alg, ...describeKey(key, option) }
}

function stringList(value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string'))
    throw new ConfigError(option, 'must be a non-empty array of algorithm names')
  return value as string[]
}

function resolveAlgorithms(value: unknown, option: string, keys: readonly DecryptionKey[]): Set<string> {
  const listed = stringList(value, option)
  for (const alg of listed ?? []) {
    if (alg === 'RSA1_5' || alg.startsWith('PBES2'))
      throw new ConfigError(option, `holds ${alg}, which is never accepted (RFC 8725 §3.2)`)
    if (!SUPPORTED_KEY_MANAGEMENT.has(alg))
      throw new ConfigError(
        option,
        `holds an unsupported algorithm (supported: ${[...SUPPORTED_KEY_MANAGEMENT].join(', ')})`,
      )
    if (!keys.some((key) => keyFits(key, alg)))
      throw new ConfigError(
        option,
        SYMMETRIC_KEY_MANAGEMENT.includes(alg)
          ? `holds ${alg}, which needs a configured secret key of its size`
          : `holds ${alg}, which no configured key can use`,
      )
  }
  if (listed !== undefined) return new Set(listed)
  const defaults = [...DEFAULT_KEY_MANAGEMENT, ...SYMMETRIC_KEY_MANAGEMENT].filter((alg) =>
    keys.some((key) => keyFits(key, alg)),
  )
  // Never empty: every accepted key fits RSA-OAEP, ECDH-ES or (any secret size) `dir`.
  return new Set(defaults)
}

function resolveEncryptions(value: unknown, option: string): Set<string> {
  const listed = stringList(value, option) ?? Object.keys(CONTENT_KEY_BYTES)
  for (const enc of listed)
    if (CONTENT_KEY_BYTES[enc] === undefined)
      throw new ConfigError(
        option,
        `holds an unsupported algorithm (supported: ${Object.keys(CONTENT_KEY_BYTES).join(', ')})`,
      )
  return new Set(listed)
}

/**
 * Resolves one issuer's `decryption` option (`prefix` names where it sits, e.g. `issuer[0].`), or
 * `undefined` when it is left out.
 */
export function resolveDecryption(
  value: DecryptionOptions | undefined,
  prefix: string,
): IssuerDecryption | undefined {
  if (value === undefined) return undefined
  const option = `${prefix}decryption`
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(option, 'must be an object')
  for (const name of Object.keys(value))
    if (!KNOWN_OPTIONS.has(name)) throw new ConfigError(`${option}.${name}`, 'is not a known option')
  const inputs = Array.isArray(value.keys) ? value.keys : value.keys === undefined ? [] : [value.keys]
  if (inputs.length === 0) throw new ConfigError(`${option}.keys`, 'must hold at least one key')
  const keys = inputs.map((input) => resolveKey(input, `${option}.keys`))
  if (value.required !== undefined && typeof value.required !== 'boolean')
    throw new ConfigError(`${option}.required`, 'must be a boolean')
  return {
    keys,
    algorithms: resolveAlgorithms(value.algorithms, `${option}.algorithms`, keys),
    encryptions: resolveEncryptions(value.encryptions, `${option}.encryptions`),
    required: value.required === true,
  }
}
